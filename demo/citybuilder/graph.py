"""Read an OSMnx GraphML road graph with the standard library, and walk it (helper of demo.citybuilder.build).

No networkx: nodes are ``{osm id: (lon, lat)}``, edges a list of directed ``Edge`` records, and the
one search we need (Dijkstra that stops at a set of target nodes) is a few lines of ``heapq``.
"""

from __future__ import annotations

import ast
import heapq
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Edge", "Graph", "read_graphml", "first_hits", "metres", "MAIN_ROADS", "ARTERIALS", "NOT_DRIVABLE"]

_NS = "{http://graphml.graphdrawing.org/xmlns}"
MAIN_ROADS = frozenset({"trunk", "primary", "secondary"})
ARTERIALS = MAIN_ROADS | {"motorway_link", "tertiary"} | {f"{h}_link" for h in ("trunk", "primary", "secondary", "tertiary")}
NOT_DRIVABLE = frozenset({"footway", "path", "pedestrian", "steps", "cycleway", "track", "bridleway"})


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def _first(raw: str | None) -> str:
    """OSMnx writes merged attributes as a Python list literal: keep the first item."""
    if raw is None:
        return ""
    if raw.startswith("["):
        items = ast.literal_eval(raw)
        return str(items[0]) if items else ""
    return raw


def _speed(raw: str | None) -> float | None:
    """``"40"`` / ``"['30', '40']"`` / ``"30 mph"`` as km/h; the lowest value of a list."""
    if not raw:
        return None
    values = ast.literal_eval(raw) if raw.startswith("[") else [raw]
    speeds = []
    for v in values:
        m = re.match(r"\s*(\d+(?:\.\d+)?)\s*(mph)?", str(v))
        if m:
            speeds.append(float(m.group(1)) * (1.609344 if m.group(2) else 1.0))
    return round(min(speeds), 1) if speeds else None


def _linestring(wkt: str | None) -> list[tuple[float, float]]:
    if not wkt:
        return []
    inner = wkt[wkt.index("(") + 1 : wkt.rindex(")")]
    return [(float(x), float(y)) for x, y in (pt.split() for pt in inner.split(","))]


@dataclass(frozen=True)
class Edge:
    u: str
    v: str
    name: str
    highway: str
    length: float  # metres
    maxspeed: float | None  # km/h
    coords: list[tuple[float, float]] = field(default_factory=list)  # (lon, lat), empty: straight u -> v

    @property
    def drivable(self) -> bool:
        return self.highway not in NOT_DRIVABLE


@dataclass
class Graph:
    nodes: dict[str, tuple[float, float]]  # osm id -> (lon, lat)
    street_count: dict[str, int]
    edges: list[Edge]

    def bounds(self, pad_decimals: int = 3) -> tuple[float, float, float, float]:
        """(west, south, east, north) of every node and edge vertex, rounded outward."""
        pts = list(self.nodes.values()) + [c for e in self.edges for c in e.coords]
        k = 10**pad_decimals
        return (math.floor(min(p[0] for p in pts) * k) / k, math.floor(min(p[1] for p in pts) * k) / k,
                math.ceil(max(p[0] for p in pts) * k) / k, math.ceil(max(p[1] for p in pts) * k) / k)

    def main_road_nodes(self, named: bool = False) -> set[str]:
        """Nodes at the end of a trunk, primary or secondary edge (with a street name, if ``named``)."""
        return {n for e in self.edges if e.highway in MAIN_ROADS and (e.name or not named) for n in (e.u, e.v)}

    def adjacency(self, reverse: bool = False, only: frozenset[str] | None = None) -> dict[str, list[tuple[str, float]]]:
        """Drivable successors (or predecessors) of each node with the edge length; ``only`` these highway types."""
        adj: dict[str, list[tuple[str, float]]] = {n: [] for n in self.nodes}
        for e in self.edges:
            if e.drivable and (only is None or e.highway in only):
                a, b = (e.v, e.u) if reverse else (e.u, e.v)
                adj[a].append((b, e.length))
        return adj

    def strongly_connected_core(self, seed: str) -> set[str]:
        """Nodes that ``seed`` can reach and that can reach ``seed`` (its strongly connected component)."""
        return _reach(self.adjacency(), seed) & _reach(self.adjacency(reverse=True), seed)


def _reach(adj: dict[str, list[tuple[str, float]]], start: str) -> set[str]:
    seen, stack = {start}, [start]
    while stack:
        for nxt, _ in adj[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def first_hits(adj: dict[str, list[tuple[str, float]]], start: str, targets: set[str],
               max_m: float = math.inf) -> dict[str, float]:
    """Targets reachable from ``start`` by a shortest path that passes no other target, with distances.

    A target ends the search along its branch, so only the first target on each road is found.
    """
    best = {start: 0.0}
    heap = [(0.0, start)]
    hits: dict[str, float] = {}
    while heap:
        d, node = heapq.heappop(heap)
        if d > best.get(node, math.inf) or d > max_m:
            continue
        if node != start and node in targets:
            hits[node] = d
            continue
        for nxt, length in adj[node]:
            nd = d + length
            if nd < best.get(nxt, math.inf):
                best[nxt] = nd
                heapq.heappush(heap, (nd, nxt))
    return hits


def read_graphml(path: Path) -> Graph:
    """Parse an OSMnx GraphML file (node ``x``/``y``, edge ``name``/``highway``/``length``/...)."""
    root = ET.parse(path).getroot()
    keys = {k.get("id"): k.get("attr.name") for k in root.iter(f"{_NS}key")}
    nodes: dict[str, tuple[float, float]] = {}
    street_count: dict[str, int] = {}
    for n in root.iter(f"{_NS}node"):
        d = {keys[x.get("key")]: x.text for x in n}
        nid = str(n.get("id"))
        nodes[nid] = (float(str(d["x"])), float(str(d["y"])))
        street_count[nid] = int(d.get("street_count") or 0)
    edges = []
    for e in root.iter(f"{_NS}edge"):
        d = {keys[x.get("key")]: x.text for x in e}
        edges.append(Edge(u=str(e.get("source")), v=str(e.get("target")), name=_first(d.get("name")),
                          highway=_first(d.get("highway")), length=float(d.get("length") or 0.0),
                          maxspeed=_speed(d.get("maxspeed")), coords=_linestring(d.get("geometry"))))
    return Graph(nodes=nodes, street_count=street_count, edges=edges)
