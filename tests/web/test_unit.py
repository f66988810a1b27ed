"""The unit terminal over Flask's and Flask-SocketIO's test clients on real Redis (contract A.7.3):
only its own orders, answers through the status machine with CSRF, the emergency button, and
order pushes to the unit's room alone."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis

from api.dispatch import issue_order
from app import create_app
from city.citypack import CityPack, load_city_pack
from city.geo import haversine_m as city_distance
from core.keys import Keys
from core.model import Alert, AlertType, Severity
from core.settings import Settings
from tests.web.signin import sign_in
from web.bridge import ORDER_EVENT, UNIT_NS

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini_city"
KEYS = Keys("cc")
T0 = 1_700_000_000.0


@pytest.fixture()
def world(redis_url: str, tmp_path: Path) -> tuple[Any, Any, redis.Redis, CityPack]:
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    alert = Alert("watchlist_hit-u1", AlertType.WATCHLIST_HIT, Severity.RED, "粤BZ9999", 22.505, 114.001, T0,
                  checkpoint="A", text="Stolen vehicle")
    r.xadd(KEYS.alerts, alert.to_fields())
    for unit, lat in (("P01", 22.503), ("P02", 22.507)):
        r.hset(KEYS.last, unit, orjson.dumps({"subject": unit, "kind": "unit", "lat": f"{lat:.6f}",
                                              "lon": "114.004000", "ts": str(int(T0 - 10))}))
    r.set(KEYS.clock, str(int(T0)))
    settings = Settings(redis_url=redis_url, city_pack=MINI, demo=False, data_dir=tmp_path, tile_url="")
    app, socketio = create_app(settings, redis_url, start_bridge=False)
    return app, socketio, r, load_city_pack(MINI)


def _order(r: redis.Redis, city: CityPack, unit: str) -> dict[str, Any]:
    alert = {"alert_id": "watchlist_hit-u1", "type": "watchlist_hit", "subject": "粤BZ9999", "lat": 22.505,
             "lon": 114.001, "ts": T0, "checkpoint": "A", "text": "Stolen vehicle"}
    return issue_order(r, KEYS, city, alert, unit, "", issued_by="user:officer")


def _unit(app: Any, name: str = "unit-P01") -> tuple[Any, str]:
    web = app.server.test_client()
    assert sign_in(web, name)[0] == 302
    page = web.get("/unit?lang=en").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token, page
    return web, token.group(1)


def test_the_page_and_the_list_show_only_the_units_own_orders(world: Any) -> None:
    app, _, r, city = world
    mine, theirs = _order(r, city, "P01"), _order(r, city, "P02")
    web, _ = _unit(app)
    page = web.get("/unit?lang=en").get_data(as_text=True)
    assert "Unit terminal P01" in page and ">Help</button>" in page
    assert "紧急求助</button>" in web.get("/unit?lang=zh").get_data(as_text=True)
    listed = web.get("/unit/orders?lang=en").get_json()
    assert [o["order_id"] for o in listed] == [mine["order_id"]]
    assert listed[0]["text"] == "Stolen vehicle" and listed[0]["status_text"] == "New"
    assert [b["label"] for b in listed[0]["buttons"]] == ["Accept", "Decline"]
    assert theirs["order_id"] not in web.get("/unit/orders").get_data(as_text=True)


def test_answers_follow_the_status_machine_with_the_persons_name(world: Any) -> None:
    app, _, r, city = world
    order = _order(r, city, "P01")
    web, token = _unit(app)
    url = f"/unit/orders/{order['order_id']}/ack?lang=en"
    assert web.post(url, json={"status": "accepted"}).status_code == 403  # no CSRF token
    resp = web.post(url, json={"status": "on_scene"}, headers={"X-CSRFToken": token})
    assert resp.status_code == 409 and "'issued'" in resp.get_json()["error"]
    labels = []
    for status in ("accepted", "en_route", "on_scene"):
        resp = web.post(url, json={"status": status}, headers={"X-CSRFToken": token})
        assert resp.status_code == 200
        labels.append([b["label"] for b in resp.get_json()[0]["buttons"]])
    assert labels == [["En route", "Decline"], ["On scene"], ["Clear"]]
    for bad in ({}, {"note": "   "}, {"note": "x" * 201}, {"note": 7}):  # Clear needs a disposition
        resp = web.post(url, json={"status": "cleared", **bad}, headers={"X-CSRFToken": token})
        assert (resp.status_code, resp.get_json()["field"]) == (400, "note")
    assert r.xlen(KEYS.dispatch_acks) == 3
    resp = web.post(url, json={"status": "cleared", "note": " Driver  arrested "}, headers={"X-CSRFToken": token})
    assert resp.get_json() == []
    assert [f["status"] for _, f in r.xrange(KEYS.dispatch_acks)] == ["accepted", "en_route", "on_scene", "cleared"]
    assert set(r.xrange(KEYS.dispatch_acks)[-1][1]) == {"order_id", "unit", "status", "ts"}
    assert orjson.loads(r.hget(KEYS.orders, order["order_id"]))["disposition"] == "Driver arrested"
    audit = [f for _, f in r.xrange(KEYS.audit) if f["action"].startswith("ack:")]
    assert {f["actor"] for f in audit} == {"user:unit-P01"}
    assert orjson.loads(audit[-1]["detail"])["note"] == "Driver arrested"


def test_decline_needs_a_reason_and_a_repeated_answer_says_it_was_reached(world: Any) -> None:
    app, _, r, city = world
    order = _order(r, city, "P01")
    web, token = _unit(app)
    url = f"/unit/orders/{order['order_id']}/ack"
    resp = web.post(url, json={"status": "declined"}, headers={"X-CSRFToken": token})
    assert (resp.status_code, resp.get_json()["field"]) == (400, "note") and r.xlen(KEYS.dispatch_acks) == 0
    assert web.post(url, json={"status": "accepted"}, headers={"X-CSRFToken": token}).status_code == 200
    again = web.post(url, json={"status": "accepted"}, headers={"X-CSRFToken": token})  # its reply was lost
    assert again.status_code == 409 and again.get_json()["current"] == "accepted" and again.get_json()["reached"]
    late = web.post(url, json={"status": "on_scene"}, headers={"X-CSRFToken": token})
    assert late.status_code == 409 and not late.get_json()["reached"]
    resp = web.post(url, json={"status": "declined", "note": "Flat tyre"}, headers={"X-CSRFToken": token})
    assert resp.status_code == 200 and resp.get_json() == []
    stored = orjson.loads(r.hget(KEYS.orders, order["order_id"]))
    assert (stored["status"], stored["reason"]) == ("declined", "Flat tyre")
    assert [f["status"] for _, f in r.xrange(KEYS.dispatch_acks)] == ["accepted", "declined"]


def test_each_order_carries_its_map_from_the_units_last_fix(world: Any) -> None:
    app, _, r, city = world
    order = _order(r, city, "P01")
    web, _ = _unit(app)
    (listed,) = web.get("/unit/orders?lang=en").get_json()
    m = listed["map"]
    assert len(m["points"]) == 2 and m["unit"] == m["points"][0] and m["target"] == m["points"][-1]
    assert m["target"][1] < m["unit"][1]  # the target (further north than P01's fix) is drawn higher up
    assert min(m["target"] + m["unit"]) >= 0 and max(m["target"][0], m["unit"][0]) <= m["width"]
    assert abs(m["distance_m"] - city_distance(22.503, 114.004, float(order["lat"]), float(order["lon"]))) < 1
    r.hdel(KEYS.last, "P01")
    (listed,) = web.get("/unit/orders?lang=en").get_json()
    assert listed["map"]["unit"] is None and len(listed["map"]["points"]) == 1


def test_another_units_order_and_other_roles_are_refused(world: Any) -> None:
    app, _, r, city = world
    theirs = _order(r, city, "P02")
    web, token = _unit(app)
    resp = web.post(f"/unit/orders/{theirs['order_id']}/ack", json={"status": "accepted"},
                    headers={"X-CSRFToken": token})
    assert resp.status_code == 404 and r.xlen(KEYS.dispatch_acks) == 0
    officer = app.server.test_client()
    sign_in(officer, "officer")
    assert officer.get("/unit/orders").status_code == 403
    assert officer.get("/unit").status_code == 302


def test_help_appends_an_officer_help_alert_at_the_last_position_once(world: Any) -> None:
    app, _, r, city = world
    web, token = _unit(app)
    assert web.post("/unit/help").status_code == 403  # no CSRF token
    resp = web.post("/unit/help", headers={"X-CSRFToken": token})
    assert resp.status_code == 201
    again = web.post("/unit/help", headers={"X-CSRFToken": token})
    assert again.get_json()["alert_id"] == resp.get_json()["alert_id"]  # same event time: the same alert
    helps = [f for _, f in r.xrange(KEYS.alerts) if f["type"] == "officer_help"]
    assert len(helps) == 1
    (h,) = helps
    assert (h["severity"], h["subject"], h["lat"], h["lon"], h["ts"]) == ("red", "P01", "22.503000", "114.004000",
                                                                          str(int(T0)))
    (entry,) = [f for _, f in r.xrange(KEYS.audit) if f["action"] == "officer_help"]
    assert entry["actor"] == "user:unit-P01" and entry["target"] == h["alert_id"]


def test_a_units_socket_gets_its_own_orders_and_nothing_else(world: Any) -> None:
    app, socketio, r, city = world
    clients = {}
    for name in ("unit-P01", "unit-P02"):
        web = app.server.test_client()
        sign_in(web, name)
        clients[name] = socketio.test_client(app.server, namespace=UNIT_NS, flask_test_client=web)
        assert clients[name].is_connected(UNIT_NS)
    officer = app.server.test_client()
    sign_in(officer, "officer")
    assert not socketio.test_client(app.server, namespace=UNIT_NS, flask_test_client=officer).is_connected(UNIT_NS)
    bridge = app.server.extensions["onemap.bridge"]
    bridge.block_ms = 50
    bridge.prime()
    stop = threading.Event()
    order = _order(r, city, "P01")

    def pump() -> None:
        while not stop.is_set():
            bridge.read_once()
            bridge.flush()
    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    got: list[Any] = []
    try:
        for _ in range(100):
            got = [p for p in clients["unit-P01"].get_received(UNIT_NS) if p["name"] == ORDER_EVENT]
            if got:
                break
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(5)
    assert [p["args"][0]["order_id"] for p in got] == [order["order_id"]]
    assert got[0]["args"][0]["text"] == order["text"]
    p02 = clients["unit-P02"].get_received(UNIT_NS)
    assert p02 == []  # no other unit's orders, no alerts, no positions
