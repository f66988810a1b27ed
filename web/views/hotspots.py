"""Hotspots: where the pack's real incidents (``city.incidents``) were, per local hour, as a map layer.

Pure: takes incidents and zones, returns plain GeoJSON-like dicts for a map layer. Each zone with at
least one incident in the chosen hours gets ``count`` and a ``level`` 1..4 (quarters of the busiest
zone's count), so a layer can shade them; ``hour=None`` means the whole day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from shapely.geometry import mapping

from city.citypack import Zone
from city.incidents import Incident, by_hour
from core.timeutil import local_minute

__all__ = ["LEVEL_COLORS", "zone_counts", "level", "hotspot_layer", "incident_points"]

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
