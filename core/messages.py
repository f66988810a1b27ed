"""Parse input stream entries (contract section 3) into ``Ping`` / ``Read``.

Anything that cannot be understood raises ``ParseError`` whose ``field`` names the culprit;
the worker turns it into a dead letter.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.model import ParseError, Ping, Read
from core.timeutil import parse_ts
from core.values import MAX_ID_LEN, parse_number, parse_subject

__all__ = ["parse_fields", "MAX_ID_LEN"]



def _text(fields: Mapping[str, str], name: str, required: bool = True) -> str | None:
    return parse_subject(fields.get(name), name, required=required)


def _number(fields: Mapping[str, str], name: str, lo: float, hi: float, required: bool = True) -> float | None:
    return parse_number(fields.get(name), name, lo, hi, required=required)


def _ts(fields: Mapping[str, str]) -> float:
    raw = fields.get("ts")
    if raw is None or str(raw).strip() == "":
        raise ParseError("ts", "is missing")
    try:
        return parse_ts(raw)
    except ValueError as exc:
        raise ParseError("ts", str(exc)) from None


def parse_gps(fields: Mapping[str, str]) -> Ping:
    """A ``type=gps`` entry as a ``Ping``.

    >>> parse_gps({"type": "gps", "id": "P01", "lat": "22.5", "lon": "114.0", "ts": "1700000000"}).subject
    'P01'
    >>> parse_gps({"type": "gps", "id": "P01", "lat": "95", "lon": "114.0", "ts": "1"})
    Traceback (most recent call last):
    ...
    core.model.ParseError: lat: '95' is outside -90..90
    """
    subject = _text(fields, "id")
    assert subject is not None
    lat = _number(fields, "lat", -90.0, 90.0)
    lon = _number(fields, "lon", -180.0, 180.0)
    assert lat is not None and lon is not None
    return Ping(
        subject=subject,
        lat=lat,
        lon=lon,
        ts=_ts(fields),
        speed=_number(fields, "speed", 0.0, 1000.0, required=False),
        heading=_number(fields, "heading", -360.0, 360.0, required=False),
        accuracy=_number(fields, "accuracy", 0.0, 1e7, required=False),
    )


def parse_anpr(fields: Mapping[str, str]) -> Read:
    """A ``type=anpr`` entry as a ``Read``."""
    checkpoint = _text(fields, "checkpoint")
    plate = _text(fields, "plate")
    assert checkpoint is not None and plate is not None
    return Read(
        checkpoint=checkpoint,
        plate=plate,
        ts=_ts(fields),
        confidence=_number(fields, "confidence", 0.0, 1.0, required=False),
        lane=_text(fields, "lane", required=False),
    )


def parse_fields(fields: Mapping[str, str]) -> Ping | Read:
    """Parse one input entry by its ``type`` field (``gps`` or ``anpr``)."""
    kind = fields.get("type")
    if kind == "gps":
        return parse_gps(fields)
    if kind == "anpr":
        return parse_anpr(fields)
    if kind is None or kind == "":
        raise ParseError("type", "is missing (expected gps or anpr)")
    raise ParseError("type", f"{kind!r} is not gps or anpr")
