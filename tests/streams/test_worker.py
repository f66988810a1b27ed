"""The worker against a real embedded Redis: dead letters, leases, crash recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
import redis

from city.citypack import CityPack, load_city_pack
from core.keys import Keys, partition_of
from core.lease import owner_of
from core.settings import ROOT, Settings
from streams.worker import Worker

MINI = ROOT / "tests" / "fixtures" / "mini_city"
KEYS = Keys("cc")


@pytest.fixture(scope="module")
def city() -> CityPack:
    return load_city_pack(MINI)


def settings_for(redis_url: str, partitions: int = 4) -> Settings:
    return Settings(redis_url=redis_url, city_pack=MINI, demo=False, partitions=partitions)


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


class Running:
    """A Worker running in a thread until stopped."""

    def __init__(self, redis_url: str, city: CityPack, name: str, partitions: int = 4) -> None:
        self.client = redis.Redis.from_url(redis_url, decode_responses=True)
        self.worker = Worker(self.client, city, settings_for(redis_url, partitions), name=name,
                             block_ms=200, lease_ttl_ms=3000)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.worker.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.client.close()
        assert not self.thread.is_alive(), "worker did not stop within 10 s of the stop signal"


@pytest.fixture()
def start_worker(redis_url: str, city: CityPack) -> Iterator[Callable[..., Running]]:
    running: list[Running] = []

    def start(name: str = "w1", partitions: int = 4) -> Running:
        w = Running(redis_url, city, name, partitions)
        running.append(w)
        return w

    yield start
    for w in running:
        w.close()


def send(r: redis.Redis, fields: dict[str, str], subject: str, partitions: int = 4) -> str:
    return str(r.xadd(KEYS.input(partition_of(subject, partitions)), fields))


def pending_total(r: redis.Redis, partitions: int = 4) -> int:
    return sum(int(r.xpending(KEYS.input(p), KEYS.group)["pending"]) for p in range(partitions))


def test_malformed_entries_all_dead_lettered_and_worker_alive(
    r: redis.Redis, start_worker: Callable[..., Running], city: CityPack
) -> None:
    unit = next(iter(city.units))
    bad: list[dict[str, str]] = []
    for i in range(1000):
        kind = i % 5
        if kind == 0:
            bad.append({"type": "gps", "id": f"X{i}", "lat": "north", "lon": "114.0", "ts": "1700000000"})
        elif kind == 1:
            bad.append({"type": "gps", "id": f"X{i}", "lat": "22.5", "lon": "114.0"})
        elif kind == 2:
            bad.append({"type": "teleport", "id": f"X{i}"})
        elif kind == 3:
            bad.append({"type": "anpr", "plate": f"X{i}", "ts": "1700000000"})
        else:
            bad.append({"type": "gps", "id": f"X{i}", "lat": "22.5", "lon": "999", "ts": "1700000000"})
    for i, fields in enumerate(bad):
        send(r, fields, f"X{i}")
    start_worker()
    wait_for(lambda: r.xlen(KEYS.deadletter) == 1000)
    letters = r.xrange(KEYS.deadletter)
    errors = [f["error"] for _, f in letters]
    assert all(set(f) == {"stream", "entry_id", "raw", "error"} for _, f in letters)
    assert sum(e.startswith("lat:") for e in errors) == 200
    assert sum(e.startswith("ts:") for e in errors) == 200
    assert sum(e.startswith("type:") for e in errors) == 200
    assert sum(e.startswith("checkpoint:") for e in errors) == 200
    assert sum(e.startswith("lon:") for e in errors) == 200
    wait_for(lambda: pending_total(r) == 0)
    # still alive: a good message after the flood is processed
    lat, lon = city.zones_by_id[city.units[unit].zone].geometry.representative_point().coords[0][::-1]
    send(r, {"type": "gps", "id": unit, "lat": str(lat), "lon": str(lon), "ts": "1700000000"}, unit)
    wait_for(lambda: r.hget(KEYS.last, unit) is not None)
    assert r.hget(KEYS.stats, "deadletter") == "1000"


def test_two_workers_split_partitions_without_overlap(
    r: redis.Redis, start_worker: Callable[..., Running]
) -> None:
    a = start_worker("wa", partitions=4)
    b = start_worker("wb", partitions=4)

    def split() -> bool:
        oa, ob = a.worker.leases.owned, b.worker.leases.owned
        return len(oa) == 2 and len(ob) == 2 and not (oa & ob)

    wait_for(split, timeout=20)
    owners = {p: owner_of(r.get(KEYS.lease(p))) for p in range(4)}
    assert sorted(owners.values()) == ["wa", "wa", "wb", "wb"]


WORKER_ENV = {"CC_WORKER_NAME": "killme", "CC_PARTITIONS": "4", "CC_DEMO": "0", "LOG_LEVEL": "WARNING",
              "CC_BATCH": "10"}


def spawn_worker(redis_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **WORKER_ENV, "REDIS_URL": redis_url, "CITY_PACK": str(MINI)}
    return subprocess.Popen([sys.executable, "-m", "streams.worker"], cwd=ROOT, env=env)


def test_sigterm_stops_within_seconds_and_releases_leases(redis_url: str, r: redis.Redis) -> None:
    proc = spawn_worker(redis_url)
    wait_for(lambda: owner_of(r.get(KEYS.lease(0)) or "") == "killme", timeout=20)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=8) == 0
    assert all(r.get(KEYS.lease(p)) is None for p in range(4))
    assert r.get(KEYS.health("killme")) is None


def drained(r: redis.Redis) -> bool:
    """Every partition's group exists, has read everything and has nothing pending."""
    try:
        groups = [r.xinfo_groups(KEYS.input(p))[0] for p in range(4)]
    except (redis.ResponseError, IndexError):
        return False
    return all(g["pending"] == 0 and g["lag"] == 0 for g in groups)


def _path_for(city: CityPack, unit: str, n: int, t0: float) -> list[dict[str, str]]:
    """A unit driving a straight line across the mini city's patrol zones and back."""
    minx, miny, maxx, maxy = city.zones_by_id[city.units[unit].zone].geometry.bounds
    fields = []
    for i in range(n):
        frac = (i % 40) / 40
        lon = minx + (maxx - minx) * (0.5 + 1.2 * frac) if (i // 40) % 2 == 0 else minx + (maxx - minx) * 0.5
        lat = (miny + maxy) / 2
        fields.append({"type": "gps", "id": unit, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}",
                       "ts": str(int(t0 + 10 * i)), "speed": "30"})
    return fields


def test_sigkill_mid_stream_loses_and_duplicates_nothing(
    redis_url: str, r: redis.Redis, city: CityPack, tmp_path: Path
) -> None:
    """The same input through one uninterrupted run and through a run killed twice gives the same alerts."""
    t0 = 1_700_000_000.0
    msgs: list[tuple[str, dict[str, str]]] = []
    for unit in city.units:
        msgs += [(unit, f) for f in _path_for(city, unit, 400, t0)]
    msgs.sort(key=lambda m: int(m[1]["ts"]))

    def run_all(kills: int) -> list[tuple[str, str]]:
        r.flushall()
        for subject, fields in msgs:
            send(r, fields, subject)
        total = len(msgs)
        for k in range(kills):
            before = int(r.hget(KEYS.stats, "processed") or 0)
            proc = spawn_worker(redis_url)
            wait_for(lambda b=before: int(r.hget(KEYS.stats, "processed") or 0) > b, timeout=30)  # type: ignore[misc]
            time.sleep(0.02 * k)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert int(r.hget(KEYS.stats, "processed") or 0) < total, "the kill must land mid-stream"
        proc = spawn_worker(redis_url)
        try:
            wait_for(lambda: drained(r), timeout=60)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
        assert int(r.hget(KEYS.stats, "processed") or 0) >= total
        return sorted((f["alert_id"], f["type"]) for _, f in r.xrange(KEYS.alerts))

    clean = run_all(kills=0)
    crashed = run_all(kills=2)
    assert clean, "the scenario must produce alerts"
    assert crashed == clean
    assert len({a for a, _ in crashed}) == len(crashed)


def test_an_old_event_clock_does_not_make_live_fixes_future(
    r: redis.Redis, start_worker: Callable[..., Running], city: CityPack
) -> None:
    """Yesterday's replay left the clock behind; today's live fixes are accepted, far-future ones dropped."""
    r.set(KEYS.clock, str(time.time() - 86_400))
    unit = "P01"
    now = time.time()
    send(r, {"type": "gps", "id": unit, "lat": "22.505", "lon": "114.005", "ts": f"{now:.0f}"}, unit)
    send(r, {"type": "gps", "id": unit, "lat": "22.505", "lon": "114.005", "ts": f"{now + 86_400:.0f}"}, unit)
    start_worker()
    wait_for(lambda: r.hget(KEYS.stats, "processed") == "2")
    assert float(r.get(KEYS.clock) or 0) == pytest.approx(round(now), abs=1)
    assert r.hget(KEYS.stats, "dropped:future") == "1"


def test_a_rule_bug_on_one_message_is_retried_then_dead_lettered(
    r: redis.Redis, start_worker: Callable[..., Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit that keeps failing for one entry: bounded retries, then the dead-letter stream; the rest flows."""
    import streams.worker as worker_module

    real = worker_module.queue_batch

    def flaky(pipe: object, keys: Keys, p: int, result: object, *args: object) -> None:
        if any(ping.subject == "POISON" for ping in result.pings):  # type: ignore[attr-defined]
            raise RuntimeError("simulated bug")
        real(pipe, keys, p, result, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(worker_module, "queue_batch", flaky)
    neighbours = [f"N{i}" for i in range(40) if partition_of(f"N{i}", 4) == partition_of("POISON", 4)][:3]
    send(r, {"type": "gps", "id": "POISON", "lat": "22.5", "lon": "114.0", "ts": "1700000000"}, "POISON")
    for n in neighbours:  # innocent entries read in the same batch as the poison one
        send(r, {"type": "gps", "id": n, "lat": "22.5", "lon": "114.0", "ts": "1700000000"}, n)
    start_worker()
    wait_for(lambda: r.xlen(KEYS.deadletter) == 1, timeout=40)
    (_, letter), = r.xrange(KEYS.deadletter)
    assert letter["error"].startswith("delivered 5 times")
    assert '"id":"POISON"' in letter["raw"]
    assert neighbours
    wait_for(lambda: all(r.hget(KEYS.last, n) is not None for n in neighbours))
    assert r.xlen(KEYS.deadletter) == 1, "innocent entries of the failing batch are not dead-lettered"
    send(r, {"type": "gps", "id": "P01", "lat": "22.505", "lon": "114.005", "ts": "1700000000"}, "P01")
    wait_for(lambda: r.hget(KEYS.last, "P01") is not None)


def test_a_forged_future_read_or_fix_changes_nothing(r: redis.Redis, start_worker: Callable[..., Running]) -> None:
    """Contract 7.1: later than wall clock + CC_FUTURE_S (300 s) is dropped and never moves the event clock."""
    now = time.time()
    send(r, {"type": "gps", "id": "P01", "lat": "22.505", "lon": "114.005", "ts": f"{now:.0f}"}, "P01")
    send(r, {"type": "gps", "id": "P01", "lat": "22.505", "lon": "114.005", "ts": f"{now + 3600:.0f}"}, "P01")
    send(r, {"type": "anpr", "checkpoint": "A", "plate": "粤BZ9999", "ts": f"{now + 400:.0f}"}, "粤BZ9999")
    start_worker()
    wait_for(lambda: r.hget(KEYS.stats, "processed") == "3")
    assert float(r.get(KEYS.clock) or 0) == pytest.approx(round(now), abs=1)
    assert r.hget(KEYS.stats, "dropped:future") == "2"
    assert r.xlen(KEYS.alerts) == 0, "a watchlisted plate read from the future raises nothing"


def test_subjects_are_trimmed_and_a_wrong_partition_is_dead_lettered(
    r: redis.Redis, start_worker: Callable[..., Running]
) -> None:
    """Contract 7.2: one subject, one partition, one state, whatever whitespace surrounds it."""
    home = partition_of("P01", 4)
    wrong = (home + 1) % 4
    r.xadd(KEYS.input(home), {"type": "gps", "id": " P01 ", "lat": "22.505", "lon": "114.005", "ts": "1700000000"})
    r.xadd(KEYS.input(wrong), {"type": "gps", "id": "P01", "lat": "22.505", "lon": "114.006", "ts": "1700000010"})
    start_worker()
    wait_for(lambda: r.xlen(KEYS.deadletter) == 1 and r.hget(KEYS.last, "P01") is not None)
    (_, letter), = r.xrange(KEYS.deadletter)
    assert letter["error"].startswith("partition") and f"cc:in:{home}" in letter["error"]
    assert letter["stream"] == KEYS.input(wrong)
    assert r.hkeys(KEYS.last) == ["P01"], "stored under the trimmed subject"
    assert orjson.loads(r.hget(KEYS.last, "P01"))["ts"] == "1700000000"


def test_an_identifier_that_is_not_utf8_is_dead_lettered_and_the_partition_goes_on(redis_url: str) -> None:
    """A plate written in GBK by another program must not block its partition (found by fuzzing)."""
    from core.redisio import connect
    from streams.worker import Worker as _Worker

    raw = redis.Redis.from_url(redis_url)  # bytes in, as a foreign producer would write them
    p = partition_of("粤B12345", 4)
    raw.xadd(KEYS.input(p), {b"type": b"anpr", b"checkpoint": b"A", b"plate": "粤B12345".encode("gbk"), b"ts": b"1700000000"})
    raw.xadd(KEYS.input(p), {b"type": b"anpr", b"checkpoint": b"A", b"plate": "粤B12345".encode(), b"ts": b"1700000010"})
    client = connect(redis_url)
    worker = _Worker(client, load_city_pack(MINI), settings_for(redis_url), name="utf8", block_ms=50)
    worker.ensure_groups()
    worker.maintain()
    for _ in range(10):
        worker.step()
    (_, letter), = client.xrange(KEYS.deadletter)
    assert letter["error"].startswith("plate:") and "UTF-8" in letter["error"]
    assert pending_total(client) == 0
    assert '"plate":"粤B12345"' in client.hget(KEYS.reads, "A").replace(" ", ""), "the next read went through"
    client.close()
    raw.close()


def test_after_a_failed_batch_no_unit_is_judged_silent_until_its_backlog_is_read(
        redis_url: str, r: redis.Redis, city: CityPack) -> None:
    """A failed batch's fixes wait again in the backlog (pending), while the event clock may already
    include them: the partitions count as read to their end again only after the next read."""
    worker = Worker(redis.Redis.from_url(redis_url, decode_responses=True), city, settings_for(redis_url),
                    name="failing", block_ms=50)
    worker.ensure_groups()
    worker.maintain()
    assert worker.leases.owned == {0, 1, 2, 3}
    worker.step()
    assert worker.caught_up == {0, 1, 2, 3}  # nothing waiting: every partition read to its end
    worker._retry_pending()  # what run() does after an unexpected error in a batch
    assert worker.caught_up == set() and worker.recovering == {0, 1, 2, 3}
    worker.step()
    assert worker.caught_up == {0, 1, 2, 3}
    worker.shutdown()
