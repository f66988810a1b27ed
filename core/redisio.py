"""The one way OneMap talks to Redis: clients that decode replies to ``str``.

Every room connects through ``connect()``, so code never has to ask whether a reply is bytes or
text (``core.values.text`` remains for replies of clients made elsewhere, e.g. in tests).
"""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

__all__ = ["connect"]


def connect(url: str, *, retry: bool = True, **options: object) -> redis.Redis:
    """A client for ``url`` that decodes replies (UTF-8) and checks idle connections.

    ``retry=False`` turns off redis-py's silent retry of a command whose connection dropped: the
    worker needs to know, because a retried ``XREADGROUP >`` would skip the batch the lost reply
    carried (it stays pending) and process newer entries first. Extra ``options`` go to
    ``redis.Redis.from_url`` (e.g. ``socket_timeout``).
    """
    # "replace": a reply with bytes that are not UTF-8 (a plate written in GBK by some other program)
    # reads with U+FFFD in their place instead of failing the whole read; the parsers refuse such
    # identifiers, so the entry is dead-lettered rather than blocking its partition
    opts: dict[str, object] = {"decode_responses": True, "health_check_interval": 30, "encoding_errors": "replace"}
    if not retry:
        opts["retry"] = Retry(NoBackoff(), 0)
    opts.update(options)
    return redis.Redis.from_url(url, **opts)
