"""Coverage figures, exact on hand-made tracks over the mini city's zone W (114.00-114.01 E,
22.50-22.51 N) and E (114.01-114.02 E)."""

from __future__ import annotations

import h3
import numpy as np
import pytest

from city.citypack import CityPack, load_city_pack
from city.coverage import TrackArrays, zone_cells, zone_coverage
from city.geo import haversine_m_np
from core.settings import ROOT

MINI = ROOT / "tests" / "fixtures" / "mini_city"
T0 = 1_700_000_000.0


@pytest.fixture(scope="module")
def city() -> CityPack:
    return load_city_pack(MINI)


def track(points: list[tuple[float, float]], step_s: float = 10.0, speed: float = 30.0, t0: float = T0) -> TrackArrays:
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    return TrackArrays(t0 + step_s * np.arange(len(points)), lat, lon, np.full(len(points), speed))


def line(lat0: float, lon0: float, lat1: float, lon1: float, every_m: float = 80.0) -> list[tuple[float, float]]:
    d = float(haversine_m_np(lat0, lon0, lat1, lon1))
    n = max(1, int(np.ceil(d / every_m)))
    return [(lat0 + (lat1 - lat0) * k / n, lon0 + (lon1 - lon0) * k / n) for k in range(n + 1)]


def lawn_mower() -> list[tuple[float, float]]:
    """Rows 55 m apart across the whole of zone W and a little beyond, alternating direction."""
    pts: list[tuple[float, float]] = []
    for i, lat in enumerate(np.arange(22.4990, 22.5112, 0.0005)):
        row = line(float(lat), 113.9985, float(lat), 114.0115)
        pts += row if i % 2 == 0 else row[::-1]
    return pts


def test_the_cells_of_a_zone_are_those_whose_centres_fall_in_it(city: CityPack) -> None:
    w = city.zones_by_id["W"]
    cells = zone_cells("W", w.geometry)
    assert 8 <= len(cells) <= 14  # 1.14 km² over cells of ~0.105 km²
    for c in cells:
        lat, lon = h3.cell_to_latlng(h3.int_to_str(c))
        assert 22.5 <= lat <= 22.51 and 114.0 <= lon <= 114.01


def test_a_lawn_mower_sweep_covers_the_whole_zone(city: CityPack) -> None:
    w = city.zones_by_id["W"]
    sweep = track(lawn_mower())
    cov = zone_coverage("W", w.geometry, {"P01": sweep}, T0, float(sweep.ts[-1]), assigned=["P01", "P02"])
    assert cov.cells_covered == cov.cells_total > 0
    assert cov.covered_fraction == 1.0
    assert [u.unit for u in cov.units] == ["P01", "P02"]  # P02 is assigned but never moved
    p01, p02 = cov.units
    dist = haversine_m_np(sweep.lat[:-1], sweep.lon[:-1], sweep.lat[1:], sweep.lon[1:])
    assert p01.distance_m == pytest.approx(float(dist.sum()))
    assert p01.in_zone_s + p01.out_zone_s == pytest.approx(10.0 * (len(sweep.ts) - 1))
    assert p01.in_zone_s > p01.out_zone_s > 0  # the rows reach a little beyond the zone
    assert p01.idle_s == 0.0
    assert (p02.distance_m, p02.in_zone_s, p02.out_zone_s, p02.idle_s) == (0.0, 0.0, 0.0, 0.0)
    curve = cov.curve(4)
    assert curve[0][1] < curve[-1][1] == 1.0
    assert [f for _, f in curve] == sorted(f for _, f in curve)


def test_a_unit_that_never_leaves_one_street_covers_the_cells_of_that_street(city: CityPack) -> None:
    w = city.zones_by_id["W"]
    street = line(22.5050, 114.0005, 22.5050, 114.0095)
    back_and_forth = street + street[::-1][1:] + street[1:]
    cov = zone_coverage("W", w.geometry, {"P01": track(back_and_forth)}, T0, T0 + 7200)
    # the oracle: the cells under every metre of the street, among the zone's cells
    dense = line(22.5050, 114.0005, 22.5050, 114.0095, every_m=1.0)
    under = {h3.latlng_to_cell(a, b, 9) for a, b in dense}
    expected = sorted(under & set(cov.cells))
    assert sorted(cov.last_visit) == expected
    assert cov.cells_covered == len(expected)
    assert 0 < cov.covered_fraction < 0.5
    assert cov.covered_fraction == pytest.approx(len(expected) / len(cov.cells))


def test_a_unit_outside_its_zone_has_no_time_inside_it(city: CityPack) -> None:
    e = city.zones_by_id["E"]
    in_w = track(line(22.5020, 114.0010, 22.5080, 114.0080), speed=20.0)  # P03 (zone E) drives in W
    cov = zone_coverage("E", e.geometry, {"P03": in_w}, T0, T0 + 3600, assigned=["P03"])
    (p03,) = cov.units
    assert p03.in_zone_s == 0.0
    assert p03.out_zone_s == pytest.approx(10.0 * (len(in_w.ts) - 1))
    assert cov.cells_covered == 0 and cov.covered_fraction == 0.0


def test_idle_time_and_the_range(city: CityPack) -> None:
    w = city.zones_by_id["W"]
    ts = np.array([T0, T0 + 10, T0 + 20, T0 + 30, T0 + 400, T0 + 410, T0 + 5000])
    lat = np.full(len(ts), 22.505)
    lon = np.array([114.001, 114.001, 114.001, 114.002, 114.002, 114.003, 114.003])
    speed = np.array([0.0, 2.0, 30.0, 30.0, 1.0, 30.0, 0.0])
    t = TrackArrays(ts, lat, lon, speed)
    cov = zone_coverage("W", w.geometry, {"P01": t}, T0, T0 + 1000)  # the last fix is outside the range
    (p01,) = cov.units
    assert p01.idle_s == 30.0  # three slow segments of 10 s; the 370 s gap is not counted
    assert p01.in_zone_s == 40.0 and p01.out_zone_s == 0.0
    cov = zone_coverage("W", w.geometry, {"P01": t}, T0, T0 + 3000)
    since = cov.since_last_visit()
    assert since[h3.latlng_to_cell(22.505, 114.003, 9)] == 3000 - 410
    assert since[h3.latlng_to_cell(22.509, 114.009, 9)] is None


def test_the_whole_city_at_once_answers_as_each_zone_alone(city: CityPack) -> None:
    from city.coverage import city_coverage

    tracks = {"P01": track(lawn_mower()), "P03": track(line(22.5020, 114.0010, 22.5080, 114.0180), speed=20.0)}
    zones = [(z.id, z.geometry) for z in city.zones if z.kind == "patrol"]
    assigned = {"W": ["P01", "P02"], "E": ["P03"]}
    together = city_coverage(zones, tracks, T0, T0 + 7200, assigned)
    alone = [zone_coverage(zid, geom, tracks, T0, T0 + 7200, assigned[zid]) for zid, geom in zones]
    assert together == alone
    assert [c.zone for c in together] == ["W", "E"] and together[1].cells_covered > 0


def test_shifts_of_city_json_are_optional_and_checked(tmp_path: object) -> None:
    import json
    import shutil
    from pathlib import Path

    from city.citypack import CityPackError
    from city.shifts import DEFAULT_SHIFTS, Shift

    assert load_city_pack(MINI).shifts == DEFAULT_SHIFTS
    pack = Path(str(tmp_path)) / "pack"
    shutil.copytree(MINI, pack)
    raw = json.loads((pack / "city.json").read_text())
    raw["shifts"] = [{"name": "early", "start": "06:00", "end": "14:00"}, {"name": "night", "start": "22:00",
                                                                          "end": "06:00"}]
    (pack / "city.json").write_text(json.dumps(raw))
    assert load_city_pack(pack).shifts == (Shift("early", 360, 840), Shift("night", 1320, 360))
    raw["shifts"] = [{"name": "late", "start": "25:00", "end": "06:00"}]
    (pack / "city.json").write_text(json.dumps(raw))
    with pytest.raises(CityPackError, match=r'field "shifts\[0\].start"'):
        load_city_pack(pack)


def test_on_random_tracks_the_whole_city_path_equals_the_point_by_point_reference(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """city_coverage (cells by city.h3cells, visits folded per cell and unit) against zone_coverage
    for each zone alone with every point looked up in h3 one at a time: equal, figures and all."""
    import shapely.geometry as sg

    from city import coverage
    from city.coverage import city_coverage

    rng = np.random.default_rng(7)
    zones = [(f"Z{i}{j}", sg.box(114.0 + 0.005 * i, 22.5 + 0.005 * j, 114.005 + 0.005 * i, 22.505 + 0.005 * j))
             for i in range(3) for j in range(3)]
    zones.append(("L", sg.Polygon([(114.0, 22.515), (114.012, 22.515), (114.012, 22.518), (114.004, 22.518),
                                   (114.004, 22.522), (114.0, 22.522)])))
    tracks: dict[str, TrackArrays] = {}
    for k in range(8):
        n = 3000
        dt = rng.choice([5.0, 10.0, 10.0, 30.0, 200.0], size=n)  # some gaps longer than GAP_S
        legs = np.repeat(rng.uniform(0, 2 * np.pi, size=n), rng.integers(3, 30, size=n))[:n]
        step = np.repeat(rng.choice([0.0, 2e-5, 1e-4, 4e-4], size=n), rng.integers(3, 30, size=n))[:n]
        lat = 22.51 + 0.008 * np.sin(np.cumsum(step * np.cos(legs)) / 0.008 + k)
        lon = 114.008 + 0.01 * np.sin(np.cumsum(step * np.sin(legs)) / 0.01 + 2 * k)
        tracks[f"P{k:02d}"] = TrackArrays(T0 + np.cumsum(dt), lat, lon, step * 1.1e5 / np.maximum(dt, 1) * 3.6)
    t0, t1 = T0 + 500, T0 + 40_000
    assigned = {zid: [f"P{i % 8:02d}", "P99"] for i, (zid, _) in enumerate(zones)}
    together = city_coverage(zones, tracks, t0, t1, assigned)

    def one_by_one(lat: np.ndarray, lon: np.ndarray, res: int) -> np.ndarray:
        pairs = zip(lat.tolist(), lon.tolist(), strict=True)
        return np.array([h3.str_to_int(h3.latlng_to_cell(a, b, res)) for a, b in pairs], dtype=np.int64)

    monkeypatch.setattr(coverage, "latlng_to_cells", one_by_one)
    reference = [zone_coverage(zid, geom, tracks, t0, t1, assigned[zid]) for zid, geom in zones]
    assert together == reference
    assert sum(c.cells_covered for c in together) >= 20
    assert any(c.covered_fraction < 1 for c in together) and all(len(c.units) > 2 for c in together)
