"""The Dispatch tab as plain data (pure: no Redis, no clock; ``clock`` is the event clock, a parameter).

- the queue: open (unacknowledged) alerts, newest first, with how many orders each has;
- the candidates of the picked alert (``api.candidates.Candidate``) as readable rows;
- the board: orders with their status in words and two timers on event time, *time to accept*
  (order -> first answer) and *time to scene* (order -> ``on_scene``), each running while it can
  still change and overdue past ``accept_s`` / ``scene_s``; orders closed less than
  ``CLOSED_KEEP_S`` ago stay, greyed;
- the decisions of the dispatch loop: which orders escalate now, which unit to offer next, which
  unit auto-dispatch sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from api.candidates import Candidate
from web.i18n import t
from web.views.alertline import alert_line

__all__ = ["CLOSED_KEEP_S", "QUEUE_MAX", "STATUSES", "Timers", "duration_text", "distance_text", "queue_rows",
           "alert_summary", "candidate_rows", "timers", "board_rows", "due_for_escalation", "next_candidate", "auto_pick",
           "answer_times", "button_label"]

CLOSED_KEEP_S = 300.0  # a cleared or declined order stays on the board this long (event time), greyed
QUEUE_MAX = 40
STATUSES = ("issued", "accepted", "en_route", "on_scene", "cleared", "declined")
_CLOSED = frozenset({"cleared", "declined"})
_BEFORE_SCENE = frozenset({"issued", "accepted", "en_route"})


def duration_text(seconds: float | None, lang: str) -> str:
    """A timer for a person: ``45 s``, ``3 min 05 s``, ``1 h 02 min`` (``--`` when unknown).

    >>> duration_text(45, "en"), duration_text(185, "en"), duration_text(3720, "en"), duration_text(185, "zh")
    ('45 s', '3 min 05 s', '1 h 02 min', '3 分 05 秒')
    >>> duration_text(None, "en"), duration_text(-3, "en")
    ('--', '0 s')
    """
    if seconds is None:
        return "--"
    s = int(max(0.0, seconds))
    en = lang == "en"
    if s < 60:
        return f"{s} s" if en else f"{s} 秒"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s" if en else f"{s // 60} 分 {s % 60:02d} 秒"
    h, m = divmod(s // 60, 60)
    return f"{h} h {m:02d} min" if en else f"{h} 小时 {m:02d} 分"


def distance_text(metres: float) -> str:
    """``850 m`` under a kilometre, else ``1.3 km``.

    >>> distance_text(849.6), distance_text(1336.2)
    ('850 m', '1.3 km')
    """
    return f"{metres:.0f} m" if metres < 999.5 else f"{metres / 1000:.1f} km"


def button_label(callsign: str, lang: str) -> str:
    """The text (and so the accessible name) of a candidate's button (contract A.7.3).

    >>> button_label("West-1", "en"), button_label("West-1", "zh")
    ('Dispatch West-1', '派遣 West-1')
    """
    return f"{t('dp.send', lang)} {callsign}"


def _time(ts: Any, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(float(ts), tz).strftime("%H:%M:%S") if isinstance(ts, (int, float)) else "--"


def queue_rows(alerts: Iterable[Mapping[str, Any]], acked: Iterable[str], orders: Iterable[Mapping[str, Any]],
               names: Mapping[str, Any], tz: ZoneInfo, lang: str, limit: int = QUEUE_MAX) -> list[dict[str, Any]]:
    """The open alerts, newest first (by event time, then stream order), at most ``limit``; ``sent``
    counts the orders already written for each (any status)."""
    done = set(acked)
    sent: dict[str, int] = {}
    for o in orders:
        sent[str(o.get("alert_id"))] = sent.get(str(o.get("alert_id")), 0) + 1
    open_ = [a for a in alerts if str(a.get("alert_id")) not in done and not a.get("acked")]
    open_.sort(key=lambda a: (float(a.get("ts") or 0), str(a.get("id", ""))), reverse=True)
    return [alert_summary(a, sent.get(str(a["alert_id"]), 0), names, tz, lang) for a in open_[:limit]]


def alert_summary(a: Mapping[str, Any], sent: int, names: Mapping[str, Any], tz: ZoneInfo, lang: str
                  ) -> dict[str, Any]:
    """One alert for the queue or the picked-alert header: color, type, subject, time, its line."""
    return {"alert_id": str(a["alert_id"]), "severity": str(a.get("severity") or ""),
            "type": t(f"type.{a.get('type')}", lang), "subject": str(a.get("subject") or ""),
            "time": _time(a.get("ts"), tz), "line": alert_line(a, names, lang), "sent": sent}


def _pair(names: Mapping[str, Any], kind: str, key: str, lang: str) -> str:
    pair = (names.get(kind) or {}).get(key)
    return str(pair[1] if lang == "en" else pair[0]) if pair else key


def candidate_rows(ranked: Sequence[Candidate], names: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """One row per ranked unit, in rank order: what a person reads, and where the unit would go."""
    out = []
    for rank, c in enumerate(ranked, 1):
        intercept = c.margin_s is not None
        out.append({"rank": rank, "unit": c.unit, "callsign": c.callsign, "status": c.status,
                    "status_text": t(f"unit.{c.status}", lang), "distance": distance_text(c.distance_m),
                    "eta": duration_text(c.eta_s, lang),
                    "station": _pair(names, "checkpoints", c.checkpoint, lang) if intercept else "",
                    "margin": f"+{duration_text(c.margin_s, lang)}" if intercept else "",
                    "lat": c.lat, "lon": c.lon, "button": button_label(c.callsign, lang)})
    return out


def answer_times(acks: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """``{order_id: {status: ts}}`` from ``cc:dispatch:acks`` entries (the first time of each status).

    >>> answer_times([{"order_id": "O-1", "status": "accepted", "ts": "100"}, {"order_id": "O-1", "status": "accepted", "ts": "150"}])
    {'O-1': {'accepted': 100.0}}
    """
    out: dict[str, dict[str, float]] = {}
    for a in acks:
        try:
            ts = float(a["ts"])
        except (KeyError, TypeError, ValueError):
            continue
        out.setdefault(str(a.get("order_id")), {}).setdefault(str(a.get("status")), ts)
    return out


@dataclass(frozen=True)
class Timers:
    """An order's two timers (seconds, ``None`` when they do not apply); ``*_live`` while running."""

    accept_s: float | None
    accept_live: bool
    accept_overdue: bool
    scene_s: float | None
    scene_live: bool
    scene_overdue: bool


def timers(order: Mapping[str, Any], answers: Mapping[str, float], clock: float | None, accept_limit: float,
           scene_limit: float) -> Timers:
    """Time to accept (to the first answer, accepted or declined) and time to scene of one order.

    >>> o = {"ts": 1000, "status": "issued"}
    >>> timers(o, {}, 1061, 60, 900)
    Timers(accept_s=61.0, accept_live=True, accept_overdue=True, scene_s=61.0, scene_live=True, scene_overdue=False)
    >>> timers({"ts": 1000, "status": "on_scene"}, {"accepted": 1020, "on_scene": 1500}, 9999, 60, 900)
    Timers(accept_s=20.0, accept_live=False, accept_overdue=False, scene_s=500.0, scene_live=False, scene_overdue=False)
    >>> timers({"ts": 1000, "status": "declined"}, {"declined": 1100}, 9999, 60, 900).scene_s is None
    True
    """
    issued = float(order.get("ts") or 0)
    status = str(order.get("status") or "issued")
    first = min((answers[s] for s in ("accepted", "declined") if s in answers), default=None)
    if first is not None:
        accept, accept_live = first - issued, False
    elif status == "issued" and clock is not None:
        accept, accept_live = clock - issued, True
    else:
        accept, accept_live = None, False
    if "on_scene" in answers:
        scene, scene_live = answers["on_scene"] - issued, False
    elif status in _BEFORE_SCENE and clock is not None:
        scene, scene_live = clock - issued, True
    else:
        scene, scene_live = None, False
    return Timers(accept, accept_live, accept is not None and accept > accept_limit,
                  scene, scene_live, scene is not None and scene > scene_limit)


def _shown(order: Mapping[str, Any], clock: float | None) -> bool:
    if str(order.get("status")) not in _CLOSED:
        return True
    closed = float(order.get("status_ts") or order.get("ts") or 0)
    return clock is None or clock - closed <= CLOSED_KEEP_S


def board_rows(orders: Iterable[Mapping[str, Any]], answers: Mapping[str, Mapping[str, float]],
               escalated: Iterable[str], auto: Iterable[str], alerts: Mapping[str, Mapping[str, Any]],
               callsigns: Mapping[str, str], names: Mapping[str, Any], clock: float | None, accept_limit: float,
               scene_limit: float, lang: str) -> list[dict[str, Any]]:
    """The board: open orders newest first, then the recently closed ones (``closed``: greyed).

    ``escalated`` and ``auto`` are order ids; ``alerts`` maps alert id -> alert (for its line).
    ``offer_next``: the board offers the next unit for this order's alert, because the order was
    escalated unanswered, or declined while no other order for the alert is open."""
    esc, autos = set(escalated), set(auto)
    orders = list(orders)
    covered = {str(o.get("alert_id")) for o in orders if str(o.get("status") or "issued") not in _CLOSED}
    rows: list[dict[str, Any]] = []
    for o in orders:
        if not _shown(o, clock):
            continue
        oid, status = str(o["order_id"]), str(o.get("status") or "issued")
        tm = timers(o, answers.get(oid, {}), clock, accept_limit, scene_limit)
        alert = alerts.get(str(o.get("alert_id")))
        rows.append({
            "order_id": oid, "alert_id": str(o.get("alert_id")), "unit": str(o.get("unit")),
            "callsign": callsigns.get(str(o.get("unit")), str(o.get("unit"))),
            "alert": alert_line(alert, names, lang) if alert else str(o.get("alert_id")),
            "status": status, "status_text": t(f"dp.status.{status}", lang),
            "closed": status in _CLOSED, "escalated": oid in esc and status == "issued", "auto": oid in autos,
            "offer_next": (oid in esc and status == "issued")
            or (status == "declined" and str(o.get("alert_id")) not in covered),
            "accept": duration_text(tm.accept_s, lang), "accept_live": tm.accept_live,
            "accept_overdue": tm.accept_overdue,
            "scene": duration_text(tm.scene_s, lang), "scene_live": tm.scene_live, "scene_overdue": tm.scene_overdue,
            "ts": float(o.get("ts") or 0),
        })
    rows.sort(key=lambda r: (r["closed"], -r["ts"], r["order_id"]))
    return rows


def due_for_escalation(orders: Iterable[Mapping[str, Any]], escalated: Iterable[str], clock: float | None,
                       accept_limit: float) -> list[Mapping[str, Any]]:
    """Orders still unanswered (``issued``) ``accept_limit`` seconds of event time after they were
    written and not escalated yet, oldest first.

    >>> orders = [{"order_id": "a", "status": "issued", "ts": 0}, {"order_id": "b", "status": "issued", "ts": 50},
    ...           {"order_id": "c", "status": "accepted", "ts": 0}, {"order_id": "d", "status": "issued", "ts": 0}]
    >>> [o["order_id"] for o in due_for_escalation(orders, {"d"}, 60.0, 60.0)]
    ['a']
    """
    if clock is None:
        return []
    done = set(escalated)
    due = [o for o in orders if o.get("status") == "issued" and str(o.get("order_id")) not in done
           and clock - float(o.get("ts") or 0) >= accept_limit]
    return sorted(due, key=lambda o: (float(o.get("ts") or 0), str(o.get("order_id"))))


def next_candidate(ranked: Sequence[Candidate], sent: Iterable[str]) -> Candidate | None:
    """The best ranked unit not already sent to the alert and not offline (the rank already puts
    available before busy; ties were settled by the ranking), or ``None``."""
    skip = set(sent)
    return next((c for c in ranked if c.unit not in skip and c.status != "offline"), None)


def auto_pick(ranked: Sequence[Candidate]) -> Candidate | None:
    """The unit auto-dispatch sends: the top ``available`` one, else nobody (a busy unit is never
    taken off its order by a machine)."""
    return next((c for c in ranked if c.status == "available"), None)
