"""The Coverage tab's view model: colours against the target, readable rows, the heat map's cells,
the CSV, the recent shifts as options."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

import h3

from city.coverage import Coverage, UnitFigures
from city.gaps import ALERT, INCIDENT, GapEvent, GapWindow
from city.shifts import ShiftRange
from web.views import coverage as vm

SH = ZoneInfo("Asia/Shanghai")
T0 = 1_700_000_000.0  # 2023-11-15 06:13:20 in Shanghai
A, B, C = (h3.latlng_to_cell(22.505, 114.0 + 0.004 * i, 9) for i in range(3))


def cov(zone: str, covered: dict[str, float], units: tuple[UnitFigures, ...] = ()) -> Coverage:
    return Coverage(zone, T0, T0 + 7200, (A, B, C), dict(covered), dict(covered), units)


def test_zones_are_coloured_against_the_target() -> None:
    covs = [cov("W", {A: T0, B: T0}), cov("E", {A: T0}), cov("N", {})]
    rows = vm.zone_rows(covs, {"W": "West"}, target=0.6)
    assert [(r.name, r.covered, r.cells, r.color) for r in rows] == [
        ("West", "67 %", "2 / 3", vm.GOOD), ("E", "33 %", "1 / 3", vm.LOW), ("N", "0 %", "0 / 3", vm.BAD)]


def test_units_read_as_distances_and_durations() -> None:
    c = cov("W", {}, (UnitFigures("P01", 12_345.0, 3900.0, 600.0, 59.0),))
    (row,) = vm.unit_rows([c], {"P01": "West-1"}, {"W": "West"})
    assert (row.callsign, row.zone, row.distance, row.in_zone, row.out_zone, row.idle) == (
        "West-1", "West", "12.3 km", "1 h 05 min", "10 min", "1 min")


def test_cells_are_coloured_by_the_time_since_their_last_visit() -> None:
    c = cov("W", {A: T0 + 7000, B: T0})  # A 200 s before the end, B 2 h before, C never
    feats = {f["properties"]["cell"]: f for f in vm.cells_geojson([c])["features"]}
    assert feats[A]["properties"]["style"]["fillColor"] == vm.HEAT[0][1]
    assert feats[B]["properties"]["style"]["fillColor"] == vm.HEAT[1][1]
    assert feats[C]["properties"]["style"]["fillColor"] == vm.NEVER
    ring = feats[A]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 7  # a closed hexagon, lon/lat
    assert all(113.9 < lon < 114.1 and 22.4 < lat < 22.6 for lon, lat in ring)


def test_gaps_read_per_zone_and_hour_and_csv() -> None:
    crime = GapEvent(INCIDENT, "i1", T0 + 60, 22.505, 114.004, "ROBBERY · ARMED", ("W",))
    alert = GapEvent(ALERT, "a1", T0 + 120, 22.506, 114.004, "watchlist plate read", ("W", "E"))
    windows = [GapWindow("E", T0 - 800, T0 + 2800, (alert,)), GapWindow("W", T0 - 800, T0 + 2800, (crime, alert))]
    rows = vm.gap_rows(windows, {"W": "West", "E": "East"}, SH)
    assert [(r.time, r.name, r.incidents, r.alerts, r.text) for r in rows] == [
        ("2023-11-15 06:00–07:00", "East", 0, 1, "watchlist plate read"),
        ("2023-11-15 06:00–07:00", "West", 1, 1, "ROBBERY · ARMED; watchlist plate read")]
    marks = vm.gap_marks(windows, SH)  # the alert on the border once
    assert [(m.kind, m.id, m.tip) for m in marks] == [(INCIDENT, "i1", "06:14 ROBBERY · ARMED"),
                                                       (ALERT, "a1", "06:15 watchlist plate read")]
    zones = vm.zone_rows([cov("W", {}), cov("E", {}), cov("N", {})], {}, 0.6, windows)
    assert [(z.zone, z.gaps) for z in zones] == [("W", 2), ("E", 1), ("N", 0)]
    c = cov("W", {A: T0}, (UnitFigures("P01", 1000.0, 60.0, 0.0, 0.0),))
    rows = list(csv.DictReader(io.StringIO(vm.csv_text([c], {"W": "West"}, {"P01": "West-1"}, SH))))
    assert [(r["row"], r["covered_fraction"], r["unit"], r["distance_m"]) for r in rows] == [
        ("zone", "0.3333", "", ""), ("unit", "", "P01", "1000.0")]
    assert rows[0]["from_local"] == "2023-11-15 06:13"
    rows = list(csv.DictReader(io.StringIO(vm.csv_text([c], {"W": "West", "E": "East"}, {}, SH, windows))))
    assert [(r["row"], r["zone_name"], r["from_local"], r["to_local"], r["incidents"], r["alerts"], r["events"])
            for r in rows if r["row"] == "gap"] == [
        ("gap", "East", "2023-11-15 06:00", "2023-11-15 07:00", "0", "1", "watchlist plate read"),
        ("gap", "West", "2023-11-15 06:00", "2023-11-15 07:00", "1", "1", "ROBBERY · ARMED; watchlist plate read")]
    assert {r["incidents"] for r in rows if r["row"] != "gap"} == {""}


def test_shift_options_name_the_shift_and_the_one_under_way() -> None:
    shifts = [ShiftRange("night", "2023-11-14", 1.0, 2.0, ongoing=True), ShiftRange("early", "2023-11-14", 0.0, 1.0)]
    assert vm.shift_options(shifts, {"night": "Night"}, "under way") == [
        {"label": "Night 2023-11-14 (under way)", "value": "1-2"}, {"label": "early 2023-11-14", "value": "0-1"}]
