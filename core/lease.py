"""The one lease of OneMap: a Redis key held by one owner token at a time, with a time to live.

Partitions (``streams.partitions``) and the web bridge's leadership (``web.bridge``) both use it.
Every operation is one atomic Lua script, so an owner can never renew, extend or delete a lease
that has meanwhile passed to someone else; tokens are unique per process (``new_token``), so two
processes that share a display name can never both believe they hold one lease.
"""

from __future__ import annotations

import os
import socket
import uuid

import redis

from core.values import text

__all__ = ["Lease", "new_token", "owner_of"]

# SET NX PX, or extend when this token already holds it: 1 when held afterwards, else 0.
_ACQUIRE = """
local cur = redis.call('GET', KEYS[1])
if cur == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
# Extend only when this token holds it (never re-create a lapsed lease: someone may own it now).
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


def new_token(name: str = "") -> str:
    """A token no other process will ever use: ``{name or host-pid}#{random}``.

    >>> a, b = new_token("worker-1"), new_token("worker-1")
    >>> a.startswith("worker-1#") and a != b
    True
    """
    return f"{name or f'{socket.gethostname()}-{os.getpid()}'}#{uuid.uuid4().hex[:12]}"


def owner_of(token: str) -> str:
    """The display name inside a token (``worker-1#ab12...`` -> ``worker-1``).

    >>> owner_of("worker-1#0123456789ab"), owner_of("plain")
    ('worker-1', 'plain')
    """
    return token.rsplit("#", 1)[0]


class Lease:
    """One lease key held (or wanted) by ``token`` for ``ttl_ms`` at a time."""

    def __init__(self, client: redis.Redis, key: str, token: str, ttl_ms: int) -> None:
        self.client, self.key, self.token, self.ttl_ms = client, key, token, ttl_ms
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    def acquire(self) -> bool:
        """Take the lease when it is free, or extend it when this token holds it."""
        return bool(self._acquire(keys=[self.key], args=[self.token, self.ttl_ms]))

    def renew(self) -> bool:
        """Extend the lease; ``False`` when it has lapsed or passed to another token."""
        return bool(self._renew(keys=[self.key], args=[self.token, self.ttl_ms]))

    def release(self) -> bool:
        """Give the lease up if this token still holds it."""
        return bool(self._release(keys=[self.key], args=[self.token]))

    def held(self) -> bool:
        """Whether this token holds the lease right now (one read)."""
        held = self.client.get(self.key)
        return held is not None and text(held) == self.token
