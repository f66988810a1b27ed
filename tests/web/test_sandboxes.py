"""The Replay tab's sandboxes, one per person: pure rules of the registry (fake sandboxes, a fake
clock), then two people on one real Redis, each with their own prefix, playhead and worker."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest
import redis

from core.keys import Keys
from runner.supervisor import start_worker
from tests.streams.test_golden import MINI, T, scenario
from tests.web.test_replayer import FakeWall, drained, wait_for
from web.replayer import Replayer
from web.sandboxes import Sandboxes, SandboxesFull, sandbox_prefix

BASE = "ccreplay"


class FakeSandbox:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.closed = self.flushed = 0

    def close(self) -> None:
        self.closed += 1

    def flush(self) -> int:
        self.flushed += 1
        return 0


def registry(wall: FakeWall, limit: int = 2, idle_s: float = 600.0) -> tuple[Sandboxes, list[FakeSandbox]]:
    made: list[FakeSandbox] = []

    def make(prefix: str) -> FakeSandbox:
        made.append(FakeSandbox(prefix))
        return made[-1]

    return Sandboxes(make, BASE, Path("."), limit=limit, idle_s=idle_s, monotonic=wall), made  # type: ignore[arg-type]


def test_each_person_gets_a_sandbox_of_their_own_and_keeps_it() -> None:
    wall = FakeWall()
    boxes, made = registry(wall)
    a, b = boxes.open("alice"), boxes.open("bob")
    assert a is not b and [s.prefix for s in made] == [sandbox_prefix(BASE, "alice"), sandbox_prefix(BASE, "bob")]
    assert a.prefix.startswith("ccreplay:alice-") and b.prefix.startswith("ccreplay:bob-")
    assert boxes.open("alice") is a and boxes.get("alice") is a and boxes.get("bob") is b
    assert boxes.get("carol") is None and len(made) == 2  # looking never makes one
    assert boxes.owners() == ["alice", "bob"]


def test_one_more_than_the_limit_is_refused_until_one_goes_idle() -> None:
    wall = FakeWall()
    boxes, made = registry(wall, limit=2, idle_s=600)
    alice, bob = boxes.open("alice"), boxes.open("bob")
    with pytest.raises(SandboxesFull, match="all 2 replay sandboxes are in use"):
        boxes.open("carol")
    assert boxes.refused("carol") and not boxes.refused("alice") and len(made) == 2

    wall.now += 400
    boxes.get("bob")  # bob's tab refreshes: still in use
    wall.now += 300  # alice: 700 s unused, bob: 300 s
    carol = boxes.open("carol")  # alice's sandbox is stopped to make room
    assert boxes.owners() == ["bob", "carol"] and not boxes.refused("carol")
    assert (alice.closed, alice.flushed) == (1, 1)  # worker ended, keys deleted
    assert (bob.closed, carol.closed) == (0, 0)
    assert boxes.get("alice") is None  # alice comes back to a fresh start: she chooses a recording again


def test_reaping_stops_only_the_idle_ones_and_close_stops_all() -> None:
    wall = FakeWall()
    boxes, made = registry(wall, limit=3, idle_s=60)
    boxes.open("alice")
    wall.now += 30
    boxes.open("bob")
    wall.now += 40
    assert boxes.reap() == ["alice"] and boxes.owners() == ["bob"]
    assert boxes.reap() == []
    boxes.close()
    assert boxes.owners() == [] and [(s.closed, s.flushed) for s in made] == [(1, 1), (1, 1)]


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "golden.jsonl").write_bytes(b"".join(orjson.dumps(m) + b"\n" for m in scenario()))
    return tmp_path


def test_two_people_replay_at_once_each_in_their_own_prefix_with_their_own_worker(
        r: redis.Redis, redis_url: str, folder: Path) -> None:
    wall = FakeWall()
    workers: dict[str, list[subprocess.Popen[bytes]]] = {}

    def make(prefix: str) -> Replayer:
        def spawn() -> subprocess.Popen[bytes]:
            workers.setdefault(prefix, []).append(start_worker(redis_url, prefix, MINI, prefix.rsplit(":")[-1]))
            return workers[prefix][-1]
        return Replayer(r, Keys(prefix), 4, folder, spawn, monotonic=wall)

    boxes = Sandboxes(make, BASE, folder, limit=2, idle_s=600, monotonic=wall)
    try:
        alice, bob = boxes.open("alice"), boxes.open("bob")
        ka, kb = alice.keys, bob.keys
        alice.choose("golden.jsonl")
        bob.choose("golden.jsonl")
        start = bob.playhead()
        alice.seek(T + 200)  # alice jumps to the end; bob stays paused at the start
        assert alice.playhead() == alice.status()["end"] > bob.playhead() == start  # the end of the recording
        wait_for(lambda: drained(r, ka) and len(alice.alerts()) >= 10)
        assert {"zone_exit", "watchlist_hit", "cloned_plate"} <= {a["type"] for a in alice.alerts()}
        assert bob.status()["sent"] < alice.status()["sent"] == len(scenario()) - 1
        assert all(float(a["ts"]) <= start for a in bob.alerts())  # bob's worker saw only bob's lines
        assert len(workers[ka.prefix]) == len(workers[kb.prefix]) == 1  # a worker each
        assert workers[ka.prefix][0].pid != workers[kb.prefix][0].pid

        wall.now += 601  # both idle now; bob comes back to his tab, alice does not
        boxes.get("bob")
        assert boxes.reap() == ["alice"]
        assert workers[ka.prefix][0].poll() is not None  # alice's worker is stopped
        assert not list(r.scan_iter(match=f"{ka.prefix}:*"))  # and her keys are gone
        assert workers[kb.prefix][0].poll() is None and bob.status()["sent"] > 0
        assert list(r.scan_iter(match=f"{kb.prefix}:*"))
    finally:
        boxes.close()
    assert all(p.poll() is not None for ps in workers.values() for p in ps)


def test_the_tabs_controls_reach_only_the_callers_sandbox() -> None:
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from callbacks.replay import control
    from web import ids

    class Recorder(FakeSandbox):
        def __init__(self, prefix: str) -> None:
            super().__init__(prefix)
            self.calls: list[tuple[str, object]] = []

        def __getattr__(self, name: str) -> object:
            return lambda *a: self.calls.append((name, a[0] if a else None))

    wall = FakeWall()
    made: list[Recorder] = []
    boxes = Sandboxes(lambda p: made.append(Recorder(p)) or made[-1], BASE, Path("."), limit=1, idle_s=60,  # type: ignore[arg-type, func-returns-value]
                      monotonic=wall)
    c = SimpleNamespace(view=SimpleNamespace(city=SimpleNamespace(timezone=ZoneInfo("UTC"))))
    control(boxes, "alice", ids.RP_PLAY, None, 60, None, c)  # type: ignore[arg-type]
    assert made == []  # playing before choosing makes no sandbox
    control(boxes, "alice", ids.RP_FILE, "golden.jsonl", 10, None, c)  # type: ignore[arg-type]
    control(boxes, "bob", ids.RP_FILE, "golden.jsonl", 60, None, c)  # type: ignore[arg-type]
    control(boxes, "bob", ids.RP_PLAY, None, 60, None, c)  # type: ignore[arg-type]
    (alice,) = made  # bob was refused: the limit is one
    assert boxes.refused("bob") and boxes.get("bob") is None
    assert alice.calls == [("choose", "golden.jsonl"), ("set_speed", 10.0)]
    control(boxes, "alice", ids.RP_TIMELINE, None, 60, {"points": [{"x": "2024-02-29 18:10:00"}]}, c)  # type: ignore[arg-type]
    assert alice.calls[-1] == ("seek", 1709230200.0)


def test_the_limit_and_the_idle_time_are_settings() -> None:
    from core.settings import Settings

    assert (Settings.from_env({}).replay_sandboxes, Settings.from_env({}).replay_idle_s) == (3, 600.0)
    s = Settings.from_env({"CC_REPLAY_SANDBOXES": "5", "CC_REPLAY_IDLE_S": "120"})
    assert (s.replay_sandboxes, s.replay_idle_s) == (5, 120.0)
    for bad in ({"CC_REPLAY_SANDBOXES": "0"}, {"CC_REPLAY_IDLE_S": "0"}):
        with pytest.raises(ValueError, match="CC_REPLAY_SANDBOXES"):
            Settings.from_env(bad)
