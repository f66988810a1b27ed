"""overspeed: two consecutive fixes strictly above the limit in force; once per episode.

The limit is ``ping.speed_limit`` (the lowest limit of the zones the fix is in, else the city
default) and the speed ``ping.speed_kmh`` (sent, else derived). State ``{"over": 1|2,
"alerted": bool}`` while fixes stay above the limit; a fix at or under the limit ends the
episode and clears the state. Patrol units are exempt.
"""

from __future__ import annotations

from typing import Any

from city.citypack import CityPack
from core.model import Alert, AlertType, Kind, Ping, Severity, make_alert_id

__all__ = ["TYPE", "SEVERE_FACTOR", "applies", "detect"]

TYPE = AlertType.OVERSPEED
SEVERE_FACTOR = 1.5  # at or above 1.5 x the limit the alert is orange, else yellow


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return kind is not Kind.UNIT


def detect(ping: Ping, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Count fixes above the limit; the second one in a row alerts, once per episode.

    >>> from dataclasses import replace
    >>> from datetime import datetime
    >>> from city.citypack import load_city_pack
    >>> from core.model import Kind, Ping
    >>> from core.settings import ROOT
    >>> city = load_city_pack(ROOT / "tests" / "fixtures" / "mini_city")
    >>> t = datetime.fromisoformat("2024-03-01T10:00:00+08:00").timestamp()
    >>> p = Ping("粤BP5001", 22.505, 114.025, t, kind=Kind.VEHICLE, category="private",
    ...          speed_limit=60.0, speed_kmh=70.0)
    >>> state, alerts = detect(p, {}, city)  # 70 where the limit is 60: counted, no alert yet
    >>> state, alerts
    ({'over': 1, 'alerted': False}, [])
    >>> state, alerts = detect(replace(p, ts=t + 5, speed_kmh=75.0), state, city)  # second in a row
    >>> state, [(a.type.value, a.severity.value) for a in alerts]
    ({'over': 2, 'alerted': True}, [('overspeed', 'yellow')])
    >>> detect(replace(p, ts=t + 10, speed_kmh=80.0), state, city)  # same episode: nothing
    ({'over': 2, 'alerted': True}, [])
    >>> detect(replace(p, ts=t + 15, speed_kmh=60.0), state, city)  # at the limit: episode over
    ({}, [])
    """
    if ping.kind is Kind.UNIT:
        return state, []
    speed, limit = ping.speed_kmh, ping.speed_limit
    if speed <= limit:
        return {}, []
    over = min(2, int(state.get("over", 0)) + 1)
    alerted = bool(state.get("alerted"))
    if over < 2 or alerted:
        return {"over": over, "alerted": alerted}, []
    severity = Severity.ORANGE if speed >= SEVERE_FACTOR * limit else Severity.YELLOW
    subject, ts = ping.subject, ping.ts
    alert = Alert(make_alert_id(TYPE, subject, ts), TYPE, severity, subject, ping.lat, ping.lon, ts,
                  _limit_zone(ping, city), "", f"{subject} at {_kmh(speed)} km/h where the limit is {_kmh(limit)} km/h")
    return {"over": 2, "alerted": True}, [alert]


_KMH: dict[float, str] = {}
_KMH_MAX = 20_000  # remembered speeds (one decimal up to 1000 km/h fits, whatever else is sent)


def _kmh(value: float) -> str:
    """A speed as an alert's text shows it (one decimal at most), remembered: ``round`` with digits is
    slow, and an alert's speeds repeat.

    >>> _kmh(95.0), _kmh(60.04), _kmh(60.15), _kmh(1234.56), _kmh(-0.0), _kmh(0.0)
    ('95', '60', '60.1', '1234.6', '-0', '0')
    """
    found = _KMH.get(value)
    if found is None:
        found = f"{round(value, 1):g}"
        if value > 0 and len(_KMH) < _KMH_MAX:  # not 0 (-0.0 is 0.0 as a key but shown "-0"), nor NaN
            _KMH[value] = found
    return found


def _limit_zone(ping: Ping, city: CityPack) -> str:
    """The zone whose limit is in force, else any zone the fix is in (by id), else ``""``."""
    if len(ping.zones) < 2:  # one zone is the answer whether or not its limit is in force
        return next(iter(ping.zones), "")
    zones, limit = city.zones_by_id, ping.speed_limit
    setting = [z for z in ping.zones if (zone := zones.get(z)) is not None and zone.speed_limit == limit]
    return min(setting) if setting else min(ping.zones, default="")
