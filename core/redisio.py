"""The one way OneMap talks to Redis: clients that decode replies to ``str``.

Every room connects through ``connect()``, so code never has to ask whether a reply is bytes or
text (``core.values.text`` remains for replies of clients made elsewhere, e.g. in tests).
"""

from __future__ import annotations

import redis

__all__ = ["connect"]


def connect(url: str, **options: object) -> redis.Redis:
    """A client for ``url`` that decodes replies (UTF-8) and checks idle connections.

    Extra ``options`` go to ``redis.Redis.from_url`` (e.g. ``socket_timeout``).
    """
    opts: dict[str, object] = {"decode_responses": True, "health_check_interval": 30}
    opts.update(options)
    return redis.Redis.from_url(url, **opts)
