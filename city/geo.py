"""Geometry for the pipeline: great-circle distances and bulk zone membership.

Membership of a whole batch is one ``STRtree.query(points, predicate="intersects")`` call:
a point on a boundary counts as inside; a point in a hole is outside. Distances are metres,
coordinates degrees (WGS-84), shapely geometries in ``(lon, lat)`` order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property

import numpy as np
import shapely
from shapely import STRtree

from city.citypack import Zone
from city.raster import ZoneRaster

__all__ = ["EARTH_RADIUS_M", "haversine_m", "haversine_m_np", "ZoneIndex"]

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres.

    >>> round(haversine_m(22.5, 114.0, 22.5, 114.01))
    1027
    >>> haversine_m(22.5, 114.0, 22.5, 114.0)
    0.0
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_m_np(
    lat1: np.ndarray | float, lon1: np.ndarray | float, lat2: np.ndarray | float, lon2: np.ndarray | float
) -> np.ndarray:
    """``haversine_m`` over arrays (broadcasting), in metres.

    >>> haversine_m_np(np.array([22.5, 22.5]), 114.0, 22.5, np.array([114.01, 114.0])).round().tolist()
    [1027.0, 0.0]
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.subtract(lon2, lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a))), dtype=float)


class ZoneIndex:
    """The city's zones in an STRtree, for bulk point-in-zone queries.

    >>> from shapely.geometry import Polygon, box
    >>> ring = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    >>> idx = ZoneIndex([Zone("A", "a", "patrol", box(0, 0, 1, 1), speed_limit=40),
    ...                  Zone("B", "b", "patrol", box(1, 0, 2, 1)),
    ...                  Zone("R", "ring", "restricted", ring, speed_limit=30)])
    >>> [sorted(z) for z in idx.membership(np.array([0.5, 1.0, 2.0, 9.0]), np.array([0.5, 0.5, 2.0, 9.0]))]
    [['A', 'R'], ['A', 'B', 'R'], [], []]
    >>> idx.speed_limit(frozenset({"A", "B"}), 60.0), idx.speed_limit(frozenset({"B"}), 60.0)
    (40.0, 60.0)
    """

    def __init__(self, zones: Sequence[Zone]) -> None:
        self.zones = tuple(zones)
        self.by_id = {z.id: z for z in self.zones}
        self._ids = [z.id for z in self.zones]
        self._limits = {z.id: float(z.speed_limit) for z in self.zones if z.speed_limit is not None}
        geoms = [z.geometry for z in self.zones]
        shapely.prepare(geoms)
        self.tree = STRtree(geoms)
        self._sets: dict[tuple[int, ...], frozenset[str]] = {(): frozenset()}

    def membership(self, lons: np.ndarray, lats: np.ndarray) -> list[frozenset[str]]:
        """For each point, the ids of the zones containing it (boundary included, holes excluded).

        One tree query for the whole batch; equal memberships share one frozenset.
        """
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        if lons.shape != lats.shape or lons.ndim != 1:
            raise ValueError(f"lons and lats must be 1-d arrays of one length, got {lons.shape} and {lats.shape}")
        n = len(lons)
        empty = self._sets[()]
        if not n or not self.zones:
            return [empty] * n
        pt_idx, zone_idx = self.tree.query(shapely.points(lons, lats), predicate="intersects")
        order = np.lexsort((zone_idx, pt_idx))  # group by point, zones in a fixed order
        pt_idx, zone_idx = pt_idx[order], zone_idx[order]
        out = [empty] * n
        bounds = [0, *(np.flatnonzero(pt_idx[1:] != pt_idx[:-1]) + 1).tolist(), len(pt_idx)] if len(pt_idx) else [0]
        points, zone_list = pt_idx.tolist(), zone_idx.tolist()
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            key = tuple(zone_list[a:b])
            found = self._sets.get(key)
            if found is None:
                found = self._sets[key] = frozenset(self._ids[j] for j in key)
            out[points[a]] = found
        return out

    @cached_property
    def raster(self) -> ZoneRaster:
        """The zones as a raster (``city.raster``), built on first use and kept: ``membership`` of
        most points by array indexing."""
        return ZoneRaster([z.geometry for z in self.zones], self.membership)

    def speed_limit(self, zone_ids: frozenset[str], default: float) -> float:
        """The lowest speed limit among ``zone_ids`` that define one, else ``default`` (km/h)."""
        limits = [lim for z in zone_ids if (lim := self._limits.get(z)) is not None]
        return min(limits) if limits else float(default)

    def patrol_zone_of(self, zone_ids: frozenset[str]) -> str:
        """The first (by id) patrol zone among ``zone_ids``, or ``""`` when the point is in none."""
        patrol = sorted(z for z in zone_ids if (zone := self.by_id.get(z)) is not None and zone.kind == "patrol")
        return patrol[0] if patrol else ""
