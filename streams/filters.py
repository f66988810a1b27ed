"""Position filters (Traccar's FilterHandler): one small function per filter, in order.

A filter returns True when the fix must be dropped. Drops are counted by name in ``cc:stats``
(``dropped:{name}``), never silent. The first filter that fires names the drop.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from streams.geo import haversine_m
from streams.model import Ping

__all__ = ["LastFix", "FILTERS", "filter_ping", "derive_speed_kmh", "MAX_FUTURE_S", "MAX_JUMP_KMH"]

MAX_FUTURE_S = 3600.0  # a fix more than an hour past the event clock is from a broken device clock
MAX_JUMP_KMH = 300.0  # no road vehicle covers more than this between two fixes
MIN_JUMP_M = 1000.0  # short hops are GPS noise, not jumps


@dataclass(frozen=True, slots=True)
class LastFix:
    """The last accepted fix of a subject, as kept in its state."""

    ts: float
    lat: float
    lon: float

    def to_dict(self) -> dict[str, float]:
        return {"ts": self.ts, "lat": self.lat, "lon": self.lon}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LastFix:
        return cls(float(d["ts"]), float(d["lat"]), float(d["lon"]))


def filter_invalid(ping: Ping, last: LastFix | None, clock: float | None) -> bool:
    """Out of range, not a number, or the 0,0 of a receiver without a fix."""
    if not (math.isfinite(ping.lat) and math.isfinite(ping.lon)):
        return True
    return not (-90 <= ping.lat <= 90 and -180 <= ping.lon <= 180) or (ping.lat == 0 and ping.lon == 0)


def filter_future(ping: Ping, last: LastFix | None, clock: float | None) -> bool:
    return clock is not None and ping.ts > clock + MAX_FUTURE_S


def filter_duplicate(ping: Ping, last: LastFix | None, clock: float | None) -> bool:
    return last is not None and ping.ts == last.ts


def filter_out_of_order(ping: Ping, last: LastFix | None, clock: float | None) -> bool:
    return last is not None and ping.ts < last.ts


def filter_jump(ping: Ping, last: LastFix | None, clock: float | None) -> bool:
    if last is None or ping.ts <= last.ts:
        return False
    dist = haversine_m(last.lat, last.lon, ping.lat, ping.lon)
    return dist > MIN_JUMP_M and dist / (ping.ts - last.ts) * 3.6 > MAX_JUMP_KMH


Filter = Callable[[Ping, "LastFix | None", "float | None"], bool]
FILTERS: tuple[tuple[str, Filter], ...] = (
    ("invalid", filter_invalid),
    ("future", filter_future),
    ("duplicate", filter_duplicate),
    ("out_of_order", filter_out_of_order),
    ("jump", filter_jump),
)


def filter_ping(ping: Ping, last: LastFix | None, clock: float | None) -> str | None:
    """The name of the first filter that drops ``ping``, or None to keep it."""
    for name, drop in FILTERS:
        if drop(ping, last, clock):
            return name
    return None


def derive_speed_kmh(ping: Ping, last: LastFix | None) -> float:
    """The sent speed, else distance over time from the last fix, else 0."""
    if ping.speed is not None:
        return ping.speed
    if last is None or ping.ts <= last.ts:
        return 0.0
    return haversine_m(last.lat, last.lon, ping.lat, ping.lon) / (ping.ts - last.ts) * 3.6
