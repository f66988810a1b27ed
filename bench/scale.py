"""Scaling: msg/s with 1, 2 and 4 worker processes, each against the bare ceiling of as many processes.

    python bench/scale.py [--pings 100000] [--procs 1 2 4] [--targets redis cluster]

For every target (one embedded Redis; a local 6-node Valkey Cluster, 3 primaries and 3 replicas, on
loopback) and every process count k, the same messages are loaded into ``PARTITIONS`` input
partitions and consumed twice: by k bare consumers (read, parse, ack: the ceiling for k processes
on that target) and by k OneMap worker processes (everything: rules, state, alerts, publication).
Printed: both rates and their ratio, measured in the same run; absolute rates drift on a shared
machine, the ratios much less. All processes share this machine's cores with the Redis servers.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import synthetic_city, synthetic_pings  # noqa: E402
from city.citypack import CityPack  # noqa: E402
from core.keys import Keys, partition_of  # noqa: E402
from core.messages import parse_fields  # noqa: E402
from core.redisio import connect  # noqa: E402
from core.settings import Settings  # noqa: E402
from runner.embedded import EmbeddedRedis  # noqa: E402
from streams.worker import Worker  # noqa: E402

PARTITIONS = 8  # 4 processes get 2 partitions each
KEYS = Keys("cc")


@contextmanager
def one_redis() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), appendonly=False) as srv:
        yield srv.url


TARGETS = {"redis": one_redis}


def reset(client: Any) -> None:
    """Empty the target (every primary of a cluster)."""
    if hasattr(client, "get_primaries"):
        client.flushall(target_nodes=client.PRIMARIES)
    else:
        client.flushall()


def load(client: Any, msgs: list[tuple[str, dict[str, str]]]) -> None:
    reset(client)
    for p in range(PARTITIONS):
        client.xgroup_create(KEYS.input(p), KEYS.group, id="0", mkstream=True)
    for i in range(0, len(msgs), 5000):
        pipe = client.pipeline(transaction=False)
        for subject, fields in msgs[i:i + 5000]:
            pipe.xadd(KEYS.input(partition_of(subject, PARTITIONS)), fields)
        pipe.execute()


def _bare(url: str, mine: list[int], start: Any) -> None:
    """A bare consumer of partitions ``mine``: read 1000, parse each entry, ack; until they are empty."""
    client = connect(url)
    left = {p: int(client.xlen(KEYS.input(p))) for p in mine}
    start.wait()
    while any(left.values()):
        for p in mine:
            if not left[p]:
                continue
            for stream, entries in client.xreadgroup(KEYS.group, f"bare-{mine[0]}", {KEYS.input(p): ">"},
                                                     count=1000) or []:
                for _, fields in entries:
                    parse_fields(fields)
                client.xack(stream, KEYS.group, *[eid for eid, _ in entries])
                left[p] -= len(entries)


def ceiling(url: str, n: int, procs: int) -> float:
    """``procs`` bare consumer processes splitting the partitions; msg/s until all ``n`` are acked."""
    ctx = mp.get_context("fork")
    start = ctx.Event()
    workers = [ctx.Process(target=_bare, args=(url, list(range(i, PARTITIONS, procs)), start)) for i in range(procs)]
    for w in workers:
        w.start()
    time.sleep(0.5)  # connected and counted
    t = time.perf_counter()
    start.set()
    for w in workers:
        w.join()
    return n / (time.perf_counter() - t)


def _worker(url: str, city: CityPack, name: str, stop: Any) -> None:
    settings = Settings(redis_url=url, demo=False, partitions=PARTITIONS)
    Worker(connect(url, retry=False), city, settings, name=name, block_ms=50).run(stop)


def workers(url: str, city: CityPack, n: int, procs: int) -> float:
    """``procs`` OneMap worker processes sharing the partitions; msg/s until all ``n`` are committed.

    Timing starts once every worker has registered (before that, a held lease keeps the first one
    from draining alone).
    """
    client = connect(url)
    ctx = mp.get_context("fork")
    stop = ctx.Event()
    client.set(KEYS.lease(0), "hold", px=60_000)
    running = [ctx.Process(target=_worker, args=(url, city, f"scale-{i}", stop)) for i in range(procs)]
    for proc in running:
        proc.start()
    while int(client.zcard(KEYS.workers)) < procs:
        time.sleep(0.05)
    client.delete(KEYS.lease(0))
    t = time.perf_counter()
    while int(client.hget(KEYS.stats, "processed") or 0) < n:
        time.sleep(0.01)
    rate = n / (time.perf_counter() - t)
    stop.set()
    for proc in running:
        proc.join(timeout=15)
    return rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pings", type=int, default=100_000)
    ap.add_argument("--vehicles", type=int, default=20_000)
    ap.add_argument("--procs", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--targets", nargs="+", choices=sorted(TARGETS), default=sorted(TARGETS))
    args = ap.parse_args()
    city = synthetic_city(vehicles=args.vehicles)
    msgs = synthetic_pings(city, args.pings)
    print(f"{args.pings} pings of {args.vehicles} vehicles, {PARTITIONS} partitions")
    print(f"{'target':8} {'procs':>5} {'ceiling msg/s':>14} {'worker msg/s':>13} {'worker/ceiling':>15}")
    for name in args.targets:
        with TARGETS[name]() as url:
            client = connect(url)
            for k in args.procs:
                load(client, msgs)
                ceil = ceiling(url, len(msgs), k)
                load(client, msgs)
                rate = workers(url, city, len(msgs), k)
                print(f"{name:8} {k:5d} {ceil:14,.0f} {rate:13,.0f} {rate / ceil:14.2f}x", flush=True)


if __name__ == "__main__":
    main()
