"""city.h3cells answers exactly what h3 answers point by point, on random tracks anywhere: mid
latitudes, the far north, around a pentagon and across icosahedron face edges."""

from __future__ import annotations

import h3
import numpy as np
import pytest
from h3.api import basic_int as h3i

from city.h3cells import latlng_to_cells


def reference(lat: np.ndarray, lon: np.ndarray, res: int) -> np.ndarray:
    return np.array([h3i.latlng_to_cell(a, b, res) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)],
                    dtype=np.int64)


def walk(lat0: float, lon0: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A track of ``n`` fixes: legs of random heading, standing still or moving up to ~300 m a fix,
    snapped to the 1e-5 degree grid the coverage uses (so many points lie exactly on one line)."""
    rng = np.random.default_rng(seed)
    legs = rng.integers(1, 40, size=n)
    heading = np.repeat(rng.uniform(0, 2 * np.pi, size=n), legs)[:n]
    step = np.repeat(rng.choice([0.0, 1e-5, 2e-4, 1e-3, 3e-3], size=n), legs)[:n]
    lat = lat0 + np.cumsum(step * np.cos(heading))
    lon = lon0 + np.cumsum(step * np.sin(heading)) / np.cos(np.radians(lat0))
    return np.round(lat * 1e5) / 1e5, np.round(lon * 1e5) / 1e5


@pytest.mark.parametrize(("lat0", "lon0"), [(22.5, 114.0), (41.88, -87.63), (41.15, -8.61), (-33.9, 151.2),
                                            (69.6, 18.9), (0.0, 179.99)])
def test_random_tracks_get_the_cells_h3_gives_each_point(lat0: float, lon0: float) -> None:
    lat, lon = walk(lat0, lon0, 20_000, seed=int(abs(lat0 * 100)))
    for res in (9, 8):
        assert latlng_to_cells(lat, lon, res).tolist() == reference(lat, lon, res).tolist()


def test_around_a_pentagon_and_across_face_edges_too() -> None:
    pentagon = sorted(h3.get_pentagons(9))[3]
    lat0, lon0 = h3.cell_to_latlng(pentagon)
    lat, lon = walk(lat0, lon0, 20_000, seed=5)
    got = latlng_to_cells(lat, lon, 9)
    assert got.tolist() == reference(lat, lon, 9).tolist()
    assert h3.str_to_int(pentagon) in set(got.tolist())  # the walk starts in the pentagon itself
    faces = {f for c in set(got.tolist()) for f in h3.get_icosahedron_faces(h3.int_to_str(c))}
    assert len(faces) >= 3  # a pentagon is where five faces meet: the walk crosses their edges


def test_points_in_any_order_and_few_points() -> None:
    lat, lon = walk(22.5, 114.0, 5_000, seed=9)
    shuffled = np.random.default_rng(1).permutation(len(lat))
    assert latlng_to_cells(lat[shuffled], lon[shuffled], 9).tolist() == reference(lat, lon, 9)[shuffled].tolist()
    assert latlng_to_cells(lat[:3], lon[:3], 9).tolist() == reference(lat[:3], lon[:3], 9).tolist()
    assert latlng_to_cells(lat[:0], lon[:0], 9).tolist() == []


def test_a_lookup_per_cell_visited_not_per_point(monkeypatch: pytest.MonkeyPatch) -> None:
    from city import h3cells

    asked: list[int] = []
    real = h3cells._lookup

    def counting(lat: np.ndarray, lon: np.ndarray, res: int) -> np.ndarray:
        asked.append(len(lat))
        return real(lat, lon, res)

    monkeypatch.setattr(h3cells, "_lookup", counting)
    lat, lon = walk(41.88, -87.63, 20_000, seed=3)
    got = latlng_to_cells(lat, lon, 9)
    assert got.tolist() == reference(lat, lon, 9).tolist()
    assert sum(asked) < len(set(got.tolist())) + len(lat) // 20
