"""``GET /api/coverage`` (contract 7.4): patrol coverage of one zone over a time range.

Reads the units' tracks from the track store (Redis and day files, core/trackfiles.py) and the
alerts of the range, and hands them to the pure engine (city/coverage.py). The Coverage tab asks
the same function, so the screen and the API answer the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import redis

from api.errors import ApiError
from city.citypack import CityPack
from city.coverage import Coverage, Event, city_coverage, zone_coverage
from core import alerts as alert_store
from core import trackfiles
from core.keys import Keys
from core.timeutil import parse_ts

__all__ = ["MAX_RANGE_S", "ALERTS_MAX", "parse_request", "events_between", "coverage_for", "city_coverage_for", "coverage_json"]

MAX_RANGE_S = 31 * 86_400  # one call covers at most a month
ALERTS_MAX = 50_000  # alerts read for the gaps of one call, newest first


def _ts(args: Mapping[str, Any], name: str) -> float:
    raw = args.get(name)
    if raw in (None, ""):
        raise ApiError(400, f"{name}: is missing (epoch seconds or ISO-8601 with an offset)", name)
    try:
        return parse_ts(raw)
    except ValueError as exc:
        raise ApiError(400, f"{name}: {exc} (epoch seconds or ISO-8601 with an offset)", name) from None


def parse_request(args: Mapping[str, Any], city: CityPack) -> tuple[str, float, float]:
    """``zone``, ``from`` and ``to`` of a request, checked: 400 naming the field, 404 for an unknown zone."""
    zone = str(args.get("zone") or "").strip()
    if not zone:
        raise ApiError(400, "zone: is missing (a zone id of zones.geojson)", "zone")
    if zone not in city.zones_by_id:
        raise ApiError(404, f"zone: {zone!r} is not a zone of this city (zones.geojson)", "zone")
    t0, t1 = _ts(args, "from"), _ts(args, "to")
    if t0 > t1:
        raise ApiError(400, "from: is later than to", "from")
    if t1 - t0 > MAX_RANGE_S:
        raise ApiError(400, f"to: the range is longer than {MAX_RANGE_S // 86_400} days", "to")
    return zone, t0, t1


def events_between(client: redis.Redis, keys: Keys, city: CityPack, t0: float, t1: float) -> list[Event]:
    """Alerts of ``[t0, t1]`` that a patrol could have prevented or met: those about a unit itself
    (its zone exit, its silence, its call for help) are not gaps in patrol."""
    out = []
    for a in alert_store.list_alerts(client, keys, t0, ALERTS_MAX):
        ts, lat, lon = a.get("ts"), a.get("lat"), a.get("lon")
        if not all(isinstance(v, (int, float)) for v in (ts, lat, lon)) or a.get("subject") in city.units:
            continue
        if float(ts) <= t1:  # type: ignore[arg-type]
            out.append(Event(str(a.get("alert_id", "")), float(ts), float(lat), float(lon),  # type: ignore[arg-type]
                             str(a.get("text", ""))))
    return out


def coverage_for(client: redis.Redis, keys: Keys, data_dir: Path, city: CityPack, zone_id: str, t0: float,
                 t1: float, with_gaps: bool = True) -> Coverage:
    """The coverage of one zone of ``city`` over ``[t0, t1]`` from the store."""
    zone = city.zones_by_id[zone_id]
    tracks = trackfiles.read_tracks(client, keys, data_dir, t0, t1, subjects=sorted(city.units))
    assigned = sorted(u.id for u in city.units.values() if u.zone == zone_id)
    events = events_between(client, keys, city, t0, t1) if with_gaps else []
    return zone_coverage(zone_id, zone.geometry, tracks, t0, t1, assigned, events)  # type: ignore[arg-type]


def city_coverage_for(client: redis.Redis, keys: Keys, data_dir: Path, city: CityPack, t0: float,
                      t1: float) -> list[Coverage]:
    """The coverage of every patrol zone of ``city`` over ``[t0, t1]``, with gaps (the Coverage tab)."""
    tracks = trackfiles.read_tracks(client, keys, data_dir, t0, t1, subjects=sorted(city.units))
    zones = [(z.id, z.geometry) for z in city.zones if z.kind == "patrol"]
    assigned: dict[str, list[str]] = {}
    for u in sorted(city.units.values(), key=lambda u: u.id):
        assigned.setdefault(u.zone, []).append(u.id)
    return city_coverage(zones, tracks, t0, t1, assigned, events_between(client, keys, city, t0, t1))  # type: ignore[arg-type]


def coverage_json(cov: Coverage) -> dict[str, Any]:
    """The answer of contract 7.4.

    >>> from city.coverage import UnitFigures
    >>> coverage_json(Coverage("W", 0.0, 60.0, ("a", "b"), {"a": 1.0}, {"a": 5.0},
    ...                        (UnitFigures("P01", 12.34, 50, 10, 0),)))["covered_fraction"]
    0.5
    """
    return {"zone": cov.zone, "from": cov.t0, "to": cov.t1, "covered_fraction": round(cov.covered_fraction, 6),
            "cells_total": cov.cells_total, "cells_covered": cov.cells_covered,
            "units": [u.to_json() for u in cov.units]}
