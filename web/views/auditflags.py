"""Suspicious patterns in the audit trail, flagged for supervisors (pure: entries in, flags out).

- ``ack_without_dispatch``: an alert acknowledged (``alert_ack``) whose alert never had a
  ``dispatch`` or ``auto_dispatch`` order (those name the order in ``target`` and the alert in
  ``detail.alert_id``). An incident acknowledged as a whole is one flag, and is fine when any of its
  alerts got an order. An acknowledgement younger than ``DISPATCH_GRACE_S`` is not flagged yet: the
  order may follow it.
- ``repeated_declines``: ``DECLINES_MIN`` or more ``ack:declined`` by one unit within
  ``DECLINES_WINDOW_S``; one flag per run of such declines.
- ``cleared_too_fast``: an order answered ``on_scene`` (or ``cleared`` without ``on_scene``) sooner
  after its dispatch than the unit's road distance at dispatch time (``detail.distance_m`` of the
  ``dispatch`` entry) could be driven at ``FASTEST_KMH``; orders without a known distance are not judged.
- ``odd_hour_sign_in``: a ``sign_in`` or ``sign_in_failed`` inside the odd hours (``CC_ODD_HOURS``,
  the city's local time; the window may wrap midnight).

Times are the entries' ``ts``: the wall-clock moments people acted (``core.audit``), which is what
these patterns are about; ``now`` is a parameter, never read here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from core.timeutil import in_window, local_minute
from web.i18n import t
from web.views.audit import Entry, local_time

__all__ = ["Flag", "KINDS", "ACK_WITHOUT_DISPATCH", "REPEATED_DECLINES", "CLEARED_TOO_FAST", "ODD_HOUR_SIGN_IN",
           "DISPATCH_GRACE_S", "DECLINES_MIN", "DECLINES_WINDOW_S", "FASTEST_KMH", "compute_flags", "by_entry",
           "counts", "flag_text", "ack_without_dispatch", "repeated_declines", "cleared_too_fast", "odd_hour_sign_ins"]

ACK_WITHOUT_DISPATCH = "ack_without_dispatch"
REPEATED_DECLINES = "repeated_declines"
CLEARED_TOO_FAST = "cleared_too_fast"
ODD_HOUR_SIGN_IN = "odd_hour_sign_in"
KINDS = (ACK_WITHOUT_DISPATCH, REPEATED_DECLINES, CLEARED_TOO_FAST, ODD_HOUR_SIGN_IN)

DISPATCH_GRACE_S = 600.0
"""An acknowledgement this young may still get its order: not flagged yet."""
DECLINES_MIN = 3
DECLINES_WINDOW_S = 3600.0
FASTEST_KMH = 120.0
"""No patrol car covers the road distance faster than this on average."""

_ALERT_ACK = "alert_ack"  # web.store.ACK_ACTION (not imported: views stay free of Redis modules)
_DISPATCHES = frozenset({"dispatch", "auto_dispatch"})
_DECLINED = "ack:declined"
_ARRIVALS = ("ack:on_scene", "ack:cleared")
_SIGN_INS = frozenset({"sign_in", "sign_in_failed"})


@dataclass(frozen=True)
class Flag:
    """One suspicious pattern: its ``kind``, the ids of the entries it is about, what it concerns
    (an alert, unit, order or person) and the facts its one-line reason needs."""

    kind: str
    entries: tuple[str, ...]
    about: str
    facts: dict[str, Any] = field(default_factory=dict)


def ack_without_dispatch(entries: Sequence[Entry], now: float) -> list[Flag]:
    dispatched = {str(e.detail.get("alert_id", "")) for e in entries if e.action in _DISPATCHES}
    groups: dict[tuple[str, str, float], list[Entry]] = defaultdict(list)
    for e in entries:
        if e.action == _ALERT_ACK:
            groups[(e.actor, str(e.detail.get("incident") or e.target), e.ts)].append(e)
    flags = []
    for (actor, about, ts), acks in groups.items():
        alerts = {about} | {a.target for a in acks}
        if now - ts < DISPATCH_GRACE_S or alerts & dispatched:
            continue
        flags.append(Flag(ACK_WITHOUT_DISPATCH, tuple(a.id for a in acks), about,
                          {"actor": actor, "alerts": len(acks), "ts": ts}))
    return flags


def repeated_declines(entries: Sequence[Entry]) -> list[Flag]:
    by_unit: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        if e.action == _DECLINED:
            by_unit[str(e.detail.get("unit") or e.actor)].append(e)
    flags = []
    for unit, declines in sorted(by_unit.items()):
        declines.sort(key=lambda e: (e.ts, e.id))
        runs: list[list[int]] = []  # [first, last] index; windows that share a decline are one run
        for j in range(len(declines) - DECLINES_MIN + 1):
            last = j + DECLINES_MIN - 1
            if declines[last].ts - declines[j].ts > DECLINES_WINDOW_S:
                continue
            if runs and j <= runs[-1][1]:
                runs[-1][1] = last
            else:
                runs.append([j, last])
        flags += [_declines_flag(unit, declines[a:b + 1]) for a, b in runs]
    return flags


def _declines_flag(unit: str, run: list[Entry]) -> Flag:
    return Flag(REPEATED_DECLINES, tuple(e.id for e in run), unit,
                {"n": len(run), "minutes": round((run[-1].ts - run[0].ts) / 60)})


def cleared_too_fast(entries: Sequence[Entry]) -> list[Flag]:
    dispatches = {e.target: e for e in entries if e.action in _DISPATCHES}
    arrived: dict[str, Entry] = {}
    for e in entries:  # oldest first: the first arrival answer of each order
        if e.action in _ARRIVALS and e.target not in arrived:
            arrived[e.target] = e
    flags = []
    for order, answer in arrived.items():
        sent = dispatches.get(order)
        distance = sent.detail.get("distance_m") if sent is not None else None
        if sent is None or not isinstance(distance, (int, float)) or isinstance(distance, bool):
            continue
        took, fastest = answer.ts - sent.ts, float(distance) / (FASTEST_KMH / 3.6)
        if took < fastest:
            flags.append(Flag(CLEARED_TOO_FAST, (sent.id, answer.id), order,
                              {"unit": str(sent.detail.get("unit", "")), "status": answer.action.split(":", 1)[1],
                               "took": round(took), "fastest": round(fastest), "distance": round(float(distance))}))
    return flags


def odd_hour_sign_ins(entries: Sequence[Entry], tz: ZoneInfo, hours: tuple[int, int]) -> list[Flag]:
    return [Flag(ODD_HOUR_SIGN_IN, (e.id,), e.actor, {"action": e.action, "ts": e.ts})
            for e in entries if e.action in _SIGN_INS and in_window(local_minute(e.ts, tz), *hours)]


def compute_flags(entries: Sequence[Entry], now: float, tz: ZoneInfo, odd_hours: tuple[int, int]) -> list[Flag]:
    """Every flag over ``entries`` (oldest first), in the order of ``KINDS``; ``odd_hours`` as
    ``core.timeutil.parse_hours`` gives it."""
    return [*ack_without_dispatch(entries, now), *repeated_declines(entries), *cleared_too_fast(entries),
            *odd_hour_sign_ins(entries, tz, odd_hours)]


def by_entry(flags: Iterable[Flag]) -> dict[str, set[str]]:
    """Entry id -> the kinds of the flags that name it."""
    out: dict[str, set[str]] = defaultdict(set)
    for f in flags:
        for eid in f.entries:
            out[eid].add(f.kind)
    return dict(out)


def counts(flags: Iterable[Flag]) -> dict[str, int]:
    """Flags per kind, every kind present (zero when none)."""
    out = dict.fromkeys(KINDS, 0)
    for f in flags:
        out[f.kind] = out.get(f.kind, 0) + 1
    return out


def flag_text(flag: Flag, lang: str, tz: ZoneInfo, odd_hours: str = "") -> str:
    """Why ``flag`` was raised, in one line of ``lang``."""
    facts = dict(flag.facts)
    if "ts" in facts:
        facts["time"] = local_time(float(facts["ts"]), tz)
    if flag.kind == ODD_HOUR_SIGN_IN:
        facts["what"] = t(f"aud.action.{facts.get('action', 'sign_in')}", lang)
    return t(f"aud.why.{flag.kind}", lang).format(about=flag.about, hours=odd_hours, fastest_kmh=round(FASTEST_KMH),
                                                  **facts)
