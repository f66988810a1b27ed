"""watchlist_hit: a checkpoint reads a plate on the watchlist.

Every read of a listed plate is one event and one alert, with the list entry's severity, at the
checkpoint's position. The id is built from plate, checkpoint and read time, so a redelivered
read gives the same id. Stateless: the state passes through unchanged.
"""

from __future__ import annotations

from typing import Any

from city.citypack import CityPack
from core.model import Alert, AlertType, Kind, Read, Severity, make_alert_id

__all__ = ["TYPE", "applies", "detect"]

TYPE = AlertType.WATCHLIST_HIT


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return True


def detect(read: Read, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """One alert per read of a listed plate.

    A checkpoint missing from the city pack still alerts (the hit matters more than the place),
    at the city centre, and the text says the checkpoint is unknown.
    """
    entry = city.watchlist.get(read.plate)
    if entry is None:
        return state, []
    cp = city.checkpoints.get(read.checkpoint)
    if cp is not None:
        lat, lon, where = cp.lat, cp.lon, f"{cp.id} ({cp.name})"
    else:
        (lat, lon), where = city.center, f"unknown checkpoint {read.checkpoint}"
    alert = Alert(
        make_alert_id(TYPE, read.plate, read.ts, read.checkpoint), TYPE, Severity(entry.severity), read.plate,
        lat, lon, read.ts, checkpoint=read.checkpoint,
        text=f"watchlist plate {read.plate} ({entry.reason}) read at {where}",
    )
    return state, [alert]
