"""Soak: the whole system under the demo at 10x its normal rate, for minutes; does memory level off?

    python bench/soak.py [--minutes 10] [--speed 50] [--input-retention 120] [--state-retention 3600]

Starts ``app.py`` (embedded Redis, one worker, the demo simulator, the web server) on free loopback
ports with a fresh data folder, and once a minute prints Redis's memory and key count, the length
of the input partitions, and the resident memory of every process (web server, worker, simulator,
Redis), each also as a ratio to the first minute's figure: the baseline of the same run. The demo's
normal speed is 5 event seconds per wall second; ``--speed 50`` is ten times its rate. Retention
settings are shortened so that what would take a day shows within the run: input entries older
than ``--input-retention`` wall seconds and subjects silent for ``--state-retention`` event seconds
go. Stops everything when done (SIGTERM, then the app stops its children in order). Nothing is
asserted: a flat last column is what to look for.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.keys import Keys  # noqa: E402
from core.settings import ROOT  # noqa: E402
from runner.embedded import free_port  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


ROLES = ("app.py", "web worker", "worker", "simulator", "redis")


def family(root: int) -> dict[str, int]:
    """The processes of this run by role: ``app.py`` and its children."""
    found = {"app.py": root}
    for proc in Path("/proc").glob("[0-9]*"):
        pid = int(proc.name)
        if ppid(pid) != root:
            continue
        line = cmdline(pid)
        role = ("worker" if "-m streams.worker" in line else "simulator" if "-m demo.simulator" in line
                else "redis" if "valkey" in line.lower() or "redis-server" in line else "web worker")
        found[role] = pid
    return found


def redis_port(root: int) -> int:
    """The embedded server's port: Valkey retitles itself ``valkey-server 127.0.0.1:{port}``."""
    found = re.search(r"127\.0\.0\.1:(\d+)", cmdline(family(root).get("redis", 0)))
    if not found:
        raise SystemExit("soak: the embedded Redis of this run was not found")
    return int(found.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=int, default=10)
    ap.add_argument("--speed", type=float, default=50.0)
    ap.add_argument("--input-retention", type=float, default=120.0)
    ap.add_argument("--state-retention", type=float, default=3600.0)
    args = ap.parse_args()
    data = tempfile.mkdtemp(prefix="onemap-soak-")
    port, osmand = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CITY_PACK"}}
    env.update(PORT=str(port), OSMAND_PORT=str(osmand), CC_DATA_DIR=data, LOG_LEVEL="WARNING",
               CC_DEMO_SPEED=str(args.speed), CC_INPUT_RETENTION_S=str(args.input_retention),
               CC_STATE_RETENTION_S=str(args.state_retention))
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped early: still stop the app below
    rss: dict[str, float] = {}
    try:
        assert proc.stdout is not None
        print(proc.stdout.readline().strip(), flush=True)
        time.sleep(5)
        client = redis.Redis(host="127.0.0.1", port=redis_port(proc.pid), decode_responses=True)
        keys = Keys("cc")
        first: dict[str, float] = {}
        print(f"{'min':>3} {'processed':>10} {'redis MB':>9} {'keys':>7} {'input':>8} "
              + " ".join(f"{role + ' MB':>14}" for role in ROLES)
              + "   x minute 1: redis MB, keys, worker MB", flush=True)
        for minute in range(1, args.minutes + 1):
            time.sleep(60)
            mem = int(client.info("memory")["used_memory"]) / 2**20
            nkeys = int(client.dbsize())
            inputs = sum(int(client.xlen(keys.input(p))) for p in range(4))
            processed = int(client.hget(keys.stats, "processed") or 0)
            rss = {role: rss_mb(pid) for role, pid in family(proc.pid).items()}
            figures = {"redis": mem, "keys": float(nkeys), "worker": rss.get("worker", 0.0)}
            first = first or dict(figures)
            ratios = " ".join(f"{figures[k] / first[k]:.2f}" if first[k] else "-" for k in ("redis", "keys", "worker"))
            print(f"{minute:>3} {processed:>10} {mem:>9.1f} {nkeys:>7} {inputs:>8} "
                  + " ".join(f"{rss.get(role, 0.0):>14.1f}" for role in ROLES) + f"   {ratios}", flush=True)
        per_subject(client, keys, rss.get("worker", 0.0))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def per_subject(client: redis.Redis, keys: Keys, worker_mb: float) -> None:
    """Memory per tracked subject at the end: Redis without the input partitions (they are bounded
    by time, not by subjects), and the worker's resident memory."""
    subjects = int(client.hlen(keys.last))
    inputs = sum(int(client.memory_usage(keys.input(p)) or 0) for p in range(4))
    other = int(client.info("memory")["used_memory"]) - inputs
    print(f"subjects tracked: {subjects}; input partitions {inputs / 2**20:.1f} MB; the rest of Redis "
          f"{other / 2**20:.1f} MB = {other / max(subjects, 1) / 1024:.1f} KB per subject; "
          f"worker RSS {worker_mb:.1f} MB = {worker_mb * 1024 / max(subjects, 1):.1f} KB per subject", flush=True)


if __name__ == "__main__":
    main()
