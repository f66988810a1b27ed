"""Incidents of a city pack (optional ``incidents.jsonl``, a OneMap extension): what really happened.

One JSON object a line: ``id``, ``ts`` (epoch seconds), ``lat``, ``lon``, ``zone`` (a zone id of the
pack, or empty), ``type``, optional ``time`` (local ISO-8601), ``district``, ``description``. The
Chicago pack holds one real day of crimes this way; the coverage and hotspot views read them to show
where crime was against where patrols were. A bad line raises ``CityPackError`` naming line and field.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from city.citypack import CityPack
from city.validate import CityPackError, show
from core.timeutil import local_minute

__all__ = ["Incident", "FILE", "load_incidents", "pack_incidents", "parse_incident", "in_range", "by_hour"]

FILE = "incidents.jsonl"


@dataclass(frozen=True)
class Incident:
    id: str
    ts: float
    lat: float
    lon: float
    zone: str
    type: str
    description: str = ""


def _fail(line: int, field: str, message: str) -> CityPackError:
    return CityPackError(f'{FILE}: line {line}: field "{field}": {message}')


def _number(data: dict[str, Any], field: str, line: int, lo: float, hi: float) -> float:
    value = data.get(field)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(line, field, f"must be a number, got {show(value)}")
    if not lo <= value <= hi:
        raise _fail(line, field, f"must be within {lo:g}..{hi:g}, got {show(value)}")
    return float(value)


def _text(data: dict[str, Any], field: str, line: int, *, required: bool = True) -> str:
    value = data.get(field, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(line, field, f"must be a {'non-empty ' if required else ''}string, got {show(value)}")
    return value


def parse_incident(text: str, line: int = 1, zones: Collection[str] | None = None) -> Incident:
    """One line of ``incidents.jsonl``; ``zones``: the pack's zone ids, which ``zone`` must be one of.

    >>> parse_incident('{"id": "7", "ts": 1501822800, "lat": 41.88, "lon": -87.63, "zone": "0111", "type": "THEFT"}')
    Incident(id='7', ts=1501822800.0, lat=41.88, lon=-87.63, zone='0111', type='THEFT', description='')
    >>> parse_incident('{"id": "7", "ts": 1, "lat": 95, "lon": 0, "zone": "", "type": "X"}', 4)
    Traceback (most recent call last):
    ...
    city.validate.CityPackError: incidents.jsonl: line 4: field "lat": must be within -90..90, got 95
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CityPackError(f"{FILE}: line {line}: not a JSON object ({exc.msg})") from None
    if not isinstance(data, dict):
        raise CityPackError(f"{FILE}: line {line}: must be a JSON object, got {show(data)}")
    zone = _text(data, "zone", line, required=False)
    if zone and zones is not None and zone not in zones:
        raise _fail(line, "zone", f"no zone of zones.geojson has id {show(zone)}")
    return Incident(id=_text(data, "id", line), ts=_number(data, "ts", line, 0, 1e11),
                    lat=_number(data, "lat", line, -90, 90), lon=_number(data, "lon", line, -180, 180),
                    zone=zone, type=_text(data, "type", line),
                    description=_text(data, "description", line, required=False))


def load_incidents(folder: Path | str, zones: Collection[str] | None = None) -> tuple[Incident, ...]:
    """The incidents of the pack in ``folder`` in time order; none when the pack has no incidents file."""
    path = Path(folder) / FILE
    if not path.is_file():
        return ()
    out = [parse_incident(text, i, zones)
           for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if text.strip()]
    return tuple(sorted(out, key=lambda x: (x.ts, x.id)))


_LOADED: dict[Path, tuple[Incident, ...]] = {}


def pack_incidents(city: CityPack) -> tuple[Incident, ...]:
    """The incidents of a loaded pack (``load_incidents`` of its folder, read once per folder)."""
    found = _LOADED.get(city.path)
    if found is None:
        found = _LOADED[city.path] = load_incidents(city.path, city.zones_by_id)
    return found


def in_range(incidents: Iterable[Incident], start: float, end: float) -> list[Incident]:
    """The incidents with ``start <= ts < end``."""
    return [x for x in incidents if start <= x.ts < end]


def by_hour(incidents: Iterable[Incident], tz: ZoneInfo) -> list[Counter[str]]:
    """A hotspot table: for each local hour 0..23, the number of incidents per zone.

    >>> day = [Incident("1", 1501822800, 41.9, -87.6, "0111", "THEFT"),   # 00:00 CDT
    ...        Incident("2", 1501826400, 41.9, -87.6, "0111", "THEFT"),   # 01:00
    ...        Incident("3", 1501826500, 41.9, -87.6, "0112", "BATTERY")]
    >>> hours = by_hour(day, ZoneInfo("America/Chicago"))
    >>> len(hours), dict(hours[0]), dict(hours[1])
    (24, {'0111': 1}, {'0111': 1, '0112': 1})
    """
    hours: list[Counter[str]] = [Counter() for _ in range(24)]
    for x in incidents:
        hours[local_minute(x.ts, tz) // 60][x.zone] += 1
    return hours
