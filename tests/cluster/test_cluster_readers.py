"""The programs around the worker on a real cluster: ``python -m streams.replay`` writes into it, and
the web store, the track store and ``GET /api/alerts`` read what the worker made of it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import flask
import orjson
import pytest
from redis.cluster import RedisCluster

from api import create_api
from city.citypack import load_city_pack
from core import tracks
from core.keys import Keys
from core.redisio import connect
from core.settings import ROOT, Settings
from runner.cluster import LocalCluster
from tests.cluster.test_cluster_worker import ClusterHarness
from tests.streams.test_faults import MINI, MSGS, PARTITIONS
from tests.web.test_bridge import T0, _bridge, _fix, _publish
from web import store

KEYS = Keys("cc")
LINES = MSGS[:700]


@pytest.fixture(scope="module")
def fed(cluster: LocalCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterHarness]:
    """A recording replayed into the emptied cluster by ``streams.replay``, processed by a worker."""
    cluster.heal()
    wipe = RedisCluster.from_url(cluster.url)
    wipe.flushall(target_nodes=RedisCluster.PRIMARIES)
    wipe.disconnect_connection_pools()
    recording = Path(tmp_path_factory.mktemp("rec")) / "day.jsonl"
    recording.write_bytes(b"".join(orjson.dumps(fields) + b"\n" for _, fields in LINES))
    env = {**os.environ, "REDIS_URL": cluster.url, "CC_PARTITIONS": str(PARTITIONS), "CITY_PACK": str(MINI),
           "CC_DEMO": "0"}
    done = subprocess.run([sys.executable, "-m", "streams.replay", str(recording), "--speed", "0"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    h = ClusterHarness(cluster.url)
    h.worker("a")
    h.wait(h.drained, what="the replayed day processed")
    yield h
    h.close()


def test_replay_writes_every_line_into_the_partitions(fed: ClusterHarness) -> None:
    assert sum(int(fed.r.xlen(KEYS.input(p))) for p in range(PARTITIONS)) == len(LINES)
    assert int(fed.r.hget(KEYS.stats, "processed") or 0) == len(LINES)


def test_the_web_store_reads_alerts_fixes_tracks_and_workers(fed: ClusterHarness) -> None:
    alerts = store.recent_alerts(fed.r, KEYS)
    ids = [a["alert_id"] for _, a in fed.r.xrange(KEYS.alerts)]
    assert alerts and sorted(a["alert_id"] for a in alerts) == sorted(ids)
    units = {s for s, _ in LINES if s.startswith("P")}
    assert units <= {f["subject"] for f in store.last_fixes(fed.r, KEYS)}
    paths = store.tracks(fed.r, KEYS, sorted(units), None)
    assert set(paths) == units and all(len(p) > 10 for p in paths.values())
    assert [w["worker"] for w in store.workers(fed.r, KEYS)] == ["a"]


def test_the_track_store_reads_back_every_accepted_fix_of_a_unit(fed: ClusterHarness) -> None:
    unit = next(s for s, _ in LINES if s.startswith("P"))
    stamps = sorted(float(f["ts"]) for f in store.track(fed.r, KEYS, unit))
    assert len(stamps) > 100
    raw = tracks.raw_client(fed.r)
    got = tracks.read_recent(raw, KEYS, stamps[0], stamps[-1])
    assert unit in got
    assert sorted({float(t) for t in got[unit]["ts"]}) == stamps


def test_get_api_alerts_answers_from_the_cluster(fed: ClusterHarness, cluster: LocalCluster) -> None:
    settings = Settings(redis_url=cluster.url, city_pack=MINI, demo=False, api_tokens={"tok": "officer"},
                        partitions=PARTITIONS)
    client = connect(cluster.url)
    app = flask.Flask("cluster-api")
    app.register_blueprint(create_api(settings, client, load_city_pack(MINI)))
    resp = app.test_client().get("/api/alerts?limit=10000", headers={"Authorization": "Bearer tok"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    rows = body["alerts"] if isinstance(body, dict) else body
    assert sorted(a["alert_id"] for a in rows) == sorted(f["alert_id"] for _, f in fed.r.xrange(KEYS.alerts))
    client.disconnect_connection_pools()  # type: ignore[attr-defined]


def test_the_socket_bridge_pushes_new_positions_and_alerts_from_the_cluster(fed: ClusterHarness) -> None:
    """The bridge tails several streams, which a cluster cannot XREAD in one call across slots."""
    b, rec = _bridge(fed.r, load_city_pack(MINI))
    assert b.open, "primed with the unacknowledged alerts the worker wrote"
    _publish(fed.r, [_fix("P01", T0 + 99_999, lat=22.5071)])
    fed.r.xadd(KEYS.alerts, {"alert_id": "late-1", "type": "watchlist_hit", "severity": "red", "subject": "粤B1",
                             "lat": "22.5", "lon": "114.0", "ts": f"{T0 + 99_999:.0f}", "zone": "", "checkpoint": "",
                             "text": "late"})
    b.read_once()
    b.flush()
    (batch,) = rec.of("positions")
    assert {row[0]: row[3] for row in batch["rows"]}["P01"] == 22.5071
    assert [a["alert_id"] for push in rec.of("alerts") for a in push["alerts"]] == ["late-1"]
