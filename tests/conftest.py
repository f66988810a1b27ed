"""Shared fixtures: a real embedded Redis server for the whole test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from hypothesis import settings

from runner.embedded import EmbeddedRedis

# Property-based tests (tests/*/test_fuzz_*.py) run under the "repeatable" profile: derandomize=True
# seeds Hypothesis from each test's own code, so every run, here or in CI, tries exactly the same
# inputs; a failure reproduces on the next run, and the fuzz set's running time stays the same. No
# example database (nothing written into the checkout, no run depends on an earlier one) and no
# deadline (tests never assert on timing; the machine is shared). To search fresh random inputs
# locally: `pytest --hypothesis-profile=explore tests/core/test_fuzz_messages.py ...`; a failure
# prints the example, which then becomes a plain regression test.
settings.register_profile("repeatable", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, deadline=None, print_blob=True)
settings.load_profile("repeatable")


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
