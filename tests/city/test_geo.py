"""Geometry: great-circle distance and bulk zone membership (boundary inside, holes outside)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon, box

from city import geo
from city.citypack import Zone
from city.geo import ZoneIndex, haversine_m, haversine_m_np

RING = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
ZONES = [
    Zone("A", "box a", "patrol", box(0, 0, 2, 2), speed_limit=40.0),
    Zone("B", "box b", "patrol", box(2, 0, 4, 2)),  # shares the edge x = 2 with A
    Zone("R", "ring", "restricted", RING, speed_limit=30.0, forbid=frozenset({"truck"})),
    Zone("T", "triangle", "patrol", Polygon([(5, 0), (7, 0), (6, 2)]), speed_limit=50.0),
    Zone("M", "two parts", "patrol", MultiPolygon([box(-3, -3, -2, -2), box(5, 3, 6, 4)])),
]


def test_haversine_known_distances() -> None:
    assert haversine_m(0, 0, 1, 0) == pytest.approx(111_195, rel=1e-4)  # one degree of a meridian
    assert haversine_m(0, 0, 0, 180) == pytest.approx(math.pi * geo.EARTH_RADIUS_M)
    assert haversine_m(22.5, 114.0, 22.6, 114.1) == pytest.approx(haversine_m(22.6, 114.1, 22.5, 114.0))
    assert haversine_m(22.5, 114.0, 22.5, 114.0) == 0.0


def test_vectorized_haversine_matches_the_scalar() -> None:
    rng = np.random.default_rng(1)
    lat1, lat2 = rng.uniform(-80, 80, 200), rng.uniform(-80, 80, 200)
    lon1, lon2 = rng.uniform(-180, 180, 200), rng.uniform(-180, 180, 200)
    got = haversine_m_np(lat1, lon1, lat2, lon2)
    want = [haversine_m(*row) for row in zip(lat1, lon1, lat2, lon2, strict=True)]
    assert got == pytest.approx(want, rel=1e-12, abs=1e-6)


def slow_membership(lons: np.ndarray, lats: np.ndarray) -> list[frozenset[str]]:
    return [frozenset(z.id for z in ZONES if z.geometry.intersects(Point(x, y)))
            for x, y in zip(lons.tolist(), lats.tolist(), strict=True)]


def test_membership_of_random_points_agrees_with_a_shapely_loop() -> None:
    rng = np.random.default_rng(7)
    lons, lats = rng.uniform(-4, 8, 3000), rng.uniform(-4, 5, 3000)
    # and points exactly on vertices and edges, where rounding would show
    grid = np.arange(-4, 8.5, 0.5)
    gx, gy = np.meshgrid(grid, grid)
    lons, lats = np.r_[lons, gx.ravel()], np.r_[lats, gy.ravel()]
    got = ZoneIndex(ZONES).membership(lons, lats)
    assert got == slow_membership(lons, lats)
    assert sum(1 for m in got if m) > 400, "the sample must actually hit zones (about a sixth of the area)"
    assert any(len(m) >= 3 for m in got), "and overlaps"


def test_a_point_on_a_boundary_is_inside() -> None:
    idx = ZoneIndex(ZONES)
    lons = np.array([2.0, 0.0, 2.0, 6.0, 5.5])
    lats = np.array([1.5, 0.0, 0.0, 2.0, 4.0])
    got = idx.membership(lons, lats)
    assert got[0] == {"A", "B"}, "the shared edge of A and B, in the ring's hole"
    assert got[1] == {"A", "R"}, "a corner"
    assert got[2] == {"A", "B", "R"}
    assert got[3] == {"T"}, "the triangle's apex"
    assert got[4] == {"M"}, "the top edge of a multipolygon part"


def test_a_point_in_a_hole_is_outside_and_on_the_hole_edge_inside() -> None:
    idx = ZoneIndex([ZONES[2]])
    got = idx.membership(np.array([2.0, 1.0, 3.0, 0.5]), np.array([2.0, 2.0, 3.0, 0.5]))
    assert got == [frozenset(), {"R"}, {"R"}, {"R"}]


def test_empty_batches_and_empty_cities() -> None:
    assert ZoneIndex(ZONES).membership(np.array([]), np.array([])) == []
    assert ZoneIndex([]).membership(np.array([1.0, 2.0]), np.array([1.0, 1.0])) == [frozenset(), frozenset()]
    with pytest.raises(ValueError, match="lons and lats"):
        ZoneIndex(ZONES).membership(np.array([1.0, 2.0]), np.array([1.0]))


def test_speed_limit_is_the_lowest_defined() -> None:
    idx = ZoneIndex(ZONES)
    assert idx.speed_limit(frozenset({"A", "R"}), 60.0) == 30.0
    assert idx.speed_limit(frozenset({"A", "B"}), 60.0) == 40.0
    assert idx.speed_limit(frozenset({"B"}), 60.0) == 60.0, "B has none: the default"
    assert idx.speed_limit(frozenset({"B", "T"}), 45.0) == 50.0, "a zone limit above the default still rules"
    assert idx.speed_limit(frozenset(), 60.0) == 60.0
    assert idx.speed_limit(frozenset({"nowhere"}), 60.0) == 60.0


def test_patrol_zone_of() -> None:
    idx = ZoneIndex(ZONES)
    assert idx.patrol_zone_of(frozenset({"R", "B", "A"})) == "A"
    assert idx.patrol_zone_of(frozenset({"R"})) == ""
