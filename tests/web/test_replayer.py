"""The Replay tab's sandbox against a real Redis and a real worker process: it plays a recording by
the playhead, seeks back by starting over, and never touches the live prefix."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
import redis

from core.keys import Keys
from runner.supervisor import start_worker
from tests.streams.test_golden import MINI, T, scenario
from web.replayer import Replayer
from web.views.replay import due_count

LIVE = Keys("cc")
SANDBOX = Keys("ccreplay")


class FakeWall:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "golden.jsonl").write_bytes(b"".join(orjson.dumps(m) + b"\n" for m in scenario()))
    (tmp_path / "notes.txt").write_text("not a recording", encoding="utf-8")
    return tmp_path


def snapshot(r: redis.Redis, prefix: str) -> dict[str, object]:
    """Every key under ``prefix:`` with its type and content (streams by entries)."""
    out: dict[str, object] = {}
    for key in sorted(r.scan_iter(match=f"{prefix}:*")):
        kind = r.type(key)
        out[key] = (kind, r.xrange(key) if kind == "stream" else r.dump(key))
    return out


def wait_for(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def drained(r: redis.Redis, keys: Keys) -> bool:
    """The sandbox worker has read and acknowledged every input entry."""
    for p in range(4):
        stream = keys.input(p)
        if not r.exists(stream):
            continue
        try:
            groups = r.xinfo_groups(stream)
        except redis.ResponseError:
            return False
        if not groups or groups[0]["pending"] or groups[0]["lag"]:
            return False
    return True


@pytest.fixture()
def live(r: redis.Redis) -> dict[str, object]:
    """Live data under ``cc:`` that a replay must leave exactly as it is."""
    r.xadd(LIVE.input(0), {"type": "gps", "id": "P09", "lat": "22.5", "lon": "114.0", "ts": "1"})
    r.xadd(LIVE.alerts, {"alert_id": "live-1", "type": "zone_exit", "ts": "1"})
    r.hset(LIVE.last, "P09", orjson.dumps({"subject": "P09", "lat": "22.5", "lon": "114.0", "ts": "1"}))
    r.set(LIVE.clock, "1")
    return snapshot(r, "cc")


@pytest.fixture()
def sandbox(r: redis.Redis, redis_url: str, folder: Path) -> Iterator[Replayer]:
    rp = Replayer(r, SANDBOX, 4, folder, lambda: start_worker(redis_url, SANDBOX.prefix, MINI, "sandbox"))
    yield rp
    rp.close()


def test_it_offers_the_recordings_of_its_folder_and_refuses_others(r: redis.Redis, folder: Path) -> None:
    rp = Replayer(r, SANDBOX, 4, folder, None)
    assert rp.recordings() == ["golden.jsonl"]
    with pytest.raises(ValueError):
        rp.choose("notes.txt")


def test_playing_writes_what_the_playhead_has_reached(r: redis.Redis, folder: Path) -> None:
    wall = FakeWall()
    rp = Replayer(r, SANDBOX, 4, folder, None, monotonic=wall)
    rp.choose("golden.jsonl")
    try:
        start = rp.status()["start"]
        rp.set_speed(60)
        rp.play()
        wall.now += 250 * 60 / 60 + 1  # 251 wall seconds at 60x: the fatigue backlog and one minute past T
        rp.tick()
        playhead = rp.playhead()
        assert playhead == start + 251 * 60
        written = [f for p in range(4) for _, f in r.xrange(SANDBOX.input(p))]
        assert written and max(float(f["ts"]) for f in written) <= playhead
        assert len(written) == due_count(rp.line_ts, playhead) == rp.status()["sent"]
        rp.pause()
        wall.now += 100
        assert rp.playhead() == playhead and rp.tick() == 0  # paused: the playhead stays
    finally:
        rp.close()


def test_seeking_back_starts_the_sandbox_over_and_the_live_prefix_is_untouched(
        r: redis.Redis, sandbox: Replayer, live: dict[str, object]) -> None:
    sandbox.choose("golden.jsonl")
    sandbox.seek(T + 200)  # forward: everything is due
    assert sandbox.status()["sent"] == len(scenario()) - 1  # the malformed line is refused
    wait_for(lambda: drained(r, SANDBOX) and len(sandbox.alerts()) >= 10)
    first = {a["alert_id"]: a for a in sandbox.alerts()}
    assert {"zone_exit", "watchlist_hit", "cloned_plate", "fatigue", "overspeed"} <= {a["type"] for a in first.values()}

    sandbox.seek(T + 45)  # back: flushed, replayed up to T+45 only
    assert sandbox.playhead() == T + 45
    wait_for(lambda: drained(r, SANDBOX) and bool(sandbox.alerts()))
    time.sleep(0.5)
    wait_for(lambda: drained(r, SANDBOX))
    again = {a["alert_id"]: a for a in sandbox.alerts()}
    rule_alerts = {k: a for k, a in again.items() if a["type"] != "unit_offline"}
    expected = {k: a for k, a in first.items() if a["type"] != "unit_offline" and float(a["ts"]) <= T + 45}
    assert rule_alerts == expected  # the same alerts as before up to the playhead, ids and all
    assert max(float(f["ts"]) for p in range(4) for _, f in r.xrange(SANDBOX.input(p))) <= T + 45

    assert snapshot(r, "cc") == live  # nothing live was read into, written or deleted
