"""A flooding device against a well-behaved one: does the flood delay the other's pings?

    python bench/flood.py [--seconds 20] [--flooders 8]

Starts the OsmAnd listener of OneMap (``api.create_osmand_app`` under the threaded WSGI server) on
its own embedded Redis with the demo city, then measures, for ``--seconds`` each:

1. baseline: device B sends one fix a second; the time from its request to its entry in the input
   partition (the HTTP answer, which comes after the XADD);
2. flood: the same, while ``--flooders`` threads send as fast as they can as device A (only
   127.0.0.1 is targeted; the run stops by itself).

Prints B's median and worst latency in both phases and their ratio, and how many of A's requests
were accepted (200) or refused (429). Nothing is asserted: the per-device rate limit should keep
B's worst latency well under a second.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api import create_osmand_app  # noqa: E402
from city.citypack import load_city_pack  # noqa: E402
from core.redisio import connect  # noqa: E402
from core.settings import DEMO_CITY, Settings  # noqa: E402
from runner.embedded import EmbeddedRedis, free_port  # noqa: E402


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            resp.read()
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def fix_url(base: str, device: str, ts: int) -> str:
    return f"{base}/?id={device}&lat=22.54&lon=114.05&timestamp={ts}"


def well_behaved(base: str, device: str, seconds: float) -> list[float]:
    """One fix a second; the latency of each, in ms."""
    out, ts = [], int(time.time()) - 3600
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ts += 1
        t0 = time.perf_counter()
        status = get(fix_url(base, device, ts))
        out.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            print(f"  {device}: answer {status}", flush=True)
        time.sleep(max(0.0, 1.0 - (time.perf_counter() - t0)))
    return out


def flooder(base: str, device: str, stop: threading.Event, codes: Counter[int]) -> None:
    ts = int(time.time()) - 7200
    while not stop.is_set():
        ts += 1
        codes[get(fix_url(base, device, ts))] += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--flooders", type=int, default=8)
    args = ap.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    city = load_city_pack(DEMO_CITY)
    units = sorted(city.units)
    a, b = units[0], units[1]
    with EmbeddedRedis(Path(tempfile.mkdtemp(prefix="onemap-flood-")), appendonly=False) as srv:
        settings = Settings(redis_url=srv.url, demo=False)
        port = free_port()
        server = make_server("127.0.0.1", port, create_osmand_app(settings, connect(srv.url), city), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{port}"
        try:
            quiet = well_behaved(base, b, args.seconds)
            stop, codes = threading.Event(), Counter[int]()
            floods = [threading.Thread(target=flooder, args=(base, a, stop, codes), daemon=True)
                      for _ in range(args.flooders)]
            for t in floods:
                t.start()
            loud = well_behaved(base, b, args.seconds)
            stop.set()
            for t in floods:
                t.join(timeout=10)
        finally:
            server.shutdown()
    med_q, med_l = statistics.median(quiet), statistics.median(loud)
    print(f"device {b}, one fix a second, {args.seconds:g} s per phase; flood: {args.flooders} threads as {a}")
    print(f"{'':24}{'median ms':>10}{'worst ms':>10}")
    print(f"{'baseline':24}{med_q:>10.1f}{max(quiet):>10.1f}")
    print(f"{'during the flood':24}{med_l:>10.1f}{max(loud):>10.1f}")
    print(f"ratio (flood / baseline): median {med_l / med_q:.2f}, worst {max(loud) / max(quiet):.2f}")
    print(f"flooder's answers: {dict(sorted(codes.items()))}")


if __name__ == "__main__":
    main()
