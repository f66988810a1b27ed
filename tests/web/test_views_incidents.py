"""Incidents, open alerts, age and escalation (pure), and their settings."""

from __future__ import annotations

import random

import pytest

from core.settings import DEFAULT_ESCALATE_S, Settings
from web.views import escalation as ve
from web.views import incidents as vi

T0 = 1_700_000_000.0
ESC = {"red": 300.0, "orange": 900.0, "yellow": 1800.0, "blue": 3600.0}


def _read(n: int, plate: str = "粤BZ9999", ts: float = T0, severity: str = "red", **kw: object) -> dict[str, object]:
    a: dict[str, object] = {"alert_id": f"watchlist_hit-{plate}-{n}", "type": "watchlist_hit", "severity": severity,
                            "subject": plate, "lat": 22.50 + n / 1000, "lon": 114.00 + n / 1000, "ts": ts,
                            "zone": "W", "checkpoint": f"K{n:02d}", "text": f"{plate} read at K{n:02d}"}
    a.update(kw)
    return a


def test_a_plate_read_at_ten_checkpoints_in_twenty_minutes_is_one_incident() -> None:
    reads = [_read(n, ts=T0 + n * 120) for n in range(10)]  # every 2 min, 18 min in all
    shuffled = reads[:]
    random.Random(7).shuffle(shuffled)  # arrival order across partitions does not matter
    (inc,) = vi.group(shuffled, 1800)
    assert inc.count == 10 and inc.id == reads[0]["alert_id"] and inc.latest is reads[-1]
    v = vi.view(inc, set(), ESC, T0 + 1200)
    assert v["count"] == 10 and v["checkpoint"] == "K09" and v["ts"] == T0 + 1080
    assert v["trail"] == [[a["lat"], a["lon"]] for a in reads]  # in time order, ending at the latest sighting
    assert (v["lat"], v["lon"]) == (reads[-1]["lat"], reads[-1]["lon"])


def test_the_same_plate_two_hours_later_is_a_new_incident_and_two_plates_are_two() -> None:
    morning = [_read(n, ts=T0 + n * 60) for n in range(3)]
    later = [_read(10 + n, ts=T0 + 7200 + n * 60) for n in range(2)]
    other = [_read(20, plate="粤BX0001", ts=T0 + 30)]
    got = [(inc.subject, inc.count) for inc in vi.group(morning + later + other, 1800)]
    assert got == [("粤BZ9999", 3), ("粤BX0001", 1), ("粤BZ9999", 2)]


def test_window_counts_from_the_previous_sighting_inclusive() -> None:
    three = [_read(0, ts=T0), _read(1, ts=T0 + 1800), _read(2, ts=T0 + 3600)]
    assert [inc.count for inc in vi.group(three, 1800)] == [3]  # each within 30 min of the one before
    assert [inc.count for inc in vi.group([_read(0, ts=T0), _read(1, ts=T0 + 1801)], 1800)] == [1, 1]
    assert [inc.count for inc in vi.group(three, 600)] == [1, 1, 1]


def test_alerts_without_a_subject_stay_alone() -> None:
    alone = [_read(n, plate="", ts=T0 + n) for n in range(3)]
    assert [inc.count for inc in vi.group(alone, 1800)] == [1, 1, 1]


def test_acknowledging_every_alert_closes_the_incident_and_a_new_sighting_reopens_it() -> None:
    reads = [_read(n, ts=T0 + n * 60, severity="red" if n == 0 else "yellow") for n in range(3)]
    incidents = vi.group(reads, 1800)
    ids = {str(a["alert_id"]) for a in reads}
    assert vi.open_views(incidents, ids, ESC, T0 + 200) == []
    first = {str(reads[0]["alert_id"])}  # the red one was acknowledged alone: yellow is what is left open
    (v,) = vi.open_views(incidents, first, ESC, T0 + 200)
    assert v["severity"] == "yellow" and v["open"] == 2 and v["since"] == T0 + 60
    again = vi.group([*reads, _read(9, ts=T0 + 900)], 1800)
    (v,) = vi.open_views(again, ids, ESC, T0 + 900)
    assert v["count"] == 4 and v["open"] == 1 and v["alert_id"] == reads[0]["alert_id"].replace("-0", "-9")


def test_colors_count_incidents_not_alerts_and_zones_take_the_latest_sighting() -> None:
    flood = [_read(n, ts=T0 + n * 60, zone="W") for n in range(9)] + [_read(9, ts=T0 + 600, zone="E")]
    quiet = [_read(0, plate="粤BY0001", ts=T0, severity="blue", zone="W")]
    ranked = vi.standing(vi.group(flood + quiet, 1800), set(), ESC, T0 + 600)
    assert vi.counts_by_color(ranked) == {"red": 1, "orange": 0, "yellow": 0, "blue": 1}
    assert sorted(vi.zone_colors(ranked)) == [("E", "red"), ("W", "blue")]  # the plate is in E now
    assert [v["count"] for v in vi.open_views(vi.group(flood + quiet, 1800), set(), ESC, T0 + 600, limit=1)] == [10]


def test_open_until_acknowledged_however_old_and_escalated_by_severity() -> None:
    old = _read(0, ts=T0 - 7200, severity="yellow")
    assert ve.is_open(old, None) and ve.age_s(old, T0) == 7200
    assert ve.is_escalated(old, None, T0, ESC)
    assert not ve.is_escalated(old, {"by": "Li", "note": "done"}, T0, ESC)
    for sev, limit in ESC.items():
        a = _read(1, ts=T0, severity=sev)
        assert not ve.is_escalated(a, None, T0 + limit - 1, ESC) and ve.is_escalated(a, None, T0 + limit, ESC)
    assert ve.age_text(ve.age_s(old, T0), "en") == "2 h 0 min" and ve.age_text(720, "zh") == "12 分钟"


def test_an_incident_is_overdue_when_any_open_alert_is() -> None:
    reads = [_read(0, ts=T0, severity="blue"), _read(1, ts=T0 + 1000, severity="red")]
    (inc,) = vi.group(reads, 1800)
    assert vi.view(inc, set(), ESC, T0 + 1200)["escalated"] is False  # red 200 s, blue 1200 s: not yet
    v = vi.view(inc, set(), ESC, T0 + 1300)
    assert v["escalated"] is True and v["due"] == T0 + 1300 and v["severity"] == "red"
    assert vi.view(inc, {str(reads[1]["alert_id"])}, ESC, T0 + 1300)["escalated"] is False  # blue alone: 3600 s


def test_settings_read_escalation_and_incident_window_from_the_environment() -> None:
    s = Settings.from_env({})
    assert s.escalate_s == DEFAULT_ESCALATE_S == ESC and s.incident_window_s == 1800.0
    s = Settings.from_env({"CC_ESCALATE_S": "red:60,blue:600", "CC_INCIDENT_WINDOW_S": "900"})
    assert s.escalate_s == {"red": 60.0, "orange": 900.0, "yellow": 1800.0, "blue": 600.0}
    assert s.incident_window_s == 900.0
    with pytest.raises(ValueError, match="CC_ESCALATE_S"):
        Settings.from_env({"CC_ESCALATE_S": "red:soon"})
    with pytest.raises(ValueError, match="CC_INCIDENT_WINDOW_S"):
        Settings.from_env({"CC_INCIDENT_WINDOW_S": "-5"})
