"""GET /api/alerts/{id}/candidates reads the learned travel times from Redis (cc:travel:{a}>{b})."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from api.candidates import UNIT_KMH, VEHICLE_KMH, road_m
from api.dispatch import travel_model
from city.citypack import CityPack
from core.travel import TravelSample
from tests.api.conftest import KEYS, OFFICER, T0, add_alert, set_fix

FAR = (22.52, 114.05)  # P03, far east of the mini city's A -> B -> C -> D


def store(r: redis.Redis, a: str, b: str, seconds: float, n: int, end: float, plate: str = "粤B") -> None:
    """``n`` samples of ``seconds`` from ``a`` to ``b``, the last arriving at ``end``, as the worker writes them."""
    samples = [TravelSample(a, b, seconds, f"{plate}{i:04d}", end - 60 * i) for i in range(n)]
    r.zadd(KEYS.travel(a, b), {s.member: s.ts for s in samples})


@pytest.fixture()
def far_unit(r: redis.Redis, city: CityPack) -> None:
    add_alert(r, "watchlist_hit-1", ts=T0)  # read at A
    set_fix(r, "P03", *FAR, T0 - 10)
    r.set(KEYS.clock, str(T0))


def test_without_samples_the_far_unit_cannot_win_the_race(client: Any, far_unit: None) -> None:
    (p03,) = client.get("/api/alerts/watchlist_hit-1/candidates", headers=OFFICER).get_json()
    assert p03["unit"] == "P03" and "margin_s" not in p03


def test_learned_slow_traffic_lets_the_far_unit_intercept(
        client: Any, far_unit: None, r: redis.Redis, city: CityPack) -> None:
    store(r, "A", "B", 900.0, n=5, end=T0 - 100)
    (p03,) = client.get("/api/alerts/watchlist_hit-1/candidates", headers=OFFICER).get_json()
    b, c, d = (city.checkpoints[x] for x in "BCD")
    on_from_b = (road_m(b.lat, b.lon, c.lat, c.lon) + road_m(c.lat, c.lon, d.lat, d.lon)) / (VEHICLE_KMH / 3.6)
    to_d = road_m(*FAR, d.lat, d.lon)
    assert p03["checkpoint"] == "D"  # 900 s to B (learned), then B -> C -> D by the fallback
    assert p03["margin_s"] == pytest.approx(900.0 + on_from_b - to_d / (UNIT_KMH / 3.6), abs=0.1)
    assert p03["distance_m"] == pytest.approx(to_d, abs=0.1)


def test_too_few_or_stale_samples_fall_back(client: Any, far_unit: None, r: redis.Redis) -> None:
    store(r, "A", "B", 900.0, n=4, end=T0 - 100)  # one short of MIN_SAMPLES
    store(r, "A", "B", 900.0, n=5, end=T0 - 8 * 86400, plate="粤C")  # older than the 7-day window
    (p03,) = client.get("/api/alerts/watchlist_hit-1/candidates", headers=OFFICER).get_json()
    assert "margin_s" not in p03


def test_the_model_loads_every_hop_within_reach_and_nothing_else(r: redis.Redis, city: CityPack) -> None:
    store(r, "B", "C", 30.0, n=5, end=T0)
    store(r, "C", "D", 40.0, n=5, end=T0)
    store(r, "A", "B", 50.0, n=5, end=T0 + 600)  # after the event clock: not yet known at T0
    model = travel_model(r, KEYS, city, "B", now=T0)
    b, c, d = (city.checkpoints[x] for x in "BCD")
    assert (model.hop_s(b, c, T0), model.hop_s(c, d, T0)) == (30.0, 40.0)
    a = city.checkpoints["A"]
    assert model.hop_s(a, b, T0) == pytest.approx(road_m(a.lat, a.lon, b.lat, b.lon) / (VEHICLE_KMH / 3.6))
    assert travel_model(r, KEYS, city, "", now=T0).learned is None
