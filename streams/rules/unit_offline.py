"""unit_offline: a unit silent for offline_after_s of event time; once per silence.

Not a per-message rule: the worker calls ``detect_silent`` with the newest event time it has
seen (``clock``) and the last fix of each unit not yet alerted for its current silence; it drops
a unit once alerted and adds it back at its next fix. The alert sits at the last known position,
its ``ts`` is the moment the unit became offline (last fix + offline_after_s) and its id comes
from the last fix's ts, so it is deterministic whatever the clock was when it was noticed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from city.citypack import CityPack
from core.model import Alert, AlertType, Severity, make_alert_id

__all__ = ["TYPE", "detect_silent"]

TYPE = AlertType.UNIT_OFFLINE


def detect_silent(
    last_seen: Mapping[str, tuple[float, float, float]], clock: float, city: CityPack
) -> list[Alert]:
    """Alerts, by unit id, for units whose last fix ``(ts, lat, lon)`` is ``offline_after_s`` or
    more before ``clock`` (exactly ``offline_after_s`` counts as offline).

    >>> from datetime import datetime
    >>> from city.citypack import load_city_pack
    >>> from core.settings import ROOT
    >>> city = load_city_pack(ROOT / "tests" / "fixtures" / "mini_city")  # offline_after_s 120
    >>> t = datetime.fromisoformat("2024-03-01T10:00:00+08:00").timestamp()
    >>> last_seen = {"P01": (t, 22.505, 114.005)}  # P01's last fix at 10:00:00
    >>> detect_silent(last_seen, t + 119, city)
    []
    >>> [(a.type.value, a.subject, a.ts - t) for a in detect_silent(last_seen, t + 120, city)]
    [('unit_offline', 'P01', 120.0)]
    >>> detect_silent(last_seen, t + 120, city)[0].text
    'P01 West-1 西01 silent since 10:00:00 (no fix for 120 s of event time)'
    """
    after = city.offline_after_s
    alerts = []
    for unit_id, (ts, lat, lon) in sorted(last_seen.items()):
        if clock - ts < after:
            continue
        unit = city.units.get(unit_id)
        zone = unit.zone if unit is not None else ""
        who = f"{unit_id} {unit.callsign}" if unit is not None else unit_id
        since = datetime.fromtimestamp(ts, city.timezone).strftime("%H:%M:%S")
        alerts.append(Alert(
            make_alert_id(TYPE, unit_id, ts), TYPE, Severity.BLUE, unit_id, lat, lon, ts + after, zone=zone,
            text=f"{who} silent since {since} (no fix for {after:g} s of event time)",
        ))
    return alerts
