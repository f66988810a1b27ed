"""One server: a batch's fixes go to ``cc:last`` and the track store (with the store off: the track
lists) in one script call (streams/commit.py PUBLISH_FIXES). Every key it writes holds what the
commands of before wrote (HSET of ``cc:last``, STORE_TRACKS or PUSH_TRACKS, which a cluster still
uses): same names, types, values byte for byte, and times to live. Likewise the states and seen times of a partition
(PARTITION) against HSET and ZADD, with every seen time or some."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import redis

from core import tracks
from core.keys import Keys, track_bucket
from core.model import Kind, Ping
from streams.commit import (
    MAX_TRACK,
    TRACK_TTL_MS,
    Scripts,
    _queue_positions,
    queue_partition,
    queue_shared,
    track_calls,
)
from streams.pipeline import BatchResult

OLD, NEW = Keys("old"), Keys("new")
T = 1_700_000_000.0  # 22:13:20 UTC: the hour starting at 1_699_999_200 ends 2 400 s later
RETENTION_S = 86_400.0


@pytest.fixture()
def raw(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def ping(subject: str, ts: float, kind: Kind = Kind.VEHICLE, i: int = 0) -> Ping:
    return Ping(subject, 22.5 + i * 1e-5, 114.0 - i * 1e-5, ts, speed=40.0, heading=i % 360 or None, kind=kind,
                category="coach" if kind is Kind.VEHICLE else None, zones=frozenset({f"Z{i % 3}"} if i % 2 else ()),
                speed_kmh=40.0 + i / 7)


def old_way(client: redis.Redis, pings: list[Ping], retention_s: float) -> None:
    """The commands of before: positions, HSET of cc:last, PUSH_TRACKS and STORE_TRACKS."""
    scripts = Scripts.register(client)
    with client.pipeline(transaction=True) as pipe:
        blobs = _queue_positions(pipe, OLD, pings, T)
        for script, names, args in track_calls(OLD, pings, blobs, scripts, retention_s):
            script(keys=names, args=args, client=pipe)
        pipe.execute()


def new_way(client: redis.Redis, pings: list[Ping], retention_s: float) -> None:
    with client.pipeline(transaction=True) as pipe:
        queue_shared(pipe, NEW, BatchResult(pings=pings), {}, Scripts.register(client), T,
                     track_retention_s=retention_s)
        pipe.execute()


def content(client: redis.Redis, keys: Keys) -> dict[str, Any]:
    """Every key under ``keys.prefix`` (named without it), its type, value and whether it expires."""
    out: dict[str, Any] = {}
    for name in client.scan_iter(match=f"*{keys.prefix}:*", count=1000):
        kind = client.type(name).decode()
        value: Any = {"string": client.get, "list": lambda n: client.lrange(n, 0, -1), "hash": client.hgetall,
                      "set": client.smembers,
                      "stream": lambda n: [list(f.items()) for _, f in client.xrange(n)]}[kind](name)
        ttl = client.pttl(name)
        out[name.decode().replace(keys.prefix, "P", 1)] = (kind, value, ttl > 0 if ttl != -1 else None)
    return out


def batches() -> list[list[Ping]]:
    """Units, vehicles and other plates; repeats within a batch, several hours, odd subject names,
    and a track pushed past its maximum."""
    odd = ['粤B·12345', 'a}b{c', 'x:y:1699999200', 'quote"back\\slash', ' ', 'P01']
    first = [ping(s, T + i, [Kind.VEHICLE, Kind.UNIT, Kind.OTHER][i % 3], i) for i, s in enumerate(odd * 3)]
    first += [ping("P01", T + 3_000 + i, Kind.UNIT, i) for i in range(3)]  # into the next hour
    second = [ping("LONG", T + 10 + i / 4, Kind.UNIT, i) for i in range(MAX_TRACK + 15)]
    second += [ping(s, T - 7_200 + i, Kind.VEHICLE, i) for i, s in enumerate(odd)]  # an earlier hour
    # hours that alternate from fix to fix, with untracked fixes between: each change of hour counts
    edge = T + 2_400  # the first second of the next hour
    third = [ping(s, edge + (-0.5 if i % 4 < 2 else i), [Kind.UNIT, Kind.OTHER, Kind.VEHICLE][i % 3], i)
             for i, s in enumerate(odd * 4)]
    return [first, second, first[:4], third]


@pytest.mark.parametrize("retention_s", [RETENTION_S, 0.0])
def test_the_keys_are_those_the_commands_of_before_wrote(raw: redis.Redis, retention_s: float) -> None:
    for batch in batches():
        old_way(raw, batch, retention_s)
        new_way(raw, batch, retention_s)
    old, new = content(raw, OLD), content(raw, NEW)
    assert new == old
    kinds = sorted({kind for kind, _, _ in new.values()})
    if retention_s:  # the fixes live once: in the track store, not also in JSON track lists
        assert kinds == ["hash", "set", "stream", "string"]
        store = tracks.decode([raw.get(NEW.trk("P01", tracks.hour_of(T + 3_000)))])
        assert list(store.ts) == [T + 3_000, T + 3_001, T + 3_002]
        assert len(tracks.decode([raw.get(NEW.trk("LONG", tracks.hour_of(T)))])) == MAX_TRACK + 15
        assert raw.sismember(NEW.trk_hour(tracks.hour_of(T - 7_200), track_bucket("P01")), "P01")
    else:
        assert kinds == ["hash", "list", "stream"]
        assert new["P:last"][1][b"LONG"] == raw.lindex(NEW.track("LONG"), 0)
        assert raw.llen(NEW.track("LONG")) == MAX_TRACK


def test_the_track_store_expires_and_no_track_list_is_written(raw: redis.Redis) -> None:
    batch = [ping("V1", T, Kind.VEHICLE), ping("U1", T, Kind.UNIT), ping("X1", T, Kind.OTHER)]
    new_way(raw, batch, RETENTION_S)
    assert 0 < raw.pttl(NEW.trk("V1", tracks.hour_of(T))) <= RETENTION_S * 1000
    assert 0 < raw.pttl(NEW.trk("U1", tracks.hour_of(T))) <= RETENTION_S * 1000
    assert not raw.exists(NEW.trk("X1", tracks.hour_of(T)))  # other plates are not tracked
    assert list(raw.scan_iter(match=NEW.track("*"))) == [] and raw.hexists(NEW.last, "X1")


def test_with_the_store_off_a_track_lives_as_long_as_its_subject_reports_and_a_day_after(raw: redis.Redis) -> None:
    """A subject reporting every 5 min for 30 h, in compressed time: before each commit the track's
    time to live is set to what would be left of it by then (event time standing for wall time), or
    the track deleted if it would have expired. It never is: every fix renews it for a day."""
    track, expiry = NEW.track("U1"), 0.0  # when the track would expire, in event time
    start = tracks.hour_of(T) + 100.0
    for ts in (start + 300.0 * i for i in range(361)):
        if raw.exists(track):
            assert expiry > ts, f"the track would have expired at {expiry} before the fix of {ts}"
            raw.pexpire(track, int((expiry - ts) * 1000))
        new_way(raw, [ping("U1", ts, Kind.UNIT), ping("X1", ts, Kind.OTHER)], 0.0)
        ttl = raw.pttl(track)
        assert TRACK_TTL_MS - 60_000 < ttl <= TRACK_TTL_MS
        expiry = ts + ttl / 1000
    assert raw.llen(track) == MAX_TRACK and not raw.exists(NEW.track("X1"))
    assert {kind for kind, _, _ in content(raw, NEW).values()} == {"hash", "list", "stream"}  # no track store


@pytest.mark.parametrize("due", [None, "some"])
def test_states_and_seen_times_in_one_call_are_those_of_hset_and_zadd(raw: redis.Redis, due: str | None) -> None:
    scripts = Scripts.register(raw)
    names = [f"V{i}" for i in range(1_300)] + ['粤B·1', 'a}b{c', 'quote"\\', ' ']
    touched = {s: ({"seen": T + i / 3 if i % 7 else int(T) + i} if i % 5 else {"other": 1})  # some whole seconds
               for i, s in enumerate(names)}
    changed = {s: orjson.dumps({"n": i, "s": s, "pad": "x" * (i % 300)}) for i, s in enumerate(names) if i % 4}
    changed["elsewhere"] = b""  # a state of a subject the batch did not touch, and an empty one
    result = BatchResult(states=touched, pings=[ping("U7", T + 9, Kind.UNIT), ping("U7", T + 11, Kind.UNIT)])
    seen_due = None if due is None else set(names[::3]) | {"not in the batch"}
    for keys, script in ((Keys("{old:in:0}"), None), (Keys("{new:in:0}"), scripts.partition)):
        with raw.pipeline(transaction=True) as pipe:
            queue_partition(pipe, keys, 0, result, changed, script=script, seen_due=seen_due)
            pipe.execute()
    old, new = Keys("{old:in:0}"), Keys("{new:in:0}")
    assert raw.hgetall(new.state(0)) == raw.hgetall(old.state(0))
    assert raw.zrange(new.seen(0), 0, -1, withscores=True) == raw.zrange(old.seen(0), 0, -1, withscores=True)
    assert raw.zrange(new.lastseen(0), 0, -1, withscores=True) == [(b"U7", T + 11)]
    assert raw.hlen(new.state(0)) == len(changed) and raw.hget(new.state(0), "elsewhere") == b""
    with_seen = [s for s, st in touched.items() if "seen" in st and (seen_due is None or s in seen_due)]
    assert raw.zcard(new.seen(0)) == len(with_seen) == (len(names) - 261 if due is None else 348)
    assert raw.zscore(new.seen(0), "V3") == T + 1 and (raw.zscore(new.seen(0), "V1") == T + 1 / 3) == (due is None)


def test_a_batch_with_nothing_to_store_sends_no_call(raw: redis.Redis) -> None:
    with raw.pipeline(transaction=True) as pipe:
        queue_partition(pipe, NEW, 0, BatchResult(states={"S": {}}), {}, script=Scripts.register(raw).partition)
        assert len(pipe.command_stack) == 0
