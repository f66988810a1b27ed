"""One parser per kind of value, for every room.

Two families:

- strict parsers for input (contract sections 3 and 6): ``parse_number``, ``parse_subject``; they
  raise ``ParseError`` naming the field, which the worker dead-letters and the API answers 400;
- lenient readers for what OneMap itself stored: ``text``, ``as_float``, ``as_number``; they never
  raise (a bad value reads as ``None``).
"""

from __future__ import annotations

import math
from typing import Any

from core.model import ParseError

__all__ = ["MAX_ID_LEN", "text", "as_float", "as_number", "parse_number", "parse_subject"]

MAX_ID_LEN = 64


def text(value: Any) -> str:
    """A Redis reply as text, whether the client decodes replies or not.

    >>> text(b"P01"), text("P01"), text(12)
    ('P01', 'P01', '12')
    """
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def as_float(value: Any) -> float | None:
    """A finite float, or ``None`` when ``value`` is missing, not a number, NaN or infinite.

    >>> as_float("22.5"), as_float(b"3"), as_float(""), as_float("nan"), as_float(None)
    (22.5, 3.0, None, None, None)
    """
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def as_number(value: Any) -> int | float | None:
    """A numeric value as an int when whole, else a float; ``None`` when not a number.

    >>> as_number("1700000000"), as_number("22.500000"), as_number("1700000000.500"), as_number("x")
    (1700000000, 22.5, 1700000000.5, None)
    """
    f = as_float(value)
    if f is None:
        return None
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


def parse_number(value: object, field: str, lo: float = -math.inf, hi: float = math.inf,
                 *, required: bool = False) -> float | None:
    """A number within ``lo..hi``; ``None`` when absent or empty (``ParseError`` if ``required``).

    >>> parse_number("22.5", "lat", -90, 90), parse_number("", "speed")
    (22.5, None)
    >>> parse_number("95", "lat", -90, 90)
    Traceback (most recent call last):
    ...
    core.model.ParseError: lat: '95' is outside -90..90
    >>> parse_number(10**400, "lat", -90, 90)
    Traceback (most recent call last):
    ...
    core.model.ParseError: lat: is outside -90..90
    >>> parse_number(None, "ts", required=True)
    Traceback (most recent call last):
    ...
    core.model.ParseError: ts: is missing
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ParseError(field, "is missing")
        return None
    if isinstance(value, bool):
        raise ParseError(field, f"{value!r} is not a number")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParseError(field, f"{value!r} is not a number") from None
    except OverflowError:  # an integer beyond any float (a JSON number parsed by the standard library)
        raise ParseError(field, f"is outside {lo:g}..{hi:g}") from None
    if not math.isfinite(number) or not lo <= number <= hi:
        raise ParseError(field, f"{value!r} is outside {lo:g}..{hi:g}")
    return number


def parse_subject(value: object, field: str, *, required: bool = True, hint: str = "") -> str | None:
    """An identifier (unit id, plate, checkpoint id) trimmed of surrounding whitespace.

    >>> parse_subject("  粤B12345 ", "plate")
    '粤B12345'
    >>> parse_subject(chr(0xFFFD) + "B1", "plate")  # how a client decodes bytes that are not UTF-8
    Traceback (most recent call last):
    ...
    core.model.ParseError: plate: '...B1' is not valid UTF-8 text (send identifiers as UTF-8)
    >>> parse_subject(" ", "id")
    Traceback (most recent call last):
    ...
    core.model.ParseError: id: is missing
    """
    stripped = text(value).strip() if value is not None else ""
    if not stripped:
        if required:
            raise ParseError(field, f"is missing{hint}")
        return None
    if len(stripped) > MAX_ID_LEN:
        raise ParseError(field, f"is longer than {MAX_ID_LEN} characters")
    if "\ufffd" in stripped:
        raise ParseError(field, f"{stripped!r} is not valid UTF-8 text (send identifiers as UTF-8)")
    return stripped
