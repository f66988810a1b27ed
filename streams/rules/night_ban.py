"""night_ban: a vehicle of a banned category moving during the night window; once per night."""

from __future__ import annotations

from typing import Any

from streams.citypack import CityPack
from streams.model import Alert, AlertType, Kind, Ping, Severity, make_alert_id
from streams.timeutil import in_window, night_of

TYPE = AlertType.NIGHT_BAN


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return category in city.night_ban.categories


def detect(ping: Ping, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Fires when speed > ``min_speed`` and local time in [start, end); the night is keyed by the
    date its window starts on, so a 22:00-06:00 ban alerts once across midnight."""
    ban = city.night_ban
    if ping.category not in ban.categories:
        return state, []
    if ping.speed_kmh <= ban.min_speed or not in_window(ping.local_minute, ban.start_min, ban.end_min):
        return state, []
    night = night_of(ping.ts, city.timezone, ban.start_min)
    if state.get("night") == night:
        return state, []
    alert = Alert(
        make_alert_id(TYPE, ping.subject, ping.ts, night), TYPE, Severity.ORANGE, ping.subject,
        ping.lat, ping.lon, ping.ts, zone=min(ping.zones) if ping.zones else "",
        text=f"{ping.category} {ping.subject} moving at {ping.speed_kmh:.0f} km/h during the night ban",
    )
    return {"night": night}, [alert]
