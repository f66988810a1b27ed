"""The dispatch loop: a background task of every web process, next to the socket bridge, that works
whether or not any browser is open.

- Escalation: about once a second it compares the open orders with the event clock (``cc:clock``);
  an order still unanswered ``accept_s`` after it was written is escalated once
  (``web.orders.escalate``: audit ``escalate``), and the officers' screens are told.
- Auto-dispatch: it tails ``cc:alerts``; each new alert of a type whose switch is on gets the top
  available unit, once (``web.orders.auto_dispatch``). It starts at the stream's end: alerts written
  while no web process ran wait in the tab's queue for an officer.
- It tails ``cc:dispatch:acks`` and every unit's ``cc:dispatch:{unit}`` too, so the officers'
  boards refresh as soon as an order or an answer is written, by anyone.

Pushes: the event ``dispatch`` (``DISPATCH_EVENT``) to the room ``OFFICERS_ROOM`` of the default
namespace (officers and supervisors join it on connect), JSON ``{"kind": "order" | "ack" |
"escalate" | "auto", ...}``. With several web processes each runs this loop; the Redis guards make
escalation and auto-dispatch happen once, and a repeated ``order``/``ack`` push only refreshes a
board once more.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis

from city.citypack import CityPack
from core.keys import Keys
from core.redisio import xread
from core.travel import DEFAULT_LEARN_WINDOW_S
from core.values import text
from web import orders as wo
from web import store as webstore
from web.views import dispatch as vdp
from web.views.live import alert_row

__all__ = ["DISPATCH_EVENT", "OFFICERS_ROOM", "DispatchLoop"]

log = logging.getLogger("onemap.dispatch")

DISPATCH_EVENT = "dispatch"
OFFICERS_ROOM = "officers"


class DispatchLoop:
    """Escalates late orders and auto-dispatches new alerts; ``start()`` runs it in the background."""

    def __init__(self, socketio: Any, client: redis.Redis, keys: Keys, city: CityPack, *, accept_s: float = 60.0,
                 scene_s: float = 900.0, learn_window_s: float = DEFAULT_LEARN_WINDOW_S, block_ms: int = 500,
                 check_s: float = 1.0, now: Callable[[], float] = time.monotonic) -> None:
        self.socketio, self.client, self.keys, self.city = socketio, client, keys, city
        self.accept_s, self.scene_s = accept_s, scene_s
        self.learn_window_s = learn_window_s  # CC_LEARN_WINDOW_S: which learned travel times count
        self.block_ms, self.check_s = block_ms, check_s
        self._now = now
        self._stop = threading.Event()
        self.ids: dict[str, str] = {}
        self.started = threading.Event()

    def start(self) -> DispatchLoop:
        self.socketio.start_background_task(self.run)
        return self

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Loop until ``stop()``; survive Redis restarts and its own bugs."""
        primed = False
        last_check = -1e9
        while not self._stop.is_set():
            try:
                if not primed:
                    self.prime()
                    primed = True
                    self.started.set()
                self.read_once()
                if self._now() - last_check >= self.check_s:
                    self.check()
                    last_check = self._now()
            except redis.RedisError as exc:
                if self._stop.is_set():  # stopped while blocked in a read: Redis going away is expected
                    break
                log.warning("dispatch loop: Redis unavailable (%s); retrying in 1 s", exc)
                primed = False
                self._stop.wait(1.0)
            except Exception:  # a bug must not stop escalation for good
                log.exception("dispatch loop: unexpected error; going on")
                self._stop.wait(1.0)

    def emit(self, payload: dict[str, Any]) -> None:
        self.socketio.emit(DISPATCH_EVENT, payload, to=OFFICERS_ROOM)

    def prime(self) -> None:
        """Tail the streams from their current end."""
        k = self.keys
        streams = (k.alerts, k.dispatch_acks, *(k.dispatch(u) for u in sorted(self.city.units)))
        self.ids = {s: webstore.stream_tail_id(self.client, s) for s in streams}

    def read_once(self) -> None:
        """One ``XREAD BLOCK``: new alerts may be auto-dispatched; orders and answers are announced."""
        replies = xread(self.client, self.ids, count=500, block=self.block_ms)
        for stream, entries in replies:
            name = text(stream)
            if not entries:
                continue
            self.ids[name] = text(entries[-1][0])
            if name == self.keys.alerts:
                for eid, fields in entries:
                    self.on_alert(text(eid), alert_row(eid, fields))
            elif name == self.keys.dispatch_acks:
                last = {text(a): text(b) for a, b in entries[-1][1].items()}
                self.emit({"kind": "ack", "order_id": last.get("order_id"), "status": last.get("status")})
            else:
                last = {text(a): text(b) for a, b in entries[-1][1].items()}
                self.emit({"kind": "order", "order_id": last.get("order_id"), "unit": last.get("unit")})

    def on_alert(self, stream_id: str, alert: dict[str, Any]) -> dict[str, Any] | None:
        """Auto-dispatch ``alert`` when its type's switch is on; the order, or ``None``."""
        order, pick = wo.auto_dispatch(self.client, self.keys, self.city, alert, stream_id,
                                         window_s=self.learn_window_s)
        if order is None or pick is None:
            return None
        log.info("auto-dispatched %s to %s (%s)", pick.unit, alert["alert_id"], order["order_id"])
        self.emit({"kind": "auto", "order_id": order["order_id"], "alert_id": str(alert["alert_id"]),
                   "type": str(alert.get("type")), "unit": pick.unit, "callsign": pick.callsign})
        return order

    def check(self) -> list[str]:
        """Escalate the orders that are late now; their ids."""
        clock = webstore.read_clock(self.client, self.keys)
        opened = wo.open_orders(self.client, self.keys, self.city.units)
        late = vdp.due_for_escalation(opened, wo.escalated_ids(self.client, self.keys, [o["order_id"] for o in opened]),
                                      clock, self.accept_s)
        done = []
        for order in late:
            if clock is not None and wo.escalate(self.client, self.keys, dict(order), clock, self.accept_s):
                done.append(str(order["order_id"]))
                unit = str(order.get("unit"))
                callsign = self.city.units[unit].callsign if unit in self.city.units else unit
                log.info("escalated %s: %s did not accept in %g s", order["order_id"], unit, self.accept_s)
                self.emit({"kind": "escalate", "order_id": str(order["order_id"]),
                           "alert_id": str(order.get("alert_id")), "unit": unit, "callsign": callsign,
                           "after_s": self.accept_s})
        return done
