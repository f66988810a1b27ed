"""The demo feed: patrol cars and monitored vehicles driving the city's real roads.

``python -m streams.simulator`` writes GPS pings and checkpoint reads to the input partitions
exactly as outside producers do, in event time running ``CC_DEMO_SPEED`` times faster than the
wall clock. ``Simulator.step`` is pure (no I/O), so tests drive it directly.
"""

from __future__ import annotations

import heapq
import logging
import random
import signal
import string
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis

from streams.citypack import CityPack, load_city_pack
from streams.geo import haversine_m
from streams.incidents import INCIDENTS
from streams.keys import Keys
from streams.producer import Producer, encode_anpr, encode_gps
from streams.roads import RoadGraph
from streams.settings import Settings
from streams.timeutil import in_window, local_minute

__all__ = ["Agent", "Simulator", "demo_start", "main"]

log = logging.getLogger("onemap.simulator")

CRUISE_KMH = {"unit": (25, 45), "bus": (18, 32), "school_bus": (18, 30), "coach": (25, 35),
              "hazmat": (22, 32), "truck": (22, 32), "taxi": (25, 38), "private": (22, 36)}
PING_S = (5.0, 10.0)
TICK_S = 1.0


@dataclass
class Agent:
    subject: str
    kind: str  # "unit" or "vehicle"
    category: str | None
    edge: int
    d: float
    cruise: float  # km/h
    next_ping: float
    allowed: set[str] | None = None  # a unit's patrol-zone nodes
    came_from: str | None = None
    route: list[int] | None = None  # scripted edges to follow first
    override: tuple[float, float] | None = None  # (km/h, until event ts)
    silent_until: float = 0.0

    def speed(self, now: float, parked: bool) -> float:
        if self.override and now < self.override[1]:
            return self.override[0]
        return 0.0 if parked else self.cruise


def demo_start(tz_now: datetime) -> float:
    """01:56 local on the wall clock's date: the 02:00 night ban begins within a minute of wall time."""
    start = tz_now.replace(hour=1, minute=56, second=0, microsecond=0)
    if start > tz_now:
        start -= timedelta(days=1)
    return start.timestamp()


class Simulator:
    """The simulated city: agents, scheduled reads, incidents."""

    def __init__(self, city: CityPack, start_ts: float, seed: int = 1) -> None:
        if not city.roads:
            raise ValueError(f"{city.path}: the demo needs roads.geojson to drive on")
        self.city, self.start, self.now = city, start_ts, start_ts
        self.rng = random.Random(seed)
        self.graph = RoadGraph(city.roads)
        self.cp_at_node = {self.graph.nearest_node(c.lat, c.lon): c.id for c in city.checkpoints.values()}
        self._reads: list[tuple[float, int, str, str]] = []  # heap of (ts, seq, checkpoint, plate)
        self._seq = 0
        self._next_through = start_ts
        self._last_through: dict[str, float] = {}
        self.agents = self._make_agents()
        self.scripted = self._cast()
        self.scripted_coaches = [a for a in self.agents if a.category == "coach"][:2]
        self.reservoir_node = self._reservoir_node()
        self._incidents = sorted(INCIDENTS, key=lambda i: i.at)

    # --- the cast ------------------------------------------------------------------------------
    def _start_on(self, nodes: list[str]) -> tuple[int, str]:
        node = self.rng.choice(nodes)
        edge = self.rng.choice(self.graph.out[node])
        return edge, node

    def _make_agents(self) -> list[Agent]:
        all_nodes = [n for n, out in self.graph.out.items() if out]
        agents = []
        zones = self.city.zones_by_id
        for unit in self.city.units.values():
            zone = zones[unit.zone].geometry
            # patrol on nodes well inside the zone, so edges between them rarely cut a corner outside
            allowed = set(self.graph.nodes_within(zone.buffer(-0.0008))) or set(
                self.graph.nodes_within(zone)) or set(all_nodes)
            edge, _ = self._start_on(sorted(allowed))
            agents.append(Agent(unit.id, "unit", None, edge, 0.0, self.rng.uniform(*CRUISE_KMH["unit"]),
                                self.now + self.rng.uniform(0, PING_S[1]), allowed=allowed))
        for v in self.city.vehicles.values():
            edge, _ = self._start_on(all_nodes)
            cruise = self.rng.uniform(*CRUISE_KMH.get(v.category, (20, 35)))
            agents.append(Agent(v.plate, "vehicle", v.category, edge, 0.0, cruise,
                                self.now + self.rng.uniform(0, PING_S[1])))
        return agents

    def _cast(self) -> dict[str, Agent]:
        by_cat: dict[str, list[Agent]] = {}
        for a in self.agents:
            by_cat.setdefault(a.category or "unit", []).append(a)
        pick = lambda cat, i=0: by_cat.get(cat, by_cat["unit"])[i]  # noqa: E731
        return {"speeder": pick("taxi"), "hazmat": pick("hazmat"), "leaver": pick("unit", 0),
                "silent": pick("unit", 1), "cloned": pick("private"), "tired": pick("truck")}

    def _reservoir_node(self) -> str:
        """A road node inside the first restricted zone that forbids hazmat at all hours."""
        for z in self.city.zones:
            if z.kind == "restricted" and "hazmat" in z.forbid and z.hours is None:
                nodes = self.graph.nodes_within(z.geometry)
                if nodes:
                    return nodes[len(nodes) // 2]
        return self.graph.edges[self.agents[0].edge].v

    # --- reads ---------------------------------------------------------------------------------
    def schedule_read(self, ts: float, checkpoint: str, plate: str) -> None:
        self._seq += 1
        heapq.heappush(self._reads, (ts, self._seq, checkpoint, plate))

    def _through_traffic(self) -> None:
        """A passing, unmonitored car read at a checkpoint and at one downstream, now and then."""
        while self._next_through <= self.now:
            self._next_through += self.rng.uniform(6, 14)
            unlisted = [p for p in self.city.watchlist if p not in self.city.vehicles
                        and self._last_through.get(p, -1e18) < self.now - 1800]
            if unlisted and self.rng.random() < 0.25:
                plate = self.rng.choice(unlisted)
                self._last_through[plate] = self.now  # a listed car passes again only much later
            else:
                plate = "粤B" + self.rng.choice("ACDEFGHJKLMNPQRSTUVWXYZ") + "".join(
                    self.rng.choice(string.digits) for _ in range(4))
            cp = self.city.checkpoints[self.rng.choice(sorted(self.city.checkpoints))]
            self.schedule_read(self._next_through, cp.id, plate)
            if cp.next:
                nxt = self.city.checkpoints[self.rng.choice(cp.next)]
                travel = haversine_m(cp.lat, cp.lon, nxt.lat, nxt.lon) * 1.3 / (40 / 3.6)
                self.schedule_read(self._next_through + max(travel, 30.0), nxt.id, plate)

    # --- time ----------------------------------------------------------------------------------
    def backlog(self, minutes: float = 250) -> list[dict[str, str]]:
        """The 'tired' truck's recorded drive before the demo starts: a ping a minute, moving."""
        agent, out = self.scripted["tired"], []
        t = self.start - minutes * 60
        while t < self.start - 30:
            self._move(agent, 60.0, t, parked=False)
            lat, lon, heading = self.graph.edges[agent.edge].at(agent.d)
            out.append(encode_gps(agent.subject, lat, lon, t, speed=agent.cruise, heading=heading))
            t += 60
        agent.next_ping = self.start + 1
        return out

    def step(self, until: float) -> list[dict[str, str]]:
        """Advance event time to ``until``; the messages produced on the way, in time order."""
        out: list[dict[str, str]] = []
        while self.now + TICK_S <= until:
            self.now += TICK_S
            offset = self.now - self.start
            while self._incidents and self._incidents[0].at <= offset:
                inc = self._incidents.pop(0)
                log.info("incident: %s (%s)", inc.what, inc.alert)
                inc.apply(self)
            ban = self.city.night_ban
            night = in_window(local_minute(self.now, self.city.timezone), ban.start_min, ban.end_min)
            for agent in self.agents:
                parked = night and agent.category in ban.categories
                self._move(agent, TICK_S, self.now, parked, out)
                if self.now >= agent.next_ping:
                    agent.next_ping = self.now + self.rng.uniform(*PING_S)
                    if self.now >= agent.silent_until:
                        lat, lon, heading = self.graph.edges[agent.edge].at(agent.d)
                        out.append(encode_gps(agent.subject, lat, lon, self.now,
                                              speed=agent.speed(self.now, parked), heading=heading))
            self._through_traffic()
            while self._reads and self._reads[0][0] <= self.now:
                ts, _, cp, plate = heapq.heappop(self._reads)
                out.append(encode_anpr(cp, plate, ts, confidence=round(self.rng.uniform(0.85, 0.99), 2)))
        return out

    def _move(self, agent: Agent, dt: float, now: float, parked: bool,
              out: list[dict[str, str]] | None = None) -> None:
        agent.d += agent.speed(now, parked) / 3.6 * dt
        edge = self.graph.edges[agent.edge]
        while agent.d >= edge.length:
            agent.d -= edge.length
            node = edge.v
            cp = self.cp_at_node.get(node)
            if cp and agent.kind == "vehicle" and out is not None:
                out.append(encode_anpr(cp, agent.subject, now, confidence=round(self.rng.uniform(0.85, 0.99), 2)))
            if agent.allowed and not agent.route and node not in agent.allowed:
                agent.route = self._way_back(node, agent.allowed)  # a patrol car returns to its zone
            nxt = agent.route.pop(0) if agent.route else self.graph.next_edge(node, edge.u, self.rng, agent.allowed)
            if nxt is None:
                agent.d = edge.length
                return
            agent.came_from, agent.edge = node, nxt
            edge = self.graph.edges[nxt]

    def _way_back(self, node: str, allowed: set[str]) -> list[int]:
        lat, lon = self.graph.pos[node]
        target = min(allowed, key=lambda n: (self.graph.pos[n][0] - lat) ** 2 + (self.graph.pos[n][1] - lon) ** 2)
        return self.graph.route(node, target)

    def run(self, producer: Producer, speed: float, stop: threading.Event) -> None:
        """Feed the partitions in wall time until ``stop`` is set."""
        producer.send(self.backlog())
        wall0 = time.monotonic()
        while not stop.is_set():
            target = self.start + (time.monotonic() - wall0) * speed
            msgs = self.step(target)
            if msgs:
                producer.send(msgs)
            stop.wait(0.5)


def main() -> None:
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    if not settings.redis_url:
        raise SystemExit("streams.simulator: set REDIS_URL to the Redis to feed")
    city = load_city_pack(settings.city_pack)
    client = redis.Redis.from_url(settings.redis_url)
    keys = Keys(settings.prefix)
    start = demo_start(datetime.now(city.timezone))
    clock = client.get(keys.clock)
    if clock is not None and float(clock) > start - 300 * 60:
        start = float(clock) + 60  # a restarted demo carries on after what it already fed
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("demo city %s from %s at %gx", city.name, datetime.fromtimestamp(start, city.timezone), settings.demo_speed)
    Simulator(city, start).run(Producer(client, keys, settings.partitions), settings.demo_speed, stop)


if __name__ == "__main__":
    main()
