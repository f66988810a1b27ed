"""Travel samples between checkpoints: the pure recorder, the pipeline, and the worker writing each
sample exactly once against the real embedded Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from city.citypack import CityPack, load_city_pack
from core.keys import Keys, partition_of
from core.model import Read
from core.settings import ROOT, Settings
from core.travel import KEEP_PER_PAIR, MAX_GAP_S, TravelSample, seconds_of
from streams.commit import queue_samples
from streams.pipeline import Entry, Pipeline
from streams.travel import STATE_KEY, record_hop
from streams.worker import Worker

MINI = ROOT / "tests" / "fixtures" / "mini_city"  # A -> B -> C -> D, one hop each
KEYS = Keys("cc")
T = 1_700_000_000.0


@pytest.fixture(scope="module")
def city() -> CityPack:
    return load_city_pack(MINI)


# --- the recorder (pure) -----------------------------------------------------------------------

def test_a_read_at_the_next_checkpoint_within_the_gap_is_a_sample(city: CityPack) -> None:
    st: dict[str, Any] = {}
    assert record_hop(Read("A", "P1", T), st, city.checkpoints) is None
    assert record_hop(Read("B", "P1", T + 75.5), st, city.checkpoints) == TravelSample("A", "B", 75.5, "P1", T + 75.5)
    assert record_hop(Read("C", "P1", T + 140), st, city.checkpoints) == TravelSample("B", "C", 64.5, "P1", T + 140)
    assert st[STATE_KEY] == ["C", T + 140]


@pytest.mark.parametrize(("first", "second", "why"), [
    (("A", T), ("C", T + 100), "C is not in A's next: no hop of the chain"),
    (("B", T), ("A", T + 100), "backwards"),
    (("A", T), ("A", T + 100), "the same checkpoint"),
    (("A", T), ("B", T + MAX_GAP_S + 1), "too long a gap: two trips"),
    (("A", T), ("B", T), "no time between"),
])
def test_reads_that_are_no_hop_make_no_sample(city: CityPack, first: tuple[str, float],
                                              second: tuple[str, float], why: str) -> None:
    st: dict[str, Any] = {}
    record_hop(Read(first[0], "P1", first[1]), st, city.checkpoints)
    assert record_hop(Read(second[0], "P1", second[1]), st, city.checkpoints) is None, why
    assert st[STATE_KEY] == [second[0], second[1]]  # the newer read is where the next hop starts


def test_a_late_read_or_an_unknown_checkpoint_changes_nothing(city: CityPack) -> None:
    st: dict[str, Any] = {}
    record_hop(Read("B", "P1", T + 100), st, city.checkpoints)
    assert record_hop(Read("A", "P1", T), st, city.checkpoints) is None  # older than the state's
    assert record_hop(Read("NOPE", "P1", T + 200), st, city.checkpoints) is None
    assert st == {STATE_KEY: ["B", T + 100]}
    assert record_hop(Read("C", "P1", T + 160), st, city.checkpoints) == TravelSample("B", "C", 60.0, "P1", T + 160)


def test_after_the_gap_the_next_hop_starts_from_the_newer_read(city: CityPack) -> None:
    st: dict[str, Any] = {}
    record_hop(Read("A", "P1", T), st, city.checkpoints)
    record_hop(Read("A", "P1", T + 3 * 3600), st, city.checkpoints)
    assert record_hop(Read("B", "P1", T + 3 * 3600 + 50), st, city.checkpoints) == TravelSample(
        "A", "B", 50.0, "P1", T + 3 * 3600 + 50)


def test_the_member_keeps_its_time_and_reads_back() -> None:
    s = TravelSample("A", "B", 75.5, "粤B|12", T + 75.5)
    assert seconds_of(s.member) == 75.5 and seconds_of(s.member.encode()) == 75.5
    assert seconds_of("-3|x|1") is None and seconds_of("nan|x|1") is None


# --- the pipeline -----------------------------------------------------------------------------

def anpr(plate: str, cp: str, ts: float) -> dict[str, str]:
    return {"type": "anpr", "plate": plate, "checkpoint": cp, "ts": f"{ts:.3f}"}


def test_the_pipeline_returns_the_samples_of_a_batch_and_keeps_the_hop_in_the_plates_state(city: CityPack) -> None:
    msgs = [anpr("P1", "A", T), anpr("P2", "B", T + 5), anpr("P1", "B", T + 80), anpr("P2", "C", T + 65),
            {"type": "gps", "id": "P1", "lat": "22.505", "lon": "114.009", "ts": f"{T + 90:.3f}"}]
    entries = [Entry("cc:in:0", f"{i}-0", m) for i, m in enumerate(msgs)]
    result = Pipeline(city).process(entries, {}, None)
    assert result.samples == [TravelSample("A", "B", 80.0, "P1", T + 80), TravelSample("B", "C", 60.0, "P2", T + 65)]
    assert result.states["P1"][STATE_KEY] == ["B", T + 80]
    again = Pipeline(city).process([Entry("cc:in:0", "9-0", anpr("P1", "C", T + 150))], result.states, None)
    assert again.samples == [TravelSample("B", "C", 70.0, "P1", T + 150)]


# --- writing: idempotent and bounded ---------------------------------------------------------

def commit(r: redis.Redis, samples: list[TravelSample], window_s: float = 7 * 86400.0) -> None:
    with r.pipeline(transaction=True) as pipe:
        queue_samples(pipe, KEYS, samples, window_s)
        pipe.execute()


def test_the_same_samples_written_twice_count_once(r: redis.Redis) -> None:
    batch = [TravelSample("A", "B", 60.0, "P1", T), TravelSample("A", "B", 60.0, "P2", T),
             TravelSample("B", "C", 30.0, "P1", T + 30)]
    commit(r, batch)
    commit(r, batch)
    assert r.zrange(KEYS.travel("A", "B"), 0, -1, withscores=True) == [
        ("60.000|P1|1700000000", T), ("60.000|P2|1700000000", T)]
    assert r.zcard(KEYS.travel("B", "C")) == 1


def test_a_pair_keeps_its_newest_samples_within_the_window(r: redis.Redis) -> None:
    commit(r, [TravelSample("A", "B", 60.0, f"P{i}", T + i) for i in range(KEEP_PER_PAIR + 20)])
    assert r.zcard(KEYS.travel("A", "B")) == KEEP_PER_PAIR
    assert r.zrange(KEYS.travel("A", "B"), 0, 0, withscores=True)[0][1] == T + 20  # the 20 oldest went
    commit(r, [TravelSample("A", "B", 60.0, "late", T + 3700)], window_s=3600)  # older than T + 100 go
    left = r.zrange(KEYS.travel("A", "B"), 0, -1, withscores=True)
    assert [ts for _, ts in left] == [T + i for i in range(100, KEEP_PER_PAIR + 20)] + [T + 3700]


# --- the worker, against the real Redis, under redelivery -------------------------------------

class Running:
    def __init__(self, redis_url: str, city: CityPack) -> None:
        self.client = redis.Redis.from_url(redis_url, decode_responses=True)
        settings = Settings(redis_url=redis_url, city_pack=MINI, demo=False, partitions=4)
        self.worker = Worker(self.client, city, settings, name="learn", block_ms=100, lease_ttl_ms=3000)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.worker.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.client.close()
        assert not self.thread.is_alive()


@pytest.fixture()
def start(redis_url: str, city: CityPack) -> Iterator[Callable[[], Running]]:
    running: list[Running] = []

    def go() -> Running:
        running.append(Running(redis_url, city))
        return running[-1]

    yield go
    for w in running:
        w.close()


def send(r: redis.Redis, fields: dict[str, str]) -> None:
    r.xadd(KEYS.input(partition_of(fields["plate"], 4)), fields)  # type: ignore[arg-type]


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def processed(r: redis.Redis) -> int:
    return int(r.hget(KEYS.stats, "processed") or 0)


def test_a_batch_whose_commit_failed_is_processed_again_and_its_sample_written_once(
        r: redis.Redis, start: Callable[[], Running], monkeypatch: pytest.MonkeyPatch) -> None:
    import streams.worker as worker_module

    real, failures = worker_module.queue_batch, []

    def fail_once_after_queueing(pipe: Any, keys: Keys, p: int, result: Any, *args: Any) -> None:
        real(pipe, keys, p, result, *args)  # the samples are queued on the transaction...
        if result.samples and not failures:
            failures.append(result.samples)
            raise RuntimeError("simulated crash before EXEC")  # ...which is never executed

    monkeypatch.setattr(worker_module, "queue_batch", fail_once_after_queueing)
    send(r, anpr("粤B12345", "A", T))
    start()
    wait_for(lambda: processed(r) == 1)
    send(r, anpr("粤B12345", "B", T + 75))
    wait_for(lambda: processed(r) == 2)
    assert failures == [[TravelSample("A", "B", 75.0, "粤B12345", T + 75)]]  # it did fail once
    assert r.zrange(KEYS.travel("A", "B"), 0, -1, withscores=True) == [("75.000|粤B12345|1700000075", T + 75)]


def test_a_replay_or_a_duplicate_read_adds_no_second_sample(r: redis.Redis, start: Callable[[], Running]) -> None:
    reads = [anpr("粤B12345", "A", T), anpr("粤B12345", "B", T + 75), anpr("粤B12345", "B", T + 75)]  # sent twice
    for f in reads:
        send(r, f)
    w = start()
    wait_for(lambda: processed(r) == 3)
    assert r.zcard(KEYS.travel("A", "B")) == 1
    w.close()
    # the same messages again after the plate's state is gone (a replay into the same Redis)
    r.hdel(KEYS.state(partition_of("粤B12345", 4)), "粤B12345")
    for f in reads:
        send(r, f)
    start()
    wait_for(lambda: processed(r) == 6)
    assert r.zrange(KEYS.travel("A", "B"), 0, -1) == ["75.000|粤B12345|1700000075"]
