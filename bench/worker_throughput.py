"""Worker throughput and latency, as ratios against baselines measured in the same run.

    python bench/worker_throughput.py [--pings 200000] [--vehicles 20000] [--repeat 3]

Prints messages/s of (1) the bare-consumer ceiling (read, parse, ack only: one read, then its acks,
nothing overlapped), (2) OneMap's worker (its columnar fast path, streams/fastpath.py, with one
commit in flight and, with a backlog, the next read sent ahead: streams/inflight.py), the same
worker committing in line, the same worker on the reference per-message pipeline
(streams/pipeline.py) — each the best of ``--repeat`` interleaved rounds — (3) a naive per-message worker (the same rules and writes, but one message and one
round trip at a time, and a Python loop of ``polygon.covers`` per zone), and p50/p99 ingest-to-alert latency at a steady 5,000 msg/s. Latency is measured on
the Redis server's own clock: the alert entry's id minus the input entry's id (both in ms).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import redis
from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import synthetic_city, synthetic_pings  # noqa: E402
from city.citypack import CityPack  # noqa: E402
from city.geo import ZoneIndex  # noqa: E402
from core.keys import Keys, partition_of  # noqa: E402
from core.messages import parse_fields  # noqa: E402
from core.redisio import is_cluster  # noqa: E402
from core.settings import Settings  # noqa: E402
from runner.embedded import EmbeddedRedis  # noqa: E402
from streams.commit import position_fields  # noqa: E402
from streams.pipeline import Entry, Pipeline  # noqa: E402
from streams.worker import Worker, quiet_gc  # noqa: E402

PARTITIONS = 4
KEYS = Keys("cc")
P99_TARGET_MS = 50.0  # ingest-to-alert at --rate msg/s


def load(client: redis.Redis, msgs: list[tuple[str, dict[str, str]]], partitions: int = PARTITIONS) -> None:
    """Empty the backend (every primary of a cluster), create the consumer groups and append ``msgs``."""
    if is_cluster(client):
        client.flushall(target_nodes=client.PRIMARIES)
    else:
        client.flushall()
    for p in range(partitions):
        client.xgroup_create(KEYS.input(p), KEYS.group, id="0", mkstream=True)
    for i in range(0, len(msgs), 5000):
        with client.pipeline(transaction=False) as pipe:
            for subject, fields in msgs[i:i + 5000]:
                pipe.xadd(KEYS.input(partition_of(subject, partitions)), fields)
            pipe.execute()


def ceiling(client: redis.Redis, n: int) -> float:
    """Bare consumer: XREADGROUP 1000 at a time, parse each entry, XACK."""
    streams = {KEYS.input(p): ">" for p in range(PARTITIONS)}
    done, t = 0, time.perf_counter()
    while done < n:
        for stream, entries in client.xreadgroup(KEYS.group, "bare", streams, count=1000) or []:
            for _, fields in entries:
                parse_fields({k.decode(): v.decode() for k, v in fields.items()})
            client.xack(stream, KEYS.group, *[eid for eid, _ in entries])
            done += len(entries)
    return n / (time.perf_counter() - t)


def run_worker(client: redis.Redis, city: CityPack, url: str, n: int, track_retention_s: float | None = None,
               reference: bool = False) -> float:
    """One worker draining ``n`` entries, msg/s; ``reference``: on the per-message pipeline, not the fast path."""
    return drain(client, city, url, n, track_retention_s, reference)[0]


def drain(client: redis.Redis, city: CityPack, url: str, n: int, track_retention_s: float | None = None,
          reference: bool = False, overlap: bool = True) -> tuple[float, float]:
    """``run_worker``'s msg/s, and the worker's own CPU time per message (µs; Valkey's is not in it);
    ``overlap`` False: each commit in line, not while the next batch is computed."""
    settings = Settings(redis_url=url, demo=False, partitions=PARTITIONS)
    if track_retention_s is not None:  # 0: the track store off, for its cost
        settings = replace(settings, track_retention_s=track_retention_s)
    worker = Worker(redis.Redis.from_url(url, decode_responses=True), city, settings, name="bench", block_ms=50,
                    overlap=overlap)
    if reference:
        worker.pipeline = Pipeline(city, settings.partitions, settings.state_retention_s)
    worker.ensure_groups()
    worker.maintain()
    t, cpu = time.perf_counter(), time.process_time()
    done = 0
    while done < n:
        done += worker.step(settle=False)  # as Worker.run: one commit in flight while the next batch is read
    worker.settle()
    rate, cpu_us = n / (time.perf_counter() - t), (time.process_time() - cpu) / n * 1e6
    worker.shutdown()
    return rate, cpu_us


def _worker_process(url: str, city: CityPack, name: str, stop: Any) -> None:
    settings = Settings(redis_url=url, demo=False, partitions=PARTITIONS)
    Worker(redis.Redis.from_url(url, decode_responses=True), city, settings, name=name, block_ms=50).run(stop)


def run_workers(client: redis.Redis, city: CityPack, url: str, n: int, count: int) -> float:
    """``count`` worker processes (forked) sharing the partitions; msg/s until all ``n`` are committed.

    Timing starts once every worker holds its share of the partitions.
    """
    ctx = mp.get_context("fork")
    stop = ctx.Event()
    client.set(KEYS.lease(0), "hold", px=60_000)  # keep the first worker from draining alone...
    procs = [ctx.Process(target=_worker_process, args=(url, city, f"bench-{i}", stop)) for i in range(count)]
    for proc in procs:
        proc.start()
    while len(list(client.scan_iter(match=KEYS.health_pattern))) < count:
        time.sleep(0.05)
    client.delete(KEYS.lease(0))  # ...until all have joined: then they split the partitions
    t = time.perf_counter()
    while int(client.hget(KEYS.stats, "processed") or 0) < n:
        time.sleep(0.01)
    rate = n / (time.perf_counter() - t)
    stop.set()
    for proc in procs:
        proc.join(timeout=10)
    return rate


class LoopZoneIndex(ZoneIndex):
    """Zone membership the naive way: ``polygon.contains(Point)`` for every zone, every point."""

    def membership(self, lons: np.ndarray, lats: np.ndarray) -> list[frozenset[str]]:
        return [frozenset(z.id for z in self.zones if z.geometry.covers(Point(x, y)))
                for x, y in zip(lons.tolist(), lats.tolist(), strict=True)]


def naive(client: redis.Redis, city: CityPack, n: int) -> float:
    """The same rules and the same writes, one message and one round trip at a time.

    Read one entry, load its state, run the pipeline with a per-polygon loop, then write each
    output with its own command (alerts, state, position, latest, track, ack).
    """
    pipeline = Pipeline(city)
    pipeline.ctx.zones = LoopZoneIndex(city.zones)
    streams = {KEYS.input(p): ">" for p in range(PARTITIONS)}
    done, t = 0, time.perf_counter()
    while done < n:
        for stream, entries in client.xreadgroup(KEYS.group, "naive", streams, count=1) or []:
            for eid, raw in entries:
                fields = {k.decode(): v.decode() for k, v in raw.items()}
                subject = fields.get("id") or fields.get("plate") or ""
                blob = client.hget("naive:state", subject)
                result = pipeline.process([Entry(stream.decode(), eid.decode(), fields)],
                                          {subject: orjson.loads(blob)} if blob else {}, None)
                for a in result.alerts:
                    client.xadd("naive:alerts", a.to_fields())
                for s, st in result.states.items():
                    client.hset("naive:state", s, orjson.dumps(st))
                for ping in result.pings:
                    pos = orjson.dumps(position_fields(ping))
                    client.xadd("naive:positions", {"fix": pos})
                    client.hset("naive:last", ping.subject, pos)
                    client.lpush(f"naive:track:{ping.subject}", pos)
                    client.ltrim(f"naive:track:{ping.subject}", 0, 239)
                client.xack(stream, KEYS.group, eid)
                done += 1
    return n / (time.perf_counter() - t)


def latency(client: redis.Redis, city: CityPack, url: str, msgs: list[tuple[str, dict[str, str]]],
            rate: int, seconds: float) -> list[float]:
    """Feed ``rate`` msg/s for ``seconds`` into a running worker; latencies (ms) of the alerts."""
    load(client, [])
    settings = Settings(redis_url=url, demo=False, partitions=PARTITIONS)
    stop = threading.Event()
    wclient = redis.Redis.from_url(url, decode_responses=True)
    worker = Worker(wclient, city, settings, name="lat", block_ms=100)
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    time.sleep(2.5)  # let it take its partitions
    total = int(rate * seconds)
    tick = 0.01
    per_tick = max(1, int(rate * tick))
    sent: dict[tuple[str, str], int] = {}
    t0 = time.perf_counter()
    for i in range(0, total, per_tick):
        with client.pipeline(transaction=False) as pipe:
            chunk = msgs[i:i + per_tick]
            for subject, fields in chunk:
                pipe.xadd(KEYS.input(partition_of(subject, PARTITIONS)), fields)
            for (subject, fields), eid in zip(chunk, pipe.execute(), strict=True):
                sent[(subject, fields["ts"])] = int(eid.split(b"-")[0])
        delay = t0 + (i + per_tick) / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    time.sleep(1.5)
    stop.set()
    thread.join(timeout=10)
    out = []
    for eid, f in client.xrange(KEYS.alerts):
        key = (f[b"subject"].decode(), f[b"ts"].decode())
        if key in sent:
            out.append(float(int(eid.split(b"-")[0]) - sent[key]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pings", type=int, default=200_000)
    ap.add_argument("--vehicles", type=int, default=20_000)
    ap.add_argument("--naive", type=int, default=3_000, help="messages timed for the naive baseline")
    ap.add_argument("--rate", type=int, default=5_000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=3,
                    help="rounds of the ceiling, the worker, in line and reference, interleaved: best of each")
    ap.add_argument("--store-only", action="store_true",
                    help="only the track store's cost: the worker with it off, on, off, on")
    args = ap.parse_args()

    city = synthetic_city(vehicles=args.vehicles)
    msgs = synthetic_pings(city, args.pings)
    quiet_gc()  # as streams.worker.main does once the city is loaded: for the ceiling and the worker alike
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), appendonly=False) as srv:
        client = redis.Redis.from_url(srv.url)
        print(f"{args.pings} pings of {args.vehicles} vehicles; "
              f"{sum(z.kind == 'patrol' for z in city.zones)} patrol + "
              f"{sum(z.kind == 'restricted' for z in city.zones)} restricted zones; {PARTITIONS} partitions")
        if args.store_only:
            rates: dict[bool, list[float]] = {False: [], True: []}
            for on in (False, True, False, True):
                load(client, msgs)
                rates[on].append(run_worker(client, city, srv.url, len(msgs), None if on else 0.0))
            off_rate, on_rate = max(rates[False]), max(rates[True])
            print(f"worker, track store off {off_rate:10,.0f} msg/s (best of 2)")
            print(f"worker, track store on  {on_rate:10,.0f} msg/s (best of 2)")
            print(f"store on / off          {on_rate / off_rate:10.2f}x   (target >= 0.90)")
            return
        # the shared machine's load comes and goes: each measurement runs --repeat times, interleaved,
        # and the best of each is compared (each round's own worker / ceiling is printed too)
        best: dict[str, float] = {}
        rounds: list[float] = []
        cpus: dict[str, float] = {}
        for _ in range(args.repeat):
            load(client, msgs)
            ceil_now = ceiling(client, len(msgs))
            load(client, msgs)
            work_now, cpu_now = drain(client, city, srv.url, len(msgs))
            alerts = client.xlen(KEYS.alerts)
            rounds.append(work_now / ceil_now)
            load(client, msgs)
            inline_now, _ = drain(client, city, srv.url, len(msgs), overlap=False)
            load(client, msgs)
            ref_now, ref_cpu_now = drain(client, city, srv.url, len(msgs), reference=True)
            for name, value in (("ceil", ceil_now), ("work", work_now), ("inline", inline_now), ("ref", ref_now)):
                best[name] = max(best.get(name, 0.0), value)
            cpus["work"] = min(cpus.get("work", cpu_now), cpu_now)
            cpus["ref"] = min(cpus.get("ref", ref_cpu_now), ref_cpu_now)
        ceil, work, work_inline, work_ref = best["ceil"], best["work"], best["inline"], best["ref"]
        work_cpu, ref_cpu = cpus["work"], cpus["ref"]
        load(client, msgs)
        work_off = run_worker(client, city, srv.url, len(msgs), 0.0)
        load(client, msgs)
        work2 = run_workers(client, city, srv.url, len(msgs), 2)
        load(client, msgs[: args.naive])
        slow = naive(client, city, args.naive)
        lat = latency(client, city, srv.url, msgs, args.rate, args.seconds)
    print(f"best of {args.repeat} rounds each:")
    print(f"ceiling (read+parse+ack) {ceil:10,.0f} msg/s")
    print(f"OneMap worker            {work:10,.0f} msg/s   {alerts} alerts")
    print(f"worker, commits in line  {work_inline:10,.0f} msg/s   (no commit in flight while the next batch is computed)")
    print(f"worker, reference path   {work_ref:10,.0f} msg/s   (streams/pipeline.py for every message)")
    print(f"OneMap, 2 worker procs   {work2:10,.0f} msg/s")
    print(f"worker, track store off  {work_off:10,.0f} msg/s")
    print(f"naive per-message        {slow:10,.0f} msg/s")
    print(f"store on / off           {work / work_off:10.2f}x   (target >= 0.90)")
    print(f"worker / ceiling         {work / ceil:10.2f}x   (target >= 0.5, goal 0.8; best against best)")
    print(f"  each round's own       {'  '.join(f'{r:.2f}x' for r in rounds)}   (median {statistics.median(rounds):.2f}x)")
    print(f"overlap / in line        {work / work_inline:10.2f}x   (one commit in flight)")
    print(f"fast path / reference    {work / work_ref:10.2f}x   (msg/s; worker CPU per message, least of the "
          f"rounds: {work_cpu:.0f} vs {ref_cpu:.0f} µs: {ref_cpu / work_cpu:.2f}x less)")
    print(f"2 workers / ceiling      {work2 / ceil:10.2f}x   (2 processes on this machine's 2 cores)")
    print(f"worker / naive           {work / slow:10.1f}x   (target >= 10)")
    if lat:
        q = statistics.quantiles(lat, n=100)
        print(f"ingest->alert at {args.rate}/s: p50 {q[49]:.0f} ms, p99 {q[98]:.0f} ms over {len(lat)} alerts")
        print(f"p99 / 50 ms target       {q[98] / P99_TARGET_MS:10.2f}x   (target <= 1)")
    else:
        print("ingest->alert: no alerts in the latency run")


if __name__ == "__main__":
    main()
