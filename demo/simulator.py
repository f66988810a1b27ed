"""The demo feed: patrol cars and monitored vehicles driving the city's real roads.

``python -m demo.simulator`` writes GPS pings and checkpoint reads to the input partitions
exactly as outside producers do (contract section 3), in event time running ``CC_DEMO_SPEED``
times faster than the wall clock. ``Simulator.step`` is pure (no I/O), so tests drive it directly.

The world: every unit patrols the roads of its assigned zone (or circles inside it when no road
crosses it); every monitored vehicle drives the main road network at a pace under the limit in
force, stopping now and then (buses at stops, heavy vehicles for a rest, law-abiding coaches for
the night ban); checkpoints read the plates that pass; unmonitored cars pass too. The scripted
incidents of ``demo.incidents`` make every alert type happen in the first minutes.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import random
import signal
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis

from city.citypack import CityPack, load_city_pack
from city.geo import haversine_m
from core.keys import Keys
from core.producer import Producer, encode_gps
from core.redisio import connect
from core.settings import Settings
from demo.incidents import INCIDENTS, Incident
from demo.world import Agent, World

__all__ = ["Simulator", "PING_S", "BACKLOG_MIN", "demo_start", "choose_start", "main"]

log = logging.getLogger("onemap.simulator")

PING_S = (5.0, 10.0)  # event seconds between two pings of one subject
BACKLOG_MIN = 250.0  # the tired coach's recorded drive before the demo starts (fatigue: > 240 min)
BACKLOG_PING_S = 60.0
THROUGH_S = (6.0, 14.0)  # an unmonitored car read at a checkpoint every so often
LISTED_THROUGH_P = 0.06  # share of those cars that are on the watchlist
DEMO_CLOCK = (1, 56)  # the demo starts at 01:56 local: the 02:00 night ban begins a minute later

Action = Callable[[float, list[dict[str, str]]], None]


def demo_start(wall_now: datetime) -> float:
    """01:56 local on the date of ``wall_now`` (a timezone-aware wall clock, read once);
    the day before when that is still ahead, so the demo never starts in the future.

    >>> from zoneinfo import ZoneInfo
    >>> tz = ZoneInfo("Asia/Shanghai")
    >>> datetime.fromtimestamp(demo_start(datetime(2026, 11, 22, 9, 0, tzinfo=tz)), tz).isoformat()
    '2026-11-22T01:56:00+08:00'
    >>> datetime.fromtimestamp(demo_start(datetime(2026, 11, 22, 1, 0, tzinfo=tz)), tz).isoformat()
    '2026-11-21T01:56:00+08:00'
    """
    start = wall_now.replace(hour=DEMO_CLOCK[0], minute=DEMO_CLOCK[1], second=0, microsecond=0)
    if start > wall_now:
        start -= timedelta(days=1)
    return start.timestamp()


def choose_start(wall_now: datetime, clock: float | None) -> float:
    """The demo's start: ``demo_start(wall_now)``, unless the workers' event clock (``cc:clock``)
    says an earlier demo fed this Redis: event time only moves forward, so the demo then carries on
    a minute after that clock, but never ahead of the wall clock (the workers believe nothing later
    than the wall clock plus ``CC_FUTURE_S``).

    >>> from zoneinfo import ZoneInfo
    >>> now = datetime(2026, 11, 22, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    >>> choose_start(now, None) == demo_start(now)
    True
    >>> choose_start(now, demo_start(now) + 600) == demo_start(now) + 660
    True
    >>> choose_start(now, now.timestamp() - 10) == now.timestamp()
    True
    """
    start = demo_start(wall_now)
    if clock is None or clock + 60 <= start:
        return start
    return max(clock, min(clock + 60, wall_now.timestamp()))


@dataclass(order=True)
class _Event:
    ts: float
    seq: int
    act: Action = field(compare=False)


class Simulator:
    """The simulated city. ``step(event_ts)`` advances it; ``run(stop)`` feeds Redis in wall time.

    Parameters
    ----------
    city:
        A city pack with ``roads.geojson``.
    producer:
        Where ``run`` sends the messages; ``None`` for a simulator that is only stepped.
    start_ts:
        Event time of the demo start, epoch seconds (see ``demo_start``).
    speed:
        Event seconds per wall second in ``run`` (``CC_DEMO_SPEED``).
    seed:
        Seed of the one random generator: the same seed gives the same messages.
    backlog:
        Send the tired coach's past drive first (off when carrying on after an earlier demo,
        whose workers already hold newer fixes of it).
    """

    def __init__(self, city: CityPack, producer: Producer | None, start_ts: float, speed: float = 5.0,
                 seed: int = 1, backlog: bool = True) -> None:
        self.city, self.producer, self.speed = city, producer, speed
        self.start = self.now = float(start_ts)
        self.rng = random.Random(seed)
        self.world = World(city, self.rng)
        self.graph = self.world.graph
        self.agents = self.world.make_agents(self.start, PING_S)
        self.by_subject = {a.subject: a for a in self.agents}
        self.scripted = self._cast()
        self.incidents: list[tuple[float, Incident]] = []  # what fired, when
        self._queue: list[_Event] = []
        self._seq = itertools.count()
        self._last_through: dict[str, float] = {}
        self._backlog_due = backlog
        for agent in self.agents:
            self.at(agent.next_ping, self._pinger(agent))
        for inc in INCIDENTS:
            self.at(self.start + inc.at, self._incident(inc))
        self.at(self.start + self.rng.uniform(*THROUGH_S), self._through_traffic)

    def _cast(self) -> dict[str, Agent]:
        """The agents the script needs: the first of their kind, so a seed always picks the same."""
        units = [a for a in self.agents if a.kind == "unit" and len(a.allowed) > 1]  # on roads, no loop
        units = units or [a for a in self.agents if a.kind == "unit"]
        first: dict[str, Agent] = {}
        for a in self.agents:
            first.setdefault(a.category or "unit", a)
        cast = dict(zip(("leaver", "silent"), units, strict=False))
        if "coach" in first:  # driving for hours, and on through the night ban
            tired = cast["tired"] = first["coach"]
            tired.obeys_night_ban, tired.rest_due = False, self.start + 20 * 60
        return cast

    # --- scheduling ------------------------------------------------------------------------------
    def at(self, ts: float, act: Action) -> None:
        """Run ``act(ts, out)`` when event time reaches ``ts``."""
        heapq.heappush(self._queue, _Event(ts, next(self._seq), act))

    def schedule_read(self, ts: float, checkpoint: str, plate: str) -> None:
        """A plate read at ``checkpoint`` at event time ``ts``."""
        self.at(ts, lambda t, out: out.append(self.world.read(checkpoint, plate, t)))

    def step(self, event_ts: float) -> list[dict[str, str]]:
        """Advance event time to ``event_ts``; the messages of the way, each subject's in time order.

        The first call starts with the tired coach's backlog (event times before ``start``); after
        it, nothing a step returns is older than the previous step's ``event_ts``. Event time never
        goes back: an ``event_ts`` before the current time does nothing.
        """
        out = self.backlog() if self._backlog_due else []
        self._backlog_due = False
        while self._queue and self._queue[0].ts <= event_ts:
            ev = heapq.heappop(self._queue)
            self.now = max(self.now, ev.ts)
            ev.act(ev.ts, out)
        if event_ts > self.now:
            self.now = event_ts
        for agent in self.agents:  # reads of checkpoints passed since the last ping, up to now
            self.world.advance(agent, self.now, out)
        return out

    def run(self, stop: threading.Event, tick_s: float = 0.5) -> None:
        """Every ``tick_s`` wall seconds, step to ``start + elapsed * speed`` and send what happened,
        until ``stop`` is set. A Redis that is away is retried; nothing is lost meanwhile."""
        if self.producer is None:
            raise ValueError("Simulator.run needs a producer to send to")
        # the backlog in one transaction: a worker reading only its older half would take that
        # for the present and drop the live pings as hours in the future
        self.producer.send(self.step(self.start), atomic=True)
        wall0 = time.monotonic()
        pending: list[dict[str, str]] = []
        while not stop.is_set():
            # never ahead of the wall clock: once the demo has caught up with it, it runs in real time
            target = min(self.start + (time.monotonic() - wall0) * self.speed, time.time())
            pending.extend(self.step(max(target, self.now)))
            if pending:
                try:
                    self.producer.send(pending)
                    pending = []
                except redis.ConnectionError as exc:
                    log.warning("cannot send %d messages (%s); retrying", len(pending), exc)
            stop.wait(tick_s)

    # --- what happens ----------------------------------------------------------------------------
    def backlog(self) -> list[dict[str, str]]:
        """The tired coach's recorded drive before the start: a ping a minute, moving, no rest."""
        agent = self.scripted.get("tired")
        if agent is None:
            return []
        out: list[dict[str, str]] = []
        agent.t = t = self.start - BACKLOG_MIN * 60
        while t < self.start - BACKLOG_PING_S / 2:
            self.world.advance(agent, t, None)  # the plate reads of the past are not replayed
            out.append(self.gps(agent, t))
            t += BACKLOG_PING_S
        self.world.advance(agent, self.start, None)
        return out

    def gps(self, agent: Agent, ts: float) -> dict[str, str]:
        """A ``type=gps`` message of where ``agent`` is at ``ts`` (it must have been advanced)."""
        lat, lon, heading = self.graph.edges[agent.edge].at(agent.d)
        return encode_gps(agent.subject, lat, lon, round(ts, 3), speed=self.world.speed(agent, ts),
                          heading=heading, accuracy=self.rng.choice((5, 8, 10, 15)))

    def _pinger(self, agent: Agent) -> Action:
        def ping(ts: float, out: list[dict[str, str]]) -> None:
            self.world.advance(agent, ts, out)
            if ts >= agent.silent_until:
                out.append(self.gps(agent, ts))
            agent.next_ping = ts + self.rng.uniform(*PING_S)
            self.at(agent.next_ping, ping)
        return ping

    def _incident(self, inc: Incident) -> Action:
        def fire(ts: float, out: list[dict[str, str]]) -> None:
            log.info("incident (%s): %s", inc.alert, inc.what)
            inc.apply(self, ts)
            self.incidents.append((ts, inc))
        return fire

    def _through_traffic(self, ts: float, out: list[dict[str, str]]) -> None:
        """An unmonitored car read at a checkpoint and, later, at one downstream; now and then a
        listed plate that is no monitored vehicle (each at most once an hour)."""
        listed = [p for p in sorted(self.city.watchlist) if p not in self.city.vehicles
                  and self._last_through.get(p, -math.inf) < ts - 3600]
        if listed and self.rng.random() < LISTED_THROUGH_P:
            plate = self.rng.choice(listed)
            self._last_through[plate] = ts
        else:
            plate = "粤B" + self.rng.choice("ACDEFGHJKLMNPQRSTUVWXYZ") + "".join(
                self.rng.choice(string.digits) for _ in range(4))
        cp = self.city.checkpoints[self.rng.choice(sorted(self.city.checkpoints))]
        out.append(self.world.read(cp.id, plate, ts))
        if cp.next:
            nxt = self.city.checkpoints[self.rng.choice(cp.next)]
            drive_s = haversine_m(cp.lat, cp.lon, nxt.lat, nxt.lon) * 1.4 / (40 / 3.6)
            self.schedule_read(ts + max(drive_s, 30.0), nxt.id, plate)
        self.at(ts + self.rng.uniform(*THROUGH_S), self._through_traffic)


def main() -> None:
    """``python -m demo.simulator``: feed the demo into ``REDIS_URL`` until SIGTERM/SIGINT."""
    settings = Settings.from_env()
    settings.configure_logging()
    if not settings.redis_url:
        raise SystemExit("demo.simulator: set REDIS_URL to the Redis to feed (make run does it for you)")
    city = load_city_pack(settings.city_pack)
    client = connect(settings.redis_url)
    keys = Keys(settings.prefix)
    raw = client.get(keys.clock)
    start = choose_start(datetime.now(city.timezone), float(raw) if raw is not None else None)
    resumed = raw is not None and start == float(raw) + 60
    if resumed:
        log.info("this Redis already holds demo time up to %s: carrying on from there (for a fresh "
                 "01:56 start, stop OneMap and empty the Redis)", datetime.fromtimestamp(float(raw), city.timezone))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("demo city %s from %s at %gx", city.name, datetime.fromtimestamp(start, city.timezone),
             settings.demo_speed)
    producer = Producer(client, keys, settings.partitions)
    Simulator(city, producer, start, settings.demo_speed, backlog=not resumed).run(stop)
    client.close()
    log.info("stopped")


if __name__ == "__main__":
    main()
