"""Position filters (Traccar's FilterHandler): one small function per filter, in order.

Each ``filter_xxx(ping, last, horizon)`` returns True when the fix must be dropped; ``last`` is the
subject's last accepted fix (None for its first) and ``horizon`` the latest event time believable
now: the wall clock plus ``CC_FUTURE_S`` (None: no bound), the one place the wall clock meets event
time. ``filter_ping`` names the first filter that fires, so the worker
counts every drop by name (``dropped:{name}`` in ``cc:stats``): never a silent loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from city.geo import haversine_m
from core.model import Ping

__all__ = [
    "LastFix",
    "Filter",
    "FILTERS",
    "filter_ping",
    "filter_invalid",
    "filter_future",
    "filter_duplicate",
    "filter_out_of_order",
    "filter_jump",
    "derive_speed_kmh",
    "MAX_JUMP_KMH",
    "MIN_JUMP_M",
]

MAX_JUMP_KMH = 300.0  # no road vehicle covers more than this between two fixes
MIN_JUMP_M = 1000.0  # shorter hops are GPS noise, never a jump


@dataclass(frozen=True, slots=True)
class LastFix:
    """The last accepted fix of a subject, as kept in its JSON state.

    >>> LastFix.from_dict(LastFix(1700000000.0, 22.5, 114.0).to_dict())
    LastFix(ts=1700000000.0, lat=22.5, lon=114.0)
    """

    ts: float
    lat: float
    lon: float

    def to_dict(self) -> dict[str, float]:
        return {"ts": self.ts, "lat": self.lat, "lon": self.lon}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LastFix:
        return cls(float(d["ts"]), float(d["lat"]), float(d["lon"]))


def filter_invalid(ping: Ping, last: LastFix | None, horizon: float | None) -> bool:
    """Out of range, not a number, exactly 0,0 (a receiver without a fix), or a time past ``MAX_TS``
    (no calendar can place it: found by fuzzing when no horizon bounds the future).

    >>> filter_invalid(Ping("V1", 22.5, 114.0, 1e12), None, None), filter_invalid(Ping("V1", 22.5, 114.0, 1e9), None, None)
    (True, False)
    """
    lat, lon = ping.lat, ping.lon
    if not (math.isfinite(lat) and math.isfinite(lon) and math.isfinite(ping.ts)) or ping.ts > MAX_TS:
        return True
    return not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0)


def filter_future(ping: Ping, last: LastFix | None, horizon: float | None) -> bool:
    """Later than ``horizon``: the wall clock plus ``CC_FUTURE_S`` (a broken or forged device clock)."""
    return horizon is not None and ping.ts > horizon


def filter_duplicate(ping: Ping, last: LastFix | None, horizon: float | None) -> bool:
    """The same time as the last accepted fix."""
    return last is not None and ping.ts == last.ts


def filter_out_of_order(ping: Ping, last: LastFix | None, horizon: float | None) -> bool:
    """Older than the last accepted fix."""
    return last is not None and ping.ts < last.ts


def filter_jump(ping: Ping, last: LastFix | None, horizon: float | None) -> bool:
    """More than ``MIN_JUMP_M`` from the last fix at an implied speed above ``MAX_JUMP_KMH``."""
    if last is None or ping.ts <= last.ts:
        return False
    dist = haversine_m(last.lat, last.lon, ping.lat, ping.lon)
    return dist > MIN_JUMP_M and dist / (ping.ts - last.ts) * 3.6 > MAX_JUMP_KMH


MAX_TS = 32_503_680_000.0  # 3000-01-01T00:00:00Z


Filter = Callable[[Ping, "LastFix | None", "float | None"], bool]

FILTERS: tuple[tuple[str, Filter], ...] = (
    ("invalid", filter_invalid),
    ("future", filter_future),
    ("duplicate", filter_duplicate),
    ("out_of_order", filter_out_of_order),
    ("jump", filter_jump),
)


def filter_ping(ping: Ping, last: LastFix | None, horizon: float | None) -> str | None:
    """The name of the first filter of ``FILTERS`` that drops ``ping``, or None to keep it."""
    for name, drop in FILTERS:
        if drop(ping, last, horizon):
            return name
    return None


def derive_speed_kmh(ping: Ping, last: LastFix | None) -> float:
    """The sent speed, else distance over time from the last fix, else 0 (km/h).

    >>> derive_speed_kmh(Ping("V1", 22.5, 114.01, 100.0), LastFix(0.0, 22.5, 114.0))
    36.98...
    """
    if ping.speed is not None:
        return float(ping.speed)
    if last is None or ping.ts <= last.ts:
        return 0.0
    return haversine_m(last.lat, last.lon, ping.lat, ping.lon) / (ping.ts - last.ts) * 3.6
