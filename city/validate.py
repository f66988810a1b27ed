"""Field checks for the city pack loader: every failure names file, feature and field.

A message reads like
``zones.geojson: feature 3 (id "Z07"): field "kind": must be "patrol" or "restricted", got "foo"``.
Feature and entry numbers count from 0, as ``features[3]`` in the file does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, NoReturn

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

__all__ = [
    "CityPackError", "MUST_HOLD", "Where", "read_json", "iter_features", "iter_entries", "check_roads", "show",
]


class CityPackError(ValueError):
    """A city pack that does not validate: the message names file, feature and field."""


# What each required file of a pack must hold (for the message when it is missing).
MUST_HOLD = {
    "city.json": "a JSON object with name, timezone, center [lat, lon], zoom, default_speed_limit, "
    "night_ban {categories, start, end, min_speed}, fatigue {categories, max_drive_min, min_rest_min}, "
    "offline_after_s and cloned_plate_kmh",
    "zones.geojson": "a GeoJSON FeatureCollection of Polygon/MultiPolygon zones with properties id, name, "
    'kind ("patrol" or "restricted"), optional speed_limit, and for restricted zones forbid and optional hours',
    "checkpoints.geojson": "a GeoJSON FeatureCollection of Point checkpoints with properties id, name, "
    "station (true/false) and next (ids of downstream checkpoints)",
    "units.json": "a JSON list of patrol units {id, callsign, zone}",
    "vehicles.json": "a JSON list of monitored vehicles {plate, category, operator}",
    "watchlist.json": "a JSON list of {plate, reason, severity}",
}


def show(value: object) -> str:
    """A value as it would be written in the JSON file.

    >>> show("foo"), show(None), show(True)
    ('"foo"', 'null', 'true')
    """
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


class Where:
    """A place in the pack (file, optional feature or entry) that reads fields and raises errors.

    >>> Where("units.json", 'entry 2 (id "P03")').error("zone", "no such zone").args[0]
    'units.json: entry 2 (id "P03"): field "zone": no such zone'
    """

    def __init__(self, file: str, item: str = "", prefix: str = "") -> None:
        self.file = file
        self.item = item
        self.prefix = prefix

    def error(self, field: str | None, message: str) -> CityPackError:
        parts = [self.file]
        if self.item:
            parts.append(self.item)
        if field is not None:
            parts.append(f'field "{self.prefix}{field}"')
        return CityPackError(": ".join(parts + [message]))

    def fail(self, field: str | None, message: str) -> NoReturn:
        raise self.error(field, message)

    def named(self, ident_field: str, ident: str) -> Where:
        """The same place, now also known by its id (or plate)."""
        return Where(self.file, f'{self.item} ({ident_field} {show(ident)})', self.prefix)

    def inside(self, field: str) -> Where:
        """The place of a nested object's fields, named ``field.sub``."""
        return Where(self.file, self.item, f"{self.prefix}{field}.")

    def obj(self, value: object, field: str | None = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(field, f"must be a JSON object, got {show(value)}")
        return value

    def text(self, data: dict[str, Any], field: str, *, optional: bool = False) -> str:
        """A non-empty string (``""`` when optional and absent, null or empty)."""
        value = data.get(field)
        if optional and value in (None, ""):
            return ""
        if field not in data:
            self.fail(field, "is missing (a non-empty string)")
        if not isinstance(value, str) or not value.strip():
            self.fail(field, f"must be a non-empty string, got {show(value)}")
        return value

    def number(self, data: dict[str, Any], field: str, *, minimum: float = 0.0, strict: bool = True,
               default: float | None = None) -> float:
        """A finite number above ``minimum`` (at or above it when ``strict`` is false)."""
        if field not in data and default is not None:
            return default
        if field not in data:
            self.fail(field, "is missing (a number)")
        value = data[field]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail(field, f"must be a number, got {show(value)}")
        if value < minimum or (strict and value == minimum):
            bound = "above" if strict else "at least"
            self.fail(field, f"must be {bound} {minimum:g}, got {show(value)}")
        return float(value)

    def flag(self, data: dict[str, Any], field: str) -> bool:
        value = data.get(field)
        if not isinstance(value, bool):
            self.fail(field, f"must be true or false, got {show(value)}")
        return value

    def choice(self, data: dict[str, Any], field: str, allowed: Collection[str]) -> str:
        value = data.get(field)
        if value not in allowed:
            self.fail(field, f"must be {_alternatives(allowed)}, got {show(value)}")
        return str(value)

    def texts(self, data: dict[str, Any], field: str, *, allowed: Collection[str] | None = None,
              nonempty: bool = False) -> tuple[str, ...]:
        """A list of strings, each one of ``allowed`` when given."""
        value = data.get(field)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(field, f"must be a list of strings, got {show(value)}")
        if nonempty and not value:
            self.fail(field, "must not be empty")
        for v in value:
            if allowed is not None and v not in allowed:
                self.fail(field, f"{show(v)} is not {_alternatives(allowed)}")
        return tuple(value)

    def geometry(self, feature: dict[str, Any], kinds: Collection[str]) -> BaseGeometry:
        """The feature's geometry as shapely, of one of ``kinds``, valid, with lon/lat in range."""
        geom = feature.get("geometry")
        if not isinstance(geom, dict) or geom.get("type") not in kinds:
            got = geom.get("type") if isinstance(geom, dict) else geom
            self.fail("geometry", f"must be a {_alternatives(kinds, 'or')} geometry, got {show(got)}")
        try:
            out = shape(geom)
        except Exception as exc:  # shapely raises several kinds on malformed coordinates
            self.fail("geometry", f"coordinates do not form a {geom['type']}: {exc}")
        if out.is_empty:
            self.fail("geometry", "is empty")
        if not out.is_valid:
            self.fail("geometry", f"is not a valid {geom['type']}: {explain_validity(out)}")
        minx, miny, maxx, maxy = out.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            self.fail("geometry", "coordinates out of range: GeoJSON order is [lon, lat]")
        shapely.prepare(out)
        return out


def _alternatives(allowed: Collection[str], word: str = "one of") -> str:
    """``"a" or "b"`` / ``one of "a", "b", "c"``; geometry kinds (``word="or"``) unquoted."""
    ordered = list(allowed) if isinstance(allowed, (list, tuple)) else sorted(allowed)
    if word == "or":
        return " or ".join(ordered)
    names = [show(a) for a in ordered]
    if len(names) == 2:
        return f"{names[0]} or {names[1]}"
    return "one of " + ", ".join(names)


def read_json(folder: Path, name: str, must_hold: str) -> Any:
    """Parse ``folder/name``; a missing or broken file raises ``CityPackError`` saying what it must hold."""
    path = folder / name
    if not path.is_file():
        raise CityPackError(f"{name}: missing from the city pack {folder}; it must hold {must_hold}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise CityPackError(f"{name}: not UTF-8 text ({exc}); save it as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise CityPackError(f"{name}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def iter_features(data: object, file: str) -> Iterator[tuple[Where, dict[str, Any], dict[str, Any]]]:
    """(place, feature, properties) for each feature of a GeoJSON FeatureCollection."""
    top = Where(file)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        top.fail(None, 'must be a GeoJSON object with "type": "FeatureCollection"')
    features = data.get("features")
    if not isinstance(features, list):
        top.fail("features", f"must be a list of features, got {show(features)}")
    for i, feature in enumerate(features):
        where = Where(file, f"feature {i}")
        feature = where.obj(feature)
        props = feature.get("properties")
        yield where, feature, where.obj(props, "properties")


def iter_entries(data: object, file: str) -> Iterator[tuple[Where, dict[str, Any]]]:
    """(place, entry) for each object of a JSON list file."""
    if not isinstance(data, list):
        Where(file).fail(None, f"must be a JSON list, got {type(data).__name__}")
    for i, entry in enumerate(data):
        where = Where(file, f"entry {i}")
        yield where, where.obj(entry)


def check_roads(data: object) -> None:
    """Validate roads.geojson: LineString edges with u, v, name, highway, length_m, maxspeed_kmh."""
    for where, feature, props in iter_features(data, "roads.geojson"):
        where.geometry(feature, ("LineString",))
        where.text(props, "u")
        where.text(props, "v")
        where.text(props, "highway")
        if not isinstance(props.get("name", ""), (str, type(None))):
            where.fail("name", f"must be a string or null, got {show(props.get('name'))}")
        where.number(props, "length_m", strict=False)
        if props.get("maxspeed_kmh") is not None:
            where.number(props, "maxspeed_kmh")
