"""The demo feed on the real demo city: who pings, where, how fast, and the script's ingredients.

One simulator run of 15 minutes of event time (3 minutes of wall time at the default 5x) is
shared by the tests of this module; each test looks at one property of what it sent.
"""

from __future__ import annotations

import collections
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pytest
import redis
import shapely

from city.citypack import CityPack, load_city_pack
from city.geo import ZoneIndex, haversine_m
from city.roads import road_feature
from core.keys import Keys
from core.messages import parse_fields
from core.model import AlertType, Ping, Read
from core.producer import Producer, subject_of
from core.settings import DEMO_CITY, ROOT
from demo.simulator import BACKLOG_MIN, PING_S, Simulator, choose_start, demo_start
from streams.pipeline import Entry, Pipeline
from streams.rules import unit_offline

MINUTES = 15


@dataclass
class Run:
    sim: Simulator
    msgs: list[dict[str, str]]
    pings: dict[str, list[Ping]]  # by subject, live time only (ts >= start)
    backlog: dict[str, list[Ping]]
    reads: list[Read]


@pytest.fixture(scope="module")
def city() -> CityPack:
    return load_city_pack(DEMO_CITY)


@pytest.fixture(scope="module")
def run(city: CityPack) -> Run:
    start = demo_start(datetime(2026, 11, 22, 9, 0, tzinfo=city.timezone))
    sim = Simulator(city, None, start, seed=3)
    msgs: list[dict[str, str]] = []
    for k in range(1, MINUTES * 2 + 1):  # in 30-s steps, as run() does in 0.5-s wall ticks at 60x
        msgs += sim.step(start + 30 * k)
    pings: dict[str, list[Ping]] = collections.defaultdict(list)
    backlog: dict[str, list[Ping]] = collections.defaultdict(list)
    reads = []
    for m in msgs:
        e = parse_fields(m)
        if isinstance(e, Read):
            reads.append(e)
        else:
            (pings if e.ts >= start else backlog)[e.subject].append(e)
    return Run(sim, msgs, pings, backlog, reads)


def at_local(run: Run, ts: float) -> str:
    return datetime.fromtimestamp(ts, run.sim.city.timezone).strftime("%H:%M")


# --- the clock -------------------------------------------------------------------------------------

def test_the_demo_starts_at_0156_local_and_carries_on_after_an_earlier_demo(city: CityPack) -> None:
    now = datetime(2026, 11, 22, 9, 0, tzinfo=city.timezone)
    assert datetime.fromtimestamp(demo_start(now), city.timezone).isoformat() == "2026-11-22T01:56:00+08:00"
    before = datetime(2026, 11, 22, 1, 30, tzinfo=city.timezone)  # never start in the future
    assert datetime.fromtimestamp(demo_start(before), city.timezone).isoformat() == "2026-11-21T01:56:00+08:00"
    assert choose_start(now, None) == demo_start(now)
    assert choose_start(now, demo_start(now) - 1800) == demo_start(now)  # a little before: still 01:56
    assert choose_start(now, demo_start(now) + 3600) == demo_start(now) + 3660  # later: never go back
    yesterday = demo_start(now) - 86400 + 3 * 3600
    assert choose_start(now, yesterday) == demo_start(now)  # a new day: only the wall clock bounds event time
    just_now = now.timestamp() - 20  # an earlier demo caught up with the wall clock: carry on, never ahead
    assert choose_start(now, just_now) == now.timestamp()


def test_without_backlog_only_live_time_is_sent(city: CityPack) -> None:
    sim = Simulator(city, None, 1_700_000_000.0, seed=1, backlog=False)
    assert min(float(m["ts"]) for m in sim.step(sim.start + 30)) > sim.start


def test_event_time_only_moves_forward(city: CityPack) -> None:
    sim = Simulator(city, None, 1_700_000_000.0, seed=1)
    first = sim.step(sim.start + 20)
    assert first and sim.now == sim.start + 20
    assert sim.step(sim.start + 10) == [] and sim.now == sim.start + 20
    assert all(float(m["ts"]) > sim.start + 20 for m in sim.step(sim.start + 30))


def test_the_same_seed_gives_the_same_feed(city: CityPack, run: Run) -> None:
    first = Simulator(city, None, run.sim.start, seed=3).step(run.sim.start + 30)
    assert first == run.msgs[:len(first)]
    assert Simulator(city, None, run.sim.start, seed=4).step(run.sim.start + 30) != first


# --- pings -----------------------------------------------------------------------------------------

def test_every_unit_and_vehicle_pings_every_5_to_10_s_in_time_order(run: Run, city: CityPack) -> None:
    assert set(run.pings) == set(city.units) | set(city.vehicles)
    silent = run.sim.scripted["silent"].subject
    for subject, pings in run.pings.items():
        ts = [p.ts for p in pings]
        gaps = np.diff(ts)
        assert (gaps > 0).all(), subject
        if subject != silent:
            assert gaps.min() >= 5.0 - 1e-3 and gaps.max() <= 10.0 + 1e-3, (subject, gaps.min(), gaps.max())
        assert ts[-1] > run.sim.start + MINUTES * 60 - 10.001


def test_every_ping_lies_on_a_road_or_a_units_patrol_loop(run: Run) -> None:
    lines = [shapely.LineString(e.coords) for e in run.sim.graph.edges]
    points = shapely.points([(p.lon, p.lat) for ps in run.pings.values() for p in ps])
    near, _ = shapely.STRtree(lines).query(points, predicate="dwithin", distance=0.00002)  # ~2 m
    assert len(np.unique(near)) == len(points)


def test_units_patrol_at_25_to_50_kmh_and_vehicles_keep_under_the_limit(run: Run, city: CityPack) -> None:
    zones = ZoneIndex(city.zones)
    speeder = run.sim.scripted["speeder"].subject
    for subject, pings in run.pings.items():
        speeds = np.array([p.speed for p in pings])
        if subject in city.units:
            assert ((speeds >= 25) & (speeds <= 50)).all(), subject
            continue
        if subject == speeder:
            continue
        limits = [zones.speed_limit(z, city.default_speed_limit) for z in zones.membership(
            np.array([p.lon for p in pings]), np.array([p.lat for p in pings]))]
        assert (speeds <= np.array(limits)).all(), subject
    moving = [p.speed for s, ps in run.pings.items() if s in city.vehicles for p in ps if p.speed]
    assert 25 < float(np.median(moving)) < 60


def test_vehicles_stop_now_and_then_and_buses_most(run: Run, city: CityPack) -> None:
    def stopped_share(category: str) -> float:
        ps = [p for s, v in city.vehicles.items() if v.category == category for p in run.pings[s]]
        return sum(1 for p in ps if p.speed == 0) / len(ps)

    assert stopped_share("bus") > stopped_share("taxi") > 0


def test_consecutive_pings_are_no_farther_apart_than_the_speed_allows(run: Run) -> None:
    for subject, pings in run.pings.items():
        for a, b in zip(pings, pings[1:], strict=False):
            top = max(a.speed or 0, b.speed or 0, 60.0) / 3.6  # m/s
            assert haversine_m(a.lat, a.lon, b.lat, b.lon) <= top * (b.ts - a.ts) + 5, subject


# --- checkpoint reads ------------------------------------------------------------------------------

def test_reads_happen_at_checkpoints_when_the_vehicle_passes_there(run: Run, city: CityPack) -> None:
    assert {r.checkpoint for r in run.reads} <= set(city.checkpoints)
    assert all(0.85 <= (r.confidence or 0) <= 0.99 for r in run.reads)
    cloned = run.sim.scripted["cloned"].subject
    own = [r for r in run.reads if r.plate in city.vehicles and r.plate != cloned]
    assert len(own) > 100 and len({r.checkpoint for r in own}) >= 15
    for r in own:
        cp = city.checkpoints[r.checkpoint]
        before = [p for p in run.pings[r.plate] if p.ts <= r.ts]
        if before:  # it was at most (time since its last ping) x its top speed away
            p = before[-1]
            assert haversine_m(p.lat, p.lon, cp.lat, cp.lon) <= (r.ts - p.ts) * 60 / 3.6 + 10, r
    passing = [r for r in run.reads if r.plate not in city.vehicles]
    assert len(passing) > 50  # unmonitored cars pass the checkpoints too


def test_listed_plates_drive_through_checkpoints(run: Run, city: CityPack) -> None:
    listed = [r for r in run.reads if r.plate in city.watchlist]
    assert len({r.plate for r in listed if r.plate in city.vehicles}) >= 3
    assert any(r.plate not in city.vehicles for r in listed)


# --- the script ------------------------------------------------------------------------------------

def test_overspeed_two_or_more_consecutive_pings_above_60(run: Run) -> None:
    speeds = [p.speed or 0 for p in run.pings[run.sim.scripted["speeder"].subject]]
    runs = "".join("x" if s > 60 else "." for s in speeds)
    assert "xx" in runs and max(len(r) for r in runs.split(".")) >= 5


def test_cloned_plate_reads_too_far_apart_for_any_car(run: Run, city: CityPack) -> None:
    reads = sorted((r for r in run.reads if r.plate == run.sim.scripted["cloned"].subject), key=lambda r: r.ts)
    kmh = []
    for a, b in zip(reads, reads[1:], strict=False):
        ca, cb = city.checkpoints[a.checkpoint], city.checkpoints[b.checkpoint]
        d = haversine_m(ca.lat, ca.lon, cb.lat, cb.lon)
        if d > 3000:
            kmh.append(d / max(b.ts - a.ts, 1e-9) * 3.6)
    assert kmh and max(kmh) > city.cloned_plate_kmh


def test_a_unit_goes_silent_for_more_than_offline_after_s_then_comes_back(run: Run, city: CityPack) -> None:
    pings = run.pings[run.sim.scripted["silent"].subject]
    gaps = [(b.ts - a.ts, a) for a, b in zip(pings, pings[1:], strict=False)]
    gap, last = max(gaps, key=lambda g: g[0])
    assert gap > city.offline_after_s and last.ts - run.sim.start < 90
    alerts = unit_offline.detect_silent({last.subject: (last.ts, last.lat, last.lon)}, last.ts + gap - 1, city)
    assert [a.type for a in alerts] == [AlertType.UNIT_OFFLINE]


def test_a_unit_leaves_its_zone_and_comes_back(run: Run, city: CityPack) -> None:
    unit = run.sim.scripted["leaver"].subject
    zone = city.zones_by_id[city.units[unit].zone].geometry
    inside = "".join("i" if zone.covers(shapely.Point(p.lon, p.lat)) else "o" for p in run.pings[unit])
    assert inside.startswith("i") and "ioo" in inside and inside.rstrip("i") != inside  # out, then in again
    others = [u for u in city.units if u != unit]
    for u in others:  # nobody else strays
        z = city.zones_by_id[city.units[u].zone].geometry
        outside = [p for p in run.pings[u] if not z.buffer(0.0003).covers(shapely.Point(p.lon, p.lat))]
        assert not outside, u


def test_forbidden_vehicles_enter_restricted_zones_in_their_hours(run: Run, city: CityPack) -> None:
    for category in ("hazmat", "truck"):
        agent = run.sim.scripted[f"intruder:{category}"]
        hits = [(z.id, p) for p in run.pings[agent.subject] for z in city.zones
                if z.kind == "restricted" and category in z.forbid and z.geometry.covers(shapely.Point(p.lon, p.lat))]
        assert hits, category
        assert hits[0][1].ts - run.sim.start < 600


def test_coaches_drive_through_the_night_ban_while_most_park(run: Run, city: CityPack) -> None:
    ban = city.night_ban
    coaches = [s for s, v in city.vehicles.items() if v.category in ban.categories]
    late = {s: [p for p in run.pings[s] if at_local(run, p.ts) >= "02:00"] for s in coaches}
    driving = [s for s, ps in late.items() if any((p.speed or 0) > ban.min_speed for p in ps)]
    parked = [s for s, ps in late.items() if all(p.speed == 0 for p in ps)]
    assert len(driving) >= 3 and len(parked) > len(driving)
    assert run.sim.scripted["tired"].subject in driving


def test_the_tired_coach_has_driven_over_4_hours_without_a_rest(run: Run, city: CityPack) -> None:
    coach = run.sim.scripted["tired"].subject
    backlog = run.backlog[coach]
    assert list(run.backlog) == [coach] and run.msgs[0]["id"] == coach  # sent first, before live time
    assert run.sim.start - backlog[0].ts == pytest.approx(BACKLOG_MIN * 60)
    assert backlog[-1].ts - backlog[0].ts > city.fatigue.max_drive_min * 60
    longest_rest, since = 0.0, None
    for p in backlog:  # a rest: consecutive slow pings spanning min_rest_min
        if (p.speed or 0) < city.fatigue.rest_speed:
            since = p.ts if since is None else since
            longest_rest = max(longest_rest, p.ts - since)
        else:
            since = None
    assert longest_rest < city.fatigue.min_rest_min * 60
    assert sum(1 for p in backlog if (p.speed or 0) >= city.fatigue.rest_speed) > 0.8 * len(backlog)
    gaps = np.diff([p.ts for p in backlog] + [run.pings[coach][0].ts])
    assert gaps.max() <= 60.0 + PING_S[1]  # and the drive goes on live


def test_every_alert_type_fires_through_the_real_pipeline(run: Run, city: CityPack) -> None:
    result = Pipeline(city).process([Entry("s", str(i), m) for i, m in enumerate(run.msgs)], {}, None)
    assert not result.dead
    fired = collections.Counter(a.type for a in result.alerts)
    assert set(fired) == set(AlertType) - {AlertType.UNIT_OFFLINE}  # offline: on the worker's clock, above
    assert fired[AlertType.ZONE_EXIT] == 1 and fired[AlertType.OVERSPEED] == 1  # only the scripted ones
    assert fired[AlertType.RESTRICTED_ENTRY] <= 4
    assert math.isclose(min(a.ts for a in result.alerts if a.type == AlertType.NIGHT_BAN),
                        run.sim.start + 240, abs_tol=15)


# --- feeding Redis ---------------------------------------------------------------------------------

def _wait_for_entries(r: redis.Redis, at_least: int, timeout_s: float = 20.0) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        n = sum(r.xlen(k) for k in r.keys("cc:in:*"))
        if n >= at_least:
            return n
        time.sleep(0.05)
    return 0


def test_run_feeds_each_subject_to_its_partition_until_stopped(city: CityPack, r: redis.Redis) -> None:
    sim = Simulator(city, Producer(r, Keys("cc"), 4), 1_700_000_000.0, speed=600.0, seed=2)
    stop = threading.Event()
    worker = threading.Thread(target=sim.run, args=(stop, 0.05))
    worker.start()
    try:
        assert _wait_for_entries(r, 2000) >= 2000
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
    coach = sim.scripted["tired"].subject
    first = r.xrange(f"cc:in:{zlib.crc32(coach.encode('utf-8')) % 4}", count=1)[0][1]
    assert (first["id"], float(first["ts"])) == (coach, sim.start - BACKLOG_MIN * 60)  # the backlog first
    for p in range(4):
        for _, fields in r.xrange(f"cc:in:{p}"):
            assert zlib.crc32(subject_of(fields).encode("utf-8")) % 4 == p
            assert isinstance(parse_fields(fields), Ping | Read)


def test_the_command_feeds_redis_and_stops_cleanly_on_sigterm(city: CityPack, redis_url: str,
                                                              r: redis.Redis) -> None:
    env = {**os.environ, "REDIS_URL": redis_url, "CITY_PACK": str(DEMO_CITY), "CC_DEMO_SPEED": "60",
           "CC_PARTITIONS": "2", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "demo.simulator"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait_for_entries(r, 500) >= 500
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    assert sorted(r.keys("cc:in:*")) == ["cc:in:0", "cc:in:1"]
    first = min(float(f["ts"]) for k in ("cc:in:0", "cc:in:1") for _, f in r.xrange(k)
                if f["type"] == "gps" and f["id"] in city.units)
    assert datetime.fromtimestamp(first, city.timezone).strftime("%H:%M") == "01:56"  # a fresh Redis


def test_the_command_needs_redis_url() -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    proc = subprocess.run([sys.executable, "-m", "demo.simulator"], cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)},
                          capture_output=True, timeout=60)
    assert proc.returncode != 0 and b"REDIS_URL" in proc.stderr


# --- another city ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def grid_city(tmp_path_factory: pytest.TempPathFactory) -> CityPack:
    """The mini city with a two-way street grid (every 0.001 deg) over zone W only: zone E has no
    road, its unit circles inside it."""
    folder = tmp_path_factory.mktemp("grid_city")
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini_city", folder, dirs_exist_ok=True)
    feats = []
    for i in range(9):
        for j in range(11):
            here = (round(114.000 + 0.001 * i, 3), round(22.500 + 0.001 * j, 3))
            for di, dj in ((1, 0), (0, 1)):
                if i + di < 9 and j + dj < 11:
                    there = (round(here[0] + 0.001 * di, 3), round(here[1] + 0.001 * dj, 3))
                    feats += [road_feature(f"{i},{j}", f"{i + di},{j + dj}", [here, there]),
                              road_feature(f"{i + di},{j + dj}", f"{i},{j}", [there, here])]
    (folder / "roads.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return load_city_pack(folder)


def test_a_small_city_runs_units_circle_a_roadless_zone_and_missing_parts_of_the_script_are_skipped(
    grid_city: CityPack,
) -> None:
    sim = Simulator(grid_city, None, demo_start(datetime(2024, 3, 1, 9, 0, tzinfo=grid_city.timezone)), seed=5)
    events = [parse_fields(m) for m in sim.step(sim.start + 600)]
    pings = [e for e in events if isinstance(e, Ping) and e.ts >= sim.start]
    assert {p.subject for p in pings} == set(grid_city.units) | set(grid_city.vehicles)
    east = grid_city.zones_by_id["E"].geometry
    p03 = [p for p in pings if p.subject == "P03"]
    assert p03 and all(east.covers(shapely.Point(p.lon, p.lat)) for p in p03)
    assert len({(round(p.lat, 4), round(p.lon, 4)) for p in p03}) > 10 and all(25 <= (p.speed or 0) <= 50 for p in p03)
    assert {str(inc.alert) for _, inc in sim.incidents} >= {"overspeed", "unit_offline", "cloned_plate"}
    assert "intruder:hazmat" in sim.scripted and "intruder:truck" not in sim.scripted  # RT has no road
    west = grid_city.zones_by_id["W"].geometry  # no road leaves W: its leaver stays
    assert all(west.covers(shapely.Point(p.lon, p.lat)) for p in pings if p.subject == sim.scripted["leaver"].subject)


def test_a_city_without_roads_is_refused_with_what_to_add() -> None:
    with pytest.raises(ValueError, match="roads.geojson"):
        Simulator(load_city_pack(ROOT / "tests" / "fixtures" / "mini_city"), None, 1_700_000_000.0)
