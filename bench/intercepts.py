"""How well the intercept model predicts a vehicle's travel time between checkpoints, on the demo city.

    python bench/intercepts.py [--hours 12] [--learn 0.67] [--seed 1]

Runs the demo simulator (pure stepping, event time, no Redis and no waiting) from its 01:56 start for
``--hours`` of event time, keeps its plate reads, and turns them into travel samples with the worker's
own recorder (``streams.travel.record_hop``: a plate read at a ``next`` checkpoint within 2 h). The
samples of the first ``--learn`` share of the time are learned from (window: all of them); each
sample of the rest is then predicted three ways:

- learned: the model the API uses (``city.travel``: median per local hour, else all hours, with
  at least 5 samples; the road-graph fallback where a pair has fewer),
- road: road-graph shortest path over ``VEHICLE_KMH`` (what a pack with roads gets without samples),
- great circle: great circle x ``DETOUR`` over ``VEHICLE_KMH`` (a pack without roads).

Printed per group (all reads; the monitored vehicles, which drive the road graph at their own pace;
the unmonitored through traffic, scripted by the simulator): the median and p90 absolute error, the
bias (mean of predicted - actual; negative: the model says the vehicle arrives earlier than it does)
and the median absolute error as a share of the actual time. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from city.citypack import CityPack, load_city_pack  # noqa: E402
from city.roadnet import road_net  # noqa: E402
from city.travel import LearnedTimes, TravelModel  # noqa: E402
from core.messages import parse_fields  # noqa: E402
from core.model import Read  # noqa: E402
from core.settings import DEMO_CITY  # noqa: E402
from core.travel import TravelSample  # noqa: E402
from demo.simulator import Simulator, demo_start  # noqa: E402
from streams.travel import record_hop  # noqa: E402

STEP_S = 60.0


def simulate(city: CityPack, hours: float, seed: int) -> tuple[float, list[TravelSample]]:
    """The demo's start and the travel samples of ``hours`` of its plate reads."""
    start = demo_start(datetime(2026, 12, 1, 12, 0, tzinfo=city.timezone))  # a fixed day: the same run each time
    sim = Simulator(city, None, start, seed=seed, backlog=False)
    states: dict[str, dict[str, Any]] = {}
    samples: list[TravelSample] = []
    t = start
    while t < start + hours * 3600:
        t += STEP_S
        reads = [e for e in (parse_fields(m) for m in sim.step(t) if m["type"] == "anpr") if isinstance(e, Read)]
        for read in sorted(reads, key=lambda r: r.ts):
            sample = record_hop(read, states.setdefault(read.plate, {}), city.checkpoints)
            if sample is not None:
                samples.append(sample)
    return start, samples


def errors(predict: Callable[[TravelSample], float], samples: list[TravelSample]) -> list[float]:
    return [predict(s) - s.seconds for s in samples]


def summary(errs: list[float], samples: list[TravelSample]) -> str:
    if not errs:
        return "no samples"
    absolute = sorted(abs(e) for e in errs)
    p90 = absolute[min(len(absolute) - 1, int(0.9 * len(absolute)))]
    share = statistics.median(abs(e) / s.seconds for e, s in zip(errs, samples, strict=True)) * 100
    return (f"median |err| {statistics.median(absolute):7.1f} s   p90 |err| {p90:7.1f} s   "
            f"bias {statistics.fmean(errs):+8.1f} s   median |err|/actual {share:5.1f} %")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hours", type=float, default=12.0)
    ap.add_argument("--learn", type=float, default=0.67, help="share of the time learned from")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    city = load_city_pack(DEMO_CITY)
    t0 = time.perf_counter()
    start, samples = simulate(city, args.hours, args.seed)
    split = start + args.learn * args.hours * 3600
    learn = [s for s in samples if s.ts < split]
    test = [s for s in samples if s.ts >= split and s.ts - s.seconds >= split]  # trips wholly after the split
    by_pair: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for s in learn:
        by_pair.setdefault((s.a, s.b), []).append((s.ts, s.seconds))
    net = road_net(city)
    learned = LearnedTimes(by_pair, city.timezone, now=split, window_s=args.hours * 3600)
    models = {"learned": TravelModel(net, learned), "road graph": TravelModel(net), "great circle": TravelModel()}
    cps = city.checkpoints
    answered = sum(learned.seconds(s.a, s.b, s.ts - s.seconds) is not None for s in test)
    print(f"demo city, seed {args.seed}: {args.hours:g} h of event time from "
          f"{datetime.fromtimestamp(start, city.timezone):%H:%M} local, simulated in {time.perf_counter() - t0:.0f} s")
    print(f"{len(samples)} travel samples over {len({(s.a, s.b) for s in samples})} checkpoint pairs; "
          f"learned from the first {args.learn:.0%} ({len(learn)}), predicting the {len(test)} after it; "
          f"learned times for {answered / max(1, len(test)):.0%} of those (the rest: the road fallback)")
    groups = {"all": test, "monitored vehicles": [s for s in test if s.plate in city.vehicles],
              "through traffic": [s for s in test if s.plate not in city.vehicles]}
    for group, rows in groups.items():
        print(f"\n{group} ({len(rows)} samples, median actual "
              f"{statistics.median(s.seconds for s in rows) if rows else 0:.0f} s)")
        for name, model in models.items():
            errs = errors(lambda s, m=model: m.hop_s(cps[s.a], cps[s.b], s.ts - s.seconds), rows)  # type: ignore[misc]
            print(f"  {name:13s} {summary(errs, rows)}")


if __name__ == "__main__":
    main()
