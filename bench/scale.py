"""Scaling: msg/s with 1, 2 and 4 worker processes on one Redis and on a local Valkey Cluster, each
against its ceiling measured in the same run.

    python bench/scale.py [--pings 40000] [--vehicles 4000] [--procs 1,2,4]

One Redis is the embedded Valkey (runner/embedded.py); the cluster is 3 primaries and 3 replicas
(runner/cluster.py), all on this machine. For each backend and process count: the *ceiling* is that
many bare consumer processes (XREADGROUP 1000 at a time, parse, XACK; each on its own partitions),
and *OneMap* that many ``streams.worker`` processes sharing the partitions by their leases. Both
start on the same preloaded input and are timed until every entry is acknowledged (bare) or
committed (OneMap). Ratios are against the ceiling of the same backend and count, in the same run.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import synthetic_city, synthetic_pings  # noqa: E402
from bench.worker_throughput import load as load_partitions  # noqa: E402
from city.citypack import CityPack  # noqa: E402
from core.health import live_workers  # noqa: E402
from core.keys import Keys  # noqa: E402
from core.messages import parse_fields  # noqa: E402
from core.redisio import connect  # noqa: E402
from core.settings import Settings  # noqa: E402
from runner.cluster import LocalCluster  # noqa: E402
from runner.embedded import EmbeddedRedis  # noqa: E402
from streams.worker import quiet_gc  # noqa: E402

PARTITIONS = 8  # enough for 4 processes to get two each
KEYS = Keys("cc")


def load(url: str, msgs: list[tuple[str, dict[str, str]]]) -> None:
    """The throughput benchmark's load, into ``PARTITIONS`` partitions of the backend at ``url``."""
    client = connect(url)
    load_partitions(client, msgs, PARTITIONS)
    client.close()


def _bare(url: str, parts: list[int], ready: Any, go: Any) -> None:
    client = connect(url, retry=False)
    ready.put(1)
    go.wait()
    streams = [KEYS.input(p) for p in parts]
    while True:
        with client.pipeline(transaction=False) as pipe:  # one XREADGROUP per partition: a cluster's way
            for stream in streams:
                pipe.xreadgroup(KEYS.group, "bare", {stream: ">"}, count=1000)
            replies = [row for rows in pipe.execute() for row in rows or []]
        if not replies:
            return
        with client.pipeline(transaction=False) as pipe:
            for stream, entries in replies:
                for _, fields in entries:
                    parse_fields(fields)
                pipe.xack(stream, KEYS.group, *[eid for eid, _ in entries])
            pipe.execute()


def ceiling(url: str, n: int, count: int) -> float:
    """``count`` bare consumer processes, partitions dealt round; msg/s until all are acknowledged."""
    ctx = mp.get_context("fork")
    ready, go = ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=_bare, args=(url, list(range(i, PARTITIONS, count)), ready, go)) for i in range(count)]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get()
    t = time.perf_counter()
    go.set()
    for proc in procs:
        proc.join()
    return n / (time.perf_counter() - t)


def _worker(url: str, city: CityPack, name: str, stop: Any) -> None:
    import streams.worker as sw  # noqa: PLC0415 - in the child: take partitions soon after they are free

    sw.MAINTENANCE_S = 0.2
    settings = Settings(redis_url=url, demo=False, partitions=PARTITIONS)
    sw.Worker(connect(url, retry=False, socket_timeout=30), city, settings, name=name, block_ms=50).run(stop)


def workers(url: str, city: CityPack, n: int, count: int) -> float:
    """``count`` worker processes sharing the partitions; msg/s from the moment the partitions are
    free until all ``n`` entries are committed."""
    client = connect(url)
    for p in range(PARTITIONS):  # held until every worker has joined, so they split the partitions
        client.set(KEYS.lease(p), "hold", px=120_000)
    ctx = mp.get_context("fork")
    stop = ctx.Event()
    procs = [ctx.Process(target=_worker, args=(url, city, f"scale-{i}", stop)) for i in range(count)]
    for proc in procs:
        proc.start()
    while len(live_workers(client, KEYS)) < count:
        time.sleep(0.05)
    t = time.perf_counter()
    client.delete(*[KEYS.lease(p) for p in range(PARTITIONS)])
    while int(client.hget(KEYS.stats, "processed") or 0) < n:
        time.sleep(0.01)
    rate = n / (time.perf_counter() - t)
    stop.set()
    for proc in procs:
        proc.join(timeout=15)
    client.close()
    return rate


def measure(name: str, url: str, city: CityPack, msgs: list[tuple[str, dict[str, str]]],
            counts: list[int]) -> None:
    for count in counts:
        load(url, msgs)
        ceil = ceiling(url, len(msgs), count)
        load(url, msgs)
        work = workers(url, city, len(msgs), count)
        print(f"{name:<8} {count} proc  ceiling {ceil:9,.0f} msg/s   OneMap {work:9,.0f} msg/s   "
              f"OneMap / ceiling {work / ceil:5.2f}x", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pings", type=int, default=40_000)
    ap.add_argument("--vehicles", type=int, default=4_000)
    ap.add_argument("--procs", default="1,2,4", help="worker process counts, comma-separated")
    args = ap.parse_args()
    counts = [int(c) for c in args.procs.split(",")]
    city = synthetic_city(vehicles=args.vehicles)
    msgs = synthetic_pings(city, args.pings)
    quiet_gc()  # as streams.worker.main does; the forked workers and bare consumers inherit it
    print(f"{args.pings} pings of {args.vehicles} vehicles; {PARTITIONS} partitions; "
          f"{mp.cpu_count()} cores on this machine", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        with EmbeddedRedis(Path(tmp) / "one", appendonly=False) as srv:
            measure("one", srv.url, city, msgs, counts)
        with LocalCluster(Path(tmp) / "cluster") as cluster:
            measure("cluster", cluster.url, city, msgs, counts)


if __name__ == "__main__":
    main()
