"""How long a vehicle takes between checkpoints, and a unit to a place (pure: no Redis, no clock).

**A vehicle's hop** from checkpoint ``a`` to ``b`` (``b`` in ``a``'s ``next``), leaving at event
time ``t``, is, in this order:

1. *learned, this hour*: the median of the travel samples of ``a -> b`` within the learning window
   (core/travel.py) that left ``a`` in the same hour of the day (the city's local time) as ``t``,
   when that hour has at least ``MIN_SAMPLES``;
2. *learned, all hours*: else the median of all the pair's samples in the window, when at least
   ``MIN_SAMPLES``;
3. *road*: else the road distance over ``VEHICLE_KMH`` — along the road graph when the pack has
   ``roads.geojson`` (city/roadnet.py), else the great circle times ``DETOUR``.

A chain of hops is the sum of its hops, each leaving when the one before arrives. **A unit** drives
the road distance (the same road graph, else great circle times ``DETOUR``) at ``UNIT_KMH``.
``DETOUR`` 1.3 is a common urban ratio of road to straight-line distance; ``UNIT_KMH`` 40 is a
patrol car with lights in city traffic, ``VEHICLE_KMH`` 50 a passing or fleeing vehicle.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from city.citypack import Checkpoint
from city.geo import haversine_m
from city.roadnet import RoadNet

__all__ = ["DETOUR", "UNIT_KMH", "VEHICLE_KMH", "MIN_SAMPLES", "LearnedTimes", "TravelModel"]

DETOUR = 1.3
UNIT_KMH = 40.0
VEHICLE_KMH = 50.0
MIN_SAMPLES = 5  # fewer samples than this say too little: use the next rule down


class LearnedTimes:
    """Median travel times per ordered pair of checkpoints, per local hour of departure.

    ``samples`` maps ``(a, b)`` to ``(ts, seconds)`` pairs (``ts``: arrival at ``b``, event time);
    only those with ``now - window_s < ts <= now`` count.

    >>> tz = ZoneInfo("UTC")
    >>> day = [(3600.0 * 9 + 600 + 60 * i, 100.0) for i in range(5)] + [(3600.0 * 15, 300.0)]
    >>> lt = LearnedTimes({("A", "B"): day}, tz, now=86400.0, window_s=86400.0)
    >>> lt.seconds("A", "B", 3600 * 9 + 1800.0), lt.seconds("A", "B", 3600 * 15.0), lt.seconds("B", "A", 0.0)
    ((100.0, 'hour'), (100.0, 'all'), None)
    """

    def __init__(self, samples: Mapping[tuple[str, str], Iterable[tuple[float, float]]], tz: ZoneInfo,
                 now: float, window_s: float, min_samples: int = MIN_SAMPLES) -> None:
        self.tz, self.min_samples = tz, min_samples
        self._all: dict[tuple[str, str], float] = {}
        self._hour: dict[tuple[str, str, int], float] = {}
        for pair, rows in samples.items():
            kept = [(ts, s) for ts, s in rows if now - window_s < ts <= now and s >= 0]
            if len(kept) < min_samples:
                continue
            self._all[pair] = statistics.median(s for _, s in kept)
            by_hour: dict[int, list[float]] = {}
            for ts, s in kept:
                by_hour.setdefault(self.hour(ts - s), []).append(s)
            for h, values in by_hour.items():
                if len(values) >= min_samples:
                    self._hour[(*pair, h)] = statistics.median(values)

    def hour(self, ts: float) -> int:
        """Local hour of the day (0-23) at ``ts``."""
        return datetime.fromtimestamp(ts, self.tz).hour

    def seconds(self, a: str, b: str, depart: float) -> tuple[float, str] | None:
        """Learned seconds ``a -> b`` leaving at ``depart`` and which rule gave them (``hour`` or
        ``all``); ``None`` when the pair has too few samples."""
        hit = self._hour.get((a, b, self.hour(depart)))
        if hit is not None:
            return hit, "hour"
        hit = self._all.get((a, b))
        return (hit, "all") if hit is not None else None


@dataclass
class TravelModel:
    """Travel times for the intercept planner: learned where known, roads (or great circle) else."""

    roads: RoadNet | None = None
    learned: LearnedTimes | None = None

    def road_m(self, lat1: float, lon1: float, lat2: float, lon2: float) -> float:
        """Road metres: along the road graph when there is one and a way, else great circle x ``DETOUR``.

        >>> round(TravelModel().road_m(22.5, 114.0, 22.5, 114.01))
        1336
        """
        if self.roads is not None:
            found = self.roads.metres(lat1, lon1, lat2, lon2)
            if found is not None:
                return found
        return haversine_m(lat1, lon1, lat2, lon2) * DETOUR

    def hop_s(self, a: Checkpoint, b: Checkpoint, depart: float) -> float:
        """Seconds a vehicle takes from ``a`` to ``b`` leaving at ``depart`` (event time).

        >>> a, b = Checkpoint("A", "a", 22.5, 114.0, False, ("B",)), Checkpoint("B", "b", 22.5, 114.01, True)
        >>> round(TravelModel().hop_s(a, b, 0.0), 1)  # 1336 m at 50 km/h
        96.2
        """
        found = self.learned.seconds(a.id, b.id, depart) if self.learned is not None else None
        if found is not None:
            return found[0]
        return self.road_m(a.lat, a.lon, b.lat, b.lon) / (VEHICLE_KMH / 3.6)

    def unit_leg(self, lat: float, lon: float, to_lat: float, to_lon: float) -> tuple[float, float]:
        """``(metres, seconds)`` for a unit at ``(lat, lon)`` to reach ``(to_lat, to_lon)``."""
        m = self.road_m(lat, lon, to_lat, to_lon)
        return m, m / (UNIT_KMH / 3.6)
