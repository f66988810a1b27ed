"""The city pack (contract section 2): typed objects, and the loader that validates them.

A pack that does not validate is refused with ``CityPackError`` naming file, feature and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shapely.geometry.base import BaseGeometry

from city.shifts import DEFAULT_SHIFTS, Shift
from city.validate import (
    MUST_HOLD,
    CityPackError,
    Where,
    check_roads,
    iter_entries,
    iter_features,
    read_json,
    show,
)
from core.timeutil import parse_hhmm, parse_hours

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
    "CATEGORIES",
    "SEVERITIES",
    "ZONE_KINDS",
    "load_city_pack",
]

CATEGORIES = frozenset({"coach", "bus", "school_bus", "hazmat", "truck", "taxi", "private"})
SEVERITIES = ("red", "orange", "yellow", "blue")
ZONE_KINDS = ("patrol", "restricted")


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
    roads: dict[str, Any] | None = None  # optional roads.geojson (OneMap extension), as parsed
    attribution: str = ""  # optional "attribution" of city.json (data licences to show on the map)
    shifts: tuple[Shift, ...] = DEFAULT_SHIFTS  # optional "shifts" of city.json (city/shifts.py)

    @cached_property
    def zones_by_id(self) -> dict[str, Zone]:
        return {z.id: z for z in self.zones}


# --- the loader -------------------------------------------------------------------------------

def load_city_pack(path: Path | str) -> CityPack:
    """Load and validate the city pack in folder ``path`` (contract section 2).

    Raises ``CityPackError`` whose message names the file, the feature (index counted from 0,
    and id where known) and the field, e.g.
    ``zones.geojson: feature 3 (id "Z07"): field "kind": must be "patrol" or "restricted", got "foo"``.
    ``roads.geojson`` (LineString road edges) is optional and validated when present.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise CityPackError(f"{folder}: not a folder; a city pack is a folder holding {', '.join(MUST_HOLD)}")
    raw = {name: read_json(folder, name, must) for name, must in MUST_HOLD.items()}
    city = _city(raw["city.json"])
    zones = _zones(raw["zones.geojson"])
    units = _units(raw["units.json"], zones)
    vehicles = _vehicles(raw["vehicles.json"], units)
    roads = None
    if (folder / "roads.geojson").exists():
        roads = read_json(folder, "roads.geojson", "a GeoJSON FeatureCollection of LineString road edges")
        check_roads(roads)
    return CityPack(
        path=folder, zones=zones, checkpoints=_checkpoints(raw["checkpoints.geojson"]), units=units,
        vehicles=vehicles, watchlist=_watchlist(raw["watchlist.json"]), roads=roads, **city,
    )


def _minute(where: Where, data: dict[str, Any], field: str) -> int:
    try:
        return parse_hhmm(str(data.get(field)))
    except ValueError as exc:
        where.fail(field, f'must be a local time "HH:MM", got {show(data.get(field))} ({exc})')


def _city(data: object) -> dict[str, Any]:
    w = Where("city.json")
    d = w.obj(data)
    tzname = w.text(d, "timezone")
    try:
        tz = ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        w.fail("timezone", f'must be an IANA time zone such as "Asia/Shanghai", got {show(tzname)}')
    center = d.get("center")
    if not (isinstance(center, list) and len(center) == 2
            and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in center)
            and -90 <= center[0] <= 90 and -180 <= center[1] <= 180):
        w.fail("center", f"must be [lat, lon] in degrees, got {show(center)}")
    zoom = d.get("zoom")
    if isinstance(zoom, bool) or not isinstance(zoom, (int, float)) or zoom != int(zoom) or not 0 <= zoom <= 22:
        w.fail("zoom", f"must be a whole map zoom level 0..22, got {show(zoom)}")
    nb, fa = w.inside("night_ban"), w.inside("fatigue")
    night, fatigue = w.obj(d.get("night_ban"), "night_ban"), w.obj(d.get("fatigue"), "fatigue")
    return {
        "name": w.text(d, "name"), "timezone": tz, "center": (float(center[0]), float(center[1])),
        "zoom": int(zoom), "default_speed_limit": w.number(d, "default_speed_limit"),
        "night_ban": NightBan(
            categories=frozenset(nb.texts(night, "categories", allowed=CATEGORIES)),
            start_min=_minute(nb, night, "start"), end_min=_minute(nb, night, "end"),
            min_speed=nb.number(night, "min_speed", strict=False)),
        "fatigue": Fatigue(
            categories=frozenset(fa.texts(fatigue, "categories", allowed=CATEGORIES)),
            max_drive_min=fa.number(fatigue, "max_drive_min"), min_rest_min=fa.number(fatigue, "min_rest_min"),
            rest_speed=fa.number(fatigue, "rest_speed", default=5.0)),
        "offline_after_s": w.number(d, "offline_after_s"),
        "cloned_plate_kmh": w.number(d, "cloned_plate_kmh"),
        "attribution": w.text(d, "attribution", optional=True),
        "shifts": _shifts(w, d.get("shifts")),
    }


def _shifts(w: Where, data: object) -> tuple[Shift, ...]:
    """The optional ``shifts`` of city.json (a OneMap extension; packs without it keep the defaults)."""
    if data is None:
        return DEFAULT_SHIFTS
    if not isinstance(data, list) or not data:
        w.fail("shifts", f'must be a non-empty list of {{"name", "start", "end"}}, got {show(data)}')
    out = []
    for i, entry in enumerate(data):
        at = w.inside(f"shifts[{i}]")
        e = at.obj(entry)
        out.append(Shift(at.text(e, "name"), _minute(at, e, "start"), _minute(at, e, "end")))
    if len({s.name for s in out}) != len(out):
        w.fail("shifts", "two shifts have one name")
    return tuple(out)


def _hours(where: Where, props: dict[str, Any]) -> tuple[int, int] | None:
    raw = props.get("hours")
    if raw is None:
        return None
    try:
        start, end = parse_hours(raw)
    except ValueError as exc:
        where.fail("hours", f'must be "HH:MM-HH:MM" local time (may wrap midnight), got {show(raw)} ({exc})')
    if start == end:
        where.fail("hours", f"{show(raw)} starts when it ends, so it is never in force; leave hours out for all day")
    return start, end


def _zones(data: object) -> tuple[Zone, ...]:
    zones: dict[str, Zone] = {}
    for where0, feature, props in iter_features(data, "zones.geojson"):
        zid = where0.text(props, "id")
        where = where0.named("id", zid)
        if zid in zones:
            where.fail("id", "is used by an earlier feature too; zone ids must be unique")
        kind = where.choice(props, "kind", ZONE_KINDS)
        limit = None if props.get("speed_limit") is None else where.number(props, "speed_limit")
        forbid: frozenset[str] = frozenset()
        hours = None
        if kind == "restricted":
            forbid = frozenset(where.texts(props, "forbid", allowed=CATEGORIES, nonempty=True))
            hours = _hours(where, props)
        else:
            for extra in ("forbid", "hours"):
                if props.get(extra) is not None:
                    where.fail(extra, 'applies to restricted zones only: set kind "restricted" or remove it')
        zones[zid] = Zone(id=zid, name=where.text(props, "name"), kind=kind,
                          geometry=where.geometry(feature, ("Polygon", "MultiPolygon")), speed_limit=limit,
                          forbid=forbid, hours=hours, feature=feature)
    return tuple(zones.values())


def _checkpoints(data: object) -> dict[str, Checkpoint]:
    found: dict[str, tuple[Where, Checkpoint]] = {}
    for where0, feature, props in iter_features(data, "checkpoints.geojson"):
        cid = where0.text(props, "id")
        where = where0.named("id", cid)
        if cid in found:
            where.fail("id", "is used by an earlier feature too; checkpoint ids must be unique")
        point = where.geometry(feature, ("Point",))
        found[cid] = (where, Checkpoint(id=cid, name=where.text(props, "name"), lat=point.y, lon=point.x,
                                        station=where.flag(props, "station"), next=where.texts(props, "next")))
    for cid, (where, cp) in found.items():
        for nxt in cp.next:
            if nxt == cid:
                where.fail("next", "names the checkpoint itself")
            if nxt not in found:
                where.fail("next", f"no checkpoint has id {show(nxt)}")
    return {cid: cp for cid, (_, cp) in found.items()}


def _units(data: object, zones: tuple[Zone, ...]) -> dict[str, Unit]:
    kinds = {z.id: z.kind for z in zones}
    units: dict[str, Unit] = {}
    for where0, entry in iter_entries(data, "units.json"):
        uid = where0.text(entry, "id")
        where = where0.named("id", uid)
        if uid in units:
            where.fail("id", "is used by an earlier unit too; unit ids must be unique")
        zone = where.text(entry, "zone")
        if kinds.get(zone) != "patrol":
            why = "is a restricted zone" if zone in kinds else "is not in zones.geojson"
            where.fail("zone", f"must be the id of a patrol zone; {show(zone)} {why}")
        units[uid] = Unit(id=uid, callsign=where.text(entry, "callsign"), zone=zone)
    return units


def _vehicles(data: object, units: dict[str, Unit]) -> dict[str, Vehicle]:
    vehicles: dict[str, Vehicle] = {}
    for where0, entry in iter_entries(data, "vehicles.json"):
        plate = where0.text(entry, "plate")
        where = where0.named("plate", plate)
        if plate in vehicles:
            where.fail("plate", "is listed twice; plates must be unique")
        if plate in units:
            where.fail("plate", "is also a unit id in units.json; every subject needs its own id")
        vehicles[plate] = Vehicle(plate=plate, category=where.choice(entry, "category", sorted(CATEGORIES)),
                                  operator=where.text(entry, "operator", optional=True))
    return vehicles


def _watchlist(data: object) -> dict[str, WatchEntry]:
    entries: dict[str, WatchEntry] = {}
    for where0, entry in iter_entries(data, "watchlist.json"):
        plate = where0.text(entry, "plate")
        where = where0.named("plate", plate)
        if plate in entries:
            where.fail("plate", "is listed twice; give each plate one entry")
        entries[plate] = WatchEntry(plate=plate, reason=where.text(entry, "reason"),
                                    severity=where.choice(entry, "severity", SEVERITIES))
    return entries
