"""Redis reads and writes of the web screens (the socket bridge and the Dash callbacks).

Thin: each function is one or two round trips and returns plain dicts; what the screens make
of them is in ``views/``. Works with clients that decode responses and with those that do not.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from itertools import islice
from math import inf
from typing import Any

import numpy as np
import orjson
import redis

from core import tracks as core_tracks
from core.audit import append_audit
from core.health import live_workers
from core.keys import Keys
from core.redisio import is_cluster
from core.values import as_float, text
from web.views.live import Row, alert_row, fix_row, stream_id_key

__all__ = ["RECENT", "read_clock", "recent_alerts", "alerts_for_screens", "alerts_after", "acks_for",
           "acked_recent", "write_ack", "write_acks",
           "last_rows", "last_fix", "track", "tracks", "checkpoint_reads", "workers", "busy_units", "orders",
           "alerts_about", "stream_tail_id", "ACK_ACTION", "AUDIT_READ_MAX", "AUDIT_EXPORT", "audit_entries",
           "write_audit_export"]

RECENT = 300  # alerts a client receives on a first connect
ACK_ACTION = "alert_ack"
AUDIT_READ_MAX = 20_000  # newest audit entries the Audit tab reads (cc:audit is never trimmed)
AUDIT_EXPORT = "audit_export"


def _json(raw: Any) -> Any:
    if raw is None:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def read_clock(client: redis.Redis, keys: Keys) -> float | None:
    """The event clock (``cc:clock``), ``None`` before any data."""
    raw = client.get(keys.clock)
    try:
        return float(text(raw)) if raw is not None else None
    except ValueError:
        return None


def stream_tail_id(client: redis.Redis, stream: str) -> str:
    """The id of the newest entry of ``stream``, ``"0-0"`` when it is empty or missing."""
    last = client.xrevrange(stream, count=1)
    return text(last[0][0]) if last else "0-0"


def acks_for(client: redis.Redis, keys: Keys, alert_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The acknowledgements of those of ``alert_ids`` that have one."""
    if not alert_ids:
        return {}
    raws = client.hmget(keys.alert_acks, alert_ids)
    return {aid: ack for aid, raw in zip(alert_ids, raws, strict=True) if (ack := _json(raw)) is not None}


def _rows(client: redis.Redis, keys: Keys, entries: list[Any]) -> list[dict[str, Any]]:
    alerts = [alert_row(eid, fields) for eid, fields in entries]
    acked = acks_for(client, keys, [a["alert_id"] for a in alerts])
    for a in alerts:
        a["acked"] = a["alert_id"] in acked
    return alerts


def recent_alerts(client: redis.Redis, keys: Keys, count: int = RECENT) -> list[dict[str, Any]]:
    """The newest ``count`` alerts, oldest first, each with its stream ``id`` and ``acked``."""
    entries = client.xrevrange(keys.alerts, count=count)
    return _rows(client, keys, list(reversed(entries)))


def alerts_for_screens(client: redis.Redis, keys: Keys, recent: int, open_max: int, scan: int
                       ) -> tuple[list[dict[str, Any]], bool]:
    """The newest ``recent`` alerts and every older unacknowledged one (newest first up to
    ``open_max`` of them, reading back at most ``scan`` entries), oldest first, each with ``acked``;
    and whether that is complete (no unacknowledged alert was left behind for either limit)."""
    out: list[dict[str, Any]] = []
    seen = opened = 0
    start = "+"
    while True:
        page = client.xrevrange(keys.alerts, max=start, min="-", count=1000)
        if not page:
            return list(reversed(out)), True
        for alert in _rows(client, keys, page):
            seen += 1
            if not alert["acked"]:
                if opened >= open_max:
                    return list(reversed(out)), False
                opened += 1
                out.append(alert)
            elif seen <= recent:
                out.append(alert)
        if len(page) < 1000:
            return list(reversed(out)), True
        if seen >= scan:
            return list(reversed(out)), False
        start = "(" + text(page[-1][0])


def alerts_after(client: redis.Redis, keys: Keys, after: str | None, limit: int = 2000
                 ) -> tuple[list[dict[str, Any]], bool]:
    """The alerts a client that saw up to stream id ``after`` missed, oldest first, and ``reset``.

    ``reset`` is true when ``after`` is unknown, was trimmed away or more than ``limit`` alerts
    were missed: the client then gets the newest ``RECENT`` alerts instead and starts afresh.
    """
    if not after or stream_id_key(after) == (0, 0):
        return recent_alerts(client, keys), True
    first = client.xrange(keys.alerts, count=1)
    if first and stream_id_key(text(first[0][0])) > stream_id_key(after):
        return recent_alerts(client, keys), True  # the stream was trimmed (or reset) past it
    entries = client.xrange(keys.alerts, min="(" + after, count=limit + 1)
    if len(entries) > limit:
        return recent_alerts(client, keys), True
    return _rows(client, keys, entries), False


def acked_recent(client: redis.Redis, keys: Keys, count: int = 1000) -> list[str]:
    """The ids of the acknowledged alerts among the newest ``count``."""
    entries = client.xrevrange(keys.alerts, count=count)
    ids = [text(fields.get(b"alert_id", fields.get("alert_id", ""))) for _, fields in entries]
    return sorted(acks_for(client, keys, [i for i in ids if i]))


def write_ack(client: redis.Redis, keys: Keys, alert_id: str, officer: str, note: str,
              wall_ts: float | None = None, *, source: str = "") -> bool:
    """Record that ``officer`` acknowledged ``alert_id`` with ``note`` (``cc:alert_acks`` and
    ``cc:audit``, one transaction). ``False`` when it was already acknowledged (nothing written)."""
    return bool(write_acks(client, keys, [alert_id], officer, note, wall_ts=wall_ts, source=source))


def write_acks(client: redis.Redis, keys: Keys, alert_ids: list[str], officer: str, note: str,
               incident: str = "", wall_ts: float | None = None, *, source: str = "") -> list[str]:
    """Acknowledge each of ``alert_ids`` not yet acknowledged, in one transaction: one
    ``cc:alert_acks`` entry and one ``cc:audit`` entry per alert (``detail`` holds the note and,
    for an incident, its id; ``source`` says from where). Returns the ids written (those already
    acknowledged are skipped)."""
    ts = round(time.time() if wall_ts is None else wall_ts, 3)
    ids = list(dict.fromkeys(alert_ids))
    ack = orjson.dumps({"by": officer, "note": note, "ts": ts} | ({"incident": incident} if incident else {}))
    detail = {"note": note} | ({"incident": incident} if incident else {})
    if is_cluster(client):  # acks and audit lie in two slots: HSETNX makes each ack once
        with client.pipeline(transaction=False) as pipe:
            for aid in ids:
                pipe.hsetnx(keys.alert_acks, aid, ack)
            todo = [aid for aid, fresh in zip(ids, pipe.execute(), strict=True) if fresh]
            for aid in todo:
                append_audit(pipe, keys, officer, ACK_ACTION, aid, detail, ts, source=source)
            pipe.execute()
        return todo
    with client.pipeline(transaction=True) as pipe:
        while True:
            try:
                pipe.watch(keys.alert_acks)
                have = pipe.hmget(keys.alert_acks, ids) if ids else []
                todo = [aid for aid, got in zip(ids, have, strict=True) if got is None]
                if not todo:
                    pipe.unwatch()
                    return []
                pipe.multi()
                for aid in todo:
                    pipe.hset(keys.alert_acks, aid, ack)
                    append_audit(pipe, keys, officer, ACK_ACTION, aid, detail, ts, source=source)
                pipe.execute()
                return todo
            except redis.WatchError:
                continue


def last_fixes(client: redis.Redis, keys: Keys) -> list[dict[str, Any]]:
    """Every subject's latest fix (``cc:last``) as the worker wrote it; unreadable ones left out."""
    return [fix for raw in client.hvals(keys.last) if isinstance(fix := _json(raw), dict)]


def last_rows(client: redis.Redis, keys: Keys) -> list[Row]:
    """Every subject's latest fix (``cc:last``) as compact rows."""
    return [row for fix in last_fixes(client, keys) if (row := fix_row(fix)) is not None]


def last_fix(client: redis.Redis, keys: Keys, subject: str) -> dict[str, Any] | None:
    """One subject's latest fix as the worker wrote it, or ``None``."""
    fix = _json(client.hget(keys.last, subject))
    return fix if isinstance(fix, dict) else None


TRACK_WINDOW_S = 3_600.0  # how far before its last fix a subject's track is read from the track store


def _stored_tracks(client: redis.Redis, keys: Keys, subjects: list[str],
                   since: float | None) -> dict[str, list[tuple[float, float, float, float]]]:
    """``(ts, lat, lon, speed)`` of each subject's fixes in the track store (core/tracks.py), oldest
    first: those of the ``TRACK_WINDOW_S`` before its last fix (``cc:last``), at or after ``since``."""
    windows: dict[str, tuple[float, float]] = {}
    for s, raw in zip(subjects, client.hmget(keys.last, subjects) if subjects else [], strict=True):
        last = fix_row(f) if isinstance(f := _json(raw), dict) else None
        if last is not None:
            windows[s] = (max(last[5] - TRACK_WINDOW_S, since if since is not None else -inf), last[5])
    found = core_tracks.read_windows(core_tracks.raw_client(client), keys, windows)
    return {s: list(zip(t.ts.tolist(), np.round(t.lat, 6).tolist(), np.round(t.lon, 6).tolist(),
                        np.round(t.speed, 1).tolist(), strict=True)) for s, t in found.items()}


def _listed_tracks(client: redis.Redis, keys: Keys, subjects: list[str], count: int) -> dict[str, list[dict[str, Any]]]:
    """Each subject's track list (JSON fixes, newest first): where fixes live with the track store off."""
    with client.pipeline(transaction=False) as pipe:
        for s in subjects:
            pipe.lrange(keys.track(s), 0, count - 1)
        replies = pipe.execute() if subjects else []
    return {s: [f for raw in raws if isinstance(f := _json(raw), dict)] for s, raws in zip(subjects, replies, strict=True)}


def track(client: redis.Redis, keys: Keys, subject: str, count: int = 240) -> list[dict[str, Any]]:
    """A subject's recent fixes (at most ``count``), newest first: ``ts``, ``lat``, ``lon`` and
    ``speed`` from the track store, else its track list's fixes as the worker wrote them."""
    stored = _stored_tracks(client, keys, [subject], None).get(subject)
    if stored:
        return [{"ts": ts, "lat": lat, "lon": lon, "speed": speed} for ts, lat, lon, speed in reversed(stored[-count:])]
    return _listed_tracks(client, keys, [subject], count)[subject]


def tracks(client: redis.Redis, keys: Keys, subjects: Iterable[str], since: float | None,
           count: int = 240) -> dict[str, list[list[float]]]:
    """``{subject: [[lat, lon, ts], ...]}`` oldest first, at most ``count``, fixes at or after
    ``since`` only: from the track store, else from the track lists."""
    subjects = list(subjects)
    out = {s: [[lat, lon, ts] for ts, lat, lon, _ in fixes[-count:]]
           for s, fixes in _stored_tracks(client, keys, subjects, since).items()}
    rest = [s for s in subjects if s not in out]
    for s, fixes in _listed_tracks(client, keys, rest, count).items():
        rows = [row for f in reversed(fixes) if (row := fix_row(f)) is not None]
        pts = [[row[3], row[4], row[5]] for row in rows if since is None or row[5] >= since]
        if pts:
            out[s] = pts
    return out


def checkpoint_reads(client: redis.Redis, keys: Keys, checkpoint: str | None = None) -> Any:
    """One checkpoint's latest reads (list), or ``{checkpoint: reads}`` for all."""
    if checkpoint is not None:
        reads = _json(client.hget(keys.reads, checkpoint))
        return reads if isinstance(reads, list) else []
    return {text(k): v for k, raw in client.hgetall(keys.reads).items() if isinstance(v := _json(raw), list)}


def workers(client: redis.Redis, keys: Keys) -> list[dict[str, Any]]:
    """The live workers' health records (``cc:health:*``)."""
    return live_workers(client, keys)


def busy_units(client: redis.Redis, keys: Keys, unit_ids: Iterable[str]) -> set[str]:
    """The units with at least one open dispatch order."""
    ids = list(unit_ids)
    with client.pipeline(transaction=False) as pipe:
        for uid in ids:
            pipe.scard(keys.open_orders(uid))
        counts = pipe.execute()
    return {uid for uid, n in zip(ids, counts, strict=True) if n}


def orders(client: redis.Redis, keys: Keys, since: float) -> list[dict[str, Any]]:
    """The dispatch orders issued at or after event time ``since`` (``cc:orders:ts``), as stored:
    ``cc:orders`` keeps every order, so the screens never read it whole."""
    with client.pipeline(transaction=False) as pipe:
        pipe.hlen(keys.orders)
        pipe.zcard(keys.orders_by_time)
        stored, indexed = pipe.execute()
    if int(stored) > int(indexed):  # orders written before the index (or by an older API process)
        index_orders(client, keys)
    ids = client.zrangebyscore(keys.orders_by_time, since, "+inf")
    raws = client.hmget(keys.orders, ids) if ids else []
    return [o for raw in raws if isinstance(o := _json(raw), dict)]


def index_orders(client: redis.Redis, keys: Keys) -> int:
    """Put every order of ``cc:orders`` into ``cc:orders:ts`` by its ``ts`` (0 when it has none),
    without touching those already there; how many were added."""
    added, scan = 0, client.hscan_iter(keys.orders)
    while batch := list(islice(scan, 1000)):
        times = {text(oid): (as_float(o.get("ts")) if isinstance(o := _json(raw), dict) else None) or 0.0
                 for oid, raw in batch}
        added += int(client.zadd(keys.orders_by_time, times, nx=True))
    return added


def alerts_about(client: redis.Redis, keys: Keys, field: str, value: str, scan: int = 5000,
                 limit: int = 8) -> list[dict[str, Any]]:
    """The newest ``limit`` alerts whose ``field`` is ``value`` among the last ``scan`` alerts."""
    out = []
    want = value.encode() if isinstance(value, str) else value
    for eid, fields in client.xrevrange(keys.alerts, count=scan):
        got = fields.get(field.encode(), fields.get(field))
        if got in (want, value):
            out.append(alert_row(eid, fields))
            if len(out) >= limit:
                break
    return out


def audit_entries(client: redis.Redis, keys: Keys, count: int = AUDIT_READ_MAX) -> list[tuple[Any, Any]]:
    """The newest ``count`` entries of ``cc:audit`` as ``(entry id, fields)``, newest first."""
    return list(client.xrevrange(keys.audit, count=count))


def write_audit_export(client: redis.Redis, keys: Keys, actor: str, rows: int, filters: dict[str, Any],
                       source: str) -> None:
    """Record that ``actor`` exported ``rows`` audit entries chosen by ``filters``."""
    append_audit(client, keys, actor, AUDIT_EXPORT, "", {"rows": rows, "filters": filters}, source=source)
