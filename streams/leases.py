"""Partition ownership: each input partition is processed by one worker at a time.

A worker owns partition ``p`` while it holds the lease key ``cc:lease:{p}`` (SET NX PX, renewed
well before it expires). Workers count each other through their health keys and take a fair
share, so starting a second worker moves half the partitions to it; a killed worker's
partitions are taken over when its leases expire (or at once by a restart under the same name).
"""

from __future__ import annotations

import math

import redis

from streams.keys import Keys

__all__ = ["Leases"]

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class Leases:
    """The leases one worker holds."""

    def __init__(self, client: redis.Redis, keys: Keys, partitions: int, name: str, ttl_ms: int) -> None:
        self.client, self.keys, self.partitions, self.name, self.ttl_ms = (
            client, keys, partitions, name, ttl_ms,
        )
        self.owned: set[int] = set()
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    def live_workers(self) -> int:
        """How many workers have a live health key (at least this one)."""
        return max(1, sum(1 for _ in self.client.scan_iter(match=self.keys.health_pattern, count=100)))

    def rebalance(self) -> tuple[set[int], set[int]]:
        """Renew held leases, give up extras, take free ones up to a fair share.

        Returns (gained, lost) partitions.
        """
        lost = {p for p in self.owned if not self._renew(keys=[self.keys.lease(p)], args=[self.name, self.ttl_ms])}
        self.owned -= lost
        share = math.ceil(self.partitions / self.live_workers())
        for p in sorted(self.owned, reverse=True)[: max(0, len(self.owned) - share)]:
            self.release(p)
            lost.add(p)
        gained: set[int] = set()
        for p in range(self.partitions):
            if len(self.owned) >= share:
                break
            if p in self.owned:
                continue
            key = self.keys.lease(p)
            if self.client.set(key, self.name, nx=True, px=self.ttl_ms) or self.client.get(key) in (
                self.name, self.name.encode(),
            ):
                self.client.pexpire(key, self.ttl_ms)
                self.owned.add(p)
                gained.add(p)
        return gained, lost

    def release(self, p: int) -> None:
        self._release(keys=[self.keys.lease(p)], args=[self.name])
        self.owned.discard(p)

    def release_all(self) -> None:
        for p in list(self.owned):
            self.release(p)
