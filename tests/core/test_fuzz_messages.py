"""Property-based tests of ``parse_fields`` (contract A.3): whatever a producer writes, the parser
returns an event whose fields are in range or refuses it with a ``ParseError`` naming a field in
one line; and what ``core.producer`` encodes parses back to the same values."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from core.messages import parse_fields
from core.model import ParseError, Ping, Read
from core.producer import encode_anpr, encode_gps
from core.values import MAX_ID_LEN
from tests.strategies import ANPR_FIELDS, GPS_FIELDS, stream_fields, subjects


def _identifier(value: str | None, optional: bool = False) -> None:
    if optional and value is None:
        return
    assert isinstance(value, str)
    assert value == value.strip() and value and len(value) <= MAX_ID_LEN


def _within(value: float | None, lo: float, hi: float, optional: bool = True) -> None:
    if optional and value is None:
        return
    assert value is not None and math.isfinite(value) and lo <= value <= hi


def check_event(event: Ping | Read) -> None:
    """What every parsed event guarantees to the rules."""
    assert math.isfinite(event.ts) and event.ts >= 0
    if isinstance(event, Ping):
        _identifier(event.subject)
        _within(event.lat, -90, 90, optional=False)
        _within(event.lon, -180, 180, optional=False)
        _within(event.speed, 0, 1000)
        _within(event.heading, -360, 360)
        _within(event.accuracy, 0, 1e7)
    else:
        _identifier(event.checkpoint)
        _identifier(event.plate)
        _identifier(event.lane, optional=True)
        _within(event.confidence, 0, 1)


def check_refusal(exc: ParseError, fields: dict[str, str]) -> None:
    """A refusal names a field of the message's type (or ``type``) in one line."""
    names = {"gps": GPS_FIELDS, "anpr": ANPR_FIELDS}.get(fields.get("type", ""), ())
    assert exc.field in (*names, "type"), exc.field
    assert str(exc).startswith(f"{exc.field}: ")
    assert len(str(exc).splitlines()) == 1, str(exc)


@settings(max_examples=600)
@given(stream_fields())
def test_parse_fields_returns_an_event_in_range_or_names_the_field(fields: dict[str, str]) -> None:
    try:
        event = parse_fields(fields)
    except ParseError as exc:
        check_refusal(exc, fields)
        return
    assert fields["type"] in ("gps", "anpr")
    assert isinstance(event, Ping if fields["type"] == "gps" else Read)
    check_event(event)


@settings(max_examples=200)
@given(stream_fields(GPS_FIELDS).map(lambda f: {**f, "type": "gps"}))
def test_every_gps_entry_parses_or_names_a_gps_field(fields: dict[str, str]) -> None:
    """The same with ``type`` fixed, so the search goes deep into the gps fields."""
    try:
        check_event(parse_fields(fields))
    except ParseError as exc:
        check_refusal(exc, fields)


@settings(max_examples=200)
@given(stream_fields(ANPR_FIELDS).map(lambda f: {**f, "type": "anpr"}))
def test_every_anpr_entry_parses_or_names_an_anpr_field(fields: dict[str, str]) -> None:
    try:
        check_event(parse_fields(fields))
    except ParseError as exc:
        check_refusal(exc, fields)


_ts = st.floats(min_value=0, max_value=1e11)


@settings(max_examples=300)
@given(subject=subjects(), lat=st.floats(-90, 90), lon=st.floats(-180, 180), ts=_ts,
       speed=st.none() | st.floats(0, 1000), heading=st.none() | st.floats(0, 360, exclude_max=True),
       accuracy=st.none() | st.floats(0, 1e7))
def test_encoded_gps_parses_back_to_the_same_values(subject: str, lat: float, lon: float, ts: float,
                                                    speed: float | None, heading: float | None,
                                                    accuracy: float | None) -> None:
    ping = parse_fields(encode_gps(subject, lat, lon, ts, speed=speed, heading=heading, accuracy=accuracy))
    assert isinstance(ping, Ping)
    assert ping.subject == subject
    assert abs(ping.lat - lat) <= 5e-7 and abs(ping.lon - lon) <= 5e-7  # 6 decimals
    assert abs(ping.ts - ts) <= 5e-4 * max(1.0, ts / 1e9)  # whole seconds or milliseconds
    assert (ping.speed is None) == (speed is None)
    if speed is not None:
        assert ping.speed is not None and abs(ping.speed - speed) <= 0.05 + 1e-9
    assert ping.heading == (None if heading is None else round(heading) % 360)
    assert (ping.accuracy is None) == (accuracy is None)
    if accuracy is not None:
        assert ping.accuracy is not None and abs(ping.accuracy - accuracy) <= 0.5 + 1e-9


@settings(max_examples=200)
@given(checkpoint=subjects(), plate=subjects(), ts=_ts, confidence=st.none() | st.floats(0, 1),
       lane=st.none() | subjects())
def test_encoded_anpr_parses_back_to_the_same_values(checkpoint: str, plate: str, ts: float,
                                                     confidence: float | None, lane: str | None) -> None:
    read = parse_fields(encode_anpr(checkpoint, plate, ts, confidence=confidence, lane=lane))
    assert isinstance(read, Read)
    assert (read.checkpoint, read.plate, read.lane) == (checkpoint, plate, lane)
    assert abs(read.ts - ts) <= 5e-4 * max(1.0, ts / 1e9)
    assert (read.confidence is None) == (confidence is None)
    if confidence is not None:
        assert read.confidence is not None and abs(read.confidence - confidence) <= 0.005 + 1e-9
