"""Read an OSMnx GraphML road graph with the standard library, and walk it (helper of demo.citybuilder.build).

Nodes are ``{osm id: (lon, lat)}``, edges a list of directed ``Edge`` records; the searches (the
strongly connected core, Dijkstra that stops at a set of target nodes) are networkx's.
"""

from __future__ import annotations

import ast
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

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

    def roads(self, only: frozenset[str] | None = None) -> nx.DiGraph:
        """Drivable edges as a networkx ``DiGraph`` (``length``: the shortest of parallel edges);
        ``only`` these highway types. Every node is in it."""
        g = nx.DiGraph()
        g.add_nodes_from(self.nodes)
        for e in self.edges:
            if e.drivable and (only is None or e.highway in only) and not (
                    g.has_edge(e.u, e.v) and g[e.u][e.v]["length"] <= e.length):
                g.add_edge(e.u, e.v, length=e.length)
        return g

    def strongly_connected_core(self, seed: str) -> set[str]:
        """Nodes that ``seed`` can reach and that can reach ``seed`` (its strongly connected component)."""
        return next(c for c in nx.strongly_connected_components(self.roads()) if seed in c)


def first_hits(roads: nx.DiGraph, start: str, targets: set[str], max_m: float = math.inf) -> dict[str, float]:
    """Targets reachable from ``start`` by a shortest path that passes no other target, with distances.

    A target ends the search along its branch, so only the first target on each road is found.

    >>> roads = nx.DiGraph([("a", "b", {"length": 100.0}), ("b", "c", {"length": 50.0}),
    ...                     ("a", "d", {"length": 300.0}), ("d", "c", {"length": 10.0})])
    >>> first_hits(roads, "a", {"b", "c"}), first_hits(roads, "a", {"b", "c"}, max_m=200)
    ({'b': 100.0, 'c': 310.0}, {'b': 100.0})
    >>> first_hits(roads, "b", {"b", "c"})  # the start itself is no hit
    {'c': 50.0}
    """

    def weight(u: str, v: str, d: dict[str, float]) -> float | None:
        return None if u != start and u in targets else d["length"]  # None: no way on past a target

    dist = nx.single_source_dijkstra_path_length(roads, start, cutoff=max_m, weight=weight)
    return {n: d for n, d in dist.items() if n != start and n in targets}


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
