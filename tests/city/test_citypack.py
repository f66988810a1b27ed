"""The city pack loader: the bundled demo city, the mini_city fixture, and packs broken one field at a time."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from city.citypack import CATEGORIES, SEVERITIES, CityPack, CityPackError, load_city_pack
from core.settings import DEMO_CITY, ROOT

MINI = ROOT / "tests" / "fixtures" / "mini_city"


@pytest.fixture(scope="module")
def demo() -> CityPack:
    return load_city_pack(DEMO_CITY)


@pytest.fixture(scope="module")
def mini() -> CityPack:
    return load_city_pack(MINI)


# --- the demo city -----------------------------------------------------------------------------


def test_demo_city_has_the_promised_size(demo: CityPack) -> None:
    patrol = [z for z in demo.zones if z.kind == "patrol"]
    restricted = [z for z in demo.zones if z.kind == "restricted"]
    assert len(patrol) >= 12 and len(restricted) >= 3
    assert str(demo.timezone) == "Asia/Shanghai"
    assert len(demo.checkpoints) == 20
    assert sum(cp.station for cp in demo.checkpoints.values()) >= 4
    assert sorted(demo.units) == [f"P{i:02d}" for i in range(1, 41)]
    assert len(demo.vehicles) == 300
    assert {v.category for v in demo.vehicles.values()} == CATEGORIES
    assert all(re.fullmatch(r"粤B[A-HJ-NP-Z][0-9A-HJ-NP-Z]{4}", p) for p in demo.vehicles)
    assert len(demo.watchlist) == 25
    assert {w.severity for w in demo.watchlist.values()} == set(SEVERITIES)
    watched = set(demo.watchlist)
    assert watched & set(demo.vehicles) and watched - set(demo.vehicles)
    assert "OpenStreetMap" in demo.attribution
    assert demo.roads is not None and len(demo.roads["features"]) == 4009


def test_demo_city_rules_match_the_brief(demo: CityPack) -> None:
    assert demo.default_speed_limit == 60
    assert (demo.night_ban.categories, demo.night_ban.start_min, demo.night_ban.end_min) == (
        frozenset({"coach"}), 120, 300)
    assert demo.fatigue.categories == frozenset({"coach", "bus", "hazmat", "truck"})
    assert (demo.fatigue.max_drive_min, demo.fatigue.min_rest_min, demo.fatigue.rest_speed) == (240, 20, 5)
    assert (demo.offline_after_s, demo.cloned_plate_kmh) == (120, 150)
    restricted = {z.forbid: z for z in demo.zones if z.kind == "restricted"}
    assert frozenset({"hazmat"}) in restricted  # the water source
    assert restricted[frozenset({"hazmat", "truck"})].hours is not None  # school zone and old town
    wraps = [z for z in demo.zones if z.hours is not None and z.hours[1] < z.hours[0]]
    assert wraps, "at least one restricted zone's hours wrap midnight"


def test_demo_patrol_zones_tile_the_map(demo: CityPack) -> None:
    patrol = [z.geometry for z in demo.zones if z.kind == "patrol"]
    union = unary_union(patrol)
    assert union.area == pytest.approx(union.envelope.area, rel=1e-9)  # no gaps: a full rectangle
    assert sum(g.area for g in patrol) == pytest.approx(union.area, rel=1e-9)
    for a, b in itertools.combinations(patrol, 2):
        assert a.intersection(b).area < union.area * 1e-9  # shared edges only
    xs, ys = np.array(sorted(_road_vertices(demo))).T
    assert shapely.intersects_xy(union, xs, ys).all(), "every road lies in some patrol zone"


def _road_vertices(city: CityPack, highways: set[str] | None = None) -> set[tuple[float, float]]:
    assert city.roads is not None
    return {(c[0], c[1]) for f in city.roads["features"]
            if highways is None or f["properties"]["highway"] in highways
            for c in f["geometry"]["coordinates"]}


def test_demo_restricted_zones_are_crossed_by_roads(demo: CityPack) -> None:
    vertices = [Point(c) for c in _road_vertices(demo, {"trunk", "primary", "secondary", "tertiary"})]
    for zone in demo.zones:
        if zone.kind == "restricted":
            inside = sum(zone.geometry.contains(p) for p in vertices)
            assert inside >= 3, f"{zone.id} holds {inside} main-road vertices"


def test_demo_checkpoints_sit_on_main_roads_and_link_downstream(demo: CityPack) -> None:
    main = _road_vertices(demo, {"trunk", "primary", "secondary"})
    for cp in demo.checkpoints.values():
        assert (cp.lon, cp.lat) in main, f"{cp.id} is not on a trunk/primary/secondary road node"
        assert cp.next, f"{cp.id} has no downstream checkpoint"
        assert cp.id not in cp.next and set(cp.next) <= set(demo.checkpoints)


def test_demo_units_cover_every_patrol_zone(demo: CityPack) -> None:
    assert {u.zone for u in demo.units.values()} == {z.id for z in demo.zones if z.kind == "patrol"}


# --- the mini city -----------------------------------------------------------------------------


def test_mini_city_loads_as_its_readme_says(mini: CityPack) -> None:
    zones = mini.zones_by_id
    assert [(z.id, z.kind) for z in mini.zones] == [
        ("W", "patrol"), ("E", "patrol"), ("RH", "restricted"), ("RT", "restricted")]
    assert zones["W"].speed_limit == 40 and zones["E"].speed_limit is None
    assert (zones["RH"].forbid, zones["RH"].hours) == (frozenset({"hazmat"}), (22 * 60, 6 * 60))
    assert (zones["RT"].forbid, zones["RT"].hours) == (frozenset({"truck"}), None)
    assert zones["RH"].geometry.contains(Point(114.003, 22.503))
    assert zones["W"].geometry.touches(zones["E"].geometry)
    assert [(c.id, c.next, c.station) for c in mini.checkpoints.values()] == [
        ("A", ("B",), False), ("B", ("C",), True), ("C", ("D",), False), ("D", (), True)]
    assert (mini.checkpoints["B"].lat, mini.checkpoints["B"].lon) == (22.505, 114.007)
    assert {u.id: u.zone for u in mini.units.values()} == {"P01": "W", "P02": "W", "P03": "E"}
    assert {"coach", "hazmat", "truck", "bus", "private"} <= {v.category for v in mini.vehicles.values()}
    assert mini.vehicles["粤BP5001"].operator == ""
    assert {p: w.severity for p, w in mini.watchlist.items()} == {
        "粤BT3001": "orange", "粤BZ9999": "red", "粤BP5001": "yellow"}
    assert mini.roads is None and mini.center == (22.505, 114.01) and mini.zoom == 15


def test_rest_speed_defaults_to_5(tmp_path: Path) -> None:
    pack = broken(tmp_path, "city.json", lambda c: c["fatigue"].pop("rest_speed") and None)
    assert load_city_pack(pack).fatigue.rest_speed == 5.0


# --- broken packs ------------------------------------------------------------------------------


def broken(tmp_path: Path, file: str, mutate: Callable[[Any], Any] | None) -> Path:
    """A copy of mini_city with ``file`` changed by ``mutate`` (deleted when ``mutate`` is None).

    ``mutate`` changes the parsed JSON in place and returns None, or returns the file's new content.
    """
    pack = tmp_path / "pack"
    shutil.copytree(MINI, pack)
    path = pack / file
    if mutate is None:
        path.unlink()
    else:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        out = mutate(data)
        path.write_text(json.dumps(data if out is None else out, ensure_ascii=False), encoding="utf-8")
    return pack


def _props(i: int, **change: Any) -> Callable[[Any], None]:
    return lambda d: d["features"][i]["properties"].update(change)


BOWTIE = [[[114.0, 22.5], [114.01, 22.51], [114.01, 22.5], [114.0, 22.51], [114.0, 22.5]]]
ROADS_WITH_POINT = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
    "u": "1", "v": "2", "name": None, "highway": "primary", "length_m": 10, "maxspeed_kmh": None},
    "geometry": {"type": "Point", "coordinates": [114.0, 22.5]}}]}

CASES: list[tuple[str, str, Callable[[Any], Any] | None, list[str]]] = [
    ("bad timezone", "city.json", lambda c: c.update(timezone="Mars/Olympus"),
     ['city.json: field "timezone"', '"Mars/Olympus"']),
    ("bad night ban start", "city.json", lambda c: c["night_ban"].update(start="2am"),
     ['city.json: field "night_ban.start"', '"2am"']),
    ("center swapped", "city.json", lambda c: c.update(center=[114.01, 22.505]), ['city.json: field "center"']),
    ("speed limit is a bool", "city.json", lambda c: c.update(default_speed_limit=True),
     ['city.json: field "default_speed_limit"', "number"]),
    ("bad kind", "zones.geojson", _props(1, kind="foo"),
     ['zones.geojson: feature 1 (id "E"): field "kind"', '"patrol" or "restricted"', '"foo"']),
    ("invalid polygon", "zones.geojson", lambda z: z["features"][0]["geometry"].update(coordinates=BOWTIE),
     ['zones.geojson: feature 0 (id "W"): field "geometry"', "not a valid Polygon", "Self-intersection"]),
    ("point zone", "zones.geojson", lambda z: z["features"][1]["geometry"].update(type="Point"),
     ['zones.geojson: feature 1 (id "E"): field "geometry"', "Polygon or MultiPolygon"]),
    ("lat/lon swapped", "zones.geojson", lambda z: z["features"][1]["geometry"].update(
        coordinates=[[[y, x] for x, y in z["features"][1]["geometry"]["coordinates"][0]]]),
     ['zones.geojson: feature 1 (id "E"): field "geometry"', "[lon, lat]"]),
    ("bad hours", "zones.geojson", _props(2, hours="22-06"),
     ['zones.geojson: feature 2 (id "RH"): field "hours"', '"22-06"', "HH:MM-HH:MM"]),
    ("empty hours", "zones.geojson", _props(2, hours="06:00-06:00"),
     ['zones.geojson: feature 2 (id "RH"): field "hours"', "never in force"]),
    ("bad forbid", "zones.geojson", _props(3, forbid=["tank"]),
     ['zones.geojson: feature 3 (id "RT"): field "forbid"', '"tank"']),
    ("hours on a patrol zone", "zones.geojson", _props(0, hours="07:00-09:00"),
     ['zones.geojson: feature 0 (id "W"): field "hours"', "restricted zones only"]),
    ("duplicate zone id", "zones.geojson", _props(1, id="W"),
     ['zones.geojson: feature 1 (id "W"): field "id"', "unique"]),
    ("zone without id", "zones.geojson", lambda z: z["features"][3]["properties"].pop("id") and None,
     ['zones.geojson: feature 3: field "id"', "missing"]),
    ("unknown next id", "checkpoints.geojson", _props(2, next=["Z"]),
     ['checkpoints.geojson: feature 2 (id "C"): field "next"', '"Z"']),
    ("station not a bool", "checkpoints.geojson", _props(1, station="yes"),
     ['checkpoints.geojson: feature 1 (id "B"): field "station"', "true or false"]),
    ("unknown unit zone", "units.json", lambda u: u[2].update(zone="Q"),
     ['units.json: entry 2 (id "P03"): field "zone"', '"Q"', "patrol zone"]),
    ("unit in a restricted zone", "units.json", lambda u: u[0].update(zone="RH"),
     ['units.json: entry 0 (id "P01"): field "zone"', '"RH" is a restricted zone']),
    ("bad category", "vehicles.json", lambda v: v[4].update(category="lorry"),
     ['vehicles.json: entry 4 (plate "粤BT3001"): field "category"', '"lorry"', '"school_bus"']),
    ("plate equals a unit id", "vehicles.json", lambda v: v[0].update(plate="P02"),
     ['vehicles.json: entry 0 (plate "P02"): field "plate"', "units.json"]),
    ("bad severity", "watchlist.json", lambda w: w[1].update(severity="purple"),
     ['watchlist.json: entry 1 (plate "粤BZ9999"): field "severity"', '"purple"', '"red", "orange"']),
    ("duplicate watch plate", "watchlist.json", lambda w: w[2].update(plate="粤BT3001"),
     ['watchlist.json: entry 2 (plate "粤BT3001"): field "plate"']),
    ("not a list", "units.json", lambda u: {"units": u}, ["units.json: must be a JSON list"]),
    ("missing file", "vehicles.json", None, ["vehicles.json: missing", "plate, category, operator"]),
    ("roads not lines", "roads.geojson", lambda _: ROADS_WITH_POINT,
     ['roads.geojson: feature 0: field "geometry"', "LineString"]),
]


@pytest.mark.parametrize(("file", "mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_pack_names_file_feature_and_field(
    tmp_path: Path, file: str, mutate: Callable[[Any], Any] | None, expected: list[str]
) -> None:
    pack = broken(tmp_path, file, mutate)
    with pytest.raises(CityPackError) as err:
        load_city_pack(pack)
    for part in expected:
        assert part in str(err.value)


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    pack = broken(tmp_path, "units.json", None)
    (pack / "units.json").write_text('[\n  {"id": "P01",}\n]', encoding="utf-8")
    with pytest.raises(CityPackError, match=r"units\.json: not valid JSON at line 2 column"):
        load_city_pack(pack)


def test_a_path_that_is_not_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CityPackError, match="not a folder"):
        load_city_pack(tmp_path / "nowhere")


def test_valid_geometry_helpers_accept_multipolygons(tmp_path: Path) -> None:
    def to_multi(z: Any) -> None:
        geom = z["features"][1]["geometry"]
        geom.update(type="MultiPolygon", coordinates=[geom["coordinates"]])

    pack = load_city_pack(broken(tmp_path, "zones.geojson", to_multi))
    east = pack.zones_by_id["E"].geometry
    assert east.geom_type == "MultiPolygon"
    assert east.equals(shape(json.loads((MINI / "zones.geojson").read_text())["features"][1]["geometry"]))
