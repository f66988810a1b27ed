"""The road graph of a city pack (``roads.geojson``): random walks, shortest paths, positions.

One directed edge per feature (properties ``u``, ``v``, ``highway``, ``maxspeed_kmh``). Lengths
are great-circle metres along the polyline. Everything is pure and, given a seeded
``random.Random``, deterministic. The searches (shortest paths, strongly connected parts) are
networkx's, over one ``MultiDiGraph`` per ``RoadGraph`` whose edge keys are the edge indexes.

>>> g = RoadGraph({"features": [road_feature("a", "b", [(114.0, 22.5), (114.001, 22.5)])]})
>>> lat, lon, heading = g.edges[0].at(50.0)
>>> round(g.edges[0].length), round(lon, 6), round(heading)
(103, 114.000487, 90)
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
from shapely import STRtree
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from city.geo import haversine_m

__all__ = ["Edge", "RoadGraph", "NOT_DRIVABLE", "heading_deg", "interpolate", "road_feature"]

NOT_DRIVABLE = frozenset({"footway", "path", "steps", "pedestrian", "cycleway", "bridleway", "corridor",
                          "elevator", "platform", "proposed", "construction", "escalator"})
"""OSM ``highway`` classes no car drives on; their edges are left out of the graph."""

PREFERENCE = {"motorway": 4.0, "trunk": 4.0, "primary": 4.0, "secondary": 3.0, "tertiary": 2.0}
"""Weight of a road class in a random walk (others 1): traffic keeps to the main roads."""


def heading_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial great-circle bearing from point 1 to point 2, degrees clockwise from north.

    >>> round(heading_deg(22.5, 114.0, 22.6, 114.0)), round(heading_deg(22.5, 114.0, 22.5, 113.9))
    (0, 270)
    """
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return round(math.degrees(math.atan2(y, x)) % 360.0, 6) % 360.0


def interpolate(coords: tuple[tuple[float, float], ...], cum: tuple[float, ...],
                d: float) -> tuple[float, float, float]:
    """``(lat, lon, heading)`` at ``d`` metres along a ``(lon, lat)`` polyline; clamped to its ends.

    ``cum`` holds the cumulative metres at each vertex (``cum[0] == 0``). The heading is that of
    the segment the point lies on (at a vertex: the segment ending there).
    """
    d = min(max(d, 0.0), cum[-1])
    i = min(max(bisect.bisect_left(cum, d), 1), len(cum) - 1)
    (x0, y0), (x1, y1) = coords[i - 1], coords[i]
    seg = cum[i] - cum[i - 1]
    f = 0.0 if seg <= 0 else (d - cum[i - 1]) / seg
    return y0 + (y1 - y0) * f, x0 + (x1 - x0) * f, heading_deg(y0, x0, y1, x1)


@dataclass(frozen=True)
class Edge:
    """One directed road edge; ``coords`` are ``(lon, lat)`` as in GeoJSON."""

    u: str
    v: str
    coords: tuple[tuple[float, float], ...]
    cum: tuple[float, ...]  # cumulative metres at each vertex
    maxspeed: float | None  # km/h, None when the map does not say
    highway: str = ""
    name: str = ""

    @property
    def length(self) -> float:
        return self.cum[-1]

    def at(self, d: float) -> tuple[float, float, float]:
        """``(lat, lon, heading)`` at ``d`` metres from ``u``."""
        return interpolate(self.coords, self.cum, d)


def _cumulative(coords: list[tuple[float, float]]) -> tuple[float, ...]:
    cum = [0.0]
    for (x0, y0), (x1, y1) in zip(coords, coords[1:], strict=False):
        cum.append(cum[-1] + haversine_m(y0, x0, y1, x1))
    return tuple(cum)


class RoadGraph:
    """Directed road graph: ``edges``, ``out[node]`` (indexes of edges leaving it), ``pos[node]``."""

    def __init__(self, roads: Mapping[str, Any], skip: Collection[str] = NOT_DRIVABLE) -> None:
        self.edges: list[Edge] = []
        self.out: dict[str, list[int]] = {}
        self.pos: dict[str, tuple[float, float]] = {}  # node -> (lat, lon)
        self._tree: STRtree | None = None
        self._nx: nx.MultiDiGraph | None = None
        self._step: dict[tuple[str, str], float] = {}  # metres of the shortest edge from u to v
        for f in roads.get("features", []):
            props = f["properties"]
            if props.get("highway") in skip:
                continue
            coords = [(float(c[0]), float(c[1])) for c in f["geometry"]["coordinates"]]
            cum = _cumulative(coords)
            if cum[-1] <= 0:
                continue
            u, v = str(props["u"]), str(props["v"])
            self.out.setdefault(u, []).append(len(self.edges))
            self.out.setdefault(v, [])
            self.pos[u], self.pos[v] = (coords[0][1], coords[0][0]), (coords[-1][1], coords[-1][0])
            speed = props.get("maxspeed_kmh")
            self.edges.append(Edge(u, v, tuple(coords), cum, float(speed) if speed else None,
                                   str(props.get("highway") or ""), str(props.get("name") or "")))

    # --- places ---------------------------------------------------------------------------------
    def nearest_node(self, lat: float, lon: float, among: Iterable[str] | None = None) -> str:
        """The node closest to ``(lat, lon)`` (among ``among`` when given)."""
        nodes = self.pos if among is None else among
        return min(nodes, key=lambda n: haversine_m(lat, lon, *self.pos[n]))

    def edges_within(self, area: BaseGeometry) -> set[int]:
        """Edges whose whole polyline lies in ``area`` (lon/lat; the boundary counts as inside)."""
        return {int(i) for i in self.tree.query(area, predicate="covers")}

    def edges_crossing(self, area: BaseGeometry) -> set[int]:
        """Edges that touch ``area`` anywhere."""
        return {int(i) for i in self.tree.query(area, predicate="intersects")}

    @property
    def tree(self) -> STRtree:
        """An STRtree of the edge polylines, in edge order (built on first use)."""
        if self._tree is None:
            self._tree = STRtree([LineString(e.coords) for e in self.edges])
        return self._tree

    @property
    def multigraph(self) -> nx.MultiDiGraph:
        """The graph for networkx (built on first use): one edge per road edge leaving a node as
        ``out`` lists it, keyed by its index, with its ``length`` in metres. Nodes, and each node's
        neighbours, are in sorted order, so that a search meets equal-cost ways in that order."""
        if self._nx is None:
            g = nx.MultiDiGraph()
            g.add_nodes_from(sorted(self.pos))
            g.add_edges_from((u, v, i, {"length": self.edges[i].length})
                             for u, v, i in sorted((u, self.edges[i].v, i) for u in self.out for i in self.out[u]))
            # the steps first: a thread that sees the graph sees its steps too
            self._step = {(u, v): min(d["length"] for d in keyed.values())
                          for u, nbrs in g.adj.items() for v, keyed in nbrs.items()}
            self._nx = g
        return self._nx

    def nodes_within(self, area: BaseGeometry) -> set[str]:
        """Nodes inside ``area`` (the boundary counts as inside)."""
        return {n for n, (lat, lon) in self.pos.items() if area.covers(Point(lon, lat))}

    def strong_component(self, edges: Iterable[int] | None = None) -> set[int]:
        """The edges of the largest strongly connected part of the sub-graph made of ``edges``.

        A random walk restricted to it never reaches a dead end. Empty when no edge is on a cycle.
        """
        subset = set(range(len(self.edges))) if edges is None else set(edges)
        ends = [(i, self.edges[i].u, self.edges[i].v) for i in subset]
        comp = {n: c for c, nodes in enumerate(nx.strongly_connected_components(nx.DiGraph((u, v) for _, u, v in ends)))
                for n in nodes}
        inside: dict[int, set[int]] = {}  # component -> its edges
        for i, u, v in ends:
            if comp[u] == comp[v]:
                inside.setdefault(comp[u], set()).add(i)
        # the most edges; between parts as large, the one holding the lowest edge index
        return max(inside.values(), key=lambda ids: (len(ids), -min(ids)), default=set())

    def add_loop(self, node: str, ring: Iterable[tuple[float, float]]) -> int:
        """Add a closed ``(lon, lat)`` ring as an edge from ``node`` back to itself; its index.

        A walk on it circles for ever: a patrol in an area no road of the map crosses.
        """
        coords = [(float(x), float(y)) for x, y in ring]
        if coords[0] != coords[-1]:
            coords.append(coords[0])
        self.out[node] = [len(self.edges)]
        self.pos[node] = (coords[0][1], coords[0][0])
        self.edges.append(Edge(node, node, tuple(coords), _cumulative(coords), None, "loop"))
        self._tree = self._nx = None
        return len(self.edges) - 1

    def trap_closure(self, avoid: Collection[int], allowed: Collection[int]) -> set[int]:
        """``avoid`` plus every ``allowed`` edge from which each way on (within ``allowed``) is in
        the result: a walk that shuns the result never has to take an ``avoid`` edge."""
        allowed = set(allowed)
        entering: dict[str, list[int]] = {}
        for i in allowed:
            entering.setdefault(self.edges[i].v, []).append(i)
        result, todo = set(avoid), sorted(allowed)
        while todo:
            i = todo.pop()
            if i in result:
                continue
            outs = [e for e in self.out.get(self.edges[i].v, []) if e in allowed]
            if outs and all(e in result for e in outs):
                result.add(i)
                todo.extend(entering.get(self.edges[i].u, []))  # their way on just closed
        return result

    # --- moving ---------------------------------------------------------------------------------
    def next_edge(self, node: str, came_from: str | None, rng: random.Random,
                  allowed: Collection[int] | None = None, avoid: Collection[int] = ()) -> int | None:
        """One random step of a walk out of ``node``: among ``allowed`` edges when any, not on an
        ``avoid`` edge and not back to ``came_from`` (no U-turn) when there is another way; main
        roads weigh more. ``None`` at a dead end."""
        choices = self.out.get(node, [])
        if allowed is not None:
            choices = [e for e in choices if e in allowed] or choices
        choices = [e for e in choices if e not in avoid] or choices
        choices = [e for e in choices if self.edges[e].v != came_from] or choices
        if not choices:
            return None
        weights = [PREFERENCE.get(self.edges[e].highway.removesuffix("_link"), 1.0) for e in choices]
        return rng.choices(choices, weights)[0]

    def _metres(self, allowed: Collection[int] | None) -> Callable[[str, str, dict[int, dict[str, float]]],
                                                                   float | None]:
        """networkx's weight of a step: its shortest parallel edge (among ``allowed``); ``None``
        hides the step."""
        if allowed is None:
            step = self._step
            return lambda u, v, _: step[u, v]

        def weight(u: str, v: str, keyed: dict[int, dict[str, float]]) -> float | None:
            return min((d["length"] for k, d in keyed.items() if k in allowed), default=None)
        return weight

    def shortest_path(self, src: str, dst: str, allowed: Collection[int] | None = None) -> list[int]:
        """Shortest path in metres from ``src`` to ``dst`` as edge indexes (networkx's Dijkstra,
        only on ``allowed`` edges when given); ``[]`` when ``src == dst`` or ``dst`` cannot be
        reached. Between ways as short, the one through the lower node ids when they part (the
        search meets neighbours in sorted order); between parallel edges as long, the lowest index."""
        g = self.multigraph
        if src == dst or src not in g or dst not in g:
            return []
        try:
            nodes = nx.dijkstra_path(g, src, dst, weight=self._metres(allowed))
        except nx.NetworkXNoPath:
            return []
        return [min((k for k in g[u][v] if allowed is None or k in allowed), key=lambda k: (g[u][v][k]["length"], k))
                for u, v in zip(nodes, nodes[1:], strict=False)]


def road_feature(u: str, v: str, coords: list[tuple[float, float]], **props: Any) -> dict[str, Any]:
    """A roads.geojson feature (for examples and tests)."""
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
            "properties": {"u": u, "v": v, "name": "", "highway": "residential", "length_m": 0.0,
                           "maxspeed_kmh": None, **props}}
