"""A commit in flight while the next batch is computed (streams/inflight.py), on a real Redis.

The same entries committed with overlap (its reads sent ahead: flat fields, read into columns) and
in line leave the same alerts, states, track store and counters; a batch whose lease was lost in flight writes nothing, and the batch computed behind it
is left pending too, for the new owner to commit exactly once.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
import redis

from city.citypack import CityPack, load_city_pack
from core import tracks as core_tracks
from core.keys import Keys, partition_of
from core.settings import ROOT, Settings
from streams.inflight import ReadAhead
from streams.worker import Worker

MINI = ROOT / "tests" / "fixtures" / "mini_city"
KEYS = Keys("cc")
PARTITIONS = 2
T0 = 1_700_000_000


@pytest.fixture(scope="module")
def city() -> CityPack:
    return load_city_pack(MINI)


def _messages(city: CityPack, rounds: int = 40) -> list[tuple[str, dict[str, str]]]:
    """Every unit and vehicle of the mini city wandering round its centre, every 10 s, now and then
    too fast (overspeed, zone exits and entries: alerts in most batches)."""
    rng = random.Random(5)
    lat0, lon0 = city.center
    subjects = sorted(city.units) + sorted(city.vehicles)
    pos = {s: (lat0 + rng.uniform(-0.01, 0.01), lon0 + rng.uniform(-0.02, 0.02)) for s in subjects}
    out = []
    for k in range(rounds):
        for s in subjects:
            lat, lon = pos[s]
            pos[s] = lat, lon = lat + rng.uniform(-0.002, 0.002), lon + rng.uniform(-0.004, 0.004)
            speed = 110.0 if k % 7 in (3, 4) else rng.uniform(10, 50)
            out.append((s, {"type": "gps", "id": s, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}",
                            "ts": str(T0 + 10 * k), "speed": f"{speed:.1f}"}))
    return out


def _load(r: redis.Redis, msgs: list[tuple[str, dict[str, str]]]) -> None:
    r.flushall()
    for p in range(PARTITIONS):
        r.xgroup_create(KEYS.input(p), KEYS.group, id="0", mkstream=True)
    for subject, fields in msgs:
        r.xadd(KEYS.input(partition_of(subject, PARTITIONS)), fields)  # type: ignore[arg-type]


def _worker(url: str, city: CityPack, name: str, overlap: bool) -> Worker:
    settings = Settings(redis_url=url, city_pack=MINI, demo=False, partitions=PARTITIONS, batch=25)
    worker = Worker(redis.Redis.from_url(url, decode_responses=True), city, settings, name=name, block_ms=10,
                    overlap=overlap)
    worker.ensure_groups()
    worker.maintain()
    return worker


def _drain(worker: Worker, r: redis.Redis, total: int) -> None:
    """Step as ``Worker.run`` does (the last commit left in flight) until nothing new comes."""
    idle = 0
    for _ in range(1000):
        idle = idle + 1 if worker.step(settle=False) == 0 else 0
        if idle == 3:
            break
    worker.settle()
    assert int(r.hget(KEYS.stats, "processed") or 0) == total


def _outcome(r: redis.Redis) -> dict[str, Any]:
    """What a reader sees: alerts (by id: partitions may commit in another order), states, last fixes, the
    track store, counters, pending."""
    alerts = sorted((f for _, f in r.xrange(KEYS.alerts)), key=lambda f: f["alert_id"])
    raw = core_tracks.raw_client(r)  # the track store: binary records, and each hour's index sets
    tracks = {k: raw.get(k) if raw.type(k) == b"string" else sorted(raw.smembers(k))
              for k in sorted(raw.scan_iter(match=f"{{{KEYS.prefix}:trk:*"))}
    assert tracks, "the track store holds the fixes"
    pending = sum(r.xpending(KEYS.input(p), KEYS.group)["pending"] for p in range(PARTITIONS))
    return {"alerts": alerts, "states": [r.hgetall(KEYS.state(p)) for p in range(PARTITIONS)],
            "last": r.hgetall(KEYS.last), "tracks": tracks, "stats": r.hgetall(KEYS.stats), "pending": pending}


def _clean_outcome(url: str, r: redis.Redis, city: CityPack, msgs: list[tuple[str, dict[str, str]]]) -> dict[str, Any]:
    """What one worker committing in line leaves of ``msgs``, undisturbed."""
    _load(r, msgs)
    clean = _worker(url, city, "clean", overlap=False)
    _drain(clean, r, len(msgs))
    clean.shutdown()
    return _outcome(r)


def test_overlapped_commits_leave_what_commits_in_line_leave(redis_url: str, r: redis.Redis, city: CityPack) -> None:
    msgs = _messages(city)
    outcomes = []
    read_as_columns = []
    for overlap in (False, True):
        _load(r, msgs)
        worker = _worker(redis_url, city, f"w-{overlap}", overlap)
        gps_columns = worker._gps_columns  # noqa: SLF001 - which batches were read ahead into columns

        def spy(flats: Any, gps_columns: Any = gps_columns) -> Any:
            found = gps_columns(flats)
            read_as_columns.append(found is not None)
            return found

        worker._gps_columns = spy  # type: ignore[method-assign]  # noqa: SLF001
        _drain(worker, r, len(msgs))
        worker.shutdown()
        outcomes.append(_outcome(r))
    inline, overlapped = outcomes
    assert len(inline["alerts"]) > 20 and inline["pending"] == 0
    assert {a["type"] for a in inline["alerts"]} >= {"overspeed"}
    assert overlapped == inline
    # with overlap, batches read ahead arrive as flat lists and most go to the fast path as columns
    assert sum(read_as_columns) >= len(read_as_columns) // 2 > 0


def test_a_batch_whose_lease_is_lost_in_flight_writes_nothing_and_the_next_owner_commits_it_once(
    redis_url: str, r: redis.Redis, city: CityPack
) -> None:
    msgs = _messages(city)
    expected = _clean_outcome(redis_url, r, city, msgs)

    _load(r, msgs)
    first = _worker(redis_url, city, "first", overlap=True)
    assert first.step(settle=False) == 2 * 25  # a batch of each partition; the second's commit in flight
    first.settle()
    committed = int(r.hget(KEYS.stats, "processed") or 0)
    assert committed == 50 and first.leases.owned == set(range(PARTITIONS))
    # another worker takes every lease (this one stalled, say) before the next batches commit
    for p in range(PARTITIONS):
        r.set(KEYS.lease(p), "someone-else", px=60_000)
    first.step(settle=False)  # reads and computes both; the first's guard finds the lease gone
    first.settle()
    assert first.leases.owned == set()
    assert int(r.hget(KEYS.stats, "processed") or 0) == committed  # nothing of the lost batches landed
    lost = sum(r.xpending(KEYS.input(p), KEYS.group)["pending"] for p in range(PARTITIONS))
    # both batches were read (so the guard, not a rebalance, refused them), and the next two were
    # read ahead while they were computed: all four wait, pending, for the new owner
    assert lost == 4 * 25
    first.shutdown()
    for p in range(PARTITIONS):
        r.delete(KEYS.lease(p))

    second = _worker(redis_url, city, "second", overlap=True)
    _drain(second, r, len(msgs))
    second.shutdown()
    assert _outcome(r) == expected


def test_rows_read_ahead_for_a_partition_lost_meanwhile_are_left_to_its_new_owner(
    redis_url: str, r: redis.Redis, city: CityPack
) -> None:
    msgs = _messages(city)
    expected = _clean_outcome(redis_url, r, city, msgs)

    _load(r, msgs)
    first = _worker(redis_url, city, "first", overlap=True)
    assert first.step() == 2 * 25  # the first step also runs the offline check: nothing read ahead then
    assert first.step() == 2 * 25 and first._ahead.sent  # noqa: SLF001 - full batches: the next two read ahead
    r.set(KEYS.lease(1), "someone-else", px=60_000)  # partition 1 changes hands before they are taken
    first._last_maintenance = 0.0  # noqa: SLF001 - make the next step's maintenance notice it now
    assert first.step() == 25  # partition 0's rows read ahead; partition 1's are not this worker's now
    assert first.leases.owned == {0}
    waiting = r.xpending(KEYS.input(1), KEYS.group)
    assert waiting["pending"] == 25 and {c["name"] for c in waiting["consumers"]} == {first.token}
    first.shutdown()
    r.delete(KEYS.lease(1))

    second = _worker(redis_url, city, "second", overlap=True)
    _drain(second, r, len(msgs))
    second.shutdown()
    assert _outcome(r) == expected


@pytest.mark.parametrize("protocol", [2, 3])
def test_a_read_sent_ahead_answers_each_entry_as_its_flat_list_of_fields(redis_url: str, protocol: int) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True, protocol=protocol)
    client.flushall()
    for p in range(PARTITIONS):
        client.xgroup_create(KEYS.input(p), KEYS.group, id="0", mkstream=True)
    first = client.xadd(KEYS.input(1), {"type": "gps", "id": "P01", "lat": "22.5"})
    second = client.xadd(KEYS.input(1), {"type": "gps", "id": "粤B·1", "lat": "22.6"})
    ahead = ReadAhead(client)
    ahead.send(KEYS.group, "c1", [KEYS.input(0), KEYS.input(1)], 10)
    reply = [(stream, [tuple(entry) for entry in entries]) for stream, entries in ahead.take()]
    assert not ahead.sent
    assert reply == [(KEYS.input(1), [(first, ["type", "gps", "id", "P01", "lat", "22.5"]),
                                      (second, ["type", "gps", "id", "粤B·1", "lat", "22.6"])])]
    assert client.xpending(KEYS.input(1), KEYS.group)["pending"] == 2  # delivered to c1 when sent
    ahead.close()
    client.close()
