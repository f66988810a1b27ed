"""The city pack as the map draws it (mini city and the demo city)."""

from __future__ import annotations

from pathlib import Path

import pytest

from city.citypack import CityPack, load_city_pack
from core.settings import DEMO_CITY
from web.views.mapdata import city_bounds, map_config, roads_geojson, zones_geojson

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini_city"


@pytest.fixture(scope="module")
def mini() -> CityPack:
    return load_city_pack(MINI)


def test_zones_split_by_kind_with_names_and_rules(mini: CityPack) -> None:
    patrol = zones_geojson(mini, "patrol")["features"]
    restricted = {f["properties"]["id"]: f["properties"] for f in zones_geojson(mini, "restricted")["features"]}
    assert [f["properties"]["id"] for f in patrol] == ["W", "E"]
    assert patrol[0]["properties"]["zh"] == "西区" and patrol[0]["properties"]["en"] == "West"
    assert restricted["RH"]["forbid"] == ["hazmat"] and restricted["RH"]["hours"] == "22:00-06:00"
    assert restricted["RT"]["hours"] == ""


def test_bounds_cover_every_zone_and_checkpoint(mini: CityPack) -> None:
    assert city_bounds(mini) == [[22.5, 114.0], [22.51, 114.02]]


def test_config_without_roads_has_no_roads_url(mini: CityPack) -> None:
    cfg = map_config(mini, "/roads.json")
    assert cfg["roads_url"] == "" and set(cfg["units"]) == {"P01", "P02", "P03"}
    assert [c["id"] for c in cfg["checkpoints"]] == ["A", "B", "C", "D"]


def test_demo_roads_drawn_once_per_street() -> None:
    city = load_city_pack(DEMO_CITY)
    assert city.roads is not None
    edges = city.roads["features"]
    drawn = roads_geojson(city)["features"]
    assert len(edges) / 2.2 < len(drawn) < len(edges)  # most streets are two-way: about half the edges
    keys = {tuple(map(tuple, f["geometry"]["coordinates"])) for f in drawn}
    assert not any(k[::-1] in keys for k in keys if k != k[::-1])
    assert {f["properties"]["c"] for f in drawn} <= {0, 1, 2}
