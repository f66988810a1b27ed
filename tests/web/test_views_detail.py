"""The detail panel's view models on the mini city (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from city.citypack import CityPack, load_city_pack
from web.views.detail import TRACK_S, alert_detail, checkpoint_detail, subject_detail

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini_city"
CLOCK = 1_700_000_000.0


@pytest.fixture(scope="module")
def mini() -> CityPack:
    return load_city_pack(MINI)


def _fix(ts: float, lat: float = 22.505, lon: float = 114.005) -> dict[str, str]:
    return {"subject": "P01", "kind": "unit", "lat": str(lat), "lon": str(lon), "ts": str(ts), "speed": "31.6",
            "heading": "", "zone": "W"}


def test_unit_detail_shows_status_zone_and_ten_minutes_of_track(mini: CityPack) -> None:
    track = [_fix(CLOCK - s) for s in (0, 300, TRACK_S, TRACK_S + 1)]  # newest first, as stored
    vm = subject_detail("P01", track[0], track, [], mini, CLOCK, "en", "busy")
    rows = dict(vm["rows"])
    assert vm["kind"] == "unit" and vm["title"] == "West-1"
    assert rows["det.status"] == "Busy" and rows["det.zone"] == "West" and rows["det.speed"] == "32 km/h"
    assert rows["det.heading"] == "--"
    assert len(vm["track"]) == 3


def test_unknown_plate_without_data(mini: CityPack) -> None:
    vm = subject_detail("粤BZ9999", None, [], [], mini, CLOCK, "zh")
    rows = dict(vm["rows"])
    assert vm["kind"] == "other" and rows["det.last_ping"] == "暂无数据" and vm["severity"] == "red"
    assert vm["center"] is None


def test_checkpoint_detail_marks_watchlisted_reads(mini: CityPack) -> None:
    reads = [{"plate": "粤BT3001", "ts": CLOCK - 5, "confidence": 0.93}, {"plate": "粤BX7001", "ts": CLOCK - 9}]
    vm = checkpoint_detail("B", reads, [], mini, CLOCK, "en")
    assert [r["watch"] for r in vm["reads"]] == ["orange", ""]
    assert vm["reads"][0]["confidence"] == "0.93" and vm["reads"][0]["age"] == "5 s ago"
    assert dict(vm["rows"])["det.next"] == "C"


def test_alert_detail_names_zone_checkpoint_and_ack(mini: CityPack) -> None:
    alert = {"alert_id": "a-1", "type": "watchlist_hit", "severity": "orange", "subject": "粤BT3001",
             "lat": 22.505, "lon": 114.007, "ts": CLOCK - 60, "zone": "W", "checkpoint": "B", "text": "hit"}
    vm = alert_detail(alert, {"by": "Li", "note": "stopped"}, mini, CLOCK, "en")
    rows = dict(vm["rows"])
    assert rows["det.zone"] == "West" and rows["det.ack"] == "Li: stopped" and vm["center"] == [22.505, 114.007]
    assert rows["det.checkpoint"] == "Station B"
    assert alert_detail(None, None, mini, CLOCK, "en")["center"] is None


def test_alert_detail_and_recent_alerts_show_the_line_in_the_language(mini: CityPack) -> None:
    alert = {"alert_id": "a-2", "type": "watchlist_hit", "severity": "orange", "subject": "粤BT3001",
             "lat": 22.505, "lon": 114.007, "ts": CLOCK - 60, "zone": "W", "checkpoint": "B",
             "text": "watchlist plate 粤BT3001 read at B"}
    assert dict(alert_detail(alert, None, mini, CLOCK, "en")["rows"])["det.text"] == \
        "粤BT3001 on the watchlist at Station B (Overloaded truck, repeat offender)"
    assert dict(alert_detail(alert, None, mini, CLOCK, "zh")["rows"])["det.text"] == \
        "粤BT3001 在 Station B 命中布控（Overloaded truck, repeat offender）"
    exit_ = {"alert_id": "a-3", "type": "zone_exit", "severity": "yellow", "subject": "P01", "zone": "W",
             "ts": CLOCK - 30, "lat": 22.5, "lon": 114.0, "text": "P01 West-1 西01 left patrol zone W"}
    vm = subject_detail("P01", None, [], [exit_], mini, CLOCK, "zh")
    assert [a["text"] for a in vm["alerts"]] == ["西01 驶出责任巡区 西区"]
    vm = checkpoint_detail("B", [], [alert], mini, CLOCK, "en")
    assert vm["alerts"][0]["text"].startswith("粤BT3001 on the watchlist at Station B")
