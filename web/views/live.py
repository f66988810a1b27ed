"""Wire shapes pushed to browsers: compact fixes, alerts, and the per-subject coalescer.

A fix travels as a list ``[subject, kind, category, lat, lon, ts, speed, heading, zone]`` (numbers
as numbers, ``heading`` ``None`` when the device sent none): about half the bytes of the worker's
JSON objects, which matters at 5,000 moving vehicles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from core.alerts import alert_json
from core.values import as_float, text

__all__ = ["FIX_COLS", "Row", "fix_row", "parse_fixes", "Coalescer", "alert_row", "stream_id_key"]

FIX_COLS = ("subject", "kind", "category", "lat", "lon", "ts", "speed", "heading", "zone")
Row = list[Any]


def fix_row(fix: Mapping[str, Any]) -> Row | None:
    """A worker fix (``cc:positions`` / ``cc:last`` JSON, string values) as a compact row.

    ``None`` when the subject, position or time is missing or not a number.

    >>> fix_row({"subject": "P01", "kind": "unit", "category": "", "lat": "22.5", "lon": "114.0",
    ...          "ts": "1700000000", "speed": "12.5", "heading": "", "zone": "W"})
    ['P01', 'unit', '', 22.5, 114.0, 1700000000.0, 12.5, None, 'W']
    >>> fix_row({"subject": "P01", "lat": "x", "lon": "114", "ts": "1"}) is None
    True
    """
    subject = str(fix.get("subject") or "")
    lat, lon, ts = as_float(fix.get("lat")), as_float(fix.get("lon")), as_float(fix.get("ts"))
    if not subject or lat is None or lon is None or ts is None:
        return None
    return [subject, str(fix.get("kind") or "other"), str(fix.get("category") or ""), lat, lon, ts,
            as_float(fix.get("speed")) or 0.0, as_float(fix.get("heading")), str(fix.get("zone") or "")]


def parse_fixes(blob: bytes | str | None) -> list[Row]:
    """The rows of one ``cc:positions`` entry's ``fixes`` field (bad fixes skipped)."""
    if not blob:
        return []
    try:
        fixes = orjson.loads(blob)
    except orjson.JSONDecodeError:
        return []
    if not isinstance(fixes, list):
        return []
    return [row for fix in fixes if isinstance(fix, dict) and (row := fix_row(fix)) is not None]


class Coalescer:
    """Latest row per subject since the last ``drain()``: many fixes, one push per subject.

    Bounded: at most ``max_subjects`` subjects are held between drains (extra subjects are
    dropped until the next drain; their next fix brings them back).

    >>> c = Coalescer()
    >>> c.add([["A", "unit", "", 1.0, 2.0, 10.0, 0, None, ""], ["A", "unit", "", 1.5, 2.0, 9.0, 0, None, ""]])
    >>> c.drain()
    [['A', 'unit', '', 1.0, 2.0, 10.0, 0, None, '']]
    >>> c.drain()
    []
    """

    def __init__(self, max_subjects: int = 100_000) -> None:
        self.max_subjects = max_subjects
        self._rows: dict[str, Row] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, rows: Iterable[Row]) -> None:
        held = self._rows
        for row in rows:
            old = held.get(row[0])
            if old is None:
                if len(held) >= self.max_subjects:
                    continue
                held[row[0]] = row
            elif row[5] >= old[5]:  # an older fix never replaces a newer one
                held[row[0]] = row

    def drain(self) -> list[Row]:
        rows = list(self._rows.values())
        self._rows = {}
        return rows


def alert_row(entry_id: Any, fields: Mapping[Any, Any], acked: bool = False) -> dict[str, Any]:
    """An ``cc:alerts`` entry for the browser: contract fields, stream ``id`` and ``acked``.

    >>> alert_row(b"1-0", {b"alert_id": b"a", b"severity": b"red", b"lat": b"22.5", b"ts": b"10"})["id"]
    '1-0'
    """
    out = alert_json(dict(fields))
    out["id"] = text(entry_id)
    out["acked"] = bool(acked)
    return out


def stream_id_key(entry_id: str) -> tuple[int, int]:
    """A stream id as a sortable pair; ``(0, 0)`` for anything that is not ``ms-seq``.

    >>> stream_id_key("1700000000000-3") > stream_id_key("1700000000000-2")
    True
    >>> stream_id_key("")
    (0, 0)
    """
    ms, _, seq = str(entry_id).partition("-")
    try:
        return int(ms), int(seq or 0)
    except ValueError:
        return 0, 0
