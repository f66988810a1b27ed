"""The whole back end as `make run` starts it: embedded Redis, a worker, the demo feed.

Run at a high demo speed, every alert type of the contract must fire within a couple of minutes
of event time, through the real processes.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis

from core.keys import Keys
from core.lease import owner_of
from core.model import AlertType
from core.settings import Settings
from runner.supervisor import start_backend


@pytest.fixture()
def fast_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The child processes read their settings from the environment, as in production."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("CITY_PACK", raising=False)
    monkeypatch.setenv("CC_DEMO_SPEED", "30")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")


def test_demo_fires_every_alert_type_through_the_real_processes(tmp_path: Path, fast_demo: None) -> None:
    settings = Settings(data_dir=tmp_path, demo=True, demo_speed=30.0)  # embedded Redis, demo city
    backend = start_backend(settings, workers=2)
    try:
        client = redis.Redis.from_url(backend.redis_url, decode_responses=True)
        keys = Keys("cc")
        seen: set[str] = set()
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and seen != set(AlertType):
            seen = {f["type"] for _, f in client.xrange(keys.alerts)}
            time.sleep(1)
        assert seen == {t.value for t in AlertType}
        assert client.xlen(keys.deadletter) == 0
        assert len(list(client.scan_iter(match=keys.health_pattern))) == 2
        owners = {owner_of(client.get(keys.lease(p)) or "") for p in range(settings.partitions)}
        assert owners == {"worker-1", "worker-2"}
        assert (tmp_path / "redis" / "appendonlydir").exists()
    finally:
        backend.stop()
    assert all(p.poll() is not None for p in backend.procs)


def test_demo_from_the_bundled_recording_loops_and_notes_the_redis_url(tmp_path: Path, fast_demo: None) -> None:
    from runner.supervisor import DEMO_RECORDING
    from streams.recording import load_recording

    lines, _ = load_recording(DEMO_RECORDING)
    last = lines[-1].ts
    settings = Settings(data_dir=tmp_path, demo=True, demo_speed=240.0, demo_source="recording")
    backend = start_backend(settings, workers=1)
    try:
        assert (tmp_path / "redis" / "url").read_text(encoding="utf-8").strip() == backend.redis_url
        client = redis.Redis.from_url(backend.redis_url, decode_responses=True)
        keys = Keys("cc")
        seen: set[str] = set()
        clock = 0.0
        deadline = time.monotonic() + 150
        # the second pass runs later in event time than the file's end: the loop goes on
        while time.monotonic() < deadline and not (clock > last + 60 and len(seen) >= 5):
            seen = {f["type"] for _, f in client.xrange(keys.alerts)}
            clock = float(client.get(keys.clock) or 0)
            time.sleep(1)
        assert {"zone_exit", "watchlist_hit", "night_ban", "fatigue", "overspeed"} <= seen
        assert clock > last + 60
        assert client.xlen(keys.deadletter) == 0
    finally:
        backend.stop()
    assert not (tmp_path / "redis" / "url").exists()
