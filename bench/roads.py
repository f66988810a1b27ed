"""Road-graph searches on the demo city: networkx (``city.roads`` / ``city.roadnet``) against the
hand-written searches they replaced, kept here only for the comparison.

    python bench/roads.py [--units 500] [--stations 10] [--pairs 300] [--seed 1]

Three measures, each run by both implementations on the same inputs in one run, printing the time
of each, the ratio (networkx / hand-written) and whether the answers agree:

- planner: the road metres from ``--units`` random points of the city to the first ``--stations``
  checkpoint stations (the demo city has 6), from a cold cache (one reverse search per station,
  as the intercept planner does);
- paths: ``--pairs`` shortest paths between random nodes of the strongly connected network (the
  demo's routes and the unit terminal's map);
- strong part: the largest strongly connected part of the whole graph and of each patrol zone.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from city.citypack import load_city_pack  # noqa: E402
from city.geo import haversine_m  # noqa: E402
from city.roadnet import RoadNet  # noqa: E402
from city.roads import RoadGraph  # noqa: E402
from core.settings import DEMO_CITY  # noqa: E402

T = TypeVar("T")


# --- the hand-written searches, as they were before networkx (for comparison only) -------------
def old_shortest_path(g: RoadGraph, src: str, dst: str, allowed: Collection[int] | None = None) -> list[int]:
    dist: dict[str, float] = {src: 0.0}
    prev: dict[str, int] = {}
    heap = [(0.0, src)]
    while heap:
        d, n = heapq.heappop(heap)
        if n == dst:
            break
        if d > dist[n]:
            continue
        for i in g.out.get(n, []):
            if allowed is not None and i not in allowed:
                continue
            e = g.edges[i]
            nd = d + e.length
            if nd < dist.get(e.v, math.inf):
                dist[e.v], prev[e.v] = nd, i
                heapq.heappush(heap, (nd, e.v))
    path: list[int] = []
    n = dst
    while n != src and n in prev:
        path.append(prev[n])
        n = g.edges[prev[n]].u
    return path[::-1] if n == src else []


def _kosaraju(nodes: list[str], fwd: Mapping[str, list[str]], back: Mapping[str, list[str]]) -> dict[str, int]:
    order: list[str] = []
    seen: set[str] = set()
    for root in nodes:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(fwd.get(root, ())))]
        while stack:
            node, it = stack[-1]
            nxt = next((m for m in it if m not in seen), None)
            if nxt is None:
                stack.pop()
                order.append(node)
            else:
                seen.add(nxt)
                stack.append((nxt, iter(fwd.get(nxt, ()))))
    comp: dict[str, int] = {}
    for c, root in enumerate(reversed(order)):
        if root in comp:
            continue
        comp[root] = c
        todo = [root]
        while todo:
            for m in back.get(todo.pop(), ()):
                if m not in comp:
                    comp[m] = c
                    todo.append(m)
    return comp


def old_strong_component(g: RoadGraph, edges: Iterable[int] | None = None) -> set[int]:
    subset = set(range(len(g.edges))) if edges is None else set(edges)
    fwd: dict[str, list[str]] = {}
    back: dict[str, list[str]] = {}
    for i in subset:
        e = g.edges[i]
        fwd.setdefault(e.u, []).append(e.v)
        back.setdefault(e.v, []).append(e.u)
    comp = _kosaraju(sorted(set(fwd) | set(back)), fwd, back)
    best: dict[int, int] = {}
    for i in subset:
        e = g.edges[i]
        if comp[e.u] == comp[e.v]:
            best[comp[e.u]] = best.get(comp[e.u], 0) + 1
    if not best:
        return set()
    top = max(sorted(best), key=lambda c: best[c])
    return {i for i in subset if comp[g.edges[i].u] == top == comp[g.edges[i].v]}


class OldRoadNet:
    """``city.roadnet.RoadNet`` before networkx: a heapq reverse search per destination, cached."""

    def __init__(self, roads: Mapping[str, Any]) -> None:
        graph = RoadGraph(roads)
        self.back: dict[str, list[tuple[str, float]]] = {}
        for i in sorted(old_strong_component(graph)):
            e = graph.edges[i]
            self.back.setdefault(e.v, []).append((e.u, e.length))
        self.nodes = sorted(self.back)
        self.pos = {n: graph.pos[n] for n in self.nodes}
        self.snap = RoadNet(roads).snap  # the same snapping: only the search is compared
        self._to: dict[str, dict[str, float]] = {}

    def to_node(self, node: str) -> dict[str, float]:
        if node in self._to:
            return self._to[node]
        dist: dict[str, float] = {node: 0.0}
        heap = [(0.0, node)]
        while heap:
            d, n = heapq.heappop(heap)
            if d > dist[n]:
                continue
            for u, length in self.back.get(n, ()):
                nd = d + length
                if nd < dist.get(u, math.inf):
                    dist[u] = nd
                    heapq.heappush(heap, (nd, u))
        self._to[node] = dist
        return dist

    def metres(self, lat1: float, lon1: float, lat2: float, lon2: float) -> float | None:
        src, dst = self.snap(lat1, lon1), self.snap(lat2, lon2)
        between = self.to_node(dst).get(src)
        if between is None:
            return None
        return haversine_m(lat1, lon1, *self.pos[src]) + between + haversine_m(*self.pos[dst], lat2, lon2)


# --- the runs -------------------------------------------------------------------------------------
def compare(old: Callable[[], T], new: Callable[[], T], repeat: int = 5) -> tuple[tuple[float, T], tuple[float, T]]:
    """Each of ``old`` and ``new`` run ``repeat`` times, taking turns (so that a burst of load on a
    shared machine falls on both): the best time (seconds) and the last answer of each."""
    best, out = [math.inf, math.inf], [None, None]
    for _ in range(repeat):
        for k, fn in enumerate((old, new)):
            t0 = time.process_time()
            out[k] = fn()  # type: ignore[call-overload]
            best[k] = min(best[k], time.process_time() - t0)
    return (best[0], out[0]), (best[1], out[1])  # type: ignore[return-value]


def report(name: str, old: tuple[float, Any], new: tuple[float, Any], same: str) -> None:
    print(f"{name:12s} hand-written {old[0] * 1000:8.1f} ms   networkx {new[0] * 1000:8.1f} ms   "
          f"ratio {new[0] / old[0]:5.2f}x   {same}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=500)
    ap.add_argument("--stations", type=int, default=10)
    ap.add_argument("--pairs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    city = load_city_pack(DEMO_CITY)
    roads = city.roads
    assert roads is not None, "the demo city has roads.geojson"
    rng = random.Random(args.seed)
    graph = RoadGraph(roads)
    print(f"demo city: {len(graph.edges)} road edges, {len(graph.pos)} nodes; best of 5 runs each, taking turns")

    lats = [p[0] for p in graph.pos.values()]
    lons = [p[1] for p in graph.pos.values()]
    units = [(rng.uniform(min(lats), max(lats)), rng.uniform(min(lons), max(lons))) for _ in range(args.units)]
    stations = sorted((c for c in city.checkpoints.values() if c.station), key=lambda c: c.id)[:args.stations]

    def planner(net_type: Callable[[Mapping[str, Any]], Any]) -> Callable[[], list[float | None]]:
        net = net_type(roads)  # built outside the timing; each run starts from a cold cache

        def run() -> list[float | None]:
            net._to.clear()
            return [net.metres(lat, lon, s.lat, s.lon) for lat, lon in units for s in stations]
        return run

    old, new = compare(planner(OldRoadNet), planner(RoadNet))
    diff = max(abs(a - b) for a, b in zip(old[1], new[1], strict=True) if a is not None and b is not None)
    nones = sum((a is None) != (b is None) for a, b in zip(old[1], new[1], strict=True))
    report("planner", old, new, f"{len(old[1])} distances, max |diff| {diff:.2e} m, {nones} reachability differences")

    core = graph.strong_component()
    network = sorted({graph.edges[i].u for i in core})
    pairs = [(rng.choice(network), rng.choice(network)) for _ in range(args.pairs)]
    old_p, new_p = compare(lambda: [old_shortest_path(graph, a, b) for a, b in pairs],
                           lambda: [graph.shortest_path(a, b) for a, b in pairs])
    same = sum(o == n for o, n in zip(old_p[1], new_p[1], strict=True))
    report("paths", old_p, new_p, f"{same}/{len(pairs)} paths the same")

    areas = [None, *(graph.edges_within(z.geometry) & core for z in city.zones if z.kind == "patrol")]
    old_s, new_s = compare(lambda: [old_strong_component(graph, a) for a in areas],
                           lambda: [graph.strong_component(a) for a in areas])
    same = sum(o == n for o, n in zip(old_s[1], new_s[1], strict=True))
    report("strong part", old_s, new_s, f"{same}/{len(areas)} the same")


if __name__ == "__main__":
    main()
