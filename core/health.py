"""Workers' health records (``cc:health:{worker}``, a TTL key each worker refreshes): the one scan."""

from __future__ import annotations

from typing import Any

import orjson
import redis

from core.keys import Keys

__all__ = ["live_workers"]


def live_workers(client: redis.Redis, keys: Keys) -> list[dict[str, Any]]:
    """The health records of the workers alive now (their keys have not expired)."""
    names = list(client.scan_iter(match=keys.health_pattern, count=100))
    if not names:
        return []
    out = []
    for raw in client.mget(names):
        if raw is None:
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if isinstance(record, dict):
            out.append(record)
    return out
