"""Build the bundled demo city pack (data/demo_city/) from the real Futian/Nanshan road graph.

Usage (from the repository root)::

    .venv/bin/python -m demo.citybuilder.build [--graph PATH] [--out data/demo_city]

The road graph is OpenStreetMap data (© OpenStreetMap contributors, ODbL 1.0), as shipped in
the test data of the ni1o1/transbigdata project; see data/ATTRIBUTION.md. Everything else
(zones, checkpoints, units, vehicles, watchlist) is invented, deterministically (fixed seed):
running the script twice writes the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from demo.citybuilder.graph import Graph, read_graphml
from demo.citybuilder.places import ZoneSpec, checkpoints, patrol_grid, restricted_zones

__all__ = ["build", "main"]

ROOT = Path(__file__).resolve().parents[2]
GRAPH = Path("/work/shared/data/shenzhen/shenzhen_futian_drive.graphml")
SEED = 20240601
ATTRIBUTION = ("Roads: © OpenStreetMap contributors, ODbL 1.0 (via the ni1o1/transbigdata test data); "
               "zones, checkpoints, units, vehicles and watchlist are invented for the demo")
CATEGORY_COUNTS = {"coach": 30, "bus": 40, "school_bus": 15, "hazmat": 30, "truck": 60, "taxi": 70, "private": 55}
OPERATORS = {
    "coach": ["鹏城长途客运 Pengcheng Coach Lines", "南粤旅游客运 Nanyue Tour Coaches", "湾区城际客运 Bay Intercity"],
    "bus": ["福田公交 Futian Bus", "南山公交 Nanshan Bus", "湾区巴士 Bay Area Buses"],
    "school_bus": ["育才校车 Yucai School Transport", "启明校车 Qiming School Bus"],
    "hazmat": ["南方燃气物流 Southern Gas Logistics", "粤海化工运输 Yuehai Chemical Transport",
               "鹏安危货运输 Peng'an Hazmat Carriers"],
    "truck": ["福田物流 Futian Logistics", "前海冷链 Qianhai Cold Chain", "沙头建材运输 Shatou Building Supply",
              "湾区快运 Bay Express Freight"],
    "taxi": ["鹏程出租 Pengcheng Taxi", "深港出租 Shengang Taxi", "绿色出行出租 GreenGo Taxi"],
    "private": ["个人 Private owner"],
}
REASONS = {
    "red": ["被盗车辆 Stolen vehicle", "涉案车辆 Wanted in a criminal case"],
    "orange": ["套牌嫌疑 Suspected cloned plate", "营运资质过期 Operating permit expired"],
    "yellow": ["多次超速 Repeated speeding", "疲劳驾驶记录 Fatigue-driving record"],
    "blue": ["逾期未检验 Overdue inspection", "未处理违章 Unpaid violations"],
}
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on Chinese plates


def plate(rng: random.Random) -> str:
    """A Shenzhen plate: ``粤B`` then five characters, a letter first (``粤BD1234``, ``粤BK3F72``)."""
    tail = [rng.choice(PLATE_LETTERS)] + [rng.choice("0123456789") for _ in range(4)]
    if rng.random() < 0.3:
        tail[rng.randrange(1, 5)] = rng.choice(PLATE_LETTERS)
    return "粤B" + "".join(tail)


def unique_plates(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        p = plate(rng)
        if p not in taken:
            taken.add(p)
            out.append(p)
    return out


def vehicles(rng: random.Random) -> list[dict[str, str]]:
    """300 monitored vehicles across all seven categories."""
    plates = iter(unique_plates(rng, sum(CATEGORY_COUNTS.values()), set()))
    return [{"plate": next(plates), "category": cat, "operator": rng.choice(OPERATORS[cat])}
            for cat, n in CATEGORY_COUNTS.items() for _ in range(n)]


def watchlist(rng: random.Random, fleet: list[dict[str, str]], n: int = 25, monitored: int = 15) -> list[dict[str, str]]:
    """``n`` watched plates: ``monitored`` from the fleet, the rest unknown cars; all four severities."""
    picked = [v["plate"] for v in rng.sample(fleet, monitored)]
    picked += unique_plates(rng, n - monitored, {v["plate"] for v in fleet})
    severities = ["red", "orange", "yellow", "blue"]
    out = []
    for i, p in enumerate(picked):
        severity = severities[i % 4] if i < 8 else rng.choice(severities)
        out.append({"plate": p, "reason": rng.choice(REASONS[severity]), "severity": severity})
    return out


def units(zone_ids: list[str], n: int = 40) -> list[dict[str, str]]:
    """``P01``..``P40``, callsigns ``福田01 Futian-01``, spread round-robin over the patrol zones."""
    return [{"id": f"P{i:02d}", "callsign": f"福田{i:02d} Futian-{i:02d}", "zone": zone_ids[(i - 1) % len(zone_ids)]}
            for i in range(1, n + 1)]


def roads(graph: Graph) -> list[dict[str, Any]]:
    """One LineString feature per directed edge, with the edge's own geometry where OSM has one."""
    feats = []
    for e in graph.edges:
        coords = e.coords or [graph.nodes[e.u], graph.nodes[e.v]]
        feats.append(feature({"type": "LineString", "coordinates": [list(c) for c in coords]},
                             {"u": e.u, "v": e.v, "name": e.name, "highway": e.highway,
                              "length_m": round(e.length, 1), "maxspeed_kmh": e.maxspeed}))
    return feats


def feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": _rounded(geometry)}


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_geojson(path: Path, features: Iterable[dict[str, Any]]) -> None:
    """A FeatureCollection, one compact feature per line (small diffs, no indentation)."""
    body = ",\n".join(_dump(f) for f in features)
    path.write_text('{"type":"FeatureCollection","features":[\n' + body + "\n]}\n", encoding="utf-8")


def write_list(path: Path, items: Iterable[dict[str, Any]]) -> None:
    path.write_text("[\n" + ",\n".join(_dump(i) for i in items) + "\n]\n", encoding="utf-8")


def build(graph_path: Path, out: Path) -> None:
    """Write the demo city pack into ``out``."""
    rng = random.Random(SEED)
    graph = read_graphml(graph_path)
    west, south, east, north = graph.bounds(pad_decimals=3)
    patrol = patrol_grid(west, south, east, north, rng)
    restricted = restricted_zones(graph)
    out.mkdir(parents=True, exist_ok=True)
    city = {
        "name": "深圳 福田-南山 示范城市 Shenzhen Futian-Nanshan Demo City",
        "timezone": "Asia/Shanghai",
        "center": [round((south + north) / 2, 6), round((west + east) / 2, 6)],
        "zoom": 15,
        "default_speed_limit": 60,
        "night_ban": {"categories": ["coach"], "start": "02:00", "end": "05:00", "min_speed": 10},
        "fatigue": {"categories": ["coach", "bus", "hazmat", "truck"], "max_drive_min": 240,
                    "min_rest_min": 20, "rest_speed": 5},
        "offline_after_s": 120,
        "cloned_plate_kmh": 150,
        "attribution": ATTRIBUTION,
    }
    (out / "city.json").write_text(json.dumps(city, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    write_geojson(out / "zones.geojson", [feature(z.geometry, z.properties) for z in patrol + restricted])
    cps = checkpoints(graph)
    write_geojson(out / "checkpoints.geojson", cps)
    write_list(out / "units.json", units([z.properties["id"] for z in patrol]))
    fleet = vehicles(rng)
    write_list(out / "vehicles.json", fleet)
    write_list(out / "watchlist.json", watchlist(rng, fleet))
    write_geojson(out / "roads.geojson", roads(graph))
    write_readme(out / "README.md", patrol + restricted, cps)


def write_readme(path: Path, zones: list[ZoneSpec], cps: list[dict[str, Any]]) -> None:
    """A layout sheet of the generated pack, so scripted demos and tests can aim at real ids."""
    lines = ["# Demo city (generated by demo/citybuilder/build.py: do not edit by hand)", "",
             "Roads: © OpenStreetMap contributors, ODbL 1.0; see data/ATTRIBUTION.md.", "",
             "## Zones", "", "| id | kind | name | centre (lat, lon) | rules |", "| --- | --- | --- | --- | --- |"]
    for z in zones:
        p = z.properties
        ring = z.geometry["coordinates"][0][:-1]
        lat, lon = sum(c[1] for c in ring) / len(ring), sum(c[0] for c in ring) / len(ring)
        rules = [f"speed_limit {p['speed_limit']}"] if "speed_limit" in p else []
        if p["kind"] == "restricted":
            rules.append(f"forbid {', '.join(p['forbid'])} {p.get('hours', 'all day')}")
        lines.append(f"| {p['id']} | {p['kind']} | {p['name']} | {lat:.4f}, {lon:.4f} | {'; '.join(rules)} |")
    lines += ["", "## Checkpoints (road node = OSM node id in roads.geojson)", "",
              "| id | station | name | lat, lon | node | next |", "| --- | --- | --- | --- | --- | --- |"]
    for f in cps:
        p, (lon, lat) = f["properties"], f["geometry"]["coordinates"]
        lines.append(f"| {p['id']} | {'yes' if p['station'] else ''} | {p['name']} | {lat}, {lon} | {p['node']} "
                     f"| {', '.join(p['next'])} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, default=GRAPH, help="OSMnx GraphML road graph")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "demo_city", help="output folder")
    args = parser.parse_args(argv)
    build(args.graph, args.out)
    sys.path.insert(0, str(ROOT))
    from city.citypack import load_city_pack

    pack = load_city_pack(args.out)
    print(f"{args.out}: {len(pack.zones)} zones, {len(pack.checkpoints)} checkpoints, {len(pack.units)} units, "
          f"{len(pack.vehicles)} vehicles, {len(pack.watchlist)} watched plates, "
          f"{len(pack.roads['features']) if pack.roads else 0} road edges")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
