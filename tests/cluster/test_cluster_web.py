"""The web's and the worker's Redis writes outside the commit, on the cluster: the single-server tests
of tests/web and tests/streams run again here with ``r`` a cluster client (this module's fixture), so
each holds on both. On a cluster the writes that span slots check-and-set with single-key commands
(core.redisio.together and its callers)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from app import create_app
from core.keys import Keys
from core.redisio import connect, is_cluster
from core.settings import Settings
from runner.cluster import LocalCluster
from tests.streams import test_housekeeping as housekeeping
from tests.streams.test_faults import MINI
from tests.web import test_dispatch_loop as loop
from tests.web import test_replayer as replayer
from tests.web import test_store as store
from tests.web.signin import sign_in
from web.store import write_acks


@pytest.fixture()
def r(cluster_url: str) -> Iterator[redis.Redis]:
    """A cluster client on the emptied cluster (the single-server tests' ``r``)."""
    client = connect(cluster_url)
    assert is_cluster(client)
    yield client
    client.disconnect_connection_pools()  # type: ignore[attr-defined]


@pytest.fixture()
def redis_url(cluster_url: str) -> str:
    """The cluster's URL where the single-server tests take the server's (the sandbox's worker)."""
    return cluster_url


folder, live, sandbox = replayer.folder, replayer.live, replayer.sandbox  # the Replay tab's fixtures

test_escalates_once_across_two_processes = \
    loop.test_an_order_not_accepted_in_time_escalates_exactly_once_across_two_processes
test_an_accepted_order_never_escalates = loop.test_an_accepted_order_never_escalates
test_auto_dispatch_once_per_new_alert = loop.test_auto_dispatch_sends_the_top_available_unit_once_per_new_alert
test_auto_dispatch_only_when_switched_on = loop.test_nothing_is_auto_dispatched_when_the_switch_is_off_or_for_another_type
test_auto_dispatch_without_a_unit = loop.test_with_no_unit_available_auto_dispatch_sends_nobody_and_never_retries
test_an_ack_keeps_its_time_in_ack_and_audit = store.test_an_acknowledgement_keeps_its_exact_time_in_the_ack_and_the_audit
test_silent_subjects_forgotten_by_the_lease_holder = housekeeping.test_silent_subjects_are_forgotten_only_by_the_lease_holder
test_trimming_keeps_unacknowledged_entries = housekeeping.test_trimming_never_drops_an_unacknowledged_or_undelivered_entry
# the Replay tab's sandbox: seeking back deletes every sandbox key ({ccreplay:alerts}:id:* included,
# or the same alerts would not be appended again) and leaves the live prefix untouched
test_the_replay_sandbox_seeks_back = replayer.test_seeking_back_starts_the_sandbox_over_and_the_live_prefix_is_untouched


def test_an_alert_is_acknowledged_once_with_one_audit_entry(r: redis.Redis) -> None:
    keys = Keys("cc")
    assert write_acks(r, keys, ["a1", "a2"], "officer", "seen", incident="a1") == ["a1", "a2"]
    assert write_acks(r, keys, ["a2", "a3"], "officer", "again") == ["a3"]
    assert sorted(r.hkeys(keys.alert_acks)) == ["a1", "a2", "a3"]
    assert [f["target"] for _, f in r.xrange(keys.audit)] == ["a1", "a2", "a3"]


def test_the_web_app_on_the_cluster_signs_in_and_serves_the_home_page(
    cluster_url: str, r: redis.Redis, tmp_path: Path
) -> None:
    """The whole web app on a cluster: sign-in (its rate limit counts in the cluster) and its audit."""
    settings = Settings(redis_url=cluster_url, city_pack=MINI, demo=False, data_dir=tmp_path, tile_url="")
    app, _ = create_app(settings, cluster_url, start_bridge=False)
    for n in range(8):  # the limit's key holds the address: eight addresses, keys on every node
        web = app.server.test_client()
        web.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        assert sign_in(web, "officer") == (302, "/")
        assert web.get("/").status_code == 200
    assert [(f["actor"], f["action"]) for _, f in r.xrange(Keys("cc").audit)] == [("user:officer", "sign_in")] * 8
    limits = list(r.scan_iter(match="LIMITS:*"))
    assert len({r.keyslot(k) for k in limits}) > 1, "the sign-in limit counted in several slots"  # type: ignore[attr-defined]


def test_two_web_processes_share_pushes_through_the_cluster_as_message_queue(
    cluster: LocalCluster, cluster_url: str, tmp_path: Path
) -> None:
    """``CC_MESSAGE_QUEUE=1`` with ``REDIS_URL`` naming a cluster node: Flask-SocketIO's queue is a plain
    connection to that node, and a cluster passes every PUBLISH to every node, so a push of a web
    process configured with one node reaches the queue's channel on another node, where the other
    web process listens. (Flask-SocketIO's test client refuses a message queue, so the listening end
    is a plain subscription to the same channel on the other node.)"""
    managers = []
    for port in cluster.ports[:2]:  # two different nodes of the cluster
        url = f"redis://127.0.0.1:{port}/0"
        settings = Settings(redis_url=url, city_pack=MINI, demo=False, data_dir=tmp_path, tile_url="",
                            message_queue=True)
        _, socketio = create_app(settings, url, start_bridge=False)
        managers.append(socketio.server.manager)
    sender, receiver = managers
    assert sender.redis_url != receiver.redis_url and sender.channel == receiver.channel
    listener = redis.Redis.from_url(receiver.redis_url)
    sub = listener.pubsub(ignore_subscribe_messages=True)
    sub.subscribe(receiver.channel)
    got = None
    deadline = time.monotonic() + 20
    while got is None and time.monotonic() < deadline:  # the subscription is in place once a message arrives
        sender.server.emit("summary", {"clock_text": "2023-11-15 06:13:20"})
        got = sub.get_message(timeout=0.5)
    assert got is not None, "no push crossed from one node to the other"
    message = json.loads(got["data"])
    assert (message["method"], message["event"], message["data"]) == (
        "emit", "summary", [{"clock_text": "2023-11-15 06:13:20"}])
    sub.close()
    listener.close()
