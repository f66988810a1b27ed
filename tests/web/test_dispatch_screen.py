"""The Dispatch tab's writing callbacks, posted as Dash's renderer posts them, on real Redis: an
officer dispatches as ``user:{name}``; a wall session is refused and nothing is written; flipping
auto-dispatch is audited and refused to the wall."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import flask
import orjson
import pytest
import redis

from app import create_app
from core.keys import Keys
from core.settings import Settings
from tests.web.signin import sign_in
from web import ids

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini_city"
KEYS = Keys("cc")
T0 = 1_700_000_000


@pytest.fixture()
def server(redis_url: str, tmp_path: Path, r: redis.Redis) -> flask.Flask:
    settings = Settings(redis_url=redis_url, city_pack=MINI, demo=False, data_dir=tmp_path)
    app, _ = create_app(settings, redis_url, start_bridge=False)
    r.xadd(KEYS.alerts, {"alert_id": "overspeed-d1", "type": "overspeed", "severity": "red", "subject": "粤B1",
                         "lat": "22.505", "lon": "114.005", "ts": str(T0), "zone": "W", "checkpoint": "",
                         "text": "speeding"})
    r.hset(KEYS.last, "P01", orjson.dumps({"subject": "P01", "lat": 22.505, "lon": 114.004, "ts": T0}))
    r.set(KEYS.clock, str(T0))
    return app.server


def _post(client: Any, outputs: list[tuple[str, str]], inputs: list[Any], changed: str,
          state: list[dict[str, Any]]) -> dict[str, Any]:
    outs = [{"id": i, "property": p} for i, p in outputs]
    body = {"output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..", "outputs": outs,
            "changedPropIds": [changed], "inputs": inputs, "state": state}
    resp = client.post("/_dash-update-component", json=body,
                       headers={"X-CSRFToken": client.get_cookie("csrf_token").value})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return dict(orjson.loads(resp.get_data())["response"])


def _dispatch(client: Any, alert_id: str, unit: str) -> dict[str, Any]:
    button = ids.dp_send(alert_id, unit)
    changed = json.dumps(button, sort_keys=True, separators=(",", ":")) + ".n_clicks"
    return _post(client, [(ids.DP_MESSAGE, "children"), (ids.DP_MESSAGE, "className"), (ids.DP_DONE, "data")],
                 [[{"id": button, "property": "n_clicks", "value": 1}]], changed,
                 [{"id": ids.DP_DONE, "property": "data", "value": 0}, {"id": ids.LANG, "property": "data", "value": "en"}])


def _auto(client: Any, wanted: list[str]) -> dict[str, Any]:
    return _post(client, [(ids.DP_AUTO, "value"), (ids.DP_AUTO, "options"), (ids.DP_AUTO_INFO, "children")],
                 [{"id": ids.DP_AUTO, "property": "value", "value": wanted},
                  {"id": ids.LANG, "property": "data", "value": "en"},
                  {"id": ids.TAB_SELECT, "property": "value", "value": "dispatch"},
                  {"id": ids.DP_SEEN, "property": "data", "value": 0}], f"{ids.DP_AUTO}.value", [])


def _actions(r: redis.Redis) -> list[str]:
    return [f["action"] for _, f in r.xrange(KEYS.audit) if not f["action"].startswith("sign_in")]


def test_the_wall_cannot_dispatch_and_an_officer_dispatches_as_themself(server: flask.Flask, r: redis.Redis) -> None:
    wall = server.test_client()
    sign_in(wall, "wall")
    wall.get("/wall")
    refused = _dispatch(wall, "overspeed-d1", "P01")
    assert refused[ids.DP_MESSAGE]["children"] == "This account may not dispatch (officer or supervisor only)"
    assert ids.DP_DONE not in refused  # no refresh: nothing happened
    assert r.hlen(KEYS.orders) == 0 and r.exists(KEYS.dispatch("P01")) == 0 and _actions(r) == []

    officer = server.test_client()
    sign_in(officer, "officer")
    officer.get("/")
    done = _dispatch(officer, "overspeed-d1", "P01")
    assert done[ids.DP_MESSAGE]["className"] == "om-dp-message om-ok"
    assert done[ids.DP_MESSAGE]["children"].startswith("Dispatched: West-1 西01 · O-")
    (order,) = [orjson.loads(v) for v in r.hvals(KEYS.orders)]
    assert (order["alert_id"], order["unit"], order["issued_by"], order["status"]) == (
        "overspeed-d1", "P01", "user:officer", "issued")
    again = _dispatch(officer, "overspeed-d1", "P01")  # a second click: the unit is already on it
    assert again[ids.DP_MESSAGE]["children"] == "This unit already has an open order for this alert"
    assert r.hlen(KEYS.orders) == 1 and _actions(r) == ["dispatch"]
    assert [f["source"] for _, f in r.xrange(KEYS.audit) if f["action"] == "dispatch"] == ["127.0.0.1"]  # where from


def test_auto_dispatch_switches_are_audited_and_refused_to_the_wall(server: flask.Flask, r: redis.Redis) -> None:
    wall = server.test_client()
    sign_in(wall, "wall")
    wall.get("/wall")
    refused = _auto(wall, ["overspeed"])
    assert refused[ids.DP_AUTO]["value"] == []  # the switch springs back
    assert "This account may not dispatch" in str(refused[ids.DP_AUTO_INFO]["children"])
    assert r.hlen(KEYS.auto_dispatch) == 0 and _actions(r) == []

    sup = server.test_client()
    sign_in(sup, "supervisor")
    sup.get("/")
    on = _auto(sup, ["overspeed", "watchlist_hit"])
    assert on[ids.DP_AUTO]["value"] == ["overspeed", "watchlist_hit"]
    assert "Overspeed (on, by supervisor)" in str(on[ids.DP_AUTO_INFO]["children"])
    off = _auto(sup, ["watchlist_hit"])
    assert off[ids.DP_AUTO]["value"] == ["watchlist_hit"]
    assert _actions(r) == ["auto_dispatch_on", "auto_dispatch_on", "auto_dispatch_off"]
    assert {(f["actor"], f["source"]) for _, f in r.xrange(KEYS.audit) if f["action"].startswith("auto")} == {
        ("user:supervisor", "127.0.0.1")}


def test_the_dispatch_loop_carries_the_learning_window_of_the_settings(redis_url: str, tmp_path: Path) -> None:
    settings = Settings(redis_url=redis_url, city_pack=MINI, demo=False, data_dir=tmp_path, learn_window_s=3600.0)
    app, _ = create_app(settings, redis_url, start_bridge=False)
    assert app.server.extensions["onemap.dispatch"].learn_window_s == 3600.0  # what the tab and auto-dispatch use
