"""The road graph of a city pack (roads.geojson): routing and positions along edges."""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from streams.geo import haversine_m

__all__ = ["Edge", "RoadGraph"]


@dataclass(frozen=True)
class Edge:
    u: str
    v: str
    coords: tuple[tuple[float, float], ...]  # (lon, lat)
    cum: tuple[float, ...]  # cumulative metres at each vertex
    maxspeed: float | None

    @property
    def length(self) -> float:
        return self.cum[-1]

    def at(self, d: float) -> tuple[float, float, float]:
        """(lat, lon, heading degrees) at ``d`` metres along the edge."""
        d = min(max(d, 0.0), self.length)
        i = 1
        while i < len(self.cum) - 1 and self.cum[i] < d:
            i += 1
        (x0, y0), (x1, y1) = self.coords[i - 1], self.coords[i]
        seg = self.cum[i] - self.cum[i - 1]
        f = 0.0 if seg <= 0 else (d - self.cum[i - 1]) / seg
        heading = math.degrees(math.atan2((x1 - x0) * math.cos(math.radians(y0)), y1 - y0)) % 360
        return y0 + (y1 - y0) * f, x0 + (x1 - x0) * f, heading


class RoadGraph:
    """Directed road graph: ``out[node]`` lists edge indexes leaving ``node``."""

    def __init__(self, roads: dict[str, Any]) -> None:
        self.edges: list[Edge] = []
        self.out: dict[str, list[int]] = {}
        self.pos: dict[str, tuple[float, float]] = {}  # node -> (lat, lon)
        for f in roads.get("features", []):
            props, coords = f["properties"], [tuple(c) for c in f["geometry"]["coordinates"]]
            cum = [0.0]
            for (x0, y0), (x1, y1) in zip(coords, coords[1:], strict=False):
                cum.append(cum[-1] + haversine_m(y0, x0, y1, x1))
            if cum[-1] <= 0:
                continue
            u, v = str(props["u"]), str(props["v"])
            self.out.setdefault(u, []).append(len(self.edges))
            self.out.setdefault(v, [])
            self.pos[u], self.pos[v] = (coords[0][1], coords[0][0]), (coords[-1][1], coords[-1][0])
            self.edges.append(Edge(u, v, tuple(coords), tuple(cum), props.get("maxspeed_kmh")))

    def nearest_node(self, lat: float, lon: float) -> str:
        return min(self.pos, key=lambda n: (self.pos[n][0] - lat) ** 2 + (self.pos[n][1] - lon) ** 2)

    def nodes_within(self, area: BaseGeometry) -> list[str]:
        """Nodes inside ``area`` that have a way out."""
        return sorted(n for n, (lat, lon) in self.pos.items() if self.out[n] and area.covers(Point(lon, lat)))

    def next_edge(self, node: str, came_from: str | None, rng: random.Random,
                  allowed: set[str] | None = None) -> int | None:
        """A random edge out of ``node``, avoiding a U-turn and nodes outside ``allowed`` when possible."""
        choices = self.out.get(node, [])
        if allowed is not None:
            inside = [e for e in choices if self.edges[e].v in allowed]
            choices = inside or choices
        forward = [e for e in choices if self.edges[e].v != came_from]
        pool = forward or choices
        return rng.choice(pool) if pool else None

    def route(self, src: str, dst: str) -> list[int]:
        """Shortest path (metres) from ``src`` to ``dst`` as edge indexes; [] when unreachable."""
        dist, prev = {src: 0.0}, {}
        heap = [(0.0, src)]
        while heap:
            d, n = heapq.heappop(heap)
            if n == dst:
                break
            if d > dist.get(n, math.inf):
                continue
            for e in self.out.get(n, []):
                v, nd = self.edges[e].v, d + self.edges[e].length
                if nd < dist.get(v, math.inf):
                    dist[v], prev[v] = nd, e
                    heapq.heappush(heap, (nd, v))
        if dst not in prev:
            return []
        path, n = [], dst
        while n != src:
            e = prev[n]
            path.append(e)
            n = self.edges[e].u
        return path[::-1]
