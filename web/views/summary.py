"""The situation in numbers: open incidents by color, zone status, unit status, worker health, KPIs.

Every screen's header and the wall's tiles show this; the socket bridge computes it once a
second for all clients. Everything runs on event time (the newest time the workers have seen).

An alert is *open* until someone acknowledges it, however old (``web.views.escalation``); the
screens count open *incidents* (``web.views.incidents``), not raw alerts. A patrol zone's status
is the worst color among the open incidents last seen inside it; a zone with none whose assigned
units are all busy or offline is ``blue`` (not covered); otherwise it is neutral ``""``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "SEVERITIES",
    "UNIT_STATUSES",
    "open_counts",
    "worst",
    "zone_status",
    "unit_statuses",
    "status_counts",
    "worker_health",
    "intercepts_today",
    "clock_text",
]

SEVERITIES = ("red", "orange", "yellow", "blue")
UNIT_STATUSES = ("available", "busy", "offline")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def _num(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def open_counts(severities: Iterable[str]) -> dict[str, int]:
    """Counts per color (all four colors present, unknown colors ignored).

    >>> open_counts(["red", "red", "blue", "pink"])
    {'red': 2, 'orange': 0, 'yellow': 0, 'blue': 1}
    """
    counts = dict.fromkeys(SEVERITIES, 0)
    for sev in severities:
        if sev in counts:
            counts[sev] += 1
    return counts


def worst(severities: Iterable[str]) -> str:
    """The most urgent color among ``severities``, ``""`` when there is none.

    >>> worst(["blue", "orange", "yellow"]), worst([])
    ('orange', '')
    """
    known = [s for s in severities if s in _RANK]
    return min(known, key=_RANK.__getitem__) if known else ""


def zone_status(
    open_by_zone: Iterable[tuple[str, str]], patrol_zones: Iterable[str], covered: set[str]
) -> dict[str, str]:
    """Each patrol zone's color: worst open incident in it, else ``blue`` when not covered, else ``""``.

    ``open_by_zone`` holds ``(zone id, severity)`` of the open incidents; ``covered`` the zones with
    at least one available unit assigned.

    >>> zone_status([("A", "yellow"), ("A", "red"), ("X", "red")], ["A", "B", "C"], {"A", "B"})
    {'A': 'red', 'B': '', 'C': 'blue'}
    """
    found: dict[str, list[str]] = {}
    for zone, sev in open_by_zone:
        found.setdefault(zone, []).append(sev)
    out = {}
    for zid in patrol_zones:
        color = worst(found.get(zid, ()))
        out[zid] = color or ("" if zid in covered else "blue")
    return out


def unit_statuses(
    last_ts: Mapping[str, float | None], busy: set[str], clock: float | None, offline_after_s: float
) -> dict[str, str]:
    """``offline`` (no fix, or none for ``offline_after_s`` of event time), ``busy`` (an open order)
    or ``available``, per unit id of ``last_ts``.

    >>> unit_statuses({"P1": 100.0, "P2": 100.0, "P3": None, "P4": 0.0}, {"P2"}, 219.0, 120)
    {'P1': 'available', 'P2': 'busy', 'P3': 'offline', 'P4': 'offline'}
    """
    out = {}
    for uid, ts in last_ts.items():
        if ts is None or (clock is not None and clock - ts >= offline_after_s):
            out[uid] = "offline"
        else:
            out[uid] = "busy" if uid in busy else "available"
    return out


def status_counts(statuses: Mapping[str, str]) -> dict[str, int]:
    """Units per status.

    >>> status_counts({"P1": "busy", "P2": "busy", "P3": "offline"})
    {'available': 0, 'busy': 2, 'offline': 1}
    """
    counts = dict.fromkeys(UNIT_STATUSES, 0)
    for status in statuses.values():
        if status in counts:
            counts[status] += 1
    return counts


def worker_health(workers: Iterable[Mapping[str, Any]], partitions: int) -> dict[str, Any]:
    """Live workers (their ``cc:health:*`` keys) and how many of the partitions they cover.

    ``state`` is ``ok`` when every partition has a worker, ``partial`` when some do, else ``down``.

    >>> worker_health([{"worker": "w1", "partitions": [0, 1]}, {"worker": "w2", "partitions": [1]}], 4)
    {'workers': 2, 'covered': 2, 'partitions': 4, 'state': 'partial'}
    >>> worker_health([], 4)["state"]
    'down'
    """
    covered: set[int] = set()
    n = 0
    for w in workers:
        n += 1
        parts = w.get("partitions") or []
        covered.update(int(p) for p in parts if isinstance(p, (int, str)) and str(p).isdigit())
    inside = len({p for p in covered if 0 <= p < partitions})
    state = "ok" if inside >= partitions else "partial" if inside else "down"
    return {"workers": n, "covered": inside, "partitions": partitions, "state": state}


def intercepts_today(orders: Iterable[Mapping[str, Any]], clock: float | None, tz: ZoneInfo) -> int:
    """Dispatch orders sent to an intercept point (``checkpoint`` set) on the event clock's local day.

    >>> tz = ZoneInfo("Asia/Shanghai")
    >>> day = 1700000000.0  # 2023-11-15 06:13 in Shanghai
    >>> intercepts_today([{"checkpoint": "B", "ts": "1699990000"}, {"checkpoint": "B", "ts": day - 30000},
    ...                   {"checkpoint": "", "ts": day}], day, tz)
    1
    """
    if clock is None:
        return 0
    today = datetime.fromtimestamp(clock, tz).date()
    n = 0
    for order in orders:
        ts = _num(order.get("ts"))
        if order.get("checkpoint") and ts is not None and datetime.fromtimestamp(ts, tz).date() == today:
            n += 1
    return n


def clock_text(clock: float | None, tz: ZoneInfo) -> str:
    """The event clock as local ``YYYY-MM-DD HH:MM:SS``; ``--`` before any data.

    >>> clock_text(1700000000, ZoneInfo("Asia/Shanghai")), clock_text(None, ZoneInfo("UTC"))
    ('2023-11-15 06:13:20', '--')
    """
    if clock is None:
        return "--"
    return datetime.fromtimestamp(clock, tz).strftime("%Y-%m-%d %H:%M:%S")
