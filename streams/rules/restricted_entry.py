"""restricted_entry: a vehicle of a forbidden category enters a restricted zone in its hours."""

from __future__ import annotations

from typing import Any

from streams.citypack import CityPack
from streams.model import Alert, AlertType, Kind, Ping, Severity, make_alert_id
from streams.timeutil import in_window

TYPE = AlertType.RESTRICTED_ENTRY


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return category is not None


def detect(ping: Ping, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Once per entry: the state lists the zones the vehicle is inside and was alerted for.

    A zone whose hours wrap midnight ("22:00-06:00") is in force at 23:59 and 05:59, not at 06:00.
    """
    if ping.category is None:
        return state, []
    alerted = set(state.get("alerted", ()))
    alerted &= ping.zones  # leaving a zone re-arms it
    alerts: list[Alert] = []
    zones = city.zones_by_id
    for zid in sorted(ping.zones - alerted):
        zone = zones[zid]
        if zone.kind != "restricted" or ping.category not in zone.forbid:
            continue
        if zone.hours is not None and not in_window(ping.local_minute, *zone.hours):
            continue
        alerted.add(zid)
        severity = Severity.RED if ping.category == "hazmat" else Severity.ORANGE
        alerts.append(Alert(
            make_alert_id(TYPE, ping.subject, ping.ts, zid), TYPE, severity, ping.subject,
            ping.lat, ping.lon, ping.ts, zone=zid,
            text=f"{ping.category} {ping.subject} entered restricted zone {zid} {zone.name}",
        ))
    return ({"alerted": sorted(alerted)} if alerted else {}), alerts
