"""``python -m demo.recorder``: the bundled recording of the demo city (``CC_DEMO_SOURCE=recording``).

Runs the simulator in event time alone (no Redis, no wall clock) from 01:56 local on a fixed day
for ``--minutes`` of event time (default 20, so the night ban, fatigue, overspeed, zone exits,
clones, watchlist hits and a silent unit all happen) and writes what it sends, in event-time order,
to ``data/recordings/demo_city.jsonl.gz`` (JSON Lines, contract 7.4). The same seed gives the same
file, byte for byte.
"""

from __future__ import annotations

import argparse
import gzip
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import orjson

from city.citypack import load_city_pack
from core.settings import DEMO_CITY, ROOT
from demo.simulator import Simulator, demo_start

__all__ = ["record_demo", "DAY", "main"]

OUT = ROOT / "data" / "recordings" / "demo_city.jsonl.gz"
DAY = (2026, 6, 1)  # the recorded night: 2026-06-01 from 01:56 local (runner.supervisor.DEMO_RECORDING_START)


def record_demo(minutes: float, seed: int = 1, city_pack: Path = DEMO_CITY) -> list[dict[str, str]]:
    """The messages of ``minutes`` of event time of the demo city, in event-time order (each
    subject's in its own order; the tired coach's backlog first)."""
    city = load_city_pack(city_pack)
    start = demo_start(datetime(*DAY, 12, 0, tzinfo=city.timezone))
    sim = Simulator(city, None, start, seed=seed)
    out: list[dict[str, str]] = []
    t = start
    while t < start + minutes * 60:
        step = sim.step(t)
        step.sort(key=lambda f: float(f["ts"]))  # stable: one subject's messages keep their order
        out.extend(step)
        t += 1.0
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m demo.recorder", description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=20.0, help="event minutes to record (default 20)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    messages = record_demo(args.minutes, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    body = b"".join(orjson.dumps(m) + b"\n" for m in messages)
    with args.out.open("wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(body)
    print(f"demo.recorder: {len(messages)} messages, {args.out.stat().st_size} bytes -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
