"""restricted_entry: a vehicle whose category a restricted zone forbids enters it during its hours.

State ``{"alerted": [zone ids]}``: the restricted zones the vehicle is inside and was alerted
for. A zone alerts once per entry; a fix outside it (not in ``ping.zones``) re-arms it. A vehicle
already inside when the zone's hours begin alerts at its first fix within the hours.
"""

from __future__ import annotations

from typing import Any

from city.citypack import CityPack, Zone
from core.model import Alert, AlertType, Kind, Ping, Severity, make_alert_id
from core.timeutil import in_window

__all__ = ["TYPE", "applies", "detect", "in_force"]

TYPE = AlertType.RESTRICTED_ENTRY


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return kind is Kind.VEHICLE and category is not None


def in_force(zone: Zone, category: str, minute: int) -> bool:
    """Does ``zone`` forbid ``category`` at local ``minute``? Hours such as 22:00-06:00 wrap midnight.

    >>> from shapely.geometry import box
    >>> z = Zone("R", "r", "restricted", box(0, 0, 1, 1), forbid=frozenset({"hazmat"}), hours=(1320, 360))
    >>> [in_force(z, "hazmat", m) for m in (1439, 0, 359, 360, 720)], in_force(z, "taxi", 0)
    ([True, True, True, False, False], False)
    """
    if zone.kind != "restricted" or category not in zone.forbid:
        return False
    return zone.hours is None or in_window(minute, *zone.hours)


def detect(ping: Ping, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Alert for each forbidding zone the vehicle is in, in force, and not yet alerted for."""
    category = ping.category
    if ping.kind is not Kind.VEHICLE or category is None:
        return state, []
    alerted = set(state.get("alerted", ())) & ping.zones  # zones left since are re-armed
    alerts: list[Alert] = []
    zones = city.zones_by_id
    for zid in sorted(ping.zones - alerted):
        zone = zones.get(zid)
        if zone is None or not in_force(zone, category, ping.local_minute):
            continue
        alerted.add(zid)
        severity = Severity.RED if category == "hazmat" else Severity.ORANGE
        alerts.append(Alert(
            make_alert_id(TYPE, ping.subject, ping.ts, zid), TYPE, severity, ping.subject,
            ping.lat, ping.lon, ping.ts, zone=zid,
            text=f"{category} {ping.subject} entered restricted zone {zid} ({zone.name})",
        ))
    return ({"alerted": sorted(alerted)} if alerted else {}), alerts
