"""Coverage from the track store, as ratios against reading the same points, in one run.

    python bench/coverage.py [--units 500] [--hours 24] [--step 10]

A synthetic city (bench/synthetic.py: 400 patrol zones of 1 km²) and ``--units`` units driving
random legs around their zones, one fix every ``--step`` s for ``--hours`` (500 units, 24 h, 10 s:
4.32 M fixes). Stored as the worker stores them (core/tracks.py), then timed:

1. baseline: reading the points of a 12 h shift (all units) from Redis;
2. one zone over that shift: read + coverage (what ``GET /api/coverage`` does);
3. the whole city over the day: read + the coverage of all 400 zones (what the Coverage tab does),
   and the same with every point looked up in h3 one at a time (no ``city.h3cells``);
4. the same after the archiver moved every hour into Parquet day files: reading, one zone, the
   size of the files per million fixes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import repeat
from pathlib import Path
from typing import TypeVar

import numpy as np
import redis
from h3.api import basic_int as h3i

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import synthetic_city  # noqa: E402
from city import coverage  # noqa: E402
from city.citypack import CityPack  # noqa: E402
from city.coverage import city_coverage, zone_coverage  # noqa: E402
from core import trackfiles, tracks  # noqa: E402
from core.keys import Keys  # noqa: E402
from runner.embedded import EmbeddedRedis  # noqa: E402

KEYS = Keys("cc")
T = TypeVar("T")
DAY0 = 1_700_006_400.0  # 2023-11-15 00:00 UTC


def drive(city: CityPack, unit: str, n: int, step: float, rng: np.random.Generator) -> np.ndarray:
    """Records of one unit: legs of random heading and speed (0-50 km/h) around its zone's centre."""
    zone = city.zones_by_id[city.units[unit].zone]
    c = zone.geometry.centroid
    leg = rng.integers(6, 60, size=n // 6 + 2)
    heading = np.repeat(rng.uniform(0, 2 * np.pi, size=len(leg)), leg)[:n]
    speed = np.repeat(rng.choice([0.0, 15.0, 30.0, 45.0], size=len(leg)), leg)[:n]  # km/h
    metres = speed / 3.6 * step
    lat = c.y + np.cumsum(metres * np.cos(heading)) / 111_000
    lon = c.x + np.cumsum(metres * np.sin(heading)) / 102_000
    lat = c.y + 0.01 * np.sin((lat - c.y) / 0.01)  # stay within ~1 km of the centre
    lon = c.x + 0.01 * np.sin((lon - c.x) / 0.01)
    rec = np.empty(n, dtype=tracks.RECORD)
    rec["ts"], rec["lat"], rec["lon"], rec["speed"] = DAY0 + step * np.arange(n), lat, lon, speed
    return rec


def store(client: redis.Redis, city: CityPack, hours: int, step: float) -> int:
    rng = np.random.default_rng(9)
    n = int(hours * 3600 / step)
    total = 0
    for unit in sorted(city.units):
        rec = drive(city, unit, n, step, rng)
        hour = (rec["ts"] // 3600 * 3600).astype(np.int64)
        with client.pipeline(transaction=False) as pipe:
            for h in np.unique(hour).tolist():
                pipe.append(KEYS.trk(unit, h), rec[hour == h].tobytes())
                pipe.sadd(KEYS.trk_hour(h), unit)
            pipe.execute()
        total += n
    return total


def one_by_one(lat: np.ndarray, lon: np.ndarray, res: int) -> np.ndarray:
    """What ``city.h3cells.latlng_to_cells`` answers, one h3 call per point."""
    return np.fromiter(map(h3i.latlng_to_cell, lat.tolist(), lon.tolist(), repeat(res)), dtype=np.int64,
                       count=len(lat))


def timed(fn: Callable[[], T], repeat: int = 3) -> tuple[float, T]:
    """The best of ``repeat`` runs of ``fn`` (seconds) and its last answer."""
    t = time.perf_counter()
    out = fn()
    best = time.perf_counter() - t
    for _ in range(repeat - 1):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=500)
    ap.add_argument("--hours", type=int, default=24)
    ap.add_argument("--step", type=float, default=10.0)
    args = ap.parse_args()
    city = synthetic_city(vehicles=0, units=args.units)
    units = sorted(city.units)
    zone = city.units[units[0]].zone
    geom = city.zones_by_id[zone].geometry
    assigned = [u for u in units if city.units[u].zone == zone]
    patrol = [(z.id, z.geometry) for z in city.zones if z.kind == "patrol"]
    shift = (DAY0 + 8 * 3600, DAY0 + 20 * 3600 - 1)
    day = (DAY0, DAY0 + args.hours * 3600 - 1)
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), appendonly=False) as srv:
        client = redis.Redis.from_url(srv.url, decode_responses=True)
        data = Path(tmp) / "data"
        fixes = store(client, city, args.hours, args.step)
        print(f"{fixes:,} fixes of {len(units)} units over {args.hours} h; {len(patrol)} patrol zones")

        def read_shift() -> dict[str, tracks.Track]:
            return trackfiles.read_tracks(client, KEYS, data, *shift, subjects=units)

        def one_zone() -> coverage.Coverage:
            return zone_coverage(zone, geom, read_shift(), *shift, assigned)

        def whole_day() -> list[coverage.Coverage]:
            return city_coverage(patrol, trackfiles.read_tracks(client, KEYS, data, *day, subjects=units), *day)

        base, got = timed(read_shift)
        points = sum(len(t) for t in got.values())
        zone_s, cov = timed(one_zone)
        city_s, fast = timed(whole_day, repeat=1)
        real_cells = coverage.latlng_to_cells
        coverage.latlng_to_cells = one_by_one
        slow_s, slow = timed(whole_day, repeat=1)
        coverage.latlng_to_cells = real_cells
        print(f"read a 12 h shift (baseline)   {base * 1000:8.0f} ms  {points:,} fixes")
        print(f"one zone over the shift        {zone_s * 1000:8.0f} ms  {zone_s / base:6.2f}x baseline  "
              f"(covered {cov.covered_fraction:.0%} of {cov.cells_total} cells)")
        print(f"whole city over the day        {city_s * 1000:8.0f} ms  {city_s / base:6.2f}x baseline")
        print(f"  the same, h3 point by point  {slow_s * 1000:8.0f} ms  {slow_s / base:6.2f}x baseline  "
              f"(same figures: {fast == slow})")

        used = int(client.info("memory")["used_memory"])
        moved = trackfiles.archive_hours(client, KEYS, data, day[1] + 1)
        size = sum(p.stat().st_size for p in (data / "tracks").iterdir())
        pq_read, _ = timed(read_shift)
        pq_zone, _ = timed(one_zone)
        print(f"Redis memory                   {used / fixes * 1e6 / 2**20:8.1f} MiB per million fixes")
        print(f"Parquet (zstd) after archiving {size / moved * 1e6 / 2**20:8.1f} MiB per million fixes")
        print(f"read the shift from Parquet    {pq_read * 1000:8.0f} ms  {pq_read / base:6.2f}x baseline")
        print(f"one zone over the shift, files {pq_zone * 1000:8.0f} ms  {pq_zone / base:6.2f}x baseline")


if __name__ == "__main__":
    main()
