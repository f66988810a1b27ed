"""Dispatch orders and units' answers (contract section 5), written to Redis.

- An order goes to the unit's own stream ``cc:dispatch:{unit}`` with exactly the contract fields
  ``order_id alert_id unit lat lon checkpoint issued_by ts text``; where to go is the station of
  the unit's best intercept when it has one, else the alert's position.
- An answer goes to ``cc:dispatch:acks`` with ``order_id unit status ts``.
- OneMap keeps ``cc:orders`` (order_id -> JSON of the order plus ``status`` and ``note``) so answers
  can be checked, ``cc:open_orders:{unit}`` (orders neither cleared nor declined: the unit is busy),
  and appends each action to ``cc:audit`` (``actor action target detail ts``).

Times: an order's and an answer's ``ts`` are event time, the newest the workers have seen
(``cc:clock``) and never earlier than the alert (order) or the order (answer); the audit's ``ts``
is the wall-clock moment the person acted, since the audit records people, not events.
All writes of one action are one MULTI/EXEC transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import redis

from api.candidates import INTERCEPT_TYPES, Candidate, Target, UnitFix, intercept_pairs, rank_candidates
from city.citypack import CityPack
from city.roadnet import road_net
from city.travel import LearnedTimes, TravelModel
from core.audit import append_audit
from core.keys import Keys
from core.model import fmt_ts
from core.redisio import is_cluster, together
from core.travel import DEFAULT_LEARN_WINDOW_S, seconds_of
from core.values import as_number as number

__all__ = ["ACK_STATUSES", "CLOSED", "NOTE_MAX", "ANSWER_NOTE_MAX", "ANSWER_NOTE", "NEW", "OutOfOrder", "next_allowed",
           "event_now", "load_units", "target_of", "travel_model", "candidates_for", "get_order", "issue_order",
           "ack_order"]

ACK_STATUSES = ("accepted", "en_route", "on_scene", "cleared", "declined")
CLOSED = frozenset({"cleared", "declined"})
NOTE_MAX = 500
ANSWER_NOTE_MAX = 200
ANSWER_NOTE = {"cleared": "disposition", "declined": "reason"}
"""Where an answer's note is kept in the stored order (``cc:orders``): a clearing's disposition, a
refusal's reason. Never a field of ``cc:dispatch:acks``, whose fields the contract fixes."""
NEW = "issued"
"""The status of an order nobody has answered yet (contract A.7.3: "new")."""

_NEXT: dict[str, frozenset[str]] = {
    NEW: frozenset({"accepted", "declined"}),
    "accepted": frozenset({"en_route", "declined"}),
    "en_route": frozenset({"on_scene"}),
    "on_scene": frozenset({"cleared"}),
}


def next_allowed(status: str) -> frozenset[str]:
    """The answers an order in ``status`` may get next (contract A.7.3); empty once closed.

    >>> sorted(next_allowed("issued")), sorted(next_allowed("accepted"))
    (['accepted', 'declined'], ['declined', 'en_route'])
    >>> next_allowed("en_route"), next_allowed("on_scene")
    (frozenset({'on_scene'}), frozenset({'cleared'}))
    >>> next_allowed("cleared"), next_allowed("declined"), next_allowed("nonsense")
    (frozenset(), frozenset(), frozenset())
    """
    return _NEXT.get(status, frozenset())


class OutOfOrder(Exception):
    """An answer the order's status does not allow now (HTTP 409); nothing was written."""

    def __init__(self, order_id: str, current: str, status: str) -> None:
        allowed = ", ".join(sorted(next_allowed(current))) or "nothing (the order is closed)"
        super().__init__(f"order {order_id} is {current!r}: {status!r} is not allowed now; allowed: {allowed}")
        self.current, self.status = current, status


def event_now(client: redis.Redis, keys: Keys, floor: float) -> float:
    """The event clock (``cc:clock``), never earlier than ``floor``."""
    raw = client.get(keys.clock)
    clock = number(raw) if raw is not None else None
    return max(float(clock), floor) if clock is not None else floor


def load_units(client: redis.Redis, keys: Keys, city: CityPack) -> list[UnitFix]:
    """The city's units that have a fix in ``cc:last``, with whether each has an open order."""
    ids = sorted(city.units)
    if not ids:
        return []
    with client.pipeline(transaction=False) as pipe:
        pipe.hmget(keys.last, ids)
        for uid in ids:
            pipe.scard(keys.open_orders(uid))
        replies = pipe.execute()
    out = []
    for uid, raw, n_open in zip(ids, replies[0], replies[1:], strict=True):
        if raw is None:
            continue
        try:
            fix = orjson.loads(raw)
            lat, lon, ts = float(fix["lat"]), float(fix["lon"]), float(fix["ts"])
        except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
            continue  # an unreadable fix is treated as no fix
        out.append(UnitFix(uid, city.units[uid].callsign, lat, lon, ts, busy=int(n_open) > 0))
    return out


def target_of(alert: dict[str, Any], city: CityPack) -> Target:
    """The alert's position and time; its checkpoint only when the vehicle can be intercepted."""
    cp = str(alert.get("checkpoint") or "")
    interceptable = alert.get("type") in INTERCEPT_TYPES and cp in city.checkpoints
    return Target(float(alert["lat"]), float(alert["lon"]), float(alert["ts"]), cp if interceptable else "")


def travel_model(client: redis.Redis, keys: Keys, city: CityPack, start: str, now: float,
                 window_s: float = DEFAULT_LEARN_WINDOW_S) -> TravelModel:
    """The intercept model for a vehicle read at checkpoint ``start``: the travel samples of every
    hop within reach (one pipeline, samples of the window before ``now``) and the city's road graph."""
    pairs = intercept_pairs(start, city.checkpoints) if start else []
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    if pairs:
        with client.pipeline(transaction=False) as pipe:
            for a, b in pairs:
                pipe.zrangebyscore(keys.travel(a, b), f"({now - window_s!r}", repr(now), withscores=True)
            replies = pipe.execute()
        for pair, rows in zip(pairs, replies, strict=True):
            samples[pair] = [(float(ts), secs) for member, ts in rows if (secs := seconds_of(member)) is not None]
    learned = LearnedTimes(samples, city.timezone, now, window_s) if samples else None
    return TravelModel(road_net(city), learned)


def candidates_for(client: redis.Redis, keys: Keys, city: CityPack, alert: dict[str, Any],
                   window_s: float = DEFAULT_LEARN_WINDOW_S, units: list[UnitFix] | None = None) -> list[Candidate]:
    """Units ranked for ``alert`` at the current event time (``window_s``: ``CC_LEARN_WINDOW_S``;
    ``units``: the caller's ``load_units`` when it has them already)."""
    target = target_of(alert, city)
    now = event_now(client, keys, target.ts)
    model = travel_model(client, keys, city, target.checkpoint, now, window_s)
    fixes = load_units(client, keys, city) if units is None else units
    return rank_candidates(target, fixes, city.checkpoints, now, city.offline_after_s, model)


def get_order(client: redis.Redis, keys: Keys, order_id: str) -> dict[str, Any] | None:
    """The stored order (with its ``status``), or ``None``."""
    raw = client.hget(keys.orders, order_id)
    return orjson.loads(raw) if raw is not None else None


def _order_text(alert: dict[str, Any], cand: Candidate | None, city: CityPack, note: str) -> str:
    what = f"{alert.get('type', 'alert')} {alert.get('subject', '')}".strip()
    if cand is not None and cand.margin_s is not None:
        name = city.checkpoints[cand.checkpoint].name
        where = f"intercept at {name} ({cand.checkpoint}), about {cand.margin_s:.0f} s ahead of the vehicle"
    else:
        where = f"go to {float(alert['lat']):.5f},{float(alert['lon']):.5f}"
    line = f"{what}: {where}"
    if alert.get("text"):
        line += f" | {alert['text']}"
    if note:
        line += f" | note: {note}"
    return " ".join(line.split())  # one line


def issue_order(client: redis.Redis, keys: Keys, city: CityPack, alert: dict[str, Any], unit_id: str,
                note: str, issued_by: str, *, source: str = "",
                window_s: float = DEFAULT_LEARN_WINDOW_S) -> dict[str, Any]:
    """Write the order sending ``unit_id`` to ``alert``; the order as JSON (lat/lon/ts numbers).

    The audit entry (``source``: see ``core.audit``) also keeps the unit's ``distance_m`` and
    ``eta_s`` as ranked at dispatch time, when the unit was a candidate: what the supervisors'
    flags need to tell an order cleared faster than the drive could take."""
    mine = [c for c in candidates_for(client, keys, city, alert, window_s) if c.unit == unit_id]
    cand = mine[0] if mine else None
    intercept = cand is not None and cand.margin_s is not None
    lat, lon = (cand.lat, cand.lon) if cand is not None and intercept else (float(alert["lat"]), float(alert["lon"]))
    ts = event_now(client, keys, float(alert["ts"]))
    order_id = "O-" + uuid.uuid4().hex[:12]
    fields = {
        "order_id": order_id, "alert_id": str(alert["alert_id"]), "unit": unit_id,
        "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "checkpoint": cand.checkpoint if cand and intercept else "",
        "issued_by": issued_by, "ts": fmt_ts(ts), "text": _order_text(alert, cand, city, note),
    }
    stored = {**fields, "status": "issued", "status_ts": fields["ts"], "note": note}
    with together(client) as pipe:
        pipe.xadd(keys.dispatch(unit_id), fields)
        pipe.hset(keys.orders, order_id, orjson.dumps(stored))
        pipe.zadd(keys.orders_by_time, {order_id: ts})
        pipe.sadd(keys.open_orders(unit_id), order_id)
        detail: dict[str, Any] = {"alert_id": fields["alert_id"], "unit": unit_id,
                                  "checkpoint": fields["checkpoint"], "note": note}
        if cand is not None:
            detail |= {"distance_m": round(cand.distance_m, 1), "eta_s": round(cand.eta_s, 1)}
        append_audit(pipe, keys, issued_by, "dispatch", order_id, detail, source=source)
        pipe.execute()
    return _numbers(fields)


def ack_order(client: redis.Redis, keys: Keys, order: dict[str, Any], status: str, actor: str,
              note: str = "", *, source: str = "") -> dict[str, Any]:
    """Write a unit's answer ``status`` to ``order``; the answer as JSON (ts a number).

    ``note`` (optional, the caller bounds it): a clearing's disposition or a refusal's reason, kept
    in the stored order under ``ANSWER_NOTE[status]`` and in the audit detail; the acks stream
    keeps exactly ``order_id unit status ts``.

    The stored order is read again under ``WATCH``, so two answers at once cannot both pass the
    status machine; an answer it does not allow raises ``OutOfOrder`` and writes nothing."""
    order_id = str(order["order_id"])
    if is_cluster(client):
        return _ack_order_cluster(client, keys, order, status, actor, note, source=source)
    while True:
        with client.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(keys.orders)
                raw = pipe.hget(keys.orders, order_id)
                current = orjson.loads(raw) if raw is not None else order
                if status not in next_allowed(str(current.get("status", NEW))):
                    pipe.unwatch()
                    raise OutOfOrder(order_id, str(current.get("status", NEW)), status)
                ack, stored = _answered(client, keys, current, order_id, status, note)
                pipe.multi()
                pipe.hset(keys.orders, order_id, orjson.dumps(stored))
                _queue_answer(pipe, keys, ack, actor, note, source)
                pipe.execute()
                return _numbers(ack)
            except redis.WatchError:
                continue  # another order changed meanwhile: read again


# Set one order's stored JSON only if it is still what was read ("" when absent): the status
# machine's check-and-set on a cluster, where cc:orders and the acks stream lie in different slots.
_SWAP_ORDER = """
if (redis.call('HGET', KEYS[1], ARGV[1]) or '') == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return 1
end
return 0
"""


def _ack_order_cluster(client: redis.Redis, keys: Keys, order: dict[str, Any], status: str, actor: str,
                       note: str = "", *, source: str = "") -> dict[str, Any]:
    """``ack_order`` on a cluster: the stored order is swapped by a one-key script (so two answers
    at once cannot both pass the status machine), then the ack, the open-orders set and the audit
    entry are written on a plain pipeline."""
    order_id, swap = str(order["order_id"]), client.register_script(_SWAP_ORDER)
    while True:
        raw = client.hget(keys.orders, order_id)
        current = orjson.loads(raw) if raw is not None else order
        if status not in next_allowed(str(current.get("status", NEW))):
            raise OutOfOrder(order_id, str(current.get("status", NEW)), status)
        ack, stored = _answered(client, keys, current, order_id, status, note)
        if not swap(keys=[keys.orders], args=[order_id, raw or "", orjson.dumps(stored)]):
            continue  # answered meanwhile: read again
        with client.pipeline(transaction=False) as pipe:
            _queue_answer(pipe, keys, ack, actor, note, source)
            pipe.execute()
        return _numbers(ack)


def _answered(client: redis.Redis, keys: Keys, current: dict[str, Any], order_id: str, status: str,
              note: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The acks-stream entry of an allowed answer, and the stored order as it becomes."""
    ts = event_now(client, keys, float(current["ts"]))
    ack = {"order_id": order_id, "unit": current["unit"], "status": status, "ts": fmt_ts(ts)}
    stored = {**current, "status": status, "status_ts": ack["ts"]}
    if note and status in ANSWER_NOTE:
        stored[ANSWER_NOTE[status]] = note
    return ack, stored


def _queue_answer(pipe: Any, keys: Keys, ack: dict[str, str], actor: str, note: str, source: str) -> None:
    """Queue what follows an answer besides the stored order: the ack, the open-orders set, the audit."""
    order_id, unit, status = ack["order_id"], ack["unit"], ack["status"]
    pipe.xadd(keys.dispatch_acks, ack)
    if status in CLOSED:
        pipe.srem(keys.open_orders(unit), order_id)
    detail = {"unit": unit, "status": status, **({"note": note} if note else {})}
    append_audit(pipe, keys, actor, f"ack:{status}", order_id, detail, source=source)


def _numbers(fields: dict[str, str]) -> dict[str, Any]:
    return {k: (number(v) if k in ("lat", "lon", "ts") else v) for k, v in fields.items()}
