"""The worker makes no reference cycles per message, so collecting rarely costs it no memory.

``streams.worker.quiet_gc`` runs a worker process with the collector's young threshold at 50,000 net
new containers instead of 700: it is only sound while a batch's objects die by their reference
counts. This runs batches through a worker on a real Redis with the collector off and counts what a
full collection then finds unreachable.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator

import pytest
import redis

from city.citypack import CityPack, load_city_pack
from core.keys import Keys, partition_of
from core.settings import ROOT, Settings
from streams.worker import GC_THRESHOLDS, Worker, quiet_gc

MINI = ROOT / "tests" / "fixtures" / "mini_city"
KEYS = Keys("cc")
PARTITIONS = 2
T0 = 1_700_000_000


def _messages(city: CityPack, rounds: int) -> list[tuple[str, dict[str, str]]]:
    """The city's units and vehicles and 200 unknown devices wandering, now and then too fast: fixes,
    zone changes and alerts in most batches."""
    rng = random.Random(3)
    lat0, lon0 = city.center
    subjects = sorted(city.units) + sorted(city.vehicles) + [f"DEV{n:03d}" for n in range(200)]
    pos = {s: (lat0 + rng.uniform(-0.01, 0.01), lon0 + rng.uniform(-0.02, 0.02)) for s in subjects}
    out = []
    for k in range(rounds):
        for s in subjects:
            lat, lon = pos[s]
            pos[s] = lat, lon = lat + rng.uniform(-0.002, 0.002), lon + rng.uniform(-0.004, 0.004)
            speed = 110.0 if k % 5 in (2, 3) else rng.uniform(10, 50)
            out.append((s, {"type": "gps", "id": s, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}",
                            "ts": str(T0 + 10 * k), "speed": f"{speed:.1f}"}))
    return out


@pytest.fixture()
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection finds stays in gc.garbage, to be named
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_batches_leave_nothing_for_the_collector(r: redis.Redis, redis_url: str, collector_off: None) -> None:
    city = load_city_pack(MINI)
    msgs = _messages(city, rounds=30)
    r.flushall()
    for subject, fields in msgs:
        r.xadd(KEYS.input(partition_of(subject, PARTITIONS)), fields)  # type: ignore[arg-type]
    settings = Settings(redis_url=redis_url, city_pack=MINI, demo=False, partitions=PARTITIONS, batch=100)
    worker = Worker(redis.Redis.from_url(redis_url, decode_responses=True), city, settings, name="gc", block_ms=10)
    worker.ensure_groups()
    worker.maintain()
    try:
        done = 0
        while done < len(msgs) // 3:  # warm: the memos, the scripts, the connections
            done += worker.step(settle=False)
        worker.settle()
        gc.collect()
        gc.garbage.clear()
        start = done
        while done < len(msgs):
            done += worker.step(settle=False)
        worker.settle()
        found = gc.collect()
        kinds = sorted({type(o).__name__ for o in gc.garbage})
    finally:
        worker.shutdown()
    assert int(r.hget(KEYS.stats, "alerts") or 0) > 0  # the batches did raise alerts
    # a handful of objects from the connections is allowed; one cycle per message would be thousands
    assert found <= 50, f"{found} objects in reference cycles after {done - start} messages: {kinds}"


def test_quiet_gc_sets_the_thresholds() -> None:
    before = gc.get_threshold()
    try:
        quiet_gc()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0  # the modules and whatever was alive are out of its passes
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
