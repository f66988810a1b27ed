"""fatigue: driving more than max_drive_min without a rest of min_rest_min; once per drive."""

from __future__ import annotations

from typing import Any

from streams.citypack import CityPack
from streams.model import Alert, AlertType, Kind, Ping, Severity, make_alert_id

TYPE = AlertType.FATIGUE


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return category in city.fatigue.categories


def detect(ping: Ping, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """State: ``drive`` (start of the drive), ``slow`` (start of the current slow run), ``alerted``.

    A slow run that reaches ``min_rest_min`` ends the drive; the next moving fix starts a new one.
    Short stops do not reset the drive. A drive of exactly ``max_drive_min`` is not fatigue.
    """
    rule = city.fatigue
    if ping.category not in rule.categories:
        return state, []
    st = dict(state)
    if ping.speed_kmh < rule.rest_speed:
        slow = st.setdefault("slow", ping.ts)
        if ping.ts - slow >= rule.min_rest_min * 60:
            return {"slow": slow}, []  # rested: the drive is over
        return st, []
    st.pop("slow", None)
    drive = st.setdefault("drive", ping.ts)
    if st.get("alerted") or ping.ts - drive <= rule.max_drive_min * 60:
        return st, []
    st["alerted"] = True
    hours = (ping.ts - drive) / 3600
    alert = Alert(
        make_alert_id(TYPE, ping.subject, ping.ts, str(drive)), TYPE, Severity.ORANGE, ping.subject,
        ping.lat, ping.lon, ping.ts, zone=min(ping.zones) if ping.zones else "",
        text=f"{ping.category} {ping.subject} driving {hours:.1f} h without a {rule.min_rest_min:g}-min rest",
    )
    return st, [alert]
