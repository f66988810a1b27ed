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

Message rules are ``detect(event, state, city) -> (state, alerts)``: ``state`` is the rule's own
JSON-serializable dict for the subject ({} at first); no I/O, no wall clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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

__all__ = ["GPS_RULES", "ANPR_RULES", "unit_offline"]

Detect = Callable[..., tuple[dict[str, Any], list[Any]]]

GPS_RULES: tuple[tuple[str, Detect], ...] = (
    ("zone_exit", zone_exit.detect),
    ("restricted_entry", restricted_entry.detect),
    ("overspeed", overspeed.detect),
    ("night_ban", night_ban.detect),
    ("fatigue", fatigue.detect),
)
ANPR_RULES: tuple[tuple[str, Detect], ...] = (
    ("watchlist_hit", watchlist_hit.detect),
    ("cloned_plate", cloned_plate.detect),
)
