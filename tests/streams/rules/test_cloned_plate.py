"""cloned_plate: two checkpoints read one plate faster apart than cloned_plate_kmh (150)."""

from __future__ import annotations

import math

from city.geo import haversine_m
from core.model import AlertType, Severity
from streams.rules import cloned_plate

from .kit import CITY, TAXI, anpr, feed, local, step, types

T = local("10:00")
A_C_M = haversine_m(22.505, 114.001, 22.505, 114.013)  # about 1.23 km
LIMIT_DT = A_C_M / (150 / 3.6)  # about 29.6 s: any faster is a clone


def test_too_fast_between_two_checkpoints_alerts_red_at_the_second() -> None:
    state, per = feed(cloned_plate.detect, [anpr(TAXI, "A", T), anpr(TAXI, "C", T + 20)])
    assert types(per) == [0, 1]
    (alert,) = per[1]
    cp = CITY.checkpoints["C"]
    assert (alert.type, alert.severity, alert.checkpoint, alert.ts, alert.lat, alert.lon) == (
        AlertType.CLONED_PLATE, Severity.RED, "C", T + 20, cp.lat, cp.lon)
    kmh = A_C_M / 20 * 3.6
    assert f"{kmh:.0f} km/h" in alert.text and "A (North Gate 北门)" in alert.text and "C (Market" in alert.text
    assert state == {"checkpoint": "C", "ts": T + 20, "lat": cp.lat, "lon": cp.lon}


def test_threshold_on_either_side() -> None:
    fast = feed(cloned_plate.detect, [anpr(TAXI, "A", T), anpr(TAXI, "C", T + LIMIT_DT - 0.5)])[1]
    slow = feed(cloned_plate.detect, [anpr(TAXI, "A", T), anpr(TAXI, "C", T + LIMIT_DT + 0.5)])[1]
    assert types(fast) == [0, 1] and types(slow) == [0, 0]


def test_same_checkpoint_never_fires() -> None:
    reads = [anpr(TAXI, "B", T), anpr(TAXI, "B", T), anpr(TAXI, "B", T + 1), anpr(TAXI, "B", T - 5)]
    state, per = feed(cloned_plate.detect, reads)
    assert types(per) == [0, 0, 0, 0]
    assert state["ts"] == T + 1


def test_same_time_at_two_places_is_infinitely_fast() -> None:
    _, per = feed(cloned_plate.detect, [anpr(TAXI, "A", T), anpr(TAXI, "B", T)])
    assert types(per) == [0, 1]
    assert "same moment" in per[1][0].text
    assert cloned_plate.implied_kmh(617.0, 0) == math.inf


def test_two_cameras_at_one_spot_at_one_time_do_not_fire() -> None:
    _, per = feed(cloned_plate.detect, [anpr(TAXI, "A", T), anpr(TAXI, "A2", T)])
    assert types(per) == [0, 0], "distance 0 over dt 0 is no speed at all"


def test_a_late_read_is_compared_but_does_not_replace_the_newer() -> None:
    state, per = feed(cloned_plate.detect, [anpr(TAXI, "C", T + 100), anpr(TAXI, "A", T + 90)])
    assert types(per) == [0, 1], "A at t+90 and C at t+100: 1.2 km in 10 s"
    assert state["checkpoint"] == "C" and state["ts"] == T + 100
    state, per = feed(cloned_plate.detect, [anpr(TAXI, "A", T - 3600)], state)
    assert types(per) == [0] and state["ts"] == T + 100


def test_ids_deterministic_and_by_time() -> None:
    last = {"checkpoint": "A", "ts": T, "lat": 22.505, "lon": 114.001}
    a = step(cloned_plate.detect, anpr(TAXI, "D", T + 5), last)[1][0]
    b = step(cloned_plate.detect, anpr(TAXI, "D", T + 5), last)[1][0]
    c = step(cloned_plate.detect, anpr(TAXI, "D", T + 6), last)[1][0]
    assert a.alert_id == b.alert_id != c.alert_id


def test_unknown_checkpoint_and_old_state_layout() -> None:
    state = {"checkpoint": "A", "ts": T, "lat": 22.505, "lon": 114.001}
    assert cloned_plate.detect(anpr(TAXI, "Z9", T + 1), state, CITY) == (state, [])
    new, alerts = step(cloned_plate.detect, anpr(TAXI, "C", T + 1), {"cp": "A", "ts": T})
    assert alerts == [] and new["checkpoint"] == "C", "a state without a position starts afresh"
