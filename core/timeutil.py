"""Event-time helpers: parse timestamps, local time of day, windows that wrap midnight.

Every rule runs on event time (the ``ts`` a device sent), never the wall clock.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["parse_ts", "parse_hhmm", "parse_hours", "local_minute", "local_date", "in_window", "night_of"]


def parse_ts(value: object) -> float:
    """Epoch seconds from a number or an ISO-8601 string with an offset.

    Raises ``ValueError`` saying what was wrong.

    >>> parse_ts("1700000000")
    1700000000.0
    >>> parse_ts("2023-11-14T22:13:20+00:00")
    1700000000.0
    >>> parse_ts("2023-11-14T22:13:20")
    Traceback (most recent call last):
    ...
    ValueError: ISO-8601 time '2023-11-14T22:13:20' has no UTC offset
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        ts = float(value)
    else:
        text = str(value).strip()
        if not text:
            raise ValueError("is empty")
        try:
            ts = float(text)
        except ValueError:
            try:
                dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"{text!r} is neither epoch seconds nor ISO-8601") from None
            if dt.tzinfo is None:
                raise ValueError(f"ISO-8601 time {text!r} has no UTC offset") from None
            ts = dt.timestamp()
    if not math.isfinite(ts) or ts < 0:
        raise ValueError(f"{value!r} is not a valid epoch time")
    return ts


def parse_hhmm(text: str) -> int:
    """Minutes after midnight of ``"HH:MM"``.

    >>> parse_hhmm("02:30")
    150
    """
    hh, sep, mm = str(text).strip().partition(":")
    if not sep or not hh.isdigit() or not mm.isdigit() or len(mm) != 2:
        raise ValueError(f"{text!r} is not HH:MM")
    h, m = int(hh), int(mm)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m != 0):
        raise ValueError(f"{text!r} is not a time of day")
    return h * 60 + m


def parse_hours(text: str) -> tuple[int, int]:
    """``"HH:MM-HH:MM"`` as (start, end) minutes; the window may wrap midnight.

    >>> parse_hours("22:00-06:00")
    (1320, 360)
    """
    start, sep, end = str(text).partition("-")
    if not sep:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM")
    return parse_hhmm(start), parse_hhmm(end)


def _local(ts: float, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ts, tz)


def local_minute(ts: float, tz: ZoneInfo) -> int:
    """Minutes since local midnight at ``ts`` in ``tz``."""
    dt = _local(ts, tz)
    return dt.hour * 60 + dt.minute


def local_date(ts: float, tz: ZoneInfo) -> str:
    """Local calendar date ``YYYY-MM-DD`` at ``ts`` in ``tz``."""
    return _local(ts, tz).date().isoformat()


def in_window(minute: int, start: int, end: int) -> bool:
    """Is ``minute`` in ``[start, end)``? A window with ``end < start`` wraps midnight.

    >>> in_window(120, 120, 300), in_window(300, 120, 300)
    (True, False)
    >>> in_window(30, 1320, 360), in_window(720, 1320, 360)
    (True, False)
    """
    if start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def night_of(ts: float, tz: ZoneInfo, start: int) -> str:
    """The local date a night window starting at ``start`` minutes belongs to.

    A window such as 22:00-06:00 that wraps midnight belongs to the evening it starts on:
    01:00 on the 2nd is part of the night of the 1st.

    >>> from zoneinfo import ZoneInfo
    >>> tz = ZoneInfo("Asia/Shanghai")
    >>> night_of(parse_ts("2024-03-02T01:00:00+08:00"), tz, 22 * 60)
    '2024-03-01'
    >>> night_of(parse_ts("2024-03-02T03:00:00+08:00"), tz, 2 * 60)
    '2024-03-02'
    """
    dt = _local(ts, tz)
    if dt.hour * 60 + dt.minute < start:
        dt -= timedelta(days=1)
    return dt.date().isoformat()
