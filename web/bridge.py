"""The socket bridge: Redis streams -> browsers, batched, with catch-up on (re)connect.

One background task per web process tails ``cc:positions``, ``cc:alerts`` and ``cc:audit``
(``XREAD BLOCK``), keeps the latest fix per subject and pushes positions at most ``1 / emit_s``
batches a second to every client (Socket.IO events below); alerts and acknowledgements go out as
soon as they are read. Once a second (and at once after new alerts or acknowledgements) it
pushes a ``summary``: open incidents by color, zone colors, the open incidents themselves, units,
workers, KPIs (see ``web.views.summary`` and ``web.views.incidents``).

Open alerts: an alert stays open until someone acknowledges it, so the bridge holds every
unacknowledged alert it knows of, up to ``MAX_OPEN`` (beyond it the oldest unacknowledged ones
leave the screens' counts; ``open_capped`` in the summary and a warning in the log say so), and the
newest ``MAX_RECENT`` acknowledged ones so an incident keeps its earlier sightings. At start it
reads ``cc:alerts`` back (at most ``PRIME_SCAN`` entries) for the unacknowledged alerts.

Events (all JSON):

- ``positions`` ``{"rows": [[subject, kind, category, lat, lon, ts, speed, heading, zone], ...]}``
  (``"snapshot": true`` on catch-up);
- ``tracks`` ``{"tracks": {unit: [[lat, lon, ts], ...]}}`` (catch-up only: the last 10 minutes);
- ``alerts`` ``{"alerts": [...], "after": id, "last": id, "reset": bool}``: ``after`` is the stream
  id of the last alert pushed before this batch, so a client that holds an older id knows it
  missed some and asks for a catch-up with the id it holds;
- ``acks`` ``{"ids": [alert_id, ...]}``;
- ``summary`` (see ``Bridge.build_summary``); its ``incidents`` are the open incidents
  (``web.views.incidents.view``), overdue first, at most ``INCIDENTS_PUSH``.
- ``order`` ``{"order_id", "unit", ...}`` (the A.5 fields): only to the room ``unit:{unit}`` of the
  namespace ``/unit`` (a unit's terminal), as soon as it is read from ``cc:dispatch:{unit}``; the
  bridge tails the dispatch streams of every unit of the city pack.

Several web processes: with a shared Socket.IO message queue every emit reaches every client of
every process, so only one bridge may push; ``exclusive=True`` makes bridges elect one through a
Redis lease (``cc:bridge:leader``) and the others stand by. Catch-up needs no leader: any
process answers its own clients from Redis.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import redis

from city.citypack import CityPack
from city.geo import ZoneIndex
from core.keys import Keys
from core.lease import Lease, new_token
from core.redisio import xread
from core.settings import DEFAULT_ESCALATE_S
from core.values import text
from web import store as webstore
from web.views import incidents as vi
from web.views import summary as vs
from web.views.detail import TRACK_S
from web.views.live import Coalescer, Row, alert_row, parse_fixes

__all__ = ["EVENTS", "ORDER_EVENT", "UNIT_NS", "unit_room", "Bridge"]

log = logging.getLogger("onemap.bridge")

EVENTS = ("positions", "tracks", "alerts", "acks", "summary")
ORDER_EVENT = "order"  # to one unit's room in UNIT_NS only: a new order in cc:dispatch:{unit}
UNIT_NS = "/unit"


def unit_room(unit: str) -> str:
    """The Socket.IO room of one unit's terminals (namespace ``UNIT_NS``).

    >>> unit_room("P01")
    'unit:P01'
    """
    return f"unit:{unit}"
MAX_SUBJECTS = 100_000  # latest fixes held for the KPIs
MAX_OPEN = 20_000  # unacknowledged alerts held: each counts until acknowledged
MAX_RECENT = 5_000  # acknowledged alerts held, so incidents keep their earlier sightings
PRIME_SCAN = 200_000  # alerts read back at start looking for unacknowledged ones
INCIDENTS_PUSH = 200  # open incidents in each summary push (the counts cover all of them)
ORDERS_S = 86_400.0  # orders read for the header's intercepts of the day: the last day of event time
SUMMARY_SOON_S = 0.25  # after alerts or acknowledgements, the next summary goes out this soon
VEHICLE_FRESH_S = 600.0  # a monitored vehicle counts as monitored when it reported in the last 10 min
LEASE_MS = 5_000


SNAPSHOT_FRESH_S = 3600.0  # a (re)connecting screen gets units always, other subjects seen in the last hour


def fresh_rows(rows: list[Row], clock: float | None) -> list[Row]:
    """The latest fixes worth a snapshot: every unit (an offline one shows where it was last), and
    the other subjects that reported within ``SNAPSHOT_FRESH_S`` of event time.

    >>> rows = [["P01", "unit", "", 0, 0, 0.0], ["V1", "vehicle", "bus", 0, 0, 10_000.0], ["V2", "vehicle", "bus", 0, 0, 0.0]]
    >>> [r[0] for r in fresh_rows(rows, 10_000.0)], len(fresh_rows(rows, None))
    (['P01', 'V1'], 3)
    """
    if clock is None:
        return rows
    return [r for r in rows if r[1] == "unit" or clock - r[5] <= SNAPSHOT_FRESH_S]


class Bridge:
    """Tails Redis and pushes to Socket.IO clients; ``start()`` runs it as a background task."""

    def __init__(self, socketio: Any, client: redis.Redis, keys: Keys, city: CityPack, partitions: int, *,
                 emit_s: float = 0.3, summary_s: float = 1.0, block_ms: int = 200, exclusive: bool = False,
                 now: Callable[[], float] = time.monotonic, escalate_s: Mapping[str, float] | None = None,
                 incident_window_s: float = 1800.0) -> None:
        self.socketio = socketio
        self.client = client
        self.keys = keys
        self.city = city
        self.partitions = partitions
        self.emit_s, self.summary_s, self.block_ms = emit_s, summary_s, block_ms
        self.exclusive = exclusive
        self.lease = Lease(client, keys.bridge_leader, new_token("bridge"), LEASE_MS)
        self._now = now
        self._stop = threading.Event()
        self._patrol = ZoneIndex([z for z in city.zones if z.kind == "patrol"])
        self.coalescer = Coalescer()
        self.latest: dict[str, Row] = {}
        self.escalate_s = dict(DEFAULT_ESCALATE_S if escalate_s is None else escalate_s)
        self.incident_window_s = incident_window_s
        self.open: dict[str, dict[str, Any]] = {}  # alert_id -> unacknowledged alert (+ "_zone"), oldest first
        self.closed: dict[str, dict[str, Any]] = {}  # alert_id -> acknowledged alert, the newest MAX_RECENT
        self.dropped = 0  # unacknowledged alerts beyond MAX_OPEN (0: every open alert is counted)
        self._held_lock = threading.Lock()
        self._version = 0
        self._grouped: tuple[int, list[vi.Incident]] = (-1, [])
        self.clock: float | None = None
        self.ids: dict[str, str] = {}
        self.emitted_alert = ""  # stream id of the last alert pushed
        self._alerts: list[dict[str, Any]] = []
        self._acks: list[str] = []
        self._orders: list[dict[str, Any]] = []
        self._orders_at = -1e9
        self.summary: dict[str, Any] = {}
        self.leader = not exclusive
        self.started = threading.Event()
        self._dispatch: dict[str, str] = {}  # cc:dispatch:{unit} -> unit

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> Bridge:
        self.socketio.start_background_task(self.run)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self.exclusive and self.leader:
            with contextlib.suppress(redis.RedisError):
                self.lease.release()

    def run(self) -> None:
        """Loop until ``stop()``: read, coalesce, push; survive Redis restarts."""
        primed = False
        last_emit = last_summary = 0.0
        while not self._stop.is_set():
            try:
                if self.exclusive and not self._hold_lease():
                    primed = False
                    self._stop.wait(1.0)
                    continue
                if not primed:
                    self.prime()
                    primed = True
                    self.started.set()
                self.read_once()
                now = self._now()
                if self._alerts or self._acks:
                    self.flush_alerts()  # alerts are few and urgent: no batching delay
                    if now - last_summary >= SUMMARY_SOON_S:  # the screens' incidents follow at once
                        self.push_summary()
                        last_summary = now
                if now - last_emit >= self.emit_s:
                    self.flush()
                    last_emit = now
                if now - last_summary >= self.summary_s:
                    self.push_summary()
                    last_summary = now
            except redis.RedisError as exc:
                if self._stop.is_set():  # stopped while blocked in a read: Redis going away is expected
                    break
                log.warning("bridge: Redis unavailable (%s); retrying in 1 s", exc)
                primed = False
                self._stop.wait(1.0)
            except Exception:  # a bug must not end the pushes of every client
                log.exception("bridge: unexpected error; going on")
                self._stop.wait(1.0)

    def _hold_lease(self) -> bool:
        self.leader = self.lease.acquire()
        return self.leader

    # --- reading ---------------------------------------------------------------------------
    def prime(self) -> None:
        """Start from now: stream positions, latest fixes and the recent alerts."""
        k = self.keys
        self._dispatch = {k.dispatch(u): u for u in sorted(self.city.units)}
        self.ids = {s: webstore.stream_tail_id(self.client, s)
                    for s in (k.positions, k.alerts, k.audit, *self._dispatch)}
        self.emitted_alert = self.ids[k.alerts]
        self.clock = webstore.read_clock(self.client, k)
        self.latest = {row[0]: row for row in webstore.last_rows(self.client, k)}
        with self._held_lock:
            self.open, self.closed, self.dropped = {}, {}, 0
        alerts, complete = webstore.alerts_for_screens(self.client, k, MAX_RECENT, MAX_OPEN, PRIME_SCAN)
        for a in alerts:
            self._hold(a)
        if not complete:
            self.dropped = max(self.dropped, 1)
            log.warning("bridge: more than %d unacknowledged alerts (or more than %d alerts to read back); "
                        "the oldest unacknowledged ones are left out of the screens' counts", MAX_OPEN, PRIME_SCAN)

    def read_once(self) -> None:
        """One ``XREAD BLOCK`` over the streams; results go to the pending batches (orders at once)."""
        replies = xread(self.client, self.ids, count=1000, block=self.block_ms)
        k = self.keys
        for stream, entries in replies:
            name = text(stream)
            if not entries:
                continue
            self.ids[name] = text(entries[-1][0])
            if name == k.positions:
                for _, fields in entries:
                    rows = parse_fixes(fields.get(b"fixes", fields.get("fixes")))
                    self.take_positions(rows)
            elif name == k.alerts:
                self.take_alerts([alert_row(eid, fields) for eid, fields in entries])
            elif name == k.audit:
                for _, fields in entries:
                    f = {text(a): text(b) for a, b in fields.items()}
                    if f.get("action") == webstore.ACK_ACTION and f.get("target"):
                        self.take_ack(f["target"])
            elif name in self._dispatch:
                unit = self._dispatch[name]
                for _, fields in entries:
                    order = {text(a): text(b) for a, b in fields.items()}
                    self.socketio.emit(ORDER_EVENT, order, to=unit_room(unit), namespace=UNIT_NS)

    def take_positions(self, rows: list[Row]) -> None:
        self.coalescer.add(rows)
        latest = self.latest
        for row in rows:
            old = latest.get(row[0])
            if old is None and len(latest) >= MAX_SUBJECTS:
                continue
            if old is None or row[5] >= old[5]:
                latest[row[0]] = row
            if self.clock is None or row[5] > self.clock:
                self.clock = row[5]

    def take_alerts(self, alerts: list[dict[str, Any]]) -> None:
        for a in alerts:
            self._hold(a)
        self._alerts.extend(alerts)

    def take_ack(self, alert_id: str) -> None:
        with self._held_lock:
            held = self.open.pop(alert_id, None)
            if held is not None:
                held["acked"] = True
                self._keep(self.closed, alert_id, held, MAX_RECENT)
                self._version += 1
        self._acks.append(alert_id)

    def _hold(self, alert: dict[str, Any]) -> None:
        zone = str(alert.get("zone") or "")
        if zone not in self._patrol.by_id:
            lat, lon = alert.get("lat"), alert.get("lon")
            zone = ""
            if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
                zone = self._patrol.patrol_zone_of(
                    self._patrol.membership(np.array([float(lon)]), np.array([float(lat)]))[0])
        aid = str(alert["alert_id"])
        with self._held_lock:
            if alert.get("acked"):
                self.open.pop(aid, None)
                self._keep(self.closed, aid, {**alert, "_zone": zone}, MAX_RECENT)
            elif aid not in self.closed:
                dropped = self._keep(self.open, aid, {**alert, "_zone": zone}, MAX_OPEN)
                if dropped and not self.dropped:
                    log.warning("bridge: more than %d unacknowledged alerts; the oldest leave the screens' counts",
                                MAX_OPEN)
                self.dropped += dropped
            self._version += 1

    @staticmethod
    def _keep(held: dict[str, dict[str, Any]], aid: str, alert: dict[str, Any], cap: int) -> int:
        """Hold ``alert``; beyond ``cap`` drop the oldest (dicts keep insertion order). Returns how many."""
        held[aid] = alert
        extra = len(held) - cap
        if extra > 0:
            for old in list(held)[:extra]:
                del held[old]
        return max(0, extra)

    def held_alerts(self) -> list[dict[str, Any]]:
        """Every alert held (open and recently acknowledged), for the screens' own reads."""
        with self._held_lock:
            return [*self.open.values(), *self.closed.values()]

    def incidents(self) -> list[vi.Incident]:
        """The held alerts grouped into incidents (regrouped only when alerts or acks changed)."""
        with self._held_lock:
            version = self._version
            if self._grouped[0] == version:
                return self._grouped[1]
            alerts = [*self.open.values(), *self.closed.values()]
        grouped = vi.group(alerts, self.incident_window_s)
        self._grouped = (version, grouped)
        return grouped

    # --- pushing ---------------------------------------------------------------------------
    def flush(self) -> None:
        """Push what arrived since the last flush: alerts and acks first, then positions."""
        self.flush_alerts()
        rows = self.coalescer.drain()
        if rows:
            self.socketio.emit("positions", {"rows": rows})

    def flush_alerts(self) -> None:
        if self._alerts:
            batch, self._alerts = self._alerts, []
            payload = {"alerts": batch, "after": self.emitted_alert, "last": batch[-1]["id"], "reset": False}
            self.emitted_alert = batch[-1]["id"]
            self.socketio.emit("alerts", payload)
        if self._acks:
            ids, self._acks = self._acks, []
            self.socketio.emit("acks", {"ids": ids})

    def push_summary(self) -> None:
        self.summary = self.build_summary()
        self.socketio.emit("summary", self.summary)

    def build_summary(self) -> dict[str, Any]:
        """Header and wall figures from what the bridge holds plus a few small Redis reads."""
        city, k, clock = self.city, self.keys, self.clock
        stored = webstore.read_clock(self.client, k)
        if stored is not None and (clock is None or stored > clock):
            clock = self.clock = stored
        ranked = vi.standing(self.incidents(), self.closed, self.escalate_s, clock, zone_key="_zone")
        unit_ids = sorted(city.units)
        last_ts = {u: (row[5] if (row := self.latest.get(u)) else None) for u in unit_ids}
        statuses = vs.unit_statuses(last_ts, webstore.busy_units(self.client, k, unit_ids), clock,
                                    city.offline_after_s)
        covered = {city.units[u].zone for u, s in statuses.items() if s == "available"}
        patrol = [z.id for z in city.zones if z.kind == "patrol"]
        if self._now() - self._orders_at >= 5.0 and clock is not None:  # the intercepts of the clock's day
            self._orders, self._orders_at = webstore.orders(self.client, k, clock - ORDERS_S), self._now()
        fresh = 0 if clock is None else sum(
            1 for p in city.vehicles if (row := self.latest.get(p)) is not None and clock - row[5] <= VEHICLE_FRESH_S)
        return {
            "clock": clock, "clock_text": vs.clock_text(clock, city.timezone),
            "open": vi.counts_by_color(ranked), "overdue": sum(1 for s in ranked if s.escalated),
            "open_alerts": len(self.open), "open_capped": self.dropped > 0,
            "incidents": [vi.view(s.incident, self.closed, self.escalate_s, clock, "_zone")
                          for s in ranked[:INCIDENTS_PUSH]],
            "zones": vs.zone_status(vi.zone_colors(ranked), patrol, covered),
            "units": vs.status_counts(statuses), "unit_status": statuses,
            "health": vs.worker_health(webstore.workers(self.client, k), self.partitions),
            "intercepts": vs.intercepts_today(self._orders, clock, city.timezone),
            "vehicles": fresh, "vehicles_total": len(city.vehicles),
            "reads": self._latest_reads(), "last_alert": self.emitted_alert,
        }

    def _latest_reads(self) -> dict[str, list[Any]]:
        reads = webstore.checkpoint_reads(self.client, self.keys)
        return {cp: [str(r[0].get("plate", "")), r[0].get("ts")] for cp, r in reads.items()
                if r and isinstance(r[0], dict)}

    # --- catch-up ----------------------------------------------------------------------------
    def catch_up(self, sid: str, last_alert: str | None) -> dict[str, int]:
        """Send one client what it needs after a (re)connect: every latest fix, the units' last
        10 minutes of track, the alerts it missed since ``last_alert`` (or the recent ones), which
        recent alerts are acknowledged, and the summary. Returns how many of each were sent."""
        k = self.keys
        clock = webstore.read_clock(self.client, k)
        rows = fresh_rows(webstore.last_rows(self.client, k), clock)
        trails = webstore.tracks(self.client, k, sorted(self.city.units), None if clock is None else clock - TRACK_S)
        alerts, reset = webstore.alerts_after(self.client, k, last_alert)
        emit = self.socketio.emit
        emit("positions", {"rows": rows, "snapshot": True}, to=sid)
        emit("tracks", {"tracks": trails}, to=sid)
        last = alerts[-1]["id"] if alerts else (last_alert if not reset else webstore.stream_tail_id(self.client, k.alerts))
        emit("alerts", {"alerts": alerts, "after": None, "last": last, "reset": reset}, to=sid)
        acked = webstore.acked_recent(self.client, k)
        emit("acks", {"ids": acked}, to=sid)  # acknowledged while this client was away
        emit("summary", self.summary or self.build_summary(), to=sid)
        return {"positions": len(rows), "tracks": len(trails), "alerts": len(alerts), "acks": len(acked)}
