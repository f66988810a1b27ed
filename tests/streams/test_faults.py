"""Faults with real processes and a real Redis: each run ends with exactly the alerts of a clean run.

The same scenario (three units driving in and out of their zones, a watchlisted truck passing checkpoints: 1,280
messages) is fed in chunks
while worker processes run; a fault is injected mid-run; the alert ids and types at the end must
equal a clean run's, with nothing pending and nothing dead-lettered.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from city.citypack import load_city_pack
from core.keys import Keys, partition_of
from core.settings import ROOT
from runner.embedded import EmbeddedRedis

MINI = ROOT / "tests" / "fixtures" / "mini_city"
KEYS = Keys("cc")
PARTITIONS = 4
T0 = 1_700_000_000.0
# short lease and sweep so a stall is noticed within seconds (defaults: 10 s and 30 s)
FAST = {"CC_LEASE_TTL_MS": "1500", "CC_SWEEP_IDLE_MS": "2500", "CC_BATCH": "20"}


def _scenario() -> list[tuple[str, dict[str, str]]]:
    city = load_city_pack(MINI)
    msgs = []
    for unit in sorted(city.units):
        minx, miny, maxx, maxy = city.zones_by_id[city.units[unit].zone].geometry.bounds
        for i in range(400):
            frac = (i % 40) / 40
            lon = minx + (maxx - minx) * (0.5 + 1.2 * frac) if (i // 40) % 2 == 0 else minx + (maxx - minx) * 0.5
            msgs.append((unit, {"type": "gps", "id": unit, "lat": f"{(miny + maxy) / 2:.6f}", "lon": f"{lon:.6f}",
                                "ts": str(int(T0 + 10 * i)), "speed": "30"}))
    for i in range(80):  # a watchlisted truck read along the checkpoint chain, now and then too fast
        plate, cp = "粤BT3001", "ABCD"[i % 4]
        msgs.append((plate, {"type": "anpr", "checkpoint": cp, "plate": plate, "ts": str(int(T0 + 45 * i + 5))}))
    return sorted(msgs, key=lambda m: int(m[1]["ts"]))


MSGS = _scenario()
CHUNKS = [MSGS[i:i + 100] for i in range(0, len(MSGS), 100)]


class Harness:
    """Worker processes on one Redis; feeding, waiting and reading the outcome."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.r = redis.Redis.from_url(url, decode_responses=True, socket_timeout=10)
        self.procs: list[subprocess.Popen[bytes]] = []

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, **FAST, "REDIS_URL": self.url, "CITY_PACK": str(MINI), "CC_WORKER_NAME": name,
               "CC_PARTITIONS": str(PARTITIONS), "CC_DEMO": "0", "LOG_LEVEL": "ERROR"}
        proc = subprocess.Popen([sys.executable, "-m", "streams.worker"], cwd=ROOT, env=env)
        self.procs.append(proc)
        return proc

    def feed(self, chunk: list[tuple[str, dict[str, str]]]) -> None:
        with self.r.pipeline(transaction=False) as pipe:
            for subject, fields in chunk:
                pipe.xadd(KEYS.input(partition_of(subject, PARTITIONS)), fields)
            pipe.execute()

    def processed(self) -> int:
        return int(self.r.hget(KEYS.stats, "processed") or 0)

    def drained(self) -> bool:
        try:
            groups = [self.r.xinfo_groups(KEYS.input(p))[0] for p in range(PARTITIONS)]
        except (redis.ResponseError, IndexError):
            return False
        return all(g["pending"] == 0 and g["lag"] == 0 for g in groups)

    def wait(self, check: Callable[[], bool], timeout: float = 90.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if check():
                    return
            except redis.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"not reached in {timeout:g} s: {what}")
            time.sleep(0.1)

    def outcome(self) -> list[tuple[str, str]]:
        self.wait(self.drained, what="every entry processed and acknowledged")
        assert self.r.xlen(KEYS.deadletter) == 0
        return sorted((f["alert_id"], f["type"]) for _, f in self.r.xrange(KEYS.alerts))

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGCONT)
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.r.close()


@pytest.fixture()
def harness(redis_url: str) -> Iterator[Harness]:
    h = Harness(redis_url)
    yield h
    h.close()


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    """The alerts of one uninterrupted worker over the whole scenario."""
    with EmbeddedRedis(Path(tmp_path_factory.mktemp("clean")), appendonly=False) as srv:
        h = Harness(srv.url)
        try:
            h.worker("clean")
            for chunk in CHUNKS:
                h.feed(chunk)
            alerts = h.outcome()
        finally:
            h.close()
    assert len(alerts) >= 60, "the scenario must produce alerts"
    assert len({a for a, _ in alerts}) == len(alerts)
    return alerts


def test_a_worker_stopped_past_its_lease_and_resumed_loses_and_doubles_nothing(
    harness: Harness, clean: list[tuple[str, str]]
) -> None:
    """SIGSTOP of one of two workers for longer than its lease: the other takes its partitions and,
    after the sweep, what the stalled one read but could not commit."""
    a, _ = harness.worker("a"), harness.worker("b")
    harness.wait(lambda: len(harness.r.keys(KEYS.health("*"))) == 2, what="both workers alive")
    for chunk in CHUNKS[:3]:
        harness.feed(chunk)
    harness.wait(lambda: harness.processed() > 0, what="work under way")
    os.kill(a.pid, signal.SIGSTOP)
    for chunk in CHUNKS[3:8]:
        harness.feed(chunk)
        time.sleep(0.8)  # ~4 s stopped: past the 1.5 s lease
    os.kill(a.pid, signal.SIGCONT)
    for chunk in CHUNKS[8:]:
        harness.feed(chunk)
    assert harness.outcome() == clean


def test_dropped_connections_mid_batch_lose_and_double_nothing(
    harness: Harness, clean: list[tuple[str, str]]
) -> None:
    """The server closes the worker's connections again and again while it works."""
    harness.worker("a")
    harness.wait(lambda: len(harness.r.keys(KEYS.health("*"))) == 1, what="the worker alive")
    for chunk in CHUNKS:
        harness.feed(chunk)
        harness.r.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
        time.sleep(0.3)
    assert harness.outcome() == clean


def test_redis_killed_and_restarted_from_its_append_only_file(
    tmp_path: Path, clean: list[tuple[str, str]]
) -> None:
    """SIGKILL of the Redis server mid-run; it restarts on the same port from its AOF; the worker
    reconnects by itself and says so in its health record."""
    srv = EmbeddedRedis(tmp_path, fsync="always").start()
    h = Harness(srv.url)
    try:
        h.worker("a")
        for chunk in CHUNKS[:6]:
            h.feed(chunk)
        h.wait(lambda: h.processed() > 0, what="work under way")
        srv.kill()
        time.sleep(1.0)
        srv = EmbeddedRedis(tmp_path, port=srv.port, fsync="always").start()
        for chunk in CHUNKS[6:]:
            h.feed(chunk)
        assert h.outcome() == clean
        h.wait(lambda: '"reconnects":1' in (h.r.get(KEYS.health("a")) or ""), what="health says it reconnected")
    finally:
        h.close()
        srv.stop()


def test_entries_a_stale_worker_read_after_losing_its_lease_are_swept_by_the_owner(redis_url: str) -> None:
    """The stall the lease cannot see: a worker stops between renewing and reading, its partitions pass
    to another, it wakes and reads new entries it can never commit. They sit in its pending list until
    the owner's sweep claims them (nothing else would)."""
    from core.settings import Settings
    from streams.worker import Worker

    city = load_city_pack(MINI)
    settings = Settings(redis_url=redis_url, city_pack=MINI, demo=False, partitions=PARTITIONS, sweep_idle_ms=200)
    clients = [redis.Redis.from_url(redis_url, decode_responses=True) for _ in range(3)]
    r, (a, b) = clients[0], [Worker(c, city, settings, name=n, block_ms=50) for c, n in zip(clients[1:], "ab", strict=True)]
    try:
        a.ensure_groups()
        a.maintain()
        assert a.leases.owned == set(range(PARTITIONS))
        # a stalls: its leases and health expire; b arrives and takes every partition
        r.delete(*[KEYS.lease(p) for p in range(PARTITIONS)], KEYS.health("a"))
        b.maintain()
        assert b.leases.owned == set(range(PARTITIONS))
        h = Harness(redis_url)
        h.feed(CHUNKS[0])
        a._last_maintenance = time.monotonic()  # it wakes up just before its read, believing it owns all
        a.step()
        stale = sum(int(r.xpending(KEYS.input(p), KEYS.group)["pending"]) for p in range(PARTITIONS))
        assert stale > 0 and r.xlen(KEYS.alerts) == 0, "a read entries it could not commit"
        time.sleep(0.3)  # past the sweep's idle bound
        deadline = time.monotonic() + 30
        while not h.drained() and time.monotonic() < deadline:
            b._last_maintenance = 0.0
            b.step()
        assert h.drained(), "the owner's sweep must claim and process what the stale worker left pending"
        assert h.processed() == len(CHUNKS[0])
        h.close()
    finally:
        for c in clients:
            c.close()
