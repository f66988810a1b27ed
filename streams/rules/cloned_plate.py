"""cloned_plate: one plate read at two checkpoints further apart than a car can drive in the time.

State: the plate's newest read ``{"checkpoint", "ts", "lat", "lon"}``. Each read at a known
checkpoint is compared with it; when the checkpoints differ and the great-circle distance over
``|dt|`` exceeds ``city.cloned_plate_kmh`` (``dt == 0`` with a distance > 0 is infinitely fast),
a red alert is raised at the new read's checkpoint. A read older than the state's is compared
too but does not replace the newer read. Reads at the same checkpoint never alert.
"""

from __future__ import annotations

from typing import Any

from city.citypack import Checkpoint, CityPack
from city.geo import haversine_m
from core.model import Alert, AlertType, Kind, Read, Severity, make_alert_id

__all__ = ["TYPE", "applies", "detect", "implied_kmh"]

TYPE = AlertType.CLONED_PLATE


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return True


def implied_kmh(dist_m: float, dt_s: float) -> float:
    """Speed needed to cover ``dist_m`` in ``|dt_s|``: infinite at dt 0 unless the distance is 0.

    >>> implied_kmh(1000, 36), implied_kmh(1000, -36), implied_kmh(5, 0), implied_kmh(0, 0)
    (100.0, 100.0, inf, 0.0)
    """
    if dist_m <= 0:
        return 0.0
    dt = abs(dt_s)
    return float("inf") if dt == 0 else dist_m / dt * 3.6


def _last(state: dict[str, Any]) -> tuple[str, float, float, float] | None:
    try:
        return str(state["checkpoint"]), float(state["ts"]), float(state["lat"]), float(state["lon"])
    except (KeyError, TypeError, ValueError):
        return None  # no read yet (or a state of an older layout): start afresh


def _state(read: Read, cp: Checkpoint) -> dict[str, Any]:
    return {"checkpoint": cp.id, "ts": read.ts, "lat": cp.lat, "lon": cp.lon}


def detect(read: Read, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Compare the read with the plate's newest read; keep whichever is newer."""
    cp = city.checkpoints.get(read.checkpoint)
    if cp is None:
        return state, []
    last = _last(state)
    if last is None:
        return _state(read, cp), []
    prev_id, prev_ts, prev_lat, prev_lon = last
    kept = _state(read, cp) if read.ts >= prev_ts else state
    if prev_id == cp.id:
        return kept, []
    dt = read.ts - prev_ts
    dist = haversine_m(prev_lat, prev_lon, cp.lat, cp.lon)
    kmh = implied_kmh(dist, dt)
    if kmh <= city.cloned_plate_kmh:
        return kept, []
    prev = city.checkpoints.get(prev_id)
    prev_name = f"{prev_id} ({prev.name})" if prev is not None else prev_id
    how = "at the same moment" if dt == 0 else f"{abs(dt):.0f} s apart ({kmh:.0f} km/h)"
    alert = Alert(
        make_alert_id(TYPE, read.plate, read.ts, f"{prev_id}>{cp.id}"), TYPE, Severity.RED, read.plate,
        cp.lat, cp.lon, read.ts, checkpoint=cp.id,
        text=f"plate {read.plate} read at {prev_name} and {cp.id} ({cp.name}), {dist / 1000:.1f} km, {how}: "
        "cloned plate?",
    )
    return kept, [alert]
