"""Workers' health records: ``cc:health:{worker}`` (a TTL key each worker refreshes) and the registry
``cc:workers`` (name -> time of its last heartbeat), so finding the live workers reads two keys and
never scans the keyspace."""

from __future__ import annotations

from typing import Any

import orjson
import redis

from core.keys import Keys
from core.redisio import mget
from core.values import text

__all__ = ["HEALTH_TTL_S", "beat", "live_workers", "forget"]

HEALTH_TTL_S = 10


def beat(client: redis.Redis, keys: Keys, name: str, record: dict[str, Any], now: float) -> None:
    """Say that worker ``name`` is alive, with its status ``record`` (one round trip)."""
    with client.pipeline(transaction=False) as pipe:
        pipe.set(keys.health(name), orjson.dumps(record), ex=HEALTH_TTL_S)
        pipe.zadd(keys.workers, {name: now})
        pipe.zremrangebyscore(keys.workers, "-inf", now - 10 * HEALTH_TTL_S)  # long gone: off the registry
        pipe.execute()


def forget(client: redis.Redis, keys: Keys, name: str) -> None:
    """A worker that stops takes itself off at once."""
    with client.pipeline(transaction=False) as pipe:
        pipe.delete(keys.health(name))
        pipe.zrem(keys.workers, name)
        pipe.execute()


def live_workers(client: redis.Redis, keys: Keys) -> list[dict[str, Any]]:
    """The health records of the workers alive now (registered, and their keys have not expired)."""
    names = client.zrange(keys.workers, 0, -1)
    if not names:
        return []
    out = []
    for raw in mget(client, [keys.health(text(n)) for n in names]):
        if raw is None:
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if isinstance(record, dict):
            out.append(record)
    return out
