"""The OsmAnd protocol, as Traccar reads it, turned into contract ``type=gps`` messages (pure).

Two shapes arrive at the same listener:

- key/value pairs (query string or form body): ``id`` or ``deviceid``; ``lat``/``lon`` or
  ``location=lat,lon``; ``timestamp`` as unix seconds, milliseconds, ISO-8601 or
  ``yyyy-MM-dd HH:mm:ss`` (a time without an offset is UTC, as Traccar reads it); ``speed`` in
  knots; ``bearing`` or ``heading``; ``accuracy``; ``altitude``, ``batt``, ``hdop``, ``valid`` and
  anything else are accepted and not forwarded (the contract message has no place for them).
- the JSON body of Traccar Client 9+: ``{"device_id", "location": {"timestamp", "coords":
  {"latitude", "longitude", "speed" (m/s), "heading", "accuracy", "altitude"}, "battery", ...}}``;
  ``location`` may also be a list of such objects (a batch sent after a connection loss).

Conversions happen here, at the edge: knots and m/s become km/h, every time epoch seconds. A
negative speed, heading or accuracy is how phones say "unknown": it is left out, not refused.
``timestamp`` is required: rules run on event time, so a fix without one cannot be placed in time.
Errors raise ``ParseError`` naming the field as the device sent it (``lat``, ``location.coords.latitude``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from core.model import ParseError
from core.producer import encode_gps
from core.values import parse_number, parse_subject

__all__ = ["KNOT_KMH", "MS_KMH", "parse_osmand_time", "decode_params", "decode_json", "decode_osmand"]

KNOT_KMH = 1.852  # km/h per knot
MS_KMH = 3.6  # km/h per m/s
_INT_MAX = 2_147_483_647  # Traccar: a number below Java's Integer.MAX_VALUE is seconds, above it ms


def parse_osmand_time(value: object, field: str = "timestamp") -> float:
    """Epoch seconds of an OsmAnd ``timestamp``.

    >>> parse_osmand_time("1700000000"), parse_osmand_time("1700000000000")
    (1700000000.0, 1700000000.0)
    >>> parse_osmand_time("2023-11-14 22:13:20"), parse_osmand_time("2023-11-14T22:13:20Z")
    (1700000000.0, 1700000000.0)
    >>> parse_osmand_time("2023-11-15T06:13:20+08:00")
    1700000000.0
    """
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ParseError(field, "is missing (unix seconds, milliseconds, ISO-8601 or yyyy-MM-dd HH:mm:ss)")
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        ts = number if abs(number) < _INT_MAX else number / 1000.0
    else:
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ParseError(field, f"{text!r} is not unix seconds, milliseconds, ISO-8601 "
                                    "or yyyy-MM-dd HH:mm:ss") from None
        ts = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()
    if not math.isfinite(ts) or ts <= 0:
        raise ParseError(field, f"{text!r} is not a time after 1970")
    return ts


_number = parse_number


def _required(value: object, field: str, lo: float, hi: float) -> float:
    number = _number(value, field, lo, hi)
    if number is None:
        raise ParseError(field, "is missing")
    return number


def _known(value: float | None, hi: float, field: str) -> float | None:
    """A value whose negatives mean unknown (left out), refused above ``hi``."""
    if value is None or value < 0:
        return None
    if value > hi:
        raise ParseError(field, f"{value:g} is above {hi:g}")
    return value


def _device(value: object, field: str) -> str:
    subject = parse_subject(value, field, hint=" (the device identifier: a unit id or a vehicle plate)")
    assert subject is not None
    return subject


def decode_params(params: Mapping[str, str]) -> dict[str, str]:
    """One fix from OsmAnd key/value pairs, as a contract gps message.

    >>> decode_params({"id": "P01", "location": "22.5,114.0", "timestamp": "1700000000", "speed": "10"})
    {'type': 'gps', 'id': 'P01', 'lat': '22.500000', 'lon': '114.000000', 'ts': '1700000000', 'speed': '18.5'}
    """
    id_field = "id" if params.get("id", "").strip() or "deviceid" not in params else "deviceid"
    subject = _device(params.get(id_field), id_field)
    if params.get("lat") is None and params.get("lon") is None and params.get("location") is not None:
        parts = str(params["location"]).split(",")
        if len(parts) != 2:
            raise ParseError("location", f"{params['location']!r} is not lat,lon")
        lat = _required(parts[0], "location", -90.0, 90.0)
        lon = _required(parts[1], "location", -180.0, 180.0)
    else:
        lat = _required(params.get("lat"), "lat", -90.0, 90.0)
        lon = _required(params.get("lon"), "lon", -180.0, 180.0)
    ts = parse_osmand_time(params.get("timestamp"))
    knots = _known(_number(params.get("speed"), "speed"), 1000.0 / KNOT_KMH, "speed")
    head_field = "bearing" if params.get("bearing", "").strip() else "heading"
    heading = _known(_number(params.get(head_field), head_field), 360.0, head_field)
    accuracy = _known(_number(params.get("accuracy"), "accuracy"), 1e7, "accuracy")
    speed = None if knots is None else knots * KNOT_KMH
    return encode_gps(subject, lat, lon, ts, speed=speed, heading=heading, accuracy=accuracy)


def _json_location(subject: str, loc: object, where: str) -> dict[str, str]:
    if not isinstance(loc, Mapping):
        raise ParseError(where, "must be an object with timestamp and coords")
    coords = loc.get("coords")
    if not isinstance(coords, Mapping):
        raise ParseError(f"{where}.coords", "is missing (an object with latitude and longitude)")
    c = f"{where}.coords"
    lat = _required(coords.get("latitude"), f"{c}.latitude", -90.0, 90.0)
    lon = _required(coords.get("longitude"), f"{c}.longitude", -180.0, 180.0)
    ts = parse_osmand_time(loc.get("timestamp"), f"{where}.timestamp")
    ms = _known(_number(coords.get("speed"), f"{c}.speed"), 1000.0 / MS_KMH, f"{c}.speed")
    heading = _known(_number(coords.get("heading"), f"{c}.heading"), 360.0, f"{c}.heading")
    accuracy = _known(_number(coords.get("accuracy"), f"{c}.accuracy"), 1e7, f"{c}.accuracy")
    speed = None if ms is None else ms * MS_KMH
    return encode_gps(subject, lat, lon, ts, speed=speed, heading=heading, accuracy=accuracy)


def decode_json(body: object) -> list[dict[str, str]]:
    """The fixes of a Traccar Client 9+ JSON body, as contract gps messages.

    >>> decode_json({"device_id": "P01", "location": {"timestamp": "2023-11-14T22:13:20.000Z",
    ...     "coords": {"latitude": 22.5, "longitude": 114.0, "speed": 10, "heading": -1}}})
    [{'type': 'gps', 'id': 'P01', 'lat': '22.500000', 'lon': '114.000000', 'ts': '1700000000', 'speed': '36.0'}]
    """
    if not isinstance(body, Mapping):
        raise ParseError("body", "must be a JSON object with device_id and location")
    subject = _device(body.get("device_id", body.get("id")), "device_id")
    loc = body.get("location")
    if loc is None:
        raise ParseError("location", "is missing")
    if isinstance(loc, list):
        if not loc:
            raise ParseError("location", "is an empty list")
        return [_json_location(subject, item, f"location[{i}]") for i, item in enumerate(loc)]
    return [_json_location(subject, loc, "location")]


def decode_osmand(params: Mapping[str, str], body: Any = None) -> list[dict[str, str]]:
    """Fixes of one OsmAnd request: the JSON ``body`` when it is an object, else the key/value ``params``."""
    if isinstance(body, Mapping) and ("device_id" in body or "location" in body):
        return decode_json(body)
    if body is not None and not params:
        return decode_json(body)
    return [decode_params(params)]
