"""Where one worker's time goes: cProfile over the worker draining bench/worker_throughput.py's load.

    python bench/profile_worker.py [--pings 100000] [--vehicles 20000] [--top 25] [--out FILE]

Loads the synthetic pings into an embedded Redis, then profiles ``Worker.step`` until every entry
is committed. Prints the top functions by own time with their share of the whole run, and the
share of a few groups (Redis I/O, parse, pipeline, state codec, commit); ``--out`` keeps the
``pstats`` file (e.g. for snakeviz or flameprof).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import synthetic_city, synthetic_pings  # noqa: E402
from bench.worker_throughput import PARTITIONS, load  # noqa: E402
from core.settings import Settings  # noqa: E402
from runner.embedded import EmbeddedRedis  # noqa: E402
from streams.worker import Worker  # noqa: E402

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pings", type=int, default=100_000)
    ap.add_argument("--vehicles", type=int, default=20_000)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    city = synthetic_city(vehicles=args.vehicles)
    msgs = synthetic_pings(city, args.pings)
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
