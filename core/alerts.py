"""Read alerts from ``cc:alerts`` (contract section 4) for the API.

The stream is in commit order, which is event-time order within a partition and close to it
across partitions. Listing reads newest entries first in pages and stops once it has ``limit``
alerts at or after ``since`` or after ``STALE_RUN`` consecutive entries older than ``since`` (a
worker far behind the others could still commit older alerts later; the run length bounds the
scan of a 500k-entry stream without missing anything a live system produces). Results are sorted
by event time, newest first.
"""

from __future__ import annotations

from typing import Any

import redis

from core.keys import Keys
from core.values import as_number, text

__all__ = ["ALERT_FIELDS", "PAGE", "STALE_RUN", "SCAN_MAX", "alert_json", "list_alerts",
           "find_alert"]

ALERT_FIELDS = ("alert_id", "type", "severity", "subject", "lat", "lon", "ts", "zone", "checkpoint", "text")
PAGE = 1000
STALE_RUN = 10_000
SCAN_MAX = 500_000
_NUMERIC = frozenset({"lat", "lon", "ts"})
_found: dict[str, str] = {}  # "{stream}|{alert_id}" -> entry id: repeated look-ups of one alert are O(1)
_FOUND_MAX = 10_000


def alert_json(fields: dict[Any, Any]) -> dict[str, Any]:
    """An alert entry's fields for JSON: the contract fields (missing ones ``""``), lat/lon/ts numbers.

    >>> alert_json({b"alert_id": b"a-1", b"lat": b"22.5", b"ts": b"1700000000"})["ts"]
    1700000000
    """
    raw = {text(k): text(v) for k, v in fields.items()}
    out: dict[str, Any] = {}
    for name in ALERT_FIELDS:
        value = raw.get(name, "")
        out[name] = as_number(value) if name in _NUMERIC and value != "" else value
    return out


def _pages(client: redis.Redis, stream: str, start: str = "+") -> Any:
    """Entries newest first, ``PAGE`` at a time, up to ``SCAN_MAX``."""
    seen = 0
    while seen < SCAN_MAX:
        page = client.xrevrange(stream, max=start, min="-", count=PAGE)
        if not page:
            return
        for entry_id, fields in page:
            yield text(entry_id), fields
        seen += len(page)
        if len(page) < PAGE:
            return
        start = "(" + text(page[-1][0])


def list_alerts(client: redis.Redis, keys: Keys, since: float | None, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` alerts with ``ts >= since`` (all when ``since`` is None), newest first."""
    out: list[dict[str, Any]] = []
    stale = 0
    for _, fields in _pages(client, keys.alerts):
        alert = alert_json(fields)
        ts = alert["ts"] if isinstance(alert["ts"], (int, float)) else 0.0
        if since is not None and ts < since:
            stale += 1
            if stale >= STALE_RUN:
                break
            continue
        stale = 0
        out.append(alert)
        if len(out) >= limit:
            break
    out.sort(key=lambda a: a["ts"] if isinstance(a["ts"], (int, float)) else 0.0, reverse=True)
    return out


def find_alert(client: redis.Redis, keys: Keys, alert_id: str) -> dict[str, Any] | None:
    """The alert with ``alert_id`` (newest entry first), or ``None``."""
    cache_key = f"{keys.alerts}|{alert_id}"
    cached = _found.get(cache_key)
    if cached is not None:
        hit = client.xrange(keys.alerts, min=cached, max=cached)
        if hit and alert_json(hit[0][1])["alert_id"] == alert_id:  # the stream may have been trimmed or reset
            return alert_json(hit[0][1])
        _found.pop(cache_key, None)
    for entry_id, fields in _pages(client, keys.alerts):
        raw_id = fields.get("alert_id", fields.get(b"alert_id", b""))
        if text(raw_id) == alert_id:
            if len(_found) >= _FOUND_MAX:
                _found.clear()
            _found[cache_key] = entry_id
            return alert_json(fields)
    return None
