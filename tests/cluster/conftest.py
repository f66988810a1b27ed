"""A real local Valkey Cluster (3 primaries, 3 replicas) for the session: runner/cluster.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.cluster import RedisCluster

from runner.cluster import LocalCluster
from tests.streams.test_faults import clean  # noqa: F401 - the single server's alerts of the scenario


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """Six Valkey processes on loopback ports, created with ``valkey-cli --cluster create``."""
    local = LocalCluster(Path(tmp_path_factory.mktemp("cluster"))).start()
    yield local
    local.stop()


@pytest.fixture()
def cluster_url(cluster: LocalCluster) -> Iterator[str]:
    """The URL of one node of the cluster, every primary emptied before the test (and the cluster
    whole again if an earlier test killed a node)."""
    cluster.heal()
    client = RedisCluster.from_url(cluster.url)
    client.flushall(target_nodes=RedisCluster.PRIMARIES)
    client.disconnect_connection_pools()
    yield cluster.url
