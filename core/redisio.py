"""The one way OneMap talks to Redis: clients that decode replies to ``str``.

Every room connects through ``connect()``, so code never has to ask whether a reply is bytes or
text (``core.values.text`` remains for replies of clients made elsewhere, e.g. in tests).

``REDIS_URL`` may name any node of a Redis or Valkey Cluster (contract 7.1): ``connect()`` asks the
server (``INFO cluster``) and then returns a ``redis.cluster.RedisCluster`` with the same options,
which finds the other nodes, routes each command to the primary of its key's slot and follows a
failover. The few calls whose keys span slots go through the helpers here (``mget``, ``binary``).
"""

from __future__ import annotations

import time
from typing import Any, cast

import redis
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from redis.cluster import RedisCluster
from redis.exceptions import ClusterDownError, RedisClusterException, SlotNotCoveredError, TryAgainError
from redis.retry import Retry

__all__ = ["TRANSIENT", "binary", "connect", "decodes", "is_cluster", "mget", "storage_uri", "sunion", "together", "xread"]

# Errors that mean "Redis is not reachable right now, try again later": a dropped connection, a
# timeout, or a cluster in the middle of a failover (a slot without a primary yet).
TRANSIENT: tuple[type[Exception], ...] = (redis.ConnectionError, redis.TimeoutError, ClusterDownError,
                                          SlotNotCoveredError, TryAgainError)
# A cluster's failover takes the node timeout plus an election (a few seconds; ~15-20 s with
# Valkey's default cluster-node-timeout of 15 s): callers that may retry wait up to about that long.
FAILOVER_RETRY = Retry(ExponentialWithJitterBackoff(base=0.1, cap=2.0), retries=12,
                       supported_errors=TRANSIENT)


def connect(url: str, *, retry: bool = True, **options: object) -> redis.Redis:
    """A client for ``url`` that decodes replies (UTF-8) and checks idle connections; a cluster
    client when the server at ``url`` is a cluster node.

    ``retry=False`` turns off redis-py's silent retry of a command whose connection dropped: the
    worker needs to know, because a retried ``XREADGROUP >`` would skip the batch the lost reply
    carried (it stays pending) and process newer entries first. Extra ``options`` go to
    ``redis.Redis.from_url`` (e.g. ``socket_timeout``). When the server does not answer the probe,
    a single-server client is returned (it connects when first used, as before).
    """
    # "replace": a reply with bytes that are not UTF-8 (a plate written in GBK by some other program)
    # reads with U+FFFD in their place instead of failing the whole read; the parsers refuse such
    # identifiers, so the entry is dead-lettered rather than blocking its partition
    opts: dict[str, object] = {"decode_responses": True, "health_check_interval": 30, "encoding_errors": "replace"}
    if not retry:
        opts["retry"] = Retry(NoBackoff(), 0)
    opts.update(options)
    client = redis.Redis.from_url(url, **opts)
    if not _cluster_enabled(client):
        return client
    client.close()
    cluster_opts = {k: v for k, v in opts.items() if k != "health_check_interval"}
    cluster_opts.setdefault("retry", FAILOVER_RETRY)
    # RedisCluster offers the same commands as redis.Redis (the same mixins): callers keep one type
    return cast(redis.Redis, RedisCluster.from_url(url, **cluster_opts))


def storage_uri(url: str) -> str:
    """``url`` as a storage URI of the ``limits`` library (Flask-Limiter's counters): a cluster
    node's URL becomes ``redis+cluster://host:port``.

    >>> storage_uri("memory://")
    'memory://'
    """
    if not url.startswith("redis://"):
        return url
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    try:
        if not _cluster_enabled(client):
            return url
    finally:
        client.close()
    return "redis+cluster://" + url.removeprefix("redis://").split("/", 1)[0]


def _cluster_enabled(client: redis.Redis) -> bool:
    try:
        return str(client.info("cluster").get("cluster_enabled", 0)) == "1"
    except redis.ConnectionError:
        return False
    except redis.ResponseError:  # a server without the cluster section: not a cluster
        return False


def is_cluster(client: Any) -> bool:
    """Whether ``client`` talks to a Redis Cluster."""
    return isinstance(client, RedisCluster)


def together(client: Any) -> Any:
    """A pipeline for writes that belong together: MULTI/EXEC on one server; on a cluster, whose
    transactions span one slot only, a plain pipeline (a round trip per node: a process that dies
    midway may leave part of it written). Callers that need a check-and-set use single-key
    commands (``HSETNX``, ``SET NX``, a one-key script) on a cluster instead of WATCH."""
    return client.pipeline(transaction=not is_cluster(client))


def decodes(client: Any) -> bool:
    """Whether ``client`` decodes replies to ``str`` (``connect()``'s clients do)."""
    return bool(client.get_encoder().decode_responses)


def mget(client: Any, names: list[str]) -> list[Any]:
    """``MGET`` of ``names``; on a cluster one ``MGET`` per slot (the keys may lie in many)."""
    if is_cluster(client):
        return cast(list[Any], client.mget_nonatomic(names))
    return cast(list[Any], client.mget(names))


IDLE_POLL_S = 0.02  # cluster: how long ``xread`` pauses when no stream had anything new


def xread(client: Any, ids: dict[str, str], count: int, block: int | None = None) -> list[Any]:
    """``XREAD [BLOCK]`` of several streams; on a cluster (which refuses one call across slots) one
    XREAD per stream on one pipeline (a round trip per node), and when nothing came and ``block``
    asks to wait, a pause of at most ``IDLE_POLL_S`` in place of BLOCK."""
    if not is_cluster(client):
        return cast(list[Any], client.xread(ids, count=count, block=block) or [])
    with client.pipeline(transaction=False) as pipe:
        for stream, after in ids.items():
            pipe.xread({stream: after}, count=count)
        reply = [row for rows in pipe.execute() for row in rows or []]
    if not reply and block:
        time.sleep(min(block / 1000, IDLE_POLL_S))
    return reply


def sunion(client: Any, names: list[str]) -> set[Any]:
    """``SUNION`` of ``names``; on a cluster the members of each set, read on one pipeline."""
    if not is_cluster(client):
        return set(client.sunion(names))
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.smembers(name)
        return set().union(*pipe.execute())


def binary(client: Any) -> Any:
    """A client of the same server or cluster that returns bytes (for binary values)."""
    if is_cluster(client):
        node = client.get_default_node()
        given = node.redis_connection.connection_pool.connection_kwargs
        kwargs = {k: given[k] for k in ("username", "password", "socket_timeout", "socket_connect_timeout")
                  if given.get(k) is not None}
        try:
            return RedisCluster(host=node.host, port=node.port, decode_responses=False, retry=client.retry,
                                **kwargs)
        except RedisClusterException:  # pragma: no cover - the cluster went away meanwhile
            raise redis.ConnectionError("cluster unavailable") from None
    kwargs = dict(client.connection_pool.connection_kwargs)
    kwargs["decode_responses"] = False
    return redis.Redis(connection_pool=redis.ConnectionPool(
        connection_class=client.connection_pool.connection_class, **kwargs))
