"""The fast path's zone join: per point, ``ZoneIndex.membership`` and what follows from it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from city.citypack import load_city_pack
from core.settings import ROOT
from streams.fastpath import FastPipeline

PIPE = FastPipeline(load_city_pack(ROOT / "tests" / "fixtures" / "mini_city"), 4)
INDEX = PIPE.ctx.zones
_VERTICES = np.unique(np.concatenate([np.asarray(z.geometry.exterior.coords if z.geometry.geom_type == "Polygon"
                                                 else z.geometry.envelope.exterior.coords) for z in INDEX.zones]), axis=0)
_LONS = st.sampled_from(sorted(set(_VERTICES[:, 0].tolist()))) | st.floats(113.99, 114.03) | st.floats(-180, 180)
_LATS = st.sampled_from(sorted(set(_VERTICES[:, 1].tolist()))) | st.floats(22.49, 22.52) | st.floats(-90, 90)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_LONS, _LATS), min_size=1, max_size=80))
def test_zones_are_membership_with_its_speed_limit_and_forbidding(points: list[tuple[float, float]]) -> None:
    lons, lats = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    zones, limit, forbid = PIPE._zones(lons, lats)
    want = INDEX.membership(lons, lats)
    assert zones == want
    assert limit.tolist() == [INDEX.speed_limit(z, PIPE.city.default_speed_limit) for z in want]
    assert forbid.tolist() == [any(PIPE.city.zones_by_id[i].forbid for i in z
                                   if PIPE.city.zones_by_id[i].kind == "restricted") for z in want]


def test_most_points_of_the_mini_city_take_the_raster() -> None:
    rng = np.random.default_rng(5)
    lons, lats = rng.uniform(113.999, 114.021, 2000), rng.uniform(22.499, 22.511, 2000)  # and just around
    assert np.mean(INDEX.raster.lookup(lons, lats) >= 0) > 0.9
    assert PIPE._zones(lons, lats)[0] == INDEX.membership(lons, lats)
    assert sum(1 for z in PIPE._zones(lons, lats)[0] if z) > 100, "the sample hits zones"


def test_a_city_without_zones_has_the_default_limit_everywhere() -> None:
    pipe = FastPipeline(replace(PIPE.city, zones=()), 4)
    zones, limit, forbid = pipe._zones(np.array([114.005, 0.0]), np.array([22.505, 0.0]))
    assert zones == [frozenset(), frozenset()]
    assert limit.tolist() == [PIPE.city.default_speed_limit] * 2 and forbid.tolist() == [False, False]
