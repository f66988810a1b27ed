"""The alert rules: one module per alert type, each a pure function.

| rule | input | fires when |
| --- | --- | --- |
| zone_exit | gps | a unit goes from inside to outside its assigned patrol zone |
| restricted_entry | gps | a forbidden category is inside a restricted zone during its hours (once per entry) |
| overspeed | gps | two fixes in a row above the limit (not units); a fix at/under ends the episode |
| night_ban | gps | a banned category moves above min_speed in the night window; once per night |
| fatigue | gps | a drive longer than max_drive_min with no rest of min_rest_min; once per drive |
| watchlist_hit | anpr | a listed plate is read |
| cloned_plate | anpr | two checkpoints read a plate faster apart than cloned_plate_kmh |
| unit_offline | clock | a unit silent for offline_after_s of event time (``detect_silent``) |

Each message rule module has ``TYPE``, ``applies(kind, category, city)`` and
``detect(event, state, city) -> (state, alerts)``: ``state`` is the rule's own
JSON-serializable dict for the subject ({} at first); no I/O, no wall clock.
"""

from __future__ import annotations

from typing import Any, Protocol

from streams.citypack import CityPack
from streams.model import Alert, AlertType, Kind
from streams.rules import (
    cloned_plate,
    fatigue,
    night_ban,
    overspeed,
    restricted_entry,
    unit_offline,
    watchlist_hit,
    zone_exit,
)

__all__ = ["GPS_RULES", "ANPR_RULES", "Rule", "unit_offline"]


class Rule(Protocol):
    """A rule module: its alert type, whether it concerns a subject, and its detector."""

    TYPE: AlertType

    def applies(self, kind: Kind, category: str | None, city: CityPack) -> bool: ...

    def detect(self, event: Any, state: dict[str, Any], city: CityPack) -> tuple[dict[str, Any], list[Alert]]: ...


GPS_RULES: tuple[Rule, ...] = (zone_exit, restricted_entry, overspeed, night_ban, fatigue)
ANPR_RULES: tuple[Rule, ...] = (watchlist_hit, cloned_plate)
