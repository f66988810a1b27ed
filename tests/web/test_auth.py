"""Sign-in and roles on the screens (contract A.7.3), through Flask's test client on real Redis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask
import orjson
import pytest
import redis

from app import create_app
from core.keys import Keys
from core.settings import Settings
from tests.web.signin import csrf_of, sign_in
from web import ids

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini_city"
KEYS = Keys("cc")
T0 = 1_700_000_000


@pytest.fixture()
def server(redis_url: str, tmp_path: Path) -> flask.Flask:
    bp = flask.Blueprint("probe_api", __name__)
    bp.add_url_rule("/api/probe", "probe", lambda: "api ok", methods=["POST"])
    settings = Settings(redis_url=redis_url, city_pack=MINI, demo=False, data_dir=tmp_path, rate_sign_in="12/minute")
    app, _ = create_app(settings, redis_url, blueprints=(bp,), start_bridge=False)
    return app.server


def _audit(r: redis.Redis) -> list[dict[str, str]]:
    return [dict(f) for _, f in r.xrange(KEYS.audit)]


@pytest.mark.parametrize(("name", "home"), [("officer", "/"), ("supervisor", "/"), ("wall", "/wall"),
                                             ("unit-P01", "/unit")])
def test_a_good_sign_in_lands_on_the_accounts_home(server: flask.Flask, r: redis.Redis, name: str,
                                                    home: str) -> None:
    client = server.test_client()
    assert sign_in(client, name) == (302, home)
    resp = client.get(home)
    assert resp.status_code == 200
    assert _audit(r)[-1]["actor"] == f"user:{name}" and _audit(r)[-1]["action"] == "sign_in"
    assert orjson.loads(_audit(r)[-1]["detail"])["address"] == "127.0.0.1"


def test_the_form_and_the_refusal(server: flask.Flask, r: redis.Redis) -> None:
    client = server.test_client()
    for path in ("/", "/wall", "/unit"):
        resp = client.get(path + "?lang=en")
        assert resp.status_code == 302 and resp.headers["Location"] == "/login?lang=en", path
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert 'action="/login"' in page and 'name="username"' in page and 'name="password"' in page
    assert ">Sign in</button>" in page and "Demo accounts" in page
    assert "登录</button>" in client.get("/login?lang=zh").get_data(as_text=True)
    # the form names an icon the app serves without a session, so a browser does not ask for a missing one
    assert '<link rel="icon" href="/_favicon.ico">' in page
    icon = client.get("/_favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    resp = client.post("/login", data={"csrf_token": csrf_of(page), "username": "officer", "password": "nope",
                                       "lang": "en"})
    assert resp.status_code == 401
    body = resp.get_data(as_text=True)
    assert '<p role="alert">The name or the password is wrong</p>' in body and 'name="username"' in body
    assert client.get("/").status_code == 302  # still no session
    assert (_audit(r)[-1]["actor"], _audit(r)[-1]["action"]) == ("user:officer", "sign_in_failed")


def test_post_without_csrf_token_is_403_but_the_token_api_is_exempt(server: flask.Flask) -> None:
    client = server.test_client()
    assert client.post("/login", data={"username": "officer", "password": "demo"}).status_code == 403
    sign_in(client, "officer")
    assert client.post("/logout").status_code == 403
    assert client.post("/_dash-update-component", json={}).status_code == 403
    assert client.post("/api/probe").get_data(as_text=True) == "api ok"
    page = client.get("/")
    assert page.status_code == 200
    cookie = client.get_cookie("csrf_token")
    assert cookie is not None and not cookie.http_only
    session = client.get_cookie("session")
    assert session is not None and session.http_only and session.same_site == "Lax"


def test_sign_in_rate_allows_ten_a_minute_then_429(server: flask.Flask) -> None:
    client = server.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    codes = [client.post("/login", data={"csrf_token": token, "username": "officer", "password": "x"}).status_code
             for _ in range(14)]
    assert codes[:12] == [401] * 12 and codes[12:] == [429, 429]


def test_the_wall_sees_only_the_wall_and_units_only_their_page(server: flask.Flask) -> None:
    wall = server.test_client()
    sign_in(wall, "wall")
    assert wall.get("/").headers["Location"] == "/wall" and wall.get("/unit").headers["Location"] == "/wall"
    assert wall.get("/wall").status_code == 200
    unit = server.test_client()
    sign_in(unit, "unit-P01")
    assert unit.get("/").headers["Location"] == "/unit"
    assert unit.post("/_dash-update-component", json={},
                     headers={"X-CSRFToken": csrf_of(unit.get("/unit").get_data(as_text=True))}).status_code == 403
    assert "Unit terminal" in unit.get("/unit?lang=en").get_data(as_text=True)
    officer = server.test_client()
    sign_in(officer, "officer")
    assert officer.get("/wall").status_code == 200 and officer.get("/unit").headers["Location"] == "/"


def _ack(client: Any, alert_id: str) -> dict[str, Any]:
    """The acknowledge callback, posted as Dash's renderer posts it (with the CSRF header)."""
    outputs = [{"id": ids.AL_ACK_MESSAGE, "property": "children"}, {"id": ids.AL_ACK_MESSAGE, "property": "className"},
               {"id": ids.AL_ACK_DONE, "property": "data"}, {"id": ids.AL_ACK_NOTE, "property": "value"}]
    body = {"output": ".." + "...".join(f"{o['id']}.{o['property']}" for o in outputs) + "..",
            "outputs": outputs, "changedPropIds": [f"{ids.AL_ACK_BUTTON}.n_clicks"],
            "inputs": [{"id": ids.AL_ACK_BUTTON, "property": "n_clicks", "value": 1}],
            "state": [{"id": ids.AL_TABLE, "property": "active_cell", "value": {"row_id": alert_id}},
                      {"id": ids.AL_TABLE, "property": "data", "value": [{"id": alert_id}]},
                      {"id": ids.AL_ACK_NOTE, "property": "value", "value": "checked"},
                      {"id": ids.AL_ACK_WHOLE, "property": "value", "value": []},
                      {"id": ids.AL_ACK_DONE, "property": "data", "value": 0},
                      {"id": ids.LANG, "property": "data", "value": "en"}]}
    resp = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": client.get_cookie("csrf_token").value})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return dict(orjson.loads(resp.get_data())["response"])


def test_the_wall_cannot_acknowledge_and_an_officer_acks_as_themself(server: flask.Flask, r: redis.Redis) -> None:
    r.xadd(KEYS.alerts, {"alert_id": "watchlist_hit-a1", "type": "watchlist_hit", "severity": "red",
                         "subject": "粤B1", "lat": "22.505", "lon": "114.005", "ts": str(T0), "zone": "W",
                         "checkpoint": "B", "text": "watchlist plate read"})
    r.set(KEYS.clock, str(T0))
    wall = server.test_client()
    sign_in(wall, "wall")
    wall.get("/wall")
    refused = _ack(wall, "watchlist_hit-a1")
    assert refused[ids.AL_ACK_MESSAGE]["children"] == "This account may not acknowledge (officer or supervisor only)"
    assert r.hget(KEYS.alert_acks, "watchlist_hit-a1") is None
    officer = server.test_client()
    sign_in(officer, "supervisor")
    officer.get("/")
    done = _ack(officer, "watchlist_hit-a1")
    assert done[ids.AL_ACK_MESSAGE]["className"] == "om-ack-message om-ok"
    ack = orjson.loads(r.hget(KEYS.alert_acks, "watchlist_hit-a1") or b"{}")
    assert ack["by"] == "user:supervisor" and ack["note"] == "checked"
    entry = _audit(r)[-1]
    assert (entry["actor"], entry["target"]) == ("user:supervisor", "watchlist_hit-a1")


def test_sign_out_ends_the_session(server: flask.Flask, r: redis.Redis) -> None:
    client = server.test_client()
    sign_in(client, "officer")
    token = client.get_cookie("csrf_token") or None
    client.get("/")
    token = client.get_cookie("csrf_token")
    assert token is not None
    resp = client.post("/logout", data={"csrf_token": token.value})
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    assert (_audit(r)[-1]["actor"], _audit(r)[-1]["action"]) == ("user:officer", "sign_out")
