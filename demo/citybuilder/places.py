"""Invented places on the real road graph: patrol zones, restricted zones, checkpoints (helper of demo.citybuilder.build).

Patrol zones tile the graph's bounding box as a 4 x 3 grid whose inner vertices are jittered
(each vertex is shared by its neighbours, so the tiles still meet edge to edge: no gaps, no overlaps).
Restricted zones are 16-gons around real neighbourhoods, checked to hold road nodes. Checkpoints sit
on main-road intersections spread over the map; ``next`` follows the directed graph.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from demo.citybuilder.graph import ARTERIALS, MAIN_ROADS, Graph, first_hits, metres

__all__ = ["ZoneSpec", "PATROL", "RESTRICTED", "patrol_grid", "restricted_zones", "checkpoints"]

# Row-major, north to south, west to east: (name, speed limit km/h or None for the city default).
PATROL: list[tuple[str, float | None]] = [
    ("侨香片区 Qiaoxiang", 50), ("农园片区 Nongyuan", None), ("香蜜湖片区 Xiangmihu", 50),
    ("香梅-景田片区 Xiangmei-Jingtian", None),
    ("竹子林片区 Zhuzilin", None), ("深南-白石片区 Shennan-Baishi", None),
    ("泰然-车公庙片区 Tairan-Chegongmiao", None), ("沙嘴-新洲片区 Shazui-Xinzhou", None),
    ("红树林片区 Mangrove Coast", 40), ("福荣片区 Furong", None), ("上沙片区 Shangsha", None),
    ("下沙片区 Xiasha", 40),
]
# (id, name, forbid, hours, speed limit, centre (lat, lon), radius m)
RESTRICTED: list[tuple[str, str, list[str], str | None, float | None, tuple[float, float], float]] = [
    ("R01", "香蜜湖水源保护区 Xiangmi Lake Water Source Area", ["hazmat"], None, None, (22.546, 114.024), 400),
    ("R02", "农园学校区 Nongyuan School Zone", ["hazmat", "truck"], "07:00-09:00", 30, (22.545, 114.013), 250),
    ("R03", "下沙老村 Xiasha Old Village", ["truck", "hazmat"], "07:00-22:00", None, (22.523, 114.033), 350),
    ("R04", "景田住宅区夜间禁货 Jingtian Residential Night Truck Ban", ["truck"], "22:00-07:00", None,
     (22.547, 114.035), 300),
]
N_CHECKPOINTS, N_STATIONS, NEXT_WITHIN_M, MAX_NEXT = 20, 6, 2500.0, 4


@dataclass(frozen=True)
class ZoneSpec:
    geometry: dict[str, Any]
    properties: dict[str, Any]


def patrol_grid(west: float, south: float, east: float, north: float, rng: random.Random,
                cols: int = 4, rows: int = 3) -> list[ZoneSpec]:
    """``cols x rows`` patrol zones ``Z01``.. tiling the box; borders move, the outline does not."""
    dx, dy = (east - west) / cols, (north - south) / rows
    vert: dict[tuple[int, int], tuple[float, float]] = {}
    for i in range(cols + 1):
        for j in range(rows + 1):  # j counts from the north
            x, y = west + i * dx, north - j * dy
            if 0 < i < cols:
                x += rng.uniform(-0.2, 0.2) * dx
            if 0 < j < rows:
                y += rng.uniform(-0.2, 0.2) * dy
            vert[i, j] = (round(x, 6), round(y, 6))
    zones = []
    for r in range(rows):
        for c in range(cols):
            name, limit = PATROL[r * cols + c]
            ring = [vert[c, r], vert[c, r + 1], vert[c + 1, r + 1], vert[c + 1, r], vert[c, r]]  # counterclockwise
            props: dict[str, Any] = {"id": f"Z{r * cols + c + 1:02d}", "name": name, "kind": "patrol"}
            if limit is not None:
                props["speed_limit"] = limit
            zones.append(ZoneSpec({"type": "Polygon", "coordinates": [[list(p) for p in ring]]}, props))
    return zones


def _circle(lat: float, lon: float, radius_m: float, sides: int = 16) -> list[list[float]]:
    k = 111_320.0
    ring = [[round(lon + radius_m * math.cos(a) / (k * math.cos(math.radians(lat))), 6),
             round(lat + radius_m * math.sin(a) / k, 6)]
            for a in (2 * math.pi * s / sides for s in range(sides))]
    return ring + [ring[0]]


def restricted_zones(graph: Graph, min_nodes: int = 15, min_main: int = 3) -> list[ZoneSpec]:
    """The restricted zones; each must hold road nodes (main roads among them) so traffic crosses it."""
    main = graph.main_road_nodes()
    zones = []
    for zid, name, forbid, hours, limit, (lat, lon), radius in RESTRICTED:
        inside = [n for n, p in graph.nodes.items() if metres(p, (lon, lat)) < radius]
        if len(inside) < min_nodes or sum(n in main for n in inside) < min_main:
            raise SystemExit(f"restricted zone {zid}: only {len(inside)} road nodes inside; move or widen it")
        props: dict[str, Any] = {"id": zid, "name": name, "kind": "restricted", "forbid": forbid}
        if hours:
            props["hours"] = hours
        if limit is not None:
            props["speed_limit"] = limit
        zones.append(ZoneSpec({"type": "Polygon", "coordinates": [_circle(lat, lon, radius)]}, props))
    return zones


def _spread(graph: Graph, candidates: list[str], n: int) -> list[str]:
    """Farthest-point sampling: start nearest the centre, then always the candidate farthest from the rest."""
    west, south, east, north = graph.bounds()
    centre = ((west + east) / 2, (south + north) / 2)
    chosen = [min(candidates, key=lambda c: metres(graph.nodes[c], centre))]
    gap = {c: metres(graph.nodes[c], graph.nodes[chosen[0]]) for c in candidates}
    while len(chosen) < n:
        pick = max(candidates, key=lambda c: gap[c])
        chosen.append(pick)
        for c in candidates:
            gap[c] = min(gap[c], metres(graph.nodes[c], graph.nodes[pick]))
    return chosen


def _road_names(graph: Graph, node: str) -> str:
    ranked = sorted((e.highway not in MAIN_ROADS, -e.length, e.name)
                    for e in graph.edges if node in (e.u, e.v) and e.name)
    names: list[str] = []
    for _, _, name in ranked:
        base = name.removesuffix("辅路")
        if base not in names:
            names.append(base)
    return "×".join(names[:2])


def checkpoints(graph: Graph) -> list[dict[str, Any]]:
    """``K01``..``K20`` on named main-road intersections spread over the map.

    ``next``: the nearest (at most 4) checkpoints a car leaving this one meets first along the arterial
    roads within 2.5 km (any drivable road when the arterials lead to none).
    """
    main = sorted(graph.main_road_nodes(named=True))
    west, south, east, north = graph.bounds()
    seed = min(main, key=lambda n: metres(graph.nodes[n], ((west + east) / 2, (south + north) / 2)))
    core = graph.strongly_connected_core(seed)
    picked = _spread(graph, [n for n in main if n in core and graph.street_count[n] >= 3], N_CHECKPOINTS)
    band = (north - south) / 4
    picked.sort(key=lambda n: (int((north - graph.nodes[n][1]) / band), graph.nodes[n][0]))
    ids = {node: f"K{i + 1:02d}" for i, node in enumerate(picked)}
    arterial, anyroad = graph.roads(only=ARTERIALS), graph.roads()
    nexts: dict[str, list[str]] = {}
    for node in picked:
        hits = first_hits(arterial, node, set(picked), NEXT_WITHIN_M)
        if not hits:  # no arterial leads to one: the nearest downstream on any road, however far
            far = first_hits(anyroad, node, set(picked))
            hits = dict([min(far.items(), key=lambda kv: kv[1])])
        ranked = sorted(hits.items(), key=lambda kv: (kv[1], kv[0]))[:MAX_NEXT]
        nexts[node] = [ids[n] for n, _ in ranked]
    indegree = {cid: sum(cid in nx for nx in nexts.values()) for cid in ids.values()}
    stations = set(sorted(indegree, key=lambda c: (-indegree[c], c))[:N_STATIONS])
    feats = []
    for node in picked:
        cid = ids[node]
        kind = "执法站 Enforcement Station" if cid in stations else "卡口 Checkpoint"
        lon, lat = graph.nodes[node]
        feats.append({"type": "Feature",
                      "properties": {"id": cid, "name": f"{_road_names(graph, node)} {kind} {cid}",
                                     "station": cid in stations, "next": nexts[node], "node": node},
                      "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}})
    return feats
