"""Coverage gaps: what happened where no patrol was, by zone and local hour (pure, no Redis, no clock).

An event is an incident of the pack (``city.incidents``: a crime that really happened) or an alert.
It is a gap when no patrol unit's track passed through its H3 cell (``city.coverage.H3_RES``) within
``GAP_WINDOW_S`` before or after it: the same track samples as coverage (``sample_track``), so a
cell coloured "visited" at that time is never also a gap. An event belongs to the patrol zone(s)
holding its point; an incident whose ``zone`` names a patrol zone of the pack belongs to that
zone (the source's own beat), whatever the simplified outline says.

Gaps are then counted per zone and local clock hour (``GapWindow``): so a supervisor reads "beat
0114, 17:00-18:00: 2 crimes, 1 alert with no patrol".
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from h3.api import basic_int as h3i

from city.coverage import GAP_WINDOW_S, H3_RES, TrackLike, clip_track, sample_track
from city.geo import ZoneIndex
from city.incidents import Incident

__all__ = ["INCIDENT", "ALERT", "GapEvent", "GapWindow", "Visits", "visits", "incident_events", "alert_event",
           "place", "find_gaps", "hour_start", "gap_windows"]

INCIDENT, ALERT = "incident", "alert"


@dataclass(frozen=True)
class GapEvent:
    """Something that happened at a point: ``kind`` ``incident`` or ``alert``; ``zones`` the patrol
    zones it belongs to (``place``)."""

    kind: str
    id: str
    ts: float
    lat: float
    lon: float
    text: str = ""
    zones: tuple[str, ...] = ()


@dataclass(frozen=True)
class GapWindow:
    """The gaps of one zone in one local hour ``[start, end)``, in time order."""

    zone: str
    start: float
    end: float
    events: tuple[GapEvent, ...]

    @property
    def incidents(self) -> int:
        return sum(e.kind == INCIDENT for e in self.events)

    @property
    def alerts(self) -> int:
        return sum(e.kind == ALERT for e in self.events)

    def to_json(self) -> dict[str, object]:
        return {"from": self.start, "to": self.end, "incidents": self.incidents, "alerts": self.alerts,
                "ids": [e.id for e in self.events]}


@dataclass(frozen=True)
class Visits:
    """When patrol tracks were in each H3 cell: cell (integer) -> sorted sample times."""

    times: Mapping[int, np.ndarray]

    def near(self, lat: float, lon: float, ts: float, window_s: float = GAP_WINDOW_S) -> bool:
        """Whether a track was in the cell of ``lat``/``lon`` within ``window_s`` of ``ts``."""
        found = self.times.get(h3i.latlng_to_cell(lat, lon, H3_RES))
        if found is None:
            return False
        i = bisect.bisect_left(found, ts - window_s)
        return i < len(found) and float(found[i]) <= ts + window_s


def visits(tracks: Mapping[str, TrackLike], t0: float = -math.inf, t1: float = math.inf) -> Visits:
    """The cells every track of ``tracks`` passed through in ``[t0, t1]``, with when."""
    cells: list[np.ndarray] = []
    times: list[np.ndarray] = []
    for track in tracks.values():
        ts, cs = sample_track(clip_track(track, t0, t1))
        times.append(ts)
        cells.append(cs)
    if not cells:
        return Visits({})
    c, t = np.concatenate(cells), np.concatenate(times)
    order = np.lexsort((t, c))
    c, t = c[order], t[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]]) if len(c) else np.empty(0, dtype=int)
    ends = np.r_[starts[1:], len(c)]
    return Visits({int(c[a]): t[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)})


def incident_events(incidents: Iterable[Incident]) -> list[GapEvent]:
    """The pack's incidents as events: text ``TYPE · description``; ``zones`` the source's zone."""
    return [GapEvent(INCIDENT, x.id, x.ts, x.lat, x.lon, f"{x.type} · {x.description}" if x.description else x.type,
                     (x.zone,) if x.zone else ()) for x in incidents]


def alert_event(fields: Mapping[str, object]) -> GapEvent | None:
    """An alert (``cc:alerts`` fields, numbers or strings) as an event; None without a time and place."""
    try:
        ts, lat, lon = (float(fields[k]) for k in ("ts", "lat", "lon"))  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (ts, lat, lon)):
        return None
    return GapEvent(ALERT, str(fields.get("alert_id", "")), ts, lat, lon, str(fields.get("text", "")))


def place(events: Sequence[GapEvent], index: ZoneIndex) -> list[GapEvent]:
    """Each event with the patrol zones it belongs to: an incident keeps a ``zones`` entry that is a
    patrol zone of ``index``; any other event gets the patrol zones holding its point (none: left
    out, it is no zone's gap)."""
    patrol = {z.id for z in index.zones if z.kind == "patrol"}
    inside = index.membership(np.array([e.lon for e in events], dtype=float),
                              np.array([e.lat for e in events], dtype=float))
    out = []
    for e, holding in zip(events, inside, strict=True):
        own = tuple(z for z in e.zones if z in patrol)
        zones = own if e.kind == INCIDENT and own else tuple(sorted(z for z in holding if z in patrol))
        if zones:
            out.append(GapEvent(e.kind, e.id, e.ts, e.lat, e.lon, e.text, zones))
    return out


def find_gaps(events: Iterable[GapEvent], seen: Visits, t0: float, t1: float) -> list[GapEvent]:
    """The events of ``[t0, t1]`` that no patrol track came near (same cell, within ``GAP_WINDOW_S``),
    in time order (ties by kind, id)."""
    return sorted((e for e in events if t0 <= e.ts <= t1 and not seen.near(e.lat, e.lon, e.ts)),
                  key=lambda e: (e.ts, e.kind, e.id))


def hour_start(ts: float, tz: ZoneInfo) -> float:
    """The start of the local clock hour holding ``ts``.

    >>> hour_start(1501877700.0, ZoneInfo("America/Chicago"))  # 2017-08-04 15:15 CDT
    1501876800.0
    >>> hour_start(1700000000.0, ZoneInfo("Asia/Kolkata"))  # 03:43:20 IST: its hour began at 03:00 IST
    1699997400.0
    """
    return datetime.fromtimestamp(ts, tz).replace(minute=0, second=0, microsecond=0).timestamp()


def gap_windows(gaps: Iterable[GapEvent], tz: ZoneInfo, zones: Iterable[str] | None = None) -> list[GapWindow]:
    """The gaps grouped per zone and local hour, in time order, then by zone; ``zones``: only those."""
    wanted = None if zones is None else set(zones)
    groups: dict[tuple[float, str], list[GapEvent]] = {}
    for e in gaps:
        start = hour_start(e.ts, tz)
        for z in e.zones:
            if wanted is None or z in wanted:
                groups.setdefault((start, z), []).append(e)
    return [GapWindow(z, start, start + 3600.0, tuple(sorted(evs, key=lambda e: (e.ts, e.kind, e.id))))
            for (start, z), evs in sorted(groups.items())]
