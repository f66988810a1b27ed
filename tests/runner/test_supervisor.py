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
