"""Position filters: one per reason, the first that fires names the drop; derived speed."""

from __future__ import annotations

import math

import orjson
import pytest

from city.geo import haversine_m
from core.model import Ping
from streams.filters import FILTERS, LastFix, derive_speed_kmh, filter_ping

T = 1_709_200_000.0
LAST = LastFix(T, 22.5, 114.0)


def ping(dt: float = 30.0, lat: float = 22.5, lon: float = 114.001, speed: float | None = None) -> Ping:
    return Ping("V1", lat, lon, T + dt, speed=speed)


def test_order_and_names() -> None:
    assert [name for name, _ in FILTERS] == ["invalid", "future", "duplicate", "out_of_order", "jump"]


def test_a_good_fix_is_kept() -> None:
    assert filter_ping(ping(), LAST, T + 30) is None
    assert filter_ping(ping(), None, None) is None


@pytest.mark.parametrize(("lat", "lon"), [(math.nan, 114.0), (22.5, math.inf), (91.0, 114.0), (-90.5, 114.0),
                                          (22.5, 180.1), (22.5, -181.0), (0.0, 0.0)])
def test_invalid(lat: float, lon: float) -> None:
    assert filter_ping(ping(lat=lat, lon=lon), None, None) == "invalid"


@pytest.mark.parametrize(("lat", "lon"), [(0.0, 114.0), (22.5, 0.0), (90.0, 180.0), (-90.0, -180.0)])
def test_valid_edges_and_half_zero(lat: float, lon: float) -> None:
    assert filter_ping(ping(lat=lat, lon=lon), None, None) is None


def test_future_is_past_the_horizon_of_wall_clock_plus_future_s() -> None:
    horizon = T + 300  # the worker passes wall clock + CC_FUTURE_S
    assert filter_ping(ping(dt=300), None, horizon) is None
    assert filter_ping(ping(dt=300.5), None, horizon) == "future"
    assert filter_ping(ping(dt=10 * 86400), None, None) is None, "no horizon: nothing to compare with"


def test_duplicate_and_out_of_order() -> None:
    assert filter_ping(ping(dt=0, lat=22.6), LAST, None) == "duplicate"
    assert filter_ping(ping(dt=-1), LAST, None) == "out_of_order"
    assert filter_ping(ping(dt=0.001), LAST, None) is None


def test_jump_needs_both_distance_and_speed() -> None:
    two_km = 114.0 + 2000 / haversine_m(22.5, 114.0, 22.5, 115.0)  # about 2 km east
    assert filter_ping(ping(dt=10, lon=two_km), LAST, None) == "jump", "2 km in 10 s = 720 km/h"
    assert filter_ping(ping(dt=30, lon=two_km), LAST, None) is None, "2 km in 30 s = 240 km/h"
    short = 114.0 + 900 / haversine_m(22.5, 114.0, 22.5, 115.0)
    assert filter_ping(ping(dt=1, lon=short), LAST, None) is None, "900 m is GPS noise, however fast"


def test_the_first_filter_names_the_drop() -> None:
    assert filter_ping(ping(dt=0, lat=0.0, lon=0.0), LAST, T) == "invalid"
    assert filter_ping(ping(dt=-7200), LastFix(T - 7200, 22.5, 114.0), T - 20_000) == "future"


def test_last_fix_survives_json() -> None:
    assert LastFix.from_dict(orjson.loads(orjson.dumps(LAST.to_dict()))) == LAST
    with pytest.raises(AttributeError):
        LAST.ts = 0.0  # type: ignore[misc]


def test_derived_speed() -> None:
    one_km = haversine_m(22.5, 114.0, 22.5, 114.01)
    assert derive_speed_kmh(ping(speed=42.0), LAST) == 42.0, "a sent speed wins"
    assert derive_speed_kmh(ping(speed=0.0, lon=114.01), LAST) == 0.0
    assert derive_speed_kmh(ping(dt=60, lon=114.01), LAST) == pytest.approx(one_km / 60 * 3.6)
    assert derive_speed_kmh(ping(), None) == 0.0
    assert derive_speed_kmh(ping(dt=0), LAST) == 0.0
