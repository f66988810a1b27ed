"""``source`` ("from where") on every audit entry written over HTTP: sign-in, the API's dispatch
and answers, the unit terminal, an acknowledgement on the screens (Flask test clients on real Redis)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import flask
import orjson
import pytest
import redis

from api import create_api
from app import create_app
from city.citypack import load_city_pack
from core.audit import SERVER_SOURCE
from core.keys import Keys
from core.model import Alert, AlertType, Severity
from core.settings import Settings
from tests.web.signin import sign_in
from tests.web.test_auth import _ack
from web.auth import request_source

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini_city"
KEYS = Keys("cc")
T0 = 1_700_000_000.0
TOKENS = {"tok-officer": "officer", "tok-p01": "unit:P01"}


@pytest.fixture()
def server(redis_url: str, r: redis.Redis, tmp_path: Path) -> flask.Flask:
    for n in (1, 2):
        r.xadd(KEYS.alerts, Alert(f"watchlist_hit-s{n}", AlertType.WATCHLIST_HIT, Severity.RED, "粤BZ9999", 22.505,
                                  114.001, T0, checkpoint="A", text="Stolen vehicle").to_fields())
    r.hset(KEYS.last, "P01", orjson.dumps({"subject": "P01", "kind": "unit", "lat": "22.503000",
                                           "lon": "114.004000", "ts": str(int(T0 - 10))}))
    r.set(KEYS.clock, str(int(T0)))
    settings = Settings(redis_url=redis_url, city_pack=MINI, demo=False, data_dir=tmp_path, tile_url="",
                        api_tokens=dict(TOKENS))
    api = create_api(settings, redis.Redis.from_url(redis_url), load_city_pack(MINI))
    app, _ = create_app(settings, redis_url, blueprints=(api,), start_bridge=False)
    return app.server


def _client(server: flask.Flask, address: str) -> Any:
    client = server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _audit(r: redis.Redis) -> list[dict[str, str]]:
    return [dict(f) for _, f in r.xrange(KEYS.audit)]


def test_sign_in_entries_say_from_which_address(server: flask.Flask, r: redis.Redis) -> None:
    client = _client(server, "10.1.2.3")
    assert sign_in(client, "officer", "wrong")[0] == 401
    assert sign_in(client, "supervisor")[0] == 302
    got = [(e["actor"], e["action"], e["source"]) for e in _audit(r)]
    assert got == [("user:officer", "sign_in_failed", "10.1.2.3"), ("user:supervisor", "sign_in", "10.1.2.3")]


def test_the_api_writes_the_callers_address_and_the_distance_at_dispatch(server: flask.Flask, r: redis.Redis) -> None:
    officer = _client(server, "10.0.0.8")
    resp = officer.post("/api/dispatch", json={"alert_id": "watchlist_hit-s1", "unit": "P01"},
                        headers={"Authorization": "Bearer tok-officer"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    order_id = resp.get_json()["order_id"]
    unit = _client(server, "10.0.0.9")
    assert unit.post(f"/api/dispatch/{order_id}/ack", json={"status": "declined"},
                     headers={"Authorization": "Bearer tok-p01"}).status_code == 200
    dispatch, decline = _audit(r)
    assert (dispatch["action"], dispatch["source"]) == ("dispatch", "10.0.0.8")
    assert (decline["action"], decline["source"]) == ("ack:declined", "10.0.0.9")
    detail = orjson.loads(dispatch["detail"])
    assert detail["alert_id"] == "watchlist_hit-s1" and detail["distance_m"] > 0 and detail["eta_s"] > 0


def test_the_unit_terminal_and_the_screens_write_the_persons_address(server: flask.Flask, r: redis.Redis) -> None:
    officer = _client(server, "10.0.0.20")
    assert sign_in(officer, "officer")[0] == 302
    officer.get("/")
    assert _ack(officer, "watchlist_hit-s2")  # the alerts tab's acknowledge callback
    order = officer.post("/api/dispatch", json={"alert_id": "watchlist_hit-s1", "unit": "P01"},
                         headers={"Authorization": "Bearer tok-officer"}).get_json()
    unit = _client(server, "10.0.0.21")
    assert sign_in(unit, "unit-P01")[0] == 302
    page = unit.get("/unit?lang=en").get_data(as_text=True)
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found, page
    token = {"X-CSRFToken": found.group(1)}
    assert unit.post(f"/unit/orders/{order['order_id']}/ack", json={"status": "accepted"}, headers=token).status_code == 200
    assert unit.post("/unit/help", headers=token).status_code == 201
    by_action = {e["action"]: e["source"] for e in _audit(r)}
    assert by_action["alert_ack"] == "10.0.0.20"
    assert by_action["ack:accepted"] == "10.0.0.21" and by_action["officer_help"] == "10.0.0.21"


def test_outside_a_request_the_source_is_the_process() -> None:
    assert request_source() == SERVER_SOURCE == "web"
    with flask.Flask("probe").test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.1"}):
        assert request_source() == "192.0.2.1"
