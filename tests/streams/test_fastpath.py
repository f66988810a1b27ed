"""The columnar fast path (streams/fastpath.py) against the reference ``Pipeline.process``.

Random batches (gps and anpr mixed, units, every vehicle category and unknown plates, fixes in and
around every zone, at night and by day, bad fixes, jumps, repeated subjects, duplicate and
out-of-order times, junk entries) run through both, three batches in a row, each on the states the
previous one returned (the reference's as read back from Redis, the fast path's as it returned them): alerts (ids, order and every field), states, published fixes, reads,
travel samples, silences, dead letters and counters must be identical.
"""

from __future__ import annotations

import copy
from dataclasses import asdict
from itertools import chain
from typing import Any

import orjson
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from city.citypack import CityPack, load_city_pack
from core.producer import encode_anpr, encode_gps
from core.settings import ROOT
from streams.fastpath import FastPipeline, flat_columns
from streams.pipeline import BatchResult, Entry, Pipeline
from tests.strategies import T0, stream_fields

PARTITIONS = 4
CITY: CityPack = load_city_pack(ROOT / "tests" / "fixtures" / "mini_city")
SUBJECTS = (*CITY.units, *CITY.vehicles, "粤BZ9999", "OTHER1", " 粤BC1001 ", *(f"X{n}" for n in range(12)))
# zone corners and edges (boundaries count as inside), the city's streets, far away, 0,0
_LATS = st.sampled_from([22.5, 22.502, 22.504, 22.505, 22.506, 22.51]) | st.floats(22.49, 22.52)
_LONS = st.sampled_from([114.0, 114.002, 114.003, 114.01, 114.015, 114.02]) | st.floats(113.99, 114.03)
# 06:13, 02:13 (night ban), 18:13 and 22:13 (the reservoir's hours) local time
_BASES = (T0, T0 - 4 * 3600, T0 + 12 * 3600, T0 + 16 * 3600)
_SPEEDS = st.none() | st.sampled_from([0.0, 4.9, 5.0, 10.0, 10.1, 40.0, 40.1, 60.0, 60.1, 90.0]) | st.floats(0, 300)


@st.composite
def _fields(draw: st.DrawFn, ts: float, subject: str) -> dict[str, str]:
    kind = draw(st.integers(0, 9))
    if kind <= 5:
        return encode_gps(subject, draw(_LATS), draw(_LONS), ts, speed=draw(_SPEEDS),
                          heading=draw(st.none() | st.floats(0, 359)), accuracy=draw(st.none() | st.floats(0, 50)))
    if kind == 6:
        return encode_anpr(draw(st.sampled_from("ABCD")), subject, ts, confidence=draw(st.none() | st.floats(0, 1)))
    if kind == 7:  # a bad fix: 0,0, out of range, far away (a jump), the far future
        lat, lon, when = draw(st.sampled_from([(0.0, 0.0, ts), (95.0, 114.0, ts), (23.5, 115.0, ts),
                                               (22.505, 114.005, 1e12), (22.505, 114.005, 4e10)]))
        fields = encode_gps(subject, lat, lon, when, speed=draw(_SPEEDS))
        return fields if lat < 90 else {**fields, "lat": str(lat)}
    if kind == 8:  # spelled otherwise: padded numbers, an ISO time, a blank speed
        fields = encode_gps(subject, draw(_LATS), draw(_LONS), ts)
        return {**fields, **draw(st.sampled_from([{"lat": f" {fields['lat']} "}, {"speed": " "},
                                                  {"ts": "2023-11-14T22:13:20+00:00"}, {"speed": "nan"}]))}
    return draw(stream_fields())


@st.composite
def _batch(draw: st.DrawFn) -> list[dict[str, str]]:
    """Each subject once (in a random order), or drawn from a few again and again."""
    pool = draw(st.permutations(SUBJECTS))
    few = draw(st.integers(1, len(SUBJECTS)))
    repeat = draw(st.booleans())
    ts = draw(st.sampled_from(_BASES))
    out = []
    for i in range(draw(st.integers(0, 25))):
        ts += draw(st.sampled_from([0, -30]) | st.integers(1, 120) | st.floats(0, 4 * 3600))
        subject = draw(st.sampled_from(pool[:few])) if repeat else pool[i % len(pool)]
        out.append(draw(_fields(ts, subject)))
    return out


def _entries(batch: list[dict[str, str]], partition: int | None, offset: int) -> list[Entry]:
    stream = f"cc:in:{0 if partition is None else partition}"
    return [Entry(stream, f"{1_700_000_000_000 + offset + i}-0", fields) for i, fields in enumerate(batch)]


def _same(ref: BatchResult, fast: BatchResult) -> None:
    assert [asdict(a) for a in fast.alerts] == [asdict(a) for a in ref.alerts]
    assert fast.states == ref.states
    assert fast.pings == ref.pings
    assert fast.reads == ref.reads and fast.samples == ref.samples
    assert fast.silences == ref.silences
    assert fast.dead == ref.dead
    assert +fast.counters == +ref.counters


@pytest.mark.parametrize("retention", [None, 3600.0])
@settings(max_examples=250, deadline=None)
@given(batches=st.lists(_batch(), min_size=1, max_size=3), partition=st.none() | st.integers(0, PARTITIONS - 1),
       horizon=st.none() | st.sampled_from([T0 + 86400, T0 + 3600, 4e9]))
def test_the_fast_path_gives_what_the_reference_gives(retention: float | None, batches: list[list[dict[str, str]]],
                                                      partition: int | None, horizon: float | None) -> None:
    ref_pipe, fast_pipe = Pipeline(CITY, PARTITIONS, retention), FastPipeline(CITY, PARTITIONS, retention)
    flat_pipe = FastPipeline(CITY, PARTITIONS, retention)  # fed as the worker's reads ahead: flat fields, columns
    # the reference runs on states as read back from Redis (JSON), the fast path on the very dicts it
    # returned, as the worker's cache keeps them: the same alerts and states either way, and neither
    # path modifies the states it is given (the worker's cache relies on both)
    stored: dict[str, dict[str, Any]] = {}
    kept: dict[str, dict[str, Any]] = {}
    kept_flat: dict[str, dict[str, Any]] = {}
    offset = 0
    for batch in batches:
        entries = _entries(batch, partition, offset)
        offset += len(batch)
        before = copy.deepcopy((stored, kept, kept_flat))
        ref = ref_pipe.process(entries, stored, horizon, partition)
        fast = fast_pipe.process(entries, kept, horizon, partition)
        flats = [Entry(e.stream, e.entry_id, list(chain.from_iterable(e.fields.items()))) for e in entries]
        columns = flat_columns([e.fields for e in flats])
        via_columns = (flat_pipe.process(entries, kept_flat, horizon, partition) if columns is None else
                       flat_pipe.process(flats, kept_flat, horizon, partition, columns=columns))
        assert (stored, kept, kept_flat) == before
        _same(ref, fast)
        _same(ref, via_columns)
        for a in ref.alerts:
            event(f"alert {a.type}")
        event(f"fast share {fast_pipe.last_fast * 4 // max(1, len(entries))}/4")
        event(f"columns {'none' if columns is None else 'whole' if flat_pipe.last_fast == len(entries) else 'part'}")
        stored = {**stored, **{s: orjson.loads(orjson.dumps(x)) for s, x in ref.states.items()}}
        kept = {**kept, **fast.states}
        kept_flat = {**kept_flat, **via_columns.states}


def _fix(subject: str, ts: float, **kw: Any) -> dict[str, str]:
    return encode_gps(subject, kw.pop("lat", 22.505), kw.pop("lon", 114.015), ts, **kw)


def test_most_of_a_plain_batch_takes_the_fast_path() -> None:
    """One fix per subject, plain numbers: all fast; a second fix of a subject sends both back."""
    pipe = FastPipeline(CITY)
    plain = [_fix(s, T0, speed=30.0) for s in ("P01", "粤BC1001", "粤BT3001", "OTHER1")]
    out = pipe.process(_entries(plain, None, 0), {}, None)
    assert pipe.last_fast == 4 and [p.subject for p in out.pings] == ["P01", "粤BC1001", "粤BT3001", "OTHER1"]
    out = pipe.process(_entries([*plain, _fix("P01", T0 + 5)], None, 0), {}, None)
    assert pipe.last_fast == 3 and len(out.pings) == 5


def test_alerts_of_both_halves_come_in_entry_order() -> None:
    """A truck in the old town (fast: restricted_entry) between two reads of a listed plate (reference)."""
    batch = [encode_anpr("A", "粤BZ9999", T0), _fix("粤BT3001", T0 + 1, speed=30.0), encode_anpr("B", "粤BZ9999", T0 + 2)]
    ref = Pipeline(CITY).process(_entries(batch, None, 0), {}, None)
    fast_pipe = FastPipeline(CITY)
    fast = fast_pipe.process(_entries(batch, None, 0), {}, None)
    assert fast_pipe.last_fast == 1
    assert [a.type.value for a in fast.alerts] == [a.type.value for a in ref.alerts]
    assert [a.alert_id for a in fast.alerts] == [a.alert_id for a in ref.alerts]
    assert "restricted_entry" in [a.type.value for a in fast.alerts][1:-1]


@pytest.mark.parametrize("field", ["lat", "lon", "ts", "speed", "heading", "accuracy"])
@pytest.mark.parametrize("text", ["-0", "-0.0", "0", " 7 ", "1e1", "1_0", "+5", ".5", "١٢", "0x10", "true", "null",
                                  "[1]", "1,2", "", " ", "nan", "-inf", "1e400"])
def test_numbers_spelled_otherwise_give_what_the_reference_gives(field: str, text: str) -> None:
    """A batch's numbers are read a column at a time: one odd spelling among plain ones is read as the
    reference reads it (the sign of a zero too), or left to the reference."""
    batch = [_fix(s, T0 + n, speed=30.0, heading=90.0, accuracy=5.0) for n, s in enumerate(("P01", "粤BC1001", "OTHER1"))]
    batch[1] = {**batch[1], field: text}
    ref = Pipeline(CITY, PARTITIONS).process(_entries(batch, None, 0), {}, None)
    fast_pipe = FastPipeline(CITY, PARTITIONS)
    fast = fast_pipe.process(_entries(batch, None, 0), {}, None)
    _same(ref, fast)
    assert repr(fast.pings) == repr(ref.pings) and repr(fast.states) == repr(ref.states)
    assert fast_pipe.last_fast >= 2


@pytest.mark.parametrize("rules", [
    {"overspeed": {"over": "x"}, "fatigue": {"drive": "y"}, "restricted_entry": {"alerted": 5}},
    {"overspeed": {}, "night_ban": {}, "fatigue": {"drive": None}, "zone_exit": {"inside": "?"}},
    {"fatigue": {"drive": T0 - 5 * 3600, "junk": 1}, "overspeed": {"over": 2, "alerted": True}},
    {},
])
def test_broken_or_empty_rule_states_give_what_the_reference_gives(rules: dict[str, Any]) -> None:
    """A stored rule state the rules cannot read fails the rule the same way on both paths (logged,
    counted, the chain goes on); empty ones are dropped alike."""
    subjects = ("P01", "粤BC1001", "粤BT3001", "粤BH2001", "OTHER1")
    batch = [_fix(s, T0 + n, speed=95.0) for n, s in enumerate(subjects)]
    states = {s: {"last": {"ts": T0 - 60, "lat": 22.505, "lon": 114.015}, "seen": T0 - 60, "rules": dict(rules)}
              for s in subjects}
    ref = Pipeline(CITY, PARTITIONS).process(_entries(batch, None, 0), states, None)
    fast_pipe = FastPipeline(CITY, PARTITIONS)
    fast = fast_pipe.process(_entries(batch, None, 0), states, None)
    _same(ref, fast)
    assert fast_pipe.last_fast == len(subjects)
    assert all(st["rules"] == rules for st in states.values())  # neither path changed what it was given


@pytest.mark.parametrize("spelled", [int, str, float])
@pytest.mark.parametrize("retention", [None, 30.0])
def test_stored_times_and_places_spelled_otherwise_give_what_the_reference_gives(
        spelled: type, retention: float | None) -> None:
    """A stored ``seen`` and last fix as integers or numeric text are read as ``float()`` reads them;
    with a retention shorter than the silence, a stale state is not read at all."""
    subjects = ("P01", "粤BC1001", "OTHER1")
    batch = [_fix(s, T0 + n, speed=30.0) for n, s in enumerate(subjects)]
    place = str if spelled is str else float
    states = {s: {"last": {"ts": spelled(T0 - 60), "lat": place(22.505), "lon": place(114.015)},
                  "seen": spelled(T0 - 60)} for s in subjects}
    if retention is not None:  # stale: a last fix no number reads is never read
        states["OTHER1"] = {**states["OTHER1"], "last": {"ts": "?", "lat": None, "lon": []}}
    ref = Pipeline(CITY, PARTITIONS, retention).process(_entries(batch, None, 0), states, None)
    fast_pipe = FastPipeline(CITY, PARTITIONS, retention)
    fast = fast_pipe.process(_entries(batch, None, 0), states, None)
    _same(ref, fast)
    assert fast_pipe.last_fast == len(subjects) and len(fast.pings) == len(subjects)


_MAX_DRIVE_S = CITY.fatigue.max_drive_min * 60
_REST = CITY.fatigue.rest_speed


@pytest.mark.parametrize("drive", [T0 - _MAX_DRIVE_S - 1, T0 - _MAX_DRIVE_S, T0 - _MAX_DRIVE_S + 0.5, T0 - 60,
                                   int(T0 - 60), str(T0 - 60), None, True, [T0]])
@pytest.mark.parametrize("speed", [_REST - 0.1, _REST, _REST + 0.1, 95.0, None])
@pytest.mark.parametrize("where", [(22.52, 114.03), (22.505, 114.015)])  # outside every zone; the old town
def test_a_drive_under_way_gives_what_the_reference_gives(drive: Any, speed: float | None,
                                                           where: tuple[float, float]) -> None:
    """Fatigue's drive under way, decided without the rules where nothing else moves: at exactly the
    longest drive and exactly the rest speed, with the drive spelled otherwise, beside other states."""
    lat, lon = where
    subjects = ("粤BT3001", "粤BC1001", "粤BH2001", "OTHER1", "P01")
    batch = [_fix(s, T0, speed=speed, lat=lat, lon=lon) for s in subjects]
    last = {"ts": T0 - 60, "lat": lat, "lon": lon}
    states = {s: {"last": last, "seen": T0 - 60, "rules": {"fatigue": {"drive": drive}}} for s in subjects}
    states["粤BH2001"]["rules"] = {"fatigue": {"drive": drive}, "overspeed": {"over": 1, "alerted": False}}
    ref = Pipeline(CITY, PARTITIONS).process(_entries(batch, None, 0), states, None)
    fast_pipe = FastPipeline(CITY, PARTITIONS)
    calls: list[str] = []
    rules = fast_pipe._rules
    fast_pipe._rules = lambda ping, *rest: calls.append(ping.subject) or rules(ping, *rest)  # type: ignore[method-assign]
    fast = fast_pipe.process(_entries(batch, None, 0), states, None)
    _same(ref, fast)
    assert fast_pipe.last_fast == len(subjects)
    steady = speed is not None and speed >= _REST and isinstance(drive, float | int) and T0 - drive <= _MAX_DRIVE_S
    if steady and where == (22.52, 114.03) and speed != 95.0:  # the truck and the coach: no rule runs
        assert "粤BT3001" not in calls and "粤BC1001" not in calls
    assert "粤BH2001" in calls and "P01" in calls  # another rule's state; a unit's zone_exit


@pytest.mark.parametrize("odd", [None, "extra field", "no speed", "anpr", "another partition", "subject twice"])
def test_a_batch_of_known_subjects_alike_is_read_at_once_and_gives_what_the_reference_gives(odd: str | None) -> None:
    """The second batch of subjects already seen, each with the same fields, is read by one
    ``itemgetter`` pass (``FastPipeline._uniform``); a batch with anything odd in it is read entry by
    entry; either way the results are the reference's."""
    subjects = ("P01", "粤BC1001", "粤BT3001", "粤BH2001", "OTHER1", "X1", "X2")
    fast_pipe = FastPipeline(CITY, PARTITIONS)
    uniform: list[bool] = []
    read_at_once = fast_pipe._uniform  # noqa: SLF001 - which way the batch was read

    def spy(entries: Any, p: Any, columns: Any = None) -> Any:
        found = read_at_once(entries, p, columns)
        uniform.append(found is not None)
        return found

    fast_pipe._uniform = spy  # type: ignore[method-assign]  # noqa: SLF001
    first = [_fix(s, T0 + n, speed=95.0, heading=90.0) for n, s in enumerate(subjects)]
    stored = fast_pipe.process(_entries(first, None, 0), {}, None).states
    assert uniform == [False]  # first sightings: read entry by entry
    second = [_fix(s, T0 + 10 + n, speed=95.0, heading=90.0) for n, s in enumerate(subjects)]
    if odd == "extra field":
        second[2] = {**second[2], "altitude": "12"}
    elif odd == "no speed":
        second[3] = {k: v for k, v in second[3].items() if k != "speed"}
    elif odd == "anpr":
        second[4] = encode_anpr("A", "粤BC1001", T0 + 14)
    elif odd == "subject twice":
        second[6] = _fix("X1", T0 + 16, speed=95.0, heading=90.0)
    p = 0 if odd == "another partition" else None  # the subjects span every partition
    ref = Pipeline(CITY, PARTITIONS).process(_entries(second, p, 100), copy.deepcopy(stored), None, p)
    fast = fast_pipe.process(_entries(second, p, 100), stored, None, p)
    _same(ref, fast)
    assert uniform[-1] == (odd is None)
    assert fast.alerts  # a second fix over the limit alerts: the batch did real work
    # the same batch as the worker reads it ahead: each entry's fields a flat list, the batch as columns
    taken = fast_pipe.last_fast  # the fixes the fast path took of the batch read as dicts
    flat_pipe = FastPipeline(CITY, PARTITIONS)
    flat_pipe.process(_entries(first, None, 0), {}, None)
    flats = [Entry(e.stream, e.entry_id, list(chain.from_iterable(e.fields.items())))
             for e in _entries(second, p, 100)]
    columns = flat_columns([e.fields for e in flats])
    assert (columns is None) == (odd in ("extra field", "no speed", "anpr"))  # fields not alike: dicts
    if columns is not None:
        _same(ref, flat_pipe.process(flats, stored, None, p, columns=columns))
        assert flat_pipe.last_fast == taken == (len(second) if odd is None else flat_pipe.last_fast)
