"""Parsing contract input entries; every refusal names its field."""

from __future__ import annotations

import pytest

from core.messages import parse_fields
from core.model import ParseError, Ping, Read
from core.settings import DEMO_CITY, Settings, parse_tokens


def test_gps_with_optionals_and_iso_time() -> None:
    p = parse_fields({"type": "gps", "id": "P01", "lat": "22.5", "lon": "114.01",
                      "ts": "2024-03-01T02:00:00+08:00", "speed": "42.5", "heading": "90", "accuracy": "8"})
    assert isinstance(p, Ping)
    assert (p.subject, p.lat, p.lon, p.ts, p.speed, p.heading, p.accuracy) == (
        "P01", 22.5, 114.01, 1709229600.0, 42.5, 90.0, 8.0)


def test_anpr_minimal() -> None:
    r = parse_fields({"type": "anpr", "checkpoint": "K01", "plate": "粤B12345", "ts": "1700000000.5"})
    assert isinstance(r, Read)
    assert (r.checkpoint, r.plate, r.ts, r.confidence, r.subject) == ("K01", "粤B12345", 1700000000.5, None, "粤B12345")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "type"),
        ({"type": "wifi"}, "type"),
        ({"type": "gps", "lat": "1", "lon": "1", "ts": "1"}, "id"),
        ({"type": "gps", "id": "a", "lat": "x", "lon": "1", "ts": "1"}, "lat"),
        ({"type": "gps", "id": "a", "lat": "91", "lon": "1", "ts": "1"}, "lat"),
        ({"type": "gps", "id": "a", "lat": "1", "lon": "-181", "ts": "1"}, "lon"),
        ({"type": "gps", "id": "a", "lat": "1", "lon": "nan", "ts": "1"}, "lon"),
        ({"type": "gps", "id": "a", "lat": "1", "lon": "1"}, "ts"),
        ({"type": "gps", "id": "a", "lat": "1", "lon": "1", "ts": "2024-03-01T02:00:00"}, "ts"),
        ({"type": "gps", "id": "a", "lat": "1", "lon": "1", "ts": "yesterday"}, "ts"),
        ({"type": "gps", "id": "a", "lat": "1", "lon": "1", "ts": "1", "speed": "-3"}, "speed"),
        ({"type": "anpr", "plate": "x", "ts": "1"}, "checkpoint"),
        ({"type": "anpr", "checkpoint": "K1", "ts": "1"}, "plate"),
        ({"type": "anpr", "checkpoint": "K1", "plate": "x", "ts": "1", "confidence": "1.5"}, "confidence"),
        ({"type": "gps", "id": "x" * 65, "lat": "1", "lon": "1", "ts": "1"}, "id"),
    ],
)
def test_refusals_name_the_field(fields: dict[str, str], field: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_fields(fields)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ")


def test_settings_defaults_and_demo_flag() -> None:
    s = Settings.from_env({})
    assert (s.redis_url, s.city_pack, s.demo, s.prefix, s.partitions, s.api_tokens) == (
        None, DEMO_CITY, True, "cc", 4, {})
    other = Settings.from_env({"CITY_PACK": "/tmp/elsewhere", "CC_PARTITIONS": "8", "CC_PREFIX": "x"})
    assert (other.demo, other.partitions, other.prefix) == (False, 8, "x")
    assert Settings.from_env({"CITY_PACK": "/tmp/elsewhere", "CC_DEMO": "1"}).demo is True


def test_tokens_parse_and_refuse() -> None:
    assert parse_tokens("a:officer,b:unit:P01, ,c:ingest") == {"a": "officer", "b": "unit:P01", "c": "ingest"}
    with pytest.raises(ValueError, match="CC_API_TOKENS"):
        parse_tokens("justatoken")
    with pytest.raises(ValueError, match="CC_PARTITIONS"):
        Settings.from_env({"CC_PARTITIONS": "0"})
