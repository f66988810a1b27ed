"""Bounded by design: what the worker does once a minute so Redis and its own memory level off.

- ``trim_input``: input entries older than ``CC_INPUT_RETENTION_S`` (by entry id time) go, but never
  one that a consumer group has not acknowledged (nor any after the oldest such one).
- ``expire_silent``: subjects whose newest message is older than the retention (event time) lose
  their stored state and latest fix; the pipeline already treats such a state as empty, so when
  this runs changes no alert. Done under the partition's lease, like a commit. It finds them in
  the partition's seen set, whose score for a subject is written only when its newest message's
  event time enters a new ``SEEN_STEP_S`` step (``seen_moved``): the score trails the newest message
  by less than a step, so the worker asks for subjects silent for the retention plus a step.
- ``bound_cache``: the worker's in-memory states, most recently used kept.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import redis

from core.keys import Keys
from core.redisio import is_cluster
from core.values import text

__all__ = ["CACHE_MAX", "EXPIRE_BATCH", "SEEN_STEP_S", "seen_moved", "stream_id", "safe_trim_id", "trim_input", "expire_silent", "bound_cache"]

CACHE_MAX = 200_000  # subject states a worker keeps in memory per partition
EXPIRE_BATCH = 5_000  # subjects forgotten per partition and round
TRIM_STEP, TRIM_CALLS = 10_000, 200  # input entries trimmed per call, calls per partition and round
# The seen set's score of a subject is rewritten when its seen time enters a new step of this many
# seconds of event time, not by every message: one ZADD per subject per 10 min instead of one per
# fix (the ZADDs were ~9% of Valkey's work). Far below any retention that makes sense (a day).
SEEN_STEP_S = 600.0


def seen_moved(before: Any, seen: Any) -> bool:
    """Whether a subject's seen time ``seen`` (None: none) is written to the seen set, its state's
    ``seen`` having been ``before`` (None: no state): unless both are numbers in the same step.

    >>> seen_moved(1200.0, 1799.5), seen_moved(1799.5, 1800.0), seen_moved(None, 5.0), seen_moved("x", 5.0)
    (False, True, True, True)
    >>> seen_moved(5.0, None)
    False
    """
    if seen is None:
        return False
    try:
        return before is None or before // SEEN_STEP_S != seen // SEEN_STEP_S
    except TypeError:  # a stored state's seen that is not a number: write it
        return True


def stream_id(value: str) -> tuple[int, int]:
    """A stream entry id as a comparable pair.

    >>> stream_id("1700000000000-3") < stream_id("1700000000001-0"), stream_id("5")
    (True, (5, 0))
    """
    ms, _, seq = value.partition("-")
    return int(ms), int(seq or 0)


def safe_trim_id(groups: list[dict[str, Any]], oldest_pending: dict[str, str | None], cutoff: str) -> str:
    """The id below which entries may go: the retention cutoff, held back by every group's oldest
    pending entry and by what it has not been delivered yet.

    >>> g = [{"name": "onemap", "last-delivered-id": "500-0", "pending": 1}]
    >>> safe_trim_id(g, {"onemap": "300-0"}, "400-0"), safe_trim_id(g, {"onemap": None}, "400-0")
    ('300-0', '400-0')
    >>> safe_trim_id([{"name": "slow", "last-delivered-id": "100-0", "pending": 0}], {"slow": None}, "400-0")
    '100-0'
    >>> safe_trim_id([], {}, "400-0")
    '0-0'
    """
    if not groups:
        return "0-0"  # no consumer group yet: nothing has been acknowledged
    bound = cutoff
    for g in groups:
        name = text(g["name"])
        for candidate in (oldest_pending.get(name), text(g["last-delivered-id"])):
            if candidate is not None and stream_id(candidate) < stream_id(bound):
                bound = candidate
    return bound


def trim_input(client: redis.Redis, keys: Keys, p: int, retention_s: float, now: float | None = None,
               approximate: bool = True) -> int:
    """Trim ``cc:in:{p}`` below the safe id (approximately: whole stream nodes, cheap); returns how
    many entries went."""
    key = keys.input(p)
    try:
        groups = client.xinfo_groups(key)
    except redis.ResponseError:  # no such stream yet
        return 0
    oldest: dict[str, str | None] = {}
    for g in groups:
        name = text(g["name"])
        oldest[name] = text(client.xpending(key, name)["min"]) if int(g["pending"]) else None
    cutoff = f"{int(((time.time() if now is None else now) - retention_s) * 1000)}-0"
    minid = safe_trim_id(groups, oldest, cutoff)
    if stream_id(minid) <= (0, 0):
        return 0
    if not approximate:
        return int(client.xtrim(key, minid=minid, approximate=False))
    # with "~" Redis trims at most TRIM_STEP entries a call (whole nodes), so one call never blocks it
    # long; a backlog takes several
    total = 0
    for _ in range(TRIM_CALLS):
        n = int(client.xtrim(key, minid=minid, approximate=True, limit=TRIM_STEP))
        total += n
        if n == 0:
            break
    return total


def expire_silent(client: redis.Redis, keys: Keys, p: int, token: str, before: float) -> list[str]:
    """Forget the subjects of partition ``p`` last seen before event time ``before`` (state, latest
    fix, offline watch); only while ``token`` holds the partition's lease. Returns them."""
    due = [text(s) for s in client.zrangebyscore(keys.seen(p), "-inf", f"({before}", start=0, num=EXPIRE_BATCH)]
    if not due:
        return []
    lease, cluster = keys.lease(p), is_cluster(client)
    with client.pipeline(transaction=True) as pipe:
        try:
            pipe.watch(lease)
            if text(pipe.get(lease) or "") != token:
                return []
            pipe.multi()
            pipe.hdel(keys.state(p), *due)
            pipe.zrem(keys.lastseen(p), *due)
            pipe.zrem(keys.seen(p), *due)
            if not cluster:
                pipe.hdel(keys.last, *due)
                pipe.hincrby(keys.stats, "expired", len(due))
            pipe.execute()
        except redis.WatchError:
            return []
    if cluster:  # outside the partition's slot: after its transaction (a silent subject's fix goes later)
        with client.pipeline(transaction=False) as pipe:
            pipe.hdel(keys.last, *due)
            pipe.hincrby(keys.stats, "expired", len(due))
            pipe.execute()
    return due


def bound_cache(cache: dict[str, Any], limit: int) -> int:
    """Drop the least recently used quarter when ``cache`` holds more than ``limit``; how many went.

    >>> c = {str(i): i for i in range(10)}
    >>> bound_cache(c, 8), list(c)[:2]
    (2, ['2', '3'])
    """
    if len(cache) <= limit:
        return 0
    drop = max(len(cache) - limit, limit // 4)
    for k in list(itertools.islice(cache, drop)):
        del cache[k]
    return drop
