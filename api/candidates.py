"""Rank patrol units for an alert (pure: no Redis, no clock).

Times come from a ``city.travel.TravelModel`` passed in (default: no samples, no roads, so road
distance is the great-circle distance times ``DETOUR`` 1.3, a unit drives at ``UNIT_KMH`` 40 km/h
and a vehicle at ``VEHICLE_KMH`` 50 km/h). With samples the vehicle's hops between checkpoints are
learned medians; with the pack's road graph distances run along the roads (docs/INTERCEPTS.md).

Intercept: when an alert of a plate read (``watchlist_hit``, ``cloned_plate``) names a checkpoint
of the city, the vehicle is heading down that checkpoint's ``next`` chain. Every enforcement
station (``station`` true) within ``MAX_HOPS`` (3) hops is a place to stop it; the vehicle reaches
it after the quickest chain of hops (each hop's time from the model, leaving when the one before
arrives), minus the event time already elapsed since the read. A unit intercepts at the station
where it arrives with the largest lead (``margin_s`` = vehicle ETA - unit ETA, strictly positive;
ties go to the station the vehicle reaches first, then by id).

Status: ``offline`` when the unit's last fix is ``offline_after_s`` or more before ``now`` (the
same rule as ``unit_offline``), else ``busy`` when it has an open order (not cleared or
declined), else ``available``. Offline units get no intercept (their position is stale).

Order: available, then busy, then offline; within each, interceptors first by largest margin,
then the others by ETA to the alert position (ties by unit id).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from city.citypack import Checkpoint
from city.geo import haversine_m
from city.travel import DETOUR, UNIT_KMH, VEHICLE_KMH, TravelModel

__all__ = [
    "DETOUR",
    "UNIT_KMH",
    "VEHICLE_KMH",
    "MAX_HOPS",
    "INTERCEPT_TYPES",
    "UnitFix",
    "Target",
    "Candidate",
    "road_m",
    "downstream_stations",
    "downstream_times",
    "intercept_pairs",
    "unit_status",
    "rank_candidates",
]

MAX_HOPS = 3
INTERCEPT_TYPES = frozenset({"watchlist_hit", "cloned_plate"})
_STATUS_RANK = {"available": 0, "busy": 1, "offline": 2}


@dataclass(frozen=True)
class UnitFix:
    """A unit with its latest fix and whether it has an open order."""

    unit: str
    callsign: str
    lat: float
    lon: float
    ts: float
    busy: bool = False


@dataclass(frozen=True)
class Target:
    """Where and when an alert happened; ``checkpoint`` set only for an interceptable plate read."""

    lat: float
    lon: float
    ts: float
    checkpoint: str = ""


@dataclass(frozen=True)
class Candidate:
    """One ranked unit; ``checkpoint``/``margin_s`` are set when it can intercept."""

    unit: str
    callsign: str
    status: str
    distance_m: float
    eta_s: float
    checkpoint: str = ""
    margin_s: float | None = None
    lat: float = 0.0  # where to go: the station, else the alert position
    lon: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The API shape: numbers as numbers, intercept fields only for an intercept."""
        out: dict[str, Any] = {"unit": self.unit, "callsign": self.callsign, "status": self.status,
                               "distance_m": round(self.distance_m, 1), "eta_s": round(self.eta_s, 1)}
        if self.margin_s is not None:
            out["checkpoint"] = self.checkpoint
            out["margin_s"] = round(self.margin_s, 1)
        return out


def road_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Estimated road distance in metres: great circle times ``DETOUR``.

    >>> round(road_m(22.5, 114.0, 22.5, 114.01))
    1336
    """
    return haversine_m(lat1, lon1, lat2, lon2) * DETOUR


def _reach(start: str, checkpoints: Mapping[str, Checkpoint], hop: Callable[[Checkpoint, Checkpoint, float], float],
           max_hops: int) -> list[tuple[Checkpoint, float]]:
    """Stations 1..``max_hops`` hops down ``next`` from ``start`` with the least total ``hop(here,
    there, so_far)`` over such paths; sorted by it, then by id."""
    if start not in checkpoints:
        return []
    best: dict[str, float] = {start: 0.0}
    frontier = {start: 0.0}
    for _ in range(max_hops):
        nxt: dict[str, float] = {}
        for cid, so_far in frontier.items():
            here = checkpoints[cid]
            for nid in here.next:
                there = checkpoints.get(nid)
                if there is None:
                    continue
                d = so_far + hop(here, there, so_far)
                if d < best.get(nid, float("inf")) and d < nxt.get(nid, float("inf")):
                    nxt[nid] = d
        best.update(nxt)
        frontier = nxt
    out = [(checkpoints[cid], d) for cid, d in best.items() if cid != start and checkpoints[cid].station]
    return sorted(out, key=lambda item: (item[1], item[0].id))


def downstream_stations(
    start: str, checkpoints: Mapping[str, Checkpoint], max_hops: int = MAX_HOPS
) -> list[tuple[Checkpoint, float]]:
    """Stations reachable from ``start`` in 1..``max_hops`` hops along ``next``, with the shortest
    road distance (metres, great circle x ``DETOUR``) over such paths; ``start`` itself is excluded
    (the vehicle has passed it). Unknown ids in ``next`` are skipped. Sorted by distance.

    >>> a = Checkpoint("A", "a", 22.5, 114.000, False, ("B",))
    >>> b = Checkpoint("B", "b", 22.5, 114.010, True, ("C",))
    >>> c = Checkpoint("C", "c", 22.5, 114.020, False, ("D",))
    >>> d = Checkpoint("D", "d", 22.5, 114.030, True, ("E",))
    >>> e = Checkpoint("E", "e", 22.5, 114.040, True, ())
    >>> [(s.id, round(m)) for s, m in downstream_stations("A", {x.id: x for x in (a, b, c, d, e)})]
    [('B', 1336), ('D', 4007)]
    """
    return _reach(start, checkpoints, lambda here, there, _: road_m(here.lat, here.lon, there.lat, there.lon),
                  max_hops)


def downstream_times(
    start: str, checkpoints: Mapping[str, Checkpoint], model: TravelModel, read_ts: float, max_hops: int = MAX_HOPS
) -> list[tuple[Checkpoint, float]]:
    """Like ``downstream_stations``, with the seconds a vehicle read at ``start`` at ``read_ts``
    needs to reach each station: the quickest chain of the model's hop times (each hop leaves
    when the one before arrives). Sorted by time, then id."""
    return _reach(start, checkpoints, lambda here, there, so_far: model.hop_s(here, there, read_ts + so_far),
                  max_hops)


def intercept_pairs(start: str, checkpoints: Mapping[str, Checkpoint], max_hops: int = MAX_HOPS) -> list[tuple[str, str]]:
    """Every hop ``(a, b)`` of the ``next`` chains within ``max_hops`` of ``start``: the pairs whose
    learned times an intercept from ``start`` may use.

    >>> a = Checkpoint("A", "a", 22.5, 114.000, False, ("B",))
    >>> b = Checkpoint("B", "b", 22.5, 114.010, True, ("A", "C"))
    >>> c = Checkpoint("C", "c", 22.5, 114.020, False, ())
    >>> intercept_pairs("A", {x.id: x for x in (a, b, c)})
    [('A', 'B'), ('B', 'A'), ('B', 'C')]
    """
    pairs: set[tuple[str, str]] = set()
    frontier = {start} if start in checkpoints else set()
    for _ in range(max_hops):
        nxt: set[str] = set()
        for cid in frontier:
            for nid in checkpoints[cid].next:
                if nid in checkpoints:
                    pairs.add((cid, nid))
                    nxt.add(nid)
        frontier = nxt
    return sorted(pairs)


def unit_status(fix: UnitFix, now: float, offline_after_s: float) -> str:
    """``offline``, ``busy`` or ``available`` (see the module docstring).

    >>> f = UnitFix("P01", "W1", 22.5, 114.0, ts=1000.0, busy=True)
    >>> unit_status(f, 1119.0, 120), unit_status(f, 1120.0, 120)
    ('busy', 'offline')
    """
    if now - fix.ts >= offline_after_s:
        return "offline"
    return "busy" if fix.busy else "available"


def rank_candidates(
    target: Target,
    units: Iterable[UnitFix],
    checkpoints: Mapping[str, Checkpoint],
    now: float,
    offline_after_s: float,
    model: TravelModel | None = None,
) -> list[Candidate]:
    """Units ranked for ``target`` at event time ``now`` (see the module docstring)."""
    model = model if model is not None else TravelModel()
    elapsed = max(0.0, now - target.ts)
    stations = [(s, secs - elapsed) for s, secs in downstream_times(target.checkpoint, checkpoints, model, target.ts)
                ] if target.checkpoint else []
    stations = [(s, eta) for s, eta in stations if eta > 0]
    out: list[Candidate] = []
    for fix in units:
        status = unit_status(fix, now, offline_after_s)
        dist, eta = model.unit_leg(fix.lat, fix.lon, target.lat, target.lon)
        cand = Candidate(fix.unit, fix.callsign, status, dist, eta, lat=target.lat, lon=target.lon)
        if status != "offline":
            for station, vehicle_eta in stations:
                s_dist, s_eta = model.unit_leg(fix.lat, fix.lon, station.lat, station.lon)
                margin = vehicle_eta - s_eta
                if margin > 0 and (cand.margin_s is None or margin > cand.margin_s):
                    cand = Candidate(fix.unit, fix.callsign, status, s_dist, s_eta, station.id, margin,
                                     lat=station.lat, lon=station.lon)
        out.append(cand)

    def key(c: Candidate) -> tuple[int, int, float, float, str]:
        if c.margin_s is not None:
            return (_STATUS_RANK[c.status], 0, -c.margin_s, c.eta_s, c.unit)
        return (_STATUS_RANK[c.status], 1, c.eta_s, 0.0, c.unit)

    return sorted(out, key=key)
