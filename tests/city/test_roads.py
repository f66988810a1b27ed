"""The road graph on a tiny hand-made map: loading, shortest paths, walks, positions, headings.

    d ----- c          a grid of 0.001 deg (~103 m east-west, ~111 m north-south) at 22.5 N;
    |       |          two-way roads a-b, b-c, c-d, d-a; a one-way spur b -> e (a dead end),
    a ----- b -- e     and a footway a -> c that cars may not use.
"""

from __future__ import annotations

import random

import pytest
from shapely.geometry import box

from city.geo import haversine_m
from city.roads import RoadGraph, heading_deg, interpolate, road_feature

A, B, C, D, E = (114.000, 22.500), (114.001, 22.500), (114.001, 22.501), (114.000, 22.501), (114.002, 22.500)
XY = {"a": A, "b": B, "c": C, "d": D, "e": E}


def two_way(u: str, v: str) -> list[dict[str, object]]:
    return [road_feature(u, v, [XY[u], XY[v]]), road_feature(v, u, [XY[v], XY[u]])]


@pytest.fixture()
def graph() -> RoadGraph:
    feats = two_way("a", "b") + two_way("b", "c") + two_way("c", "d") + two_way("d", "a")
    feats += [road_feature("b", "e", [B, E], highway="primary"), road_feature("a", "c", [A, C], highway="footway")]
    return RoadGraph({"type": "FeatureCollection", "features": feats})


def edge(g: RoadGraph, u: str, v: str) -> int:
    return next(i for i, e in enumerate(g.edges) if (e.u, e.v) == (u, v))


def nodes(g: RoadGraph, path: list[int]) -> list[str]:
    return [g.edges[path[0]].u] + [g.edges[i].v for i in path] if path else []


def test_loading_keeps_drivable_directed_edges_with_great_circle_lengths(graph: RoadGraph) -> None:
    assert len(graph.edges) == 9  # the footway is left out
    assert all((e.u, e.v) != ("a", "c") for e in graph.edges)
    ab = graph.edges[edge(graph, "a", "b")]
    assert ab.length == pytest.approx(haversine_m(22.5, 114.0, 22.5, 114.001))
    assert graph.pos["c"] == (22.501, 114.001) and graph.out["e"] == []
    with_footway = RoadGraph({"features": [road_feature("a", "c", [A, C], highway="footway")]}, skip=())
    assert len(with_footway.edges) == 1


def test_shortest_path_takes_the_fewest_metres_and_follows_one_way_streets(graph: RoadGraph) -> None:
    assert nodes(graph, graph.shortest_path("a", "e")) == ["a", "b", "e"]
    assert nodes(graph, graph.shortest_path("a", "c")) in (["a", "b", "c"], ["a", "d", "c"])
    assert graph.shortest_path("e", "a") == []  # the spur is one-way: no way back
    assert graph.shortest_path("a", "a") == []
    ab = edge(graph, "a", "b")
    assert nodes(graph, graph.shortest_path("a", "c", allowed=set(range(len(graph.edges))) - {ab})) == ["a", "d", "c"]


def test_interpolate_walks_the_polyline_and_clamps_at_its_ends() -> None:
    coords = (A, B, C)  # east ~103 m, then north ~111 m
    ab, bc = haversine_m(22.5, 114.0, 22.5, 114.001), haversine_m(22.5, 114.001, 22.501, 114.001)
    cum = (0.0, ab, ab + bc)
    lat, lon, heading = interpolate(coords, cum, ab / 2)
    assert (lat, lon) == pytest.approx((22.5, 114.0005)) and heading == pytest.approx(90, abs=0.01)
    lat, lon, heading = interpolate(coords, cum, ab + bc / 4)
    assert (lat, lon) == pytest.approx((22.50025, 114.001)) and heading == pytest.approx(0, abs=0.01)
    assert interpolate(coords, cum, -5)[:2] == pytest.approx((22.5, 114.0))
    assert interpolate(coords, cum, 1e6)[:2] == pytest.approx((22.501, 114.001))


@pytest.mark.parametrize(("to", "expected"), [((22.6, 114.0), 0), ((22.5, 114.1), 90), ((22.4, 114.0), 180),
                                               ((22.5, 113.9), 270), ((22.6, 114.1), 42.7)])
def test_heading_is_degrees_clockwise_from_north(to: tuple[float, float], expected: float) -> None:
    """North-east at 22.5 N is 42.7 deg: a degree of longitude is cos(22.5) of a degree of latitude."""
    assert heading_deg(22.5, 114.0, *to) == pytest.approx(expected, abs=0.1)


def test_a_walk_does_not_turn_back_unless_it_must(graph: RoadGraph) -> None:
    rng = random.Random(7)
    at_b = {graph.next_edge("b", "a", rng) for _ in range(200)}
    assert at_b == {edge(graph, "b", "c"), edge(graph, "b", "e")}  # never b -> a
    assert {graph.next_edge("e", "b", rng) for _ in range(5)} == {None}  # a dead end
    spur = RoadGraph({"features": two_way("a", "b")})
    assert spur.next_edge("b", "a", rng) == edge(spur, "b", "a")  # the only way on is back
    assert graph.next_edge("b", "a", rng, allowed={edge(graph, "b", "c")}) == edge(graph, "b", "c")
    assert graph.next_edge("b", "a", rng, avoid={edge(graph, "b", "e")}) == edge(graph, "b", "c")


def test_a_walk_is_deterministic_for_a_seed_and_prefers_main_roads(graph: RoadGraph) -> None:
    def walk(seed: int) -> list[int | None]:
        rng = random.Random(seed)
        return [graph.next_edge("b", "a", rng) for _ in range(400)]

    assert walk(1) == walk(1) and walk(1) != walk(2)
    picks = walk(3)
    assert picks.count(edge(graph, "b", "e")) > 2 * picks.count(edge(graph, "b", "c"))  # primary weighs 4


def test_the_strong_component_leaves_out_dead_ends(graph: RoadGraph) -> None:
    ring = {edge(graph, uv[0], uv[1]) for uv in ("ab", "ba", "bc", "cb", "cd", "dc", "da", "ad")}
    assert graph.strong_component() == ring
    assert graph.strong_component({edge(graph, "a", "b"), edge(graph, "b", "e")}) == set()


def test_the_trap_closure_adds_roads_that_can_only_lead_into_avoided_ones(graph: RoadGraph) -> None:
    be = edge(graph, "b", "e")
    assert graph.trap_closure({be}, range(len(graph.edges))) == {be}
    one_way = RoadGraph({"features": [road_feature("a", "b", [A, B]), road_feature("b", "c", [B, C]),
                                      road_feature("c", "a", [C, A]), road_feature("c", "d", [C, D]),
                                      road_feature("d", "c", [D, C])]})
    bc = edge(one_way, "b", "c")
    assert one_way.trap_closure({bc}, range(len(one_way.edges))) == {bc, edge(one_way, "a", "b"),
                                                                      edge(one_way, "c", "a")}


def test_areas_select_covered_edges_and_nodes(graph: RoadGraph) -> None:
    west = box(113.9995, 22.4995, 114.0005, 22.5015)  # holds a and d only
    assert graph.nodes_within(west) == {"a", "d"}
    assert graph.edges_within(west) == {edge(graph, "a", "d"), edge(graph, "d", "a")}
    assert edge(graph, "a", "b") in graph.edges_crossing(west)


def test_a_loop_circles_for_ever(graph: RoadGraph) -> None:
    ring = [(114.01, 22.51), (114.011, 22.51), (114.011, 22.511), (114.01, 22.511)]
    i = graph.add_loop("loop:Z", ring)
    loop = graph.edges[i]
    assert (loop.u, loop.v) == ("loop:Z", "loop:Z") and loop.coords[0] == loop.coords[-1]
    assert loop.length == pytest.approx(2 * (103 + 111), rel=0.02)
    assert graph.next_edge("loop:Z", "loop:Z", random.Random(1)) == i
    assert i in graph.edges_within(box(114.0, 22.5, 114.02, 22.52))  # the edge index sees the loop
