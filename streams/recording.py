"""Recordings (contract 7.4): JSON Lines files, one input message of contract section 3 per line.

Pure helpers shared by ``streams.replay`` (file -> input partitions) and ``streams.record``
(input partitions -> file), and by the Replay tab: read and check a file line by line, turn a line
into the flat ``dict[str, str]`` a producer writes, shift event times for a loop, and pace by
event time. No I/O but reading the file; no clock.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import orjson

from core.messages import parse_fields
from core.model import ParseError, fmt_ts
from core.timeutil import parse_ts

__all__ = ["FIELDS", "Line", "Refused", "to_fields", "read_recording", "load_recording", "shifted",
           "event_ts", "due_after_s", "dumps_line"]

# the fields of contract section 3, in the order a producer writes them; other keys are left out
FIELDS = ("type", "id", "checkpoint", "plate", "lat", "lon", "ts", "speed", "heading", "accuracy",
          "confidence", "lane")


@dataclass(frozen=True)
class Line:
    """One accepted line: its number (from 1), the message as written, its event time."""

    number: int
    fields: dict[str, str]
    ts: float


@dataclass(frozen=True)
class Refused:
    """One refused line: its number, the field at fault (``line`` when it is no JSON object), why."""

    number: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.number}: {self.field}: {self.reason}"


def _text(name: str, value: Any) -> str:
    """A field's value as the producer writes it: strings as they are, numbers as plain text.

    >>> _text("ts", 1700000000.0), _text("lat", 22.5), _text("speed", 31)
    ('1700000000', '22.5', '31')
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParseError(name, f"{value!r} is neither a number nor a string")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParseError(name, f"{value!r} is not a finite number")
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def to_fields(obj: Any) -> dict[str, str]:
    """A decoded JSON line as a checked section-3 message; ``ParseError`` names the field at fault.

    >>> to_fields({"type": "gps", "id": "P01", "lat": 22.5, "lon": 114, "ts": "1700000000.25", "x": 1})
    {'type': 'gps', 'id': 'P01', 'lat': '22.5', 'lon': '114', 'ts': '1700000000.25'}
    >>> to_fields({"type": "anpr", "plate": "B1", "ts": 1})
    Traceback (most recent call last):
    ...
    core.model.ParseError: checkpoint: is missing
    """
    if not isinstance(obj, dict):
        raise ParseError("line", "is not a JSON object")
    fields = {k: _text(k, obj[k]) for k in FIELDS if k in obj and obj[k] is not None}
    parse_fields(fields)
    return fields


def event_ts(fields: Mapping[str, str]) -> float:
    """The event time of a checked message, epoch seconds."""
    return parse_ts(fields["ts"])


def _open(path: Path) -> TextIO:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def read_recording(path: Path) -> Iterator[Line | Refused]:
    """Each line of a ``.jsonl`` (or ``.jsonl.gz``) file, in file order: a ``Line`` or why it was
    refused. Blank lines are skipped; a bad line never stops the reading."""
    with _open(path) as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                yield Refused(number, "line", f"is not JSON ({exc})")
                continue
            try:
                fields = to_fields(obj)
            except ParseError as exc:
                yield Refused(number, exc.field, str(exc).split(": ", 1)[-1])
                continue
            yield Line(number, fields, event_ts(fields))


def load_recording(path: Path) -> tuple[list[Line], list[Refused]]:
    """The whole file: accepted lines and refused ones."""
    lines: list[Line] = []
    refused: list[Refused] = []
    for item in read_recording(path):
        (lines if isinstance(item, Line) else refused).append(item)  # type: ignore[arg-type]
    return lines, refused


def shifted(line: Line, offset_s: float) -> dict[str, str]:
    """The message with its event time moved by ``offset_s`` (a later pass of ``--loop``);
    ``offset_s == 0`` keeps the line's ``ts`` text exactly.

    >>> shifted(Line(1, {"type": "anpr", "checkpoint": "A", "plate": "B1", "ts": "100"}, 100.0), 60)["ts"]
    '160'
    """
    if offset_s == 0:
        return line.fields
    return {**line.fields, "ts": fmt_ts(line.ts + offset_s)}


def due_after_s(first_ts: float, ts: float, speed: float) -> float:
    """Wall seconds after the start at which a message of event time ``ts`` is due, at ``speed``
    event seconds per wall second (0: at once). A line earlier than the first is due at once.

    >>> due_after_s(100.0, 160.0, 60), due_after_s(100.0, 160.0, 0), due_after_s(100.0, 90.0, 1)
    (1.0, 0.0, 0.0)
    """
    if speed <= 0:
        return 0.0
    return max(0.0, (ts - first_ts) / speed)


def dumps_line(fields: Mapping[str, str]) -> bytes:
    """One line of a recording (no newline).

    >>> dumps_line({"type": "gps", "id": "粤B1"})
    b'{"type":"gps","id":"\\xe7\\xb2\\xa4B1"}'
    """
    return orjson.dumps(dict(fields))
