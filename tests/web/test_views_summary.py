"""Open alerts, zone colors, unit status, worker health and KPIs (pure)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from web.views import summary as vs


def test_zone_takes_the_worst_open_alert_else_blue_when_uncovered() -> None:
    status = vs.zone_status([("Z1", "blue"), ("Z1", "orange"), ("Z2", "yellow")], ["Z1", "Z2", "Z3", "Z4"],
                            covered={"Z1", "Z2", "Z3"})
    assert status == {"Z1": "orange", "Z2": "yellow", "Z3": "", "Z4": "blue"}


def test_unit_offline_at_exactly_offline_after_s() -> None:
    st = vs.unit_statuses({"A": 880.0, "B": 881.0}, set(), 1000.0, 120.0)
    assert st == {"A": "offline", "B": "available"}


def test_busy_unit_that_went_silent_is_offline() -> None:
    assert vs.unit_statuses({"A": 0.0}, {"A"}, 1000.0, 120.0) == {"A": "offline"}


def test_worker_health_counts_partitions_once() -> None:
    h = vs.worker_health([{"partitions": [0, 1]}, {"partitions": ["1", 2, 3]}, {"partitions": [9]}], 4)
    assert h == {"workers": 3, "covered": 4, "partitions": 4, "state": "ok"}


def test_intercepts_count_on_the_local_day_of_the_event_clock() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    midnight = 1_700_064_000.0  # 2023-11-16 00:00 in Shanghai
    orders = [{"checkpoint": "K1", "ts": midnight - 1}, {"checkpoint": "K1", "ts": midnight},
              {"checkpoint": "K2", "ts": midnight + 3600}]
    assert vs.intercepts_today(orders, midnight + 7200, tz) == 2
    assert vs.intercepts_today(orders, midnight - 10, tz) == 1
