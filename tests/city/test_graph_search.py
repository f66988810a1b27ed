"""The searches of the road graph (networkx underneath) on a hand-built map with exact ties.

    s ══ a ══ t ── u      a and b stand on the same point M, so s-a-t and s-b-t are exactly as
     ╲═ b ══╱ ╲   ↺       long; t -> u is two parallel edges of the same polyline; u -> t and a
      ╲______╱ z          long way t -> s back close the loop; t -> z is a one-way dead end.
"""

from __future__ import annotations

import pytest

from city.geo import haversine_m
from city.roadnet import RoadNet
from city.roads import RoadGraph, road_feature

S, M, T = (114.000, 22.500), (114.001, 22.500), (114.002, 22.500)
U, Z, FAR = (114.002, 22.501), (114.003, 22.500), (114.001, 22.499)
FEATURES = [
    road_feature("s", "b", [S, M]),       # 0: listed before s -> a, yet b sorts after a
    road_feature("s", "a", [S, M]),       # 1
    road_feature("b", "t", [M, T]),       # 2
    road_feature("a", "t", [M, T]),       # 3
    road_feature("t", "u", [T, U]),       # 4
    road_feature("t", "u", [T, U]),       # 5: parallel to 4, as long
    road_feature("u", "t", [U, T]),       # 6
    road_feature("t", "s", [T, FAR, S]),  # 7: the long way back
    road_feature("t", "z", [T, Z]),       # 8: one-way into a dead end
]
SM, MT, TU = haversine_m(22.5, 114.0, 22.5, 114.001), haversine_m(22.5, 114.001, 22.5, 114.002), \
    haversine_m(22.5, 114.002, 22.501, 114.002)


@pytest.fixture()
def graph() -> RoadGraph:
    return RoadGraph({"features": FEATURES})


def metres(g: RoadGraph, path: list[int]) -> float:
    return sum(g.edges[i].length for i in path)


def test_known_shortest_paths_and_their_metres(graph: RoadGraph) -> None:
    assert graph.shortest_path("a", "u") == [3, 4]
    assert metres(graph, graph.shortest_path("a", "u")) == pytest.approx(MT + TU)
    assert graph.shortest_path("u", "s") == [6, 7]
    back = metres(graph, graph.shortest_path("u", "s"))
    assert back == pytest.approx(TU + 2 * haversine_m(22.5, 114.0, 22.499, 114.001), rel=1e-9)
    assert graph.shortest_path("z", "s") == [] and graph.shortest_path("s", "nowhere") == []


def test_ties_are_broken_the_same_way_every_time(graph: RoadGraph) -> None:
    """s-a-t and s-b-t are exactly as long: the way through the lower node id, a, whatever the
    order of the features; of the two parallel edges t -> u, the lower index."""
    assert metres(graph, [1, 3]) == metres(graph, [0, 2])  # a true tie
    assert graph.shortest_path("s", "u") == [1, 3, 4]
    assert RoadGraph({"features": FEATURES[::-1]}).shortest_path("s", "t") == [8 - 1, 8 - 3]  # s -> a, a -> t
    assert all(graph.shortest_path("s", "u") == [1, 3, 4] for _ in range(20))


def test_allowed_edges_bound_the_search(graph: RoadGraph) -> None:
    everything = set(range(len(graph.edges)))
    assert graph.shortest_path("s", "u", allowed=everything - {4}) == [1, 3, 5]  # the other parallel edge
    assert graph.shortest_path("s", "u", allowed=everything - {1}) == [0, 2, 4]  # the tie's other side
    assert graph.shortest_path("s", "u", allowed=everything - {4, 5}) == []


def test_the_strongly_connected_part(graph: RoadGraph) -> None:
    assert graph.strong_component() == {0, 1, 2, 3, 4, 5, 6, 7}  # not the dead end t -> z
    assert graph.strong_component({0, 2, 4, 6, 8}) == {4, 6}  # only t <-> u is a cycle
    assert graph.strong_component({0, 2, 8}) == set()
    rings = RoadGraph({"features": [road_feature("p", "q", [S, M]), road_feature("x", "y", [T, U]),
                                    road_feature("y", "x", [U, T]), road_feature("q", "p", [M, S])]})
    assert rings.strong_component() == {0, 3}  # two rings as large: the one holding edge 0


def test_road_distances_match_the_paths(graph: RoadGraph) -> None:
    net = RoadNet({"features": FEATURES})
    assert set(net.nodes) == {"s", "a", "b", "t", "u"}  # z is left out: no way back from it
    for src in net.nodes:
        to_src = net.to_node(src)
        for other in net.nodes:
            assert to_src[other] == pytest.approx(metres(graph, graph.shortest_path(other, src)), abs=1e-9)
    assert net.metres(*S[::-1], *U[::-1]) == pytest.approx(SM + MT + TU)
