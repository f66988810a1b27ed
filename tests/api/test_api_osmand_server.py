"""The standalone OsmAnd listener (``/`` on its own port)."""

from __future__ import annotations

import socket
import urllib.request
from typing import Any

import redis

from api import create_osmand_app, serve_osmand
from city.citypack import CityPack
from core.settings import Settings
from tests.api.conftest import inputs, snapshot

TS = 1_700_000_000


def test_root_path_answers_the_osmand_protocol(settings: Settings, r: redis.Redis, city: CityPack) -> None:
    c = create_osmand_app(settings, r, city).test_client()
    assert c.get(f"/?id=P01&lat=22.505&lon=114.003&timestamp={TS}").status_code == 200
    assert c.post("/", data={"id": "P02", "lat": "22.5", "lon": "114", "timestamp": str(TS)}).status_code == 200
    assert sorted(m["id"] for m in inputs(r)) == ["P01", "P02"]
    before = snapshot(r)
    resp = c.get(f"/?id=ghost&lat=22.5&lon=114&timestamp={TS}")
    assert resp.status_code == 400 and resp.get_json()["field"] == "id"
    resp = c.get("/")
    assert resp.status_code == 400 and resp.get_json()["field"] == "id"
    assert snapshot(r) == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_listener_serves_on_its_own_port(settings: Any, r: redis.Redis, city: CityPack) -> None:
    own = Settings(prefix=settings.prefix, partitions=settings.partitions, osmand_port=_free_port())
    server, thread = serve_osmand(own, r, city, host="127.0.0.1")
    try:
        url = f"http://127.0.0.1:{own.osmand_port}/?id=P03&lat=22.505&lon=114.019&timestamp={TS}000"
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert [(m["id"], m["ts"]) for m in inputs(r)] == [("P03", str(TS))]


def test_a_get_with_a_json_content_type_and_no_body_reads_the_query(
    settings: Settings, r: redis.Redis, city: CityPack
) -> None:
    """Some trackers send ``Content-Type: application/json`` on every request, bodies or not."""
    c = create_osmand_app(settings, r, city).test_client()
    resp = c.get("/?id=P01&lat=22.505&lon=114.005&timestamp=1700000000", content_type="application/json")
    assert resp.status_code == 200
    assert [(m["id"], m["ts"]) for m in inputs(r)] == [("P01", "1700000000")]
