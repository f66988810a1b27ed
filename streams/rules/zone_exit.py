"""zone_exit: a patrol unit leaves its assigned patrol zone (once per exit)."""

from __future__ import annotations

from typing import Any

from streams.citypack import CityPack
from streams.model import Alert, AlertType, Kind, Ping, Severity, make_alert_id

TYPE = AlertType.ZONE_EXIT


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return kind is Kind.UNIT


def detect(ping: Ping, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Alert on the transition inside -> outside; a first fix outside only sets the state.

    >>> # state {"inside": True} + a fix outside -> one alert, state {"inside": False}
    """
    if ping.kind is not Kind.UNIT:
        return state, []
    unit = city.units[ping.subject]
    inside = unit.zone in ping.zones
    alerts: list[Alert] = []
    if state.get("inside") and not inside:
        zone = city.zones_by_id[unit.zone]
        alerts.append(Alert(
            make_alert_id(TYPE, ping.subject, ping.ts, unit.zone), TYPE, Severity.YELLOW, ping.subject,
            ping.lat, ping.lon, ping.ts, zone=unit.zone,
            text=f"{ping.subject} {unit.callsign} left patrol zone {unit.zone} {zone.name}",
        ))
    return {"inside": inside}, alerts
