"""zone_exit: inside -> outside of the assigned patrol zone, once per exit."""

from __future__ import annotations

from core.model import AlertType, Kind, Severity
from streams.rules import zone_exit

from .kit import CITY, E_IN, OUT, TAXI, W_IN, WE_EDGE, feed, gps, local, step, types

T = local("10:00")


def test_exit_alerts_once_and_reentry_rearms() -> None:
    pings = [gps("P01", T + 30 * k, where) for k, where in enumerate([W_IN, OUT, OUT, E_IN, W_IN, OUT])]
    state, per = feed(zone_exit.detect, pings)
    assert types(per) == [0, 1, 0, 0, 0, 1]
    first, second = per[1][0], per[5][0]
    assert first.alert_id != second.alert_id
    assert state == {"inside": False}


def test_first_fix_outside_only_remembers() -> None:
    state, per = feed(zone_exit.detect, [gps("P01", T, OUT), gps("P01", T + 30, OUT)])
    assert types(per) == [0, 0]
    assert state == {"inside": False}
    _, per = feed(zone_exit.detect, [gps("P01", T + 60, W_IN), gps("P01", T + 90, OUT)], state)
    assert types(per) == [0, 1]


def test_a_fix_on_the_boundary_is_inside() -> None:
    edge = gps("P01", T + 30, WE_EDGE)
    assert {"W", "E"} <= edge.zones
    _, per = feed(zone_exit.detect, [gps("P01", T, W_IN), edge, gps("P01", T + 60, E_IN)])
    assert types(per) == [0, 0, 1], "the edge is still W; E's interior is outside"
    assert per[2][0].ts == T + 60


def test_alert_fields() -> None:
    _, per = feed(zone_exit.detect, [gps("P01", T, W_IN), gps("P01", T + 30, OUT)])
    (alert,) = per[1]
    assert (alert.type, alert.severity, alert.subject, alert.zone) == (AlertType.ZONE_EXIT, Severity.YELLOW,
                                                                      "P01", "W")
    assert (alert.lat, alert.lon, alert.ts) == (OUT[0], OUT[1], T + 30)
    assert alert.text == "P01 西01 left patrol zone W (West 西区)"
    assert alert.checkpoint == ""


def test_the_zone_is_the_units_own() -> None:
    # P03 is assigned E: W is outside its zone
    _, per = feed(zone_exit.detect, [gps("P03", T, E_IN), gps("P03", T + 30, W_IN)])
    assert types(per) == [0, 1]
    assert per[1][0].zone == "E"


def test_ids_are_deterministic_and_follow_the_ping_time() -> None:
    inside = {"inside": True}
    _, a1 = step(zone_exit.detect, gps("P01", T, OUT), inside)
    _, a2 = step(zone_exit.detect, gps("P01", T, OUT), inside)
    _, a3 = step(zone_exit.detect, gps("P01", T + 1, OUT), inside)
    assert a1[0].alert_id == a2[0].alert_id != a3[0].alert_id


def test_only_units() -> None:
    assert zone_exit.applies(Kind.UNIT, None, CITY)
    assert not zone_exit.applies(Kind.VEHICLE, "taxi", CITY)
    state = {"inside": True}
    assert zone_exit.detect(gps(TAXI, T, OUT), state, CITY) == (state, [])
