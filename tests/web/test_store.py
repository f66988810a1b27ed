"""The screens' Redis writes read back exactly (real Redis)."""

from __future__ import annotations

import orjson
import redis

from core.keys import Keys
from core.model import Kind, Ping
from streams.commit import Scripts, queue_shared
from streams.pipeline import BatchResult
from web import store

KEYS = Keys("cc")


def test_an_acknowledgement_keeps_its_exact_time_in_the_ack_and_the_audit(r: redis.Redis) -> None:
    wall = 1_796_290_123.457  # an hour-scale error would show: "%g" gave 1.79629e+09
    assert store.write_ack(r, KEYS, "a-1", "Li", "checked", wall_ts=wall)
    ack = orjson.loads(r.hget(KEYS.alert_acks, "a-1"))
    assert ack == {"by": "Li", "note": "checked", "ts": wall}
    [(_, audit)] = r.xrange(KEYS.audit)
    assert audit["ts"] == "1796290123.457" and float(audit["ts"]) == wall
    assert (audit["actor"], audit["action"], audit["target"]) == ("Li", store.ACK_ACTION, "a-1")


def test_a_whole_second_is_written_without_decimals(r: redis.Redis) -> None:
    store.write_ack(r, KEYS, "a-2", "Wang", "", wall_ts=1_796_290_000.0)
    [(_, audit)] = r.xrange(KEYS.audit)
    assert audit["ts"] == "1796290000"


def _publish(client: redis.Redis, pings: list[Ping], retention_s: float) -> None:
    """A batch's fixes as the worker writes them on one server (PUBLISH_FIXES)."""
    with client.pipeline(transaction=True) as pipe:
        queue_shared(pipe, KEYS, BatchResult(pings=pings), {}, Scripts.register(client), T0, track_retention_s=retention_s)
        pipe.execute()


def _fix(subject: str, k: int) -> Ping:
    return Ping(subject, 22.5 + k * 1e-4, 114.0 + k * 2e-4, T0 + 30.0 * k, speed=36.0, kind=Kind.UNIT,
                speed_kmh=36.0 + k)


T0 = 1_700_000_000.0


def test_tracks_are_read_from_the_track_store_and_else_from_the_track_lists(r: redis.Redis) -> None:
    for k in range(150):  # 75 minutes, one fix every 30 s
        _publish(r, [_fix("U1", k)], 86_400.0)  # the track store on: no list
        _publish(r, [_fix("U2", k)], 0.0)  # the track store off: a JSON track list
    assert not r.exists(KEYS.track("U1")) and r.llen(KEYS.track("U2")) == 150
    newest = T0 + 30.0 * 149
    paths = store.tracks(r, KEYS, ["U1", "U2", "nobody"], newest - 600)
    assert sorted(paths) == ["U1", "U2"]
    for subject in ("U1", "U2"):  # the last 10 minutes, oldest first, at the positions written
        assert [ts for _, _, ts in paths[subject]] == [T0 + 30.0 * k for k in range(129, 150)]
        lat, lon, _ = paths[subject][-1]
        assert abs(lat - (22.5 + 149e-4)) < 1e-5 and abs(lon - (114.0 + 149 * 2e-4)) < 1e-5
    assert len(store.tracks(r, KEYS, ["U1", "U2"], None, count=5)["U1"]) == 5
    u1 = store.track(r, KEYS, "U1")  # the hour before the last fix, newest first
    assert [f["ts"] for f in u1] == [newest - 30.0 * k for k in range(121)]
    assert u1[0]["speed"] == 36.0 + 149
    assert [float(f["ts"]) for f in store.track(r, KEYS, "U2", count=3)] == [newest, newest - 30, newest - 60]
    assert store.track(r, KEYS, "nobody") == []


def test_the_orders_of_the_last_day_are_read_without_reading_every_order(r: redis.Redis) -> None:
    old = {f"O-old{i}": {"order_id": f"O-old{i}", "ts": str(T0 - 86_400 * (i + 2)), "checkpoint": "B"} for i in range(1500)}
    r.hset(KEYS.orders, mapping={k: orjson.dumps(v) for k, v in old.items()})  # written before the index
    r.hset(KEYS.orders, "O-nots", b'{"order_id": "O-nots"}')  # an order with no time: indexed at 0
    recent = [{"order_id": f"O-new{i}", "ts": str(T0 - 60 * i), "checkpoint": ""} for i in range(3)]
    for o in recent:  # as the API writes them: the order and its time
        r.hset(KEYS.orders, o["order_id"], orjson.dumps(o))
        r.zadd(KEYS.orders_by_time, {o["order_id"]: float(o["ts"])})
    found = store.orders(r, KEYS, T0 - 3_600)
    assert sorted(o["order_id"] for o in found) == ["O-new0", "O-new1", "O-new2"]
    assert r.zcard(KEYS.orders_by_time) == r.hlen(KEYS.orders) == 1504  # the older orders indexed once
    assert r.zscore(KEYS.orders_by_time, "O-old0") == T0 - 2 * 86_400 and r.zscore(KEYS.orders_by_time, "O-nots") == 0
    assert store.index_orders(r, KEYS) == 0  # nothing left to add
    assert [o["order_id"] for o in store.orders(r, KEYS, T0 - 2 * 86_400)] == ["O-old0", "O-new2", "O-new1", "O-new0"]
