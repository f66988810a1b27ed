"""unit_offline: a unit silent for offline_after_s of event time; once per silence."""

from __future__ import annotations

from collections.abc import Mapping

from streams.citypack import CityPack
from streams.model import Alert, AlertType, Severity, make_alert_id

TYPE = AlertType.UNIT_OFFLINE


def detect_silent(last_seen: Mapping[str, tuple[float, float, float]], clock: float, city: CityPack) -> list[Alert]:
    """Alerts for units whose last fix ``(ts, lat, lon)`` is ``offline_after_s`` or more before ``clock``.

    The worker passes only units not yet alerted for their current silence; the alert's ``ts`` is
    the moment the unit became offline (last fix + offline_after_s), so its id is deterministic.
    """
    after = city.offline_after_s
    alerts = []
    for unit_id, (ts, lat, lon) in sorted(last_seen.items()):
        if clock - ts < after:
            continue
        unit = city.units.get(unit_id)
        zone = unit.zone if unit else ""
        callsign = unit.callsign if unit else unit_id
        alerts.append(Alert(
            make_alert_id(TYPE, unit_id, ts), TYPE, Severity.BLUE, unit_id, lat, lon, ts + after, zone=zone,
            text=f"{unit_id} {callsign} silent for {after:.0f} s of event time",
        ))
    return alerts
