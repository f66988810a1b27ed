"""web.views.hotspots: the hotspot layer of the Chicago pack's real crimes, by local hour."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from city.citypack import load_city_pack
from city.incidents import Incident, load_incidents
from core.settings import ROOT
from web.views.hotspots import LEVEL_COLORS, hotspot_layer, incident_points, zone_counts

CHICAGO = ROOT / "data" / "chicago"
TZ = ZoneInfo("America/Chicago")


def test_the_layer_shades_the_busiest_beats_of_an_hour() -> None:
    pack = load_city_pack(CHICAGO)
    crimes = load_incidents(CHICAGO)
    layer = hotspot_layer(crimes, pack.zones_by_id, pack.timezone, hour=None)
    counts = [f["properties"]["count"] for f in layer["features"]]
    assert sum(counts) == 915 and counts == sorted(counts, reverse=True)
    top = layer["features"][0]["properties"]
    assert top["level"] == 4 and top["color"] == LEVEL_COLORS[4] and top["name"] == f"Beat {top['id']}"
    # hour by hour, the layers add up to the day
    assert sum(sum(zone_counts(crimes, TZ, h).values()) for h in range(24)) == 915
    evening = hotspot_layer(crimes, pack.zones_by_id, TZ, hour=20)["features"]
    assert {f["properties"]["id"] for f in evening} == set(zone_counts(crimes, TZ, 20))
    assert len(incident_points(crimes, TZ, 20)) == sum(f["properties"]["count"] for f in evening)


def test_hours_are_local_and_zones_outside_the_pack_are_left_out() -> None:
    pack = load_city_pack(CHICAGO)
    # 2017-08-04 23:30 CDT is 04:30 UTC the next day
    late = [Incident("1", 1501907400, 41.88, -87.63, "0111", "THEFT"),
            Incident("2", 1501907400, 41.88, -87.63, "9999", "THEFT")]
    layer = hotspot_layer(late, pack.zones_by_id, TZ, hour=23)
    assert [(f["properties"]["id"], f["properties"]["count"]) for f in layer["features"]] == [("0111", 1)]
    assert hotspot_layer(late, pack.zones_by_id, TZ, hour=4)["features"] == []
    with pytest.raises(ValueError, match="hour must be 0..23"):
        zone_counts(late, TZ, 24)
