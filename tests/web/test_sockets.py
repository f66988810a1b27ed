"""The ``catchup`` handler over the real Flask-SocketIO server (its test client) and real Redis:
a client that (re)connects, or noticed a gap, gets what it missed, and only that client does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis

from app import create_app
from core.keys import Keys
from core.settings import ROOT, Settings
from tests.web.signin import sign_in
from web.bridge import EVENTS
from web.sockets import CATCHUP

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini_city"
KEYS = Keys("cc")
T0 = 1_700_000_000.0


def _fix(subject: str, ts: float, lat: float) -> dict[str, str]:
    return {"subject": subject, "kind": "unit", "category": "", "lat": f"{lat:.6f}", "lon": "114.005000",
            "ts": f"{ts:.0f}", "speed": "20.0", "heading": "90", "zone": "W"}


def _alert(client: redis.Redis, n: int) -> str:
    return client.xadd(KEYS.alerts, {
        "alert_id": f"watchlist_hit-s{n}", "type": "watchlist_hit", "severity": "red", "subject": f"粤B{n:05d}",
        "lat": "22.505000", "lon": "114.005000", "ts": f"{T0 + n:.0f}", "zone": "W", "checkpoint": "B",
        "text": f"alert {n}"}).decode()


def _events(tc: Any) -> dict[str, list[Any]]:
    got: dict[str, list[Any]] = {}
    for packet in tc.get_received():
        got.setdefault(packet["name"], []).append(packet["args"][0])
    return got


def _client(app: Any, socketio: Any, username: str = "officer") -> Any:
    """A Socket.IO test client with a signed-in session (a connection needs one)."""
    web = app.server.test_client()
    assert sign_in(web, username)[0] == 302
    return socketio.test_client(app.server, flask_test_client=web)


@pytest.fixture()
def socketio_app(redis_url: str) -> tuple[Any, redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    fixes = [_fix("P01", T0 - 30, 22.504), _fix("P01", T0, 22.506), _fix("P02", T0, 22.507)]
    client.hset(KEYS.last, mapping={f["subject"]: orjson.dumps(f) for f in fixes[1:]})
    client.lpush(KEYS.track("P01"), *[orjson.dumps(f) for f in fixes[:2]])
    client.set(KEYS.clock, f"{T0:.0f}")
    settings = Settings(redis_url=redis_url, city_pack=MINI, demo=False, tile_url="")
    app, socketio = create_app(settings, redis_url, start_bridge=False)
    return (app, socketio), client


def test_catchup_sends_the_missed_alerts_and_the_picture_to_that_client_only(
        socketio_app: tuple[Any, redis.Redis]) -> None:
    (app, socketio), client = socketio_app
    ids = [_alert(client, n) for n in range(4)]
    client.hset(KEYS.alert_acks, "watchlist_hit-s2", orjson.dumps({"by": "Li", "note": "", "ts": T0}))
    me, other = _client(app, socketio), _client(app, socketio)
    assert me.is_connected() and other.is_connected()
    me.get_received(), other.get_received()  # nothing is pushed on connect: the client asks

    sent = me.emit(CATCHUP, {"after": ids[1]}, callback=True)

    got = _events(me)
    assert sent == {"positions": 2, "tracks": 1, "alerts": 2, "acks": 1}
    (alerts,) = got["alerts"]
    assert [a["alert_id"] for a in alerts["alerts"]] == ["watchlist_hit-s2", "watchlist_hit-s3"]
    assert alerts["last"] == ids[3] and alerts["after"] is None and alerts["reset"] is False
    (positions,) = got["positions"]
    assert positions["snapshot"] is True
    assert sorted((r[0], r[3], r[5]) for r in positions["rows"]) == [("P01", 22.506, T0), ("P02", 22.507, T0)]
    assert got["tracks"] == [{"tracks": {"P01": [[22.504, 114.005, T0 - 30], [22.506, 114.005, T0]]}}]
    assert got["acks"] == [{"ids": ["watchlist_hit-s2"]}]
    assert got["summary"][0]["clock"] == T0 and got["summary"][0]["clock_text"] == "2023-11-15 06:13:20"
    assert other.get_received() == []  # a catch-up goes to the client that asked, no one else


@pytest.mark.parametrize("after", [None, "not-an-id", 42])
def test_catchup_without_a_usable_id_starts_afresh_from_the_recent_alerts(
        socketio_app: tuple[Any, redis.Redis], after: Any) -> None:
    (app, socketio), client = socketio_app
    ids = [_alert(client, n) for n in range(3)]
    me = _client(app, socketio)
    me.emit(CATCHUP, {"after": after})
    (alerts,) = _events(me)["alerts"]
    assert alerts["reset"] is True and alerts["last"] == ids[-1]
    assert [a["id"] for a in alerts["alerts"]] == ids


def test_catchup_with_the_newest_id_sends_no_alert_but_still_the_picture(
        socketio_app: tuple[Any, redis.Redis]) -> None:
    (app, socketio), client = socketio_app
    newest = [_alert(client, n) for n in range(2)][-1]
    me = _client(app, socketio)
    me.emit(CATCHUP, {"after": newest})
    got = _events(me)
    assert got["alerts"] == [{"alerts": [], "after": None, "last": newest, "reset": False}]
    assert {r[0] for r in got["positions"][0]["rows"]} == {"P01", "P02"}


def test_the_page_listens_to_every_event_the_bridge_pushes_and_emits_catchup() -> None:
    script = (ROOT / "assets" / "onemap_ui.js").read_text(encoding="utf-8")
    listed = re.search(r"var EVENTS = \[([^\]]*)\]", script)
    assert listed is not None
    assert tuple(re.findall(r'"(\w+)"', listed.group(1))) == EVENTS
    assert f'socket.emit("{CATCHUP}"' in script


def test_a_connection_needs_a_signed_in_screen(socketio_app: tuple[Any, redis.Redis]) -> None:
    (app, socketio), _ = socketio_app
    assert not socketio.test_client(app.server).is_connected()  # no session
    assert not _client(app, socketio, "unit-P01").is_connected()  # a unit: only its own namespace /unit
    assert _client(app, socketio, "wall").is_connected()
