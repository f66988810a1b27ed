"""``GET /api/coverage`` (contract 7.4): patrol coverage of one zone over a time range.

Reads the units' tracks from the track store (Redis and day files, core/trackfiles.py) and hands
them to the pure engine (city/coverage.py); the gaps (city/gaps.py) are the pack's incidents and the
alerts of the range with no patrol near. The Coverage tab asks the same functions, so the screen and
the API answer the same figures. ``?gaps=1`` (docs/CONTRACT.md, C) adds the zone's gaps per hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import redis

from api.errors import ApiError
from city.citypack import CityPack
from city.coverage import Coverage, TrackLike, city_coverage, zone_coverage
from city.gaps import GapEvent, GapWindow, alert_event, find_gaps, gap_windows, incident_events, place, visits
from city.geo import ZoneIndex
from city.incidents import pack_incidents
from core import alerts as alert_store
from core import trackfiles
from core.keys import Keys
from core.timeutil import parse_ts

__all__ = ["MAX_RANGE_S", "ALERTS_MAX", "parse_request", "wants_gaps", "events_between", "coverage_for",
           "city_coverage_for", "zone_gaps_for", "coverage_json"]

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


def wants_gaps(args: Mapping[str, Any]) -> bool:
    """Whether a request asks for the gaps too (``gaps=1``); 400 naming ``gaps`` for another value."""
    raw = str(args.get("gaps") or "0").strip()
    if raw not in ("0", "1"):
        raise ApiError(400, f"gaps: must be 0 or 1, got {raw!r}", "gaps")
    return raw == "1"


def events_between(client: redis.Redis, keys: Keys, city: CityPack, t0: float, t1: float) -> list[GapEvent]:
    """What could be a gap in ``[t0, t1]``: the pack's incidents, and the alerts a patrol could have
    prevented or met (those about a unit itself, its zone exit, its silence, its call for help, are
    not gaps in patrol), each with the patrol zones it belongs to."""
    out = [e for e in incident_events(pack_incidents(city)) if t0 <= e.ts <= t1]
    for a in alert_store.list_alerts(client, keys, t0, ALERTS_MAX):
        ev = alert_event(a)
        if ev is not None and a.get("subject") not in city.units and ev.ts <= t1:
            out.append(ev)
    return place(out, ZoneIndex([z for z in city.zones if z.kind == "patrol"]))


def _gaps(client: redis.Redis, keys: Keys, city: CityPack, tracks: Mapping[str, TrackLike], t0: float, t1: float,
          zones: list[str] | None = None) -> list[GapWindow]:
    found = find_gaps(events_between(client, keys, city, t0, t1), visits(tracks, t0, t1), t0, t1)
    return gap_windows(found, city.timezone, zones)


def coverage_for(client: redis.Redis, keys: Keys, data_dir: Path, city: CityPack, zone_id: str, t0: float,
                 t1: float) -> Coverage:
    """The coverage of one zone of ``city`` over ``[t0, t1]`` from the store."""
    zone = city.zones_by_id[zone_id]
    tracks = trackfiles.read_tracks(client, keys, data_dir, t0, t1, subjects=sorted(city.units))
    assigned = sorted(u.id for u in city.units.values() if u.zone == zone_id)
    return zone_coverage(zone_id, zone.geometry, tracks, t0, t1, assigned)


def zone_gaps_for(client: redis.Redis, keys: Keys, data_dir: Path, city: CityPack, zone_id: str, t0: float,
                  t1: float) -> list[GapWindow]:
    """The gaps of one zone over ``[t0, t1]``, per local hour."""
    tracks = trackfiles.read_tracks(client, keys, data_dir, t0, t1, subjects=sorted(city.units))
    return _gaps(client, keys, city, tracks, t0, t1, [zone_id])


def city_coverage_for(client: redis.Redis, keys: Keys, data_dir: Path, city: CityPack, t0: float,
                      t1: float) -> tuple[list[Coverage], list[GapWindow]]:
    """The coverage of every patrol zone of ``city`` over ``[t0, t1]`` and the gaps of the whole city
    per zone and local hour (the Coverage tab)."""
    tracks = trackfiles.read_tracks(client, keys, data_dir, t0, t1, subjects=sorted(city.units))
    zones = [(z.id, z.geometry) for z in city.zones if z.kind == "patrol"]
    assigned: dict[str, list[str]] = {}
    for u in sorted(city.units.values(), key=lambda u: u.id):
        assigned.setdefault(u.zone, []).append(u.id)
    covs = city_coverage(zones, tracks, t0, t1, assigned)
    return covs, _gaps(client, keys, city, tracks, t0, t1)


def coverage_json(cov: Coverage, gaps: list[GapWindow] | None = None) -> dict[str, Any]:
    """The answer of contract 7.4; with ``gaps`` (asked for by ``gaps=1``) also ``gaps``, the zone's
    gaps per local hour: ``from``, ``to``, ``incidents``, ``alerts``, ``ids``.

    >>> from city.coverage import UnitFigures
    >>> coverage_json(Coverage("W", 0.0, 60.0, ("a", "b"), {"a": 1.0}, {"a": 5.0},
    ...                        (UnitFigures("P01", 12.34, 50, 10, 0),)))["covered_fraction"]
    0.5
    """
    out: dict[str, Any] = {"zone": cov.zone, "from": cov.t0, "to": cov.t1,
                           "covered_fraction": round(cov.covered_fraction, 6), "cells_total": cov.cells_total,
                           "cells_covered": cov.cells_covered, "units": [u.to_json() for u in cov.units]}
    if gaps is not None:
        out["gaps"] = [w.to_json() for w in gaps]
    return out
