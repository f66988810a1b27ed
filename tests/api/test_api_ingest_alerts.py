"""POST /api/ingest and GET /api/alerts: roles, per-message answers, filtering and order."""

from __future__ import annotations

import zlib
from typing import Any

import flask
import pytest
import redis

from api import create_api
from api.auth import authenticate, require_role, token_of
from api.errors import ApiError
from core.model import AlertType
from tests.api.conftest import (
    INGEST,
    KEYS,
    OFFICER,
    SUPER,
    T0,
    UNIT_P01,
    WALL,
    add_alert,
    bearer,
    inputs,
    snapshot,
)

GOOD_GPS = {"type": "gps", "id": "P01", "lat": 22.505, "lon": 114.003, "ts": 1_700_000_000, "speed": 30}
GOOD_ANPR = {"type": "anpr", "checkpoint": "A", "plate": "粤BZ9999", "ts": "2023-11-14T22:13:20+00:00",
             "confidence": 0.9}


# --- auth, pure -----------------------------------------------------------------------------------

def test_tokens_and_roles() -> None:
    assert token_of("Bearer  abc ") == "abc" and token_of("Token abc") is None
    assert authenticate("Bearer a", {"a": "unit:P01"}) == "unit:P01"
    for header in (None, "", "Bearer", "Bearer b", "Basic a"):
        with pytest.raises(ApiError) as err:
            authenticate(header, {"a": "officer"})
        assert err.value.status == 401
    with pytest.raises(ApiError) as err:
        require_role("supervisor", "officer")
    assert err.value.status == 403
    with pytest.raises(ApiError):
        require_role("unit:", "unit:*")
    assert require_role("unit:P02", "unit:*") == "unit:P02"


def test_no_tokens_configured_means_401_to_every_token(settings: Any, r: redis.Redis, city: Any) -> None:
    app = flask.Flask("no-tokens")
    app.register_blueprint(create_api(type(settings)(api_tokens={}), r, city))
    resp = app.test_client().get("/api/alerts", headers=OFFICER)
    assert resp.status_code == 401 and resp.get_json()["field"] == "Authorization"


# --- ingest -------------------------------------------------------------------------------------

def test_ingest_writes_good_messages_to_their_partitions_and_refuses_bad_ones_naming_the_field(
        client: Any, r: redis.Redis) -> None:
    body = [GOOD_GPS, {**GOOD_GPS, "lat": 95}, GOOD_ANPR, {"type": "anpr", "plate": "X", "ts": 1},
            {"type": "sms"}, "not an object", {**GOOD_GPS, "heading": {"deg": 3}}]
    resp = client.post("/api/ingest", json=body, headers=INGEST)
    assert resp.status_code == 200
    results = resp.get_json()
    assert [x["accepted"] for x in results] == [True, False, True, False, False, False, False]
    assert [x["index"] for x in results] == list(range(7))
    assert [x.get("field") for x in results] == [None, "lat", None, "checkpoint", "type", "message", "heading"]
    assert all(x["field"] in x["error"] for x in results if not x["accepted"])
    gps_p = zlib.crc32(b"P01") % 4
    anpr_p = zlib.crc32("粤BZ9999".encode()) % 4
    assert (results[0]["partition"], results[2]["partition"]) == (gps_p, anpr_p)
    assert r.xrange(KEYS.input(gps_p))[0] == (results[0]["entry_id"], {
        "type": "gps", "id": "P01", "lat": "22.505", "lon": "114.003", "ts": "1700000000", "speed": "30"})
    assert r.xrange(KEYS.input(anpr_p))[-1][1] == {
        "type": "anpr", "checkpoint": "A", "plate": "粤BZ9999", "ts": "2023-11-14T22:13:20+00:00",
        "confidence": "0.9"}
    assert len(inputs(r)) == 2


@pytest.mark.parametrize("headers", [{}, bearer("wrong"), OFFICER, WALL, UNIT_P01, SUPER])
def test_ingest_without_the_ingest_role_is_refused_and_changes_nothing(
        client: Any, r: redis.Redis, headers: dict[str, str]) -> None:
    before = snapshot(r)
    resp = client.post("/api/ingest", json=[GOOD_GPS], headers=headers)
    assert resp.status_code == (401 if headers in ({}, bearer("wrong")) else 403)
    assert snapshot(r) == before


@pytest.mark.parametrize("body", [{"type": "gps"}, "text", 5])
def test_ingest_body_that_is_not_a_list_is_400(client: Any, r: redis.Redis, body: Any) -> None:
    resp = client.post("/api/ingest", json=body, headers=INGEST)
    assert resp.status_code == 400 and resp.get_json()["field"] == "body"
    assert inputs(r) == []


# --- alerts -------------------------------------------------------------------------------------

def test_alerts_newest_first_with_contract_fields_and_numbers(client: Any, r: redis.Redis) -> None:
    add_alert(r, "a1", ts=T0)
    add_alert(r, "a3", AlertType.OVERSPEED, subject="粤BC1001", ts=T0 + 20, checkpoint="", zone="W")
    add_alert(r, "a2", ts=T0 + 10.5)
    for headers in (OFFICER, SUPER, WALL, INGEST, UNIT_P01):
        resp = client.get("/api/alerts", headers=headers)
        assert resp.status_code == 200
        assert [a["alert_id"] for a in resp.get_json()] == ["a3", "a2", "a1"]
    first = client.get("/api/alerts", headers=WALL).get_json()[0]
    assert set(first) == {"alert_id", "type", "severity", "subject", "lat", "lon", "ts", "zone", "checkpoint",
                          "text"}
    assert (first["type"], first["lat"], first["lon"], first["ts"], first["zone"]) == (
        "overspeed", 22.505, 114.001, int(T0 + 20), "W")


@pytest.mark.parametrize("since", [str(int(T0 + 10)), "2023-11-14T22:13:30+00:00", "2023-11-15T06:13:30+08:00"])
def test_alerts_since_keeps_ts_at_or_after_it(client: Any, r: redis.Redis, since: str) -> None:
    for i, dt in enumerate((0, 10, 11, 30)):
        add_alert(r, f"a{i}", ts=T0 + dt)
    resp = client.get("/api/alerts", query_string={"since": since}, headers=OFFICER)
    assert [a["alert_id"] for a in resp.get_json()] == ["a3", "a2", "a1"]


def test_alerts_limit(client: Any, r: redis.Redis) -> None:
    for i in range(5):
        add_alert(r, f"a{i}", ts=T0 + i)
    resp = client.get("/api/alerts?limit=2", headers=OFFICER)
    assert [a["alert_id"] for a in resp.get_json()] == ["a4", "a3"]


@pytest.mark.parametrize(("query", "field"), [("since=yesterday", "since"), ("since=2023-11-14T22:13:20", "since"),
                                              ("limit=0", "limit"), ("limit=many", "limit")])
def test_alerts_bad_query_is_400_naming_the_field(client: Any, query: str, field: str) -> None:
    resp = client.get(f"/api/alerts?{query}", headers=OFFICER)
    assert resp.status_code == 400 and resp.get_json()["field"] == field


def test_alerts_need_a_token(client: Any, r: redis.Redis) -> None:
    add_alert(r, "a1")
    assert client.get("/api/alerts").status_code == 401
    assert client.get("/api/alerts", headers=bearer("nope")).status_code == 401
