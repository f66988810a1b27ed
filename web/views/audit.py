"""The Audit tab's view model: audit entries parsed, filtered, as table rows and as CSV.

Pure: plain data in, plain data out; no Redis, no clock (``now`` and the city's timezone are
parameters). The flags (suspicious patterns) are in ``web.views.auditflags``; this module only
takes, per entry id, the kinds of flags that name it.

An entry's ``ts`` is the wall-clock moment the person acted (``core.audit``): the audit records
people, not events, so its time ranges and flags run on that time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from core.values import text
from web.i18n import t

__all__ = ["Entry", "AuditFilter", "WINDOWS", "COLUMNS", "parse_entry", "parse_entries", "filter_entries",
           "action_words", "detail_text", "local_time", "table_rows", "csv_text", "actor_options", "action_options"]

WINDOWS: dict[str, float | None] = {"1h": 3600.0, "24h": 86_400.0, "7d": 7 * 86_400.0, "30d": 30 * 86_400.0,
                                    "all": None}
"""The time ranges the tab offers (seconds back from ``now``; ``None``: everything read)."""
COLUMNS = ("time", "actor", "action", "target", "detail", "source", "flags")
ACK_PREFIX = "ack:"


@dataclass(frozen=True)
class Entry:
    """One ``cc:audit`` entry; ``id`` is its stream entry id."""

    id: str
    ts: float
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    source: str = ""


def parse_entry(entry_id: Any, fields: Mapping[Any, Any]) -> Entry:
    """One stream entry (bytes or text fields) as an ``Entry``; an unreadable ``detail`` is kept
    as ``{"raw": ...}`` and a missing ``source`` (entries older than the field) as ``""``.

    >>> e = parse_entry(b"1-0", {b"actor": b"user:li", b"action": b"sign_in", b"target": b"",
    ...                          b"detail": b"not json", b"ts": b"1700000000.5"})
    >>> (e.id, e.actor, e.ts, e.detail, e.source)
    ('1-0', 'user:li', 1700000000.5, {'raw': 'not json'}, '')
    """
    got = {text(k): text(v) for k, v in fields.items()}
    try:
        detail = orjson.loads(got.get("detail") or "{}")
    except orjson.JSONDecodeError:
        detail = {"raw": got.get("detail", "")}
    try:
        ts = float(got.get("ts") or 0.0)
    except ValueError:
        ts = 0.0
    return Entry(text(entry_id), ts, got.get("actor", ""), got.get("action", ""), got.get("target", ""),
                 detail if isinstance(detail, dict) else {"value": detail}, got.get("source", ""))


def parse_entries(raw: Iterable[tuple[Any, Mapping[Any, Any]]]) -> list[Entry]:
    """Stream entries (in any order) as ``Entry``s, oldest first."""
    return sorted((parse_entry(eid, fields) for eid, fields in raw), key=lambda e: (e.ts, e.id))


@dataclass(frozen=True)
class AuditFilter:
    """What the supervisor asked to see: a time range back from now, actors, actions, free text,
    and flag kinds (only entries that a flag of one of these kinds names)."""

    window: str = "24h"
    actors: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    text: str = ""
    flags: tuple[str, ...] = ()

    @classmethod
    def from_inputs(cls, window: Any, actors: Any, actions: Any, search: Any, flags: Any) -> AuditFilter:
        """From the tab's inputs, whatever the browser sent.

        >>> AuditFilter.from_inputs("1h", ["user:li"], None, "  P01 ", "x")
        AuditFilter(window='1h', actors=('user:li',), actions=(), text='P01', flags=())
        >>> AuditFilter.from_inputs("forever", [], [], None, ["odd_hour_sign_in"]).window
        '24h'
        """
        def many(value: Any) -> tuple[str, ...]:
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        return cls(window if window in WINDOWS else "24h", many(actors), many(actions),
                   search.strip()[:200] if isinstance(search, str) else "", many(flags))


def filter_entries(entries: Iterable[Entry], f: AuditFilter, now: float,
                   flagged: Mapping[str, Iterable[str]]) -> list[Entry]:
    """The entries ``f`` lets through, newest first; ``flagged``: entry id -> kinds of its flags."""
    span = WINDOWS.get(f.window)
    since = None if span is None else now - span
    needle = f.text.casefold()
    out = []
    for e in entries:
        if since is not None and e.ts < since:
            continue
        if (f.actors and e.actor not in f.actors) or (f.actions and e.action not in f.actions):
            continue
        if f.flags and not set(flagged.get(e.id, ())) & set(f.flags):
            continue
        if needle and needle not in " ".join((e.actor, e.action, e.target, e.source,
                                              orjson.dumps(e.detail).decode())).casefold():
            continue
        out.append(e)
    out.sort(key=lambda e: (e.ts, e.id), reverse=True)
    return out


def action_words(action: str, lang: str) -> str:
    """An action as a person says it; an action this screen does not know stays as it is.

    >>> action_words("dispatch", "en"), action_words("ack:declined", "en"), action_words("ack:later", "en")
    ('Dispatched', 'Answered: Declined', 'Answered: later')
    >>> action_words("something_new", "zh")
    'something_new'
    """
    if action.startswith(ACK_PREFIX):
        status = action[len(ACK_PREFIX):]
        word = t(f"aud.status.{status}", lang)
        return t("aud.action.ack", lang).format(status=status if word == f"aud.status.{status}" else word)
    word = t(f"aud.action.{action}", lang)
    return action if word == f"aud.action.{action}" else word


def detail_text(detail: Mapping[str, Any]) -> str:
    """``detail`` on one line, ``key=value`` pairs in the order written; empty values left out.

    >>> detail_text({"alert_id": "a-1", "unit": "P01", "note": "", "distance_m": 850.0})
    'alert_id=a-1; unit=P01; distance_m=850.0'
    """
    return "; ".join(f"{k}={v if isinstance(v, str) else orjson.dumps(v).decode()}"
                     for k, v in detail.items() if v not in ("", None, [], {}))


def local_time(ts: float, tz: ZoneInfo) -> str:
    """``ts`` as the city's local ``YYYY-MM-DD HH:MM:SS``.

    >>> local_time(1_700_000_000, ZoneInfo("Asia/Shanghai"))
    '2023-11-15 06:13:20'
    """
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M:%S")


def table_rows(entries: Iterable[Entry], flagged: Mapping[str, Iterable[str]], tz: ZoneInfo,
               lang: str) -> list[dict[str, Any]]:
    """The table's rows (and the CSV's): one per entry, readable words, the flags' short names."""
    return [{"id": e.id, "ts": e.ts, "time": local_time(e.ts, tz), "actor": e.actor, "action_code": e.action,
             "action": action_words(e.action, lang), "target": e.target, "detail": detail_text(e.detail),
             "source": e.source,
             "flags": " · ".join(t(f"aud.flag.{k}", lang) for k in sorted(set(flagged.get(e.id, ()))))}
            for e in entries]


def csv_text(rows: Iterable[Mapping[str, Any]], lang: str) -> str:
    """The rows as CSV, one line per entry (UTF-8 with a BOM so spreadsheet programs read Chinese).

    >>> csv_text([{"id": "1-0", "ts": 1.5, "actor": "user:li", "action_code": "sign_in"}], "en").splitlines()[1]
    '1-0,1.5,,user:li,sign_in,,,,,'
    """
    cols = ["id", "ts", "time", "actor", "action_code", "action", "target", "detail", "source", "flags"]
    head = {"id": "entry_id", "ts": "ts", "action_code": "action_code"}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([head.get(c) or t(f"aud.col.{c}", lang) for c in cols])
    for row in rows:
        w.writerow(["" if row.get(c) is None else row.get(c) for c in cols])
    return "\ufeff" + out.getvalue()


def actor_options(entries: Iterable[Entry]) -> list[dict[str, str]]:
    """Every actor seen, sorted, as dropdown options."""
    return [{"label": a, "value": a} for a in sorted({e.actor for e in entries if e.actor})]


def action_options(entries: Iterable[Entry], lang: str) -> list[dict[str, str]]:
    """Every action seen, sorted, as dropdown options in words."""
    return [{"label": action_words(a, lang), "value": a} for a in sorted({e.action for e in entries if e.action})]
