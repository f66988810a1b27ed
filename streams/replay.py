"""``python -m streams.replay FILE --speed N [--loop] [--prefix P]``: a recording back into Redis.

Contract 7.4: each line of the JSON Lines file (``.jsonl``, or ``.jsonl.gz``) is one input message
of contract section 3; it is written through ``core.producer`` to ``{prefix}:in:{p}`` of the
configured Redis with its event time kept exactly, paced by event time: a line is due
``(ts - first ts) / N`` wall seconds after the start (``--speed 0``: as fast as it can). A bad
line never stops the replay: it is reported with its line number and the field at fault, and the
command still exits 0. The worker does the rest exactly as live, so one file replayed twice into an
empty Redis gives identical alerts, ``alert_id`` included.

OneMap's additions (docs/CONTRACT.md): ``--loop`` plays the file again and again, each pass moved
later in event time by the file's span plus a minute (the workers' event time only moves forward,
and a pass with the same times would be dropped as duplicates); a loop also starts after the
Redis's event clock (``{prefix}:clock``) when an earlier feed left it ahead of the file.
``--prefix`` writes under another key prefix (the Replay tab's sandbox, ``{CC_PREFIX}replay``).

``REDIS_URL`` names the Redis; when it is unset, the URL that a running ``app.py`` noted for its
embedded Redis (``{CC_DATA_DIR}/redis/url``) is used, else the command says it needs ``REDIS_URL``.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import redis

from core.keys import Keys
from core.producer import Producer
from core.redisio import connect
from core.settings import Settings
from core.timeutil import parse_ts
from streams.recording import Line, Refused, due_after_s, load_recording, shifted

__all__ = ["Summary", "find_redis_url", "play", "loop_offset", "main"]

LOOP_GAP_S = 60.0  # event seconds at least between two passes of --loop
DAY_S = 86_400.0
BATCH = 1000  # messages per pipeline at most


@dataclass
class Summary:
    """What a replay did: lines written and lines refused (each with its number and field)."""

    written: int = 0
    refused: list[Refused] = field(default_factory=list)
    passes: int = 0
    last_ts: float | None = None


def find_redis_url(settings: Settings) -> str | None:
    """``REDIS_URL``, else the embedded Redis a running ``app.py`` noted (when it answers), else None."""
    if settings.redis_url:
        return settings.redis_url
    path = settings.redis_url_file
    try:
        url = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not url:
        return None
    try:
        client = connect(url, socket_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError:
        return None
    return url


def play(lines: Sequence[Line], producer: Producer, speed: float, stop: threading.Event, *,
         offset_s: float = 0.0, start_ts: float | None = None, summary: Summary | None = None,
         monotonic: Callable[[], float] = time.monotonic,
         progress: Callable[[Summary], None] | None = None) -> Summary:
    """Write ``lines`` in file order, ``offset_s`` later in event time, paced at ``speed`` (0: at once)
    from ``start_ts`` (default the first line's event time; earlier lines go at once, as a backlog).

    Stops early when ``stop`` is set. Pacing reads the monotonic wall clock only to wait; the
    messages themselves carry their event times.
    """
    out = summary or Summary()
    if not lines:
        return out
    first = lines[0].ts if start_ts is None else start_ts
    start = monotonic()
    pending: list[dict[str, str]] = []

    def flush() -> None:
        if pending:
            producer.send(pending)
            out.written += len(pending)
            pending.clear()
            if progress is not None:
                progress(out)

    for line in lines:
        if stop.is_set():
            break
        wait = start + due_after_s(first, line.ts, speed) - monotonic()
        if wait > 0:
            flush()
            if stop.wait(wait):
                break
        pending.append(shifted(line, offset_s))
        out.last_ts = line.ts + offset_s
        if len(pending) >= BATCH:
            flush()
    flush()
    out.passes += 1
    return out


def _days(seconds: float) -> float:
    return math.ceil(max(seconds, 0.0) / DAY_S) * DAY_S


def loop_offset(lines: Sequence[Line], clock: float | None, passes: int) -> float:
    """Event seconds to add to pass number ``passes`` (from 0) of ``--loop``: whole days, so each
    pass keeps the recording's hours of the day (a night-ban night stays a night) and begins at
    least a minute after the previous pass ended; the first pass also begins after ``clock`` (the
    Redis's event clock) when an earlier feed left it ahead of the file.

    >>> ls = [Line(1, {}, 100.0), Line(2, {}, 400.0)]
    >>> loop_offset(ls, None, 0), loop_offset(ls, None, 2), loop_offset(ls, 1000.0, 0)
    (0.0, 172800.0, 86400.0)
    """
    span = lines[-1].ts - lines[0].ts if lines else 0.0
    base = 0.0 if clock is None or clock + LOOP_GAP_S <= lines[0].ts else _days(clock + LOOP_GAP_S - lines[0].ts)
    return base + passes * _days(span + LOOP_GAP_S)


def _iso(ts: float | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def _passes(lines: Sequence[Line], producer: Producer, speed: float, stop: threading.Event, summary: Summary,
            progress: Callable[[Summary], None], *, loop: bool, start: float | None, clock: float | None) -> None:
    """One pass, or (``loop``) passes until stopped or until the next would begin after the wall clock."""
    while not stop.is_set():
        offset = loop_offset(lines, clock, summary.passes) if loop and lines else 0.0
        if summary.passes and lines and lines[0].ts + offset > time.time():
            # the one place the replay reads the wall clock: workers drop what lies in the future
            print("replay: the next pass would begin after the wall clock; the loop ends here", flush=True)
            return
        play(lines, producer, speed, stop, offset_s=offset, summary=summary, progress=progress,
             start_ts=None if start is None else start + offset)
        if not loop or not lines:
            return


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m streams.replay",
        description="Write a recording (JSON Lines, one contract section-3 message per line; .jsonl or "
                    ".jsonl.gz) into the input partitions of REDIS_URL with its event times kept.")
    p.add_argument("file", type=Path, help="the recording")
    p.add_argument("--speed", type=float, default=1.0,
                   help="event seconds per wall second: 1, 10, 60, ...; 0 = as fast as it can (default 1)")
    p.add_argument("--loop", action="store_true",
                   help="play again and again, each pass moved on in event time by whole days (until the wall clock)")
    p.add_argument("--start", default=None,
                   help="event time (epoch seconds or ISO-8601) from which to pace: earlier lines are written at "
                        "once, as a backlog (default: the first line's)")
    p.add_argument("--prefix", default=None, help="key prefix to write under (default CC_PREFIX, e.g. a sandbox)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.speed < 0:
        print("replay: --speed must be 0 or more", file=sys.stderr)
        return 2
    try:
        start = None if args.start is None else parse_ts(args.start)
    except ValueError as exc:
        print(f"replay: --start: {exc}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    url = find_redis_url(settings)
    if url is None:
        print("replay: set REDIS_URL to the Redis to write to (no running OneMap noted its embedded Redis in "
              f"{settings.redis_url_file})", file=sys.stderr)
        return 2
    try:
        lines, refused = load_recording(args.file)
    except OSError as exc:
        print(f"replay: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    for bad in refused:
        print(f"replay: refused {bad}", flush=True)
    keys = Keys(args.prefix or settings.prefix)
    client = connect(url)
    producer = Producer(client, keys, settings.partitions)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"replay: {args.file} ({len(lines)} lines, {len(refused)} refused) into {keys.input(0)[:-1]}* "
          f"at {'full speed' if args.speed == 0 else f'{args.speed:g}x'}", flush=True)
    shown = [time.monotonic()]

    def progress(s: Summary) -> None:
        if time.monotonic() - shown[0] >= 1.0:
            shown[0] = time.monotonic()
            print(f"replay: {s.written} lines written, event time {_iso(s.last_ts)}", flush=True)

    summary = Summary(refused=list(refused))
    raw = client.get(keys.clock) if args.loop else None
    _passes(lines, producer, args.speed, stop, summary, progress, loop=args.loop, start=start,
            clock=float(raw) if raw is not None else None)
    client.close()
    print(f"replay: done: {summary.written} lines written, {len(summary.refused)} refused, "
          f"{summary.passes} pass(es), last event time {_iso(summary.last_ts)}", flush=True)
    for bad in summary.refused:
        print(f"replay:   {bad}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
