"""Fixtures for the API: the mini city, tokens of every role, a Flask test client on real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import orjson
import pytest
import redis

from api import create_api
from city.citypack import CityPack, load_city_pack
from core.keys import Keys
from core.model import Alert, AlertType, Severity
from core.settings import Settings

MINI_CITY = Path(__file__).resolve().parent.parent / "fixtures" / "mini_city"
TOKENS = {
    "tok-officer": "officer",
    "tok-super": "supervisor",
    "tok-wall": "wall",
    "tok-ingest": "ingest",
    "tok-p01": "unit:P01",
    "tok-p02": "unit:P02",
}
KEYS = Keys("cc")
T0 = 1_700_000_000.0


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


OFFICER, SUPER, WALL, INGEST, UNIT_P01, UNIT_P02 = (bearer(t) for t in TOKENS)


def snapshot(r: redis.Redis) -> dict[str, Any]:
    """Every key of the database with its type and content, to assert that a call changed nothing
    (but the rate limiter's counters: counting a refused call is the point of them)."""
    out: dict[str, Any] = {}
    for key in sorted(k for k in r.keys("*") if not k.startswith("LIMITS:")):
        kind = r.type(key)
        if kind == "stream":
            out[key] = r.xrange(key)
        elif kind == "hash":
            out[key] = r.hgetall(key)
        elif kind == "set":
            out[key] = sorted(r.smembers(key))
        elif kind == "list":
            out[key] = r.lrange(key, 0, -1)
        elif kind == "zset":
            out[key] = r.zrange(key, 0, -1, withscores=True)
        else:
            out[key] = r.get(key)
    return out


def add_alert(r: redis.Redis, alert_id: str, type_: AlertType = AlertType.WATCHLIST_HIT, subject: str = "粤BZ9999",
              lat: float = 22.505, lon: float = 114.001, ts: float = T0, checkpoint: str = "A",
              severity: Severity = Severity.RED, zone: str = "", text: str = "Stolen vehicle") -> Alert:
    """Append an alert exactly as the worker writes it (``Alert.to_fields``)."""
    alert = Alert(alert_id, type_, severity, subject, lat, lon, ts, zone=zone, checkpoint=checkpoint, text=text)
    r.xadd(KEYS.alerts, alert.to_fields())
    return alert


def set_fix(r: redis.Redis, subject: str, lat: float, lon: float, ts: float, kind: str = "unit") -> None:
    """A latest fix in ``cc:last`` as the worker publishes it (all values strings)."""
    r.hset(KEYS.last, subject, orjson.dumps({
        "subject": subject, "kind": kind, "category": "", "lat": f"{lat:.6f}", "lon": f"{lon:.6f}",
        "ts": str(int(ts)), "speed": "0.0", "heading": "", "zone": ""}))


@pytest.fixture(scope="session")
def city() -> CityPack:
    return load_city_pack(MINI_CITY)


@pytest.fixture()
def settings(redis_url: str) -> Settings:
    return Settings(redis_url=redis_url, city_pack=MINI_CITY, demo=False, api_tokens=dict(TOKENS), partitions=4)


@pytest.fixture()
def app(settings: Settings, r: redis.Redis, city: CityPack) -> flask.Flask:
    app = flask.Flask("test-api")
    app.register_blueprint(create_api(settings, r, city))
    return app


@pytest.fixture()
def client(app: flask.Flask) -> Iterator[Any]:
    with app.test_client() as c:
        yield c


def inputs(r: redis.Redis, partitions: int = 4) -> list[dict[str, str]]:
    """Every message in the input partitions, in partition then entry order."""
    return [fields for p in range(partitions) for _, fields in r.xrange(KEYS.input(p))]
