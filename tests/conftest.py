"""Shared fixtures: a real embedded Redis server for the whole test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from runner.embedded import EmbeddedRedis


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """One real Valkey process for the session (no mocks)."""
    srv = EmbeddedRedis(data_dir=Path(tmp_path_factory.mktemp("redis")), appendonly=False).start()
    yield srv
    srv.stop()


@pytest.fixture()
def redis_url(redis_server: EmbeddedRedis) -> Iterator[str]:
    """The server's URL, emptied before each test."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    yield redis_server.url


@pytest.fixture()
def r(redis_url: str) -> Iterator[redis.Redis]:
    """A decoded client on an empty database."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()
