"""The track store across Redis and Parquet: what the worker's script wrote reads back the same
before and after the archiver moved its hours into day files; repeats count once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import redis

from core import trackfiles, tracks
from core.keys import Keys
from core.model import Kind, Ping
from streams.commit import Scripts, queue_track_store

KEYS = Keys("cc")
T = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC; the next day starts 6,400 s later


def write(r: redis.Redis, pings: list[Ping]) -> None:
    scripts = Scripts.register(r)
    with r.pipeline(transaction=True) as pipe:
        queue_track_store(pipe, KEYS, pings, scripts.store, 86_400.0)
        pipe.execute()


def fixes(subject: str, start: float, n: int, step: float = 600.0) -> list[Ping]:
    return [Ping(subject, 22.5 + i * 1e-4, 114.0, start + i * step, kind=Kind.UNIT, speed_kmh=float(i))
            for i in range(n)]


def test_a_range_reads_the_same_from_redis_and_from_the_day_files(r: redis.Redis, tmp_path: Path) -> None:
    p01, p02 = fixes("P01", T, 20), fixes("P02", T + 300, 20)  # 3 h 10 min each, across midnight UTC
    write(r, p01 + p02)
    write(r, p01[:3])  # sent twice: one fix each
    before = trackfiles.read_tracks(r, KEYS, tmp_path, T, T + 20_000)
    assert sorted(before) == ["P01", "P02"]
    assert before["P01"].ts.tolist() == [p.ts for p in p01]
    assert before["P02"].speed.tolist() == [float(i) for i in range(20)]

    moved = trackfiles.archive_hours(r, KEYS, tmp_path, before_ts=T + 3 * 3600)
    assert moved > 0
    assert sorted(p.name for p in (tmp_path / "tracks").iterdir()) == ["2023-11-14.parquet", "2023-11-15.parquet"]
    assert r.exists(KEYS.trk("P01", tracks.hour_of(T))) == 0, "archived hours leave Redis"
    assert r.exists(KEYS.trk("P01", tracks.hour_of(p01[-1].ts))) == 1, "the newest hour stays"
    after = trackfiles.read_tracks(r, KEYS, tmp_path, T, T + 20_000)
    for subject in ("P01", "P02"):
        assert after[subject].ts.tolist() == before[subject].ts.tolist()
        assert np.array_equal(after[subject].lat, before[subject].lat)

    assert trackfiles.archive_hours(r, KEYS, tmp_path, before_ts=T + 3 * 3600) == 0  # nothing left to move
    part = trackfiles.read_tracks(r, KEYS, tmp_path, T + 1200, T + 2400, subjects=["P01"])
    assert list(part) == ["P01"] and part["P01"].ts.tolist() == [T + 1200, T + 1800, T + 2400]


def test_the_archiver_keeps_the_hours_near_the_event_clock(r: redis.Redis, tmp_path: Path) -> None:
    from core.settings import Settings
    from streams.archive import archive_once

    settings = Settings(data_dir=tmp_path)
    write(r, fixes("P01", T, 20))  # T .. T + 11,400
    assert archive_once(r, KEYS, settings, keep_hours=2) == 0, "no event clock yet: nothing moves"
    r.set(KEYS.clock, repr(T + 11_400))
    moved = archive_once(r, KEYS, settings, keep_hours=2)
    kept = tracks.read_recent(tracks.raw_client(r), KEYS, T, T + 20_000)["P01"]
    assert moved + len(kept) == 20
    assert kept["ts"].min() >= tracks.hour_of(T + 11_400 - 7200), "the two hours before the clock stay in Redis"


def test_any_stored_says_whether_a_range_may_hold_fixes(r: redis.Redis, tmp_path: Path) -> None:
    write(r, fixes("P01", T, 3))  # T .. T + 1,200, one hour in Redis
    assert trackfiles.any_stored(r, KEYS, tmp_path, T - 600, T + 60)
    assert not trackfiles.any_stored(r, KEYS, tmp_path, T - 86_400, T - 7200), "a range before the system ran"
    assert not trackfiles.any_stored(r, KEYS, tmp_path, T + 7200, T + 9000)
    trackfiles.archive_hours(r, KEYS, tmp_path, before_ts=T + 86_400)  # every hour to the day file
    assert r.exists(*KEYS.trk_hours(tracks.hour_of(T))) == 0
    assert trackfiles.any_stored(r, KEYS, tmp_path, T - 600, T + 60), "the day file holds it now"
    assert not trackfiles.any_stored(r, KEYS, tmp_path, T - 3 * 86_400, T - 2 * 86_400)
