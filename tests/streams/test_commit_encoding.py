"""The commit's per-fix encoding (streams/commit.py: a batch's fixes at once) gives the bytes of its plain
definition, fix by fix."""

from __future__ import annotations

import math
from dataclasses import replace

import orjson
from hypothesis import given
from hypothesis import strategies as st

from core.model import Kind, Ping
from streams.commit import position_fields, positions_json

floats = st.floats(allow_nan=True, allow_infinity=True)
pings = st.builds(
    Ping,
    subject=st.text(min_size=1, max_size=12),
    lat=floats, lon=floats,
    ts=st.one_of(st.floats(min_value=-1e10, max_value=1e10), st.integers(0, 4_000_000_000).map(float),
                 st.integers(0, 4_000_000_000)),
    heading=st.one_of(st.none(), floats),
    kind=st.sampled_from(list(Kind)),
    category=st.one_of(st.none(), st.text(max_size=8)),
    zones=st.frozensets(st.text(max_size=6), max_size=3),
    speed_kmh=floats,
)


@given(st.lists(pings, max_size=20))
def test_positions_json_is_orjson_of_position_fields(batch: list[Ping]) -> None:
    assert positions_json(batch) == [orjson.dumps(position_fields(p)) for p in batch]


def test_a_subject_whose_kind_or_category_changes_is_encoded_anew() -> None:
    p = Ping('say "东" \\ /\n', 22.5, 114.0, 1_700_000_000.25, speed_kmh=math.pi, heading=90.0,
             kind=Kind.OTHER, zones=frozenset({"Z9", "Z10", "区"}))
    [first] = positions_json([p])
    assert orjson.loads(first) == {"subject": 'say "东" \\ /\n', "kind": "other", "category": "", "lat": "22.500000",
                                   "lon": "114.000000", "ts": "1700000000.250", "speed": "3.1",
                                   "heading": "90", "zone": "Z10"}
    p.kind, p.category = Kind.VEHICLE, "coach"
    assert positions_json([p]) == [orjson.dumps(position_fields(p))] != [first]
    p.category = None
    assert orjson.loads(positions_json([p])[0])["category"] == ""


@given(st.lists(pings, min_size=1, max_size=20), st.booleans(), st.booleans())
def test_a_batch_of_one_shape_is_encoded_as_fix_by_fix(batch: list[Ping], whole: bool, heading: bool) -> None:
    """Most batches have one shape (every time whole or none, every heading sent or none), which is
    encoded by one template for the batch."""
    batch = [replace(p, ts=float(math.floor(p.ts)) + (0.0 if whole else 0.25),
                     heading=(p.heading if p.heading is not None else 90.0) if heading else None) for p in batch]
    assert positions_json(batch) == [orjson.dumps(position_fields(p)) for p in batch]
