"""Simulated patrol tracks: a car driving around inside its beat (deterministic for a given seed).

Chicago's source data holds crimes, not patrol cars, so the beat cars' tracks are **simulated**: the
car picks a random point of its beat, drives there in two straight legs along the street grid
(east-west, then north-south, or the other way; a straight line where the legs would leave the beat)
at 20-40 km/h, stops there for 0-25 minutes, and again, all day. When it is sent to a call (a real
crime's place and time, see ``demo.realdata.chicago``) it ends its stop, drives there at 40-60 km/h,
even out of its beat, stays 15-35 minutes and goes back to patrolling. Positions are sampled every
``interval_s`` seconds of event time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from demo.realdata.common import bearing, metres

__all__ = ["Call", "Fix", "patrol_track"]

INSET_DEG = 2e-5  # ~2 m
MAX_LATE_S = 45 * 60  # a call still waiting this long after it came in is left to another car
Call = tuple[float, float, float]  # (ts, lon, lat): a car is sent there at ts


@dataclass(frozen=True)
class Fix:
    ts: int
    lat: float
    lon: float
    speed: float  # km/h
    heading: float | None  # degrees, None when parked


@dataclass(frozen=True)
class _Leg:
    t0: float
    t1: float
    a: tuple[float, float]  # (lon, lat)
    b: tuple[float, float]
    speed: float


def _random_point(area: BaseGeometry, rng: random.Random) -> tuple[float, float]:
    west, south, east, north = area.bounds
    for _ in range(1000):
        p = (rng.uniform(west, east), rng.uniform(south, north))
        if area.contains(Point(p)):
            return p
    rp = area.representative_point()
    return (rp.x, rp.y)


def _route(area: BaseGeometry, a: tuple[float, float], b: tuple[float, float],
           rng: random.Random) -> list[tuple[float, float]] | None:
    """Points from ``a`` to ``b`` that stay inside ``area``: an L along the grid, else straight, else None."""
    corners = [(b[0], a[1]), (a[0], b[1])]
    rng.shuffle(corners)
    for c in corners:
        if area.covers(LineString([a, c, b])):
            return [a, c, b]
    if area.covers(LineString([a, b])):
        return [a, b]
    return None


def _drive(legs: list[_Leg], t: float, route: list[tuple[float, float]], speed: float) -> float:
    for a, b in zip(route, route[1:], strict=False):
        dt = metres(a[1], a[0], b[1], b[0]) / (speed / 3.6)
        legs.append(_Leg(t, t + dt, a, b, speed))
        t += dt
    return t


def _patrol_route(area: BaseGeometry, here: tuple[float, float], rng: random.Random) -> list[tuple[float, float]]:
    if not area.contains(Point(here)):  # back into the beat after a call outside it
        return [here, _random_point(area, rng)]
    for _ in range(20):
        route = _route(area, here, _random_point(area, rng), rng)
        if route is not None:
            return route
    return [here]


def _legs(area: BaseGeometry, start: float, end: float, rng: random.Random, calls: list[Call]) -> list[_Leg]:
    here = _random_point(area, rng)
    t = start
    legs: list[_Leg] = []
    pending = sorted(calls)
    while t < end:
        if pending and pending[0][0] <= t:
            call_ts, lon, lat = pending.pop(0)
            if t - call_ts > MAX_LATE_S:
                continue  # busy too long: another car took it
            target = (lon, lat)
            t = _drive(legs, t, _route(area, here, target, rng) or [here, target], rng.uniform(40.0, 60.0))
            here = target
            on_scene = rng.uniform(15 * 60, 35 * 60)
            legs.append(_Leg(t, t + on_scene, here, here, 0.0))
            t += on_scene
            continue
        route = _patrol_route(area, here, rng)
        t = _drive(legs, t, route, rng.uniform(20.0, 40.0))
        here = route[-1]
        stop = 0.0 if rng.random() < 0.4 else rng.uniform(3 * 60, 25 * 60)
        if pending:
            stop = min(stop, max(0.0, pending[0][0] - t))  # a call ends a stop
        if stop == 0 and len(route) < 2 and not (pending and pending[0][0] <= t):
            stop = 60.0  # nowhere to go: wait a minute
        legs.append(_Leg(t, t + stop, here, here, 0.0))
        t += stop
    return legs


def patrol_track(area: BaseGeometry, start: int, end: int, interval_s: int, seed: str,
                 calls: list[Call] | None = None) -> list[Fix]:
    """Fixes at ``start``, ``start + interval_s``, ... before ``end`` of a car patrolling ``area``;
    ``calls`` ``(ts, lon, lat)``: where it is sent, and from when.

    >>> from shapely.geometry import box
    >>> fixes = patrol_track(box(-87.64, 41.87, -87.62, 41.89), 0, 3600, 30, "doc")
    >>> len(fixes), fixes[0].ts, fixes[-1].ts
    (120, 0, 3570)
    >>> all(-87.64 <= f.lon <= -87.62 and 41.87 <= f.lat <= 41.89 for f in fixes)
    True
    """
    rng = random.Random(seed)
    inner = area.buffer(-INSET_DEG)  # so that fixes rounded to 6 decimals still lie inside the area
    legs = _legs(area if inner.is_empty else inner, float(start), float(end), rng, list(calls or []))
    fixes = []
    i = 0
    for ts in range(start, end, interval_s):
        while i < len(legs) - 1 and legs[i].t1 <= ts:
            i += 1
        leg = legs[i]
        span = leg.t1 - leg.t0
        f = 0.0 if span <= 0 else min(1.0, max(0.0, (ts - leg.t0) / span))
        lon, lat = leg.a[0] + f * (leg.b[0] - leg.a[0]), leg.a[1] + f * (leg.b[1] - leg.a[1])
        moving = leg.speed > 0 and leg.a != leg.b
        heading = bearing(leg.a[1], leg.a[0], leg.b[1], leg.b[0]) if moving else None
        fixes.append(Fix(ts, lat, lon, leg.speed if moving else 0.0, heading))
    return fixes


