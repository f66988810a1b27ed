"""Candidates, dispatch and acks over HTTP: roles, validation, and the streams' exact fields."""

from __future__ import annotations

from typing import Any

import flask
import orjson
import pytest
import redis

from api import create_api
from api.candidates import UNIT_KMH, downstream_stations, road_m
from api.dispatch import ACK_STATUSES, next_allowed
from city.citypack import CityPack
from core.model import AlertType, Severity
from tests.api.conftest import (
    INGEST,
    KEYS,
    OFFICER,
    SUPER,
    T0,
    UNIT_P01,
    UNIT_P02,
    WALL,
    add_alert,
    bearer,
    set_fix,
    snapshot,
)

ORDER_FIELDS = {"order_id", "alert_id", "unit", "lat", "lon", "checkpoint", "issued_by", "ts", "text"}


def at(city: CityPack, cp: str) -> tuple[float, float]:
    return city.checkpoints[cp].lat, city.checkpoints[cp].lon


@pytest.fixture()
def scene(r: redis.Redis, city: CityPack) -> None:
    """A watchlist hit at checkpoint A; P01 waits at station B, P02 stands beside A, P03 far east."""
    add_alert(r, "watchlist_hit-1", ts=T0)
    add_alert(r, "overspeed-1", AlertType.OVERSPEED, subject="粤BC1001", lat=22.51, lon=114.01, ts=T0 + 5,
              checkpoint="", severity=Severity.YELLOW, text="92 km/h in a 60 zone")
    set_fix(r, "P01", *at(city, "B"), T0 - 10)
    set_fix(r, "P02", 22.5051, 114.0011, T0 - 10)
    set_fix(r, "P03", 22.52, 114.05, T0 - 10)
    r.set(KEYS.clock, str(T0))


def test_candidates_rank_the_interceptor_first_with_its_margin(client: Any, scene: None, city: CityPack) -> None:
    resp = client.get("/api/alerts/watchlist_hit-1/candidates", headers=OFFICER)
    assert resp.status_code == 200
    ranked = resp.get_json()
    assert [c["unit"] for c in ranked] == ["P01", "P02", "P03"]
    first = ranked[0]
    assert (first["callsign"], first["status"], first["checkpoint"]) == (city.units["P01"].callsign, "available", "B")
    assert first["margin_s"] > 0 and first["eta_s"] == 0 and first["distance_m"] == 0
    assert "margin_s" not in ranked[1] and "checkpoint" not in ranked[1]
    d = road_m(22.5051, 114.0011, *at(city, "A"))
    assert ranked[1]["distance_m"] == pytest.approx(d, abs=0.1)
    assert ranked[1]["eta_s"] == pytest.approx(d / (UNIT_KMH / 3.6), abs=0.1)


def test_candidates_skip_units_without_a_fix_and_mark_offline_ones(
        client: Any, scene: None, r: redis.Redis) -> None:
    r.hdel(KEYS.last, "P03")
    r.set(KEYS.clock, str(T0 + 115))  # P01 and P02 last seen at T0 - 10: offline after 120 s
    set_fix(r, "P01", 22.505, 114.007, T0 + 100)
    ranked = client.get("/api/alerts/overspeed-1/candidates", headers=OFFICER).get_json()
    assert [(c["unit"], c["status"]) for c in ranked] == [("P01", "available"), ("P02", "offline")]


@pytest.mark.parametrize(("headers", "status"), [({}, 401), (bearer("x"), 401), (WALL, 403), (SUPER, 403),
                                                 (INGEST, 403), (UNIT_P01, 403)])
def test_candidates_and_dispatch_are_for_officers_only_and_change_nothing(
        client: Any, scene: None, r: redis.Redis, headers: dict[str, str], status: int) -> None:
    before = snapshot(r)
    assert client.get("/api/alerts/watchlist_hit-1/candidates", headers=headers).status_code == status
    resp = client.post("/api/dispatch", json={"alert_id": "watchlist_hit-1", "unit": "P01"}, headers=headers)
    assert resp.status_code == status and "error" in resp.get_json()
    assert snapshot(r) == before


def test_unknown_alert_is_404(client: Any, scene: None, r: redis.Redis) -> None:
    before = snapshot(r)
    resp = client.get("/api/alerts/nope/candidates", headers=OFFICER)
    assert resp.status_code == 404 and resp.get_json()["field"] == "alert_id"
    resp = client.post("/api/dispatch", json={"alert_id": "nope", "unit": "P01"}, headers=OFFICER)
    assert resp.status_code == 404 and resp.get_json()["field"] == "alert_id"
    assert snapshot(r) == before


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"unit": "P01"}, 400, "alert_id"),
    ({"alert_id": "watchlist_hit-1"}, 400, "unit"),
    ({"alert_id": "watchlist_hit-1", "unit": 7}, 400, "unit"),
    ({"alert_id": "watchlist_hit-1", "unit": "P99"}, 404, "unit"),
    ({"alert_id": "watchlist_hit-1", "unit": "P01", "note": ["x"]}, 400, "note"),
    ({"alert_id": "watchlist_hit-1", "unit": "P01", "note": "x" * 501}, 400, "note"),
    (["watchlist_hit-1", "P01"], 400, "body"),
])
def test_dispatch_bad_input_names_the_field_and_changes_nothing(
        client: Any, scene: None, r: redis.Redis, body: Any, status: int, field: str) -> None:
    before = snapshot(r)
    resp = client.post("/api/dispatch", json=body, headers=OFFICER)
    assert resp.status_code == status and resp.get_json()["field"] == field
    assert field in resp.get_json()["error"]
    assert snapshot(r) == before


def test_dispatch_to_an_interceptor_sends_it_to_the_station(
        client: Any, scene: None, r: redis.Redis, city: CityPack) -> None:
    resp = client.post("/api/dispatch", json={"alert_id": "watchlist_hit-1", "unit": "P01", "note": "block lane 2"},
                       headers=OFFICER)
    assert resp.status_code == 201
    order = resp.get_json()
    assert set(order) == ORDER_FIELDS
    assert order["order_id"].startswith("O-")
    assert (order["alert_id"], order["unit"], order["checkpoint"], order["issued_by"]) == (
        "watchlist_hit-1", "P01", "B", "token:officer")
    assert (order["lat"], order["lon"]) == at(city, "B")
    assert order["ts"] == int(T0)  # the event clock
    assert "block lane 2" in order["text"] and "\n" not in order["text"]
    ((_, fields),) = r.xrange(KEYS.dispatch("P01"))
    assert set(fields) == ORDER_FIELDS
    assert fields == {**{k: str(v) for k, v in order.items()}, "lat": "22.505000", "lon": "114.007000"}
    stored = orjson.loads(r.hget(KEYS.orders, order["order_id"]))
    assert stored["status"] == "issued" and stored["unit"] == "P01"
    assert r.zscore(KEYS.orders_by_time, order["order_id"]) == T0  # found by time, without reading every order
    ((_, audit),) = r.xrange(KEYS.audit)
    assert (audit["actor"], audit["action"], audit["target"]) == ("token:officer", "dispatch", order["order_id"])
    # P01 is now busy: it drops behind the available units
    ranked = client.get("/api/alerts/watchlist_hit-1/candidates", headers=OFFICER).get_json()
    assert [(c["unit"], c["status"]) for c in ranked][-1] == ("P01", "busy")


def test_dispatch_without_intercept_sends_the_unit_to_the_alert(
        client: Any, scene: None, r: redis.Redis) -> None:
    order = client.post("/api/dispatch", json={"alert_id": "overspeed-1", "unit": "P03"}, headers=OFFICER).get_json()
    assert (order["lat"], order["lon"], order["checkpoint"]) == (22.51, 114.01, "")
    assert order["ts"] == int(T0 + 5)  # the clock is behind the alert: never earlier than the alert
    assert len(r.xrange(KEYS.dispatch("P03"))) == 1 and r.xlen(KEYS.dispatch("P01")) == 0


def _dispatch(client: Any, unit: str = "P01") -> dict[str, Any]:
    resp = client.post("/api/dispatch", json={"alert_id": "watchlist_hit-1", "unit": unit}, headers=OFFICER)
    assert resp.status_code == 201
    return dict(resp.get_json())


def test_ack_flow_writes_the_answers_and_frees_the_unit_when_cleared(
        client: Any, scene: None, r: redis.Redis) -> None:
    order = _dispatch(client)
    r.set(KEYS.clock, str(T0 + 60))
    for status in ("accepted", "en_route", "on_scene", "cleared"):
        resp = client.post(f"/api/dispatch/{order['order_id']}/ack", json={"status": status}, headers=UNIT_P01)
        assert resp.status_code == 200
        assert resp.get_json() == {"order_id": order["order_id"], "unit": "P01", "status": status,
                                   "ts": int(T0 + 60)}
    acks = [fields for _, fields in r.xrange(KEYS.dispatch_acks)]
    assert acks == [{"order_id": order["order_id"], "unit": "P01", "status": s, "ts": str(int(T0 + 60))}
                    for s in ("accepted", "en_route", "on_scene", "cleared")]
    assert orjson.loads(r.hget(KEYS.orders, order["order_id"]))["status"] == "cleared"
    assert [(a["actor"], a["action"]) for _, a in r.xrange(KEYS.audit)] == [
        ("token:officer", "dispatch")] + [("token:unit:P01", f"ack:{s}") for s in ("accepted", "en_route", "on_scene",
                                                                                 "cleared")]
    ranked = client.get("/api/alerts/watchlist_hit-1/candidates", headers=OFFICER).get_json()
    assert {c["unit"]: c["status"] for c in ranked}["P01"] == "available"
    assert r.scard(KEYS.open_orders("P01")) == 0


def test_a_declined_order_frees_the_unit(client: Any, scene: None, r: redis.Redis) -> None:
    order = _dispatch(client)
    assert client.post(f"/api/dispatch/{order['order_id']}/ack", json={"status": "declined"},
                       headers=UNIT_P01).status_code == 200
    assert r.scard(KEYS.open_orders("P01")) == 0


def test_an_answer_may_carry_a_note_kept_with_the_order_not_in_the_acks_stream(
        client: Any, scene: None, r: redis.Redis) -> None:
    order = _dispatch(client)
    url = f"/api/dispatch/{order['order_id']}/ack"
    before = snapshot(r)
    resp = client.post(url, json={"status": "declined", "note": "x" * 201}, headers=UNIT_P01)
    assert (resp.status_code, resp.get_json()["field"]) == (400, "note")
    assert snapshot(r) == before
    resp = client.post(url, json={"status": "declined", "note": "  Engine failure  "}, headers=UNIT_P01)
    assert resp.status_code == 200
    stored = orjson.loads(r.hget(KEYS.orders, order["order_id"]))
    assert (stored["status"], stored["reason"], "disposition" in stored) == ("declined", "Engine failure", False)
    assert set(r.xrange(KEYS.dispatch_acks)[-1][1]) == {"order_id", "unit", "status", "ts"}
    detail = orjson.loads(r.xrange(KEYS.audit)[-1][1]["detail"])
    assert detail["note"] == "Engine failure"
    other = _dispatch(client)
    for status in ("accepted", "en_route", "on_scene", "cleared"):
        note = {"note": "Driver arrested"} if status == "cleared" else {}
        assert client.post(f"/api/dispatch/{other['order_id']}/ack", json={"status": status, **note},
                           headers=UNIT_P01).status_code == 200
    assert orjson.loads(r.hget(KEYS.orders, other["order_id"]))["disposition"] == "Driver arrested"


def test_ack_refusals_change_nothing(client: Any, scene: None, r: redis.Redis) -> None:
    order = _dispatch(client)
    url = f"/api/dispatch/{order['order_id']}/ack"
    before = snapshot(r)
    cases = [
        (client.post(url, json={"status": "accepted"}), 401, "Authorization"),
        (client.post(url, json={"status": "accepted"}, headers=bearer("x")), 401, "Authorization"),
        (client.post(url, json={"status": "accepted"}, headers=OFFICER), 403, "Authorization"),
        (client.post(url, json={"status": "accepted"}, headers=UNIT_P02), 403, "Authorization"),
        (client.post("/api/dispatch/O-nope/ack", json={"status": "accepted"}, headers=UNIT_P01), 404, "order_id"),
        (client.post(url, json={"status": "lunch"}, headers=UNIT_P01), 400, "status"),
        (client.post(url, json={}, headers=UNIT_P01), 400, "status"),
        (client.post(url, json="accepted", headers=UNIT_P01), 400, "body"),
    ]
    for resp, status, field in cases:
        assert (resp.status_code, resp.get_json()["field"]) == (status, field)
    assert snapshot(r) == before


# the answers that bring a new order to each status (contract A.7.3)
PATH_TO = {"issued": [], "accepted": ["accepted"], "en_route": ["accepted", "en_route"],
           "on_scene": ["accepted", "en_route", "on_scene"], "cleared": ["accepted", "en_route", "on_scene", "cleared"],
           "declined": ["declined"], "declined_after_accept": ["accepted", "declined"]}
ALLOWED = {("issued", "accepted"), ("issued", "declined"), ("accepted", "en_route"), ("accepted", "declined"),
           ("en_route", "on_scene"), ("on_scene", "cleared")}


@pytest.mark.parametrize("answer", ACK_STATUSES)
@pytest.mark.parametrize("state", list(PATH_TO))
def test_the_status_machine_allows_its_steps_and_refuses_the_rest_with_409(
        client: Any, scene: None, r: redis.Redis, state: str, answer: str) -> None:
    order = _dispatch(client)
    url = f"/api/dispatch/{order['order_id']}/ack"
    for step in PATH_TO[state]:
        assert client.post(url, json={"status": step}, headers=UNIT_P01).status_code == 200
    current = state.removesuffix("_after_accept")
    assert next_allowed(current) == {a for s, a in ALLOWED if s == current}
    before = snapshot(r)
    resp = client.post(url, json={"status": answer}, headers=UNIT_P01)
    if (current, answer) in ALLOWED:
        assert resp.status_code == 200 and resp.get_json()["status"] == answer
        assert orjson.loads(r.hget(KEYS.orders, order["order_id"]))["status"] == answer
        assert r.xrange(KEYS.dispatch_acks)[-1][1]["status"] == answer
        assert r.sismember(KEYS.open_orders("P01"), order["order_id"]) == (answer not in ("cleared", "declined"))
    else:
        assert resp.status_code == 409
        body = resp.get_json()
        assert body["field"] == "status" and repr(current) in body["error"] and repr(answer) in body["error"]
        assert snapshot(r) == before


def test_the_api_works_with_a_client_that_does_not_decode(
        settings: Any, scene: None, redis_url: str, city: CityPack, r: redis.Redis) -> None:
    raw = redis.Redis.from_url(redis_url)
    app = flask.Flask("bytes")
    app.register_blueprint(create_api(settings, raw, city))
    c = app.test_client()
    assert [a["alert_id"] for a in c.get("/api/alerts", headers=WALL).get_json()] == ["overspeed-1",
                                                                                    "watchlist_hit-1"]
    assert c.get("/api/alerts/watchlist_hit-1/candidates", headers=OFFICER).get_json()[0]["checkpoint"] == "B"
    order = c.post("/api/dispatch", json={"alert_id": "watchlist_hit-1", "unit": "P01"}, headers=OFFICER).get_json()
    assert c.post(f"/api/dispatch/{order['order_id']}/ack", json={"status": "accepted"},
                  headers=UNIT_P01).status_code == 200
    assert r.xlen(KEYS.dispatch_acks) == 1
    raw.close()


def test_intercept_station_is_downstream(city: CityPack) -> None:
    assert [s.id for s, _ in downstream_stations("A", city.checkpoints)] == ["B", "D"]
