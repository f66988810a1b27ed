"""Partition ownership: each input partition is processed by one worker at a time.

A worker owns partition ``p`` while its token holds the lease ``{cc:in:p}:lease`` (``core.lease``,
renewed well before it expires). Workers count each other through their health keys and take a
fair share, so starting a second worker moves half the partitions to it; a killed worker's
partitions are taken over when its leases expire.
"""

from __future__ import annotations

import math

import redis

from core.health import live_workers
from core.keys import Keys
from core.lease import Lease

__all__ = ["Partitions"]


class Partitions:
    """The partition leases one worker holds (``owned``) and the rebalancing between workers."""

    def __init__(self, client: redis.Redis, keys: Keys, partitions: int, token: str, ttl_ms: int) -> None:
        self.client, self.keys, self.partitions, self.token = client, keys, partitions, token
        self.leases = [Lease(client, keys.lease(p), token, ttl_ms) for p in range(partitions)]
        self.owned: set[int] = set()

    def rebalance(self) -> tuple[set[int], set[int]]:
        """Renew held leases, give up extras, take free ones up to a fair share.

        Returns (gained, lost) partitions.
        """
        lost = {p for p in self.owned if not self.leases[p].renew()}
        self.owned -= lost
        share = math.ceil(self.partitions / max(1, len(live_workers(self.client, self.keys))))
        for p in sorted(self.owned, reverse=True)[: max(0, len(self.owned) - share)]:
            self.release(p)
            lost.add(p)
        gained: set[int] = set()
        for p in range(self.partitions):
            if len(self.owned) >= share:
                break
            if p not in self.owned and self.leases[p].acquire():
                self.owned.add(p)
                gained.add(p)
        return gained, lost

    def release(self, p: int) -> None:
        self.leases[p].release()
        self.owned.discard(p)

    def release_all(self) -> None:
        for p in list(self.owned):
            self.release(p)
