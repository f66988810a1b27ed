"""Ranking units for an alert (pure): ETA, status, and intercepts at downstream stations."""

from __future__ import annotations

import pytest

from api.candidates import (
    DETOUR,
    UNIT_KMH,
    VEHICLE_KMH,
    Candidate,
    Target,
    UnitFix,
    downstream_stations,
    rank_candidates,
)
from city.citypack import CityPack
from city.geo import haversine_m

T = 1_700_000_000.0


def road(a: tuple[float, float], b: tuple[float, float]) -> float:
    return haversine_m(a[0], a[1], b[0], b[1]) * DETOUR


def at(city: CityPack, cp: str) -> tuple[float, float]:
    c = city.checkpoints[cp]
    return c.lat, c.lon


def test_plain_ranking_is_by_eta_with_the_documented_speed(city: CityPack) -> None:
    target = Target(22.505, 114.001, T)
    near = UnitFix("P02", "W2", 22.506, 114.002, T - 5)
    far = UnitFix("P01", "W1", 22.53, 114.03, T - 5)
    ranked = rank_candidates(target, [far, near], city.checkpoints, now=T, offline_after_s=120)
    assert [c.unit for c in ranked] == ["P02", "P01"]
    d = road((22.53, 114.03), (22.505, 114.001))
    assert ranked[1].distance_m == pytest.approx(d)
    assert ranked[1].eta_s == pytest.approx(d / (UNIT_KMH / 3.6))
    assert all(c.margin_s is None and c.checkpoint == "" for c in ranked)
    assert set(ranked[0].to_json()) == {"unit", "callsign", "status", "distance_m", "eta_s"}


def test_downstream_stations_follow_next_up_to_three_hops_excluding_the_start(city: CityPack) -> None:
    assert [(s.id, round(m)) for s, m in downstream_stations("A", city.checkpoints)] == [
        ("B", round(road(at(city, "A"), at(city, "B")))),
        ("D", round(road(at(city, "A"), at(city, "B")) + road(at(city, "B"), at(city, "C"))
                    + road(at(city, "C"), at(city, "D"))))]
    assert [s.id for s, _ in downstream_stations("A", city.checkpoints, max_hops=2)] == ["B"]
    assert [s.id for s, _ in downstream_stations("B", city.checkpoints)] == ["D"]  # B itself is passed
    assert downstream_stations("D", city.checkpoints) == [] == downstream_stations("nowhere", city.checkpoints)


def test_intercepting_units_rank_first_by_margin_at_their_best_station(city: CityPack) -> None:
    target = Target(*at(city, "A"), T, checkpoint="A")
    at_b = UnitFix("P01", "W1", *at(city, "B"), T - 1)
    at_d = UnitFix("P03", "E1", *at(city, "D"), T - 1)
    beside_alert = UnitFix("P02", "W2", 22.5051, 114.0011, T - 1)  # nearest to the alert, behind the vehicle
    ranked = rank_candidates(target, [beside_alert, at_b, at_d], city.checkpoints, now=T, offline_after_s=120)
    assert [c.unit for c in ranked] == ["P03", "P01", "P02"]
    vehicle_speed = VEHICLE_KMH / 3.6
    to_d = sum(s for st, s in downstream_stations("A", city.checkpoints) if st.id == "D")
    to_b = sum(s for st, s in downstream_stations("A", city.checkpoints) if st.id == "B")
    p03, p01, p02 = ranked
    assert (p03.checkpoint, p03.eta_s, p03.margin_s) == ("D", 0.0, pytest.approx(to_d / vehicle_speed))
    # P01 stands on B: B gives it a bigger lead than driving on to D
    b_margin = to_b / vehicle_speed
    d_margin = to_d / vehicle_speed - road(at(city, "B"), at(city, "D")) / (UNIT_KMH / 3.6)
    assert b_margin > d_margin > 0
    assert (p01.checkpoint, p01.margin_s) == ("B", pytest.approx(b_margin))
    assert p02.margin_s is None and p02.checkpoint == ""
    assert p01.to_json()["checkpoint"] == "B" and p01.to_json()["margin_s"] > 0
    assert (p01.lat, p01.lon) == at(city, "B")


def test_event_time_elapsed_since_the_read_shrinks_the_vehicles_lead(city: CityPack) -> None:
    target = Target(*at(city, "A"), T, checkpoint="A")
    at_b = UnitFix("P01", "W1", *at(city, "B"), T + 100)
    at_c = UnitFix("P03", "E1", *at(city, "C"), T + 100)
    to_b = downstream_stations("A", city.checkpoints)[0][1] / (VEHICLE_KMH / 3.6)
    soon = rank_candidates(target, [at_b, at_c], city.checkpoints, now=T + to_b - 1, offline_after_s=120)
    late = rank_candidates(target, [at_b, at_c], city.checkpoints, now=T + to_b + 1, offline_after_s=120)
    by_unit = {c.unit: c for c in soon}
    assert by_unit["P01"].checkpoint == "B" and by_unit["P01"].margin_s == pytest.approx(1.0)
    by_unit = {c.unit: c for c in late}
    assert by_unit["P01"].margin_s is None  # the vehicle has passed B, and P01 cannot beat it to D
    assert by_unit["P03"].checkpoint == "D" and [c.unit for c in late] == ["P03", "P01"]


def test_no_intercept_without_a_checkpoint(city: CityPack) -> None:
    unit = UnitFix("P01", "W1", *at(city, "B"), T)
    (c,) = rank_candidates(Target(*at(city, "A"), T), [unit], city.checkpoints, now=T, offline_after_s=120)
    assert c.margin_s is None


def test_status_available_busy_offline_and_their_order(city: CityPack) -> None:
    target = Target(*at(city, "A"), T, checkpoint="A")
    busy = UnitFix("P01", "W1", *at(city, "B"), T, busy=True)  # best placed, but busy
    offline = UnitFix("P02", "W2", *at(city, "A"), T - 120)  # on the spot, silent for offline_after_s
    free = UnitFix("P03", "E1", 22.52, 114.05, T - 119)
    ranked = rank_candidates(target, [busy, offline, free], city.checkpoints, now=T, offline_after_s=120)
    assert [(c.unit, c.status) for c in ranked] == [("P03", "available"), ("P01", "busy"), ("P02", "offline")]
    assert ranked[1].checkpoint == "B"
    assert ranked[2].margin_s is None  # a stale position gets no intercept


def test_candidate_json_rounds_numbers() -> None:
    c = Candidate("P01", "W1", "available", 1234.5678, 99.99, "B", 12.345)
    assert c.to_json() == {"unit": "P01", "callsign": "W1", "status": "available", "distance_m": 1234.6,
                           "eta_s": 100.0, "checkpoint": "B", "margin_s": 12.3}
