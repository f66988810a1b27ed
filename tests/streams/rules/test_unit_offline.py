"""unit_offline: silent for offline_after_s (120) of event time, judged against the event clock."""

from __future__ import annotations

from core.model import AlertType, Severity
from streams.rules import unit_offline

from .kit import CITY, local

T = local("10:00")


def test_fires_at_exactly_offline_after_s() -> None:
    seen = {"P03": (T, 22.502, 114.012)}
    assert unit_offline.detect_silent(seen, T + 119.9, CITY) == []
    (alert,) = unit_offline.detect_silent(seen, T + 120, CITY)
    assert (alert.type, alert.severity, alert.subject, alert.zone) == (
        AlertType.UNIT_OFFLINE, Severity.BLUE, "P03", "E")
    assert (alert.lat, alert.lon, alert.ts) == (22.502, 114.012, T + 120)
    assert "P03 东01" in alert.text and "10:00:00" in alert.text


def test_id_depends_on_the_last_fix_not_the_clock() -> None:
    seen = {"P01": (T, 22.5, 114.0)}
    (a,) = unit_offline.detect_silent(seen, T + 120, CITY)
    (b,) = unit_offline.detect_silent(seen, T + 5000, CITY)
    (c,) = unit_offline.detect_silent({"P01": (T + 1, 22.5, 114.0)}, T + 5000, CITY)
    assert a == b
    assert c.alert_id != a.alert_id


def test_several_units_in_id_order_only_the_silent() -> None:
    seen = {"P03": (T, 22.5, 114.015), "P01": (T - 10, 22.5, 114.005), "P02": (T + 100, 22.5, 114.006)}
    alerts = unit_offline.detect_silent(seen, T + 130, CITY)
    assert [a.subject for a in alerts] == ["P01", "P03"]
    assert [a.zone for a in alerts] == ["W", "E"]


def test_a_unit_unknown_to_the_pack_still_reports() -> None:
    (alert,) = unit_offline.detect_silent({"P99": (T, 22.5, 114.0)}, T + 300, CITY)
    assert alert.zone == "" and alert.subject == "P99"
