"""The producer helper: contract section 3 field names, and the partition of each subject."""

from __future__ import annotations

import zlib

import pytest
import redis

from core.keys import Keys
from core.messages import parse_fields
from core.model import Ping, Read
from core.producer import Producer, encode_anpr, encode_gps, subject_of


def test_gps_has_exactly_the_contract_fields_and_leaves_out_absent_optionals() -> None:
    bare = encode_gps("P01", 22.53, 114.02, 1_700_000_000)
    assert bare == {"type": "gps", "id": "P01", "lat": "22.530000", "lon": "114.020000", "ts": "1700000000"}
    full = encode_gps("P01", 22.53, 114.02, 1_700_000_000.25, speed=42.26, heading=359.6, accuracy=7.6)
    assert set(full) == {"type", "id", "lat", "lon", "ts", "speed", "heading", "accuracy"}
    assert (full["ts"], full["speed"], full["heading"], full["accuracy"]) == ("1700000000.250", "42.3", "0", "8")
    ping = parse_fields(full)
    assert isinstance(ping, Ping)
    assert (ping.subject, ping.lat, ping.lon, ping.ts, ping.speed) == ("P01", 22.53, 114.02, 1_700_000_000.25, 42.3)


def test_anpr_has_exactly_the_contract_fields_and_leaves_out_absent_optionals() -> None:
    assert encode_anpr("K01", "粤B12345", 1_700_000_001) == {
        "type": "anpr", "checkpoint": "K01", "plate": "粤B12345", "ts": "1700000001"}
    full = encode_anpr("K01", "粤B12345", 1_700_000_001, confidence=0.913, lane="2")
    assert full == {"type": "anpr", "checkpoint": "K01", "plate": "粤B12345", "ts": "1700000001",
                    "confidence": "0.91", "lane": "2"}
    read = parse_fields(full)
    assert isinstance(read, Read) and (read.plate, read.confidence, read.lane) == ("粤B12345", 0.91, "2")


def test_the_subject_of_a_plate_read_is_the_plate() -> None:
    assert subject_of(encode_anpr("K01", "粤B12345", 1)) == "粤B12345"
    assert subject_of(encode_gps("粤B12345", 22.5, 114.0, 1)) == "粤B12345"


@pytest.mark.parametrize("partitions", [1, 4, 7])
def test_each_message_lands_in_crc32_mod_n_in_order(r: redis.Redis, partitions: int) -> None:
    keys = Keys("cc")
    subjects = ["P01", "P02", "P17", "粤B12345", "粤BD0001", "粤BX7001"]
    msgs = [encode_gps(s, 22.5, 114.0, 1_700_000_000 + i, speed=30) for i, s in enumerate(subjects)]
    msgs += [encode_anpr("K03", s, 1_700_000_100 + i) for i, s in enumerate(subjects[3:])]
    ids = Producer(r, keys, partitions).send(msgs)
    assert len(ids) == len(msgs) and all("-" in i for i in ids)
    expected: dict[int, list[dict[str, str]]] = {}
    for m in msgs:
        expected.setdefault(zlib.crc32(subject_of(m).encode("utf-8")) % partitions, []).append(m)
    for p in range(partitions):
        assert [f for _, f in r.xrange(keys.input(p))] == expected.get(p, []), p
    assert sorted(r.keys("cc:in:*")) == sorted(keys.input(p) for p in expected)


def test_the_key_prefix_is_honoured_and_an_empty_batch_writes_nothing(r: redis.Redis) -> None:
    producer = Producer(r, Keys("city2"), 2)
    assert producer.send([]) == []
    producer.send([encode_gps("P01", 22.5, 114.0, 1)])
    assert r.keys("*") == [f"city2:in:{zlib.crc32(b'P01') % 2}"]


def test_an_atomic_send_writes_the_same_entries(r: redis.Redis) -> None:
    msgs = [encode_gps("粤BB1187", 22.5, 114.0, 1_700_000_000 + 60 * k, speed=40) for k in range(250)]
    ids = Producer(r, Keys("cc"), 4).send(msgs, atomic=True)
    stream = Keys("cc").input(zlib.crc32("粤BB1187".encode()) % 4)
    assert [i for i, _ in r.xrange(stream)] == ids and [f for _, f in r.xrange(stream)] == msgs


def test_zero_partitions_is_refused() -> None:
    with pytest.raises(ValueError, match="partitions"):
        Producer(redis.Redis(), Keys("cc"), 0)
