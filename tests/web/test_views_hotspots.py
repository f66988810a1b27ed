"""web.views.hotspots: the hotspot layer of the Chicago pack's real crimes, by local hour."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from city.citypack import load_city_pack
from city.incidents import Incident, load_incidents
from core.settings import ROOT
from web.views.hotspots import (
    LEVEL_COLORS,
    hot_points,
    hotspot_layer,
    hour_options,
    incident_points,
    legend_rows,
    window_of,
    zone_counts,
)

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


def test_hot_points_of_a_window_carry_their_zones_level_and_the_legend_says_what_colours_mean() -> None:
    t0 = 1501884000.0  # 2017-08-04 17:00 CDT
    crimes = [Incident("a", t0 + 60, 41.88, -87.63, "0111", "THEFT", "POCKET-PICKING"),
              Incident("b", t0 + 120, 41.88, -87.63, "0111", "BATTERY"),
              Incident("c", t0 + 180, 41.89, -87.62, "0112", "ROBBERY"),
              Incident("d", t0 + 3600, 41.89, -87.62, "0112", "THEFT")]  # 18:00: the next hour
    pts = hot_points(crimes, {"0111": "Beat 0111"}, TZ, t0, t0 + 3600)
    assert [(p.id, p.zone_name, p.count, p.level, p.time) for p in pts] == [
        ("a", "Beat 0111", 2, 4, "2017-08-04 17:01"), ("b", "Beat 0111", 2, 4, "2017-08-04 17:02"),
        ("c", "0112", 1, 2, "2017-08-04 17:03")]
    assert pts[0].color == LEVEL_COLORS[4] and pts[0].radius > pts[2].radius
    assert legend_rows(pts) == [(LEVEL_COLORS[2], "1"), (LEVEL_COLORS[4], "2")]
    assert hour_options(crimes, TZ, t0 - 7200, t0 + 7200) == [(t0, "2017-08-04 17:00", 3),
                                                             (t0 + 3600, "2017-08-04 18:00", 1)]
    assert window_of([t0 - 7200, t0 + 7200], f"{t0 + 3600:.0f}", TZ) == (t0 + 3600, t0 + 7200, "2017-08-04 18:00–19:00")
    assert window_of([t0, t0 + 600], "", TZ)[:2] == (t0, t0 + 600)  # no hour: the range itself
    assert hot_points([], {}, TZ, t0, t0 + 3600) == [] and legend_rows([]) == []
