"""Move whole past hours of the track store from Redis into Parquet day files.

    python -m streams.archive [--keep-hours 2] [--every 600]

Hours that ended more than ``--keep-hours`` before the event clock (``cc:clock``: the newest
event time any worker has seen) go to ``{CC_DATA_DIR}/tracks/{day}.parquet`` (core/trackfiles.py).
``app.py`` runs it beside its workers every 600 s (runner/supervisor.py); at scale run it once per
Redis, once or every ``--every`` seconds; keep ``CC_TRACK_RETENTION_S``
longer than the keep time plus the interval, so no hour expires before it is archived.
"""

from __future__ import annotations

import argparse
import logging
import time

import redis

from core import trackfiles
from core.keys import Keys
from core.redisio import connect
from core.settings import Settings

__all__ = ["archive_once", "main"]

log = logging.getLogger(__name__)


def archive_once(client: redis.Redis, keys: Keys, settings: Settings, keep_hours: float) -> int:
    """Archive what the event clock allows; returns the fixes moved (0 before any event)."""
    clock = client.get(keys.clock)
    if not clock:
        return 0
    return trackfiles.archive_hours(client, keys, settings.data_dir, float(clock) - keep_hours * 3600)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keep-hours", type=float, default=2.0, help="hours behind the event clock kept in Redis")
    ap.add_argument("--every", type=float, default=0.0, help="repeat every this many seconds (0: once)")
    args = ap.parse_args(argv)
    settings = Settings.from_env()
    settings.configure_logging()
    client = connect(settings.redis_url or "redis://127.0.0.1:6379/0")
    keys = Keys(settings.prefix)
    while True:
        moved = archive_once(client, keys, settings, args.keep_hours)
        log.info("archived %d fixes into %s", moved, settings.data_dir / "tracks")
        if args.every <= 0:
            return
        time.sleep(args.every)


if __name__ == "__main__":
    main()
