"""night_ban: a vehicle of a banned category moves during the night window; once per night.

Fires when ``ping.speed_kmh > min_speed`` and the local minute is in ``[start, end)``; a window
such as 22:00-06:00 wraps midnight. The night is keyed by the local date its window starts on
(``timeutil.night_of``), so one night across midnight alerts once. State ``{"night": date}``.
"""

from __future__ import annotations

from typing import Any

from city.citypack import CityPack
from core.model import Alert, AlertType, Kind, Ping, Severity, make_alert_id
from core.timeutil import in_window, night_of

__all__ = ["TYPE", "applies", "detect"]

TYPE = AlertType.NIGHT_BAN


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return kind is Kind.VEHICLE and category in city.night_ban.categories


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def detect(ping: Ping, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Alert at the first fix of a night that moves above ``min_speed`` inside the window.

    >>> from dataclasses import replace
    >>> from datetime import datetime
    >>> from city.citypack import load_city_pack
    >>> from core.model import Kind, Ping
    >>> from core.settings import ROOT
    >>> city = load_city_pack(ROOT / "tests" / "fixtures" / "mini_city")
    >>> t = datetime.fromisoformat("2024-03-01T02:00:00+08:00").timestamp()
    >>> p = Ping("粤BC1001", 22.505, 114.025, t, kind=Kind.VEHICLE, category="coach",
    ...          speed_kmh=30.0, local_minute=2 * 60)  # a coach at 30 km/h; ban 02:00-05:00 above 10
    >>> state, alerts = detect(p, {}, city)
    >>> state, [a.type.value for a in alerts]
    ({'night': '2024-03-01'}, ['night_ban'])
    >>> detect(replace(p, ts=t + 3600, local_minute=3 * 60), state, city)  # 03:00, same night
    ({'night': '2024-03-01'}, [])
    >>> detect(replace(p, ts=t + 3 * 3600, local_minute=5 * 60), {}, city)  # 05:00: window over
    ({}, [])
    >>> state, alerts = detect(replace(p, ts=t + 24 * 3600), state, city)  # 02:00 the next night
    >>> state, [a.type.value for a in alerts]
    ({'night': '2024-03-02'}, ['night_ban'])
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
