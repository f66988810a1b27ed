"""fatigue: driving more than max_drive_min of event time without a rest; once per drive.

- A drive starts at the first fix with ``speed_kmh >= rest_speed`` (state ``drive``).
- A rest is a run of consecutive fixes below ``rest_speed`` spanning at least ``min_rest_min``
  minutes, measured from the run's first slow fix (state ``slow``) to the current slow fix.
  A completed rest ends the drive; the next moving fix starts a new one. Shorter stops do not.
- A moving fix more than ``max_drive_min`` minutes (strictly) after the drive start alerts,
  once per drive (state ``alerted``). Slow fixes never alert: the stop may become the rest.
"""

from __future__ import annotations

from typing import Any

from city.citypack import CityPack
from core.model import Alert, AlertType, Kind, Ping, Severity, fmt_ts, make_alert_id

__all__ = ["TYPE", "applies", "detect"]

TYPE = AlertType.FATIGUE


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return kind is Kind.VEHICLE and category in city.fatigue.categories


def detect(ping: Ping, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Advance the drive/rest state machine by one fix.

    >>> from dataclasses import replace
    >>> from datetime import datetime
    >>> from city.citypack import load_city_pack
    >>> from core.model import Kind, Ping
    >>> from core.settings import ROOT
    >>> city = load_city_pack(ROOT / "tests" / "fixtures" / "mini_city")
    >>> t = datetime.fromisoformat("2024-03-01T08:00:00+08:00").timestamp()
    >>> p = Ping("粤BT3001", 22.505, 114.025, t, kind=Kind.VEHICLE, category="truck", speed_kmh=50.0)
    >>> state, alerts = detect(p, {}, city)  # moving: the drive starts (max 240 min)
    >>> state == {"drive": t}, alerts
    (True, [])
    >>> state, alerts = detect(replace(p, ts=t + 240 * 60), state, city)  # exactly 240 min: not yet
    >>> alerts
    []
    >>> state, alerts = detect(replace(p, ts=t + 240 * 60 + 1), state, city)  # one second more
    >>> [a.type.value for a in alerts]
    ['fatigue']
    >>> state, _ = detect(replace(p, ts=t + 250 * 60, speed_kmh=0.0), state, city)  # stops...
    >>> state, _ = detect(replace(p, ts=t + 270 * 60, speed_kmh=0.0), state, city)  # ...for 20 min
    >>> "drive" in state  # rested: the drive is over
    False
    >>> state, _ = detect(replace(p, ts=t + 271 * 60), state, city)  # moving again: a new drive
    >>> state == {"drive": t + 271 * 60}
    True
    """
    rule = city.fatigue
    if ping.kind is not Kind.VEHICLE or ping.category not in rule.categories:
        return state, []
    st = {k: v for k, v in state.items() if k in ("drive", "slow", "alerted")}
    if ping.speed_kmh < rule.rest_speed:
        slow = float(st.setdefault("slow", ping.ts))
        if ping.ts - slow >= rule.min_rest_min * 60:
            return {"slow": slow}, []  # rested: the drive is over
        return st, []
    st.pop("slow", None)
    drive = float(st.setdefault("drive", ping.ts))
    if st.get("alerted") or ping.ts - drive <= rule.max_drive_min * 60:
        return st, []
    st["alerted"] = True
    hours = (ping.ts - drive) / 3600
    alert = Alert(
        make_alert_id(TYPE, ping.subject, ping.ts, fmt_ts(drive)), TYPE, Severity.ORANGE, ping.subject,
        ping.lat, ping.lon, ping.ts, zone=min(ping.zones, default=""),
        text=f"{ping.category} {ping.subject} driving {hours:.1f} h without a {rule.min_rest_min:g}-min rest",
    )
    return st, [alert]
