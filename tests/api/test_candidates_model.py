"""The intercept planner on hand-built topologies: ties, a unit that cannot win the race,
learned hop times against the fallbacks, and the road graph against the great circle."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from api.candidates import DETOUR, UNIT_KMH, VEHICLE_KMH, Target, UnitFix, downstream_times, rank_candidates
from city.citypack import Checkpoint, CityPack
from city.geo import haversine_m
from city.roadnet import RoadNet
from city.roads import road_feature
from city.travel import MIN_SAMPLES, LearnedTimes, TravelModel

TZ = ZoneInfo("Asia/Shanghai")
NINE = datetime(2026, 12, 1, 9, 0, tzinfo=TZ).timestamp()  # 09:00 local
WEEK = 7 * 86400.0
UNIT_MS, VEHICLE_MS = UNIT_KMH / 3.6, VEHICLE_KMH / 3.6


def gc_road(a: Checkpoint | tuple[float, float], b: Checkpoint | tuple[float, float]) -> float:
    pa = (a.lat, a.lon) if isinstance(a, Checkpoint) else a
    pb = (b.lat, b.lon) if isinstance(b, Checkpoint) else b
    return haversine_m(*pa, *pb) * DETOUR


class Fixed(TravelModel):
    """Exact times for ties: hops and unit legs looked up, nothing computed."""

    def __init__(self, hops: dict[tuple[str, str], float], legs: dict[tuple[float, float, float, float], float]):
        super().__init__()
        self.hops, self.legs = hops, legs

    def hop_s(self, a: Checkpoint, b: Checkpoint, depart: float) -> float:
        return self.hops[(a.id, b.id)]

    def unit_leg(self, lat: float, lon: float, to_lat: float, to_lon: float) -> tuple[float, float]:
        secs = self.legs[(lat, lon, to_lat, to_lon)]
        return secs * UNIT_MS, secs


def line(*specs: tuple[str, bool, tuple[str, ...]]) -> dict[str, Checkpoint]:
    """Checkpoints 1 km apart eastwards along lat 22.5."""
    return {cid: Checkpoint(cid, cid, 22.5, 114.0 + 0.01 * i, station, nxt) for i, (cid, station, nxt) in enumerate(specs)}


def learned(samples: dict[tuple[str, str], list[tuple[float, float]]], now: float) -> LearnedTimes:
    return LearnedTimes(samples, TZ, now=now, window_s=WEEK)


def departing(depart: float, seconds: float, n: int = MIN_SAMPLES, step: float = 60.0) -> list[tuple[float, float]]:
    """``n`` samples of ``seconds`` that left at ``depart``, ``depart + step``, ... (stored by arrival time)."""
    return [(depart + i * step + seconds, seconds) for i in range(n)]


# --- ties -------------------------------------------------------------------------------------

def test_equal_margins_go_to_the_station_the_vehicle_reaches_first() -> None:
    cps = line(("A", False, ("B",)), ("B", True, ("C",)), ("C", True, ()))
    b, c = cps["B"], cps["C"]
    u = (22.51, 114.0)
    model = Fixed({("A", "B"): 100.0, ("B", "C"): 100.0},
                  {(*u, b.lat, b.lon): 40.0, (*u, c.lat, c.lon): 140.0, (*u, 22.5, 114.0): 10.0})
    (cand,) = rank_candidates(Target(22.5, 114.0, NINE, "A"), [UnitFix("P1", "U1", *u, NINE)], cps, NINE, 120, model)
    assert (cand.checkpoint, cand.margin_s, cand.eta_s) == ("B", 60.0, 40.0)  # C gives 200 - 140 = 60 too
    assert (cand.lat, cand.lon) == (b.lat, b.lon)


def test_equal_etas_rank_by_unit_id_for_interceptors_and_for_the_rest() -> None:
    cps = line(("A", False, ("B",)), ("B", True, ()))
    target = Target(22.5, 114.0, NINE, "A")
    near, far = (22.501, 114.01), (22.6, 114.2)
    units = [UnitFix(uid, uid, *pos, NINE) for uid, pos in (("P9", near), ("P2", near), ("P7", far), ("P3", far))]
    ranked = rank_candidates(target, units, cps, NINE, 120)
    assert [c.unit for c in ranked] == ["P2", "P9", "P3", "P7"]
    assert ranked[0].margin_s == ranked[1].margin_s and ranked[0].checkpoint == "B"
    assert ranked[2].eta_s == ranked[3].eta_s and ranked[2].margin_s is None


# --- a unit that cannot win the race -----------------------------------------------------------

def test_a_unit_that_cannot_beat_the_vehicle_gets_no_intercept_and_ranks_by_eta_to_the_alert() -> None:
    cps = line(("A", False, ("B",)), ("B", True, ("C",)), ("C", False, ("D",)), ("D", True, ()))
    target = Target(22.5, 114.0, NINE, "A")
    waiting = UnitFix("P1", "U1", 22.5, 114.03, NINE)  # on D
    slow_far = UnitFix("P2", "U2", 22.45, 113.99, NINE)  # 5.6 km south of A: behind the vehicle
    slower_far = UnitFix("P3", "U3", 22.40, 113.99, NINE)
    ranked = rank_candidates(target, [slower_far, slow_far, waiting], cps, NINE, 120)
    assert [c.unit for c in ranked] == ["P1", "P2", "P3"]
    assert ranked[0].checkpoint == "D" and ranked[0].margin_s == pytest.approx(
        (gc_road(cps["A"], cps["B"]) + gc_road(cps["B"], cps["C"]) + gc_road(cps["C"], cps["D"])) / VEHICLE_MS)
    for cand, fix in zip(ranked[1:], (slow_far, slower_far), strict=True):
        assert cand.margin_s is None and cand.checkpoint == ""
        assert (cand.lat, cand.lon) == (target.lat, target.lon)  # it is sent to the alert's position
        assert cand.eta_s == pytest.approx(gc_road((fix.lat, fix.lon), (target.lat, target.lon)) / UNIT_MS)
    assert ranked[1].eta_s < ranked[2].eta_s


def test_a_vehicle_that_has_already_passed_every_station_leaves_no_intercept() -> None:
    cps = line(("A", False, ("B",)), ("B", True, ()))
    hop = gc_road(cps["A"], cps["B"]) / VEHICLE_MS
    at_b = UnitFix("P1", "U1", 22.5, 114.01, NINE + hop)
    (cand,) = rank_candidates(Target(22.5, 114.0, NINE, "A"), [at_b], cps, NINE + hop + 1, 120)
    assert cand.margin_s is None


# --- learned against fallback -----------------------------------------------------------------

def mini_line() -> dict[str, Checkpoint]:
    return line(("A", False, ("B",)), ("B", True, ("C",)), ("C", False, ("D",)), ("D", True, ()))


def test_hop_time_is_the_hour_median_then_all_hours_then_the_road_fallback() -> None:
    cps = mini_line()
    a, b = cps["A"], cps["B"]
    fallback = gc_road(a, b) / VEHICLE_MS
    now = NINE + 6 * 3600
    nine_to_ten = departing(NINE, 200.0, n=3) + departing(NINE + 600, 240.0, n=2)  # 5 at 09:xx: median 200
    afternoon = departing(NINE + 5 * 3600, 50.0, n=4)  # only 4 at 14:xx
    model = TravelModel(learned=learned({("A", "B"): nine_to_ten + afternoon}, now))
    assert model.hop_s(a, b, NINE + 1800) == 200.0  # 09:30: this hour's median
    assert model.hop_s(a, b, NINE + 5 * 3600 + 60) == 200.0  # 14:01: 4 samples, so all 9: median 200
    assert model.hop_s(a, b, NINE + 3 * 3600) == 200.0  # 12:00: no sample that hour: all hours
    few = TravelModel(learned=learned({("A", "B"): afternoon}, now))
    assert few.hop_s(a, b, NINE + 5 * 3600 + 60) == pytest.approx(fallback)  # under MIN_SAMPLES in all
    assert few.hop_s(b, cps["C"], NINE) == pytest.approx(gc_road(b, cps["C"]) / VEHICLE_MS)  # no samples at all


def test_all_hours_median_when_the_hour_has_too_few() -> None:
    cps = mini_line()
    samples = departing(NINE, 100.0, n=4) + departing(NINE + 3600, 300.0, n=4) + departing(NINE + 7200, 500.0, n=3)
    model = TravelModel(learned=learned({("A", "B"): samples}, NINE + 86400))
    assert model.hop_s(cps["A"], cps["B"], NINE + 60) == 300.0  # 11 samples, none of the hours has 5


def test_samples_outside_the_window_before_now_do_not_count() -> None:
    cps = mini_line()
    now = NINE + WEEK + 3600
    stale = departing(NINE - 60, 900.0)  # arrived a week and an hour before now
    future = departing(now + 60, 900.0)  # after the query's event time
    model = TravelModel(learned=learned({("A", "B"): stale + future}, now))
    assert model.hop_s(cps["A"], cps["B"], now) == pytest.approx(gc_road(cps["A"], cps["B"]) / VEHICLE_MS)


def test_a_chain_sums_its_hops_each_in_the_hour_it_leaves() -> None:
    cps = mini_line()
    now = NINE + 86400
    samples = {
        ("A", "B"): departing(NINE, 3000.0, n=10, step=180.0),  # 09:00-09:27 departures, 50 min each
        ("B", "C"): departing(NINE + 1200, 100.0) + departing(NINE + 3600 + 600, 500.0),  # 09:xx fast, 10:xx slow
    }
    model = TravelModel(learned=learned(samples, now))
    cd = gc_road(cps["C"], cps["D"]) / VEHICLE_MS
    early = dict((s.id, t) for s, t in downstream_times("A", cps, model, NINE + 300))  # at B 09:55
    late = dict((s.id, t) for s, t in downstream_times("A", cps, model, NINE + 1500))  # at B 10:15
    assert early == {"B": 3000.0, "D": pytest.approx(3000.0 + 100.0 + cd)}
    assert late == {"B": 3000.0, "D": pytest.approx(3000.0 + 500.0 + cd)}


def test_a_slow_learned_hop_lets_a_distant_unit_intercept_that_the_fallback_would_not() -> None:
    cps = mini_line()
    target = Target(22.5, 114.0, NINE, "A")
    distant = UnitFix("P1", "U1", 22.54, 114.01, NINE)  # 4.5 km north of B
    (plain,) = rank_candidates(target, [distant], cps, NINE, 120)
    assert plain.margin_s is None  # the vehicle reaches B in 96 s and D in 289 s; the unit needs 520 s, 575 s
    model = TravelModel(learned=learned({("A", "B"): departing(NINE - 3600, 600.0)}, NINE))
    (slow,) = rank_candidates(target, [distant], cps, NINE + 30, 120, model)
    hop = gc_road(cps["B"], cps["C"]) / VEHICLE_MS  # B -> C -> D have no samples: the fallback
    to_d = gc_road((distant.lat, distant.lon), cps["D"]) / UNIT_MS
    assert slow.checkpoint == "D" and slow.margin_s == pytest.approx(600.0 + 2 * hop - 30.0 - to_d)


# --- the road graph against the great circle --------------------------------------------------

S, X, Y = (22.50, 114.00), (22.505, 114.00), (22.50, 114.01)


def u_roads() -> RoadNet:
    """A one-way loop: X -> far east -> Y -> S -> X. From X, S is 560 m away as the crow flies but
    4.7 km by road; from Y it is 1 km on a straight road."""
    ne, se = (22.505, 114.02), (22.50, 114.02)
    legs = [("x", "ne", X, ne), ("ne", "se", ne, se), ("se", "y", se, Y), ("y", "s", Y, S), ("s", "x", S, X)]
    return RoadNet({"features": [road_feature(u, v, [(p[1], p[0]), (q[1], q[0])]) for u, v, p, q in legs]})


def test_units_race_along_the_road_graph_when_the_pack_has_one() -> None:
    target = Target(*S, NINE)
    units = [UnitFix("PX", "X", *X, NINE), UnitFix("PY", "Y", *Y, NINE)]
    by_air = rank_candidates(target, units, {}, NINE, 120)
    by_road = rank_candidates(target, units, {}, NINE, 120, TravelModel(roads=u_roads()))
    assert [c.unit for c in by_air] == ["PX", "PY"]
    assert [c.unit for c in by_road] == ["PY", "PX"]
    x_road = haversine_m(*X, 22.505, 114.02) + haversine_m(22.505, 114.02, 22.50, 114.02) + haversine_m(
        22.50, 114.02, *Y) + haversine_m(*Y, *S)
    px = by_road[1]
    assert px.distance_m == pytest.approx(x_road) and px.eta_s == pytest.approx(x_road / UNIT_MS)
    assert by_air[0].distance_m == pytest.approx(haversine_m(*X, *S) * DETOUR)


def test_hop_fallback_follows_the_roads_and_snaps_off_graph_points() -> None:
    model = TravelModel(roads=u_roads())
    a = Checkpoint("A", "a", *X, False, ("B",))
    b = Checkpoint("B", "b", *S, True)
    assert model.hop_s(a, b, NINE) == pytest.approx(model.road_m(*X, *S) / VEHICLE_MS)
    assert model.road_m(*X, *S) > 4000 > haversine_m(*X, *S) * DETOUR
    off = (22.5005, 114.0101)  # 57 m off Y: snaps to Y, the snap counted as straight line
    assert model.road_m(*off, *S) == pytest.approx(haversine_m(*off, *Y) + haversine_m(*Y, *S))


def test_the_demo_city_has_roads_and_the_model_uses_them(city: CityPack) -> None:
    from city.citypack import load_city_pack
    from city.roadnet import road_net
    from core.settings import DEMO_CITY

    assert road_net(city) is None  # the mini city has no roads.geojson
    demo = load_city_pack(DEMO_CITY)
    net = road_net(demo)
    assert net is not None and road_net(demo) is net  # built once per city
    k01, k02 = demo.checkpoints["K01"], demo.checkpoints["K02"]
    metres = TravelModel(roads=net).road_m(k01.lat, k01.lon, k02.lat, k02.lon)
    assert haversine_m(k01.lat, k01.lon, k02.lat, k02.lon) < metres < 5 * haversine_m(k01.lat, k01.lon, k02.lat, k02.lon)
