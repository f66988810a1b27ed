"""Incidents: the alerts of one subject close together in event time, as one thing on the screens (pure).

A plate on the watchlist read at ten checkpoints in twenty minutes is ten alerts in ``cc:alerts``
(the contract keeps one entry per alert) but one incident on the screens: one row in the feed and
on the wall with its count, one marker at its latest sighting with the trail of its sightings.

Grouping: alerts are taken in event-time order; an alert joins its subject's latest incident when
it comes at most ``window_s`` (``Settings.incident_window_s``, default 30 min) after that
incident's previous sighting, else it starts a new incident. Alerts without a subject are
incidents of their own. Acknowledgements do not change the grouping: an incident is *open* while
any of its alerts is open, a new sighting within the window reopens it (with its full count), and
acknowledging the incident acknowledges each of its open alerts.

An incident's id is its first alert's id; its *severity* is the worst color among its open
alerts (among all of them once none is open); its place is its latest sighting (time, position,
zone, checkpoint, type); its *age* runs from its oldest open alert, and it is *overdue* when any
open alert is (``web.views.escalation``).

>>> alerts = [{"alert_id": f"a{i}", "subject": "粤B1", "ts": 600 * i, "severity": "red"} for i in range(3)]
>>> [(inc.id, inc.count) for inc in group(alerts, 1800)]
[('a0', 3)]
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.values import as_float
from web.views.escalation import due_at, is_open

__all__ = ["SEVERITIES", "TRAIL_MAX", "Incident", "Standing", "group", "worst", "incident_of", "standing",
           "view", "open_views", "counts_by_color", "zone_colors"]

SEVERITIES = ("red", "orange", "yellow", "blue")
TRAIL_MAX = 50  # sightings drawn on the map per incident (the newest)
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def _ts(alert: Mapping[str, Any]) -> float:
    value = alert.get("ts")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)  # the common case (alert_json gives numbers): no parsing
    return as_float(value) or 0.0


def worst(severities: Iterable[str]) -> str:
    """The most urgent color among ``severities``, ``""`` when there is none.

    >>> worst(["blue", "orange", "yellow"]), worst([]), worst(["pink"])
    ('orange', '', '')
    """
    known = [s for s in severities if s in _RANK]
    return min(known, key=_RANK.__getitem__) if known else ""


@dataclass
class Incident:
    """One subject's alerts close together in time, oldest first."""

    alerts: list[Mapping[str, Any]] = field(default_factory=list)
    last_ts: float = 0.0  # event time of the latest sighting

    @property
    def id(self) -> str:
        return str(self.alerts[0].get("alert_id", ""))

    @property
    def subject(self) -> str:
        return str(self.alerts[0].get("subject") or "")

    @property
    def count(self) -> int:
        return len(self.alerts)

    @property
    def latest(self) -> Mapping[str, Any]:
        return self.alerts[-1]

    def ids(self) -> list[str]:
        return [str(a.get("alert_id", "")) for a in self.alerts]

    def open_alerts(self, acked: Container[str]) -> list[Mapping[str, Any]]:
        """Its alerts nobody has acknowledged (``acked``: ids, e.g. a set or the acks dict)."""
        return [a for a in self.alerts if is_open(a, str(a.get("alert_id", "")) in acked)]

    def severity(self, acked: Container[str]) -> str:
        """The worst color among its open alerts, or among all once none is open."""
        return worst(str(a.get("severity", "")) for a in (self.open_alerts(acked) or self.alerts))


def group(alerts: Iterable[Mapping[str, Any]], window_s: float) -> list[Incident]:
    """Incidents of ``alerts`` (any order), ordered by their first alert's time.

    >>> a = lambda i, s, ts: {"alert_id": i, "subject": s, "ts": ts}
    >>> [inc.ids() for inc in group([a("x2", "B", 50), a("x1", "A", 0), a("x3", "A", 7200), a("x4", "", 1)], 1800)]
    [['x1'], ['x4'], ['x2'], ['x3']]
    """
    ordered = sorted(alerts, key=lambda x: (_ts(x), str(x.get("alert_id", ""))))
    current: dict[str, Incident] = {}
    out: list[Incident] = []
    for alert in ordered:
        subject = str(alert.get("subject") or "").strip()
        inc = current.get(subject) if subject else None
        ts = _ts(alert)
        if inc is not None and ts - inc.last_ts <= window_s:
            inc.alerts.append(alert)
            inc.last_ts = ts
            continue
        inc = Incident([alert], ts)
        out.append(inc)
        if subject:
            current[subject] = inc
    return out


def incident_of(incidents: Iterable[Incident]) -> dict[str, Incident]:
    """Alert id -> its incident.

    >>> idx = incident_of(group([{"alert_id": "a", "subject": "P1", "ts": 0}, {"alert_id": "b", "subject": "P1", "ts": 60}], 1800))
    >>> idx["b"].id, idx["b"].count
    ('a', 2)
    """
    return {aid: inc for inc in incidents for aid in inc.ids()}


@dataclass(frozen=True)
class Standing:
    """An open incident at one clock: enough to count, color and order it (``view`` for the rest)."""

    incident: Incident
    severity: str
    due: float | None
    escalated: bool
    patrol_zone: str
    since: float


def _standing(inc: Incident, acked: Container[str], escalate_s: Mapping[str, float], clock: float | None,
              zone_key: str) -> Standing | None:
    opened = inc.open_alerts(acked)
    if not opened:
        return None
    severity = worst(str(a.get("severity", "")) for a in opened)
    dues = [d for a in opened if (d := due_at(a, escalate_s)) is not None]
    due = min(dues) if dues else None
    latest = inc.latest
    return Standing(inc, severity, due, due is not None and clock is not None and clock >= due,
                    str(latest.get(zone_key) or latest.get("zone") or ""), min(_ts(a) for a in opened))


def standing(incidents: Iterable[Incident], acked: Container[str], escalate_s: Mapping[str, float],
             clock: float | None, zone_key: str = "zone") -> list[Standing]:
    """The open incidents: overdue first, then by color, then the newest sighting first.

    >>> a = lambda i, s, sev, ts: {"alert_id": i, "subject": s, "severity": sev, "ts": ts}
    >>> incs = group([a("1", "A", "blue", 0), a("2", "B", "red", 3000), a("3", "C", "yellow", 3500)], 1800)
    >>> [(s.incident.id, s.escalated) for s in standing(incs, set(), {"red": 300.0, "yellow": 1800.0, "blue": 3600.0}, 3400.0)]
    [('2', True), ('3', False), ('1', False)]
    """
    out = [s for inc in incidents if (s := _standing(inc, acked, escalate_s, clock, zone_key)) is not None]
    out.sort(key=lambda s: (not s.escalated, _RANK.get(s.severity, 9), -s.incident.last_ts))
    return out


def view(inc: Incident, acked: Container[str], escalate_s: Mapping[str, float], clock: float | None,
         zone_key: str = "zone") -> dict[str, Any]:
    """An incident for the screens (JSON): its latest sighting, count, color, age and escalation.

    ``since`` is the time of its oldest open alert (the age runs from it), ``due`` the event time
    at which it is (or becomes) overdue, ``escalated`` whether it is at ``clock``; ``trail`` holds
    ``[lat, lon]`` of its newest ``TRAIL_MAX`` sightings in time order. ``zone`` is the latest
    sighting's ``zone`` field; ``patrol_zone`` its ``zone_key`` field (the bridge's patrol zone of
    the position), which is where the incident colors the map.

    >>> alerts = [{"alert_id": f"a{i}", "subject": "粤B1", "ts": 600 * i, "severity": "red", "lat": 22.5,
    ...            "lon": 114.0 + i / 100, "checkpoint": f"K{i}", "type": "watchlist_hit"} for i in range(3)]
    >>> v = view(group(alerts, 1800)[0], {"a0"}, {"red": 300.0}, 1300.0)
    >>> v["count"], v["open"], v["alert_id"], v["checkpoint"], v["since"], v["due"], v["escalated"]
    (3, 2, 'a2', 'K2', 600.0, 900.0, True)
    >>> v["trail"]
    [[22.5, 114.0], [22.5, 114.01], [22.5, 114.02]]
    """
    latest = inc.latest
    st = _standing(inc, acked, escalate_s, clock, zone_key)
    trail = []
    for a in inc.alerts[-TRAIL_MAX:]:
        lat, lon = as_float(a.get("lat")), as_float(a.get("lon"))
        if lat is not None and lon is not None:
            trail.append([lat, lon])
    return {
        "id": inc.id, "subject": inc.subject, "count": inc.count, "open": len(inc.open_alerts(acked)),
        "severity": st.severity if st else inc.severity(acked), "alert_id": str(latest.get("alert_id", "")),
        "type": str(latest.get("type", "")), "ts": _ts(latest), "lat": as_float(latest.get("lat")),
        "lon": as_float(latest.get("lon")), "zone": str(latest.get("zone") or ""),
        "patrol_zone": str(latest.get(zone_key) or latest.get("zone") or ""),
        "checkpoint": str(latest.get("checkpoint") or ""), "text": str(latest.get("text") or ""),
        "since": st.since if st else None, "due": st.due if st else None, "escalated": bool(st and st.escalated),
        "trail": trail,
    }


def open_views(incidents: Iterable[Incident], acked: Container[str], escalate_s: Mapping[str, float],
               clock: float | None, zone_key: str = "zone", limit: int | None = None) -> list[dict[str, Any]]:
    """Views of the (first ``limit``) open incidents in ``standing`` order.

    >>> a = lambda i, s, sev, ts: {"alert_id": i, "subject": s, "severity": sev, "ts": ts}
    >>> incs = group([a("1", "A", "blue", 0), a("2", "B", "red", 3000), a("3", "C", "yellow", 3500)], 1800)
    >>> [v["id"] for v in open_views(incs, set(), {"red": 300.0, "yellow": 1800.0, "blue": 3600.0}, 3400.0)]
    ['2', '3', '1']
    >>> [v["id"] for v in open_views(incs, {"1"}, {"red": 300.0, "yellow": 1800.0, "blue": 3600.0}, 3100.0)]
    ['2', '3']
    """
    ranked = standing(incidents, acked, escalate_s, clock, zone_key)
    return [view(s.incident, acked, escalate_s, clock, zone_key) for s in ranked[:limit]]


def counts_by_color(open_incidents: Iterable[Standing]) -> dict[str, int]:
    """Open incidents per color (all four present).

    >>> incs = group([{"alert_id": "1", "subject": "A", "severity": "red", "ts": 0},
    ...               {"alert_id": "2", "subject": "A", "severity": "red", "ts": 60}], 1800)
    >>> counts_by_color(standing(incs, set(), {}, 60.0))
    {'red': 1, 'orange': 0, 'yellow': 0, 'blue': 0}
    """
    counts = dict.fromkeys(SEVERITIES, 0)
    for s in open_incidents:
        if s.severity in counts:
            counts[s.severity] += 1
    return counts


def zone_colors(open_incidents: Iterable[Standing]) -> list[tuple[str, str]]:
    """``(patrol zone, color)`` of each open incident last seen in a patrol zone.

    >>> incs = group([{"alert_id": "1", "subject": "A", "severity": "red", "ts": 0, "zone": "W"},
    ...               {"alert_id": "2", "subject": "B", "severity": "blue", "ts": 0}], 1800)
    >>> zone_colors(standing(incs, set(), {}, 0.0))
    [('W', 'red')]
    """
    return [(s.patrol_zone, s.severity) for s in open_incidents if s.patrol_zone]
