"""The track store's older part: whole past hours moved from Redis into Parquet files (pyarrow),
one file per UTC day, ``{data_dir}/tracks/{YYYY-MM-DD}.parquet``; and the one reader of a time range
across both parts. docs/HISTORY.md says why Parquet through pyarrow, with measurements.

Rows: ``subject`` (string), ``ts`` (float64), ``lat``, ``lon``, ``speed`` (float32), sorted by
subject then time, so a query by units and time reads little (row-group statistics).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import redis

from core import tracks
from core.keys import Keys

__all__ = ["SCHEMA", "day_of", "day_file", "archive_hours", "read_archived", "read_tracks", "archived_hours_before",
           "any_stored"]

SCHEMA = pa.schema([("subject", pa.string()), ("ts", pa.float64()), ("lat", pa.float32()), ("lon", pa.float32()),
                    ("speed", pa.float32())])
ROW_GROUP = 262_144


def day_of(ts: float) -> str:
    """The UTC day of ``ts``, the name of its file.

    >>> day_of(1_700_000_000)
    '2023-11-14'
    """
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d")


def day_file(data_dir: Path, day: str) -> Path:
    return Path(data_dir) / "tracks" / f"{day}.parquet"


def _table(per_subject: dict[str, np.ndarray]) -> pa.Table:
    subjects = sorted(per_subject)
    recs = [per_subject[s] for s in subjects]
    if not recs:
        return SCHEMA.empty_table()
    rec = np.concatenate(recs)
    names = np.repeat(np.array(subjects, dtype=object), [len(r) for r in recs])
    return pa.table({"subject": pa.array(names, pa.string()), "ts": rec["ts"], "lat": rec["lat"],
                     "lon": rec["lon"], "speed": rec["speed"]}, schema=SCHEMA)


def _write_day(path: Path, new: pa.Table) -> None:
    """Merge ``new`` into the day's file (rows deduplicated by subject and ts, sorted), atomically."""
    table = pa.concat_tables([pq.read_table(path, schema=SCHEMA), new]) if path.exists() else new
    table = table.sort_by([("subject", "ascending"), ("ts", "ascending")])
    if table.num_rows > 1:
        subj, ts = table["subject"], table["ts"]
        same = pc.and_(pc.equal(subj.slice(1), subj.slice(0, table.num_rows - 1)),
                       pc.equal(ts.slice(1), ts.slice(0, table.num_rows - 1)))
        keep = pa.concat_arrays([pa.array([True]), pc.invert(same).combine_chunks()])
        table = table.filter(keep)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, row_group_size=ROW_GROUP, compression="zstd")
    os.replace(tmp, path)


def archived_hours_before(raw: redis.Redis, keys: Keys, before_ts: float) -> list[int]:
    """The hours still in Redis that end at or before ``before_ts``, oldest first."""
    hours = set()
    for key in raw.scan_iter(match=keys.trk_hour_pattern, count=1000):
        name = key.decode() if isinstance(key, bytes) else key
        tail = name.rsplit(":", 1)[-1]
        if tail.isdigit() and int(tail) + tracks.HOUR_S <= before_ts:
            hours.add(int(tail))
    return sorted(hours)


def archive_hours(client: redis.Redis, keys: Keys, data_dir: Path, before_ts: float) -> int:
    """Move every whole hour ending at or before ``before_ts`` (event time: e.g. the event clock
    minus an hour) from Redis into its day's Parquet file; returns the number of fixes moved.
    The Redis keys go only after the file is written, so a crash between the two moves nothing
    twice (the file deduplicates)."""
    raw = tracks.raw_client(client)
    moved = 0
    for hour in archived_hours_before(raw, keys, before_ts):
        subjects = tracks.subjects_in(raw, keys, hour)
        per_subject = tracks.read_recent(raw, keys, hour, hour + tracks.HOUR_S - 1e-6, subjects)
        table = _table(per_subject)
        if table.num_rows:
            _write_day(day_file(data_dir, day_of(hour)), table)
        moved += table.num_rows
        names = [keys.trk(s, hour) for s in subjects]
        for i in range(0, len(names), 1000):
            raw.delete(*names[i:i + 1000])
        raw.delete(*keys.trk_hours(hour))
    return moved


def read_archived(data_dir: Path, t0: float, t1: float, subjects: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """Records of ``[t0, t1]`` from the day files, per subject (all subjects when None)."""
    out: dict[str, list[np.ndarray]] = {}
    if t1 < t0:
        return {}
    wanted = None if subjects is None else sorted(set(subjects))
    for day in _days(t0, t1):
        path = day_file(data_dir, day)
        if not path.exists():
            continue
        filters: list[tuple[str, str, object]] = [("ts", ">=", t0), ("ts", "<=", t1)]
        if wanted is not None:
            filters.append(("subject", "in", wanted))
        table = pq.read_table(path, filters=filters, schema=SCHEMA)
        if not table.num_rows:
            continue
        subj = table["subject"].to_numpy(zero_copy_only=False)
        rec = np.empty(table.num_rows, dtype=tracks.RECORD)
        for name in ("ts", "lat", "lon", "speed"):
            rec[name] = table[name].to_numpy()
        starts = np.flatnonzero(np.r_[True, subj[1:] != subj[:-1]])
        for a, b in zip(starts, np.r_[starts[1:], len(subj)], strict=True):
            out.setdefault(str(subj[a]), []).append(rec[a:b])
    return {s: np.concatenate(parts) for s, parts in out.items()}


def read_tracks(client: redis.Redis, keys: Keys, data_dir: Path, t0: float, t1: float,
                subjects: Iterable[str] | None = None) -> dict[str, tracks.Track]:
    """Every stored fix of ``[t0, t1]`` per subject, from Redis and the day files together: sorted
    by time, each timestamp once (an hour being archived may briefly be in both)."""
    wanted = None if subjects is None else list(subjects)
    recent = tracks.read_recent(tracks.raw_client(client), keys, t0, t1, wanted)
    older = read_archived(data_dir, t0, t1, wanted)
    out: dict[str, tracks.Track] = {}
    for subject in sorted(set(recent) | set(older)):
        parts = [p for p in (recent.get(subject), older.get(subject)) if p is not None]
        rec = np.concatenate(parts)
        rec = rec[(rec["ts"] >= t0) & (rec["ts"] <= t1)]
        if len(rec):
            out[subject] = tracks.from_records(rec)
    return out


def any_stored(client: redis.Redis, keys: Keys, data_dir: Path, t0: float, t1: float) -> bool:
    """Whether the track store may hold fixes of ``[t0, t1]``: some subject has fixes in Redis in an
    hour overlapping it, or a day file of it exists (a whole day's file: a quick answer, not an
    exact one)."""
    raw = tracks.raw_client(client)
    with raw.pipeline(transaction=False) as pipe:  # one key each: a cluster's pipeline routes them
        for hour in tracks.hours_between(t0, t1):
            for name in keys.trk_hours(hour):
                pipe.exists(name)
        if any(pipe.execute()):
            return True
    return any(day_file(data_dir, day).exists() for day in _days(t0, t1))


def _days(t0: float, t1: float) -> list[str]:
    """The UTC days (``YYYY-MM-DD``, as the day files are named) that ``[t0, t1]`` touches.

    >>> _days(1_700_000_000, 1_700_000_000 + 86_400)
    ['2023-11-14', '2023-11-15']
    """
    first, last = dt.datetime.fromtimestamp(t0, dt.UTC).date(), dt.datetime.fromtimestamp(t1, dt.UTC).date()
    return [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
