"""Shortest road distances between any two points of a city with ``roads.geojson`` (pure).

Points snap to the nearest node of the graph's largest strongly connected part (from there every
node of it can be reached and can reach back); the distance is the snap at each end (great circle)
plus the shortest path between the two nodes. One search per destination node (networkx's Dijkstra
on the reversed graph) gives the distance to it from every node, kept in a small cache, so many
units to one station cost one search.

>>> from city.roads import road_feature
>>> ring = [("a", "b", 114.000, 114.010), ("b", "c", 114.010, 114.020), ("c", "a", 114.020, 114.000)]
>>> net = RoadNet({"features": [road_feature(u, v, [(x0, 22.5), (x1, 22.5)]) for u, v, x0, x1 in ring]})
>>> round(net.metres(22.5, 114.0, 22.5, 114.02)), round(net.metres(22.5, 114.02, 22.5, 114.0))
(2055, 2055)
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np

from city.citypack import CityPack
from city.geo import haversine_m
from city.roads import RoadGraph

__all__ = ["RoadNet", "road_net"]

CACHE_TARGETS = 256  # destinations whose distance table is kept (a table is one float per node)


class RoadNet:
    """Distances along the road graph; see the module docstring."""

    def __init__(self, roads: Mapping[str, Any]) -> None:
        graph = RoadGraph(roads)
        # the strong part, reversed (a search from a node finds the way to it from every other),
        # each step as long as the shortest of its parallel edges
        self.back = nx.DiGraph()
        for i in sorted(graph.strong_component(), key=lambda i: -graph.edges[i].length):
            e = graph.edges[i]
            self.back.add_edge(e.v, e.u, length=e.length)  # the shorter, added later, stays
        self.nodes = sorted(self.back)
        self.pos = {n: graph.pos[n] for n in self.nodes}
        self._lat = np.array([self.pos[n][0] for n in self.nodes], dtype=float)
        self._lon = np.array([self.pos[n][1] for n in self.nodes], dtype=float)
        self._cos = math.cos(math.radians(float(self._lat.mean()))) if self.nodes else 1.0
        self._to: OrderedDict[str, dict[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def snap(self, lat: float, lon: float) -> str:
        """The node nearest to ``(lat, lon)`` (equirectangular, exact enough within a city)."""
        d2 = (self._lat - lat) ** 2 + ((self._lon - lon) * self._cos) ** 2
        return self.nodes[int(np.argmin(d2))]

    def to_node(self, node: str) -> dict[str, float]:
        """Metres from every node to ``node`` along the roads (cached)."""
        with self._lock:
            hit = self._to.get(node)
            if hit is not None:
                self._to.move_to_end(node)
                return hit
        dist: dict[str, float] = (nx.single_source_dijkstra_path_length(self.back, node, weight="length")
                                  if node in self.back else {node: 0.0})
        with self._lock:
            self._to[node] = dist
            while len(self._to) > CACHE_TARGETS:
                self._to.popitem(last=False)
        return dist

    def metres(self, lat1: float, lon1: float, lat2: float, lon2: float) -> float | None:
        """Road metres from point 1 to point 2 (snaps included); ``None`` when there is no way."""
        if not self.nodes:
            return None
        src, dst = self.snap(lat1, lon1), self.snap(lat2, lon2)
        between = self.to_node(dst).get(src)
        if between is None:
            return None
        return haversine_m(lat1, lon1, *self.pos[src]) + between + haversine_m(*self.pos[dst], lat2, lon2)


_NETS: dict[int, tuple[CityPack, RoadNet | None]] = {}
_NETS_LOCK = threading.Lock()


def road_net(city: CityPack) -> RoadNet | None:
    """The city's ``RoadNet``, built once per loaded city; ``None`` when the pack has no roads."""
    with _NETS_LOCK:
        hit = _NETS.get(id(city))
        if hit is not None and hit[0] is city:
            return hit[1]
    net = RoadNet(city.roads) if city.roads else None
    with _NETS_LOCK:
        if len(_NETS) >= 8:
            _NETS.clear()
        _NETS[id(city)] = (city, net)
    return net
