"""zone_exit: a patrol unit leaves its assigned patrol zone; once per exit.

State ``{"inside": bool}``: whether the unit's last fix was inside its zone (a fix on the
boundary is inside: ``ping.zones`` counts boundaries). The transition inside -> outside alerts;
further fixes outside do not; a fix back inside re-arms. A unit whose first fix is outside only
remembers it: nothing was left.
"""

from __future__ import annotations

from typing import Any

from streams.citypack import CityPack
from streams.model import Alert, AlertType, Kind, Ping, Severity, make_alert_id

__all__ = ["TYPE", "applies", "detect"]

TYPE = AlertType.ZONE_EXIT


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return kind is Kind.UNIT


def detect(ping: Ping, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Alert when the unit goes from inside to outside its assigned zone.

    >>> # {"inside": True} + a fix outside -> one alert and {"inside": False}
    >>> # {} + a fix outside -> no alert and {"inside": False}
    """
    unit = city.units.get(ping.subject) if ping.kind is Kind.UNIT else None
    if unit is None:
        return state, []
    inside = unit.zone in ping.zones
    if inside or not state.get("inside"):
        return {"inside": inside}, []
    zone = city.zones_by_id.get(unit.zone)
    name = f" ({zone.name})" if zone is not None else ""
    alert = Alert(
        make_alert_id(TYPE, ping.subject, ping.ts, unit.zone), TYPE, Severity.YELLOW, ping.subject,
        ping.lat, ping.lon, ping.ts, zone=unit.zone,
        text=f"{ping.subject} {unit.callsign} left patrol zone {unit.zone}{name}",
    )
    return {"inside": False}, [alert]
