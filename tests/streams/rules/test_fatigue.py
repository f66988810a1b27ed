"""fatigue: more than max_drive_min (240) of driving without a rest of min_rest_min (20); once per drive."""

from __future__ import annotations

from collections.abc import Sequence

from core.model import AlertType, Kind, Severity
from streams.rules import fatigue

from .kit import CITY, E_IN, HAZMAT, TAXI, feed, gps, local, types

T = local("08:00")
MIN = 60.0


def run(track: Sequence[tuple[float, float]], plate: str = HAZMAT) -> tuple[dict, list[int], list]:
    """``track``: (minutes after T, speed)."""
    state, per = feed(fatigue.detect, [gps(plate, T + m * MIN, E_IN, s) for m, s in track])
    return state, types(per), per


def test_exactly_max_drive_is_not_fatigue_a_second_more_is() -> None:
    _, fired, _ = run([(0, 40), (120, 40), (240, 40), (240 + 1 / 60, 40), (250, 40), (400, 40)])
    assert fired == [0, 0, 0, 1, 0, 0]


def test_a_short_stop_does_not_reset_the_drive() -> None:
    track = [(0, 40), (200, 40), (201, 0), (210, 3), (220, 4.9), (221, 40), (240.5, 40)]
    _, fired, _ = run(track)
    assert fired == [0, 0, 0, 0, 0, 0, 1], "a 19-minute stop (201..220) is not a rest"


def test_a_rest_of_min_rest_starts_a_new_drive() -> None:
    track = [(0, 40), (100, 0), (120, 0), (121, 40), (241, 40), (361, 40), (361.5, 40)]
    state, fired, per = run(track)
    assert fired == [0, 0, 0, 0, 0, 0, 1], "100..120 is a 20-minute rest: the drive restarts at 121"
    assert per[-1][0].ts == T + 361.5 * MIN
    assert state["drive"] == T + 121 * MIN


def test_once_per_drive_and_a_rest_rearms() -> None:
    track = [(0, 40), (241, 40), (300, 40), (310, 2), (330, 2), (331, 50), (572, 50), (600, 50)]
    _, fired, per = run(track)
    assert fired == [0, 1, 0, 0, 0, 0, 1, 0]
    assert per[1][0].alert_id != per[6][0].alert_id


def test_slow_fixes_never_alert() -> None:
    _, fired, _ = run([(0, 40), (241, 0), (250, 0), (255, 40)])
    assert fired == [0, 0, 0, 1], "stopped at 241: maybe resting; moving again at 255 after a short stop"


def test_slow_fixes_before_any_drive_start_nothing() -> None:
    state, fired, _ = run([(0, 0), (30, 0), (300, 0), (301, 40), (541, 40), (541.1, 40)])
    assert fired == [0, 0, 0, 0, 0, 1]
    assert "slow" not in state


def test_rest_speed_itself_is_moving() -> None:
    _, fired, _ = run([(0, 5), (241, 5)])
    assert fired == [0, 1]


def test_alert_fields() -> None:
    _, _, per = run([(0, 40), (250, 40)])
    (alert,) = per[1]
    assert (alert.type, alert.severity, alert.subject, alert.ts, alert.zone) == (
        AlertType.FATIGUE, Severity.ORANGE, HAZMAT, T + 250 * MIN, "E")
    assert "4.2 h" in alert.text and "20-min rest" in alert.text


def test_only_fatigue_categories() -> None:
    assert fatigue.applies(Kind.VEHICLE, "hazmat", CITY)
    assert not fatigue.applies(Kind.VEHICLE, "taxi", CITY) and not fatigue.applies(Kind.UNIT, None, CITY)
    state, fired, _ = run([(0, 40), (300, 40)], TAXI)
    assert fired == [0, 0] and state == {}
