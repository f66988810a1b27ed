"""Everything the Audit tab shows, from the raw ``cc:audit`` entries read (pure: no Redis, no clock).

Flags are found over every entry read (a flag needs its context: the dispatch an acknowledgement
lacks, the declines before this one), then the filters choose the rows; the summary counts the
flags that name at least one row the filters other than the flag filter let through.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from core.timeutil import parse_hours
from web.views import audit as va
from web.views import auditflags as vf

__all__ = ["AuditScreen", "TABLE_MAX", "audit_screen"]

TABLE_MAX = 2000
"""Rows the table receives (newest first); the export holds every row the filters let through."""


@dataclass(frozen=True)
class AuditScreen:
    rows: list[dict[str, Any]]  # every row the filters let through, newest first
    counts: dict[str, int]  # flags per kind among the rows (before the flag filter)
    flag_lines: list[tuple[str, str, str]]  # (kind, one-line reason, entry ids) of those flags
    actors: list[dict[str, str]]
    actions: list[dict[str, str]]
    total: int  # entries read

    @property
    def table(self) -> list[dict[str, Any]]:
        return self.rows[:TABLE_MAX]


def audit_screen(raw: Iterable[tuple[Any, Mapping[Any, Any]]], f: va.AuditFilter, now: float, tz: ZoneInfo,
                 odd_hours: str, lang: str) -> AuditScreen:
    """The tab's content for the raw entries ``raw`` (any order), filter ``f`` and language."""
    entries = va.parse_entries(raw)
    flags = vf.compute_flags(entries, now, tz, parse_hours(odd_hours))
    flagged = vf.by_entry(flags)
    chosen = va.filter_entries(entries, f, now, flagged)
    unflagged = {e.id for e in (va.filter_entries(entries, replace(f, flags=()), now, flagged) if f.flags else chosen)}
    shown = [fl for fl in flags if unflagged.intersection(fl.entries)]
    lines = [(fl.kind, vf.flag_text(fl, lang, tz, odd_hours), ", ".join(fl.entries)) for fl in shown
             if not f.flags or fl.kind in f.flags]
    return AuditScreen(va.table_rows(chosen, flagged, tz, lang), vf.counts(shown), lines,
                       va.actor_options(entries), va.action_options(entries, lang), len(entries))
