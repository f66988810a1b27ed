"""night_ban: a vehicle of a banned category moves during the night window; once per night.

Fires when ``ping.speed_kmh > min_speed`` and the local minute is in ``[start, end)``; a window
such as 22:00-06:00 wraps midnight. The night is keyed by the local date its window starts on
(``timeutil.night_of``), so one night across midnight alerts once. State ``{"night": date}``.
"""

from __future__ import annotations

from typing import Any

from streams.citypack import CityPack
from streams.model import Alert, AlertType, Kind, Ping, Severity, make_alert_id
from streams.timeutil import in_window, night_of

__all__ = ["TYPE", "applies", "detect"]

TYPE = AlertType.NIGHT_BAN


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return kind is Kind.VEHICLE and category in city.night_ban.categories


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def detect(ping: Ping, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Alert at the first fix of a night that moves above ``min_speed`` inside the window.

    >>> # 02:00-05:00, min 10 km/h: 02:00 at 30 km/h alerts, 03:00 the same night does not,
    >>> # 05:00 is outside the window, 02:00 the next night alerts again.
    """
    ban = city.night_ban
    if ping.kind is not Kind.VEHICLE or ping.category not in ban.categories:
        return state, []
    if ping.speed_kmh <= ban.min_speed or not in_window(ping.local_minute, ban.start_min, ban.end_min):
        return state, []
    night = night_of(ping.ts, city.timezone, ban.start_min)
    if state.get("night") == night:
        return state, []
    window = f"{_hhmm(ban.start_min)}-{_hhmm(ban.end_min)}"
    alert = Alert(
        make_alert_id(TYPE, ping.subject, ping.ts, night), TYPE, Severity.ORANGE, ping.subject,
        ping.lat, ping.lon, ping.ts, zone=min(ping.zones, default=""),
        text=f"{ping.category} {ping.subject} moving at {ping.speed_kmh:.0f} km/h during the {window} night ban",
    )
    return {"night": night}, [alert]
