"""What browsers send over Socket.IO: one event, ``catchup``; and who may listen to what.

Screens (officer, supervisor, wall) connect to the default namespace and get the bridge's
broadcasts. A unit's terminal connects to the namespace ``/unit`` (``UNIT_NS``) and joins the room
``unit:{unit id}`` alone: it gets ``order`` pushes of its own orders and nothing else (a unit
session is refused on the default namespace, so it never sees alerts or other units).

The page's own client (``assets/onemap_ui.js``, over the vendored socket.io-client) emits
``catchup`` with ``{"after": <stream id of the newest alert it holds, or null>}`` on every
(re)connect and whenever it notices a gap in the alert pushes; the bridge then sends that one
client what it missed (``Bridge.catch_up``). Pushes go the other way only, from the bridge.
"""

from __future__ import annotations

import re
from typing import Any

from flask import request
from flask_socketio import join_room

from web.auth import signed_in
from web.bridge import UNIT_NS, Bridge, unit_room
from web.dispatcher import OFFICERS_ROOM

__all__ = ["CATCHUP", "UNIT_NS", "unit_room", "catchup_after", "register_socket_handlers"]

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
        if user is not None and user.role in ("officer", "supervisor"):
            join_room(OFFICERS_ROOM)  # the dispatch loop's pushes (web.dispatcher)
        return user is not None and user.role != "unit"

    @socketio.on("connect", namespace=UNIT_NS)
    def _connect_unit(auth: Any = None) -> bool:
        """A unit's terminal: into its own room, and only there."""
        user = signed_in()
        if user is None or user.role != "unit" or not user.unit:
            return False
        join_room(unit_room(user.unit), namespace=UNIT_NS)
        return True

    @socketio.on(CATCHUP)
    def _catchup(data: Any = None) -> dict[str, int]:
        sid: str = request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO
        return bridge.catch_up(sid, catchup_after(data))
