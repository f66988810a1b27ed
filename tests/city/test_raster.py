"""The zones' raster: where it answers, it answers exactly what ``ZoneIndex.membership`` does."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from city.citypack import Zone, load_city_pack
from city.geo import ZoneIndex
from city.raster import MAX_CELLS, ZoneRaster
from core.settings import ROOT
from tests.city.test_geo import ZONES

STEP = 0.01  # the side of a grid-aligned zone, degrees
LON0, LAT0 = 113.9, 22.45


def _grid(n: int) -> list[Zone]:
    """``n``² patrol zones tiling a square and a few restricted boxes on the same lines."""
    zones = [Zone(f"Z{i}-{j}", "", "patrol", box(LON0 + i * STEP, LAT0 + j * STEP,
                                                  LON0 + (i + 1) * STEP, LAT0 + (j + 1) * STEP))
             for i in range(n) for j in range(n)]
    zones += [Zone(f"R{k}", "", "restricted", box(LON0 + k * STEP, LAT0 + k * STEP,
                                                    LON0 + (k + 2) * STEP, LAT0 + (k + 1) * STEP))
              for k in range(n - 1)]
    return zones


GRID = ZoneIndex(_grid(6))
ODD = ZoneIndex(ZONES)  # a shared edge, a ring with a hole, a triangle, a multipolygon
# the hard case: every edge of the grid lies on a line between two columns (or rows) of cells
ALIGNED = (GRID, ZoneRaster([z.geometry for z in GRID.zones], GRID.membership, cell=STEP / 4, offset=0.0))
CASES = {"grid": (GRID, GRID.raster), "aligned": ALIGNED, "odd": (ODD, ODD.raster),
         "coarse": (ODD, ZoneRaster([z.geometry for z in ODD.zones], ODD.membership, cell=0.7, offset=0.3))}


def _coordinates(index: ZoneIndex, raster: ZoneRaster, axis: int) -> st.SearchStrategy[float]:
    """Along one axis: anywhere around the zones, their vertices, the cells' lines, a ulp either side
    of those, far away and extreme floats."""
    xy = shapely.get_coordinates([z.geometry for z in index.zones])[:, axis]
    lo, hi = float(xy.min()), float(xy.max())
    origin, count = (raster.x0, raster.nx) if axis == 0 else (raster.y0, raster.ny)
    lines = st.integers(0, count).map(lambda i: origin + i * raster.cell)
    exact = st.sampled_from(sorted(set(xy.tolist()))) | lines
    nudged = st.tuples(exact, st.sampled_from([-math.inf, math.inf])).map(lambda v: math.nextafter(*v))
    return (st.floats(lo - 1, hi + 1) | exact | nudged | lines.map(lambda v: v + raster.cell / 2)
            | st.floats(allow_nan=False))


def _on_edges(index: ZoneIndex) -> st.SearchStrategy[tuple[float, float]]:
    """Points on the zones' edges (as near as floats get) and on their vertices."""
    rings = shapely.get_rings(shapely.get_parts([z.geometry for z in index.zones]))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    pairs = [(a, b) for a, b, same in zip(xy[:-1].tolist(), xy[1:].tolist(), ring[1:] == ring[:-1], strict=True)
             if same]
    return st.tuples(st.sampled_from(pairs), st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0, 1)).map(
        lambda p: (p[0][0][0] + p[1] * (p[0][1][0] - p[0][0][0]), p[0][0][1] + p[1] * (p[0][1][1] - p[0][0][1])))


def _points(index: ZoneIndex, raster: ZoneRaster) -> st.SearchStrategy[list[tuple[float, float]]]:
    one = st.tuples(_coordinates(index, raster, 0), _coordinates(index, raster, 1)) | _on_edges(index)
    return st.lists(one, min_size=1, max_size=60)


@pytest.mark.parametrize("case", sorted(CASES))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_a_pure_cell_answers_what_membership_answers(case: str, data: st.DataObject) -> None:
    index, raster = CASES[case]
    points = data.draw(_points(index, raster))
    lons, lats = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    found = raster.lookup(lons, lats)
    want = index.membership(lons, lats)
    assert [raster.sets[k] if k >= 0 else w for k, w in zip(found.tolist(), want, strict=True)] == want
    assert all(k == -1 for k, x, y in zip(found.tolist(), lons, lats, strict=True)
               if not (raster.x0 <= x <= raster.x0 + raster.nx * raster.cell
                       and raster.y0 <= y <= raster.y0 + raster.ny * raster.cell)), "outside: exactly"


@pytest.mark.parametrize("case", sorted(CASES))
def test_points_on_edges_and_vertices_are_answered_exactly(case: str) -> None:
    index, raster = CASES[case]
    xy = shapely.get_coordinates([z.geometry for z in index.zones])
    assert (raster.lookup(xy[:, 0], xy[:, 1]) == -1).all()


def test_the_aligned_grid_marks_the_cells_on_both_sides_of_a_line_and_answers_the_rest() -> None:
    index, raster = ALIGNED
    cells = raster.cells.reshape(raster.ny, raster.nx)
    i, j = round((LON0 - raster.x0) / raster.cell), round((LAT0 - raster.y0) / raster.cell)  # the grid's corner
    assert math.isclose(raster.x0 + i * raster.cell, LON0, abs_tol=1e-12), "edges on lines between cells"
    assert (cells[j:j + 24, i + 3] == -1).all() and (cells[j:j + 24, i + 4] == -1).all(), "x = LON0 + STEP"
    assert (cells[j + 1:j + 3, i + 1:i + 3] >= 0).all(), "the middle of the first zone"
    # the centre of every cell of the first zone's middle: the first zone alone
    assert {raster.sets[k] for k in cells[j + 1:j + 3, i + 1:i + 3].ravel().tolist()} == {frozenset({"Z0-0", "R0"})}
    assert raster.sets[cells[0, 0]] == frozenset(), "around the zones"
    # a quarter-zone cell: inside the zones, half of the columns and half of the rows touch a line
    inside = cells[j:j + 24, i:i + 24]
    assert 0.2 < np.mean(inside >= 0) <= 0.25


def test_a_city_tiled_by_a_grid_is_mostly_pure_within_the_bound_of_cells() -> None:
    zones = _grid(20)
    rng = np.random.default_rng(3)
    corners = rng.uniform(0, 20 * STEP, (40, 2))
    zones += [Zone(f"X{k}", "", "restricted", box(LON0 + x, LAT0 + y, LON0 + x + 0.8 * STEP, LAT0 + y + 0.6 * STEP))
              for k, (x, y) in enumerate(corners.tolist())]
    index = ZoneIndex(zones)
    raster = index.raster
    assert raster.nx * raster.ny <= MAX_CELLS * 1.01
    assert raster.pure_share >= 0.9
    lons, lats = rng.uniform(LON0, LON0 + 20 * STEP, 20_000), rng.uniform(LAT0, LAT0 + 20 * STEP, 20_000)
    found = raster.lookup(lons, lats)
    assert np.mean(found >= 0) >= 0.9, "most points need no geometry"
    want = index.membership(lons, lats)
    assert [raster.sets[k] for k in found.tolist() if k >= 0] == [w for k, w in zip(found, want, strict=True) if k >= 0]


def test_the_demo_city_is_mostly_pure() -> None:
    index = ZoneIndex(load_city_pack(ROOT / "data" / "demo_city").zones)
    assert index.raster is index.raster, "built once"
    assert index.raster.pure_share >= 0.9


def test_nan_and_infinite_points_are_answered_exactly() -> None:
    raster = GRID.raster
    lons = np.array([math.nan, LON0 + 0.005, math.inf, -math.inf, LON0 + 0.005])
    lats = np.array([LAT0 + 0.005, math.nan, LAT0 + 0.005, LAT0 + 0.005, LAT0 + 0.005])
    assert raster.lookup(lons, lats).tolist()[:4] == [-1, -1, -1, -1]
    assert raster.sets[raster.lookup(lons, lats)[4]] == {"Z0-0", "R0"}


def test_a_raster_needs_a_zone() -> None:
    with pytest.raises(ValueError, match="at least one zone"):
        ZoneRaster([], GRID.membership)
