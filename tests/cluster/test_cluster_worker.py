"""The worker on a real Valkey Cluster: the scenario of tests/streams/test_faults.py gives exactly the
alerts of a clean single-server run, also when a primary is killed (SIGKILL) mid-run and its replica
takes over."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from redis.cluster import RedisCluster

import streams.worker as worker_module
from city.citypack import load_city_pack
from core.keys import Keys
from core.redisio import connect, is_cluster
from core.settings import ROOT, Settings
from runner.cluster import LocalCluster
from tests.streams.test_faults import CHUNKS, FAST, MINI, PARTITIONS, Harness

KEYS = Keys("cc")


class ClusterHarness(Harness):
    """test_faults' harness with a cluster client (``connect`` finds the cluster by itself)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.r.close()
        self.r = connect(url, socket_timeout=10)
        assert is_cluster(self.r)

    def slow_worker(self, name: str) -> subprocess.Popen[bytes]:
        """A worker process that takes two entries a batch, so a kill lands in the middle of its work."""
        env = {**os.environ, **FAST, "CC_BATCH": "2", "REDIS_URL": self.url, "CITY_PACK": str(MINI),
               "CC_WORKER_NAME": name, "CC_PARTITIONS": str(PARTITIONS), "CC_DEMO": "0", "LOG_LEVEL": "ERROR"}
        proc = subprocess.Popen([sys.executable, "-m", "streams.worker"], cwd=ROOT, env=env)
        self.procs.append(proc)
        return proc

    def outboxes(self) -> int:
        return sum(int(self.r.llen(KEYS.outbox(p))) for p in range(PARTITIONS))

    def close(self) -> None:
        super().close()
        self.r.disconnect_connection_pools()  # type: ignore[attr-defined]


@pytest.fixture()
def harness(cluster_url: str) -> Iterator[ClusterHarness]:
    h = ClusterHarness(cluster_url)
    yield h
    h.close()


def test_a_worker_on_the_cluster_gives_the_clean_run_alerts(harness: ClusterHarness, clean: list[tuple[str, str]]) -> None:
    harness.worker("a")
    for chunk in CHUNKS:
        harness.feed(chunk)
    assert harness.outcome() == clean
    assert harness.outboxes() == 0, "every outbox record was appended and taken out"
    assert int(harness.r.hget(KEYS.stats, "alerts") or 0) == len(clean)


def test_dropped_connections_on_every_node_lose_and_double_nothing(
    harness: ClusterHarness, clean: list[tuple[str, str]]
) -> None:
    harness.worker("a")
    harness.wait(lambda: len(harness.r.keys(KEYS.health("*"))) == 1, what="the worker alive")
    for chunk in CHUNKS:
        harness.feed(chunk)
        harness.r.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes",
                                  target_nodes=RedisCluster.ALL_NODES)
        time.sleep(0.3)
    assert harness.outcome() == clean


@pytest.mark.parametrize("victim", ["cc:alerts", "cc:in:0"])
def test_a_primary_killed_mid_run_loses_and_doubles_no_alert(
    cluster: LocalCluster, harness: ClusterHarness, clean: list[tuple[str, str]], victim: str
) -> None:
    """SIGKILL of the primary that holds ``victim``'s slot (the alerts stream, or a partition's input,
    state and outbox) while the worker processes the stream; its replica takes over, the worker
    reconnects and re-routes by itself, and every alert appears exactly once."""
    harness.slow_worker("a")
    for chunk in CHUNKS[:8]:
        harness.feed(chunk)
    harness.wait(lambda: harness.processed() > 0, what="work under way")
    killed = cluster.primary_for(victim)
    cluster.kill(killed)
    now_primary = cluster.wait_failover(killed, victim)
    assert now_primary != killed
    for chunk in CHUNKS[8:]:
        harness.feed(chunk)
    assert harness.outcome() == clean
    assert harness.outboxes() == 0
    harness.wait(lambda: '"reconnects":0' not in (harness.r.get(KEYS.health("a")) or '"reconnects":0'),
                 what="health says the worker reconnected")


class Crash(BaseException):
    """Ends a worker's thread between its partition's transaction and the drain of its outbox."""


def test_a_worker_gone_between_commit_and_append_leaves_its_alerts_to_the_next(
    cluster_url: str, clean: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker A commits a batch with alerts (state, acks, outbox) and is gone before appending them
    to cc:alerts; its entries are acknowledged, so only the outbox still knows those alerts. Worker
    B takes the partitions and drains the outbox first: every alert exactly once."""
    harness = ClusterHarness(cluster_url)
    real, gone = worker_module.drain, threading.Event()

    def drain_unless_a(client: Any, keys: Keys, p: int, scripts: Any, records: Any = None) -> int:
        if threading.current_thread().name == "A" and records and orjson.loads(records[0])["alerts"]:
            gone.set()
            raise Crash
        return int(real(client, keys, p, scripts, records))

    monkeypatch.setattr(worker_module, "drain", drain_unless_a)
    city = load_city_pack(MINI)
    settings = Settings(redis_url=cluster_url, city_pack=MINI, demo=False, partitions=PARTITIONS)

    def run(name: str, stop: threading.Event) -> None:
        w = worker_module.Worker(connect(cluster_url, retry=False), city, settings, name=name, block_ms=100,
                                 lease_ttl_ms=1500)
        with contextlib.suppress(Crash):
            w.run(stop)

    try:
        for chunk in CHUNKS:
            harness.feed(chunk)
        stop = threading.Event()
        a = threading.Thread(target=run, args=("A", stop), name="A", daemon=True)
        a.start()
        a.join(timeout=60)
        assert gone.is_set() and not a.is_alive()
        assert harness.outboxes() >= 1, "A left committed alerts in an outbox"
        b = threading.Thread(target=run, args=("B", stop), name="B", daemon=True)
        b.start()
        assert harness.outcome() == clean
        assert harness.outboxes() == 0
        stop.set()
        b.join(timeout=15)
    finally:
        harness.close()
