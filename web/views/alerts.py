"""The alerts tab: filter, tabulate, count, chart and export alerts (pure functions).

Alerts are dicts with the contract fields (``core.alerts.alert_json`` shape, plus the stream
``id``); acknowledgements are ``{alert_id: {by, note, ts}}``. Time windows count back from the
event clock, never from the wall clock. The table is the audit view: one row per alert, with its
incident (``web.views.incidents``; "3/7" is the third of seven sightings), its age and whether
it is overdue (``web.views.escalation``). Status: ``open`` (unacknowledged, including overdue
ones), ``overdue`` (open past its severity's time), ``acked``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.model import OFFICER_HELP, AlertType
from core.settings import DEFAULT_ESCALATE_S
from web.i18n import t
from web.views.alertline import alert_line
from web.views.escalation import age_s, age_text, is_escalated
from web.views.incidents import Incident
from web.views.summary import SEVERITIES

__all__ = ["ALERT_TYPES", "WINDOWS", "STATUSES", "COLUMNS", "AlertFilter", "status_of", "filter_alerts",
           "incident_label", "table_rows", "merge_alerts", "ack_targets", "counts", "chart_series", "bucket_for", "csv_text", "check_ack"]

ALERT_TYPES = (*(str(a) for a in AlertType), OFFICER_HELP)
WINDOWS: dict[str, float | None] = {"15m": 900.0, "1h": 3600.0, "6h": 21600.0, "24h": 86400.0, "all": None}
STATUSES = ("all", "open", "overdue", "acked")
COLUMNS = ("time", "severity", "type", "subject", "zone", "checkpoint", "text", "incident", "age", "status",
           "locate")
NOTE_MAX = 500


@dataclass(frozen=True)
class AlertFilter:
    """What the officer asked to see; empty selections mean "all"."""

    types: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    window: str = "all"
    plate: str = ""
    status: str = "all"

    @classmethod
    def from_inputs(cls, types: Any, severities: Any, zones: Any, window: Any, plate: Any,
                    status: Any) -> AlertFilter:
        """Build from raw widget values (``None``, a string or a list), ignoring unknown values."""

        def many(value: Any, allowed: Iterable[str] | None = None) -> tuple[str, ...]:
            items = [value] if isinstance(value, str) else list(value or [])
            ok = None if allowed is None else set(allowed)
            return tuple(sorted({str(v) for v in items if ok is None or v in ok}))

        return cls(many(types, ALERT_TYPES), many(severities, SEVERITIES), many(zones),
                   window if window in WINDOWS else "all", str(plate or "").strip(),
                   status if status in STATUSES else "all")


def status_of(alert: Mapping[str, Any], acked: bool, clock: float | None,
              escalate_s: Mapping[str, float] = DEFAULT_ESCALATE_S) -> str:
    """``acked``, ``overdue`` (open past its severity's time) or ``open``; never expires.

    >>> a = {"ts": 0, "severity": "red"}
    >>> status_of(a, True, 10.0), status_of(a, False, 10.0), status_of(a, False, 1e6)
    ('acked', 'open', 'overdue')
    """
    if acked:
        return "acked"
    return "overdue" if is_escalated(alert, None, clock, escalate_s) else "open"


def _status_matches(status: str, wanted: str) -> bool:
    return wanted == "all" or status == wanted or (wanted == "open" and status == "overdue")


def _ts(alert: Mapping[str, Any]) -> float:
    try:
        return float(alert.get("ts") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def filter_alerts(alerts: Iterable[Mapping[str, Any]], f: AlertFilter, clock: float | None,
                  acks: Mapping[str, Any], escalate_s: Mapping[str, float] = DEFAULT_ESCALATE_S
                  ) -> list[Mapping[str, Any]]:
    """The alerts ``f`` selects, newest first. The plate search is a case-insensitive substring
    of the subject (or of the text, so a checkpoint read's plate is found too)."""
    span = WINDOWS.get(f.window)
    since = None if span is None or clock is None else clock - span
    needle = f.plate.casefold()
    out = []
    for a in alerts:
        if f.types and a.get("type") not in f.types:
            continue
        if f.severities and a.get("severity") not in f.severities:
            continue
        if f.zones and a.get("zone") not in f.zones:
            continue
        if since is not None and _ts(a) < since:
            continue
        if needle and needle not in str(a.get("subject", "")).casefold() \
                and needle not in str(a.get("text", "")).casefold():
            continue
        if f.status != "all" and not _status_matches(
                status_of(a, str(a.get("alert_id")) in acks, clock, escalate_s), f.status):
            continue
        out.append(a)
    out.sort(key=_ts, reverse=True)
    return out


def _local(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M:%S")


def incident_label(alert_id: str, inc: Incident | None) -> str:
    """``"3/7"``: the alert is the third of its incident's seven sightings; ``""`` when it is alone.

    >>> from web.views.incidents import group
    >>> inc = group([{"alert_id": f"a{i}", "subject": "P1", "ts": i} for i in range(3)], 1800)[0]
    >>> incident_label("a1", inc), incident_label("x", None)
    ('2/3', '')
    """
    if inc is None or inc.count < 2:
        return ""
    return f"{inc.ids().index(alert_id) + 1}/{inc.count}" if alert_id in inc.ids() else f"?/{inc.count}"


def table_rows(alerts: Iterable[Mapping[str, Any]], acks: Mapping[str, Mapping[str, Any]], clock: float | None,
               tz: ZoneInfo, zone_names: Mapping[str, str], lang: str,
               names: Mapping[str, Any] | None = None, *,
               escalate_s: Mapping[str, float] = DEFAULT_ESCALATE_S,
               incidents: Mapping[str, Incident] | None = None) -> list[dict[str, Any]]:
    """One table row per alert (``id`` = alert id; ``lat``/``lon`` kept for the map); ``text`` is the
    alert's line in ``lang`` (``web.views.alertline``) with the city's ``names``; with its incident
    (``incidents``: alert id -> incident), age (open alerts) and ``esc`` ("1" when overdue)."""
    rows = []
    for a in alerts:
        aid = str(a.get("alert_id", ""))
        ack = acks.get(aid)
        status = status_of(a, ack is not None, clock, escalate_s)
        inc = (incidents or {}).get(aid)
        zone = str(a.get("zone") or "")
        rows.append({
            "id": aid, "time": _local(_ts(a), tz), "ts": _ts(a), "sev": a.get("severity", ""),
            "severity": t(f"sev.{a.get('severity', '')}", lang), "type": t(f"type.{a.get('type', '')}", lang),
            "subject": a.get("subject", ""), "zone": zone_names.get(zone, zone), "checkpoint": a.get("checkpoint", ""),
            "text": alert_line(a, names or {}, lang), "status": t(f"al.status.{status}", lang), "state": status,
            "incident": incident_label(aid, inc), "incident_id": inc.id if inc else aid,
            "age": "" if ack is not None else age_text(age_s(a, clock), lang), "esc": "1" if status == "overdue" else "",
            "ack_by": (ack or {}).get("by", ""), "ack_note": (ack or {}).get("note", ""),
            "lat": a.get("lat"), "lon": a.get("lon"), "locate": t("al.locate", lang),
        })
    return rows


def counts(alerts: Iterable[Mapping[str, Any]], field: str) -> dict[str, int]:
    """How many alerts per value of ``field``, most frequent first.

    >>> counts([{"type": "a"}, {"type": "b"}, {"type": "b"}], "type")
    {'b': 2, 'a': 1}
    """
    return dict(Counter(str(a.get(field, "")) for a in alerts).most_common())


def bucket_for(span_s: float) -> float:
    """Chart bucket width for a time span: 5 min up to 2 h, 30 min up to a day, else 1 h... 6 h.

    >>> bucket_for(3600), bucket_for(20000), bucket_for(86400 * 3)
    (300.0, 1800.0, 3600.0)
    """
    if span_s <= 7200:
        return 300.0
    if span_s <= 86400:
        return 1800.0
    return 3600.0 if span_s <= 86400 * 7 else 21600.0


def chart_series(alerts: Sequence[Mapping[str, Any]], bucket_s: float | None = None) -> dict[str, Any]:
    """Alert counts per time bucket and type: ``{"buckets": [start ts...], "types": {type: [n...]}}``.

    >>> s = chart_series([{"type": "a", "ts": 0}, {"type": "a", "ts": 10}, {"type": "b", "ts": 400}], 300)
    >>> s["buckets"], s["types"]
    ([0.0, 300.0], {'a': [2, 0], 'b': [0, 1]})
    """
    if not alerts:
        return {"buckets": [], "types": {}, "bucket_s": bucket_s or 300.0}
    times = [_ts(a) for a in alerts]
    lo, hi = min(times), max(times)
    width = bucket_s or bucket_for(hi - lo)
    first = (lo // width) * width
    n = int((hi - first) // width) + 1
    buckets = [first + i * width for i in range(n)]
    types: dict[str, list[int]] = {}
    for a, ts in zip(alerts, times, strict=True):
        row = types.setdefault(str(a.get("type", "")), [0] * n)
        row[int((ts - first) // width)] += 1
    return {"buckets": buckets, "types": dict(sorted(types.items())), "bucket_s": width}


def csv_text(rows: Iterable[Mapping[str, Any]], lang: str) -> str:
    """The rows as CSV (UTF-8 with a BOM so spreadsheet programs read Chinese), headers in ``lang``."""
    cols = ["id", "time", "severity", "type", "subject", "zone", "checkpoint", "text", "status", "ack_by",
            "ack_note", "lat", "lon", "incident_id", "incident", "age"]
    head = {"id": "alert_id", "ack_by": t("al.ack.officer", lang), "ack_note": t("al.ack.note", lang),
            "lat": "lat", "lon": "lon", "incident_id": "incident_id"}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([head.get(c) or t(f"al.col.{c}", lang) for c in cols])
    for row in rows:
        w.writerow(["" if row.get(c) is None else row.get(c) for c in cols])
    return "\ufeff" + out.getvalue()


def merge_alerts(*sources: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Alerts from several reads, each alert once (the first copy seen wins).

    >>> [a["alert_id"] for a in merge_alerts([{"alert_id": "a"}, {"alert_id": "b"}], [{"alert_id": "a"}, {"alert_id": "c"}])]
    ['a', 'b', 'c']
    """
    out: dict[str, Mapping[str, Any]] = {}
    for source in sources:
        for a in source:
            out.setdefault(str(a.get("alert_id", "")), a)
    return list(out.values())


def ack_targets(alert_id: str, incidents: Mapping[str, Incident], whole: bool) -> tuple[list[str], str]:
    """What acknowledging ``alert_id`` writes: its whole incident's alert ids (``whole``) or itself,
    and the incident id (``""`` for one alert alone).

    >>> from web.views.incidents import group, incident_of
    >>> idx = incident_of(group([{"alert_id": f"a{i}", "subject": "P1", "ts": i} for i in range(3)], 1800))
    >>> ack_targets("a2", idx, True), ack_targets("a2", idx, False), ack_targets("zz", idx, True)
    ((['a0', 'a1', 'a2'], 'a0'), (['a2'], ''), (['zz'], ''))
    """
    inc = incidents.get(alert_id)
    if not whole or inc is None or inc.count < 2:
        return [alert_id], ""
    return inc.ids(), inc.id


def check_ack(alert_id: Any, officer: Any, note: Any, already: bool) -> tuple[str, str] | None:
    """Why an acknowledgement cannot be written, as ``(i18n key, field)``; ``None`` when it can.

    >>> check_ack("a-1", "Li", "checked", False) is None
    True
    >>> check_ack("a-1", " ", "x", False), check_ack(None, "Li", "x", False)
    (('al.ack.need_officer', 'officer'), ('al.ack.need_alert', 'alert_id'))
    """
    if not alert_id:
        return "al.ack.need_alert", "alert_id"
    if not str(officer or "").strip():
        return "al.ack.need_officer", "officer"
    if not str(note or "").strip():
        return "al.ack.need_note", "note"
    if len(str(note)) > NOTE_MAX:
        return "al.ack.too_long", "note"
    if already:
        return "al.ack.already", "alert_id"
    return None
