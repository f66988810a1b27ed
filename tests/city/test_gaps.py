"""Coverage gaps against where crime was: exact on hand-made tracks and incidents over the mini
city's zones W (114.00-114.01 E, 22.50-22.51 N) and E (114.01-114.02 E)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pytest

from city.citypack import CityPack, load_city_pack
from city.coverage import GAP_WINDOW_S, TrackArrays
from city.gaps import (
    ALERT,
    INCIDENT,
    GapEvent,
    alert_event,
    find_gaps,
    gap_windows,
    incident_events,
    place,
    visits,
)
from city.geo import ZoneIndex
from city.incidents import Incident
from core.settings import ROOT

MINI = ROOT / "tests" / "fixtures" / "mini_city"
SH = ZoneInfo("Asia/Shanghai")
T0 = 1_700_000_000.0  # 2023-11-15 06:13:20 in Shanghai: its local hour began at T0 - 800


@pytest.fixture(scope="module")
def city() -> CityPack:
    return load_city_pack(MINI)


def street(t0: float = T0) -> TrackArrays:
    """P01 drives along lat 22.505 from 114.001 to 114.009 (inside W), a fix every 10 s, 13 fixes."""
    lon = np.linspace(114.001, 114.009, 13)
    return TrackArrays(t0 + 10.0 * np.arange(13), np.full(13, 22.505), lon, np.full(13, 30.0))


def test_an_event_is_a_gap_only_beyond_the_window_of_a_visit_to_its_cell() -> None:
    one = TrackArrays(np.array([T0]), np.array([22.505]), np.array([114.005]), np.array([0.0]))
    seen = visits({"P01": one})
    at = [GapEvent(INCIDENT, f"d{int(d)}", T0 + d, 22.505, 114.005, zones=("W",))
          for d in (-GAP_WINDOW_S, GAP_WINDOW_S, GAP_WINDOW_S + 1, -GAP_WINDOW_S - 1)]
    assert [e.id for e in find_gaps(at, seen, T0 - 3600, T0 + 3600)] == ["d-901", "d901"]
    # the next cell (about 400 m east), at the very time of the visit: no patrol there
    assert [e.id for e in find_gaps([GapEvent(ALERT, "x", T0, 22.505, 114.009)], seen, 0, 2e9)] == ["x"]
    assert find_gaps(at, visits({}), T0, T0) == []  # out of the range: none, even unpatrolled


def test_crimes_with_no_car_counted_per_zone_and_local_hour(city: CityPack) -> None:
    crimes = [Incident("i1", T0 + 300, 22.505, 114.005, "W", "THEFT", "FROM AUTO"),  # the car passed 4-5 min before
              Incident("i2", T0 + 2000, 22.505, 114.005, "W", "BATTERY"),  # the car passed 30 min before
              Incident("i3", T0 + 60, 22.509, 114.009, "W", "ROBBERY", "ARMED"),  # a corner no car visited
              Incident("i4", T0 + 60, 22.505, 114.015, "E", "THEFT"),  # zone E: no car all day
              Incident("i5", T0 + 60, 22.520, 114.000, "", "THEFT"),  # in no zone: nobody's gap
              Incident("i6", T0 + 9000, 22.509, 114.009, "W", "THEFT"),  # after the range
              Incident("i7", T0 + 3000, 22.505, 114.015, "W", "ASSAULT")]  # the source says W: W's, though in E
    alerts = [alert_event({"alert_id": "a1", "ts": str(T0 + 100), "lat": "22.509500", "lon": "114.001500",
                           "text": "watchlist plate read"}),
              alert_event({"alert_id": "a2", "ts": str(T0 + 60), "lat": "22.505", "lon": "114.004", "text": "x"}),
              alert_event({"alert_id": "bad", "ts": "soon", "lat": "1", "lon": "2"})]
    assert alerts[2] is None
    events = place(incident_events(crimes) + [a for a in alerts if a is not None], ZoneIndex(city.zones))
    assert {e.id: e.zones for e in events} == {"i1": ("W",), "i2": ("W",), "i3": ("W",), "i4": ("E",), "i6": ("W",),
                                               "i7": ("W",), "a1": ("W",), "a2": ("W",)}
    gaps = find_gaps(events, visits({"P01": street()}), T0 - 800, T0 + 7200 - 800)
    assert [e.id for e in gaps] == ["i3", "i4", "a1", "i2", "i7"]
    windows = gap_windows(gaps, SH)
    assert [(w.zone, w.start - T0, w.end - T0, w.incidents, w.alerts) for w in windows] == [
        ("E", -800.0, 2800.0, 1, 0), ("W", -800.0, 2800.0, 2, 1), ("W", 2800.0, 6400.0, 1, 0)]
    assert windows[1].to_json() == {"from": T0 - 800, "to": T0 + 2800, "incidents": 2, "alerts": 1,
                                    "ids": ["i3", "a1", "i2"]}
    assert [e.text for e in windows[1].events] == ["ROBBERY · ARMED", "watchlist plate read", "BATTERY"]
    assert [w.zone for w in gap_windows(gaps, SH, zones=["E"])] == ["E"]
