"""The worker writes every accepted fix of a unit or monitored vehicle to the track store once, in
its commit transaction: a batch whose commit failed and was processed again stores nothing twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from city.citypack import CityPack, load_city_pack
from core import tracks
from core.keys import Keys, partition_of
from core.settings import ROOT, Settings
from streams.worker import Worker

MINI = ROOT / "tests" / "fixtures" / "mini_city"
KEYS = Keys("cc")
T = 1_700_000_000.0  # 22:13:20 UTC, inside the hour that starts at 1_699_999_200


@pytest.fixture(scope="module")
def city() -> CityPack:
    return load_city_pack(MINI)


def gps(subject: str, ts: float, lat: float = 22.505, lon: float = 114.005, speed: float | None = 30.0) -> dict[str, str]:
    fields = {"type": "gps", "id": subject, "lat": f"{lat}", "lon": f"{lon}", "ts": f"{ts:.0f}"}
    if speed is not None:
        fields["speed"] = f"{speed}"
    return fields


def send(r: redis.Redis, fields: dict[str, str]) -> None:
    r.xadd(KEYS.input(partition_of(fields["id"], 4)), fields)  # type: ignore[arg-type]


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.fixture()
def start(redis_url: str, city: CityPack) -> Iterator[Callable[..., None]]:
    stops: list[tuple[threading.Event, threading.Thread]] = []

    def run(retention_s: float = 3600.0) -> None:
        settings = Settings(redis_url=redis_url, city_pack=MINI, demo=False, track_retention_s=retention_s)
        worker = Worker(redis.Redis.from_url(redis_url, decode_responses=True), city, settings, name="t",
                        block_ms=100)
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        thread.start()
        stops.append((stop, thread))

    yield run
    for stop, thread in stops:
        stop.set()
        thread.join(timeout=10)


def processed(r: redis.Redis) -> int:
    return int(r.hget(KEYS.stats, "processed") or 0)


def stored(r: redis.Redis, subject: str) -> tracks.Track:
    raw = tracks.raw_client(r)
    return tracks.decode([raw.get(KEYS.trk(subject, tracks.hour_of(T))) or b""])


def test_units_and_vehicles_are_stored_by_hour_and_others_are_not(r: redis.Redis, start: Callable[..., None]) -> None:
    send(r, gps("P01", T, speed=12.5))
    send(r, gps("P01", T + 10, lat=22.506, speed=0.0))
    send(r, gps("粤BC1001", T))  # a monitored vehicle of vehicles.json
    send(r, gps("UNKNOWN1", T))  # a subject the city does not know
    start()
    wait_for(lambda: processed(r) == 4)
    p01 = stored(r, "P01")
    assert p01.ts.tolist() == [T, T + 10]
    assert p01.lat.round(5).tolist() == [22.505, 22.506]
    assert p01.speed.tolist() == [12.5, 0.0]
    assert len(stored(r, "粤BC1001")) == 1
    assert len(stored(r, "UNKNOWN1")) == 0
    assert tracks.subjects_in(tracks.raw_client(r), KEYS, tracks.hour_of(T)) == ["P01", "粤BC1001"]
    ttl = r.pttl(KEYS.trk("P01", tracks.hour_of(T)))
    assert 0 < ttl <= 3_600_000, "the hour expires after CC_TRACK_RETENTION_S"


def test_a_batch_whose_commit_failed_is_stored_once(r: redis.Redis, start: Callable[..., None],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import streams.worker as worker_module

    real, failures = worker_module.queue_batch, []

    def fail_once_after_queueing(pipe: Any, keys: Keys, p: int, result: Any, *args: Any) -> None:
        real(pipe, keys, p, result, *args)  # the records are queued on the transaction...
        if result.pings and not failures:
            failures.append(len(result.pings))
            raise RuntimeError("simulated crash before EXEC")  # ...which is never executed

    monkeypatch.setattr(worker_module, "queue_batch", fail_once_after_queueing)
    for i in range(3):
        send(r, gps("P01", T + 10 * i))
    start()
    wait_for(lambda: processed(r) == 3)
    assert failures, "the first commit did fail"
    raw = tracks.raw_client(r).get(KEYS.trk("P01", tracks.hour_of(T))) or b""
    assert len(raw) == 3 * tracks.RECORD.itemsize, "each fix appended once"


def test_a_retention_of_zero_stores_nothing(r: redis.Redis, start: Callable[..., None]) -> None:
    send(r, gps("P01", T))
    start(retention_s=0.0)
    wait_for(lambda: processed(r) == 1)
    assert r.keys(f"{KEYS.prefix}:trk*") == []
