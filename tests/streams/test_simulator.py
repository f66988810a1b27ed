"""The demo feed: contract-shaped messages, every alert type's ingredients, partitions."""

from __future__ import annotations

import collections
import zlib
from datetime import datetime

import pytest
import redis

from streams.citypack import CityPack, load_city_pack
from streams.keys import Keys
from streams.messages import parse_fields
from streams.model import AlertType, Ping
from streams.pipeline import Entry, Pipeline
from streams.producer import Producer, encode_anpr, encode_gps
from streams.settings import DEMO_CITY
from streams.simulator import Simulator, demo_start


@pytest.fixture(scope="module")
def city() -> CityPack:
    return load_city_pack(DEMO_CITY)


@pytest.fixture(scope="module")
def run(city: CityPack) -> tuple[Simulator, list[dict[str, str]]]:
    start = demo_start(datetime(2026, 11, 22, 9, 0, tzinfo=city.timezone))
    sim = Simulator(city, start, seed=3)
    return sim, sim.backlog() + sim.step(start + 900)


def test_demo_starts_just_before_the_night_ban(city: CityPack) -> None:
    start = demo_start(datetime(2026, 11, 22, 9, 0, tzinfo=city.timezone))
    assert datetime.fromtimestamp(start, city.timezone).strftime("%Y-%m-%d %H:%M") == "2026-11-22 01:56"
    early = demo_start(datetime(2026, 11, 22, 1, 0, tzinfo=city.timezone))
    assert datetime.fromtimestamp(early, city.timezone).strftime("%Y-%m-%d %H:%M") == "2026-11-21 01:56"


def test_every_message_parses_and_every_subject_pings_every_5_to_10_s(
    run: tuple[Simulator, list[dict[str, str]]], city: CityPack
) -> None:
    sim, msgs = run
    events = [parse_fields(m) for m in msgs]
    times: dict[str, list[float]] = collections.defaultdict(list)
    for e in events:
        if isinstance(e, Ping) and e.ts >= sim.start:
            times[e.subject].append(e.ts)
    silent = sim.scripted["silent"].subject
    assert set(times) == set(city.units) | set(city.vehicles)
    for subject, ts in times.items():
        gaps = [b - a for a, b in zip(ts, ts[1:], strict=False)]
        assert ts == sorted(ts), subject
        if subject != silent:
            assert all(4.0 <= g <= 11.0 for g in gaps), (subject, max(gaps), min(gaps))
    assert max(b - a for a, b in zip(times[silent], times[silent][1:], strict=False)) > 120


def test_the_first_fifteen_minutes_fire_every_message_alert_type(
    run: tuple[Simulator, list[dict[str, str]]], city: CityPack
) -> None:
    _, msgs = run
    result = Pipeline(city).process([Entry("s", str(i), m) for i, m in enumerate(msgs)], {}, None)
    fired = {a.type for a in result.alerts}
    assert fired == set(AlertType) - {AlertType.UNIT_OFFLINE}  # offline runs on the worker's clock
    assert not result.dead


def test_producer_writes_each_message_to_its_partition(r: redis.Redis) -> None:
    keys = Keys("cc")
    msgs = [encode_gps("P01", 22.5, 114.0, 1_700_000_000, speed=30), encode_anpr("K01", "粤B12345", 1_700_000_001)]
    Producer(r, keys, 4).send(msgs)
    for subject, fields in (("P01", msgs[0]), ("粤B12345", msgs[1])):
        stream = keys.input(zlib.crc32(subject.encode()) % 4)
        assert [f for _, f in r.xrange(stream)] == [fields]
    assert msgs[1] == {"type": "anpr", "checkpoint": "K01", "plate": "粤B12345", "ts": "1700000001"}
