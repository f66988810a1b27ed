"""Open, age and escalation of one alert, on event time (pure).

An alert is *open* from the moment the worker writes it until someone acknowledges it
(``cc:alert_acks``), however old it is: an unhandled alert never leaves the screens by itself.
Its *age* is the event clock minus its ``ts``. An open alert *escalates* (the screens mark it
overdue) once its age reaches the time its severity allows (``Settings.escalate_s``,
``CC_ESCALATE_S``; default red 5 min, orange 15 min, yellow 30 min, blue 60 min).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.values import as_float

__all__ = ["is_open", "age_s", "due_at", "is_escalated", "age_text"]


def is_open(alert: Mapping[str, Any], ack: Any) -> bool:
    """Open until acknowledged: ``ack`` is the acknowledgement (a dict, or ``True``), else ``None``/``False``.

    >>> is_open({"ts": 0}, None), is_open({"ts": 0}, {"by": "Li"}), is_open({"ts": 0}, False)
    (True, False, True)
    """
    return not ack


def age_s(alert: Mapping[str, Any], clock: float | None) -> float | None:
    """Seconds of event time since the alert (never negative); ``None`` without a clock or time.

    >>> age_s({"ts": 1000}, 1720.0), age_s({"ts": 1000}, 900.0), age_s({"ts": "x"}, 1.0)
    (720.0, 0.0, None)
    """
    ts = as_float(alert.get("ts"))
    if ts is None or clock is None:
        return None
    return max(0.0, clock - ts)


def due_at(alert: Mapping[str, Any], escalate_s: Mapping[str, float]) -> float | None:
    """The event time at which the alert, still open, becomes overdue; ``None`` for an unknown color.

    >>> due_at({"ts": 1000, "severity": "red"}, {"red": 300.0}), due_at({"ts": 1000, "severity": "pink"}, {})
    (1300.0, None)
    """
    raw = alert.get("ts")
    ts = float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else as_float(raw)
    limit = escalate_s.get(str(alert.get("severity", "")))
    if ts is None or limit is None:
        return None
    return ts + limit


def is_escalated(alert: Mapping[str, Any], ack: Any, clock: float | None, escalate_s: Mapping[str, float]) -> bool:
    """Open, and at least its severity's time old on the event clock.

    >>> esc = {"red": 300.0, "blue": 3600.0}
    >>> is_escalated({"ts": 0, "severity": "red"}, None, 300.0, esc), is_escalated({"ts": 0, "severity": "red"}, None, 299.0, esc)
    (True, False)
    >>> is_escalated({"ts": 0, "severity": "blue"}, None, 7200.0, esc), is_escalated({"ts": 0, "severity": "red"}, {"by": "Li"}, 1e6, esc)
    (True, False)
    """
    if not is_open(alert, ack) or clock is None:
        return False
    due = due_at(alert, escalate_s)
    return due is not None and clock >= due


def age_text(seconds: float | None, lang: str) -> str:
    """A short age for a person: ``45 s``, ``12 min``, ``2 h 5 min`` (Chinese: ``12 分钟``).

    >>> age_text(45, "en"), age_text(720, "en"), age_text(7500, "en"), age_text(720, "zh"), age_text(7500, "zh")
    ('45 s', '12 min', '2 h 5 min', '12 分钟', '2 小时 5 分钟')
    >>> age_text(None, "en")
    '--'
    """
    if seconds is None:
        return "--"
    s = int(max(0.0, seconds))
    en = lang == "en"
    if s < 60:
        return f"{s} s" if en else f"{s} 秒"
    if s < 3600:
        return f"{s // 60} min" if en else f"{s // 60} 分钟"
    h, m = divmod(s // 60, 60)
    return f"{h} h {m} min" if en else f"{h} 小时 {m} 分钟"
