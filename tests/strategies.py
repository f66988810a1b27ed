"""Hypothesis strategies for what the outside world sends: stream fields, OsmAnd requests, JSON.

Shared by the fuzz tests (``tests/*/test_fuzz_*.py``). The generators lean towards the values
that break parsers: numbers as text in every spelling (NaN, inf, 1e400, ``1_000``, Arabic digits),
whitespace, empty strings, ISO-8601 times with odd offsets and separators, long identifiers.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

GPS_FIELDS = ("id", "lat", "lon", "ts", "speed", "heading", "accuracy")
ANPR_FIELDS = ("checkpoint", "plate", "ts", "confidence", "lane")
KNOWN_IDS = ("P01", "P02", "P03", "粤BC1001", "粤BH2001", "粤BT3001", "粤BP5001", "粤BZ9999")
T0 = 1_700_000_000.0

EDGE_NUMBERS = (
    "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e400", "-1e400", "1e-400", "-0", "+0", "0",
    "0x10", "1_000", "١٢٣", "٢٢.٥", "１２", " 22.5 ", "\t90\n", "+90", "90.0000001", "-90", "180", "-180.0",
    "1e308", "2147483647", "2147483648", "1700000000000", "-1", "1,5", "22.5.1", "e", ".", "-", "0.", ".5",
)

_offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda m: timezone(timedelta(minutes=m)))


@st.composite
def iso_times(draw: st.DrawFn, offset: bool = False) -> str:
    """ISO-8601 text: any year, with (always if ``offset``) or without an offset (up to ±23:59),
    ``T`` or space, ``Z``."""
    dt = draw(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
    tz = draw((st.none() if not offset else st.nothing()) | st.just(UTC) | _offsets)
    if tz is not None:
        dt = dt.replace(tzinfo=tz)
    spec = draw(st.sampled_from(["auto", "seconds", "milliseconds", "minutes"]))
    out = dt.isoformat(sep=draw(st.sampled_from("T t")), timespec=spec)
    if draw(st.booleans()):
        out = out.replace("+00:00", draw(st.sampled_from(["Z", "z", "+0000", "-00:00"])))
    return draw(st.sampled_from(["{}", " {} ", "{}\n"])).format(out)


def number_texts() -> st.SearchStrategy[str]:
    """Numbers as text: any float (NaN, inf, huge, tiny) or integer, in several spellings."""
    floats = st.floats(allow_nan=True, allow_infinity=True)
    return st.one_of(
        st.sampled_from(EDGE_NUMBERS),
        floats.map(repr),
        floats.map(lambda f: f"{f:.6f}"),
        st.integers().map(str),
        st.floats(min_value=-200, max_value=200).map(str),
        st.floats(min_value=0, max_value=5e12).map(lambda f: f"{f:.3f}"),
    )


def values() -> st.SearchStrategy[str]:
    """Any value a field of a stream entry may hold (always text, as Redis gives it)."""
    return st.one_of(
        st.text(max_size=20),
        number_texts(),
        iso_times(),
        st.sampled_from(KNOWN_IDS).map(lambda s: f"  {s}\t"),
        st.text(min_size=60, max_size=90),  # around the 64-character bound of identifiers
        st.sampled_from(["", " ", "\t\n", "\u3000", "\x00", "gps", "anpr"]),
    )


def subjects() -> st.SearchStrategy[str]:
    """Valid identifiers: trimmed, non-empty, at most 64 characters, any script."""
    return st.one_of(st.sampled_from(KNOWN_IDS), st.text(min_size=1, max_size=64).map(str.strip).filter(bool))


def mostly(good: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` four times in five, else ``other`` (``one_of`` would weigh them equally)."""
    return st.integers(0, 4).flatmap(lambda i: other if i == 4 else good)


def _spelled(lo: float, hi: float) -> st.SearchStrategy[str]:
    """A number of ``lo..hi`` as a producer may spell it."""
    return st.one_of(
        st.floats(lo, hi).map(repr), st.floats(lo, hi).map(lambda f: f"{f:.6f}"),
        st.integers(math.ceil(lo), math.floor(hi)).map(str), st.floats(lo, hi).map(lambda f: f" {f:g}\t"),
    )


def _padded(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(["", " ", "\t", "\u3000"]), strategy, st.sampled_from(["", " ", "\n"])).map(
        "".join)


_ISO_WITH_OFFSET = iso_times(offset=True)
PLAUSIBLE: dict[str, st.SearchStrategy[str]] = {
    "id": _padded(subjects()), "plate": _padded(subjects()), "checkpoint": _padded(subjects()),
    "lane": _padded(subjects()),
    "lat": _spelled(-90, 90), "lon": _spelled(-180, 180),
    "ts": st.one_of(_spelled(0, 4e9), _ISO_WITH_OFFSET),
    "speed": _spelled(0, 1000), "heading": _spelled(-360, 360), "accuracy": _spelled(0, 1e7),
    "confidence": _spelled(0, 1),
}
_ABSENT = "\x00absent"


def stream_fields(names: tuple[str, ...] = GPS_FIELDS + ANPR_FIELDS) -> st.SearchStrategy[dict[str, str]]:
    """A random stream entry: each of ``names`` mostly plausible, sometimes anything, sometimes
    absent; any other keys; ``type`` mostly gps or anpr. About a third of them are valid."""
    def field(name: str) -> st.SearchStrategy[str]:
        return mostly(PLAUSIBLE[name], values() | st.just(_ABSENT))

    kinds = mostly(st.sampled_from(["gps", "anpr"]),
                   st.none() | st.sampled_from(["", " gps", "GPS", "anpr\n"]) | st.text(max_size=8))
    return st.builds(
        lambda known, extra, kind: {**extra, **{k: v for k, v in known.items() if v != _ABSENT},
                                    **({} if kind is None else {"type": kind})},
        st.fixed_dictionaries({name: field(name) for name in names}),
        st.dictionaries(st.text(max_size=10), values(), max_size=2),
        kinds,
    )


# --- JSON ------------------------------------------------------------------------------------------

EDGE_JSON_NUMBERS: tuple[Any, ...] = (10**400, -(10**400), 2**63, 2**64, 1e308, -1e308, 0.0, -0.0,
                                      float("nan"), float("inf"), float("-inf"), 5e-324)

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), number_texts(),
    st.sampled_from(EDGE_JSON_NUMBERS),
)

json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``strategy`` most of the time, else any JSON value (a wrong type)."""
    return mostly(strategy, json_values)


def objects(spec: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Dictionaries of ``spec``'s keys; a key whose strategy draws ``ABSENT`` is left out."""
    return st.fixed_dictionaries(spec).map(lambda d: {k: v for k, v in d.items() if v is not ABSENT})


ABSENT: Any = object()
_rarely = st.just(ABSENT)
_padded_ids = _padded(st.sampled_from(KNOWN_IDS))


def _sometimes(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Absent, ``strategy`` or anything, a third each."""
    return st.integers(0, 2).flatmap(lambda i: [_rarely, strategy, json_values][i])


def traccar_bodies() -> st.SearchStrategy[Any]:
    """The JSON body of Traccar Client 9+: mostly the right shape with plausible values (a known
    device, coordinates in range), and at every level sometimes a missing key or a random type."""
    def coord(bound: float) -> st.SearchStrategy[Any]:
        return mostly(st.floats(-bound, bound) | st.integers(-int(bound), int(bound)),
                      st.floats() | number_texts() | st.sampled_from(EDGE_JSON_NUMBERS) | json_values | _rarely)

    coords = objects({
        "latitude": coord(90), "longitude": coord(180), "speed": _sometimes(st.floats(-1, 300)),
        "heading": _sometimes(st.floats(-1, 360)), "accuracy": _sometimes(st.floats(-1, 1e5)),
        "altitude": _sometimes(st.floats()),
    })
    stamp = st.one_of(_ISO_WITH_OFFSET, st.floats(1e9, 2e12), st.integers(10**9, 2 * 10**12))
    location = objects({
        "timestamp": mostly(stamp, number_texts() | iso_times() | json_values | _rarely),
        "coords": mostly(coords, json_values | _rarely), "battery": _sometimes(json_values),
        "is_moving": _sometimes(st.booleans()),
    })
    return objects({
        "device_id": mostly(_padded_ids, st.text(max_size=70) | json_values | _rarely),
        "id": _sometimes(_padded_ids),
        "location": mostly(location | st.lists(location, min_size=1, max_size=3),
                           st.lists(_maybe(location), max_size=3) | json_values | _rarely),
    })


OSMAND_FIELDS = ("id", "deviceid", "lat", "lon", "location", "timestamp", "speed", "bearing", "heading",
                 "accuracy", "altitude", "batt", "hdop", "valid")


def osmand_params() -> st.SearchStrategy[dict[str, str]]:
    """OsmAnd key/value pairs (query string or form), every value text: mostly plausible (a known
    device, a position as lat/lon or location=lat,lon, a timestamp in any of its four forms),
    sometimes missing or anything."""
    other = values() | _rarely
    pair = st.tuples(_spelled(-90, 90), _spelled(-180, 180)).map(",".join)
    stamp = st.one_of(iso_times(), st.integers(10**9, 2 * 10**12).map(str), _spelled(1e9, 2e9),
                      st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")))
    position = st.one_of(
        objects({"lat": mostly(_spelled(-90, 90), other), "lon": mostly(_spelled(-180, 180), other)}),
        objects({"location": mostly(pair, st.tuples(number_texts(), number_texts()).map(",".join) | other)}),
    )
    return st.builds(
        lambda extra, known, pos: {**extra, **known, **pos},
        st.dictionaries(st.text(max_size=10), values(), max_size=2),
        objects({
            "id": mostly(_padded_ids, other), "deviceid": mostly(_rarely, _padded_ids | other),
            "timestamp": mostly(stamp, other),
            "speed": _sometimes(_spelled(-1, 600)), "bearing": _sometimes(_spelled(-1, 360)),
            "heading": _sometimes(_spelled(-1, 360)), "accuracy": _sometimes(_spelled(-1, 1e5)),
            "altitude": _sometimes(values()), "batt": _sometimes(values()),
        }).map(lambda d: {k: v if isinstance(v, str) else json.dumps(v) for k, v in d.items()}),
        position,
    )
