"""core.model.Alert: built by its own __init__, still a frozen dataclass with the same fields."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from core.model import ALERT_FIELDS, Alert, AlertType, Severity, make_alert_id


def _alert(**over: object) -> Alert:
    base: dict[str, object] = {"alert_id": "overspeed-1", "type": AlertType.OVERSPEED, "severity": Severity.YELLOW,
                               "subject": "粤B1", "lat": 22.5, "lon": 114.0, "ts": 1700000000.0}
    return Alert(**{**base, **over})  # type: ignore[arg-type]


def test_positional_and_keyword_construction_are_equal_and_hash_alike() -> None:
    a = Alert("overspeed-1", AlertType.OVERSPEED, Severity.YELLOW, "粤B1", 22.5, 114.0, 1700000000.0)
    b = _alert()
    assert a == b and hash(a) == hash(b)
    assert (a.zone, a.checkpoint, a.text) == ("", "", "")
    assert a != _alert(zone="Z1")


def test_it_stays_frozen_and_a_dataclass() -> None:
    a = _alert(zone="Z1", text="t")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.zone = "Z2"  # type: ignore[misc]
    assert dataclasses.asdict(a)["zone"] == "Z1"
    assert dataclasses.replace(a, zone="Z2").zone == "Z2" and a.zone == "Z1"
    assert [f.name for f in dataclasses.fields(a)] == list(ALERT_FIELDS)
    assert pickle.loads(pickle.dumps(a)) == a


@pytest.mark.parametrize(("ts", "text"), [(1700000000.0, "1700000000"), (1700000000, "1700000000"),
                                          (1700000000.25, "1700000000.250")])
def test_fields_and_their_values_agree(ts: float, text: str) -> None:
    a = _alert(ts=ts, lat=22.1234567, zone="Z1")
    fields = a.to_fields()
    assert list(fields) == list(ALERT_FIELDS)
    assert list(fields.values()) == a.field_values()
    assert (fields["lat"], fields["lon"], fields["ts"], fields["type"]) == ("22.123457", "114.000000", text,
                                                                           "overspeed")


def test_alert_id_is_the_same_for_the_same_cause() -> None:
    one = make_alert_id(AlertType.OVERSPEED, "粤B1", 1700000000)
    assert one == make_alert_id(AlertType.OVERSPEED, "粤B1", 1700000000.0)
    assert one.startswith("overspeed-") and len(one) == len("overspeed-") + 16
    assert one != make_alert_id(AlertType.OVERSPEED, "粤B1", 1700000000.5)
    assert make_alert_id("x", "s", 1.5, "e") == "x-92a9ce4c3f48710f"  # as before the id was computed inline
