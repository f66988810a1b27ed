"""overspeed: two consecutive fixes strictly above the limit, once per episode."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.model import AlertType, Kind, Severity
from streams.rules import overspeed

from .kit import CITY, E_IN, RT_IN, TAXI, W_IN, feed, gps, local, step, types

T = local("10:00")


def run(speeds: Sequence[float], where: tuple[float, float] = E_IN, subject: str = TAXI) -> list[int]:
    return types(feed(overspeed.detect, [gps(subject, T + 30 * k, where, s) for k, s in enumerate(speeds)])[1])


def test_second_fix_over_alerts_once_per_episode() -> None:
    # E has no limit of its own: the city default 60 applies
    assert run([70, 75, 80, 95, 60, 70, 61]) == [0, 1, 0, 0, 0, 0, 1]


def test_at_the_limit_is_not_over() -> None:
    assert run([60, 60, 60]) == [0, 0, 0]
    assert run([61, 60, 61, 60]) == [0, 0, 0, 0], "a fix at the limit breaks the pair"
    assert run([60.01, 60.01]) == [0, 1]


def test_state_ends_with_the_episode() -> None:
    state, _ = feed(overspeed.detect, [gps(TAXI, T, E_IN, 70), gps(TAXI, T + 30, E_IN, 70)])
    assert state == {"over": 2, "alerted": True}
    state, _ = step(overspeed.detect, gps(TAXI, T + 60, E_IN, 60), state)
    assert state == {}


@pytest.mark.parametrize(("speed", "severity"), [(89.9, Severity.YELLOW), (90, Severity.ORANGE),
                                                 (120, Severity.ORANGE)])
def test_severity_orange_from_one_and_a_half_times_the_limit(speed: float, severity: Severity) -> None:
    _, per = feed(overspeed.detect, [gps(TAXI, T, E_IN, speed), gps(TAXI, T + 30, E_IN, speed)])
    assert [a.severity for a in per[1]] == [severity]


def test_the_zone_limit_applies_and_the_lowest_wins() -> None:
    assert run([45, 45], W_IN) == [0, 1], "W's own limit is 40"
    assert run([35, 35], RT_IN) == [0, 1], "RT (30) inside E (default 60)"
    _, per = feed(overspeed.detect, [gps(TAXI, T, RT_IN, 35), gps(TAXI, T + 30, RT_IN, 35)])
    (alert,) = per[1]
    assert alert.zone == "RT"
    assert "35 km/h" in alert.text and "limit is 30 km/h" in alert.text


def test_alert_fields() -> None:
    _, per = feed(overspeed.detect, [gps(TAXI, T, E_IN, 70), gps(TAXI, T + 30, E_IN, 75.5)])
    (alert,) = per[1]
    assert (alert.type, alert.subject, alert.ts, alert.lat, alert.lon) == (
        AlertType.OVERSPEED, TAXI, T + 30, E_IN[0], E_IN[1])
    assert alert.text == f"{TAXI} at 75.5 km/h where the limit is 60 km/h"


def test_ids_deterministic_and_by_time() -> None:
    over = {"over": 1, "alerted": False}
    a = step(overspeed.detect, gps(TAXI, T, E_IN, 70), over)[1][0]
    b = step(overspeed.detect, gps(TAXI, T, E_IN, 70), over)[1][0]
    c = step(overspeed.detect, gps(TAXI, T + 1, E_IN, 70), over)[1][0]
    assert a.alert_id == b.alert_id != c.alert_id


def test_units_exempt_unknown_plates_not() -> None:
    assert not overspeed.applies(Kind.UNIT, None, CITY)
    assert overspeed.applies(Kind.OTHER, None, CITY) and overspeed.applies(Kind.VEHICLE, "bus", CITY)
    assert run([100, 100], E_IN, "P03") == [0, 0]
    assert run([100, 100], E_IN, "粤B00000") == [0, 1]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False) | st.sampled_from([0.0, -0.0, 60.05, 95.0, 1e-7]), min_size=1, max_size=6))
def test_a_speed_in_the_text_reads_the_same_when_remembered(speeds: list[float]) -> None:
    """The alert text's speeds come from a memo: the first and every later time, what the format gives."""
    for v in [*speeds, *speeds]:
        assert overspeed._kmh(v) == f"{round(v, 1):g}"
