"""Hotspots: where the pack's real incidents (``city.incidents``) were, per local hour, as a map layer.

Pure: takes incidents and zones, returns plain GeoJSON-like dicts for a map layer. Each zone with at
least one incident in the chosen hours gets ``count`` and a ``level`` 1..4 (quarters of the busiest
zone's count), so a layer can shade them; ``hour=None`` means the whole day.

The Coverage and Replay maps draw ``hot_points``: each incident of a time window as a dot coloured
and sized by its zone's level in that window, with its type, time and zone for a tooltip, and a
legend (``legend_rows``) that says how many incidents per zone each colour means.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shapely.geometry import mapping

from city.citypack import Zone
from city.incidents import Incident, by_hour
from core.timeutil import local_minute

__all__ = ["LEVEL_COLORS", "zone_counts", "level", "hotspot_layer", "incident_points", "HotPoint", "hot_points",
           "legend_rows", "hour_options", "hour_of_clock", "window_of", "words"]

LEVEL_COLORS = {1: "#fde68a", 2: "#fbbf24", 3: "#f97316", 4: "#dc2626"}  # pale yellow .. red


def zone_counts(incidents: Iterable[Incident], tz: ZoneInfo, hour: int | None = None) -> Counter[str]:
    """Incidents per zone in local ``hour`` (0..23), or over the whole day when ``hour`` is None."""
    hours = by_hour(incidents, tz)
    if hour is None:
        return sum(hours, Counter())
    if not 0 <= hour <= 23:
        raise ValueError(f"hour must be 0..23, got {hour}")
    return hours[hour]


def level(count: int, busiest: int) -> int:
    """1..4: which quarter of the busiest zone's count ``count`` reaches (0 for none).

    >>> [level(n, 8) for n in (0, 1, 2, 3, 5, 8)]
    [0, 1, 1, 2, 3, 4]
    """
    if count <= 0 or busiest <= 0:
        return 0
    return max(1, min(4, -(-4 * count // busiest)))


def hotspot_layer(incidents: Iterable[Incident], zones: Mapping[str, Zone], tz: ZoneInfo,
                  hour: int | None = None) -> dict[str, Any]:
    """A FeatureCollection of the zones that had incidents: ``id``, ``name``, ``count``, ``level``,
    ``color``; busiest first (ties by id). Incidents outside every zone of ``zones`` are left out."""
    counts = {z: n for z, n in zone_counts(incidents, tz, hour).items() if z in zones}
    busiest = max(counts.values(), default=0)
    features = []
    for zid, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        lvl = level(n, busiest)
        features.append({"type": "Feature", "geometry": mapping(zones[zid].geometry),
                         "properties": {"id": zid, "name": zones[zid].name, "count": n, "level": lvl,
                                        "color": LEVEL_COLORS[lvl]}})
    return {"type": "FeatureCollection", "features": features}


def incident_points(incidents: Iterable[Incident], tz: ZoneInfo, hour: int | None = None) -> list[dict[str, Any]]:
    """The incidents of local ``hour`` (or all) as map points: ``id``, ``lat``, ``lon``, ``type``, ``ts``."""
    return [{"id": x.id, "lat": x.lat, "lon": x.lon, "type": x.type, "ts": x.ts} for x in incidents
            if hour is None or local_minute(x.ts, tz) // 60 == hour]


@dataclass(frozen=True)
class HotPoint:
    """One incident drawn on a map: its zone had ``count`` incidents in the window, ``level`` 1..4."""

    id: str
    lat: float
    lon: float
    type: str
    description: str
    time: str  # local "YYYY-MM-DD HH:MM"
    zone: str
    zone_name: str
    count: int
    level: int
    color: str

    @property
    def radius(self) -> float:
        return 4.0 + 1.5 * self.level


def hot_points(incidents: Iterable[Incident], names: Mapping[str, str], tz: ZoneInfo, t0: float,
               t1: float) -> list[HotPoint]:
    """The incidents of ``[t0, t1)`` in time order, each with its zone's count and level in that window
    (an incident outside every zone counts alone: level of 1 incident)."""
    inside = [x for x in incidents if t0 <= x.ts < t1]
    counts = Counter(x.zone or f"#{x.id}" for x in inside)
    busiest = max(counts.values(), default=0)
    out = []
    for x in sorted(inside, key=lambda x: (x.ts, x.id)):
        n = counts[x.zone or f"#{x.id}"]
        lvl = level(n, busiest)
        out.append(HotPoint(x.id, x.lat, x.lon, x.type, x.description,
                            datetime.fromtimestamp(x.ts, tz).strftime("%Y-%m-%d %H:%M"), x.zone,
                            names.get(x.zone, x.zone), n, lvl, LEVEL_COLORS[lvl]))
    return out


def legend_rows(points: Iterable[HotPoint]) -> list[tuple[str, str]]:
    """``(colour, "a–b")`` of each level that occurs: the incidents per zone it stands for.

    >>> legend_rows([HotPoint("1", 0, 0, "T", "", "", "Z", "Z", 8, 4, LEVEL_COLORS[4]),
    ...              HotPoint("2", 0, 0, "T", "", "", "Y", "Y", 1, 1, LEVEL_COLORS[1])])
    [('#fde68a', '1–2'), ('#dc2626', '7–8')]
    """
    pts = list(points)
    busiest = max((p.count for p in pts), default=0)
    rows = []
    for lvl in sorted({p.level for p in pts}):
        lo, hi = (lvl - 1) * busiest // 4 + 1, lvl * busiest // 4
        rows.append((LEVEL_COLORS[lvl], f"{lo}–{hi}" if hi > lo else str(hi)))
    return rows


def hour_options(incidents: Iterable[Incident], tz: ZoneInfo, t0: float, t1: float) -> list[tuple[float, str, int]]:
    """The local hours of ``[t0, t1)`` that had incidents: ``(start, "YYYY-MM-DD HH:00", count)``."""
    starts: Counter[float] = Counter()
    for x in incidents:
        if t0 <= x.ts < t1:
            starts[datetime.fromtimestamp(x.ts, tz).replace(minute=0, second=0, microsecond=0).timestamp()] += 1
    return [(s, datetime.fromtimestamp(s, tz).strftime("%Y-%m-%d %H:00"), n) for s, n in sorted(starts.items())]


def hour_of_clock(text: str | None, tz: ZoneInfo) -> tuple[float, float] | None:
    """The local hour ``[start, end)`` of a clock text ``YYYY-MM-DD HH...`` (the Replay tab's clock).

    >>> hour_of_clock("2017-08-04 17:42:10", ZoneInfo("America/Chicago"))
    (1501884000.0, 1501887600.0)
    >>> hour_of_clock("--", ZoneInfo("UTC")) is None
    True
    """
    try:
        start = datetime.strptime(str(text)[:13], "%Y-%m-%d %H").replace(tzinfo=tz).timestamp()
    except ValueError:
        return None
    return start, start + 3600.0


def window_of(span: Sequence[float], hour: str | None, tz: ZoneInfo) -> tuple[float, float, str]:
    """The window the Coverage tab's hotspot layer shows: the local hour starting at ``hour`` (epoch
    seconds as text, cut to the range) or, when none, the whole range ``span``; and its words.

    >>> window_of([1501822800, 1501909200], "1501884000", ZoneInfo("America/Chicago"))
    (1501884000.0, 1501887600.0, '2017-08-04 17:00–18:00')
    >>> window_of([1501822800, 1501909200], "", ZoneInfo("America/Chicago"))[2]
    '2017-08-04 00:00–2017-08-05 00:00'
    """
    t0, t1 = float(span[0]), float(span[1])
    try:
        start = float(hour) if hour else None
    except ValueError:
        start = None
    if start is not None and t0 <= start < t1:
        a, b = start, min(t1, start + 3600.0)
        return a, b, words(a, b, tz)
    return t0, t1, words(t0, t1, tz)


def words(t0: float, t1: float, tz: ZoneInfo) -> str:
    """A window in local time: ``2017-08-04 17:00–18:00``, with the end's date when it is another day.

    >>> words(1501884000, 1501887600, ZoneInfo("America/Chicago"))
    '2017-08-04 17:00–18:00'
    """
    a, b = datetime.fromtimestamp(t0, tz), datetime.fromtimestamp(t1, tz)
    return f"{a:%Y-%m-%d %H:%M}–{b:%H:%M}" if a.date() == b.date() else f"{a:%Y-%m-%d %H:%M}–{b:%Y-%m-%d %H:%M}"
