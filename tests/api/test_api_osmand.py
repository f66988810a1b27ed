"""OsmAnd / Traccar Client: every shape the contract lists, over HTTP, and the pure decoder."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

import pytest
import redis

from api.osmand import KNOT_KMH, decode_json, decode_params, parse_osmand_time
from core.model import ParseError
from tests.api.conftest import KEYS, inputs, snapshot

TS = 1_700_000_000  # 2023-11-14 22:13:20 UTC


def traccar9(device: str = "P01", **coords: Any) -> dict[str, Any]:
    base = {"latitude": 22.505, "longitude": 114.003, "speed": 5.0, "heading": 90.0, "accuracy": 8.0,
            "altitude": 12.0}
    base.update(coords)
    return {"device_id": device, "location": {"timestamp": "2023-11-14T22:13:20.000Z", "coords": base,
                                               "is_moving": True, "odometer": 100,
                                               "battery": {"level": 0.8, "is_charging": False}}}


# --- pure decoding ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [str(TS), str(TS * 1000), "2023-11-14T22:13:20Z", "2023-11-14T22:13:20+00:00",
                                 "2023-11-15T06:13:20+08:00", "2023-11-14 22:13:20", "2023-11-14T22:13:20"])
def test_every_timestamp_form_gives_the_same_epoch_seconds(raw: str) -> None:
    assert parse_osmand_time(raw) == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("raw", ["", "yesterday", "2023-13-45 99:00:00", "0", "-5", "nan"])
def test_bad_timestamps_name_the_field(raw: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_osmand_time(raw)
    assert err.value.field == "timestamp"


def test_speed_in_knots_becomes_kmh_and_bearing_or_heading_is_the_heading() -> None:
    a = decode_params({"id": "P01", "lat": "22.5", "lon": "114", "timestamp": str(TS), "speed": "20",
                       "bearing": "45"})
    b = decode_params({"deviceid": "P01", "lat": "22.5", "lon": "114", "timestamp": str(TS), "speed": "20",
                       "heading": "45"})
    assert a == b
    assert float(a["speed"]) == pytest.approx(20 * KNOT_KMH, abs=0.05)
    assert a["heading"] == "45"


def test_negative_speed_and_heading_mean_unknown_and_are_left_out() -> None:
    msg = decode_params({"id": "P01", "lat": "22.5", "lon": "114", "timestamp": str(TS), "speed": "-1",
                         "bearing": "-1", "accuracy": "-1"})
    assert set(msg) == {"type", "id", "lat", "lon", "ts"}


@pytest.mark.parametrize(("params", "field"), [
    ({"lat": "22.5", "lon": "114", "timestamp": str(TS)}, "id"),
    ({"id": "P01", "lon": "114", "timestamp": str(TS)}, "lat"),
    ({"id": "P01", "lat": "91", "lon": "114", "timestamp": str(TS)}, "lat"),
    ({"id": "P01", "lat": "22.5", "lon": "east", "timestamp": str(TS)}, "lon"),
    ({"id": "P01", "location": "22.5;114", "timestamp": str(TS)}, "location"),
    ({"id": "P01", "lat": "22.5", "lon": "114"}, "timestamp"),
    ({"id": "P01", "lat": "22.5", "lon": "114", "timestamp": str(TS), "speed": "fast"}, "speed"),
    ({"id": "P01", "lat": "22.5", "lon": "114", "timestamp": str(TS), "bearing": "400"}, "bearing"),
])
def test_bad_params_name_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(ParseError) as err:
        decode_params(params)
    assert err.value.field == field


def test_traccar9_json_speed_in_ms_becomes_kmh_and_extras_are_not_forwarded() -> None:
    (msg,) = decode_json(traccar9(speed=10.0))
    assert msg == {"type": "gps", "id": "P01", "lat": "22.505000", "lon": "114.003000", "ts": str(TS),
                   "speed": "36.0", "heading": "90", "accuracy": "8"}


def test_traccar9_json_batch_of_locations_gives_one_message_each() -> None:
    body = traccar9()
    second = {**body["location"], "timestamp": "2023-11-14T22:13:30Z"}
    body["location"] = [body["location"], second]
    assert [m["ts"] for m in decode_json(body)] == [str(TS), str(TS + 10)]


@pytest.mark.parametrize(("body", "field"), [
    ({"location": traccar9()["location"]}, "device_id"),
    ({"device_id": "P01"}, "location"),
    (traccar9(latitude=None), "location.coords.latitude"),
    (traccar9(longitude="x"), "location.coords.longitude"),
    ({"device_id": "P01", "location": {"coords": {"latitude": 1, "longitude": 2}}}, "location.timestamp"),
])
def test_bad_traccar9_json_names_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ParseError) as err:
        decode_json(body)
    assert err.value.field == field


# --- over HTTP ----------------------------------------------------------------------------------

def _one_input(r: redis.Redis, subject: str) -> dict[str, str]:
    p = zlib.crc32(subject.encode("utf-8")) % 4
    entries = r.xrange(KEYS.input(p))
    assert len(entries) == 1 and inputs(r) == [entries[0][1]]
    return entries[0][1]


def test_get_query_string_writes_a_contract_gps_message_to_the_subjects_partition(
        client: Any, r: redis.Redis) -> None:
    resp = client.get(f"/api/osmand?id=P01&lat=22.505&lon=114.003&timestamp={TS}&speed=10&bearing=180"
                      "&altitude=5&accuracy=6&batt=77")
    assert resp.status_code == 200
    msg = _one_input(r, "P01")
    assert msg == {"type": "gps", "id": "P01", "lat": "22.505000", "lon": "114.003000", "ts": str(TS),
                   "speed": f"{10 * KNOT_KMH:.1f}", "heading": "180", "accuracy": "6"}


def test_post_form_body_with_location_and_ms_timestamp(client: Any, r: redis.Redis) -> None:
    resp = client.post("/api/osmand", data={"deviceid": "粤BC1001", "location": "22.51,114.02",
                                            "timestamp": str(TS * 1000 + 500)})
    assert resp.status_code == 200
    msg = _one_input(r, "粤BC1001")
    assert (msg["id"], msg["lat"], msg["lon"], msg["ts"]) == ("粤BC1001", "22.510000", "114.020000",
                                                              f"{TS}.500")


def test_date_time_without_offset_is_utc(client: Any, r: redis.Redis) -> None:
    resp = client.post("/api/osmand?id=P02&lat=22.5&lon=114.0&timestamp=2023-11-14%2022:13:20")
    assert resp.status_code == 200
    assert _one_input(r, "P02")["ts"] == str(TS)


def test_traccar9_json_body(client: Any, r: redis.Redis) -> None:
    resp = client.post("/api/osmand", json=traccar9("P03", speed=2.5))
    assert resp.status_code == 200
    msg = _one_input(r, "P03")
    assert (msg["speed"], msg["heading"], msg["ts"]) == ("9.0", "90", str(TS))


def test_unknown_device_is_refused_and_nothing_is_written(client: Any, r: redis.Redis) -> None:
    before = snapshot(r)
    for resp in (client.get(f"/api/osmand?id=NOPE&lat=22.5&lon=114&timestamp={TS}"),
                 client.post("/api/osmand", json=traccar9("粤BZ9999"))):  # on the watchlist, not monitored
        assert 400 <= resp.status_code < 500
        assert resp.get_json()["field"] in ("id", "device_id")
    assert snapshot(r) == before


def test_bad_field_is_400_naming_it_and_nothing_is_written(client: Any, r: redis.Redis) -> None:
    before = snapshot(r)
    resp = client.get(f"/api/osmand?id=P01&lat=22.5&lon=200&timestamp={TS}")
    assert resp.status_code == 400
    assert resp.get_json()["field"] == "lon" and "lon" in resp.get_json()["error"]
    resp = client.post("/api/osmand", data=b"{not json", content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["field"] == "body"
    assert snapshot(r) == before


def test_a_batch_with_one_bad_fix_writes_none(client: Any, r: redis.Redis) -> None:
    body = traccar9()
    body["location"] = [body["location"], {**body["location"], "timestamp": "soon"}]
    resp = client.post("/api/osmand", json=body)
    assert resp.status_code == 400 and resp.get_json()["field"] == "location[1].timestamp"
    assert inputs(r) == []
