"""413 and 429 (contract 7.2): one caller's flood or oversized body harms no one else, on real Redis."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import flask
import orjson
import redis

from api import create_api, create_osmand_app
from city.citypack import CityPack
from core.settings import Settings

from .conftest import INGEST, OFFICER, T0, WALL, inputs


def _client(settings: Settings, r: redis.Redis, city: CityPack) -> Any:
    app = flask.Flask("limits")
    app.register_blueprint(create_api(settings, r, city))
    return app.test_client()


def _fix(device: str, i: int) -> str:
    return f"/api/osmand?id={device}&lat=22.505&lon=114.005&timestamp={int(T0) + i}"


def test_a_body_over_the_bound_is_413_naming_body_and_nothing_is_written(
    settings: Settings, r: redis.Redis, city: CityPack
) -> None:
    client = _client(replace(settings, max_body_bytes=2_000), r, city)
    big = [{"type": "gps", "id": "P01", "lat": 22.5, "lon": 114.0, "ts": T0 + i} for i in range(100)]
    resp = client.post("/api/ingest", data=orjson.dumps(big), headers=INGEST, content_type="application/json")
    assert resp.status_code == 413
    assert resp.get_json()["field"] == "body" and "2000 bytes" in resp.get_json()["error"]
    resp = client.post("/api/osmand", data=b"id=P01&lat=22.5&lon=114.0&timestamp=1700000000&" + b"x" * 3000,
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 413
    assert inputs(r) == []
    small = client.post("/api/ingest", data=orjson.dumps(big[:3]), headers=INGEST, content_type="application/json")
    assert small.status_code == 200 and len(inputs(r)) == 3


def test_a_flooding_device_gets_429_with_retry_after_and_others_go_on(
    settings: Settings, r: redis.Redis, city: CityPack
) -> None:
    client = _client(replace(settings, rate_device="3/minute"), r, city)
    assert [client.get(_fix("P01", i)).status_code for i in range(3)] == [200, 200, 200]
    refused = client.get(_fix("P01", 3))
    assert refused.status_code == 429
    assert refused.get_json()["field"] == "id"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert client.get(_fix("P02", 0)).status_code == 200, "another device is not held back"
    assert sorted(m["id"] for m in inputs(r)) == ["P01", "P01", "P01", "P02"]


def test_a_token_is_limited_on_its_own(settings: Settings, r: redis.Redis, city: CityPack) -> None:
    client = _client(replace(settings, rate_token="2/minute"), r, city)
    assert [client.get("/api/alerts", headers=OFFICER).status_code for _ in range(2)] == [200, 200]
    refused = client.get("/api/alerts", headers=OFFICER)
    assert refused.status_code == 429 and refused.get_json()["field"] == "Authorization"
    assert "Retry-After" in refused.headers
    assert client.get("/api/alerts", headers=WALL).status_code == 200


def test_the_osmand_listener_limits_per_device_too(settings: Settings, r: redis.Redis, city: CityPack) -> None:
    client = create_osmand_app(replace(settings, rate_device="2/minute"), r, city).test_client()
    body = {"device_id": "P03", "location": {"timestamp": "2023-11-14T22:13:20Z",
                                              "coords": {"latitude": 22.505, "longitude": 114.015}}}
    codes = [client.post("/", data=orjson.dumps(body), content_type="application/json").status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get(_fix("P01", 0).replace("/api/osmand", "/")).status_code == 200
