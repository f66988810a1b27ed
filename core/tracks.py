"""The track store's recent part: every accepted fix of a unit or monitored vehicle, in Redis.

One string per subject per event-time hour, ``{{prefix}:trk:{bucket}}:{subject}:{hour}``, holding packed
little-endian records ``ts float64, lat float32, lon float32, speed float32`` (20 bytes; float32
keeps a coordinate to within 0.6 m). The worker APPENDs a batch's records per key inside its commit
transaction; a new key gets its time to live, ``CC_TRACK_RETENTION_S``, and its subject goes into the
hour's index set of its bucket ``{{prefix}:trk:{bucket}}:idx:{hour}`` (whose time to live is renewed).
So an hour's fixes stay at least the retention minus one hour after its last write. The bucket
(``core.keys.track_bucket``, from the subject alone) is a Cluster hash tag: one bucket's keys share
a slot, so the worker stores each bucket's fixes with one script call on a cluster too.

Why APPEND and not a sorted set keyed by ts: a sorted-set member costs ~60 bytes of Redis memory
and a ZADD per fix, a packed record 20 bytes and one APPEND per subject per batch. The commit is one
MULTI with the acks on a single server, so a redelivered batch was never appended (on a cluster a
worker that dies between its writes may append a batch twice); a message sent twice by its producer
(or a replayed file) would be, so readers sort by ts and drop repeated timestamps (``decode``).

Readers need the raw bytes: ``raw_client`` makes a client of the same server (or cluster) that does
not decode replies. Older hours move to Parquet files (core/trackfiles.py).
"""

from __future__ import annotations

import struct
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import redis

from core import redisio
from core.keys import Keys

__all__ = ["RECORD", "RECORD_STRUCT", "HOUR_S", "Track", "hour_of", "hours_between", "pack", "decode", "raw_client",
           "read_recent", "read_windows", "subjects_in", "empty_track", "from_records"]

RECORD = np.dtype([("ts", "<f8"), ("lat", "<f4"), ("lon", "<f4"), ("speed", "<f4")])
RECORD_STRUCT = struct.Struct("<dfff")  # the same record, one at a time
HOUR_S = 3600


@dataclass(frozen=True)
class Track:
    """One subject's fixes in time order, one timestamp once: parallel arrays."""

    ts: np.ndarray  # float64 epoch seconds
    lat: np.ndarray  # float64 degrees
    lon: np.ndarray
    speed: np.ndarray  # km/h

    def __len__(self) -> int:
        return len(self.ts)


def empty_track() -> Track:
    z = np.empty(0, dtype=float)
    return Track(z, z, z, z)


def hour_of(ts: float) -> int:
    """The event-time hour (epoch second of its start) that holds ``ts``.

    >>> hour_of(7199.9), hour_of(7200.0)
    (3600, 7200)
    """
    return int(ts // HOUR_S) * HOUR_S


def hours_between(t0: float, t1: float) -> list[int]:
    """Every hour that overlaps ``[t0, t1]``.

    >>> hours_between(3500, 7200)
    [0, 3600, 7200]
    """
    return list(range(hour_of(t0), hour_of(t1) + 1, HOUR_S)) if t1 >= t0 else []


def pack(rows: Iterable[tuple[float, float, float, float]]) -> bytes:
    """Records ``(ts, lat, lon, speed)`` as the stored bytes.

    >>> len(pack([(1.0, 22.5, 114.0, 30.0), (2.0, 22.5, 114.0, 0.0)]))
    40
    """
    return np.array(list(rows), dtype=RECORD).tobytes()


def decode(blobs: Iterable[bytes]) -> Track:
    """The fixes of some stored strings, sorted by time, each timestamp once (a fix stored twice is
    one fix).

    >>> t = decode([pack([(2.0, 1.0, 2.0, 3.0), (1.0, 1.0, 2.0, 0.0)]), pack([(2.0, 1.0, 2.0, 3.0)])])
    >>> t.ts.tolist(), t.speed.tolist()
    ([1.0, 2.0], [0.0, 3.0])
    """
    parts = [np.frombuffer(b, dtype=RECORD, count=len(b) // RECORD.itemsize) for b in blobs if b]
    if not parts:
        return empty_track()
    rec = np.concatenate(parts)
    return from_records(rec)


def from_records(rec: np.ndarray) -> Track:
    """A ``Track`` of records (any order, repeats allowed)."""
    _, first = np.unique(rec["ts"], return_index=True)  # sorted by ts, first of each timestamp
    rec = rec[first]
    return Track(rec["ts"].astype(float), rec["lat"].astype(float), rec["lon"].astype(float),
                 rec["speed"].astype(float))


_RAW: weakref.WeakKeyDictionary[redis.Redis, redis.Redis] = weakref.WeakKeyDictionary()


def raw_client(client: redis.Redis) -> redis.Redis:
    """A client of ``client``'s server or cluster that returns bytes (records are binary), one per client."""
    found = _RAW.get(client)
    if found is None:
        if not redisio.decodes(client):
            return client
        found = _RAW[client] = redisio.binary(client)
    return found


def subjects_in(raw: redis.Redis, keys: Keys, hour: int) -> list[str]:
    """The subjects with fixes stored in Redis for ``hour``, sorted."""
    with raw.pipeline(transaction=False) as pipe:
        for name in keys.trk_hours(hour):
            pipe.smembers(name)
        found = set().union(*pipe.execute())
    return sorted(s.decode("utf-8", "replace") if isinstance(s, bytes) else s for s in found)


def read_recent(raw: redis.Redis, keys: Keys, t0: float, t1: float,
                subjects: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """The raw records in Redis of the hours overlapping ``[t0, t1]``, per subject (all subjects of
    those hours when ``subjects`` is None); not yet cut to the range, sorted or deduplicated."""
    hours = hours_between(t0, t1)
    wanted = None if subjects is None else sorted(set(subjects))
    pairs: list[tuple[str, int]] = []
    for hour in hours:
        for subject in (subjects_in(raw, keys, hour) if wanted is None else wanted):
            pairs.append((subject, hour))
    return _records(raw, keys, pairs)


def read_windows(raw: redis.Redis, keys: Keys, windows: Mapping[str, tuple[float, float]]) -> dict[str, Track]:
    """Each subject's fixes in Redis within its own ``(t0, t1)`` window, in time order, each timestamp
    once; subjects with none are left out. One ``MGET`` (per slot on a cluster) for all."""
    pairs = [(s, hour) for s, (t0, t1) in windows.items() for hour in hours_between(t0, t1)]
    out: dict[str, Track] = {}
    for subject, rec in _records(raw, keys, pairs).items():
        t0, t1 = windows[subject]
        rec = rec[(rec["ts"] >= t0) & (rec["ts"] <= t1)]
        if len(rec):
            out[subject] = from_records(rec)
    return out


def _records(raw: redis.Redis, keys: Keys, pairs: list[tuple[str, int]]) -> dict[str, np.ndarray]:
    """The records of each (subject, hour) key, concatenated per subject (as stored: unsorted)."""
    out: dict[str, list[np.ndarray]] = {}
    for i in range(0, len(pairs), 2000):
        chunk = pairs[i:i + 2000]
        blobs = redisio.mget(raw, [keys.trk(s, h) for s, h in chunk])
        for (subject, _), blob in zip(chunk, blobs, strict=True):
            if blob:
                out.setdefault(subject, []).append(np.frombuffer(blob, dtype=RECORD,
                                                                 count=len(blob) // RECORD.itemsize))
    return {s: np.concatenate(parts) for s, parts in out.items()}
