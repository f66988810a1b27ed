"""Wire shapes and coalescing of pushed positions (pure)."""

from __future__ import annotations

import orjson

from web.views.live import Coalescer, alert_row, parse_fixes, stream_id_key


def _fix(subject: str, ts: float, **kw: str) -> dict[str, str]:
    f = {"subject": subject, "kind": "vehicle", "category": "taxi", "lat": "22.5", "lon": "114.0", "ts": str(ts),
         "speed": "30.0", "heading": "90", "zone": "W"}
    f.update(kw)
    return f


def test_parse_fixes_skips_bad_fixes_and_bad_json() -> None:
    blob = orjson.dumps([_fix("A", 10), _fix("B", 11, lat="north"), "junk", _fix("", 12)])
    assert [r[0] for r in parse_fixes(blob)] == ["A"]
    assert parse_fixes(b"{not json") == [] and parse_fixes(None) == [] and parse_fixes(b'{"a": 1}') == []


def test_coalescer_keeps_the_newest_fix_per_subject_until_drained() -> None:
    c = Coalescer()
    c.add(parse_fixes(orjson.dumps([_fix("A", 10), _fix("B", 10), _fix("A", 12), _fix("A", 11)])))
    rows = {r[0]: r[5] for r in c.drain()}
    assert rows == {"A": 12.0, "B": 10.0}
    assert c.drain() == [] and len(c) == 0


def test_coalescer_is_bounded() -> None:
    c = Coalescer(max_subjects=3)
    c.add([[f"S{i}", "other", "", 1.0, 2.0, float(i), 0.0, None, ""] for i in range(10)])
    assert len(c.drain()) == 3


def test_alert_row_keeps_stream_id_and_numbers() -> None:
    row = alert_row("5-1", {"alert_id": "x", "lat": "22.500000", "lon": "114.000000", "ts": "1700000000"}, True)
    assert row["id"] == "5-1" and row["lat"] == 22.5 and row["ts"] == 1_700_000_000 and row["acked"] is True
    assert row["zone"] == "" and row["text"] == ""


def test_stream_ids_compare_by_time_then_sequence() -> None:
    assert stream_id_key("10-2") < stream_id_key("11-0") < stream_id_key("11-1")
