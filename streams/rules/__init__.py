"""The alert rules (contract section 4): one module per alert type, each a pure function.

| rule | input | fires when | once per | severity |
| --- | --- | --- | --- | --- |
| zone_exit | gps, units | the last fix was inside the assigned patrol zone, this one is outside (boundary = inside) | exit; back inside re-arms | yellow |
| restricted_entry | gps, vehicles | inside a restricted zone that forbids the category, within its hours (may wrap midnight) | entry; leaving re-arms | red hazmat, else orange |
| overspeed | gps, not units | the 2nd fix in a row strictly above the limit in force (lowest zone limit, else city default) | episode; a fix at/under the limit ends it | orange at >= 1.5x limit, else yellow |
| night_ban | gps, night_ban categories | speed > min_speed and local time in [start, end) | night (keyed by the date the window starts) | orange |
| fatigue | gps, fatigue categories | a moving fix more than max_drive_min after the drive started | drive; a rest (slow fixes spanning >= min_rest_min) ends it | orange |
| watchlist_hit | anpr | a listed plate is read | read (id: plate, checkpoint, ts) | the entry's |
| cloned_plate | anpr | reads at two different checkpoints imply > cloned_plate_kmh (same ts: infinite) | pair of reads | red |
| unit_offline | event clock | clock - last fix ts >= offline_after_s (``unit_offline.detect_silent``) | silence (the worker re-arms on the next fix) | blue |

Each message rule module has ``TYPE``, ``applies(kind, category, city)`` and
``detect(event, state, city) -> (state, alerts)``: ``event`` is an enriched ``Ping`` or a
``Read``, ``state`` the rule's own JSON-serializable dict for the subject ({} at first), never
mutated; the new state is returned. No I/O, no wall clock: event time only. Alert ids come from
``make_alert_id`` with the triggering event's ts, so a redelivered message gives the same id.

``GPS_RULES`` and ``ANPR_RULES`` list them in a fixed order; each entry unpacks as
``(name, detect)`` and also offers ``TYPE`` and ``applies`` of its module.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any, NamedTuple

from city.citypack import CityPack
from core.model import Alert, AlertType, Kind
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

__all__ = ["Detect", "Rule", "GPS_RULES", "ANPR_RULES", "RULE_MODULES", "unit_offline"]

Detect = Callable[[Any, dict[str, Any], CityPack], tuple[dict[str, Any], list[Alert]]]
Applies = Callable[[Kind, "str | None", CityPack], bool]


class Rule(NamedTuple):
    """One message rule: unpacks as ``(name, detect)``; ``name`` is its alert type's value."""

    name: str
    detect: Detect

    @property
    def TYPE(self) -> AlertType:
        return AlertType(self.name)

    def applies(self, kind: Kind, category: str | None, city: CityPack) -> bool:
        """Whether the rule concerns a subject of this kind and category at all."""
        return _APPLIES[self.name](kind, category, city)


def _rule(module: ModuleType) -> Rule:
    _APPLIES[module.TYPE.value] = module.applies
    return Rule(module.TYPE.value, module.detect)


_APPLIES: dict[str, Applies] = {}
GPS_RULES: tuple[Rule, ...] = tuple(_rule(m) for m in (zone_exit, restricted_entry, overspeed, night_ban, fatigue))
ANPR_RULES: tuple[Rule, ...] = tuple(_rule(m) for m in (watchlist_hit, cloned_plate))
RULE_MODULES: dict[AlertType, ModuleType] = {
    m.TYPE: m
    for m in (zone_exit, restricted_entry, overspeed, night_ban, fatigue, watchlist_hit, cloned_plate, unit_offline)
}
