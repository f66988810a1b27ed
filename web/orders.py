"""Redis reads and writes of the Dispatch tab and its loop (``web.dispatcher``).

Orders themselves are written by ``api.dispatch`` (``issue_order``, ``ack_order``), as the HTTP API
writes them; this module adds what the tab needs around them:

- the board's orders: the open ones (``cc:open_orders:{unit}``) and those answered recently (the
  tail of ``cc:dispatch:acks``), so nothing reads all of ``cc:orders``;
- escalation: an order escalates once, in one transaction with its audit entry (``WATCH`` on
  ``cc:orders:escalated``, then ``HSET`` + ``XADD``: two web processes cannot both escalate);
- auto-dispatch: the switch per alert type (``cc:orders:auto``, flipping it is audited) and the
  claim per alert (``SET NX``), so one alert is auto-dispatched at most once by any process.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
import redis

from api import dispatch as api_dispatch
from api.candidates import Candidate
from city.citypack import CityPack
from core.audit import SERVER_SOURCE, append_audit
from core.keys import Keys
from core.redisio import is_cluster, mget, sunion, together
from core.travel import DEFAULT_LEARN_WINDOW_S
from core.values import text
from web.views import dispatch as vdp
from web.views.live import stream_id_key

__all__ = ["ACK_TAIL", "CLAIM_TTL_S", "ESCALATE", "AUTO", "AUTO_ON", "AUTO_OFF", "DISPATCH", "open_orders",
           "board_orders", "recent_answers", "escalated_ids", "auto_order_ids", "escalate", "auto_state",
           "set_auto", "auto_dispatch", "sent_units"]

ACK_TAIL = 2000  # newest answers read for the board's timers and its recently closed orders
CLAIM_TTL_S = 7 * 86400
DISPATCH = "dispatch"  # audit actions (shared names of issue 8)
ESCALATE = "escalate"
AUTO = "auto_dispatch"
AUTO_ON = "auto_dispatch_on"
AUTO_OFF = "auto_dispatch_off"


def _fields(raw: dict[Any, Any]) -> dict[str, str]:
    return {text(k): text(v) for k, v in raw.items()}


def _load(client: redis.Redis, keys: Keys, order_ids: Iterable[str]) -> list[dict[str, Any]]:
    ids = sorted(set(order_ids))
    if not ids:
        return []
    return [orjson.loads(raw) for raw in client.hmget(keys.orders, ids) if raw is not None]


def open_orders(client: redis.Redis, keys: Keys, unit_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Every order neither cleared nor declined, of the given units."""
    sets = [keys.open_orders(u) for u in unit_ids]
    return _load(client, keys, (text(x) for x in sunion(client, sets))) if sets else []


def recent_answers(client: redis.Redis, keys: Keys, count: int = ACK_TAIL) -> list[dict[str, str]]:
    """The newest ``count`` answers of ``cc:dispatch:acks``, oldest first."""
    return [_fields(f) for _, f in reversed(client.xrevrange(keys.dispatch_acks, count=count))]


def board_orders(client: redis.Redis, keys: Keys, unit_ids: Iterable[str]
                 ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The open orders plus those answered among the newest answers, and those answers."""
    answers = recent_answers(client, keys)
    opened = open_orders(client, keys, unit_ids)
    have = {str(o["order_id"]) for o in opened}
    return opened + _load(client, keys, {a["order_id"] for a in answers} - have), answers


def escalated_ids(client: redis.Redis, keys: Keys, order_ids: Iterable[str]) -> set[str]:
    """Those of ``order_ids`` that were escalated."""
    ids = list(order_ids)
    return {i for i, got in zip(ids, client.hmget(keys.escalated, ids), strict=True) if got} if ids else set()


def auto_order_ids(client: redis.Redis, keys: Keys, orders: Iterable[dict[str, Any]]) -> set[str]:
    """Those of ``orders`` that auto-dispatch sent (the claim of their alert names them)."""
    orders = list(orders)
    if not orders:
        return set()
    got = mget(client, [keys.auto_claim(str(o["alert_id"])) for o in orders])
    return {str(o["order_id"]) for o, v in zip(orders, got, strict=True) if v is not None and text(v) == o["order_id"]}


def escalate(client: redis.Redis, keys: Keys, order: dict[str, Any], clock: float, accept_s: float) -> bool:
    """Mark ``order`` escalated and audit it (actor: who issued it), once; ``False`` when it already
    was, or it was answered meanwhile."""
    oid = str(order["order_id"])
    if is_cluster(client):  # the two hashes lie in two slots: HSETNX makes the escalation once
        raw = client.hget(keys.orders, oid)
        current = orjson.loads(raw) if raw is not None else {}
        if current.get("status") != api_dispatch.NEW or not client.hsetnx(
                keys.escalated, oid, orjson.dumps({"ts": clock, "after_s": accept_s})):
            return False
        append_audit(client, keys, str(current.get("issued_by") or order.get("issued_by")), ESCALATE, oid,
                     {"reason": f"not accepted in {accept_s:g} s", "alert_id": current.get("alert_id"),
                      "unit": current.get("unit")}, source=SERVER_SOURCE)
        return True
    with client.pipeline(transaction=True) as pipe:
        while True:
            try:
                pipe.watch(keys.escalated, keys.orders)
                raw = pipe.hget(keys.orders, oid)
                current = orjson.loads(raw) if raw is not None else {}
                if pipe.hexists(keys.escalated, oid) or current.get("status") != api_dispatch.NEW:
                    pipe.unwatch()
                    return False
                pipe.multi()
                pipe.hset(keys.escalated, oid, orjson.dumps({"ts": clock, "after_s": accept_s}))
                append_audit(pipe, keys, str(current.get("issued_by") or order.get("issued_by")), ESCALATE, oid,
                             {"reason": f"not accepted in {accept_s:g} s", "alert_id": current.get("alert_id"),
                              "unit": current.get("unit")}, source=SERVER_SOURCE)
                pipe.execute()
                return True
            except redis.WatchError:
                continue


def auto_state(client: redis.Redis, keys: Keys) -> dict[str, dict[str, Any]]:
    """``{alert type: {"by": username, "after": stream id}}`` of the switches that are on."""
    out = {}
    for k, v in client.hgetall(keys.auto_dispatch).items():
        try:
            out[text(k)] = dict(orjson.loads(v))
        except (orjson.JSONDecodeError, TypeError, ValueError):
            continue
    return out


def set_auto(client: redis.Redis, keys: Keys, alert_type: str, on: bool, username: str, source: str = "") -> bool:
    """Switch auto-dispatch for ``alert_type`` on (remembering who and where ``cc:alerts`` ends now)
    or off, with its audit entry; ``False`` when it already was so (nothing written)."""
    if is_cluster(client):  # switch and alerts lie in two slots: HSETNX / HDEL make the switch once
        tail = client.xrevrange(keys.alerts, count=1)
        after = text(tail[0][0]) if tail else "0-0"
        changed = (client.hsetnx(keys.auto_dispatch, alert_type, orjson.dumps({"by": username, "after": after}))
                   if on else client.hdel(keys.auto_dispatch, alert_type))
        if not changed:
            return False
        append_audit(client, keys, f"user:{username}", AUTO_ON if on else AUTO_OFF, alert_type,
                     {"after": after} if on else {}, source=source)
        return True
    with client.pipeline(transaction=True) as pipe:
        while True:
            try:
                pipe.watch(keys.auto_dispatch, keys.alerts)
                if pipe.hexists(keys.auto_dispatch, alert_type) == on:
                    pipe.unwatch()
                    return False
                tail = pipe.xrevrange(keys.alerts, count=1)
                after = text(tail[0][0]) if tail else "0-0"
                pipe.multi()
                if on:
                    pipe.hset(keys.auto_dispatch, alert_type, orjson.dumps({"by": username, "after": after}))
                else:
                    pipe.hdel(keys.auto_dispatch, alert_type)
                append_audit(pipe, keys, f"user:{username}", AUTO_ON if on else AUTO_OFF, alert_type,
                             {"after": after} if on else {}, source=source)
                pipe.execute()
                return True
            except redis.WatchError:
                continue


def auto_dispatch(client: redis.Redis, keys: Keys, city: CityPack, alert: dict[str, Any], stream_id: str,
                  window_s: float = DEFAULT_LEARN_WINDOW_S) -> tuple[dict[str, Any] | None, Candidate | None]:
    """Send the top available unit to a new ``alert`` when auto-dispatch is on for its type and the
    alert came after the switch: ``(order, candidate)``, or ``(None, None)`` when nothing was sent.

    At most once per alert across processes: the alert is claimed (``SET NX``) before the order is
    written; a process that dies in between leaves it unsent, for an officer (never sent twice)."""
    state = auto_state(client, keys).get(str(alert.get("type")))
    if state is None or stream_id_key(stream_id) <= stream_id_key(str(state.get("after", ""))):
        return None, None
    claim = keys.auto_claim(str(alert["alert_id"]))
    if not client.set(claim, "-", nx=True, ex=CLAIM_TTL_S):
        return None, None
    pick = vdp.auto_pick(api_dispatch.candidates_for(client, keys, city, alert, window_s))
    if pick is None:
        return None, None  # nobody available: it waits in the queue (the claim stays: once means once)
    by = f"user:{state.get('by')}"
    order = api_dispatch.issue_order(client, keys, city, alert, pick.unit, "", issued_by=by,
                                     source=SERVER_SOURCE, window_s=window_s)
    with together(client) as pipe:
        pipe.set(claim, order["order_id"], ex=CLAIM_TTL_S)
        append_audit(pipe, keys, by, AUTO, order["order_id"],
                     {"alert_id": str(alert["alert_id"]), "type": str(alert.get("type")), "unit": pick.unit},
                     source=SERVER_SOURCE)
        pipe.execute()
    return order, pick


def sent_units(orders: Iterable[dict[str, Any]], alert_id: str) -> set[str]:
    """The units already sent to ``alert_id`` (any status).

    >>> sorted(sent_units([{"alert_id": "a", "unit": "P01"}, {"alert_id": "b", "unit": "P02"}], "a"))
    ['P01']
    """
    return {str(o["unit"]) for o in orders if str(o.get("alert_id")) == alert_id}
