"""Where one worker's time goes: cProfile over the worker draining bench/worker_throughput.py's load.

    python bench/profile_worker.py [--pings 100000] [--vehicles 20000] [--top 25] [--out FILE]
    python bench/profile_worker.py --phases [--cpu]
    python bench/profile_worker.py --sample [--rate 400]

Loads the synthetic pings into an embedded Redis, then profiles ``Worker.step`` until every entry
is committed. Prints the top functions by own time with their share of the whole run, and the
share of a few groups (Redis I/O, parse, pipeline, state codec, commit); ``--out`` keeps the
``pstats`` file (e.g. for snakeviz or flameprof).

``--phases`` times the worker's phases instead, without a profiler (µs per message, wall time or
with ``--cpu`` this process's CPU time; Valkey's time inside EXEC from its commandstats), for the
fast path and the reference pipeline in the same run (best of two each).

``--sample`` runs the same drain under py-spy (a sampling profiler: the worker runs at full speed,
no tracing hook per call; requirements-dev.txt) and prints each function's share of the samples taken
inside ``Worker.step``, inclusive and own (the flame graph as a table; ``--out`` keeps the raw stacks,
one per line, for flamegraph.pl or speedscope).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import synthetic_city, synthetic_pings  # noqa: E402
from bench.worker_throughput import PARTITIONS, load  # noqa: E402
from core.settings import Settings  # noqa: E402
from runner.embedded import EmbeddedRedis  # noqa: E402
from streams import worker as worker_module  # noqa: E402
from streams.fastpath import FastPipeline  # noqa: E402
from streams.pipeline import Pipeline  # noqa: E402
from streams.worker import Worker, quiet_gc  # noqa: E402

# (group, a piece of the function's "file:line(name)" that puts it there), first match wins
GROUPS = (
    ("redis socket + reply parsing", ("redis/", "hiredis", "socket", "select")),
    ("pipeline (filters, enrichers, rules)", ("streams/pipeline", "streams/filters", "streams/enrichers",
                                              "streams/rules", "streams/fastpath", "city/geo", "shapely")),
    ("parse (core.messages, values, timeutil)", ("core/messages", "core/values", "core/timeutil")),
    ("commit (streams/commit, tracks)", ("streams/commit", "core/tracks")),
    ("state codec (orjson, statecodec)", ("orjson", "statecodec", "msgpack")),
)


def group_of(key: tuple[str, int, str]) -> str:
    where = f"{key[0]}:{key[1]}({key[2]})"
    for name, parts in GROUPS:
        if any(p in where for p in parts):
            return name
    return "other (worker loop, builtins, numpy)"


PHASES = ("step", "read (step minus _handle)", "pipeline.process", "_handle rest (entries, state codec, cache)",
          "_commit", "queue_batch", "execute", "Valkey inside EXEC", "execute minus Valkey")


def phases(msgs: list[tuple[str, dict[str, str]]], city: Any, cpu: bool) -> None:
    """µs per message of each phase, fast path against the reference pipeline in the same run."""
    import redis.client

    clock: Callable[[], float] = time.process_time if cpu else time.perf_counter
    spent: dict[str, float] = {}

    def timed(owner: Any, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*a: Any, **k: Any) -> Any:
            t = clock()
            try:
                return inner(*a, **k)
            finally:
                spent[label] = spent.get(label, 0.0) + clock() - t
        setattr(owner, name, wrapper)

    for owner, name, label in ((Pipeline, "process", "pipeline.process"), (FastPipeline, "process", "pipeline.process"),
                               (Worker, "_commit", "_commit"), (Worker, "_handle", "_handle"), (Worker, "step", "step"),
                               (worker_module, "queue_batch", "queue_batch"),
                               (redis.client.Pipeline, "execute", "execute")):
        timed(owner, name, label)
    n = len(msgs)
    best: dict[str, dict[str, float]] = {}  # µs per message of each phase, per path
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), appendonly=False) as srv:
        client = redis.Redis.from_url(srv.url)
        for _ in range(2):
            for reference in (False, True):
                load(client, msgs)
                settings = Settings(redis_url=srv.url, demo=False, partitions=PARTITIONS)
                worker = Worker(redis.Redis.from_url(srv.url, decode_responses=True), city, settings, name="phases",
                                block_ms=50, overlap=False)  # phases one after the other, to time each
                if reference:
                    worker.pipeline = Pipeline(city, settings.partitions, settings.state_retention_s)
                worker.ensure_groups()
                worker.maintain()
                spent.clear()
                client.config_resetstat()
                done = 0
                while done < n:
                    done += worker.step()
                worker.shutdown()
                us = {k: v / n * 1e6 for k, v in spent.items()}
                us["Valkey inside EXEC"] = client.info("commandstats")["cmdstat_exec"]["usec"] / n
                us["read (step minus _handle)"] = us["step"] - us["_handle"]
                us["_handle rest (entries, state codec, cache)"] = us["_handle"] - us["pipeline.process"] - us["_commit"]
                us["execute minus Valkey"] = us["execute"] - us["Valkey inside EXEC"]
                name = "reference" if reference else "fast path"
                if name not in best or us["step"] < best[name]["step"]:
                    best[name] = us
    print(f"{len(msgs)} messages; µs per message ({'worker CPU' if cpu else 'wall'}), best of 2")
    print(f"  {'phase':44s} {'reference':>10s} {'fast path':>10s}")
    for phase in PHASES:
        print(f"  {phase:44s} {best['reference'][phase]:10.1f} {best['fast path'][phase]:10.1f}")


def drain_once(msgs: list[tuple[str, dict[str, str]]], city: Any) -> None:
    """One worker draining ``msgs`` with nothing attached: what ``--sample`` records."""
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), appendonly=False) as srv:
        load(redis.Redis.from_url(srv.url), msgs)
        settings = Settings(redis_url=srv.url, demo=False, partitions=PARTITIONS)
        worker = Worker(redis.Redis.from_url(srv.url, decode_responses=True), city, settings, name="sample",
                        block_ms=50)
        worker.ensure_groups()
        worker.maintain()
        done, t = 0, time.perf_counter()
        while done < len(msgs):
            done += worker.step(settle=False)
        worker.settle()
        print(f"{len(msgs)} messages, {len(msgs) / (time.perf_counter() - t):,.0f} msg/s while sampled")
        worker.shutdown()


def shares(raw_stacks: list[str], top: int) -> list[str]:
    """py-spy's raw stacks ("frame;frame;... count" per line) as the share of the samples inside
    ``Worker.step`` each function holds, inclusive and own (line numbers dropped).

    >>> for row in shares(["a;Worker.step (w.py:1);f (x.py:2);g (x.py:9) 3", "a;Worker.step (w.py:1);f (x.py:3) 1",
    ...                    "load (b.py:1) 50"], 2):
    ...     print(row)
    inclusive (4 samples in Worker.step):
       100.0%  Worker.step (w.py)
       100.0%  f (x.py)
    own:
        75.0%  g (x.py)
        25.0%  f (x.py)
    """
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw_stacks:
        stack, _, count = line.rstrip().rpartition(" ")
        if "Worker.step (" not in stack:
            continue
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        frames = frames[next(i for i, f in enumerate(frames) if f.startswith("Worker.step (")):]
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    out = [f"inclusive ({total} samples in Worker.step):"]
    def ranked(counts: Counter[str]) -> list[tuple[str, int]]:  # most samples first, ties by name
        return sorted(counts.items(), key=lambda fn: (-fn[1], fn[0]))[:top]

    out += [f"  {n / total:7.1%}  {f}" for f, n in ranked(inclusive)]
    out += ["own:"] + [f"  {n / total:7.1%}  {f}" for f, n in ranked(own)]
    return out


def sample(args: argparse.Namespace) -> None:
    """Record ``drain_once`` in a child process under py-spy and print ``shares`` of its samples."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        raise SystemExit("profile_worker --sample: py-spy not found; pip install -r requirements-dev.txt")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "stacks.txt"
        subprocess.run([spy, "record", "-r", str(args.rate), "-f", "raw", "-o", str(out), "--", sys.executable,
                        __file__, "--drain", "--pings", str(args.pings), "--vehicles", str(args.vehicles)], check=True)
        print("\n".join(shares(out.read_text().splitlines(), args.top)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pings", type=int, default=100_000)
    ap.add_argument("--vehicles", type=int, default=20_000)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--phases", action="store_true", help="time the phases, fast path against reference")
    ap.add_argument("--cpu", action="store_true", help="with --phases: this process's CPU time, not wall time")
    ap.add_argument("--sample", action="store_true", help="py-spy's samples of a drain, as shares per function")
    ap.add_argument("--rate", type=int, default=400, help="with --sample: samples per second")
    ap.add_argument("--drain", action="store_true", help=argparse.SUPPRESS)  # what --sample records
    args = ap.parse_args()
    if args.sample:
        sample(args)
        return
    city = synthetic_city(vehicles=args.vehicles)
    msgs = synthetic_pings(city, args.pings)
    quiet_gc()  # as streams.worker.main does
    if args.drain:
        drain_once(msgs, city)
        return
    if args.phases:
        phases(msgs, city, args.cpu)
        return
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), appendonly=False) as srv:
        load(redis.Redis.from_url(srv.url), msgs)
        settings = Settings(redis_url=srv.url, demo=False, partitions=PARTITIONS)
        worker = Worker(redis.Redis.from_url(srv.url, decode_responses=True), city, settings, name="prof",
                        block_ms=50)
        worker.ensure_groups()
        worker.maintain()
        prof = cProfile.Profile()
        done = 0
        prof.enable()
        while done < len(msgs):
            done += worker.step()
        prof.disable()
        worker.shutdown()
    stats = pstats.Stats(prof)
    if args.out:
        stats.dump_stats(args.out)
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in raw.values())
    print(f"{len(msgs)} messages, {total:.2f} s profiled, {len(msgs) / total:,.0f} msg/s under the profiler")
    groups: dict[str, float] = {}
    for key, (_, _, tt, _, _) in raw.items():
        groups[group_of(key)] = groups.get(group_of(key), 0.0) + tt
    print("\nown time by group:")
    for name, tt in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"  {tt / total:6.1%}  {name}")
    print(f"\ntop {args.top} functions by own time (share, own s, cumulative s, calls):")
    rows = sorted(raw.items(), key=lambda kv: -kv[1][2])[: args.top]
    for (file, line, name), (_, calls, tt, ct, _) in rows:
        short = "/".join(Path(file).parts[-2:]) if file != "~" else "~"
        print(f"  {tt / total:6.1%}  {tt:6.2f}  {ct:6.2f}  {calls:>8}  {short}:{line}({name})")


if __name__ == "__main__":
    main()
