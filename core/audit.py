"""The audit trail ("data iron cage"): every human action as one ``cc:audit`` entry.

One shape for every writer (the screens, the API, sign-in, the unit terminal): ``actor``
(``user:{name}`` or ``token:{role}``), ``action``, ``target``, ``detail`` (JSON) and ``ts`` (wall
clock, exact to the millisecond: when the person acted).
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from core.keys import Keys
from core.model import fmt_ts

__all__ = ["append_audit"]


def append_audit(pipe: Any, keys: Keys, actor: str, action: str, target: str, detail: dict[str, Any],
                 ts: float | None = None) -> None:
    """Queue (on a pipeline) or write (on a client) one audit entry; ``ts`` defaults to now."""
    pipe.xadd(keys.audit, {"actor": actor, "action": action, "target": target,
                           "detail": orjson.dumps(detail).decode(),
                           "ts": fmt_ts(round(time.time() if ts is None else ts, 3))})
