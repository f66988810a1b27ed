"""The Dispatch tab's view models: timers and overdue flags on event time, the board, the queue,
the candidate rows, and the loop's decisions (which orders escalate, who is offered next)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from api.candidates import Candidate, Target, UnitFix, rank_candidates
from core.settings import Settings
from web.views import dispatch as vdp

TZ = ZoneInfo("Asia/Shanghai")
T0 = 1_700_000_000.0
NAMES = {"checkpoints": {"B": ["B 站", "Station B"]}, "units": {}, "zones": {}, "reasons": {}}


def order(oid: str, status: str = "issued", ts: float = T0, status_ts: float | None = None, unit: str = "P01",
          alert_id: str = "a1") -> dict[str, object]:
    return {"order_id": oid, "alert_id": alert_id, "unit": unit, "status": status, "ts": str(ts),
            "status_ts": str(ts if status_ts is None else status_ts)}


def test_time_to_accept_runs_until_the_first_answer_and_is_overdue_only_past_the_limit() -> None:
    o = order("O-1")
    at_limit = vdp.timers(o, {}, T0 + 60, 60, 900)
    assert (at_limit.accept_s, at_limit.accept_live, at_limit.accept_overdue) == (60.0, True, False)
    late = vdp.timers(o, {}, T0 + 61, 60, 900)
    assert (late.accept_s, late.accept_live, late.accept_overdue) == (61.0, True, True)
    answered = vdp.timers(order("O-1", "accepted"), {"accepted": T0 + 90}, T0 + 5000, 60, 900)
    assert (answered.accept_s, answered.accept_live, answered.accept_overdue) == (90.0, False, True)
    assert (answered.scene_s, answered.scene_live, answered.scene_overdue) == (5000.0, True, True)


def test_time_to_scene_stops_on_scene_and_does_not_apply_to_a_declined_order() -> None:
    done = vdp.timers(order("O-1", "cleared"), {"accepted": T0 + 10, "on_scene": T0 + 400, "cleared": T0 + 900},
                      T0 + 9000, 60, 900)
    assert (done.accept_s, done.scene_s, done.scene_live, done.scene_overdue) == (10.0, 400.0, False, False)
    declined = vdp.timers(order("O-2", "declined"), {"declined": T0 + 30}, T0 + 9000, 60, 900)
    assert (declined.accept_s, declined.scene_s) == (30.0, None)
    unknown_clock = vdp.timers(order("O-3"), {}, None, 60, 900)
    assert (unknown_clock.accept_s, unknown_clock.accept_overdue) == (None, False)


def test_the_board_shows_open_orders_newest_first_then_recently_closed_greyed() -> None:
    clock = T0 + 1000
    orders = [order("O-old", ts=T0), order("O-new", "accepted", ts=T0 + 500),
              order("O-closed", "cleared", ts=T0 + 100, status_ts=clock - vdp.CLOSED_KEEP_S),
              order("O-gone", "declined", ts=T0 + 100, status_ts=clock - vdp.CLOSED_KEEP_S - 1)]
    rows = vdp.board_rows(orders, {"O-new": {"accepted": T0 + 520}}, {"O-old", "O-new"}, {"O-new"}, {},
                          {"P01": "West-1"}, NAMES, clock, 60, 900, "en")
    assert [r["order_id"] for r in rows] == ["O-new", "O-old", "O-closed"]
    new, old, closed = rows
    assert (new["status_text"], new["accept"], new["escalated"], new["auto"]) == ("Accepted", "20 s", False, True)
    assert (old["status_text"], old["escalated"], old["accept"], old["accept_overdue"], old["accept_live"]) == (
        "Dispatched", True, "16 min 40 s", True, True)
    assert (closed["status_text"], closed["closed"], closed["callsign"]) == ("Cleared", True, "West-1")


def test_the_next_unit_is_offered_when_an_order_escalates_or_is_declined_with_nothing_else_open() -> None:
    clock = T0 + 100
    orders = [order("O-esc", ts=T0, alert_id="a1"),  # escalated, still unanswered
              order("O-dec", "declined", ts=T0, status_ts=clock, alert_id="a2"),  # declined, nobody else on a2
              order("O-dec2", "declined", ts=T0, status_ts=clock, alert_id="a3", unit="P01"),
              order("O-live", "accepted", ts=T0 + 10, alert_id="a3", unit="P02"),  # a3 is covered by P02
              order("O-ok", "accepted", ts=T0, alert_id="a4")]
    rows = vdp.board_rows(orders, {}, {"O-esc"}, (), {}, {}, NAMES, clock, 60, 900, "en")
    assert {r["order_id"]: r["offer_next"] for r in rows} == {
        "O-esc": True, "O-dec": True, "O-dec2": False, "O-live": False, "O-ok": False}


def test_the_queue_lists_open_alerts_newest_first_with_their_orders_counted() -> None:
    alerts = [{"alert_id": "a1", "type": "watchlist_hit", "severity": "red", "subject": "粤B1", "ts": T0,
               "checkpoint": "B", "id": "1-0"},
              {"alert_id": "a2", "type": "overspeed", "severity": "yellow", "subject": "粤B2", "ts": T0 + 60, "id": "2-0"},
              {"alert_id": "a3", "type": "overspeed", "severity": "blue", "subject": "粤B3", "ts": T0 + 90, "id": "3-0",
               "acked": True}]
    rows = vdp.queue_rows(alerts, (), [order("O-1"), order("O-2")], NAMES, TZ, "en")
    assert [(r["alert_id"], r["sent"]) for r in rows] == [("a2", 0), ("a1", 2)]
    assert rows[1]["line"] == "粤B1 on the watchlist at Station B" and rows[1]["time"] == "06:13:20"
    assert rows[1]["type"] == "Watchlist hit"


def test_candidate_rows_read_as_a_person_reads_them() -> None:
    ranked = [Candidate("P02", "West-2", "available", 1336.2, 120.0, "B", 45.4, 22.505, 114.007),
              Candidate("P01", "West-1", "busy", 850.0, 3725.0, lat=22.5, lon=114.0)]
    rows = vdp.candidate_rows(ranked, NAMES, "en")
    assert [(r["rank"], r["callsign"], r["status_text"], r["distance"], r["eta"], r["station"], r["margin"],
             r["button"]) for r in rows] == [
        (1, "West-2", "Available", "1.3 km", "2 min 00 s", "Station B", "+45 s", "Dispatch West-2"),
        (2, "West-1", "Busy", "850 m", "1 h 02 min", "", "", "Dispatch West-1")]
    assert vdp.candidate_rows(ranked, NAMES, "zh")[0]["button"] == "派遣 West-2"


def test_orders_escalate_at_the_limit_once_and_only_while_unanswered() -> None:
    orders = [order("a", ts=T0), order("b", ts=T0 + 1), order("c", "accepted", ts=T0), order("d", ts=T0 - 10)]
    assert [o["order_id"] for o in vdp.due_for_escalation(orders, (), T0 + 59.9, 60)] == ["d"]
    assert [o["order_id"] for o in vdp.due_for_escalation(orders, {"d"}, T0 + 60, 60)] == ["a"]
    assert vdp.due_for_escalation(orders, (), None, 60) == []


def test_the_next_candidate_skips_the_units_already_sent_and_offline_ones_and_keeps_rank_ties() -> None:
    # P01 and P02 stand on the same spot: a tie in ETA, settled by the ranking (unit id)
    fixes = [UnitFix("P02", "West-2", 22.50, 114.00, T0), UnitFix("P01", "West-1", 22.50, 114.00, T0),
             UnitFix("P03", "East-1", 22.51, 114.02, T0), UnitFix("P04", "Old-1", 22.505, 114.005, T0 - 999)]
    ranked = rank_candidates(Target(22.505, 114.005, T0), fixes, {}, T0, 120)
    assert [c.unit for c in ranked] == ["P01", "P02", "P03", "P04"]
    assert [c.status for c in ranked][-1] == "offline"
    nxt = vdp.next_candidate(ranked, {"P01"})
    assert nxt is not None and nxt.unit == "P02"
    nxt = vdp.next_candidate(ranked, {"P01", "P02"})
    assert nxt is not None and nxt.unit == "P03"
    assert vdp.next_candidate(ranked, {"P01", "P02", "P03"}) is None  # P04 is offline


def test_auto_dispatch_takes_only_an_available_unit() -> None:
    busy = Candidate("P01", "West-1", "busy", 100.0, 9.0)
    free = Candidate("P02", "West-2", "available", 900.0, 81.0)
    assert vdp.auto_pick([busy, free]) == free
    assert vdp.auto_pick([busy]) is None


def test_the_dispatch_limits_are_read_from_the_environment_and_refused_when_not_positive() -> None:
    assert (Settings.from_env({}).accept_s, Settings.from_env({}).scene_s) == (60.0, 900.0)
    s = Settings.from_env({"CC_ACCEPT_S": "90", "CC_SCENE_S": "600"})
    assert (s.accept_s, s.scene_s) == (90.0, 600.0)
    for var in ("CC_ACCEPT_S", "CC_SCENE_S"):
        with pytest.raises(ValueError, match=var):
            Settings.from_env({var: "0"})
        with pytest.raises(ValueError, match=var):
            Settings.from_env({var: "soon"})


def test_the_tab_map_draws_only_the_first_ranked_candidates_with_their_lines() -> None:
    from layouts.dispatch import MAP_TOP, create_layer

    rows = [{"unit": f"P{i:02d}", "callsign": f"W{i}", "status": "available", "station": "", "lat": 22.5,
             "lon": 114.0} for i in range(MAP_TOP + 4)]
    fixes = {r["unit"]: (22.51, 114.0 + i / 1000) for i, r in enumerate(rows)}
    layer = create_layer((22.5, 114.0), rows, fixes, "alert")
    lines = [c for c in layer if type(c).__name__ == "Polyline"]
    units = [c for c in layer if type(c).__name__ == "DivMarker"]
    assert len(lines) == len(units) == MAP_TOP
    assert [c.positions[0] for c in lines] == [list(fixes[f"P{i:02d}"]) for i in range(MAP_TOP)]  # the best ones
