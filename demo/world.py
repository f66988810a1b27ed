"""The demo's world: who drives where, how fast, and how an agent moves between two pings.

Movement is exact between events: an agent keeps its speed along an edge, and at each node it
reaches it may be read by a checkpoint (at the time it passes), stop, or turn. Nothing here does
I/O; the one ``random.Random`` of the simulator makes it deterministic.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from shapely.geometry import MultiPolygon, Polygon

from city.citypack import CityPack, Zone
from city.roads import RoadGraph
from core.producer import encode_anpr
from core.timeutil import in_window, local_minute

__all__ = ["Agent", "World", "UNIT_KMH", "CAP_KMH"]

UNIT_KMH = (25.0, 50.0)  # a patrol car's pace, drawn again on each road
CAP_KMH = {"bus": 40.0, "school_bus": 35.0, "coach": 55.0, "hazmat": 45.0, "truck": 50.0, "taxi": 60.0,
           "private": 60.0}  # never faster than this, whatever the limit
PACE = (0.7, 0.95)  # a vehicle drives at this fraction of the limit in force (never over it)
MIN_KMH = 12.0
OBEYS_NIGHT_BAN = 0.65  # share of night-ban-category vehicles that park during the ban
STOP_P = {"bus": 0.3, "school_bus": 0.3}  # chance of a stop at a node (bus stops)
STOP_P_ANY = 0.04  # traffic lights, deliveries
STOP_S = (8.0, 40.0)
REST_MIN = (21.0, 35.0)  # a rest of a fatigue-category vehicle (above the city's min_rest_min)
DRIVE_MIN = (60.0, 200.0)  # driving between two rests (under the city's max_drive_min)
MIN_PATROL_EDGES = 4  # fewer roads inside a zone than this: the unit circles inside it instead


@dataclass(eq=False)
class Agent:
    """One simulated subject: where it is (``edge``, ``d`` metres along it, at event time ``t``)."""

    subject: str
    kind: str  # "unit" or "vehicle"
    category: str | None
    edge: int
    t: float
    next_ping: float
    pace: float  # units: km/h; vehicles: fraction of the limit
    allowed: frozenset[int]  # edges its random walk keeps to
    home: frozenset[str] = frozenset()  # a unit's patrol nodes: off them, it drives back
    avoid: frozenset[int] = frozenset()  # edges it keeps off (into restricted zones closed to it)
    d: float = 0.0
    route: list[int] = field(default_factory=list)  # edges to follow before walking again
    override: tuple[float, float] | None = None  # (km/h, until event ts): a scripted speed
    stopped_until: float = -math.inf
    rest_due: float = math.inf
    obeys_night_ban: bool = True
    silent_until: float = -math.inf  # no pings before this event time


def _ring(zone: Zone) -> list[tuple[float, float]]:
    """A closed path about 40 m inside ``zone``'s largest part (its boundary when too thin)."""
    shape = zone.geometry.buffer(-0.0004)
    if shape.is_empty:
        shape = zone.geometry
    if isinstance(shape, MultiPolygon):
        shape = max(shape.geoms, key=lambda g: g.area)
    assert isinstance(shape, Polygon)
    return [(x, y) for x, y in shape.exterior.simplify(0.0001).coords]


class World:
    """The road graph prepared for driving: the network, patrol areas, limits, checkpoints."""

    def __init__(self, city: CityPack, rng: random.Random) -> None:
        if not city.roads:
            raise ValueError(f"{city.path}: the demo needs roads.geojson to drive on")
        self.city, self.rng = city, rng
        self.graph = RoadGraph(city.roads)
        self.network = frozenset(self.graph.strong_component())  # no dead end anywhere on it
        self.network_nodes = frozenset(self.graph.edges[i].u for i in self.network)
        self.patrol = {z.id: self._patrol_area(z) for z in city.zones if z.kind == "patrol"}
        self.limits = self._limits()
        self.checkpoint_at = {self.graph.nearest_node(c.lat, c.lon, self.network_nodes): c.id
                              for c in sorted(city.checkpoints.values(), key=lambda c: c.id)}
        self.avoid: dict[str, frozenset[int]] = {}  # category -> edges touching a zone closed to it
        for z in city.zones:
            for cat in z.forbid if z.kind == "restricted" else ():
                self.avoid[cat] = self.avoid.get(cat, frozenset()) | self.graph.edges_crossing(z.geometry)
        self.avoid = {c: frozenset(self.graph.trap_closure(e, self.network)) for c, e in self.avoid.items()}
        self._minutes: dict[int, int] = {}

    def _patrol_area(self, zone: Zone) -> frozenset[int]:
        inside = self.graph.strong_component(self.graph.edges_within(zone.geometry) & self.network)
        if len(inside) >= MIN_PATROL_EDGES:
            return frozenset(inside)
        return frozenset({self.graph.add_loop(f"loop:{zone.id}", _ring(zone))})

    def _limits(self) -> list[float]:
        """The limit in force on each edge as the worker sees it: the lowest zone limit the edge
        touches, else the city default; and never above the road's own maxspeed."""
        zone_limit = [math.inf] * len(self.graph.edges)
        for z in self.city.zones:
            if z.speed_limit:
                for i in self.graph.edges_crossing(z.geometry):
                    zone_limit[i] = min(zone_limit[i], z.speed_limit)
        default = self.city.default_speed_limit
        return [min(zl if zl < math.inf else default, e.maxspeed or math.inf)
                for zl, e in zip(zone_limit, self.graph.edges, strict=True)]

    # --- the cast --------------------------------------------------------------------------------
    def make_agents(self, start: float, ping_s: tuple[float, float]) -> list[Agent]:
        """Every unit in its patrol area, every monitored vehicle somewhere on the network."""
        rng, agents = self.rng, []
        for unit in sorted(self.city.units.values(), key=lambda u: u.id):
            area = self.patrol[unit.zone]
            edge = rng.choice(sorted(area))
            home = frozenset(n for i in area for n in (self.graph.edges[i].u, self.graph.edges[i].v))
            agents.append(Agent(unit.id, "unit", None, edge, start, start + rng.uniform(0, ping_s[1]),
                                rng.uniform(*UNIT_KMH), area, home=home,
                                d=rng.uniform(0, self.graph.edges[edge].length)))
        network = sorted(self.network)
        tired = self.city.fatigue.categories
        for v in sorted(self.city.vehicles.values(), key=lambda v: v.plate):
            avoid = self.avoid.get(v.category, frozenset())
            edge = rng.choice([e for e in network if e not in avoid] or network)
            agents.append(Agent(
                v.plate, "vehicle", v.category, edge, start, start + rng.uniform(0, ping_s[1]),
                rng.uniform(*PACE), self.network, avoid=avoid,
                d=rng.uniform(0, self.graph.edges[edge].length),
                rest_due=start + rng.uniform(0, DRIVE_MIN[1]) * 60 if v.category in tired else math.inf,
                obeys_night_ban=rng.random() < OBEYS_NIGHT_BAN))
        return agents

    # --- moving ----------------------------------------------------------------------------------
    def speed(self, agent: Agent, ts: float) -> float:
        """km/h at ``ts``: scripted, stopped, parked for the night ban, or its pace."""
        if agent.override and ts < agent.override[1]:
            return agent.override[0]
        if ts < agent.stopped_until:
            return 0.0
        if agent.kind == "unit":
            return round(agent.pace, 1)
        if agent.obeys_night_ban and agent.category in self.city.night_ban.categories and self.night_ban_on(ts):
            return 0.0
        limit = min(self.limits[agent.edge], CAP_KMH.get(agent.category or "", 50.0))
        return round(max(limit * agent.pace, min(MIN_KMH, limit)), 1)

    def night_ban_on(self, ts: float) -> bool:
        minute = int(ts // 60)
        if minute not in self._minutes:
            self._minutes[minute] = local_minute(minute * 60.0, self.city.timezone)
        ban = self.city.night_ban
        return in_window(self._minutes[minute], ban.start_min, ban.end_min)

    def advance(self, agent: Agent, ts: float, out: list[dict[str, str]] | None) -> None:
        """Move ``agent`` on to event time ``ts``; checkpoint reads of the way go to ``out``."""
        while agent.t < ts:
            if agent.stopped_until > agent.t:
                agent.t = min(agent.stopped_until, ts)
                continue
            mps = self.speed(agent, agent.t) / 3.6
            edge = self.graph.edges[agent.edge]
            need = (edge.length - agent.d) / mps if mps > 0 else math.inf
            if agent.t + need > ts:  # parked (the night ban is looked at again next ping) or mid-edge
                agent.d = min(agent.d + (ts - agent.t) * mps, edge.length)
                agent.t = ts
                return
            agent.t += need
            agent.d = edge.length
            self._arrive(agent, out)

    def _arrive(self, agent: Agent, out: list[dict[str, str]] | None) -> None:
        """At the end of its edge: a checkpoint read, then the next edge, maybe a stop."""
        edge, rng = self.graph.edges[agent.edge], self.rng
        node, t = edge.v, agent.t
        cp = self.checkpoint_at.get(node)
        if cp and agent.kind == "vehicle" and out is not None:
            out.append(self.read(cp, agent.subject, t))
        if not agent.route and agent.home and node not in agent.home:  # a unit off its patrol: back
            agent.route = self.graph.shortest_path(node, self.graph.nearest_node(*self.graph.pos[node], agent.home))
        nxt = agent.route.pop(0) if agent.route else self.graph.next_edge(
            node, edge.u, rng, agent.allowed, agent.avoid)
        if nxt is None:  # a dead end: wait, then look again
            agent.stopped_until = t + 60
            return
        agent.edge, agent.d = nxt, 0.0
        if agent.kind == "unit":
            agent.pace = rng.uniform(*UNIT_KMH)
            return
        if rng.random() < STOP_P.get(agent.category or "", STOP_P_ANY):
            agent.stopped_until = t + rng.uniform(*STOP_S)
        if t >= agent.rest_due:
            agent.stopped_until = t + rng.uniform(*REST_MIN) * 60
            agent.rest_due = agent.stopped_until + rng.uniform(*DRIVE_MIN) * 60

    def read(self, checkpoint: str, plate: str, ts: float) -> dict[str, str]:
        """A checkpoint read of ``plate`` at ``ts`` (confidence 0.85-0.99)."""
        return encode_anpr(checkpoint, plate, round(ts, 3), confidence=self.rng.uniform(0.85, 0.99),
                           lane=self.rng.choice("123"))
