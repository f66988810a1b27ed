"""The screens' Redis writes read back exactly (real Redis)."""

from __future__ import annotations

import orjson
import redis

from core.keys import Keys
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
