"""The local cluster itself: three primaries that split the slots, each with a replica in sync."""

from __future__ import annotations

import redis

from runner.cluster import LocalCluster


def test_three_primaries_share_the_slots_and_each_has_a_replica(cluster: LocalCluster, cluster_url: str) -> None:
    with redis.Redis.from_url(cluster_url, decode_responses=True) as c:
        slots = c.execute_command("CLUSTER", "SLOTS")
    primaries = {int(row[2][1]) for row in slots}
    assert len(primaries) == 3
    assert sum(end - start + 1 for start, end, *_ in slots) == 16384
    assert all(len(row) >= 4 for row in slots), "every slot range has a replica"
    assert {cluster.primary_for(k) for k in ("cc:in:0", "cc:in:1", "cc:in:2", "cc:in:3", "cc:alerts")} <= primaries
