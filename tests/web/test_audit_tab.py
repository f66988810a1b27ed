"""The Audit tab's roles over Flask's test client on real Redis: only supervisors are offered the
tab, get its rows, and may export (403 for everyone else); an export is itself audited."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import flask
import orjson
import pytest
import redis

from app import create_app
from core.audit import append_audit
from core.keys import Keys
from core.settings import Settings
from tests.web.signin import sign_in
from web import ids

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini_city"
KEYS = Keys("cc")
FILTER_STATE = [{"id": ids.AUD_WINDOW, "property": "value", "value": "all"},
                {"id": ids.AUD_ACTOR, "property": "value", "value": []},
                {"id": ids.AUD_ACTION, "property": "value", "value": []},
                {"id": ids.AUD_TEXT, "property": "value", "value": ""},
                {"id": ids.AUD_FLAG, "property": "value", "value": []}]


@pytest.fixture()
def server(redis_url: str, tmp_path: Path) -> flask.Flask:
    settings = Settings(redis_url=redis_url, city_pack=MINI, demo=False, data_dir=tmp_path, tile_url="")
    app, _ = create_app(settings, redis_url, start_bridge=False)
    return app.server


def _client(server: flask.Flask, name: str) -> Any:
    client = server.test_client()
    assert sign_in(client, name)[0] == 302
    if name.startswith("unit-"):
        client.get("/unit")
    else:
        client.get("/wall" if name == "wall" else "/")  # the page sets the csrf_token cookie
    return client


def _post(client: Any, outputs: list[tuple[str, str]], inputs: list[dict[str, Any]],
          state: list[dict[str, Any]] | None = None) -> Any:
    """Post one callback as Dash's renderer does (with the CSRF header)."""
    outs = [{"id": i, "property": p} for i, p in outputs]
    body = {"output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".." if len(outputs) > 1
            else f"{outputs[0][0]}.{outputs[0][1]}",
            "outputs": outs if len(outs) > 1 else outs[0], "inputs": inputs, "state": state or [],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}
    cookie = client.get_cookie("csrf_token")
    if cookie is not None:
        token = cookie.value
    else:  # the unit terminal hands its token in a meta tag
        found = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/unit").get_data(as_text=True))
        assert found
        token = found.group(1)
    return client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})


def _page(client: Any) -> str:
    resp = _post(client, [(ids.PAGE, "children")], [{"id": ids.URL, "property": "pathname", "value": "/"}])
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _export(client: Any) -> Any:
    return _post(client, [(ids.AUD_DOWNLOAD, "data")],
                 [{"id": ids.AUD_EXPORT, "property": "n_clicks", "value": 1}],
                 FILTER_STATE + [{"id": ids.LANG, "property": "data", "value": "en"}])


def test_only_the_supervisors_header_offers_the_audit_tab(server: flask.Flask) -> None:
    supervisor, officer = _client(server, "supervisor"), _client(server, "officer")
    assert '"value":"audit"' in _page(supervisor) and ids.AUD_TABLE in _page(supervisor)
    officer_page = _page(officer)
    assert '"value":"alerts"' in officer_page  # the same page, with its other tabs
    assert '"value":"audit"' not in officer_page and ids.AUD_TABLE not in officer_page


@pytest.mark.parametrize("name", ["officer", "wall", "unit-P01"])
def test_everyone_but_a_supervisor_gets_403_on_export_and_no_rows(server: flask.Flask, r: redis.Redis,
                                                                   name: str) -> None:
    append_audit(r, KEYS, "user:officer", "sign_in", "", {}, source="10.0.0.1")
    before = r.xlen(KEYS.audit)
    client = _client(server, name)
    assert _export(client).status_code == 403
    resp = _post(client, [(ids.AUD_TABLE, "data"), (ids.AUD_SUMMARY, "children"), (ids.AUD_FLAG_LIST, "children"),
                          (ids.AUD_SHOWN, "children"), (ids.AUD_ACTOR, "options"), (ids.AUD_ACTION, "options")],
                 [*FILTER_STATE, {"id": ids.AUD_REFRESH, "property": "n_clicks", "value": 1},
                  {"id": ids.LANG, "property": "data", "value": "en"},
                  {"id": ids.TAB_SELECT, "property": "value", "value": "audit"}])
    if name.startswith("unit-"):
        assert resp.status_code == 403  # a unit session reaches no Dash route at all
    else:
        out = orjson.loads(resp.get_data())["response"]
        assert out[ids.AUD_TABLE]["data"] == [] and out[ids.AUD_SHOWN]["children"] == "Supervisors only"
        assert out[ids.AUD_ACTOR]["options"] == []
    assert r.xlen(KEYS.audit) == before + 1  # only the sign-in of this test: nothing exported


def test_a_supervisors_export_is_the_rows_and_is_itself_audited(server: flask.Flask, r: redis.Redis) -> None:
    append_audit(r, KEYS, "user:officer", "alert_ack", "watchlist_hit-1", {"note": "seen"}, source="10.0.0.1")
    client = _client(server, "supervisor")
    resp = _export(client)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    download = orjson.loads(resp.get_data())["response"][ids.AUD_DOWNLOAD]["data"]
    assert download["filename"] == "onemap-audit.csv"
    rows = list(csv.reader(io.StringIO(download["content"].lstrip("\ufeff"))))
    assert rows[0][:4] == ["entry_id", "ts", "Time", "Who"]
    actions = [row[4] for row in rows[1:]]
    assert actions == ["sign_in", "alert_ack"]  # newest first: the supervisor's sign-in, the officer's ack
    assert rows[2][5:9] == ["Acknowledged alert", "watchlist_hit-1", "note=seen", "10.0.0.1"]
    (_, last), = r.xrevrange(KEYS.audit, count=1)
    assert (last["actor"], last["action"], last["source"]) == ("user:supervisor", "audit_export", "127.0.0.1")
    assert orjson.loads(last["detail"])["rows"] == 2
