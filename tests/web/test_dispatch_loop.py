"""The dispatch loop against the real embedded Redis: an order not accepted in time escalates
exactly once (even with two web processes), auto-dispatch sends the top available unit once per new
alert and only when its type's switch is on, never for alerts older than the switch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import redis

from api.dispatch import ack_order, issue_order
from city.citypack import load_city_pack
from core.keys import Keys
from web import orders as wo
from web.dispatcher import DISPATCH_EVENT, OFFICERS_ROOM, DispatchLoop

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini_city"
CITY = load_city_pack(MINI)
KEYS = Keys("cc")
T0 = 1_700_000_000


class Pushes:
    """Records what the loop emits (the Socket.IO server's ``emit``), runs nothing in the background."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any], str]] = []

    def emit(self, event: str, data: dict[str, Any], to: str = "") -> None:
        self.sent.append((event, data, to))

    def kinds(self) -> list[str]:
        return [d["kind"] for _, d, _ in self.sent]


def _world(r: redis.Redis, clock: float = T0, fixed: float = T0) -> None:
    """P01 near the alert, P02 a little farther, P03 far east, each fixed at ``fixed``; the event
    clock at ``clock``."""
    for unit, lat, lon in (("P01", 22.505, 114.004), ("P02", 22.507, 114.006), ("P03", 22.505, 114.015)):
        r.hset(KEYS.last, unit, orjson.dumps({"subject": unit, "lat": lat, "lon": lon, "ts": fixed}))
    r.set(KEYS.clock, str(clock))


def _alert(r: redis.Redis, n: int, type_: str = "overspeed", ts: float = T0) -> tuple[str, dict[str, Any]]:
    fields = {"alert_id": f"{type_}-{n}", "type": type_, "severity": "red", "subject": f"粤B{n}", "lat": "22.505",
              "lon": "114.005", "ts": str(ts), "zone": "W", "checkpoint": "", "text": "test"}
    eid = r.xadd(KEYS.alerts, fields)
    return str(eid), {**fields, "lat": 22.505, "lon": 114.005, "ts": ts}


def _audit(r: redis.Redis, action: str) -> list[dict[str, Any]]:
    return [dict(f) for _, f in r.xrange(KEYS.audit) if f["action"] == action]


def _loop(r: redis.Redis, pushes: Pushes) -> DispatchLoop:
    loop = DispatchLoop(pushes, r, KEYS, CITY, accept_s=60.0, block_ms=10)
    loop.prime()
    return loop


def test_an_order_not_accepted_in_time_escalates_exactly_once_across_two_processes(r: redis.Redis) -> None:
    _world(r)
    _, alert = _alert(r, 1)
    order = issue_order(r, KEYS, CITY, alert, "P01", "", issued_by="user:officer")
    one, two = Pushes(), Pushes()
    first, second = _loop(r, one), _loop(r, two)
    r.set(KEYS.clock, str(T0 + 59))
    assert first.check() == [] and _audit(r, "escalate") == []
    r.set(KEYS.clock, str(T0 + 60))
    assert first.check() == [order["order_id"]]
    assert second.check() == [] and first.check() == []
    entries = _audit(r, "escalate")
    assert len(entries) == 1
    assert (entries[0]["actor"], entries[0]["target"], entries[0]["source"]) == ("user:officer", order["order_id"], "web")
    assert orjson.loads(entries[0]["detail"])["reason"] == "not accepted in 60 s"
    assert one.sent == [(DISPATCH_EVENT, {"kind": "escalate", "order_id": order["order_id"], "alert_id": "overspeed-1",
                                          "unit": "P01", "callsign": "West-1 西01", "after_s": 60.0}, OFFICERS_ROOM)]
    assert two.sent == []


def test_an_accepted_order_never_escalates(r: redis.Redis) -> None:
    _world(r)
    _, alert = _alert(r, 2)
    order = issue_order(r, KEYS, CITY, alert, "P02", "", issued_by="user:supervisor")
    ack_order(r, KEYS, order, "accepted", actor="user:unit-P02")
    r.set(KEYS.clock, str(T0 + 3600))
    assert _loop(r, Pushes()).check() == []
    assert not wo.escalate(r, KEYS, order, T0 + 3600, 60.0)
    assert _audit(r, "escalate") == [] and r.hlen(KEYS.escalated) == 0


def test_auto_dispatch_sends_the_top_available_unit_once_per_new_alert(r: redis.Redis) -> None:
    _world(r)
    before_id, before = _alert(r, 3)  # written before the switch: never auto-dispatched
    assert wo.set_auto(r, KEYS, "overspeed", True, "officer")
    assert not wo.set_auto(r, KEYS, "overspeed", True, "officer")  # already on: nothing written
    assert [(e["actor"], e["target"]) for e in _audit(r, "auto_dispatch_on")] == [("user:officer", "overspeed")]
    pushes = Pushes()
    loop = _loop(r, pushes)
    assert loop.on_alert(before_id, before) is None
    _alert(r, 4)
    loop.read_once()  # the loop tails cc:alerts and finds the new one itself
    orders = [orjson.loads(v) for v in r.hvals(KEYS.orders)]
    assert [(o["alert_id"], o["unit"], o["issued_by"]) for o in orders] == [("overspeed-4", "P01", "user:officer")]
    assert r.xlen(KEYS.dispatch("P01")) == 1
    auto = _audit(r, "auto_dispatch")
    assert [(e["actor"], e["target"], e["source"]) for e in auto] == [("user:officer", orders[0]["order_id"], "web")]
    assert pushes.kinds() == ["auto"] and pushes.sent[0][1]["callsign"] == "West-1 西01"
    # a second web process sees the same alert: nothing more is sent
    other = DispatchLoop(Pushes(), r, KEYS, CITY, block_ms=10)
    eid = str(r.xrevrange(KEYS.alerts, count=1)[0][0])
    assert other.on_alert(eid, {**orders[0], "alert_id": "overspeed-4", "type": "overspeed", "lat": 22.505,
                                "lon": 114.005, "ts": T0}) is None
    assert r.hlen(KEYS.orders) == 1 and wo.auto_order_ids(r, KEYS, orders) == {orders[0]["order_id"]}
    # the next alert of that type goes to the best unit still available (P01 is busy now)
    _alert(r, 5)
    loop.read_once()
    assert sorted(orjson.loads(v)["unit"] for v in r.hvals(KEYS.orders)) == ["P01", "P02"]


def test_nothing_is_auto_dispatched_when_the_switch_is_off_or_for_another_type(r: redis.Redis) -> None:
    _world(r)
    assert wo.set_auto(r, KEYS, "watchlist_hit", True, "supervisor")
    assert wo.set_auto(r, KEYS, "watchlist_hit", False, "supervisor")
    assert [e["action"] for e in r.xrange(KEYS.audit) for e in [e[1]]] == ["auto_dispatch_on", "auto_dispatch_off"]
    assert wo.set_auto(r, KEYS, "fatigue", True, "supervisor")
    loop = _loop(r, Pushes())
    _alert(r, 6, "watchlist_hit")
    _alert(r, 7, "overspeed")
    loop.read_once()
    assert r.hlen(KEYS.orders) == 0 and _audit(r, "auto_dispatch") == []


def test_with_no_unit_available_auto_dispatch_sends_nobody_and_never_retries(r: redis.Redis) -> None:
    _world(r, clock=T0 + 3600)  # every unit's last fix is an hour old: offline
    assert wo.set_auto(r, KEYS, "overspeed", True, "officer")
    loop = _loop(r, Pushes())
    eid, alert = _alert(r, 8, ts=T0 + 3600)
    loop.read_once()
    assert r.hlen(KEYS.orders) == 0
    _world(r, clock=T0 + 3600, fixed=T0 + 3600)  # the units report again: P01 is available now
    assert loop.on_alert(eid, alert) is None  # claimed once: an officer takes it from the queue
    assert r.hlen(KEYS.orders) == 0
