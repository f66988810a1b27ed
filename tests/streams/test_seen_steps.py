"""The seen set is written by steps of event time, and forgetting silent subjects allows for it.

On a real Redis: a subject's seen-set score is rewritten only when its newest message enters a
new ``SEEN_STEP_S`` step, so it trails that message by less than a step; the worker's housekeeping
asks for subjects silent for the retention plus a step, so a subject still inside the retention
keeps its state however far its score trails.
"""

from __future__ import annotations

from dataclasses import replace

import orjson
import redis

from city.citypack import load_city_pack
from core.keys import Keys
from core.producer import encode_gps
from core.settings import ROOT, Settings
from streams.housekeeping import SEEN_STEP_S
from streams.worker import Worker

MINI = ROOT / "tests" / "fixtures" / "mini_city"
KEYS = Keys("cc")
T0 = 1_700_000_000.0 - 1_700_000_000.0 % SEEN_STEP_S  # the start of a step


def _worker(redis_url: str, retention_s: float = 86_400.0) -> Worker:
    settings = replace(Settings(redis_url=redis_url, city_pack=MINI, demo=False, partitions=1),
                       state_retention_s=retention_s)
    worker = Worker(redis.Redis.from_url(redis_url, decode_responses=True), load_city_pack(MINI), settings,
                    name="seen", block_ms=50)
    worker.ensure_groups()
    worker.maintain()
    return worker


def _feed(r: redis.Redis, worker: Worker, subject: str, ts: float) -> None:
    """One fix of ``subject`` at ``ts``, read and committed."""
    r.xadd(KEYS.input(0), encode_gps(subject, 22.5 + (ts - T0) * 1e-6, 114.0, ts, speed=30.0))  # type: ignore[arg-type]
    assert worker.step() == 1


def test_the_score_moves_once_per_step_and_trails_the_newest_message_by_less_than_a_step(
    redis_url: str, r: redis.Redis
) -> None:
    worker = _worker(redis_url)
    scores: list[float] = []
    for k in range(int(2.5 * SEEN_STEP_S / 30)):  # every 30 s for two and a half steps
        ts = T0 + 15 + 30 * k
        _feed(r, worker, "V1", ts)
        score = r.zscore(KEYS.seen(0), "V1")
        assert score is not None and ts - SEEN_STEP_S < score <= ts
        assert orjson.loads(r.hget(KEYS.state(0), "V1") or b"{}")["seen"] == ts  # the state keeps the exact time
        if not scores or scores[-1] != score:
            scores.append(score)
    # written by the first fix of each step, and by no other
    assert scores == [T0 + 15, T0 + SEEN_STEP_S + 15, T0 + 2 * SEEN_STEP_S + 15]
    worker.shutdown()


def test_a_subject_inside_the_retention_keeps_its_state_however_far_its_score_trails(
    redis_url: str, r: redis.Redis
) -> None:
    retention = 100.0
    worker = _worker(redis_url, retention)
    _feed(r, worker, "V1", T0)
    _feed(r, worker, "V1", T0 + SEEN_STEP_S - 10)  # same step: the score stays at T0
    assert r.zscore(KEYS.seen(0), "V1") == T0
    _feed(r, worker, "V2", T0 + SEEN_STEP_S - 10 + retention - 5)  # the event clock: V1 silent 95 s < 100
    worker.housekeeping()
    assert r.hexists(KEYS.state(0), "V1"), "silent for less than the retention: kept, though its score is 590 s older"
    _feed(r, worker, "V2", T0 + SEEN_STEP_S - 10 + retention + SEEN_STEP_S + 1)  # past retention + a step
    worker.housekeeping()
    assert not r.hexists(KEYS.state(0), "V1") and r.zscore(KEYS.seen(0), "V1") is None
    assert r.hexists(KEYS.state(0), "V2")
    worker.shutdown()
