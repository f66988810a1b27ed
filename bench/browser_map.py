"""The command map under load in headless Chromium, against an idle baseline in the same run.

    python bench/browser_map.py [--vehicles 5000] [--seconds 60]

Starts OneMap (no demo feed) on its own Redis, then measures one page twice: idle, and with
``--vehicles`` vehicles moving at one update a second pushed through the real pipeline output
(``cc:positions``) and socket bridge. Prints frames per second, long-task time (PerformanceObserver
'longtask'), JS heap before and after, and the web process's CPU per connected client, each as a
ratio to the idle baseline. Heap figures are taken after a forced full GC. Timing is printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson
import redis
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.keys import Keys  # noqa: E402
from core.settings import ROOT  # noqa: E402
from runner.embedded import EmbeddedRedis, free_port  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--enable-precise-memory-info", "--js-flags=--expose-gc"]
PROBE = """() => {
  window.__bench = {frames: 0, longMs: 0, longCount: 0};
  const tick = () => { window.__bench.frames++; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  new PerformanceObserver(list => list.getEntries().forEach(e => {
    window.__bench.longMs += e.duration; window.__bench.longCount++; })).observe({entryTypes: ["longtask"]});
}"""

HEAP = "(() => { window.gc(); return performance.memory.usedJSHeapSize; })()"  # live heap after a full GC


def sign_in(page: Page, url: str, username: str, password: str = "demo") -> None:
    """Sign in through the form, as a person does."""
    page.goto(f"{url}/login?lang=en")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda u: "/login" not in u)


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def web_pids(pid: int) -> list[int]:
    """The web process: ``app.py`` and the gunicorn worker it forks (a child running app.py too),
    not the stream workers it also starts."""
    out = [pid]
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if int(_stat(int(proc.name))[1]) == pid and b"app.py" in (proc / "cmdline").read_bytes():
                out.append(int(proc.name))
        except (OSError, ValueError, IndexError):
            continue
    return out


def cpu_seconds(pid: int) -> float:
    """CPU seconds of the web process (the gunicorn master and its worker)."""
    total = 0.0
    for p in web_pids(pid):
        fields = _stat(p)
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def feed(url: str, n: int, stop: threading.Event) -> None:
    """``n`` vehicles moving, one batch of fixes a second, as the worker publishes them."""
    client, keys, rng = redis.Redis.from_url(url), Keys("cc"), random.Random(5)
    pos = [[22.52 + rng.random() * 0.03, 114.0 + rng.random() * 0.04] for _ in range(n)]
    ts = 1_800_000_000.0
    while not stop.is_set():
        ts += 1
        fixes = []
        for i, p in enumerate(pos):
            p[0] += rng.uniform(-1, 1) * 5e-5
            p[1] += rng.uniform(-1, 1) * 5e-5
            fixes.append({"subject": f"BENCH{i:05d}", "kind": "vehicle", "category": "taxi", "lat": f"{p[0]:.6f}",
                          "lon": f"{p[1]:.6f}", "ts": f"{ts:.0f}", "speed": "30.0", "heading": "90", "zone": ""})
        client.xadd(keys.positions, {"fixes": orjson.dumps(fixes)}, maxlen=100, approximate=True)
        client.set(keys.clock, f"{ts:.0f}")
        stop.wait(1.0)


def measure(page: Page, seconds: float, pid: int) -> dict[str, float]:
    page.evaluate(PROBE)
    heap0 = page.evaluate(HEAP)
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    b = page.evaluate("window.__bench")
    elapsed = time.monotonic() - t0
    return {"fps": b["frames"] / elapsed, "long_ms_per_s": b["longMs"] / elapsed, "long_count": b["longCount"],
            "heap0_mb": heap0 / 2**20, "heap1_mb": page.evaluate(HEAP) / 2**20,
            "server_cpu_pct": 100 * (cpu_seconds(pid) - cpu0) / elapsed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vehicles", type=int, default=5000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=3, help="pages open for the per-client CPU figure")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), appendonly=False) as srv:
        port = free_port()
        env = {**os.environ, "REDIS_URL": srv.url, "CC_DEMO": "0", "PORT": str(port),
               "OSMAND_PORT": str(free_port()), "LOG_LEVEL": "WARNING"}
        web = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        assert web.stdout is not None
        web.stdout.readline()
        stop = threading.Event()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": 1920, "height": 1080})
                page = context.new_page()
                sign_in(page, f"http://127.0.0.1:{port}", "officer")  # a demo account (no CC_USERS)
                page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
                time.sleep(3)
                idle = measure(page, args.seconds, web.pid)
                feeder = threading.Thread(target=feed, args=(srv.url, args.vehicles, stop), daemon=True)
                feeder.start()
                time.sleep(5)
                loaded = measure(page, args.seconds, web.pid)
                later = measure(page, args.seconds, web.pid)  # bounded memory: no growth in a second window
                others = [context.new_page() for _ in range(args.clients - 1)]
                for p in others:
                    p.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
                time.sleep(5)
                many = measure(page, min(args.seconds, 20), web.pid)
                browser.close()
        finally:
            stop.set()
            web.send_signal(signal.SIGTERM)
            web.wait(timeout=20)
    print(f"{args.vehicles} vehicles at 1 update/s, {args.seconds:.0f} s per phase, 1920x1080 headless Chromium")
    print(f"{'':24}{'idle':>10}{'loaded':>10}{'ratio':>8}")
    for key, label in (("fps", "frames/s"), ("long_ms_per_s", "long-task ms/s"), ("heap1_mb", "JS heap end MB"),
                       ("server_cpu_pct", "server CPU %")):
        ratio = f"{loaded[key] / idle[key]:8.2f}" if idle[key] else f"{'—':>8}"
        print(f"{label:24}{idle[key]:10.1f}{loaded[key]:10.1f}{ratio}")
    print(f"JS heap under load, after GC: {loaded['heap0_mb']:.1f} -> {loaded['heap1_mb']:.1f} MB "
          f"(first window), -> {later['heap1_mb']:.1f} MB (second window)")
    per_client = (many["server_cpu_pct"] - idle["server_cpu_pct"]) / args.clients
    print(f"server CPU with {args.clients} clients: {many['server_cpu_pct']:.1f}% "
          f"(~{per_client:.1f}% per client above idle)")


if __name__ == "__main__":
    main()
