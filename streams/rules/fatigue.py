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

from streams.citypack import CityPack
from streams.model import Alert, AlertType, Kind, Ping, Severity, fmt_ts, make_alert_id

__all__ = ["TYPE", "applies", "detect"]

TYPE = AlertType.FATIGUE


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return kind is Kind.VEHICLE and category in city.fatigue.categories


def detect(ping: Ping, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Advance the drive/rest state machine by one fix.

    >>> # max 240 min: moving at t=0 starts the drive; moving at t=240 min: nothing;
    >>> # moving at t=240 min + 1 s: alert; a 20-min run of slow fixes: a new drive next time.
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
