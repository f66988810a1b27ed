"""The city pack (contract section 2): typed objects, and the loader that validates them.

A pack that does not validate is refused with ``CityPackError`` naming file, feature and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from shapely.geometry.base import BaseGeometry

__all__ = [
    "CityPackError",
    "NightBan",
    "Fatigue",
    "Zone",
    "Checkpoint",
    "Unit",
    "Vehicle",
    "WatchEntry",
    "CityPack",
]

CATEGORIES = frozenset({"coach", "bus", "school_bus", "hazmat", "truck", "taxi", "private"})
SEVERITIES = ("red", "orange", "yellow", "blue")


class CityPackError(ValueError):
    """A city pack that does not validate: the message names file, feature and field."""


@dataclass(frozen=True)
class NightBan:
    categories: frozenset[str]
    start_min: int  # minutes after local midnight
    end_min: int  # may be smaller than start_min: the window wraps midnight
    min_speed: float  # km/h


@dataclass(frozen=True)
class Fatigue:
    categories: frozenset[str]
    max_drive_min: float
    min_rest_min: float
    rest_speed: float = 5.0  # km/h


@dataclass(frozen=True)
class Zone:
    id: str
    name: str
    kind: str  # "patrol" or "restricted"
    geometry: BaseGeometry  # shapely Polygon/MultiPolygon, lon/lat
    speed_limit: float | None = None  # km/h
    forbid: frozenset[str] = frozenset()
    hours: tuple[int, int] | None = None  # (start_min, end_min) local; may wrap midnight
    feature: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Checkpoint:
    id: str
    name: str
    lat: float
    lon: float
    station: bool
    next: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unit:
    id: str
    callsign: str
    zone: str


@dataclass(frozen=True)
class Vehicle:
    plate: str
    category: str
    operator: str


@dataclass(frozen=True)
class WatchEntry:
    plate: str
    reason: str
    severity: str


@dataclass(frozen=True)
class CityPack:
    """A loaded, validated city. Lookups are dicts keyed by id / plate."""

    path: Path
    name: str
    timezone: ZoneInfo
    center: tuple[float, float]  # (lat, lon)
    zoom: int
    default_speed_limit: float
    night_ban: NightBan
    fatigue: Fatigue
    offline_after_s: float
    cloned_plate_kmh: float
    zones: tuple[Zone, ...]
    checkpoints: dict[str, Checkpoint]
    units: dict[str, Unit]
    vehicles: dict[str, Vehicle]
    watchlist: dict[str, WatchEntry]
    roads: dict[str, Any] | None = None  # optional roads.geojson (OneMap extension)

    @cached_property
    def zones_by_id(self) -> dict[str, Zone]:
        return {z.id: z for z in self.zones}
