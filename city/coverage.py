"""Patrol coverage of a zone over a time range: pure, no Redis, no clock (issue 9).

A zone's cells are the H3 cells at resolution ``H3_RES`` (9: about 0.105 km², edge ≈ 174 m) whose
centres fall in the zone. A unit's track is cut to the range; consecutive fixes at most ``GAP_S``
apart are joined by a straight segment, and a cell is covered when the track passes through it
(``sample_track``: fixes, and points every ``STEP_M`` metres where a segment may cross more than
two cells).

Per unit (the zone's assigned units and any unit with a fix in it): ``distance_m`` the sum of the
great-circle segments with gaps ≤ ``GAP_S``; ``in_zone_s`` / ``out_zone_s`` the time between
consecutive fixes, attributed to the zone state of the earlier fix (gaps > ``GAP_S`` not counted);
``idle_s`` the time of such segments whose earlier fix is slower than ``IDLE_KMH``.

Also: when each cell was last visited (the heat map of time since) and when it was first visited
(the curve of coverage over the range). Crimes and alerts with no patrol are ``city.gaps``'s, on
the same samples (``GAP_WINDOW_S`` is the window it uses).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import h3
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from city.geo import haversine_m_np
from city.h3cells import latlng_to_cells

__all__ = ["H3_RES", "GAP_S", "STEP_M", "IDLE_KMH", "GAP_WINDOW_S", "TrackLike", "TrackArrays", "clip_track",
           "UnitFigures", "Coverage", "zone_cells", "cell_ids", "sample_track", "zone_coverage", "city_coverage"]

H3_RES = 9
GAP_S = 120.0
STEP_M = 25.0
IDLE_KMH = 5.0
GAP_WINDOW_S = 900.0
_PAD_DEG = 0.004  # a cell whose centre is in the zone reaches at most ~200 m beyond it
_QUANT = 1e5  # samples are looked up on a 1e-5 degree grid (about 1 m)


class TrackLike(Protocol):
    """What coverage reads of a track: one subject's fixes in time order, one timestamp once, as
    parallel arrays (``core.tracks.Track``, read from the store, and ``TrackArrays`` are both)."""

    @property
    def ts(self) -> np.ndarray: ...
    @property
    def lat(self) -> np.ndarray: ...
    @property
    def lon(self) -> np.ndarray: ...
    @property
    def speed(self) -> np.ndarray: ...


@dataclass(frozen=True)
class TrackArrays:
    """A track as coverage cuts it (a ``TrackLike``)."""

    ts: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    speed: np.ndarray


@dataclass(frozen=True)
class UnitFigures:
    unit: str
    distance_m: float
    in_zone_s: float
    out_zone_s: float
    idle_s: float

    def to_json(self) -> dict[str, object]:
        return {"unit": self.unit, "distance_m": round(self.distance_m, 1), "in_zone_s": round(self.in_zone_s, 1),
                "out_zone_s": round(self.out_zone_s, 1), "idle_s": round(self.idle_s, 1)}


@dataclass(frozen=True)
class Coverage:
    zone: str
    t0: float
    t1: float
    cells: tuple[str, ...]  # the zone's cells, sorted
    first_visit: dict[str, float]  # covered cell -> first sample time in the range
    last_visit: dict[str, float]  # covered cell -> last sample time in the range
    units: tuple[UnitFigures, ...]

    @property
    def cells_total(self) -> int:
        return len(self.cells)

    @property
    def cells_covered(self) -> int:
        return len(self.last_visit)

    @property
    def covered_fraction(self) -> float:
        return self.cells_covered / self.cells_total if self.cells else 0.0

    def since_last_visit(self) -> dict[str, float | None]:
        """Each cell's seconds from its last visit to the end of the range (None: not visited)."""
        return {c: (self.t1 - self.last_visit[c] if c in self.last_visit else None) for c in self.cells}

    def curve(self, steps: int = 24) -> list[tuple[float, float]]:
        """The covered fraction at ``steps + 1`` evenly spaced times from ``t0`` to ``t1``."""
        firsts = np.sort(np.fromiter(self.first_visit.values(), dtype=float, count=len(self.first_visit)))
        times = np.linspace(self.t0, self.t1, steps + 1)
        counts = np.searchsorted(firsts, times, side="right")
        total = max(1, self.cells_total)
        return [(float(t), float(n) / total) for t, n in zip(times, counts, strict=True)]


_CELLS: dict[tuple[str, bytes, int], tuple[int, ...]] = {}


def zone_cells(zone_id: str, geometry: BaseGeometry, res: int = H3_RES) -> tuple[int, ...]:
    """The H3 cells (as integers, sorted) whose centres fall in ``geometry`` (lon/lat), cached."""
    key = (zone_id, shapely.to_wkb(geometry), res)
    found = _CELLS.get(key)
    if found is None:
        found = _CELLS[key] = tuple(sorted(h3.str_to_int(c) for c in h3.geo_to_cells(geometry, res)))
    return found


def cell_ids(cells: Sequence[int] | np.ndarray) -> list[str]:
    """H3 integer cells as their usual hexadecimal names."""
    return [h3.int_to_str(int(c)) for c in cells]


def clip_track(track: TrackLike, t0: float, t1: float) -> TrackArrays:
    """The fixes of ``track`` in ``[t0, t1]``, as floats."""
    a, b = int(np.searchsorted(track.ts, t0, side="left")), int(np.searchsorted(track.ts, t1, side="right"))
    return TrackArrays(*(np.asarray(x[a:b], dtype=float) for x in (track.ts, track.lat, track.lon, track.speed)))


Box = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


def _near(lat: np.ndarray, lon: np.ndarray, box: Box | None) -> np.ndarray:
    if box is None:
        return np.ones(len(lat), dtype=bool)
    minx, miny, maxx, maxy = box
    return (lat >= miny - _PAD_DEG) & (lat <= maxy + _PAD_DEG) & (lon >= minx - _PAD_DEG) & (lon <= maxx + _PAD_DEG)


def sample_track(track: TrackLike, box: Box | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Times and H3 cells (integers) the track visits: each fix's cell at its time, and on each
    segment of at most ``GAP_S`` whose ends are in different cells, the cells of points every
    ``STEP_M`` metres (a segment whose ends share a cell stays in it: cells are convex; one between
    neighbours may clip a third cell near their shared corner, so it is sampled too). With ``box``,
    only fixes and segments near it count.

    >>> t = TrackArrays(np.array([0.0, 60.0]), np.array([22.5, 22.5]), np.array([114.0, 114.005]), np.zeros(2))
    >>> ts, cells = sample_track(t)  # 514 m across cells: the 2 fixes and 20 points between
    >>> len(ts), float(ts.max()), len(set(cells.tolist()))
    (22, 60.0, 3)
    """
    ts, lat, lon = track.ts, track.lat, track.lon
    near = _near(lat, lon, box)
    if len(ts) < 2:
        return ts[near], _cells(lat[near], lon[near])
    dt = np.diff(ts)
    seg = (dt <= GAP_S) & (dt > 0) & (near[:-1] | near[1:])
    want = near.copy()
    want[:-1] |= seg
    want[1:] |= seg
    idx = np.flatnonzero(want)
    cells = np.full(len(ts), -1, dtype=np.int64)
    cells[idx] = _cells(lat[idx], lon[idx])
    cross = np.flatnonzero(seg & (cells[:-1] != cells[1:]))
    out_ts, out_cells = [ts[idx]], [cells[idx]]
    if len(cross):
        d = haversine_m_np(lat[cross], lon[cross], lat[cross + 1], lon[cross + 1])
        n = np.maximum(2, np.ceil(d / STEP_M).astype(int))  # n - 1 points inside each segment
        inner = n - 1
        rep = np.repeat(cross, inner)
        starts = np.cumsum(inner) - inner
        k = np.arange(int(inner.sum())) - np.repeat(starts, inner) + 1
        frac = k / np.repeat(n, inner)
        out_ts.append(ts[rep] + frac * dt[rep])
        out_cells.append(_cells(lat[rep] + frac * (lat[rep + 1] - lat[rep]), lon[rep] + frac * (lon[rep + 1] - lon[rep])))
    return np.concatenate(out_ts), np.concatenate(out_cells)


def _cells(lat: np.ndarray, lon: np.ndarray, res: int = H3_RES) -> np.ndarray:
    """The H3 cell (integer) of each point, snapped to a ~1 m grid first (``city.h3cells``)."""
    if not len(lat):
        return np.empty(0, dtype=np.int64)
    q = np.round(lat * _QUANT).astype(np.int64) * 100_000_000 + np.round((lon + 360.0) * _QUANT).astype(np.int64)
    return latlng_to_cells((q // 100_000_000) / _QUANT, (q % 100_000_000) / _QUANT - 360.0, res)


@dataclass
class _Unit:
    """One unit's track cut to the range; what its figures in any zone share, and its samples over
    the whole city, each worked out once when first asked for."""

    unit: str
    track: TrackArrays
    bbox: Box
    samples: tuple[np.ndarray, np.ndarray] | None = None
    _moves: tuple[np.ndarray, np.ndarray, float, float] | None = None

    def near(self, box: Box) -> bool:
        """Whether any fix may be near the box (a segment of at most ``GAP_S`` reaches at most a few km;
        the pad covers the cells, and a long segment's ends bound it)."""
        x0, y0, x1, y1 = self.bbox
        minx, miny, maxx, maxy = box
        return not (x1 < minx - _PAD_DEG or x0 > maxx + _PAD_DEG or y1 < miny - _PAD_DEG or y0 > maxy + _PAD_DEG)

    def all_samples(self) -> tuple[np.ndarray, np.ndarray]:
        if self.samples is None:
            self.samples = sample_track(self.track)
        return self.samples

    def inside(self, geometry: BaseGeometry, box: Box) -> np.ndarray:
        """Which fixes lie in ``geometry`` (bounds ``box``; on its boundary counts): only the fixes
        within the bounds are tested."""
        t = self.track
        minx, miny, maxx, maxy = box
        out = np.zeros(len(t.ts), dtype=bool)
        cand = np.flatnonzero((t.lon >= minx) & (t.lon <= maxx) & (t.lat >= miny) & (t.lat <= maxy))
        if len(cand):
            out[cand] = shapely.intersects_xy(geometry, t.lon[cand], t.lat[cand])
        return out

    def figures(self, inside: np.ndarray | None) -> UnitFigures:
        """The unit's figures for a zone, given which fixes lie in it (None: none do)."""
        if len(self.track.ts) < 2:
            return UnitFigures(self.unit, 0.0, 0.0, 0.0, 0.0)
        if self._moves is None:
            t = self.track
            dt = np.diff(t.ts)
            ok = (dt <= GAP_S) & (dt > 0)
            d = haversine_m_np(t.lat[:-1], t.lon[:-1], t.lat[1:], t.lon[1:])
            slow = t.speed[:-1] < IDLE_KMH
            self._moves = dt, ok, float(d[ok].sum()), float(dt[ok & slow].sum())
        dt, ok, distance, idle = self._moves
        if inside is None:
            return UnitFigures(self.unit, distance, 0.0, float(dt[ok].sum()), idle)
        was_in = inside[:-1]
        return UnitFigures(self.unit, distance, float(dt[ok & was_in].sum()), float(dt[ok & ~was_in].sum()), idle)


def _prepare(tracks: Mapping[str, TrackLike], t0: float, t1: float) -> list[_Unit]:
    out = []
    for unit in sorted(tracks):
        t = clip_track(tracks[unit], t0, t1)
        bbox = ((float(t.lon.min()), float(t.lat.min()), float(t.lon.max()), float(t.lat.max())) if len(t.ts)
                else (math.inf, math.inf, -math.inf, -math.inf))
        out.append(_Unit(unit, t, bbox))
    return out


def zone_coverage(zone_id: str, geometry: BaseGeometry, tracks: Mapping[str, TrackLike], t0: float, t1: float,
                  assigned: Sequence[str] = ()) -> Coverage:
    """Coverage of one zone by the units' ``tracks`` over ``[t0, t1]`` (see the module's docstring).

    ``tracks`` holds every patrol unit's track (any unit may cover any zone); the figures list the
    ``assigned`` units and every unit with a fix in the zone, sorted by id.
    """
    return _zone(zone_id, geometry, _prepare(tracks, t0, t1), t0, t1, assigned)


def city_coverage(zones: Sequence[tuple[str, BaseGeometry]], tracks: Mapping[str, TrackLike], t0: float,
                  t1: float, assigned: Mapping[str, Sequence[str]] | None = None) -> list[Coverage]:
    """``zone_coverage`` of each ``(zone id, geometry)``, sampling each track once for all zones."""
    prepared = _prepare(tracks, t0, t1)
    index = _Visits(prepared)
    return [_zone(zid, geom, prepared, t0, t1, (assigned or {}).get(zid, ()), index) for zid, geom in zones]


class _Visits:
    """Every unit's samples over the whole city, kept as what the zones ask of them: per cell and
    unit the first and last sample time (runs of one cell in a unit's samples folded first)."""

    def __init__(self, prepared: Sequence[_Unit]) -> None:
        runs: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        for k, u in enumerate(prepared):
            ts, cs = u.all_samples()
            if not len(cs):
                continue
            starts = np.flatnonzero(np.r_[True, cs[1:] != cs[:-1]])
            runs.append((cs[starts], np.minimum.reduceat(ts, starts), np.maximum.reduceat(ts, starts),
                         np.full(len(starts), k)))
        cell, lo, hi, unit = (np.concatenate(x) for x in zip(*runs, strict=True)) if runs else (
            np.empty(0, dtype=np.int64), np.empty(0), np.empty(0), np.empty(0, dtype=np.intp))
        order = np.lexsort((unit, cell))
        cell, lo, hi, unit = cell[order], lo[order], hi[order], unit[order]
        starts = np.flatnonzero(np.r_[True, (cell[1:] != cell[:-1]) | (unit[1:] != unit[:-1])]) if len(cell) \
            else np.empty(0, dtype=np.intp)
        self.cell, self.unit = cell[starts], unit[starts]
        self.first = np.minimum.reduceat(lo, starts) if len(starts) else lo
        self.last = np.maximum.reduceat(hi, starts) if len(starts) else hi

    def samples(self, cells: np.ndarray, near: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Samples of the ``near`` units (a mask over them) standing for all their samples in
        ``cells``: the same first and last visits."""
        a, b = np.searchsorted(self.cell, cells, side="left"), np.searchsorted(self.cell, cells, side="right")
        n = b - a
        rows = np.repeat(a - (np.cumsum(n) - n), n) + np.arange(int(n.sum()))
        rows = rows[near[self.unit[rows]]]
        return (np.concatenate([self.cell[rows], self.cell[rows]]),
                np.concatenate([self.first[rows], self.last[rows]]))


def _zone(zone_id: str, geometry: BaseGeometry, prepared: Sequence[_Unit], t0: float, t1: float,
          assigned: Sequence[str], index: _Visits | None = None) -> Coverage:
    cells = np.array(zone_cells(zone_id, geometry), dtype=np.int64)
    box: Box = geometry.bounds
    shapely.prepare(geometry)
    figures: list[UnitFigures] = []
    s_cells: list[np.ndarray] = []
    s_times: list[np.ndarray] = []
    near = np.zeros(len(prepared), dtype=bool)
    for k, u in enumerate(prepared):
        if not u.near(box):  # nowhere near the zone: never inside, no cell of it
            if u.unit in assigned:
                figures.append(u.figures(None))
            continue
        near[k] = True
        inside = u.inside(geometry, box)
        if u.unit in assigned or inside.any():
            figures.append(u.figures(inside))
        if index is None:
            ts, cs = sample_track(u.track, box)
            s_cells.append(cs)
            s_times.append(ts)
    if index is not None:
        cs, ts = index.samples(cells, near)
        s_cells.append(cs)
        s_times.append(ts)
    for unit in sorted(set(assigned) - {f.unit for f in figures}):
        figures.append(UnitFigures(unit, 0.0, 0.0, 0.0, 0.0))  # assigned, but no fix in the range
    figures.sort(key=lambda f: f.unit)
    all_cells = np.concatenate(s_cells) if s_cells else np.empty(0, dtype=np.int64)
    all_times = np.concatenate(s_times) if s_times else np.empty(0, dtype=float)
    first, last = _visits(all_cells, all_times, cells)
    names = dict(zip(cells.tolist(), cell_ids(cells), strict=True))
    return Coverage(zone_id, t0, t1, tuple(names[c] for c in cells.tolist()),
                    {names[c]: t for c, t in first.items()}, {names[c]: t for c, t in last.items()},
                    tuple(figures))


def _visits(s_cells: np.ndarray, s_times: np.ndarray, cells: np.ndarray) -> tuple[dict[int, float], dict[int, float]]:
    keep = np.isin(s_cells, cells)
    c, t = s_cells[keep], s_times[keep]
    if not len(c):
        return {}, {}
    order = np.lexsort((t, c))
    c, t = c[order], t[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    ends = np.r_[starts[1:], len(c)] - 1
    return (dict(zip(c[starts].tolist(), t[starts].tolist(), strict=True)),
            dict(zip(c[ends].tolist(), t[ends].tolist(), strict=True)))

