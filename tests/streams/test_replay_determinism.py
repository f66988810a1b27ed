"""Contract 7.4: one recording replayed twice into an empty Redis gives identical alerts, ids included.

The recording is the golden scenario (tests/streams/test_golden.py: GPS and plate reads making zone
exits, a restricted entry, the night ban, overspeed, watchlist hits, a cloned plate, fatigue and a
silent unit), played by ``python -m streams.replay --speed 0`` and processed by a real worker.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import redis

from city.citypack import load_city_pack
from core.keys import Keys
from core.settings import Settings
from streams.worker import Worker
from tests.streams.test_golden import MINI, scenario
from tests.streams.test_replay import run, write_jsonl

KEYS = Keys("cc")


def replay_and_process(redis_url: str, recording: Path) -> list[dict[str, str]]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushall()
    out = run("streams.replay", redis_url, str(recording), "--speed", "0")
    assert out.returncode == 0, out.stderr
    total = sum(client.xlen(KEYS.input(p)) for p in range(4))
    worker = Worker(redis.Redis.from_url(redis_url, decode_responses=True), load_city_pack(MINI),
                    Settings(redis_url=redis_url, city_pack=MINI, demo=False), name="replay", block_ms=50)
    worker.ensure_groups()
    worker.maintain()
    done = 0
    while done < total:
        done += worker.step()
    worker.step()
    worker.check_offline()
    worker.shutdown()
    alerts = [f for _, f in client.xrange(KEYS.alerts)]
    client.close()
    return alerts


def test_replaying_one_recording_twice_gives_identical_alerts(tmp_path: Path, redis_url: str) -> None:
    recording = write_jsonl(tmp_path / "golden.jsonl", list(scenario()))
    first = replay_and_process(redis_url, recording)
    second = replay_and_process(redis_url, recording)
    key = lambda a: orjson.dumps(a, option=orjson.OPT_SORT_KEYS)  # noqa: E731
    assert sorted(first, key=key) == sorted(second, key=key)  # every field, alert_id included
    types = {a["type"] for a in first}
    assert {"zone_exit", "restricted_entry", "night_ban", "overspeed", "watchlist_hit", "cloned_plate",
            "fatigue", "unit_offline"} <= types
    assert len({a["alert_id"] for a in first}) == len(first) == 11
