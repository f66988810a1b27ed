"""restricted_entry: a forbidden category inside a restricted zone in its hours, once per entry."""

from __future__ import annotations

import pytest

from core.model import AlertType, Kind, Severity
from streams.rules import restricted_entry

from .kit import (
    CITY,
    COACH,
    HAZMAT,
    OUT,
    PRIVATE,
    RH_EDGE,
    RH_IN,
    RT_IN,
    RT_RX,
    TAXI,
    TRUCK,
    W_IN,
    feed,
    gps,
    local,
    step,
    types,
)

NIGHT = local("23:00")


def test_once_per_entry_and_leaving_rearms() -> None:
    where = [W_IN, RH_IN, RH_IN, W_IN, RH_IN]
    state, per = feed(restricted_entry.detect, [gps(HAZMAT, NIGHT + 30 * k, w, 30) for k, w in enumerate(where)])
    assert types(per) == [0, 1, 0, 0, 1]
    assert per[1][0].alert_id != per[4][0].alert_id
    assert state == {"alerted": ["RH"]}
    state, _ = step(restricted_entry.detect, gps(HAZMAT, NIGHT + 200, OUT, 30), state)
    assert state == {}


def test_alert_fields_hazmat_is_red() -> None:
    (alert,) = step(restricted_entry.detect, gps(HAZMAT, NIGHT, RH_IN, 20), {})[1]
    assert (alert.type, alert.severity, alert.zone, alert.subject) == (
        AlertType.RESTRICTED_ENTRY, Severity.RED, "RH", HAZMAT)
    assert (alert.lat, alert.lon, alert.ts) == (RH_IN[0], RH_IN[1], NIGHT)
    assert "RH" in alert.text and "Reservoir" in alert.text and "hazmat" in alert.text


@pytest.mark.parametrize(("hhmm", "day", "fires"), [
    ("21:59", "2024-03-01", False), ("22:00", "2024-03-01", True), ("23:59", "2024-03-01", True),
    ("00:00", "2024-03-02", True), ("05:59", "2024-03-02", True), ("06:00", "2024-03-02", False),
    ("12:00", "2024-03-02", False),
])
def test_hours_that_wrap_midnight(hhmm: str, day: str, fires: bool) -> None:
    _, alerts = step(restricted_entry.detect, gps(HAZMAT, local(hhmm, day), RH_IN, 20), {})
    assert [a.zone for a in alerts] == (["RH"] if fires else [])


def test_inside_when_the_hours_begin_alerts_then() -> None:
    pings = [gps(HAZMAT, local("21:58"), RH_IN, 5), gps(HAZMAT, local("21:59"), RH_IN, 5),
             gps(HAZMAT, local("22:00"), RH_IN, 5), gps(HAZMAT, local("22:01"), RH_IN, 5)]
    _, per = feed(restricted_entry.detect, pings)
    assert types(per) == [0, 0, 1, 0]


def test_a_fix_on_the_boundary_is_inside() -> None:
    _, alerts = step(restricted_entry.detect, gps(HAZMAT, NIGHT, RH_EDGE, 20), {})
    assert [a.zone for a in alerts] == ["RH"]


def test_all_day_zone_orange_and_only_forbidden_categories() -> None:
    for plate, zones in ((TRUCK, ["RT"]), (COACH, ["RT"]), (TAXI, []), (HAZMAT, []), (PRIVATE, [])):
        _, alerts = step(restricted_entry.detect, gps(plate, local("12:00"), RT_IN, 20), {})
        assert [a.zone for a in alerts] == zones, plate
        assert all(a.severity is Severity.ORANGE for a in alerts)


def test_two_zones_at_once_two_alerts() -> None:
    state, alerts = step(restricted_entry.detect, gps(TRUCK, local("12:00"), RT_RX, 20), {})
    assert sorted(a.zone for a in alerts) == ["RT", "RX"]
    assert len({a.alert_id for a in alerts}) == 2
    assert state == {"alerted": ["RT", "RX"]}
    # leaving RX only re-arms RX
    state, alerts = step(restricted_entry.detect, gps(TRUCK, local("12:01"), RT_IN, 20), state)
    assert alerts == [] and state == {"alerted": ["RT"]}
    _, alerts = step(restricted_entry.detect, gps(TRUCK, local("12:02"), RT_RX, 20), state)
    assert [a.zone for a in alerts] == ["RX"]


def test_ids_deterministic_and_by_time() -> None:
    a = step(restricted_entry.detect, gps(HAZMAT, NIGHT, RH_IN, 20), {})[1][0]
    b = step(restricted_entry.detect, gps(HAZMAT, NIGHT, RH_IN, 20), {})[1][0]
    c = step(restricted_entry.detect, gps(HAZMAT, NIGHT + 1, RH_IN, 20), {})[1][0]
    assert a.alert_id == b.alert_id != c.alert_id


def test_only_vehicles_with_a_category() -> None:
    assert restricted_entry.applies(Kind.VEHICLE, "truck", CITY)
    assert not restricted_entry.applies(Kind.UNIT, None, CITY)
    assert not restricted_entry.applies(Kind.OTHER, None, CITY)
    state = {"alerted": ["RT"]}
    assert restricted_entry.detect(gps("P03", local("12:00"), RT_IN, 20), state, CITY) == (state, [])
    assert restricted_entry.detect(gps("粤B00000", local("12:00"), RT_IN, 20), state, CITY) == (state, [])
