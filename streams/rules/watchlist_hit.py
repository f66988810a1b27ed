"""watchlist_hit: a checkpoint reads a plate on the watchlist."""

from __future__ import annotations

from typing import Any

from streams.citypack import CityPack
from streams.model import Alert, AlertType, Kind, Read, Severity, make_alert_id

TYPE = AlertType.WATCHLIST_HIT


def applies(kind: Kind, category: str | None, city: CityPack) -> bool:
    """Whether this rule concerns a subject of this kind and category at all."""
    return True


def detect(read: Read, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]:
    """Every read of a listed plate is an alert with the list entry's severity."""
    entry = city.watchlist.get(read.plate)
    if entry is None:
        return state, []
    cp = city.checkpoints.get(read.checkpoint)
    lat, lon, name = (cp.lat, cp.lon, cp.name) if cp else (0.0, 0.0, read.checkpoint)
    alert = Alert(
        make_alert_id(TYPE, read.plate, read.ts, read.checkpoint), TYPE, Severity(entry.severity), read.plate,
        lat, lon, read.ts, checkpoint=read.checkpoint,
        text=f"watchlist {read.plate} ({entry.reason}) read at {read.checkpoint} {name}",
    )
    return state, [alert]
