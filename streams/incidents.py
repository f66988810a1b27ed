"""Scripted demo incidents: each makes one alert type of the contract happen early in the demo.

An incident is data: when it starts (event seconds after the demo start) and what it does to
the simulated world. ``INCIDENTS`` reads as the demo's script.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from streams.geo import haversine_m

if TYPE_CHECKING:
    from streams.simulator import Simulator

__all__ = ["Incident", "INCIDENTS"]


@dataclass(frozen=True)
class Incident:
    at: float  # event seconds after the demo start
    alert: str  # the alert type it provokes
    what: str
    apply: Callable[[Simulator], None]


def _speeding_taxi(sim: Simulator) -> None:
    agent = sim.scripted["speeder"]
    agent.override = (95.0, sim.now + 90)


def _unit_leaves_zone(sim: Simulator) -> None:
    agent = sim.scripted["leaver"]
    here = sim.graph.edges[agent.edge].v
    outside = [n for n in sim.graph.pos if n not in (agent.allowed or set()) and sim.graph.out[n]]
    target = min(outside, key=lambda n: haversine_m(*sim.graph.pos[here], *sim.graph.pos[n]))
    away = sim.graph.route(here, target)
    back = sim.graph.route(target, here)
    agent.route = away + back
    agent.override = (45.0, sim.now + 600)


def _hazmat_into_reservoir(sim: Simulator) -> None:
    agent = sim.scripted["hazmat"]
    here = sim.graph.edges[agent.edge].v
    agent.route = sim.graph.route(here, sim.reservoir_node)


def _unit_goes_silent(sim: Simulator) -> None:
    sim.scripted["silent"].silent_until = sim.now + 540


def _cloned_plate(sim: Simulator) -> None:
    cps = list(sim.city.checkpoints.values())
    a, b = max(((x, y) for x in cps for y in cps), key=lambda p: haversine_m(p[0].lat, p[0].lon, p[1].lat, p[1].lon))
    plate = sim.scripted["cloned"].subject
    sim.schedule_read(sim.now, a.id, plate)
    sim.schedule_read(sim.now + 30, b.id, plate)


def _night_coaches(sim: Simulator) -> None:
    for agent in sim.scripted_coaches:
        agent.override = (48.0, sim.now + 3600)


INCIDENTS: tuple[Incident, ...] = (
    Incident(20, "overspeed", "a taxi at 95 km/h for 90 s", _speeding_taxi),
    Incident(30, "restricted_entry", "a hazmat truck drives into the water-source zone", _hazmat_into_reservoir),
    Incident(40, "zone_exit", "a patrol car leaves its zone and comes back", _unit_leaves_zone),
    Incident(60, "unit_offline", "a patrol car goes silent for 9 minutes", _unit_goes_silent),
    Incident(90, "cloned_plate", "one plate read at the two farthest checkpoints 30 s apart", _cloned_plate),
    Incident(0, "night_ban", "two coaches keep driving through the 02:00-05:00 ban", _night_coaches),
)
# fatigue: a truck with 4 h 10 min of driving behind it (Simulator.backlog);
# watchlist_hit: listed plates pass checkpoints all the time (monitored and through traffic).
