"""Replay at 60x and faster: do the worker and the screens keep up? Ratios against the same run.

    python bench/replay.py [--speeds 60,240,1000] [--wall 5]

For each recording (the bundled demo night, ``data/recordings/demo_city.jsonl.gz``, and the real
Chicago day, ``data/recordings/chicago_crimes.jsonl``), into an embedded Valkey, with a real worker
process (``python -m streams.worker``) per run and the web process's socket bridge (``web.bridge``,
in this process, its pushes counted instead of sent):

1. baseline: the whole file by ``python -m streams.replay --speed 0``; its throughput (lines per
   wall second until the worker has acknowledged every entry) and its alerts;
2. per speed, ``--wall`` seconds of the recording paced at that speed (the window of the day with
   the most alerts in the baseline; every line before it written at once and processed first, as
   the Replay tab's sandbox does when it seeks), then the same lines unpaced. Printed:

   - the worker's lag: how far its event clock (``{prefix}:clock``) is behind the replay's playhead
     (the newest event time written to the input partitions), p50 and p99, in event seconds and
     as wall seconds (event seconds / speed);
   - the share of the input entries the worker had processed when the replay ended, and how long
     the rest took;
   - the rate the speed asks for, as a share of the baseline's throughput (above 1: it cannot
     keep up);
   - whether the alerts equal those of the unpaced replay of the same lines, every field and id
     (as sets: the partitions may commit them in another order);
   - the screens: positions pushes per second by the bridge (it pushes at most every 0.3 s), how
     far the newest fix of each push is behind the playhead (p99), and the time the Replay tab
     needs to read the sandbox's state once (latest fixes and alerts; p99, as a share of its 1 s
     refresh).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from city.citypack import CityPack, load_city_pack  # noqa: E402
from core.keys import Keys  # noqa: E402
from core.settings import ROOT  # noqa: E402
from runner.embedded import EmbeddedRedis  # noqa: E402
from runner.supervisor import start_worker  # noqa: E402
from streams.recording import Line, dumps_line, load_recording  # noqa: E402
from streams.worker import OFFLINE_CHECK_S  # noqa: E402
from web.bridge import Bridge  # noqa: E402
from web.store import last_fixes  # noqa: E402
from web.views.replay import lead_in  # noqa: E402

RECORDINGS = (("demo night", ROOT / "data/recordings/demo_city.jsonl.gz", ROOT / "data/demo_city"),
              ("Chicago day", ROOT / "data/recordings/chicago_crimes.jsonl", ROOT / "data/chicago"))
PARTITIONS = 4
SAMPLE_S = 0.05
TAB_REFRESH_S = 1.0  # the Replay tab's interval (layouts/replay.py)


class Pushes:
    """Stands in for Flask-SocketIO under the bridge: runs its loop in a thread, notes each positions
    push (wall time, rows, newest event time) instead of sending it."""

    def __init__(self) -> None:
        self.positions: list[tuple[float, int, float]] = []

    def start_background_task(self, target: Any, *args: Any) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        return thread

    def emit(self, event: str, data: Any, **_: Any) -> None:
        if event == "positions" and data.get("rows"):
            rows = data["rows"]
            self.positions.append((time.monotonic(), len(rows), max(float(r[5]) for r in rows)))


@dataclass
class Run:
    written: int = 0
    seconds: float = 0.0  # replay start to the worker's last acknowledgement
    replay_s: float = 0.0  # replay start to its exit
    done_at_exit: float = 0.0  # share of the entries processed when the replay ended
    alerts: list[str] = field(default_factory=list)  # every alert, all its fields (id included), sorted
    alert_ts: list[float] = field(default_factory=list)
    lag: list[float] = field(default_factory=list)  # event seconds, sampled while paced
    delay: list[float] = field(default_factory=list)  # wall seconds from a playhead to the worker's clock at it
    push_rate: float = 0.0
    push_lag: list[float] = field(default_factory=list)
    tab_read_s: list[float] = field(default_factory=list)


def write_lines(path: Path, lines: Sequence[Line]) -> Path:
    with path.open("wb") as f:
        for ln in lines:
            f.write(dumps_line(ln.fields) + b"\n")
    return path


def behind(client: redis.Redis, keys: Keys) -> int:
    """Input entries not yet acknowledged by the worker: never read (lag) plus pending."""
    total = 0
    for p in range(PARTITIONS):
        try:
            groups = client.xinfo_groups(keys.input(p))
        except redis.ResponseError:  # no stream yet
            continue
        for g in groups:
            total += int(g.get("lag") or 0) + int(g.get("pending") or 0)
    return total


def playhead(client: redis.Redis, keys: Keys) -> float | None:
    """The newest event time written to the input partitions."""
    with client.pipeline(transaction=False) as pipe:
        for p in range(PARTITIONS):
            pipe.xrevrange(keys.input(p), count=1)
        tails = pipe.execute()
    ts = [float(e[0][1]["ts"]) for e in tails if e]
    return max(ts) if ts else None


def wait_worker(client: redis.Redis, keys: Keys, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Until the worker has made its consumer groups on every partition."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("the worker exited")
        ready = 0
        for p in range(PARTITIONS):
            with contextlib.suppress(redis.ResponseError):
                ready += bool(client.xinfo_groups(keys.input(p)))
        if ready == PARTITIONS:
            return
        time.sleep(0.05)
    raise RuntimeError("the worker did not start")


def one_run(url: str, pack: Path, city: CityPack, lines: Sequence[Line], speed: float, start: float | None,
            prefix: str, tmp: Path) -> Run:
    client = redis.Redis.from_url(url, decode_responses=True)
    keys = Keys(prefix)
    backlog = bisect.bisect_left([ln.ts for ln in lines], start) if start is not None else 0
    before = write_lines(tmp / f"{prefix}-before.jsonl", lines[:backlog])
    recording = write_lines(tmp / f"{prefix}.jsonl", lines[backlog:])
    worker = start_worker(url, prefix, pack, prefix)
    out = Run(written=len(lines))
    pushes = Pushes()
    replay: subprocess.Popen[bytes] | None = None
    bridge = Bridge(pushes, redis.Redis.from_url(url, decode_responses=True), keys, city, PARTITIONS)
    try:
        wait_worker(client, keys, worker)
        env = {**os.environ, "REDIS_URL": url, "CITY_PACK": str(pack), "CC_PARTITIONS": str(PARTITIONS)}
        if backlog:  # what comes before the window: at once, and processed before the window begins
            subprocess.run([sys.executable, "-m", "streams.replay", str(before), "--speed", "0", "--prefix", prefix],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
            while behind(client, keys):
                time.sleep(0.01)
        if speed > 0:
            bridge.start()
            bridge.started.wait(10)
        args = [sys.executable, "-m", "streams.replay", str(recording), "--speed", f"{speed:g}", "--prefix", prefix]
        t0 = time.monotonic()
        replay = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        samples: list[tuple[float, float, float]] = []  # wall, playhead, clock
        next_tab = t0
        while replay.poll() is None:
            if speed > 0:
                head, clock = playhead(client, keys), client.get(keys.clock)
                now = time.monotonic()
                if head is not None and clock is not None:
                    samples.append((now, head, float(clock)))
                if now >= next_tab:  # what the Replay tab reads at each refresh
                    t = time.perf_counter()
                    last_fixes(client, keys)
                    client.xrevrange(keys.alerts, count=2000)
                    out.tab_read_s.append(time.perf_counter() - t)
                    next_tab = now + TAB_REFRESH_S
            time.sleep(SAMPLE_S if speed > 0 else 0.01)
        out.replay_s = time.monotonic() - t0
        left = behind(client, keys)
        out.done_at_exit = 1.0 - left / max(1, len(lines) - backlog)
        while left:
            time.sleep(0.01)
            left = behind(client, keys)
        out.seconds = time.monotonic() - t0
        time.sleep(3 * OFFLINE_CHECK_S)  # the worker's check for silent units on the final event clock
        entries = client.xrange(keys.alerts)
        out.alerts = sorted(orjson.dumps(f, option=orjson.OPT_SORT_KEYS).decode() for _, f in entries)
        out.alert_ts = [float(f["ts"]) for _, f in entries]
        out.lag = [max(0.0, head - clock) for _, head, clock in samples]
        if samples:
            walls, heads = np.array([s[0] for s in samples]), np.array([s[1] for s in samples])
            clocks = np.maximum.accumulate(np.array([s[2] for s in samples]))
            reached = np.maximum(np.searchsorted(clocks, heads, side="left"), np.arange(len(samples)))
            ok = reached < len(samples)  # when the worker's clock first reached each playhead
            out.delay = (walls[reached[ok]] - walls[ok]).tolist()
        if samples and pushes.positions:
            during = [p for p in pushes.positions if walls[0] <= p[0] <= walls[-1]]
            out.push_lag = [max(0.0, float(np.interp(w, walls, heads)) - ts) for w, _, ts in during]
            out.push_rate = len(during) / max(1e-9, walls[-1] - walls[0])
    finally:
        if replay is not None and replay.poll() is None:  # stopped early (an error): end the replay too
            replay.terminate()
            replay.wait(15)
        bridge.stop()
        worker.terminate()
        worker.wait(15)
        client.close()
    return out


def busiest_window(alert_ts: Sequence[float], first: float, last: float, span: float) -> float:
    """The start of the ``span`` seconds within ``[first, last]`` holding the most alerts."""
    if last - first <= span or not alert_ts:
        return first
    ts = sorted(t for t in alert_ts if first <= t <= last)
    best, at = -1, first
    for t in ts:
        s = min(t, last - span)
        n = bisect.bisect_right(ts, s + span) - bisect.bisect_left(ts, s)
        if n > best:
            best, at = n, s
    return at


def pct(xs: Sequence[float], q: float) -> float:
    return float(np.percentile(xs, q)) if len(xs) else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--speeds", default="60,240,1000")
    ap.add_argument("--wall", type=float, default=5.0, help="wall seconds of paced replay per speed")
    args = ap.parse_args()
    speeds = [float(s) for s in args.speeds.split(",")]
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # the workers' start and stop lines
    with tempfile.TemporaryDirectory() as tmpdir, EmbeddedRedis(Path(tmpdir) / "redis", appendonly=False) as srv:
        tmp = Path(tmpdir)
        for k, (name, path, pack) in enumerate(RECORDINGS):
            lines, _ = load_recording(path)
            lines.sort(key=lambda ln: ln.ts)
            city = load_city_pack(pack)
            ts = [ln.ts for ln in lines]
            base = one_run(srv.url, pack, city, lines, 0.0, None, f"bench{k}base", tmp)
            rate = base.written / base.seconds
            print(f"\n{name}: {path.relative_to(ROOT)}, {len(lines):,} lines over {(ts[-1] - ts[0]) / 3600:.1f} h "
                  f"of event time, {len(base.alerts)} alerts")
            print(f"  baseline, unpaced: {rate:,.0f} lines/s through the worker ({base.seconds:.1f} s)")
            print("  speed  window    lines  asks  lag p50/p99: event s, wall s  done at end  drain s  "
                  "alerts = unpaced  pushes/s  push lag p99: event s, wall s  tab read p99")
            for speed in speeds:
                first = lead_in(ts)
                start = busiest_window(base.alert_ts, first, ts[-1], speed * args.wall)
                end = bisect.bisect_right(ts, start + speed * args.wall)
                window = min(speed * args.wall, ts[-1] - start)
                paced_lines = end - bisect.bisect_left(ts, start)
                tag = f"bench{k}x{int(speed)}"
                paced = one_run(srv.url, pack, city, lines[:end], speed, start, tag + "p", tmp)
                unpaced = one_run(srv.url, pack, city, lines[:end], 0.0, None, tag + "u", tmp)
                asks = paced_lines / max(1e-9, window / speed) / rate
                same = paced.alerts == unpaced.alerts
                lag, delay, push = paced.lag, paced.delay, paced.push_lag
                print(f"  {speed:5g}x {window / 60:5.0f} min {paced_lines:7,}  {asks:4.2f}  "
                      f"{pct(lag, 50):6.1f} / {pct(lag, 99):6.1f}, {pct(delay, 50):4.2f} / {pct(delay, 99):4.2f}  "
                      f"{paced.done_at_exit:10.1%}  {paced.seconds - paced.replay_s:7.2f}  "
                      f"{str(same):>5} ({len(paced.alerts):3})  {paced.push_rate:8.1f}  "
                      f"{pct(push, 99):14.1f}, {pct(push, 99) / speed:4.2f}  "
                      f"{pct(paced.tab_read_s, 99) * 1000:5.1f} ms = {pct(paced.tab_read_s, 99) / TAB_REFRESH_S:.1%}")


if __name__ == "__main__":
    main()
