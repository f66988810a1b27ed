"""Patrol shifts (city pack extension ``shifts`` of city.json) and the recent shifts a supervisor
picks from: event time, the city's local time, no clock of its own.

``shifts`` is optional: ``[{"name": "night", "start": "22:00", "end": "06:00"}, ...]``, local times
that may wrap midnight. Without it a city has ``DEFAULT_SHIFTS``: day 08:00-20:00, night 20:00-08:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["Shift", "DEFAULT_SHIFTS", "ShiftRange", "recent_shifts"]


@dataclass(frozen=True)
class Shift:
    name: str
    start_min: int  # minutes after local midnight
    end_min: int  # may be at or before start_min: the shift ends the next day


DEFAULT_SHIFTS = (Shift("day", 8 * 60, 20 * 60), Shift("night", 20 * 60, 8 * 60))


@dataclass(frozen=True)
class ShiftRange:
    """One shift on one local day: ``[t0, t1]`` in epoch seconds; ``ongoing`` if ``now`` is inside it."""

    name: str
    day: str  # local date of its start, YYYY-MM-DD
    t0: float
    t1: float
    ongoing: bool = False

    @property
    def value(self) -> str:
        """``"{t0}-{t1}"``, as a dropdown's value."""
        return f"{self.t0:.0f}-{self.t1:.0f}"


def _at(day: datetime, minute: int, tz: ZoneInfo) -> float:
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz).timestamp()


def recent_shifts(now: float, tz: ZoneInfo, shifts: tuple[Shift, ...] = DEFAULT_SHIFTS,
                  count: int = 6) -> list[ShiftRange]:
    """The ``count`` shifts that started at or before ``now`` (event time), newest first; the one
    under way ends at ``now`` and is marked ongoing.

    >>> sh = ZoneInfo("Asia/Shanghai")
    >>> now = datetime(2023, 11, 15, 6, 13, tzinfo=sh).timestamp()
    >>> [(r.name, r.day, r.ongoing) for r in recent_shifts(now, sh, count=3)]
    [('night', '2023-11-14', True), ('day', '2023-11-14', False), ('night', '2023-11-13', False)]
    >>> r = recent_shifts(now, sh, count=2)[1]
    >>> datetime.fromtimestamp(r.t0, sh).strftime("%H:%M"), datetime.fromtimestamp(r.t1, sh).strftime("%d %H:%M")
    ('08:00', '14 20:00')
    """
    local = datetime.fromtimestamp(now, tz)
    found: list[ShiftRange] = []
    for back in range(0, count + 2):
        day = local - timedelta(days=back)
        for s in shifts:
            t0 = _at(day, s.start_min, tz)
            end_day = day + timedelta(days=1) if s.end_min <= s.start_min else day
            t1 = _at(end_day, s.end_min, tz)
            if t0 <= now:
                found.append(ShiftRange(s.name, day.strftime("%Y-%m-%d"), t0, min(t1, now), ongoing=t1 > now))
    found.sort(key=lambda r: (-r.t0, r.name))
    return found[:count]
