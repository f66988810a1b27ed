"""A golden scenario through the real worker and Redis: exactly these alerts, no others.

The mini city (tests/fixtures/mini_city/README.md) at 02:10 local time on 2024-03-01.
"""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest
import redis

from city.citypack import load_city_pack
from core.keys import Keys, partition_of
from core.settings import ROOT, Settings
from streams.worker import Worker
from web import store

MINI = ROOT / "tests" / "fixtures" / "mini_city"
KEYS = Keys("cc")
T = datetime.fromisoformat("2024-03-01T02:10:00+08:00").timestamp()


def gps(subject: str, dt: float, lat: float, lon: float, speed: float | None = None) -> dict[str, str]:
    f = {"type": "gps", "id": subject, "lat": f"{lat}", "lon": f"{lon}", "ts": f"{T + dt:.0f}"}
    if speed is not None:
        f["speed"] = f"{speed}"
    return f


def anpr(plate: str, checkpoint: str, dt: float) -> dict[str, str]:
    return {"type": "anpr", "plate": plate, "checkpoint": checkpoint, "ts": f"{T + dt:.0f}", "confidence": "0.95"}


def scenario() -> list[dict[str, str]]:
    msgs = [
        # P01 patrols W, crosses into E twice
        gps("P01", 0, 22.505, 114.005, 30), gps("P01", 30, 22.505, 114.0095, 30),
        gps("P01", 60, 22.505, 114.0105, 30), gps("P01", 90, 22.505, 114.012, 30),
        gps("P01", 120, 22.505, 114.008, 30), gps("P01", 150, 22.505, 114.011, 30),
        gps("P02", 100, 22.507, 114.004, 20),
        gps("P03", 0, 22.502, 114.012, 20),  # then silent: offline at T+120
        # hazmat enters the reservoir at night (hours 22:00-06:00)
        gps("粤BH2001", 0, 22.503, 114.0015, 20), gps("粤BH2001", 30, 22.503, 114.003, 20),
        gps("粤BH2001", 60, 22.5031, 114.0031, 20),
        # coach moving at 02:10: night ban, once
        gps("粤BC1001", 0, 22.502, 114.015, 30), gps("粤BC1001", 30, 22.5022, 114.0155, 30),
        # taxi speeding in E (city default 60): two episodes
        gps("粤BX7001", 0, 22.508, 114.012, 70), gps("粤BX7001", 0, 22.508, 114.012, 70),  # duplicate
        gps("粤BX7001", 30, 22.508, 114.0125, 75), gps("粤BX7001", 60, 22.508, 114.013, 50),
        gps("粤BX7001", 90, 22.508, 114.0135, 80), gps("粤BX7001", 120, 22.508, 114.014, 85),
        # checkpoints
        anpr("粤BT3001", "A", 0), anpr("粤BT3001", "C", 60),
        anpr("粤BB4001", "A", 0), anpr("粤BB4001", "D", 20),
        {"type": "gps", "id": "粤BP5001", "lat": "22.5", "lon": "east", "ts": f"{T:.0f}"},  # malformed
    ]
    # a hazmat truck that has been driving since 21:20 the evening before
    for k in range(51):
        lat, lon = (22.501, 114.011) if k % 2 == 0 else (22.5015, 114.012)
        msgs.append(gps("粤BH2002", -250 * 60 + k * 300, lat, lon, 40))
    return sorted(msgs, key=lambda f: float(f["ts"]))


EXPECTED = sorted([
    ("zone_exit", "P01", 60, "yellow", "W", ""),
    ("zone_exit", "P01", 150, "yellow", "W", ""),
    ("restricted_entry", "粤BH2001", 30, "red", "RH", ""),
    ("night_ban", "粤BC1001", 0, "orange", None, ""),
    ("overspeed", "粤BX7001", 30, "yellow", None, ""),
    ("overspeed", "粤BX7001", 120, "yellow", None, ""),
    ("watchlist_hit", "粤BT3001", 0, "orange", None, "A"),
    ("watchlist_hit", "粤BT3001", 60, "orange", None, "C"),
    ("cloned_plate", "粤BB4001", 20, "red", None, "D"),
    ("fatigue", "粤BH2002", -300, "orange", None, ""),
    ("unit_offline", "P03", 120, "blue", "E", ""),
], key=lambda row: (row[0], row[1], row[2]))


ZONE_TYPES = {"zone_exit", "restricted_entry", "unit_offline"}


def run_scenario(redis_url: str, batch: int) -> list[dict[str, str]]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushall()
    for f in scenario():
        subject = f.get("id") or f["plate"]
        client.xadd(KEYS.input(partition_of(subject, 4)), f)  # type: ignore[arg-type]
    total = client.xlen(KEYS.input(0)) + client.xlen(KEYS.input(1)) + client.xlen(KEYS.input(2)) + \
        client.xlen(KEYS.input(3))
    worker = Worker(redis.Redis.from_url(redis_url, decode_responses=True), load_city_pack(MINI),
                    Settings(redis_url=redis_url, city_pack=MINI, demo=False), name="golden",
                    batch=batch, block_ms=50)
    worker.ensure_groups()
    worker.maintain()
    done = 0
    while done < total:
        done += worker.step()
    worker.step()  # an empty read: every partition is caught up
    worker.check_offline()
    worker.shutdown()
    return [f for _, f in client.xrange(KEYS.alerts)]


@pytest.mark.parametrize("batch", [1000, 3])
def test_golden_scenario_gives_exactly_the_expected_alerts(redis_url: str, batch: int) -> None:
    alerts = run_scenario(redis_url, batch)
    got = sorted(
        (a["type"], a["subject"], round(float(a["ts"]) - T), a["severity"],
         a["zone"] if a["type"] in ZONE_TYPES else None, a["checkpoint"])
        for a in alerts
    )
    assert got == EXPECTED
    for a in alerts:
        assert a["text"], "every alert carries a line for a person"
        assert set(a) >= {"alert_id", "type", "severity", "subject", "lat", "lon", "ts", "zone", "checkpoint",
                          "text"}


def test_replay_gives_identical_alert_ids_and_counts_drops(redis_url: str) -> None:
    first = sorted(a["alert_id"] for a in run_scenario(redis_url, 1000))
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    stats = client.hgetall(KEYS.stats)
    second = sorted(a["alert_id"] for a in run_scenario(redis_url, 7))
    assert first == second
    assert len(set(first)) == len(first)
    assert stats["dropped:duplicate"] == "1"
    assert stats["deadletter"] == "1"


def test_published_positions_tracks_and_reads(redis_url: str) -> None:
    run_scenario(redis_url, 5)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    # from the track store (no JSON track list is kept): the hour before its last fix, one every 5 min
    track = store.track(client, KEYS, "粤BH2002")
    assert [f["ts"] for f in track] == [T - 300 * k for k in range(13)] and not client.exists(KEYS.track("粤BH2002"))
    last = orjson.loads(client.hget(KEYS.last, "粤BH2002"))
    # float32 in the store: within a metre of the published fix
    assert abs(track[0]["lat"] - float(last["lat"])) < 1e-5 and abs(track[0]["lon"] - float(last["lon"])) < 1e-5
    assert orjson.loads(client.hget(KEYS.last, "P01"))["ts"] == f"{T + 150:.0f}"
    fixes = [f for _, e in client.xrange(KEYS.positions) for f in orjson.loads(e["fixes"])]
    gps_total = sum(1 for f in scenario() if f["type"] == "gps")
    assert len(fixes) == gps_total - 2  # the duplicate and the malformed fix are not published
    reads = orjson.loads(client.hget(KEYS.reads, "A"))
    assert sorted(r["plate"] for r in reads) == ["粤BB4001", "粤BT3001"]
    assert store.track(client, KEYS, "粤BZ9999") == [] and not client.exists(KEYS.track("粤BZ9999"))
