"""The unit terminal's small map (pure): the route from the unit's last fix to where its order
sends it, projected into a small SVG box.

Why SVG and not a tiled map: the terminal is a plain page for a phone on a weak link and the
machine may be offline; a route line with the unit and the target on it is useful without tiles
and costs a few hundred bytes.

- ``Router(roads)``: the road-graph shortest path (``city.roads.RoadGraph``) between the road
  nodes nearest the two ends, with the ends themselves added; a straight line when the pack has no
  roads or no road path joins them. Paths are cached by their end nodes.
- ``map_view(route)``: the route's points in SVG pixels (north up, metres to pixels the same both
  ways), the unit's and the target's points, and the route's length in metres.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from city.geo import haversine_m
from city.roads import RoadGraph

__all__ = ["MAP_W", "MAP_H", "Router", "map_view", "route_length_m"]

MAP_W, MAP_H, PAD = 320, 180, 18  # the SVG viewBox and the margin kept free around the route
MIN_SPAN_M = 300.0  # the map never shows less than this across, so a short route is not a blown-up blob
M_PER_DEG = 111_320.0
CACHE = 256

LatLon = tuple[float, float]


class Router:
    """Routes over one city's roads (``None`` or no drivable road: straight lines)."""

    def __init__(self, roads: Mapping[str, Any] | None) -> None:
        self.graph = RoadGraph(roads) if roads else None
        nodes = sorted(self.graph.pos) if self.graph else []
        self._nodes = nodes
        self._lat = np.array([self.graph.pos[n][0] for n in nodes]) if self.graph else np.zeros(0)
        self._lon = np.array([self.graph.pos[n][1] for n in nodes]) if self.graph else np.zeros(0)
        self._paths: OrderedDict[tuple[str, str], list[LatLon]] = OrderedDict()

    def _nearest(self, lat: float, lon: float) -> str:
        dx = (self._lon - lon) * math.cos(math.radians(lat))
        return self._nodes[int(np.argmin(dx * dx + (self._lat - lat) ** 2))]

    def _road(self, src: str, dst: str) -> list[LatLon]:
        key = (src, dst)
        if key in self._paths:
            self._paths.move_to_end(key)
            return self._paths[key]
        assert self.graph is not None
        points: list[LatLon] = []
        for i in self.graph.shortest_path(src, dst):
            for lon, lat in self.graph.edges[i].coords:
                if not points or points[-1] != (lat, lon):
                    points.append((lat, lon))
        self._paths[key] = points
        if len(self._paths) > CACHE:
            self._paths.popitem(last=False)
        return points

    def route(self, start: LatLon, end: LatLon) -> list[LatLon]:
        """From ``start`` to ``end`` (``(lat, lon)``): along the roads when a road path joins the
        nodes nearest them, else the straight line.

        >>> from city.roads import road_feature
        >>> roads = {"features": [road_feature("a", "b", [(114.000, 22.500), (114.010, 22.500)]),
        ...                       road_feature("b", "c", [(114.010, 22.500), (114.010, 22.510)])]}
        >>> Router(roads).route((22.4999, 114.0), (22.5101, 114.0101))
        [(22.4999, 114.0), (22.5, 114.0), (22.5, 114.01), (22.51, 114.01), (22.5101, 114.0101)]
        >>> Router(None).route((22.5, 114.0), (22.51, 114.01))
        [(22.5, 114.0), (22.51, 114.01)]
        >>> Router(roads).route((22.51, 114.01), (22.5, 114.0))  # one-way roads, no way back
        [(22.51, 114.01), (22.5, 114.0)]
        """
        if not self._nodes:
            return [start, end]
        src, dst = self._nearest(*start), self._nearest(*end)
        road = self._road(src, dst) if src != dst else []
        if not road:
            return [start, end]
        points = [start]
        for p in [*road, end]:
            if p != points[-1]:
                points.append(p)
        return points


def route_length_m(route: Sequence[LatLon]) -> float:
    """Metres along ``route``.

    >>> round(route_length_m([(22.5, 114.0), (22.5, 114.01), (22.51, 114.01)]))
    2139
    """
    return sum(haversine_m(a[0], a[1], b[0], b[1]) for a, b in zip(route, route[1:], strict=False))


def map_view(route: Sequence[LatLon], width: int = MAP_W, height: int = MAP_H, pad: int = PAD) -> dict[str, Any]:
    """The SVG of ``route`` (``(lat, lon)``, unit first, target last; a single point: the target
    alone): ``points`` ``[[x, y], ...]``, ``unit`` and ``target`` (``[x, y]``; ``unit`` is ``None``
    without a start), ``distance_m``, and ``width``/``height`` of the box. North is up and a metre
    is as long across as up, so the picture is not distorted; the route is centred.

    >>> v = map_view([(22.50, 114.00), (22.50, 114.01), (22.51, 114.01)])
    >>> v["unit"], v["target"], v["points"][1], round(v["distance_m"])
    ([93.5, 162.0], [226.5, 18.0], [226.5, 162.0], 2139)
    >>> v = map_view([(22.5, 114.0)])
    >>> v["unit"], v["target"], v["points"], v["distance_m"]
    (None, [160.0, 90.0], [[160.0, 90.0]], 0.0)
    """
    lat0 = sum(p[0] for p in route) / len(route)
    kx = M_PER_DEG * math.cos(math.radians(lat0))
    xs = [p[1] * kx for p in route]
    ys = [p[0] * M_PER_DEG for p in route]
    span_x = max(max(xs) - min(xs), MIN_SPAN_M * width / max(width, height))
    span_y = max(max(ys) - min(ys), MIN_SPAN_M * height / max(width, height))
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)  # pixels per metre
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    points = [[round(width / 2 + (x - cx) * scale, 1), round(height / 2 - (y - cy) * scale, 1)]
              for x, y in zip(xs, ys, strict=True)]
    return {"width": width, "height": height, "points": points,
            "unit": points[0] if len(points) > 1 else None, "target": points[-1],
            "distance_m": float(route_length_m(route))}
