"""night_ban: a banned category moving in the night window; once per night."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from city.citypack import NightBan
from core.model import AlertType, Kind, Severity
from streams.rules import night_ban

from .kit import CITY, COACH, E_IN, TAXI, feed, gps, local, step, types


def utc(year: int, month: int, day: int, hour: int, minute: int) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(("ts", "fires"), [
    (utc(2024, 2, 29, 17, 59), False),  # 01:59 Asia/Shanghai
    (utc(2024, 2, 29, 18, 0), True),  # 02:00
    (utc(2024, 2, 29, 20, 59), True),  # 04:59
    (utc(2024, 2, 29, 21, 0), False),  # 05:00: the window is [02:00, 05:00)
    (utc(2024, 3, 1, 2, 0), False),  # 10:00
])
def test_window_in_local_time_from_utc_epochs(ts: float, fires: bool) -> None:
    _, alerts = step(night_ban.detect, gps(COACH, ts, E_IN, 30), {})
    assert len(alerts) == int(fires)


def test_once_per_night() -> None:
    pings = [gps(COACH, local(t, d), E_IN, 30) for t, d in (
        ("02:00", "2024-03-01"), ("03:00", "2024-03-01"), ("04:59", "2024-03-01"),
        ("02:00", "2024-03-02"), ("02:30", "2024-03-02"))]
    state, per = feed(night_ban.detect, pings)
    assert types(per) == [1, 0, 0, 1, 0]
    assert per[0][0].alert_id != per[3][0].alert_id
    assert state == {"night": "2024-03-02"}


def test_above_min_speed_only() -> None:
    assert types(feed(night_ban.detect, [gps(COACH, local("02:00"), E_IN, 10)])[1]) == [0]
    assert types(feed(night_ban.detect, [gps(COACH, local("02:00"), E_IN, 10.1)])[1]) == [1]


def test_a_window_that_wraps_midnight_is_one_night() -> None:
    city = replace(CITY, night_ban=NightBan(frozenset({"coach"}), 22 * 60, 6 * 60, 10.0))
    times = [("21:59", "2024-03-01"), ("22:00", "2024-03-01"), ("23:59", "2024-03-01"), ("00:00", "2024-03-02"),
             ("05:59", "2024-03-02"), ("06:00", "2024-03-02"), ("22:00", "2024-03-02")]
    state, per = feed(night_ban.detect, [gps(COACH, local(t, d), E_IN, 40, city) for t, d in times], city=city)
    assert types(per) == [0, 1, 0, 0, 0, 0, 1]
    for hhmm, day in (("23:59", "2024-03-01"), ("00:00", "2024-03-02"), ("05:59", "2024-03-02")):
        _, alerts = step(night_ban.detect, gps(COACH, local(hhmm, day), E_IN, 40, city), {}, city)
        assert len(alerts) == 1, hhmm
    _, alerts = step(night_ban.detect, gps(COACH, local("06:00", "2024-03-02"), E_IN, 40, city), {}, city)
    assert alerts == []


def test_alert_fields_and_ids() -> None:
    ping = gps(COACH, local("02:10"), E_IN, 33)
    (alert,) = step(night_ban.detect, ping, {})[1]
    assert (alert.type, alert.severity, alert.subject, alert.ts, alert.zone) == (
        AlertType.NIGHT_BAN, Severity.ORANGE, COACH, ping.ts, "E")
    assert "33 km/h" in alert.text and "02:00-05:00" in alert.text
    later = step(night_ban.detect, gps(COACH, local("02:11"), E_IN, 33), {})[1][0]
    assert later.alert_id != alert.alert_id


def test_only_banned_categories() -> None:
    assert night_ban.applies(Kind.VEHICLE, "coach", CITY)
    assert not night_ban.applies(Kind.VEHICLE, "taxi", CITY) and not night_ban.applies(Kind.UNIT, None, CITY)
    assert types(feed(night_ban.detect, [gps(TAXI, local("02:00"), E_IN, 50)])[1]) == [0]
