"""The rule lists: fixed order, (name, detect) pairs, every alert type covered."""

from __future__ import annotations

from core.model import AlertType, Kind
from streams import rules

from .kit import CITY, COACH, TAXI, W_IN, gps, local


def test_lists_in_a_fixed_order_unpacking_as_name_and_detect() -> None:
    assert [name for name, _ in rules.GPS_RULES] == [
        "zone_exit", "restricted_entry", "overspeed", "night_ban", "fatigue"]
    assert [name for name, _ in rules.ANPR_RULES] == ["watchlist_hit", "cloned_plate"]
    for rule in rules.GPS_RULES + rules.ANPR_RULES:
        name, detect = rule
        module = rules.RULE_MODULES[AlertType(name)]
        assert detect is module.detect and rule.TYPE is module.TYPE
        assert rule.applies(Kind.VEHICLE, "coach", CITY) == module.applies(Kind.VEHICLE, "coach", CITY)


def test_every_alert_type_has_a_module_and_a_line_in_the_table() -> None:
    assert set(rules.RULE_MODULES) == set(AlertType)
    for t in AlertType:
        assert f"| {t.value} |" in (rules.__doc__ or "")


def test_rules_that_do_not_apply_return_the_state_untouched() -> None:
    ping = gps(TAXI, local("02:00"), W_IN, 80)
    for rule in rules.GPS_RULES:
        if not rule.applies(ping.kind, ping.category, CITY):
            state = {"kept": True}
            assert rule.detect(ping, state, CITY) == (state, []), rule.name
    coach = gps(COACH, local("02:00"), W_IN, 80)
    assert {r.name for r in rules.GPS_RULES if r.applies(coach.kind, coach.category, CITY)} == {
        "restricted_entry", "overspeed", "night_ban", "fatigue"}
