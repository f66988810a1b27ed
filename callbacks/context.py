"""What every callback module receives: the city, Redis, key names and the socket bridge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from core.keys import Keys
from web.bridge import Bridge
from web.cityview import CityView
from web.dispatcher import DispatchLoop
from web.sandboxes import Sandboxes

__all__ = ["WebContext"]


@dataclass(frozen=True)
class WebContext:
    view: CityView
    client: redis.Redis
    keys: Keys
    bridge: Bridge
    socketio: Any
    odd_hours: str = "00:00-05:00"  # CC_ODD_HOURS, for the Audit tab's flags
    dispatch: DispatchLoop | None = None  # the Dispatch tab's loop (its limits: accept_s, scene_s)
    replay: Sandboxes | None = None  # the Replay tab's sandboxes, one per person
    data_dir: Path | None = None  # CC_DATA_DIR: the track store's day files, for the Coverage tab
    coverage_target: float = 0.6  # CC_COVERAGE_TARGET
