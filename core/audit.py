"""The audit trail ("data iron cage"): every human action as one ``cc:audit`` entry.

One shape for every writer (the screens, the API, sign-in, the unit terminal): ``actor``
(``user:{name}`` or ``token:{role}``), ``action``, ``target``, ``detail`` (JSON), ``ts`` (wall
clock, exact to the millisecond: when the person acted) and ``source`` ("from where").

``source`` is the client's address for an action a person or a program asked for over HTTP (the
socket's peer address, ``flask.request.remote_addr``: behind a reverse proxy that is the proxy's
address, since trusting ``X-Forwarded-For`` without knowing the proxy would let anyone write any
address into the evidence), or the name of the process for an action the server takes by itself
(``SERVER_SOURCE``, e.g. an escalation or an automatic dispatch). Entries written before the field
existed have none; readers take a missing ``source`` as ``""``.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from core.keys import Keys
from core.model import fmt_ts

__all__ = ["append_audit", "SERVER_SOURCE", "http_source"]

SERVER_SOURCE = "web"
"""``source`` of an action the web process takes by itself, not at anyone's request."""


def http_source(remote_addr: str | None) -> str:
    """``source`` of an action asked for over HTTP by the peer ``remote_addr``.

    >>> http_source("10.0.0.7"), http_source(None)
    ('10.0.0.7', 'unknown')
    """
    return remote_addr or "unknown"


def append_audit(pipe: Any, keys: Keys, actor: str, action: str, target: str, detail: dict[str, Any],
                 ts: float | None = None, *, source: str = "") -> None:
    """Queue (on a pipeline) or write (on a client) one audit entry; ``ts`` defaults to now."""
    pipe.xadd(keys.audit, {"actor": actor, "action": action, "target": target,
                           "detail": orjson.dumps(detail).decode(),
                           "ts": fmt_ts(round(time.time() if ts is None else ts, 3)), "source": source})
