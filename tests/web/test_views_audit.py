"""The Audit tab's view model on hand-built audit sequences: each flag fires at its threshold and
not just under it; filters; rows and reasons a person can read."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from core.settings import Settings
from web.views import audit as va
from web.views import auditflags as vf
from web.views.auditscreen import audit_screen

TZ = ZoneInfo("Asia/Shanghai")
MIDNIGHT = 1_699_977_600.0  # 2023-11-15 00:00 in Shanghai
NOW = MIDNIGHT + 12 * 3600
ODD = (0, 300)  # 00:00-05:00


class Trail:
    """Builds audit entries as ``cc:audit`` holds them (text fields, ``detail`` as JSON)."""

    def __init__(self) -> None:
        self.raw: list[tuple[str, dict[str, str]]] = []

    def add(self, ts: float, actor: str, action: str, target: str = "", source: str = "10.0.0.1",
            **detail: Any) -> str:
        eid = f"{int(ts * 1000)}-{len(self.raw)}"
        self.raw.append((eid, {"actor": actor, "action": action, "target": target, "ts": str(ts),
                               "detail": orjson.dumps(detail).decode(), "source": source}))
        return eid

    def entries(self) -> list[va.Entry]:
        return va.parse_entries(reversed(self.raw))  # read newest first, as XREVRANGE does


def _kinds(flags: list[vf.Flag]) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.kind, f.entries) for f in flags]


def test_ack_without_dispatch_fires_once_the_grace_is_over() -> None:
    trail = Trail()
    old = trail.add(NOW - vf.DISPATCH_GRACE_S, "user:li", "alert_ack", "a-1", note="ok")
    trail.add(NOW - vf.DISPATCH_GRACE_S + 1, "user:li", "alert_ack", "a-2", note="ok")  # just under: may get one
    flags = vf.ack_without_dispatch(trail.entries(), NOW)
    assert _kinds(flags) == [(vf.ACK_WITHOUT_DISPATCH, (old,))]
    assert flags[0].about == "a-1" and flags[0].facts["actor"] == "user:li"


def test_an_ack_whose_alert_or_incident_had_an_order_is_not_flagged() -> None:
    trail = Trail()
    trail.add(NOW - 3000, "user:li", "dispatch", "O-1", alert_id="a-1", unit="P01", distance_m=900.0)
    trail.add(NOW - 2000, "user:li", "alert_ack", "a-1")
    trail.add(NOW - 2000, "user:li", "alert_ack", "a-2")
    trail.add(NOW - 1000, "web", "auto_dispatch", "O-2", alert_id="a-2", unit="P02")  # the order came after
    incident = [trail.add(NOW - 900, "user:wang", "alert_ack", f"b-{i}", incident="b-0") for i in range(3)]
    trail.add(NOW - 900, "user:wang", "alert_ack", "c-1", incident="c-0")
    trail.add(NOW - 800, "user:wang", "dispatch", "O-3", alert_id="c-0", unit="P03")  # another alert of c's incident
    flags = vf.ack_without_dispatch(trail.entries(), NOW)
    assert _kinds(flags) == [(vf.ACK_WITHOUT_DISPATCH, tuple(incident))]  # one flag for the whole incident
    assert flags[0].about == "b-0" and flags[0].facts["alerts"] == 3


def test_repeated_declines_need_three_within_an_hour_by_one_unit() -> None:
    trail = Trail()
    three = [trail.add(MIDNIGHT + 36_000 + s, "token:unit:P01", "ack:declined", f"O-{s}", unit="P01",
                       status="declined") for s in (0, 1800, 3600)]
    for s in (0, 1800, 3601):  # P02: the third comes one second too late
        trail.add(MIDNIGHT + 36_000 + s, "user:unit-P02", "ack:declined", f"O-2{s}", unit="P02", status="declined")
    trail.add(MIDNIGHT + 36_100, "user:unit-P03", "ack:declined", "O-30", unit="P03", status="declined")
    trail.add(MIDNIGHT + 36_200, "user:unit-P03", "ack:accepted", "O-31", unit="P03", status="accepted")
    flags = vf.repeated_declines(trail.entries())
    assert _kinds(flags) == [(vf.REPEATED_DECLINES, tuple(three))]
    assert flags[0].about == "P01" and flags[0].facts == {"n": 3, "minutes": 60}


def test_two_runs_of_declines_far_apart_are_two_flags_and_a_longer_run_is_one() -> None:
    trail = Trail()
    first = [trail.add(MIDNIGHT + 1000 + 600 * i, "u", "ack:declined", f"O-{i}", unit="P01") for i in range(5)]
    second = [trail.add(MIDNIGHT + 20_000 + 60 * i, "u", "ack:declined", f"O-9{i}", unit="P01") for i in range(3)]
    flags = vf.repeated_declines(trail.entries())
    assert _kinds(flags) == [(vf.REPEATED_DECLINES, tuple(first)), (vf.REPEATED_DECLINES, tuple(second))]


def test_cleared_too_fast_compares_with_the_distance_at_120_kmh() -> None:
    trail = Trail()
    t0 = NOW - 5000
    fastest = 2000 / (vf.FASTEST_KMH / 3.6)  # 60 s for 2 km
    sent = trail.add(t0, "user:li", "dispatch", "O-1", alert_id="a-1", unit="P01", distance_m=2000.0, eta_s=150.0)
    trail.add(t0 + 10, "user:unit-P01", "ack:accepted", "O-1", unit="P01")
    fast = trail.add(t0 + fastest - 1, "user:unit-P01", "ack:on_scene", "O-1", unit="P01")
    trail.add(t0 + fastest + 5, "user:unit-P01", "ack:cleared", "O-1", unit="P01")  # judged once, on on_scene
    trail.add(t0, "user:li", "dispatch", "O-2", alert_id="a-2", unit="P02", distance_m=2000.0)
    trail.add(t0 + fastest, "user:unit-P02", "ack:on_scene", "O-2", unit="P02")  # exactly possible: fine
    trail.add(t0, "user:li", "dispatch", "O-3", alert_id="a-3", unit="P03")  # no distance known: not judged
    trail.add(t0 + 1, "user:unit-P03", "ack:on_scene", "O-3", unit="P03")
    sent4 = trail.add(t0, "user:li", "dispatch", "O-4", alert_id="a-4", unit="P04", distance_m=1200.0)
    cleared = trail.add(t0 + 30, "user:unit-P04", "ack:cleared", "O-4", unit="P04")  # cleared, never on scene
    flags = vf.cleared_too_fast(trail.entries())
    # in the order the answers came: O-4 cleared at +30 s, O-1 on scene at +59 s
    assert _kinds(flags) == [(vf.CLEARED_TOO_FAST, (sent4, cleared)), (vf.CLEARED_TOO_FAST, (sent, fast))]
    assert flags[1].facts == {"unit": "P01", "status": "on_scene", "took": 59, "fastest": 60, "distance": 2000}


@pytest.mark.parametrize(("local_minute", "hours", "flagged"), [
    (0, ODD, True), (4 * 60 + 59, ODD, True), (5 * 60, ODD, False), (23 * 60 + 59, ODD, False),
    (23 * 60, (22 * 60, 6 * 60), True), (6 * 60, (22 * 60, 6 * 60), False)])
def test_odd_hour_sign_ins_use_the_citys_local_time(local_minute: int, hours: tuple[int, int], flagged: bool) -> None:
    trail = Trail()
    ts = MIDNIGHT + local_minute * 60
    ids = [trail.add(ts, "user:li", "sign_in"), trail.add(ts + 1, "user:x", "sign_in_failed")]
    trail.add(ts + 2, "user:li", "sign_out")
    got = _kinds(vf.odd_hour_sign_ins(trail.entries(), TZ, hours))
    assert got == ([(vf.ODD_HOUR_SIGN_IN, (ids[0],)), (vf.ODD_HOUR_SIGN_IN, (ids[1],))] if flagged else [])


def test_filters_by_time_actor_action_text_and_flag() -> None:
    trail = Trail()
    a = trail.add(NOW - 100, "user:li", "sign_in", source="10.9.9.9")
    b = trail.add(NOW - 4000, "user:wang", "alert_ack", "a-7", note="checked plate 粤B123")
    c = trail.add(NOW - 90_000, "user:li", "dispatch", "O-1", alert_id="a-1", unit="P01")
    entries = trail.entries()

    def ids(flagged: dict[str, set[str]] | None = None, **kw: Any) -> list[str]:
        return [e.id for e in va.filter_entries(entries, va.AuditFilter(**kw), NOW, flagged or {})]

    assert ids(window="all") == [a, b, c]  # newest first
    assert ids(window="1h") == [a] and ids(window="24h") == [a, b]
    assert ids(window="all", actors=("user:li",)) == [a, c]
    assert ids(window="all", actions=("alert_ack", "dispatch")) == [b, c]
    assert ids(window="all", text="粤b123") == [b] and ids(window="all", text="10.9.9") == [a]
    assert ids(window="all", text="P01") == [c]  # inside detail
    assert ids({b: {vf.ACK_WITHOUT_DISPATCH}}, window="all", flags=(vf.ACK_WITHOUT_DISPATCH,)) == [b]


def test_the_screen_reads_well_in_english_and_chinese() -> None:
    trail = Trail()
    trail.add(MIDNIGHT + 3 * 3600, "user:li", "sign_in", source="10.1.1.1")
    ack = trail.add(NOW - 3600, "user:li", "alert_ack", "a-1", note="seen")
    trail.add(NOW - 50, "token:officer", "dispatch", "O-1", alert_id="a-9", unit="P01", distance_m=850.0,
              source="10.2.2.2")
    s = audit_screen(reversed(trail.raw), va.AuditFilter(window="all"), NOW, TZ, "00:00-05:00", "en")
    assert [r["action"] for r in s.rows] == ["Dispatched", "Acknowledged alert", "Signed in"]
    assert s.rows[0]["detail"] == "alert_id=a-9; unit=P01; distance_m=850.0" and s.rows[0]["source"] == "10.2.2.2"
    assert s.rows[2]["time"] == "2023-11-15 03:00:00" and s.rows[2]["flags"] == "Odd-hour sign-in"
    assert s.counts == {vf.ACK_WITHOUT_DISPATCH: 1, vf.REPEATED_DECLINES: 0, vf.CLEARED_TOO_FAST: 0,
                        vf.ODD_HOUR_SIGN_IN: 1}
    assert s.flag_lines[0] == (vf.ACK_WITHOUT_DISPATCH, "user:li acknowledged a-1 (1 alerts) at 2023-11-15 "
                               "11:00:00; it never had a dispatch order", ack)
    assert s.flag_lines[1][1] == "user:li: Signed in at 2023-11-15 03:00:00 local time, inside 00:00-05:00"
    assert [o["value"] for o in s.actors] == ["token:officer", "user:li"]
    zh = audit_screen(trail.raw, va.AuditFilter(window="all", actors=("user:li",)), NOW, TZ, "00:00-05:00", "zh")
    assert [r["action"] for r in zh.rows] == ["确认预警", "登录"] and zh.rows[1]["flags"] == "非常规时段登录"
    assert "从未派警" in zh.flag_lines[0][1]
    only = audit_screen(trail.raw, va.AuditFilter(window="all", flags=(vf.ODD_HOUR_SIGN_IN,)), NOW, TZ,
                        "00:00-05:00", "en")
    assert [r["action_code"] for r in only.rows] == ["sign_in"] and [k for k, _, _ in only.flag_lines] == [
        vf.ODD_HOUR_SIGN_IN]
    assert only.counts[vf.ACK_WITHOUT_DISPATCH] == 1  # the summary still counts every kind


def test_old_entries_without_source_and_odd_details_still_read() -> None:
    e = va.parse_entry("1-0", {"actor": "user:li", "action": "sign_in", "target": "", "ts": "5", "detail": "[1]"})
    assert (e.source, e.detail) == ("", {"value": [1]})
    assert va.table_rows([e], {}, TZ, "en")[0]["source"] == ""


def test_odd_hours_setting_is_read_and_checked() -> None:
    assert Settings.from_env({}).odd_hours == "00:00-05:00"
    assert Settings.from_env({"CC_ODD_HOURS": "22:00-06:00"}).odd_hours == "22:00-06:00"
    with pytest.raises(ValueError, match="CC_ODD_HOURS"):
        Settings.from_env({"CC_ODD_HOURS": "late"})
