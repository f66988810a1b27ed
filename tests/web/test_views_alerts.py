"""Alerts tab logic: filters, rows, counts, chart buckets, CSV, acknowledgement checks."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from web.views import alerts as va
from web.views import incidents as vi

TZ = ZoneInfo("Asia/Shanghai")
CLOCK = 1_700_000_000.0


def _alert(i: int, **kw: object) -> dict[str, object]:
    a: dict[str, object] = {"alert_id": f"a-{i}", "type": "overspeed", "severity": "yellow", "subject": f"粤B{i:05d}",
                            "lat": 22.5, "lon": 114.0, "ts": CLOCK - i * 60, "zone": "Z1", "checkpoint": "",
                            "text": f"text {i}"}
    a.update(kw)
    return a


ALERTS = [_alert(0, severity="red", type="watchlist_hit", text="plate 粤BX1234 read at K1", subject="粤BX1234"),
          _alert(1, zone="Z2"), _alert(2, severity="orange", type="night_ban"),
          _alert(90, severity="blue", type="unit_offline", subject="P01")]


def test_filter_by_type_severity_zone_window_and_plate() -> None:
    f = va.AlertFilter.from_inputs(["overspeed", "bogus"], None, [], "1h", "", "all")
    assert [a["alert_id"] for a in va.filter_alerts(ALERTS, f, CLOCK, {})] == ["a-1"]
    f = va.AlertFilter.from_inputs([], ["red", "orange"], "Z1", "all", "", "all")
    assert [a["alert_id"] for a in va.filter_alerts(ALERTS, f, CLOCK, {})] == ["a-0", "a-2"]
    f = va.AlertFilter.from_inputs(None, None, None, "all", "bx12", "all")
    assert [a["alert_id"] for a in va.filter_alerts(ALERTS, f, CLOCK, {})] == ["a-0"]


def test_status_filter_separates_open_overdue_and_acked() -> None:
    """Nothing expires: the 90-minute-old blue alert is still open, and overdue (blue allows 60 min);
    the 2-minute-old orange one is open but not overdue (orange allows 15 min)."""
    acks = {"a-1": {"by": "Li", "note": "ok", "ts": 1.0}}
    got = {s: [a["alert_id"] for a in va.filter_alerts(ALERTS, va.AlertFilter(status=s), CLOCK, acks)]
           for s in ("open", "overdue", "acked")}
    assert got == {"open": ["a-0", "a-2", "a-90"], "overdue": ["a-90"], "acked": ["a-1"]}
    strict = {"red": 60.0, "orange": 60.0, "yellow": 60.0, "blue": 60.0}
    overdue = va.filter_alerts(ALERTS, va.AlertFilter(status="overdue"), CLOCK, acks, strict)
    assert [a["alert_id"] for a in overdue] == ["a-2", "a-90"]  # a-0 is brand new, a-1 acknowledged


def test_rows_carry_incident_age_and_overdue_mark() -> None:
    plate = [_alert(i, subject="粤BZ9999", severity="red", type="watchlist_hit", checkpoint=f"K{i}")
             for i in (3, 6, 9)]
    alerts = [*plate, *ALERTS]
    incidents = vi.incident_of(vi.group(alerts, 1800))
    rows = va.table_rows(va.filter_alerts(alerts, va.AlertFilter(), CLOCK, {}), {"a-1": {"by": "Li"}}, CLOCK, TZ,
                         {}, "en", incidents=incidents)
    by_id = {r["id"]: r for r in rows}
    assert [by_id[f"a-{i}"]["incident"] for i in (9, 6, 3)] == ["1/3", "2/3", "3/3"]
    assert {by_id[f"a-{i}"]["incident_id"] for i in (3, 6, 9)} == {"a-9"}
    assert by_id["a-0"]["incident"] == "" and by_id["a-0"]["incident_id"] == "a-0"
    assert by_id["a-9"]["age"] == "9 min" and by_id["a-9"]["esc"] == "1" and by_id["a-9"]["status"] == "Overdue"
    assert by_id["a-3"]["esc"] == "" and by_id["a-3"]["status"] == "Open"  # red, 3 min: not yet
    assert by_id["a-1"]["age"] == "" and by_id["a-1"]["status"] == "Acknowledged"
    assert va.ack_targets("a-6", incidents, whole=True) == (["a-9", "a-6", "a-3"], "a-9")
    assert va.ack_targets("a-6", incidents, whole=False) == (["a-6"], "")


def test_rows_are_newest_first_with_labels_in_the_language() -> None:
    rows = va.table_rows(va.filter_alerts(ALERTS, va.AlertFilter(), CLOCK, {}), {}, CLOCK, TZ, {"Z1": "West"}, "en")
    assert [r["id"] for r in rows] == ["a-0", "a-1", "a-2", "a-90"]
    assert rows[0]["type"] == "Watchlist hit" and rows[0]["severity"] == "Red" and rows[0]["zone"] == "West"
    assert rows[0]["time"] == "2023-11-15 06:13:20"
    assert va.table_rows(ALERTS[:1], {}, CLOCK, TZ, {}, "zh")[0]["type"] == "布控命中"


def test_chart_series_counts_every_alert_once() -> None:
    series = va.chart_series(ALERTS)
    assert sum(sum(v) for v in series["types"].values()) == len(ALERTS)
    assert series["buckets"] == sorted(series["buckets"])
    assert all(len(v) == len(series["buckets"]) for v in series["types"].values())


def test_csv_round_trips_the_rows_with_chinese_text() -> None:
    names = {"checkpoints": {"K1": ["侨香路 卡口 K1", "Checkpoint K1"]}}
    rows = va.table_rows([{**ALERTS[0], "checkpoint": "K1"}], {}, CLOCK, TZ, {}, "zh", names)
    text = va.csv_text(rows, "zh")
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[0][0] == "alert_id" and len(parsed) == len(rows) + 1
    assert parsed[1][4] == "粤BX1234" and parsed[1][7] == "粤BX1234 在 侨香路 卡口 K1 命中布控"


def test_rows_show_the_alert_line_in_the_language_not_the_stored_text() -> None:
    names = {"zones": {"Z1": ["侨香片区", "Qiaoxiang"]}, "units": {"P01": ["福田01", "Futian-01"]}}
    zh = va.table_rows(ALERTS, {}, CLOCK, TZ, {}, "zh", names)
    en = va.table_rows(ALERTS, {}, CLOCK, TZ, {}, "en", names)
    assert [r["text"] for r in zh] == ["粤BX1234 命中布控", "粤B00001 在 Z2 超速", "粤B00002 夜间禁行时段上路（侨香片区）",
                                       "福田01 离线，无定位回传"]
    assert [r["text"] for r in en] == ["粤BX1234 on the watchlist", "粤B00001 speeding in Z2",
                                       "粤B00002 on the road during the night ban in Qiaoxiang",
                                       "Futian-01 offline: no position reports"]


def test_ack_checks_name_the_field() -> None:
    assert va.check_ack("a-1", "Li", "", False) == ("al.ack.need_note", "note")
    assert va.check_ack("a-1", "Li", "x" * 501, False) == ("al.ack.too_long", "note")
    assert va.check_ack("a-1", "Li", "done", True) == ("al.ack.already", "alert_id")
