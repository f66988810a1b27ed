"""The Coverage tab's view model: pure functions of coverage results (city/coverage.py), names and
the city's time zone; no Redis, no clock.

Zones are coloured by their covered share against the target (``CC_COVERAGE_TARGET``): at or above
it green, at or above half of it amber, below that red. Cells are coloured by the time since their
last visit at the end of the range.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import h3

from city.coverage import Coverage
from city.gaps import INCIDENT, GapWindow
from city.shifts import ShiftRange

__all__ = ["GOOD", "LOW", "BAD", "NEVER", "HEAT", "zone_color", "heat_color", "ZoneRow", "UnitRow", "GapRow",
           "GapMark", "zone_rows", "unit_rows", "gap_rows", "gap_marks", "cells_geojson", "zone_outline", "curve_figure", "csv_text",
           "shift_options", "parse_range", "parse_local", "fmt_duration", "fmt_km", "fmt_local"]

GOOD, LOW, BAD = "#2fbf71", "#f2a93b", "#e5484d"
NEVER = "#56636f"
HEAT = ((3600.0, "#2fbf71"), (3 * 3600.0, "#c7d93b"), (6 * 3600.0, "#f2a93b"), (float("inf"), "#e5484d"))
"""Time since the last visit (seconds, upper bound) -> colour."""


def zone_color(fraction: float, target: float) -> str:
    """The colour of a zone covered ``fraction`` against ``target``.

    >>> zone_color(0.6, 0.6), zone_color(0.31, 0.6), zone_color(0.29, 0.6)
    ('#2fbf71', '#f2a93b', '#e5484d')
    """
    if fraction >= target:
        return GOOD
    return LOW if fraction >= target / 2 else BAD


def heat_color(since_s: float | None) -> str:
    """The colour of a cell last visited ``since_s`` before the end of the range (None: never).

    >>> heat_color(None), heat_color(600), heat_color(7 * 3600)
    ('#56636f', '#2fbf71', '#e5484d')
    """
    if since_s is None:
        return NEVER
    return next(color for bound, color in HEAT if since_s <= bound)


def fmt_duration(seconds: float) -> str:
    """``1 h 05 min`` / ``7 min``.

    >>> fmt_duration(3900), fmt_duration(420), fmt_duration(0)
    ('1 h 05 min', '7 min', '0 min')
    """
    minutes = int(round(seconds / 60))
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def fmt_km(metres: float) -> str:
    """>>> fmt_km(12345.6)
    '12.3 km'
    """
    return f"{metres / 1000:.1f} km"


def fmt_local(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M")


def parse_local(text: str, tz: ZoneInfo) -> float:
    """Epoch seconds of a local ``YYYY-MM-DD HH:MM`` (``T`` also accepted); ``ValueError`` if not one.

    >>> parse_local("2023-11-15 06:13", ZoneInfo("Asia/Shanghai"))
    1699999980.0
    """
    value = datetime.strptime(text.strip().replace("T", " "), "%Y-%m-%d %H:%M")
    return value.replace(tzinfo=tz).timestamp()


def parse_range(shift_value: str | None, start: str | None, end: str | None, tz: ZoneInfo) -> tuple[float, float]:
    """The range asked for: a custom ``start``/``end`` when both are given, else the shift's value
    ``"{t0}-{t1}"``; ``ValueError`` when neither makes a range with its start before its end.

    >>> parse_range("100-200", None, "", ZoneInfo("UTC"))
    (100.0, 200.0)
    >>> parse_range("100-200", "1970-01-01 00:10", "1970-01-01 00:20", ZoneInfo("UTC"))
    (600.0, 1200.0)
    """
    if start and end:
        t0, t1 = parse_local(start, tz), parse_local(end, tz)
    elif shift_value:
        a, _, b = shift_value.partition("-")
        t0, t1 = float(a), float(b)
    else:
        raise ValueError("no range")
    if not t0 < t1:
        raise ValueError("the start is not before the end")
    return t0, t1


def default_shift(shifts: Sequence[ShiftRange], stored: Callable[[ShiftRange], bool]) -> str | None:
    """The shift a supervisor sees first (its dropdown value): the newest one that ended, unless
    nothing was stored in it (``stored``: e.g. the system started since) and one is under way.

    >>> night, day = ShiftRange("night", "d", 3.0, 4.0, ongoing=True), ShiftRange("day", "d", 2.0, 3.0)
    >>> default_shift([night, day], lambda s: True), default_shift([night, day], lambda s: False)
    ('2-3', '3-4')
    >>> default_shift([night], lambda s: False), default_shift([], lambda s: True)
    ('3-4', None)
    """
    done = [s for s in shifts if not s.ongoing]
    under_way = [s for s in shifts if s.ongoing]
    if done and (not under_way or stored(done[0])):
        return done[0].value
    return under_way[0].value if under_way else None


def shift_options(shifts: Sequence[ShiftRange], label: Mapping[str, str], ongoing: str) -> list[dict[str, str]]:
    """Dropdown options of recent shifts: ``Night 2023-11-14 (under way)``; ``label`` names shifts
    known to the screens (day, night), others keep their city.json name."""
    return [{"label": f"{label.get(s.name, s.name)} {s.day}" + (f" ({ongoing})" if s.ongoing else ""),
             "value": s.value} for s in shifts]


@dataclass(frozen=True)
class ZoneRow:
    zone: str
    name: str
    fraction: float
    covered: str  # "63 %"
    cells: str  # "12 / 19"
    color: str
    gaps: int = 0  # incidents and alerts of the range with no patrol near


@dataclass(frozen=True)
class UnitRow:
    unit: str
    callsign: str
    zone: str
    distance: str
    in_zone: str
    out_zone: str
    idle: str


@dataclass(frozen=True)
class GapRow:
    """The gaps of one zone in one local hour (city.gaps.GapWindow), in words."""

    zone: str
    name: str
    time: str  # "2017-08-04 17:00–18:00"
    incidents: int
    alerts: int
    text: str  # what happened, "; "-joined: "ROBBERY · ARMED; watchlist plate read"


@dataclass(frozen=True)
class GapMark:
    """One gap on the map: an incident or alert with no patrol near."""

    id: str
    kind: str
    lat: float
    lon: float
    tip: str  # "17:15 ROBBERY · ARMED"


def zone_rows(covs: Sequence[Coverage], names: Mapping[str, str], target: float,
              windows: Sequence[GapWindow] = ()) -> list[ZoneRow]:
    gaps: dict[str, int] = {}
    for w in windows:
        gaps[w.zone] = gaps.get(w.zone, 0) + len(w.events)
    return [ZoneRow(c.zone, names.get(c.zone, c.zone), c.covered_fraction, f"{c.covered_fraction * 100:.0f} %",
                    f"{c.cells_covered} / {c.cells_total}", zone_color(c.covered_fraction, target), gaps.get(c.zone, 0))
            for c in covs]


def unit_rows(covs: Sequence[Coverage], callsigns: Mapping[str, str], names: Mapping[str, str]) -> list[UnitRow]:
    """One row per unit and zone it was assigned to or entered."""
    return [UnitRow(u.unit, callsigns.get(u.unit, u.unit), names.get(c.zone, c.zone), fmt_km(u.distance_m),
                    fmt_duration(u.in_zone_s), fmt_duration(u.out_zone_s), fmt_duration(u.idle_s))
            for c in covs for u in c.units]


def gap_rows(windows: Sequence[GapWindow], names: Mapping[str, str], tz: ZoneInfo) -> list[GapRow]:
    """One row per zone and local hour with gaps, in time order, then by zone name."""
    rows = [GapRow(w.zone, names.get(w.zone, w.zone),
                   f"{fmt_local(w.start, tz)}–{datetime.fromtimestamp(w.end, tz).strftime('%H:%M')}",
                   w.incidents, w.alerts, "; ".join(e.text for e in w.events)) for w in windows]
    return sorted(rows, key=lambda r: (r.time, r.name, r.zone))


def gap_marks(windows: Sequence[GapWindow], tz: ZoneInfo) -> list[GapMark]:
    """Every event of the gaps once (an event on a shared border belongs to both zones), incidents
    first, then alerts (drawn on top)."""
    seen: dict[tuple[str, str], GapMark] = {}
    for w in windows:
        for e in w.events:
            seen.setdefault((e.kind, e.id), GapMark(e.id, e.kind, e.lat, e.lon,
                                                    f"{datetime.fromtimestamp(e.ts, tz).strftime('%H:%M')} {e.text}"))
    return sorted(seen.values(), key=lambda m: (m.kind != INCIDENT, m.id))


def _ring(cell: str) -> list[list[float]]:
    pts = [[lon, lat] for lat, lon in h3.cell_to_boundary(cell)]
    return pts + pts[:1]


def cells_geojson(covs: Sequence[Coverage], lang: str = "en") -> dict[str, Any]:
    """Every cell of the zones as a polygon coloured by the time since its last visit."""
    feats = []
    for c in covs:
        for cell, since in c.since_last_visit().items():
            color = heat_color(since)
            tip = ("—" if since is None else fmt_duration(since))
            feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [_ring(cell)]},
                          "properties": {"cell": cell, "zone": c.zone, "since_s": since, "tip": tip,
                                         "style": {"color": color, "weight": 0.5, "fillColor": color,
                                                   "fillOpacity": 0.35, "opacity": 0.6}}})
    return {"type": "FeatureCollection", "features": feats}


def zone_outline(geometry: Any) -> list[list[list[float]]]:
    """The outer rings of a zone's polygons as Leaflet ``[lat, lon]`` positions."""
    polys = list(getattr(geometry, "geoms", [geometry]))
    return [[[lat, lon] for lon, lat in p.exterior.coords] for p in polys]


def curve_figure(covs: Sequence[Coverage], names: Mapping[str, str], tz: ZoneInfo, title: str,
                 steps: int = 48) -> dict[str, Any]:
    """A plotly figure: each zone's covered share over the range (local time)."""
    data = []
    for c in covs:
        pts = c.curve(steps)
        data.append({"type": "scatter", "mode": "lines", "name": names.get(c.zone, c.zone),
                     "x": [datetime.fromtimestamp(t, tz).strftime("%Y-%m-%d %H:%M") for t, _ in pts],
                     "y": [round(f * 100, 1) for _, f in pts]})
    return {"data": data, "layout": {
        "title": {"text": title}, "paper_bgcolor": "#0d1b2a", "plot_bgcolor": "#0d1b2a",
        "font": {"color": "#d6e4f0"}, "margin": {"l": 48, "r": 16, "t": 40, "b": 40}, "height": 280,
        "yaxis": {"range": [0, 100], "ticksuffix": " %", "gridcolor": "#1d3148"},
        "xaxis": {"gridcolor": "#1d3148"}, "legend": {"orientation": "h"}}}


def csv_text(covs: Sequence[Coverage], names: Mapping[str, str], callsigns: Mapping[str, str], tz: ZoneInfo,
             windows: Sequence[GapWindow] = ()) -> str:
    """Zones and units of the range, one row each, raw figures (seconds, metres) for spreadsheets;
    then the gaps (``windows``), one row per zone and local hour as the tab lists them, with what
    happened there unpatrolled."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["row", "zone", "zone_name", "from_local", "to_local", "covered_fraction", "cells_covered",
                "cells_total", "unit", "callsign", "distance_m", "in_zone_s", "out_zone_s", "idle_s",
                "incidents", "alerts", "events"])
    for c in covs:
        span = [fmt_local(c.t0, tz), fmt_local(c.t1, tz)]
        w.writerow(["zone", c.zone, names.get(c.zone, c.zone), *span, f"{c.covered_fraction:.4f}", c.cells_covered,
                    c.cells_total, *[""] * 9])
        for u in c.units:
            w.writerow(["unit", c.zone, names.get(c.zone, c.zone), *span, "", "", "", u.unit,
                        callsigns.get(u.unit, u.unit), f"{u.distance_m:.1f}", f"{u.in_zone_s:.0f}",
                        f"{u.out_zone_s:.0f}", f"{u.idle_s:.0f}", "", "", ""])
    for g in sorted(windows, key=lambda g: (g.start, names.get(g.zone, g.zone), g.zone)):
        w.writerow(["gap", g.zone, names.get(g.zone, g.zone), fmt_local(g.start, tz), fmt_local(g.end, tz),
                    *[""] * 9, g.incidents, g.alerts, "; ".join(e.text for e in g.events)])
    return out.getvalue()
