"""Property-based test of ``Pipeline.process`` (streams/pipeline.py): for any batch of entries, in
any partition, with or without a horizon, it never raises, and every entry is accounted for exactly
once: accepted (a ping or a read), dropped by a filter (a ``dropped:*`` counter) or dead-lettered
with a one-line ``error``; no rule fails on what the parser let through."""

from __future__ import annotations

import math
from typing import Any

import orjson
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from city.citypack import CityPack, load_city_pack
from core.keys import partition_of
from core.messages import parse_fields
from core.model import ParseError
from core.producer import encode_anpr, encode_gps
from core.settings import ROOT
from streams.pipeline import Entry, Pipeline
from tests.strategies import KNOWN_IDS, T0, mostly, stream_fields

PARTITIONS = 4

# Mostly messages about the mini city's subjects, in its streets, each a few seconds to minutes after
# the one before (sometimes at the same time or earlier): they reach the filters (duplicates, out of
# order, jumps) and the rules; the rest is anything, and reaches the dead letters.
_BASES = (T0, T0 - 4 * 3600, T0 + 12 * 3600)  # 06:13, 02:13 (night ban) and 18:13 local time


@st.composite
def _batches(draw: st.DrawFn) -> list[dict[str, str]]:
    ts = draw(st.sampled_from(_BASES))
    batch = []
    for _ in range(draw(st.integers(0, 20))):
        ts += draw(st.sampled_from([0, -30]) | st.integers(1, 120) | st.floats(0, 600))
        kind = draw(st.integers(0, 5))
        if kind <= 2:
            fields = encode_gps(draw(st.sampled_from(KNOWN_IDS)), draw(st.floats(22.49, 22.52)),
                                draw(st.floats(113.99, 114.03)), ts, speed=draw(st.none() | st.floats(0, 200)),
                                heading=draw(st.none() | st.floats(0, 359)))
        elif kind <= 3:
            fields = encode_anpr(draw(st.sampled_from("ABCD")), draw(st.sampled_from(KNOWN_IDS)), ts,
                                 confidence=draw(st.none() | st.floats(0, 1)))
        elif kind == 4:
            fields = encode_gps(draw(st.sampled_from(KNOWN_IDS)), draw(st.floats(-90, 90)),
                                draw(st.floats(-180, 180)), draw(st.floats(0, 1e12)))
        else:
            fields = draw(stream_fields())
        batch.append(fields)
    return batch


# the worker's horizon: its wall clock plus CC_FUTURE_S (here at most the year 2096); see
# test_a_fix_past_the_year_9999_without_a_horizon for what happens without one
_horizons = mostly(st.sampled_from([T0 + 86400, T0 + 10**6, 4e9]), st.floats(0, 4e9))


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    city: CityPack = load_city_pack(ROOT / "tests" / "fixtures" / "mini_city")
    return Pipeline(city, PARTITIONS)


def entries_of(batch: list[dict[str, str]], partition: int | None, offset: int) -> list[Entry]:
    stream = f"cc:in:{0 if partition is None else partition}"
    return [Entry(stream, f"{1_700_000_000_000 + offset + i}-0", fields) for i, fields in enumerate(batch)]


def check_batch(pipeline: Pipeline, entries: list[Entry], states: dict[str, dict[str, Any]],
                horizon: float | None, partition: int | None) -> dict[str, dict[str, Any]]:
    out = pipeline.process(entries, states, horizon, partition)
    by_id = {e.entry_id: e for e in entries}
    dropped = sum(n for name, n in out.counters.items() if name.startswith("dropped:"))
    assert out.counters["processed"] == len(entries)
    assert len(out.pings) + len(out.reads) + len(out.dead) + dropped == len(entries)
    assert not [name for name in out.counters if name.startswith("errors:")], out.counters
    for dead in out.dead:
        entry = by_id[dead.entry_id]
        assert dead.stream == entry.stream and orjson.loads(dead.raw) == dict(entry.fields)
        assert dead.error and len(dead.error.splitlines()) == 1, dead.error
        try:
            parsed = parse_fields(entry.fields)
        except ParseError as exc:
            assert dead.error == str(exc)
        else:  # understood, but sent to another subject's partition
            assert dead.error.startswith("partition: ")
            assert partition is not None and partition_of(parsed.subject, PARTITIONS) != partition
    kept = [p.entry_id for p in out.pings] + [r.entry_id for r in out.reads]
    assert len(set(kept)) == len(kept) and set(kept) <= set(by_id) and not set(kept) & {d.entry_id for d in out.dead}
    for alert in out.alerts:
        assert math.isfinite(alert.lat) and math.isfinite(alert.lon) and math.isfinite(alert.ts)
        assert alert.to_fields()["alert_id"].startswith(str(alert.type))
    orjson.dumps(out.states)  # what the worker stores as JSON
    for name in (*out.counters, *(f"alert {a.type}" for a in out.alerts), *(["dead"] if out.dead else [])):
        event(name)  # --hypothesis-show-statistics: which paths the examples reached
    return {**states, **out.states}


@settings(max_examples=150)
@given(first=_batches(), second=_batches(), partition=st.none() | st.integers(0, PARTITIONS - 1),
       horizon=_horizons)
def test_every_entry_is_accepted_dropped_or_dead_lettered(pipeline: Pipeline, first: list[dict[str, str]],
                                                          second: list[dict[str, str]], partition: int | None,
                                                          horizon: float) -> None:
    """Two batches in a row, the second on the states the first returned (as the worker does)."""
    states = check_batch(pipeline, entries_of(first, partition, 0), {}, horizon, partition)
    check_batch(pipeline, entries_of(second, partition, len(first)), states, horizon, partition)


@pytest.mark.parametrize("ts", [253_402_300_799.0, 1e12])  # 9999-12-31T23:59:59Z (local 10000-01-01); 1e12
def test_a_fix_past_the_year_9999_without_a_horizon(pipeline: Pipeline, ts: float) -> None:
    """Found by the property above with horizon=None: such a fix is dropped as invalid, not a crash."""
    entries = entries_of([encode_gps("P01", 22.505, 114.01, ts)], None, 0)
    out = pipeline.process(entries, {}, None)
    assert out.counters["dropped:invalid"] == 1 and out.pings == [] and out.dead == []
