"""overspeed: two consecutive fixes above the limit in force; once per episode."""

from __future__ import annotations

from typing import Any

from streams.citypack import CityPack
from streams.model import Alert, AlertType, Kind, Ping, Severity, make_alert_id

TYPE = AlertType.OVERSPEED
SEVERE_FACTOR = 1.5  # at or above 1.5 x the limit the alert is orange


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return kind is not Kind.UNIT


def detect(ping: Ping, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """State: ``over`` (fixes above the limit in a row, capped at 2) and ``alerted``.

    A fix at exactly the limit is not over it and ends the episode.
    """
    if ping.kind is Kind.UNIT:
        return state, []
    speed, limit = ping.speed_kmh, ping.speed_limit
    if speed <= limit:
        return {}, []
    over = min(2, int(state.get("over", 0)) + 1)
    if over < 2 or state.get("alerted"):
        return {"over": over, "alerted": bool(state.get("alerted"))}, []
    severity = Severity.ORANGE if speed >= SEVERE_FACTOR * limit else Severity.YELLOW
    zone = min(ping.zones) if ping.zones else ""
    alert = Alert(
        make_alert_id(TYPE, ping.subject, ping.ts), TYPE, severity, ping.subject, ping.lat, ping.lon,
        ping.ts, zone=zone, text=f"{ping.subject} at {speed:.0f} km/h where the limit is {limit:.0f} km/h",
    )
    return {"over": over, "alerted": True}, [alert]
