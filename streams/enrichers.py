"""Enrichers: write what a rule needs onto each ping of a batch (Traccar's position handlers).

Each enricher is ``enrich(pings, ctx) -> None`` and works on the whole batch at once; zone
membership in particular is one vectorized STRtree query per batch, never a loop per polygon.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from city.citypack import CityPack
from city.geo import ZoneIndex
from core.model import Kind, Ping
from core.timeutil import local_date, local_minute

__all__ = ["Context", "Enricher", "enrich_identity", "enrich_zones", "enrich_local_time"]


@dataclass
class Context:
    """What enrichers and detectors share: the city and its prepared geometry."""

    city: CityPack
    zones: ZoneIndex = field(init=False)
    _minute_cache: dict[int, tuple[int, str]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.zones = ZoneIndex(self.city.zones)

    def local_time(self, ts: float) -> tuple[int, str]:
        """(minutes since local midnight, local date) for ``ts``, cached per minute."""
        key = int(ts // 60)
        hit = self._minute_cache.get(key)
        if hit is None:
            if len(self._minute_cache) > 100_000:
                self._minute_cache.clear()
            t = key * 60.0
            hit = (local_minute(t, self.city.timezone), local_date(t, self.city.timezone))
            self._minute_cache[key] = hit
        return hit


Enricher = Callable[[Sequence[Ping], Context], None]


def enrich_identity(pings: Sequence[Ping], ctx: Context) -> None:
    """Kind (unit / vehicle / other) and vehicle category from the city pack."""
    units, vehicles = ctx.city.units, ctx.city.vehicles
    for p in pings:
        if p.subject in units:
            p.kind = Kind.UNIT
        else:
            v = vehicles.get(p.subject)
            if v is not None:
                p.kind, p.category = Kind.VEHICLE, v.category


def enrich_zones(pings: Sequence[Ping], ctx: Context) -> None:
    """Zone membership (one bulk query) and the speed limit in force."""
    if not pings:
        return
    lons = np.fromiter((p.lon for p in pings), dtype=float, count=len(pings))
    lats = np.fromiter((p.lat for p in pings), dtype=float, count=len(pings))
    default = ctx.city.default_speed_limit
    for p, zones in zip(pings, ctx.zones.membership(lons, lats), strict=True):
        p.zones = zones
        p.speed_limit = ctx.zones.speed_limit(zones, default)


def enrich_local_time(pings: Sequence[Ping], ctx: Context) -> None:
    """Local minute of day and date in the city's timezone (for night bans and hours)."""
    for p in pings:
        p.local_minute, p.local_date = ctx.local_time(p.ts)
