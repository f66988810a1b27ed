"""zone_exit: a patrol unit leaves its assigned patrol zone; once per exit.

State ``{"inside": bool}``: whether the unit's last fix was inside its zone (a fix on the
boundary is inside: ``ping.zones`` counts boundaries). The transition inside -> outside alerts;
further fixes outside do not; a fix back inside re-arms. A unit whose first fix is outside only
remembers it: nothing was left.
"""

from __future__ import annotations

from typing import Any

from city.citypack import CityPack
from core.model import Alert, AlertType, Kind, Ping, Severity, make_alert_id

__all__ = ["TYPE", "applies", "detect"]

TYPE = AlertType.ZONE_EXIT


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return kind is Kind.UNIT


def detect(ping: Ping, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Alert when the unit goes from inside to outside its assigned zone.

    >>> from datetime import datetime
    >>> from city.citypack import load_city_pack
    >>> from core.model import Kind, Ping
    >>> from core.settings import ROOT
    >>> city = load_city_pack(ROOT / "tests" / "fixtures" / "mini_city")
    >>> t = datetime.fromisoformat("2024-03-01T10:00:00+08:00").timestamp()
    >>> outside = Ping("P01", 22.505, 114.025, t, kind=Kind.UNIT, zones=frozenset())  # P01 patrols W
    >>> state, alerts = detect(outside, {"inside": True}, city)
    >>> state, [(a.type.value, a.zone) for a in alerts]
    ({'inside': False}, [('zone_exit', 'W')])
    >>> detect(outside, {}, city)  # first fix already outside: nothing was left
    ({'inside': False}, [])
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
