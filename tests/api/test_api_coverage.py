"""GET /api/coverage (contract 7.4) on the real embedded Redis: the figures of the track store,
the shape of the answer, and the refusals."""

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
from core.model import Alert, AlertType, Kind, Ping, Severity
from core.settings import Settings
from streams.commit import Scripts, queue_track_store
from tests.api.conftest import MINI_CITY, OFFICER, SUPER, TOKENS, WALL, snapshot

KEYS = Keys("cc")
T = 1_700_000_000.0


@pytest.fixture()
def client(redis_url: str, r: redis.Redis, city: CityPack, tmp_path: Path) -> Iterator[Any]:
    settings = Settings(redis_url=redis_url, city_pack=MINI_CITY, demo=False, api_tokens=dict(TOKENS),
                        data_dir=tmp_path)
    app = flask.Flask("test-coverage")
    app.register_blueprint(create_api(settings, r, city))
    with app.test_client() as c:
        yield c


def store(r: redis.Redis, pings: list[Ping]) -> None:
    with r.pipeline(transaction=True) as pipe:
        queue_track_store(pipe, KEYS, pings, Scripts.register(r).store, 86_400.0)
        pipe.execute()


def drive(subject: str, points: list[tuple[float, float]], speed: float = 30.0, step: float = 10.0) -> list[Ping]:
    return [Ping(subject, lat, lon, T + i * step, kind=Kind.UNIT, speed_kmh=speed) for i, (lat, lon) in enumerate(points)]


def street(lat: float, lon0: float, lon1: float, n: int) -> list[tuple[float, float]]:
    return [(lat, lon0 + (lon1 - lon0) * k / n) for k in range(n + 1)]


def test_the_answer_has_the_contract_shape_and_the_store_figures(client: Any, r: redis.Redis) -> None:
    # P01 (zone W) drives along one street of W for 120 s; P03 (zone E) waits in W, idle, for 60 s
    store(r, drive("P01", street(22.505, 114.001, 114.009, 12)))
    store(r, drive("P03", [(22.503, 114.004)] * 7, speed=0.0))
    resp = client.get(f"/api/coverage?zone=W&from={T:.0f}&to={T + 3600:.0f}", headers=SUPER)
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"zone", "from", "to", "covered_fraction", "cells_total", "cells_covered", "units"}
    assert (body["zone"], body["from"], body["to"]) == ("W", T, T + 3600)
    assert 0 < body["cells_covered"] < body["cells_total"]
    assert body["covered_fraction"] == pytest.approx(body["cells_covered"] / body["cells_total"])
    units = {u["unit"]: u for u in body["units"]}
    assert sorted(units) == ["P01", "P02", "P03"]  # P01, P02 assigned to W; P03 entered it
    assert units["P01"]["in_zone_s"] == 120.0 and units["P01"]["out_zone_s"] == 0.0
    assert units["P01"]["distance_m"] == pytest.approx(822.6, abs=1.0)  # 0.008° of longitude at 22.5° N
    assert units["P03"] == {"unit": "P03", "distance_m": 0.0, "in_zone_s": 60.0, "out_zone_s": 0.0, "idle_s": 60.0}
    assert units["P02"] == {"unit": "P02", "distance_m": 0.0, "in_zone_s": 0.0, "out_zone_s": 0.0, "idle_s": 0.0}


def test_iso_times_and_a_range_before_the_tracks(client: Any, r: redis.Redis) -> None:
    store(r, drive("P01", street(22.505, 114.001, 114.009, 12)))
    resp = client.get("/api/coverage?zone=W&from=2023-11-14T21:00:00%2B00:00&to=2023-11-14T22:00:00Z", headers=SUPER)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["from"] == T - 4400 and body["cells_covered"] == 0 and body["covered_fraction"] == 0.0


@pytest.mark.parametrize(("query", "status", "field"), [
    ("zone=W&to=1700003600", 400, "from"),
    ("zone=W&from=1700000000", 400, "to"),
    ("from=1700000000&to=1700003600", 400, "zone"),
    ("zone=NOPE&from=1700000000&to=1700003600", 404, "zone"),
    ("zone=W&from=yesterday&to=1700003600", 400, "from"),
    ("zone=W&from=1700000000&to=2023-11-14T22:13:20", 400, "to"),
    ("zone=W&from=1700003600&to=1700000000", 400, "from"),
    ("zone=W&from=1700000000&to=1700003600&gaps=yes", 400, "gaps"),
])
def test_bad_input_is_refused_naming_the_field(client: Any, r: redis.Redis, query: str, status: int,
                                               field: str) -> None:
    before = snapshot(r)
    resp = client.get(f"/api/coverage?{query}", headers=SUPER)
    assert (resp.status_code, resp.get_json()["field"]) == (status, field)
    assert snapshot(r) == before


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"Authorization": "Bearer wrong"}, 401),
                                                 (OFFICER, 403), (WALL, 403)])
def test_only_a_supervisor_may_ask(client: Any, headers: dict[str, str], status: int) -> None:
    resp = client.get("/api/coverage?zone=W&from=1700000000&to=1700003600", headers=headers)
    assert resp.status_code == status
    assert resp.get_json()["field"] == "Authorization"


def test_gaps_1_adds_the_crimes_and_alerts_with_no_patrol_per_local_hour(redis_url: str, r: redis.Redis,
                                                                        tmp_path: Path) -> None:
    # the mini city with an incidents file: a crime on P01's street 3 min after it passed (no gap), a
    # crime and an alert in W's far corner, which nobody visited, and a crime in E
    pack = tmp_path / "pack"
    pack.mkdir()
    for f in MINI_CITY.iterdir():
        (pack / f.name).write_bytes(f.read_bytes())
    crimes = [{"id": "c1", "ts": T + 180, "lat": 22.505, "lon": 114.005, "zone": "W", "type": "THEFT"},
              {"id": "c2", "ts": T + 900, "lat": 22.509, "lon": 114.009, "zone": "W", "type": "ROBBERY",
               "description": "ARMED"},
              {"id": "c3", "ts": T + 900, "lat": 22.505, "lon": 114.015, "zone": "E", "type": "THEFT"}]
    (pack / "incidents.jsonl").write_bytes(b"\n".join(orjson.dumps(c) for c in crimes))
    store(r, drive("P01", street(22.505, 114.001, 114.009, 12)))
    r.xadd(KEYS.alerts, Alert("watchlist_hit-g1", AlertType.WATCHLIST_HIT, Severity.RED, "粤BZ7777", 22.5095,
                              114.0015, T + 1000, zone="W", text="watchlist plate read").to_fields())
    settings = Settings(redis_url=redis_url, city_pack=pack, demo=False, api_tokens=dict(TOKENS), data_dir=tmp_path)
    app = flask.Flask("test-coverage-gaps")
    app.register_blueprint(create_api(settings, r, load_city_pack(pack)))
    with app.test_client() as c:
        body = c.get(f"/api/coverage?zone=W&from={T:.0f}&to={T + 3600:.0f}&gaps=1", headers=SUPER).get_json()
        plain = c.get(f"/api/coverage?zone=W&from={T:.0f}&to={T + 3600:.0f}&gaps=0", headers=SUPER).get_json()
    # T is 06:13:20 in Shanghai: the local hour 06:00-07:00 began 800 s before it
    assert body["gaps"] == [{"from": T - 800, "to": T + 2800, "incidents": 1, "alerts": 1,
                             "ids": ["c2", "watchlist_hit-g1"]}]
    assert "gaps" not in plain and {k: v for k, v in body.items() if k != "gaps"} == plain
