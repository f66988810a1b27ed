"""Property-based tests of what devices and programs send over HTTP.

- ``decode_osmand`` (pure): any key/value pairs and any JSON body give contract gps messages that
  ``parse_fields`` accepts, or a ``ParseError`` naming a field in one line; never another exception.
- ``/api/ingest`` and ``/api/osmand`` on real Redis: random bodies never get a 5xx; a 4xx is JSON
  with ``error`` and ``field``; the input partitions grow by exactly the number of accepted messages.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
import redis
from hypothesis import HealthCheck, event, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from api.osmand import decode_osmand
from api.routes import INGEST_MAX
from core.messages import parse_fields
from core.model import ParseError, Ping
from core.producer import encode_anpr, encode_gps
from core.settings import Settings
from tests.api.conftest import INGEST, KEYS, MINI_CITY, OFFICER, TOKENS, add_alert, snapshot
from tests.strategies import (
    KNOWN_IDS,
    OSMAND_FIELDS,
    T0,
    json_values,
    mostly,
    osmand_params,
    stream_fields,
    traccar_bodies,
)

# the fields decode_osmand may name: key/value names, or paths into the Traccar JSON body
_JSON_FIELD = re.compile(r"(body|device_id|location(\[\d+\])?(\.timestamp|\.coords(\.(latitude|longitude|speed"
                         r"|heading|accuracy))?)?)")


def check_decoded(params: dict[str, str], body: Any) -> list[dict[str, str]]:
    """``decode_osmand`` answers messages the worker accepts, or names the field it refuses."""
    try:
        messages = decode_osmand(params, body)
    except ParseError as exc:
        assert exc.field in OSMAND_FIELDS or _JSON_FIELD.fullmatch(exc.field), exc.field
        assert str(exc).startswith(f"{exc.field}: ") and len(str(exc).splitlines()) == 1, str(exc)
        return []
    assert isinstance(messages, list) and messages
    for msg in messages:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in msg.items())
        ping = parse_fields(msg)
        assert isinstance(ping, Ping) and ping.subject == msg["id"] == messages[0]["id"]
    return messages


@hsettings(max_examples=400)
@given(osmand_params())
def test_osmand_key_value_pairs_decode_or_name_the_field(params: dict[str, str]) -> None:
    check_decoded(params, None)


_HUGE = {"device_id": "P01", "location": {"timestamp": 1_700_000_000, "coords": {"latitude": 22.5,
                                                                                "longitude": 10**400}}}


@hsettings(max_examples=400)
@given(traccar_bodies())
@example(_HUGE)  # found by this property with random seeds: an OverflowError before core/values.py caught it
def test_traccar_json_bodies_decode_or_name_the_field(body: Any) -> None:
    check_decoded({}, body)


@hsettings(max_examples=200)
@given(st.one_of(st.just({}), osmand_params()), json_values)
def test_any_json_body_with_any_params_decodes_or_names_the_field(params: dict[str, str], body: Any) -> None:
    check_decoded(params, body)


def test_an_integer_beyond_any_float_is_refused_naming_the_field() -> None:
    """Regression: ``parse_number`` let ``float(10**400)``'s OverflowError escape (the standard
    library's JSON parser keeps such integers)."""
    with pytest.raises(ParseError) as err:
        decode_osmand({}, _HUGE)
    assert err.value.field == "location.coords.longitude"
    assert str(err.value) == "location.coords.longitude: is outside -180..180"


# --- over HTTP, on real Redis ---------------------------------------------------------------------

@pytest.fixture()
def settings(redis_url: str) -> Settings:
    """The API's settings with rates no example reaches (a 429 is a fine answer, but one that would hide
    the rest of the path from the later examples: Redis is not emptied between them)."""
    return Settings(redis_url=redis_url, city_pack=MINI_CITY, demo=False, api_tokens=dict(TOKENS), partitions=4,
                    rate_device="1000000/second", rate_token="1000000/second")


def input_count(r: redis.Redis) -> int:
    return sum(r.xlen(KEYS.input(p)) for p in range(4))


def check_error(resp: Any) -> None:
    event(f"HTTP {resp.status_code}")  # --hypothesis-show-statistics shows how the examples spread
    assert resp.status_code < 500, resp.get_data(as_text=True)[:300]
    if resp.status_code >= 400:
        body = resp.get_json(silent=True)
        assert isinstance(body, dict), resp.get_data(as_text=True)[:300]
        assert isinstance(body.get("error"), str) and body["error"]
        assert isinstance(body.get("field"), str) and body["field"]


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


_good = st.one_of(
    st.builds(lambda s, lat, ts: encode_gps(s, lat, 114.0, ts), st.sampled_from(KNOWN_IDS), st.floats(-90, 90),
              st.floats(0, 4e9)),
    st.builds(lambda p, ts: encode_anpr("A", p, ts), st.sampled_from(KNOWN_IDS), st.floats(0, 4e9)),
)
_messages = st.one_of(_good, stream_fields(), json_values)
_ingest_bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(_dumps),
    st.lists(_messages, max_size=30).map(_dumps),
    st.sampled_from([INGEST_MAX, INGEST_MAX + 1]).flatmap(  # at and over the bound
        lambda n: st.sampled_from([None, {}, 0, "x"]).map(lambda filler: _dumps([filler] * n))),
    st.integers(1, 200_000).map(lambda n: b"[" * n + b"]" * n),  # nesting deeper than a parser recurses
    st.sampled_from([b"", b"[", b"NaN", b"[NaN]", b'[{"type": "gps", "id": "\\ud800", "lat": 1, "lon": 1, "ts": 1}]',
                     b"\xff\xfe[\x00]\x00", b'[{"type": "gps", "id": "P01", "lat": 1e400, "lon": 1, "ts": 1}]']),
)
_content_types = st.sampled_from([None, "application/json", "text/plain", "application/x-www-form-urlencoded",
                                  "multipart/form-data; boundary=x", "application/json; charset=latin-1"])
_fuzz = hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_fuzz
@given(body=_ingest_bodies, content_type=_content_types)
def test_ingest_never_fails_and_writes_exactly_what_it_accepts(client: Any, r: redis.Redis, body: bytes,
                                                               content_type: str | None) -> None:
    before = input_count(r)
    resp = client.post("/api/ingest", data=body, headers=INGEST, content_type=content_type)
    check_error(resp)
    written = input_count(r) - before
    if resp.status_code != 200:
        assert written == 0
        return
    results = resp.get_json()
    assert isinstance(results, list) and [x["index"] for x in results] == list(range(len(results)))
    accepted = [x for x in results if x["status"] == "accepted"]
    assert written == len(accepted)
    for x in results:
        if x["status"] != "accepted":
            assert isinstance(x["error"], str) and "\n" not in x["error"] and isinstance(x["field"], str)


def _as_form(params: dict[str, str]) -> bytes:
    return urlencode(params).encode()


_osmand_bodies = st.one_of(
    st.none(),
    st.binary(max_size=200),
    traccar_bodies().map(_dumps),
    json_values.map(_dumps),
    osmand_params().map(_as_form),
    st.integers(1, 5000).map(lambda n: b"{" + b'"a":[' * n + b"]" * n + b"}"),
)
# (query params, body, content type): mostly the three ways devices really send, else any mix
_osmand_requests = mostly(
    st.one_of(
        st.tuples(osmand_params(), st.none(), st.none()),
        st.tuples(st.just({}), traccar_bodies().map(_dumps), st.just("application/json")),
        st.tuples(st.just({}), osmand_params().map(_as_form), st.just("application/x-www-form-urlencoded")),
    ),
    st.tuples(st.just({}) | osmand_params(), _osmand_bodies, _content_types),
)


@_fuzz
@given(request=_osmand_requests, method=st.sampled_from(["GET", "POST"]))
def test_osmand_never_fails_and_writes_exactly_what_it_accepts(client: Any, r: redis.Redis, method: str,
                                                               request: tuple[dict[str, str], bytes | None,
                                                                              str | None]) -> None:
    params, body, content_type = request
    before = input_count(r)
    resp = client.open("/api/osmand", method=method, query_string=params, data=body, content_type=content_type)
    check_error(resp)
    written = input_count(r) - before
    if resp.status_code != 200:
        assert written == 0
        return
    answer = resp.get_json()
    assert written == answer["accepted"] == len(answer["messages"]) > 0
    assert {m["id"] for m in answer["messages"]} <= set(KNOWN_IDS)


# --- regressions found by the properties above ---------------------------------------------------

def test_ingest_refuses_json_nested_deeper_than_a_parser_recurses(client: Any, r: redis.Redis) -> None:
    """Regression: ``[[[...]]]`` 2,000 deep made the standard library's parser raise RecursionError: a 500."""
    resp = client.post("/api/ingest", data=b"[" * 2000 + b"]" * 2000, headers=INGEST)
    assert resp.status_code == 400
    assert resp.get_json()["field"] == "body" and "not valid JSON" in resp.get_json()["error"]
    assert input_count(r) == 0


def test_ingest_refuses_a_lone_surrogate_and_writes_nothing(client: Any, r: redis.Redis) -> None:
    """Regression: ``"\\ud800"`` parsed into a str that no Redis write can encode as UTF-8: a 500."""
    good = b'{"type": "gps", "id": "P01", "lat": 22.5, "lon": 114.0, "ts": 1700000000}'
    body = b"[" + good + b', {"type": "gps", "id": "\\ud800", "lat": 1, "lon": 1, "ts": 1}]'
    resp = client.post("/api/ingest", data=body, headers=INGEST)
    assert resp.status_code == 400 and resp.get_json()["field"] == "body"
    assert input_count(r) == 0
    assert client.post("/api/ingest", data=b"[" + good + b"]", headers=INGEST).get_json()[0]["status"] == "accepted"
    assert input_count(r) == 1


def test_dispatch_refuses_a_lone_surrogate_in_the_note(client: Any, r: redis.Redis) -> None:
    """Regression: the same string in a dispatch ``note`` reached the order's Redis write: a 500."""
    add_alert(r, "watchlist_hit-1")
    body = b'{"alert_id": "watchlist_hit-1", "unit": "P01", "note": "\\udc00"}'
    before = snapshot(r)
    resp = client.post("/api/dispatch", data=body, headers=OFFICER)
    assert resp.status_code == 400 and resp.get_json()["field"] == "body"
    assert snapshot(r) == before


def test_ingest_still_reads_a_body_that_starts_with_a_byte_order_mark(client: Any, r: redis.Redis) -> None:
    body = "\ufeff" + json.dumps([encode_gps("P01", 22.5, 114.0, T0)])
    resp = client.post("/api/ingest", data=body.encode("utf-8"), headers=INGEST)
    assert resp.status_code == 200 and resp.get_json()[0]["status"] == "accepted"
    assert input_count(r) == 1
