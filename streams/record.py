"""``python -m streams.record --from TS --to TS [--out FILE]``: the inputs of a time range as a recording.

Reads every input partition ``{prefix}:in:{p}`` still retained in Redis, keeps the entries whose
event time ``ts`` lies in ``[from, to)`` and writes them, in event-time order (ties in partition
and entry order), as JSON Lines (contract 7.4), each line exactly the fields the producer wrote.
Only what Redis still holds can be recorded: input entries are trimmed after
``CC_INPUT_RETENTION_S`` (a day by default). Entries that do not parse are left out and counted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import redis

from core.keys import Keys
from core.model import ParseError
from core.redisio import connect
from core.settings import Settings
from core.timeutil import parse_ts
from streams.recording import dumps_line, to_fields
from streams.replay import find_redis_url

__all__ = ["collect", "write_recording", "main"]

PAGE = 5000


def _entries(client: redis.Redis, stream: str) -> Iterator[dict[str, str]]:
    after = "-"
    while True:
        page = client.xrange(stream, min=after, max="+", count=PAGE)
        if not page:
            return
        for _, fields in page:
            yield fields
        after = "(" + page[-1][0]


def collect(client: redis.Redis, keys: Keys, partitions: int, start: float, end: float
            ) -> tuple[list[dict[str, str]], int]:
    """The messages with ``start <= ts < end`` in event-time order, and how many were left out
    because they do not parse."""
    found: list[tuple[float, int, int, dict[str, str]]] = []
    bad = 0
    for p in range(partitions):
        for n, raw in enumerate(_entries(client, keys.input(p))):
            try:
                fields = to_fields(raw)
            except ParseError:
                bad += 1
                continue
            ts = parse_ts(fields["ts"])
            if start <= ts < end:
                found.append((ts, p, n, fields))
    found.sort(key=lambda row: row[:3])
    return [row[3] for row in found], bad


def write_recording(messages: Sequence[dict[str, str]], out: BinaryIO) -> None:
    for fields in messages:
        out.write(dumps_line(fields) + b"\n")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m streams.record",
        description="Write the input messages of an event-time range, from the input partitions of REDIS_URL, "
                    "to a recording (JSON Lines) that python -m streams.replay plays back. Only what Redis still "
                    "retains can be recorded: input entries are trimmed after CC_INPUT_RETENTION_S "
                    "(default a day).")
    p.add_argument("--from", dest="start", required=True, help="event time, epoch seconds or ISO-8601 with offset")
    p.add_argument("--to", dest="end", required=True, help="event time (exclusive), as --from")
    p.add_argument("--out", type=Path, default=None, help="the file to write (default: standard output)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        start, end = parse_ts(args.start), parse_ts(args.end)
    except ValueError as exc:
        print(f"record: --from/--to: {exc}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    url = find_redis_url(settings)
    if url is None:
        print("record: set REDIS_URL to the Redis to read from", file=sys.stderr)
        return 2
    client = connect(url)
    messages, bad = collect(client, Keys(settings.prefix), settings.partitions, start, end)
    client.close()
    if args.out is None:
        write_recording(messages, sys.stdout.buffer)
        sys.stdout.flush()
    else:
        with args.out.open("wb") as fh:
            write_recording(messages, fh)
    print(f"record: {len(messages)} messages written, {bad} unreadable entries left out", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
