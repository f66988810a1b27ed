"""cloned_plate: one plate read at two checkpoints faster than a car can drive between them."""

from __future__ import annotations

from typing import Any

from streams.citypack import CityPack
from streams.geo import haversine_m
from streams.model import Alert, AlertType, Kind, Read, Severity, make_alert_id

TYPE = AlertType.CLONED_PLATE


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return True


def detect(read: Read, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Compare with the plate's newest read; reads at the same time in two places are infinitely fast.

    State: the newest read ``{cp, ts}``; an older read arriving late is compared but not kept.
    """
    cp = city.checkpoints.get(read.checkpoint)
    if cp is None:
        return state, []
    newest = {"cp": read.checkpoint, "ts": read.ts}
    prev = city.checkpoints.get(state.get("cp", ""))
    if prev is None or prev.id == cp.id:
        return (newest if read.ts >= float(state.get("ts", read.ts)) else state), []
    dt = abs(read.ts - float(state["ts"]))
    dist = haversine_m(prev.lat, prev.lon, cp.lat, cp.lon)
    kmh = float("inf") if dt == 0 else dist / dt * 3.6
    kept = newest if read.ts >= float(state["ts"]) else state
    if kmh <= city.cloned_plate_kmh:
        return kept, []
    speed = "at the same time" if dt == 0 else f"{dist / 1000:.1f} km apart in {dt:.0f} s ({kmh:.0f} km/h)"
    alert = Alert(
        make_alert_id(TYPE, read.plate, read.ts, f"{prev.id}>{cp.id}"), TYPE, Severity.RED, read.plate,
        cp.lat, cp.lon, read.ts, checkpoint=cp.id,
        text=f"plate {read.plate} read at {prev.id} and {cp.id} {speed}: cloned plate?",
    )
    return kept, [alert]
