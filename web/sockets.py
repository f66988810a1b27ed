"""What browsers send over Socket.IO: one event, ``catchup``.

The page's own client (``assets/onemap_ui.js``, over the vendored socket.io-client) emits
``catchup`` with ``{"after": <stream id of the newest alert it holds, or null>}`` on every
(re)connect and whenever it notices a gap in the alert pushes; the bridge then sends that one
client what it missed (``Bridge.catch_up``). Pushes go the other way only, from the bridge.
"""

from __future__ import annotations

import re
from typing import Any

from flask import request

from web.auth import signed_in
from web.bridge import Bridge

__all__ = ["CATCHUP", "catchup_after", "register_socket_handlers"]

CATCHUP = "catchup"
_STREAM_ID = re.compile(r"\d{1,20}-\d{1,20}")


def catchup_after(data: Any) -> str | None:
    """The stream id a ``catchup`` message asks to resume after; ``None`` (start afresh) for
    anything that is not a Redis stream id.

    >>> catchup_after({"after": "1700000000000-3"})
    '1700000000000-3'
    >>> catchup_after({"after": None}), catchup_after({}), catchup_after(None)
    (None, None, None)
    >>> catchup_after({"after": "-"}), catchup_after({"after": 17}), catchup_after("1-0")
    (None, None, None)
    """
    after = data.get("after") if isinstance(data, dict) else None
    return after if isinstance(after, str) and _STREAM_ID.fullmatch(after) else None


def register_socket_handlers(socketio: Any, bridge: Bridge) -> None:
    """Refuse a connection without a signed-in session (or of a unit); answer ``catchup`` from a client with what it missed, sent to that client alone; the
    acknowledgement it gets back is how many of each kind were sent."""

    @socketio.on("connect")
    def _connect(auth: Any = None) -> bool:
        """Only a signed-in screen connects; a unit session has no screen with pushes yet."""
        user = signed_in()
        return user is not None and user.role != "unit"

    @socketio.on(CATCHUP)
    def _catchup(data: Any = None) -> dict[str, int]:
        sid: str = request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO
        return bridge.catch_up(sid, catchup_after(data))
