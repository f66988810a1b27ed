"""Geometry for the pipeline: great-circle distances and bulk zone membership.

Membership of a whole batch is one ``STRtree.query(points, predicate="intersects")`` call:
a point on a boundary counts as inside; a point in a hole is outside.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely import STRtree

from streams.citypack import Zone

__all__ = ["EARTH_RADIUS_M", "haversine_m", "ZoneIndex"]

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres.

    >>> round(haversine_m(22.5, 114.0, 22.5, 114.01))
    1028
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


class ZoneIndex:
    """Zones in an STRtree for bulk point-in-zone queries.

    >>> from shapely.geometry import box
    >>> idx = ZoneIndex([Zone("A", "a", "patrol", box(0, 0, 1, 1)), Zone("B", "b", "patrol", box(1, 0, 2, 1))])
    >>> [sorted(z) for z in idx.membership(np.array([0.5, 1.0, 3.0]), np.array([0.5, 0.5, 0.5]))]
    [['A'], ['A', 'B'], []]
    """

    def __init__(self, zones: Sequence[Zone]) -> None:
        self.zones = tuple(zones)
        self.ids = np.array([z.id for z in self.zones], dtype=object)
        self._limits = {z.id: z.speed_limit for z in self.zones if z.speed_limit}
        geoms = [z.geometry for z in self.zones]
        for g in geoms:
            shapely.prepare(g)
        self.tree = STRtree(geoms)
        self._empty: frozenset[str] = frozenset()

    def membership(self, lons: np.ndarray, lats: np.ndarray) -> list[frozenset[str]]:
        """For each point, the ids of the zones containing it (boundary included)."""
        out = [self._empty] * len(lons)
        if not len(lons) or not self.zones:
            return out
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        pt_idx, zone_idx = self.tree.query(points, predicate="intersects")
        hits: dict[int, list[str]] = {}
        for i, j in zip(pt_idx.tolist(), zone_idx.tolist(), strict=True):
            hits.setdefault(i, []).append(self.ids[j])
        for i, ids in hits.items():
            out[i] = frozenset(ids)
        return out

    def speed_limit(self, zone_ids: frozenset[str], default: float) -> float:
        """The lowest speed limit among ``zone_ids`` that define one, else ``default``."""
        limits = [lim for z in zone_ids if (lim := self._limits.get(z))]
        return min(limits) if limits else default
