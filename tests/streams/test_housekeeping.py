"""Bounded by design, on a real Redis: input trimmed behind every group, silent subjects forgotten."""

from __future__ import annotations

import time

import orjson
import redis

from city.citypack import load_city_pack
from core.keys import Keys
from core.settings import ROOT
from streams.housekeeping import expire_silent, trim_input
from streams.pipeline import Entry, Pipeline

KEYS = Keys("cc")
MINI = ROOT / "tests" / "fixtures" / "mini_city"


def _stream(r: redis.Redis, n: int) -> list[str]:
    r.xgroup_create(KEYS.input(0), KEYS.group, id="0", mkstream=True)
    return [r.xadd(KEYS.input(0), {"type": "gps", "id": "P01", "i": str(i)}) for i in range(n)]


def test_trimming_never_drops_an_unacknowledged_or_undelivered_entry(r: redis.Redis) -> None:
    ids = _stream(r, 30)
    delivered = r.xreadgroup(KEYS.group, "c1", {KEYS.input(0): ">"}, count=20)[0][1]
    r.xack(KEYS.input(0), KEYS.group, *[eid for eid, _ in delivered[:10]])  # 10 acked, 10 pending, 10 undelivered
    later = time.time() + 3600  # every entry is past a zero retention
    assert trim_input(r, KEYS, 0, 0.0, now=later, approximate=False) == 10
    left = [eid for eid, _ in r.xrange(KEYS.input(0))]
    assert left == ids[10:], "the pending and the undelivered stay"
    r.xack(KEYS.input(0), KEYS.group, *[eid for eid, _ in delivered[10:]])
    assert trim_input(r, KEYS, 0, 0.0, now=later, approximate=False) == 9  # up to the last delivered one
    assert [eid for eid, _ in r.xrange(KEYS.input(0))] == ids[19:]


def test_a_second_group_that_lags_holds_the_trim_back(r: redis.Redis) -> None:
    ids = _stream(r, 10)
    r.xgroup_create(KEYS.input(0), "archiver", id="0")
    for eid, _ in r.xreadgroup(KEYS.group, "c1", {KEYS.input(0): ">"})[0][1]:
        r.xack(KEYS.input(0), KEYS.group, eid)
    assert trim_input(r, KEYS, 0, 0.0, now=time.time() + 3600, approximate=False) == 0
    assert len(r.xrange(KEYS.input(0))) == len(ids)


def test_recent_entries_stay_within_the_retention(r: redis.Redis) -> None:
    _stream(r, 10)
    for eid, _ in r.xreadgroup(KEYS.group, "c1", {KEYS.input(0): ">"})[0][1]:
        r.xack(KEYS.input(0), KEYS.group, eid)
    assert trim_input(r, KEYS, 0, 86_400.0, approximate=False) == 0


def test_silent_subjects_are_forgotten_only_by_the_lease_holder(r: redis.Redis) -> None:
    r.hset(KEYS.state(0), mapping={"old": b"{}", "new": b"{}"})
    r.hset(KEYS.last, mapping={"old": b"{}", "new": b"{}"})
    r.zadd(KEYS.seen(0), {"old": 100.0, "new": 5000.0})
    r.set(KEYS.lease(0), "w#1")
    assert expire_silent(r, KEYS, 0, "w#2", before=1000.0) == [], "not the owner: nothing goes"
    assert expire_silent(r, KEYS, 0, "w#1", before=1000.0) == ["old"]
    assert r.hkeys(KEYS.state(0)) == ["new"] and r.hkeys(KEYS.last) == ["new"]
    assert r.zrange(KEYS.seen(0), 0, -1) == ["new"]


def test_a_subject_silent_past_the_retention_starts_afresh_whenever_its_state_is_deleted() -> None:
    """The rule is on event time, so a replay gives the same alerts whether or not housekeeping ran."""
    city = load_city_pack(MINI)
    day = 86_400.0
    inside = {"type": "gps", "id": "P01", "lat": "22.505", "lon": "114.005", "ts": "1700000000"}
    outside = {**inside, "lon": "114.025", "ts": str(1_700_000_000 + 2 * int(day))}

    def run(retention: float | None) -> list[str]:
        pipe = Pipeline(city, 4, retention)
        first = pipe.process([Entry("s", "1-0", inside)], {}, None)
        state = orjson.loads(orjson.dumps(first.states["P01"]))
        return [a.type.value for a in pipe.process([Entry("s", "2-0", outside)], {"P01": state}, None).alerts]

    assert run(None) == ["zone_exit"]  # remembered as inside two days ago: "left"
    assert run(day) == []  # silent for two days: nothing is known of where it was


def test_a_large_backlog_is_trimmed_in_one_round_step_by_step(r: redis.Redis) -> None:
    """Approximate trimming removes whole nodes and at most TRIM_STEP entries a call: a round loops."""
    r.xgroup_create(KEYS.input(0), KEYS.group, id="0", mkstream=True)
    with r.pipeline(transaction=False) as pipe:
        for i in range(25_000):
            pipe.xadd(KEYS.input(0), {"i": str(i)})
        pipe.execute()
    r.xgroup_setid(KEYS.input(0), KEYS.group, "$")  # everything delivered and acknowledged
    trimmed = trim_input(r, KEYS, 0, 0.0, now=time.time() + 3600)
    assert trimmed >= 24_800, trimmed  # all but the last node or so
    assert r.xlen(KEYS.input(0)) == 25_000 - trimmed
