"""The bundled recording of the demo city (``python -m demo.recorder``)."""

from __future__ import annotations

from datetime import datetime

from city.citypack import load_city_pack
from core.settings import DEMO_CITY
from demo.recorder import DAY, OUT, record_demo
from runner.supervisor import DEMO_RECORDING_START
from streams.recording import load_recording


def test_recording_the_demo_is_repeatable_and_in_event_time_order() -> None:
    one, two = record_demo(2), record_demo(2)
    assert one == two
    ts = [float(m["ts"]) for m in one]
    assert ts == sorted(ts)
    assert {m["type"] for m in one} == {"gps", "anpr"}


def test_the_bundled_recording_is_twenty_minutes_of_the_demo_night_and_small() -> None:
    assert OUT.stat().st_size < 5 * 1024 * 1024
    lines, refused = load_recording(OUT)
    assert refused == []
    tz = load_city_pack(DEMO_CITY).timezone
    live = [ln for ln in lines if ln.ts >= datetime(*DAY, 1, 56, tzinfo=tz).timestamp()]
    assert datetime.fromtimestamp(live[0].ts, tz).strftime("%Y-%m-%d %H:%M") == "2026-06-01 01:56"
    assert 19 * 60 <= live[-1].ts - live[0].ts <= 20 * 60
    assert len(lines) > 10_000
    assert 0 <= live[0].ts - datetime.fromisoformat(DEMO_RECORDING_START).timestamp() < 10  # paced from there
