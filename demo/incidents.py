"""Scripted demo incidents: each makes one alert type of the contract happen early in the demo.

An incident is data: when it starts (event seconds after the demo start), the alert it provokes,
and what it does to the simulated world. ``INCIDENTS`` reads as the demo's script. At the default
5x, 900 event seconds are three minutes of wall time.

Three alert types need no script:

- ``night_ban``: at 02:00 a third of the coaches drive on through the ban (the others park),
  among them the tired coach;
- ``fatigue``: the tired coach's backlog, 4 h 10 min of driving sent before live time
  (``Simulator.backlog``), crosses the 240-minute limit at once;
- ``watchlist_hit``: listed plates drive through the checkpoints all the time (monitored vehicles
  and through traffic).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from city.geo import haversine_m
from core.model import AlertType
from core.timeutil import in_window, local_minute

if TYPE_CHECKING:
    from demo.simulator import Simulator
    from demo.world import Agent

__all__ = ["Incident", "INCIDENTS", "OVERSPEED_KMH", "OFFLINE_S"]

OVERSPEED_KMH = 95.0
OVERSPEED_S = 90.0
OFFLINE_S = 540.0
CLONE_GAP_S = 25.0
LEAVE_BY_DEG = 0.0025  # a unit leaving its zone drives to a node about 250 m beyond it


@dataclass(frozen=True)
class Incident:
    at: float  # event seconds after the demo start
    alert: AlertType
    what: str
    apply: Callable[[Simulator, float], None]

    def __str__(self) -> str:
        return f"{self.alert} at +{self.at:g} s: {self.what}"


def _vehicles(sim: Simulator, *categories: str) -> list[Agent]:
    """Unscripted vehicles of the first of ``categories`` the city has any of."""
    for category in categories:
        found = [a for a in sim.agents if a.kind == "vehicle" and a.category == category
                 and a not in sim.scripted.values()]
        if found:
            return found
    return []


def _nearest(sim: Simulator, agents: list[Agent], node: str) -> Agent:
    pos = sim.graph.pos
    return min(agents, key=lambda a: haversine_m(*pos[sim.graph.edges[a.edge].v], *pos[node]))


def _speeder(sim: Simulator, ts: float) -> None:
    """The taxi on the fastest road (the city default limit, as a rule) floors it."""
    taxis = _vehicles(sim, "taxi", "private", "bus")
    if not taxis:
        return
    agent = max(taxis, key=lambda a: sim.world.limits[a.edge])
    agent.override, agent.stopped_until = (OVERSPEED_KMH, ts + OVERSPEED_S), ts
    sim.scripted["speeder"] = agent


def _intruder(category: str) -> Callable[[Simulator, float], None]:
    def enter(sim: Simulator, ts: float) -> None:
        """The nearest vehicle of ``category`` drives to the middle of a zone forbidding it now."""
        minute = local_minute(ts, sim.city.timezone)
        zones = [z for z in sim.city.zones if z.kind == "restricted" and category in z.forbid
                 and (z.hours is None or in_window(minute, *z.hours))]
        for zone in zones:
            nodes = sorted(sim.graph.nodes_within(zone.geometry) & sim.world.network_nodes)
            candidates = _vehicles(sim, category)
            if not nodes or not candidates:
                continue
            c = zone.geometry.centroid
            target = sim.graph.nearest_node(c.y, c.x, nodes)
            agent = _nearest(sim, candidates, target)
            agent.route = sim.graph.shortest_path(sim.graph.edges[agent.edge].v, target)
            agent.stopped_until, agent.obeys_night_ban = ts, False
            sim.scripted[f"intruder:{category}"] = agent
            return
    return enter


def _leaver(sim: Simulator, ts: float) -> None:
    """A patrol car drives to a road about 250 m outside its zone, then straight back."""
    agent = sim.scripted.get("leaver")
    if agent is None:
        return
    zone = sim.city.zones_by_id[sim.city.units[agent.subject].zone].geometry.buffer(LEAVE_BY_DEG)
    here = sim.graph.edges[agent.edge].v
    outside = sorted(sim.world.network_nodes - sim.graph.nodes_within(zone))
    if not outside:  # the map ends at the zone's edge
        return
    target = sim.graph.nearest_node(*sim.graph.pos[here], outside)
    back = sim.graph.nearest_node(*sim.graph.pos[target], agent.home)
    agent.route = sim.graph.shortest_path(here, target) + sim.graph.shortest_path(target, back)


def _silent(sim: Simulator, ts: float) -> None:
    if "silent" in sim.scripted:
        sim.scripted["silent"].silent_until = ts + OFFLINE_S


def _cloned(sim: Simulator, ts: float) -> None:
    """One plate read at the two checkpoints farthest apart, 25 s after each other."""
    cps = sorted(sim.city.checkpoints.values(), key=lambda c: c.id)
    a, b = max(((x, y) for x in cps for y in cps), key=lambda p: haversine_m(p[0].lat, p[0].lon, p[1].lat, p[1].lon))
    candidates = _vehicles(sim, "private", "taxi")
    if len(cps) < 2 or not candidates:
        return
    agent = sim.scripted["cloned"] = candidates[0]
    sim.schedule_read(ts, a.id, agent.subject)
    sim.schedule_read(ts + CLONE_GAP_S, b.id, agent.subject)


INCIDENTS: tuple[Incident, ...] = (
    Incident(20, AlertType.OVERSPEED, f"a taxi at {OVERSPEED_KMH:g} km/h for {OVERSPEED_S:g} s", _speeder),
    Incident(30, AlertType.RESTRICTED_ENTRY, "a hazmat truck drives into the water-source area",
             _intruder("hazmat")),
    Incident(40, AlertType.ZONE_EXIT, "a patrol car leaves its zone and comes back", _leaver),
    Incident(60, AlertType.UNIT_OFFLINE, f"a patrol car goes silent for {OFFLINE_S / 60:g} minutes", _silent),
    Incident(90, AlertType.CLONED_PLATE, f"one plate read at the two farthest checkpoints {CLONE_GAP_S:g} s apart",
             _cloned),
    Incident(100, AlertType.RESTRICTED_ENTRY, "a truck drives into a zone closed to trucks at night",
             _intruder("truck")),
)
