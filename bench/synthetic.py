"""A synthetic city and load for benchmarks: many zones, many vehicles, deterministic."""

from __future__ import annotations

import random
from pathlib import Path
from zoneinfo import ZoneInfo

from shapely.geometry import box

from city.citypack import CityPack, Fatigue, NightBan, Unit, Vehicle, WatchEntry, Zone

__all__ = ["synthetic_city", "synthetic_pings"]

LON0, LAT0 = 113.90, 22.45  # south-west corner
CELL = 0.01  # degrees (about 1 km)
CATEGORIES = ("coach", "bus", "school_bus", "hazmat", "truck", "taxi", "private")


def synthetic_city(grid: int = 20, restricted: int = 40, vehicles: int = 20_000, units: int = 500) -> CityPack:
    """``grid``² patrol zones tiling a square, ``restricted`` restricted zones, monitored vehicles, units."""
    rng = random.Random(7)
    zones: list[Zone] = []
    for i in range(grid):
        for j in range(grid):
            zones.append(Zone(id=f"Z{i:02d}{j:02d}", name=f"zone {i},{j}", kind="patrol",
                              geometry=box(LON0 + i * CELL, LAT0 + j * CELL, LON0 + (i + 1) * CELL,
                                           LAT0 + (j + 1) * CELL),
                              speed_limit=rng.choice([None, 40.0, 60.0, 80.0])))
    for k in range(restricted):
        x, y = LON0 + rng.random() * grid * CELL, LAT0 + rng.random() * grid * CELL
        zones.append(Zone(id=f"R{k:02d}", name=f"restricted {k}", kind="restricted",
                          geometry=box(x, y, x + CELL * 0.8, y + CELL * 0.6),
                          forbid=frozenset({"hazmat", "truck"}), hours=(22 * 60, 6 * 60) if k % 2 else None))
    unit_map = {f"U{n:03d}": Unit(f"U{n:03d}", f"unit {n}", zones[n % (grid * grid)].id) for n in range(units)}
    veh = {f"V{n:05d}": Vehicle(f"V{n:05d}", CATEGORIES[n % len(CATEGORIES)], "bench") for n in range(vehicles)}
    return CityPack(
        path=Path("/synthetic"), name="bench city", timezone=ZoneInfo("Asia/Shanghai"),
        center=(LAT0 + grid * CELL / 2, LON0 + grid * CELL / 2), zoom=12, default_speed_limit=60.0,
        night_ban=NightBan(frozenset({"coach"}), 120, 300, 10.0),
        fatigue=Fatigue(frozenset({"coach", "bus", "hazmat", "truck"}), 240.0, 20.0, 5.0),
        offline_after_s=120.0, cloned_plate_kmh=150.0, zones=tuple(zones), checkpoints={},
        units=unit_map, vehicles=veh, watchlist={"V00001": WatchEntry("V00001", "bench", "red")},
    )


def synthetic_pings(city: CityPack, n: int, t0: float = 1_700_000_000.0) -> list[tuple[str, dict[str, str]]]:
    """``n`` gps messages round-robin over the city's vehicles, each moving ~10 m/s, some speeding."""
    rng = random.Random(11)
    plates = list(city.vehicles)
    span = 20 * CELL
    pos = {p: (LON0 + rng.random() * span, LAT0 + rng.random() * span) for p in plates}
    out: list[tuple[str, dict[str, str]]] = []
    for i in range(n):
        plate = plates[i % len(plates)]
        rnd = i // len(plates)
        lon, lat = pos[plate]
        lon = min(LON0 + span, max(LON0, lon + rng.uniform(-1, 1) * 0.0005))
        lat = min(LAT0 + span, max(LAT0, lat + rng.uniform(-1, 1) * 0.0005))
        pos[plate] = (lon, lat)
        speed = 95.0 if (rnd % 6) in (2, 3) else rng.uniform(20, 55)
        out.append((plate, {"type": "gps", "id": plate, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}",
                            "ts": str(int(t0 + rnd * 10 + (i % len(plates)) * 0.0001)),
                            "speed": f"{speed:.1f}"}))
    return out
