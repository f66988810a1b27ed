"""The city pack as the map draws it: zones, roads, checkpoints, and the config the browser needs.

Roads are directed edges in ``roads.geojson``; the map needs each street once, so an edge and its
reverse are drawn as one line, with coordinates rounded to about a metre (5 decimals).
"""

from __future__ import annotations

import re
from typing import Any

from shapely.geometry import mapping

from city.citypack import CityPack

__all__ = ["split_name", "zones_geojson", "roads_geojson", "checkpoint_list", "city_bounds", "map_config",
           "ROAD_CLASSES"]

# highway tag -> drawing class (0 = major ... 2 = minor)
ROAD_CLASSES = {"motorway": 0, "trunk": 0, "primary": 0, "motorway_link": 1, "trunk_link": 1,
                "primary_link": 1, "secondary": 1, "secondary_link": 1, "tertiary": 1}
_HAN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff]")
_CODE = re.compile(r"^[A-Za-z]{0,2}\d+$")


def split_name(name: str) -> tuple[str, str]:
    """A bilingual pack name as ``(zh, en)``: words with Chinese characters, the other words.

    Codes such as ``K01`` go to both; a one-language name is returned for both.

    >>> split_name("侨香片区 Qiaoxiang"), split_name("West 西区")
    (('侨香片区', 'Qiaoxiang'), ('西区', 'West'))
    >>> split_name("农林路×润田路 执法站 Enforcement Station K02")
    ('农林路×润田路 执法站 K02', 'Enforcement Station K02')
    >>> split_name("Harbour Gate")
    ('Harbour Gate', 'Harbour Gate')
    """
    zh: list[str] = []
    en: list[str] = []
    han = latin = False
    for word in name.split():
        if _CODE.match(word):
            zh.append(word)
            en.append(word)
        elif _HAN.search(word):
            zh.append(word)
            han = True
        else:
            en.append(word)
            latin = True
    if not (han and latin):
        return name, name
    return " ".join(zh), " ".join(en)


def zones_geojson(city: CityPack, kind: str) -> dict[str, Any]:
    """The zones of one ``kind`` (``patrol`` / ``restricted``) as a FeatureCollection.

    Properties: ``id``, ``name``, ``zh``, ``en``, ``kind``, and for restricted zones ``forbid``
    (sorted categories) and ``hours`` (``"HH:MM-HH:MM"`` or ``""`` for all day).
    """
    features = []
    for zone in city.zones:
        if zone.kind != kind:
            continue
        zh, en = split_name(zone.name)
        props: dict[str, Any] = {"id": zone.id, "name": zone.name, "zh": zh, "en": en, "kind": zone.kind}
        if kind == "restricted":
            props["forbid"] = sorted(zone.forbid)
            props["hours"] = "" if zone.hours is None else f"{zone.hours[0] // 60:02d}:{zone.hours[0] % 60:02d}-{zone.hours[1] // 60:02d}:{zone.hours[1] % 60:02d}"
        features.append({"type": "Feature", "id": zone.id, "properties": props,
                         "geometry": mapping(zone.geometry)})
    return {"type": "FeatureCollection", "features": features}


def roads_geojson(city: CityPack, digits: int = 5) -> dict[str, Any]:
    """Each street once (an edge and its reverse merged), properties ``c`` (class 0-2) and ``name``."""
    seen: set[tuple[Any, ...]] = set()
    features = []
    for feature in (city.roads or {}).get("features", []):
        geom = feature.get("geometry") or {}
        if geom.get("type") != "LineString":
            continue
        coords = [[round(float(x), digits), round(float(y), digits)] for x, y, *_ in geom["coordinates"]]
        if len(coords) < 2:
            continue
        key = tuple(map(tuple, coords))
        if key in seen or key[::-1] in seen:
            continue
        seen.add(key)
        props = feature.get("properties") or {}
        features.append({"type": "Feature", "properties": {
            "c": ROAD_CLASSES.get(str(props.get("highway", "")), 2), "name": str(props.get("name") or "")},
            "geometry": {"type": "LineString", "coordinates": coords}})
    return {"type": "FeatureCollection", "features": features}


def checkpoint_list(city: CityPack) -> list[dict[str, Any]]:
    """Checkpoints for the browser: ``id name zh en lat lon station``, sorted by id."""
    out = []
    for cp in sorted(city.checkpoints.values(), key=lambda c: c.id):
        zh, en = split_name(cp.name)
        out.append({"id": cp.id, "name": cp.name, "zh": zh, "en": en, "lat": cp.lat, "lon": cp.lon,
                    "station": cp.station})
    return out


def city_bounds(city: CityPack) -> list[list[float]]:
    """``[[south, west], [north, east]]`` around every zone and checkpoint (the center alone if none)."""
    lats = [cp.lat for cp in city.checkpoints.values()]
    lons = [cp.lon for cp in city.checkpoints.values()]
    for zone in city.zones:
        w, s, e, n = zone.geometry.bounds
        lats += [s, n]
        lons += [w, e]
    if not lats:
        lat, lon = city.center
        return [[lat - 0.01, lon - 0.01], [lat + 0.01, lon + 0.01]]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def map_config(city: CityPack, roads_url: str) -> dict[str, Any]:
    """What the browser's live map needs once: view, checkpoints, units, zone names, roads URL."""
    units = {}
    for unit in city.units.values():
        zh, en = split_name(unit.callsign)
        units[unit.id] = {"callsign": unit.callsign, "zh": zh, "en": en, "zone": unit.zone}
    zones = {}
    for zone in city.zones:
        zh, en = split_name(zone.name)
        zones[zone.id] = {"zh": zh, "en": en, "kind": zone.kind}
    return {"center": list(city.center), "zoom": city.zoom, "bounds": city_bounds(city),
            "checkpoints": checkpoint_list(city), "units": units, "zones": zones,
            "roads_url": roads_url if city.roads else "", "offline_after_s": city.offline_after_s}
