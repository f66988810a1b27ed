"""A batch's alerts go to ``cc:alerts`` in one script call (streams/commit.py APPEND_ALL): the stored
entries are byte for byte those that one redis-py XADD per alert stored, in the same order, trimmed
the same way, and inside the commit's MULTI."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
import redis
from hypothesis import given, settings
from hypothesis import strategies as st

from core.keys import Keys
from core.model import ALERT_FIELDS, Alert, AlertType, Severity
from runner.embedded import EmbeddedRedis
from streams.commit import ALERTS_MAXLEN, APPEND_ALL, alert_rows, queue_alerts

KEYS = Keys("cc")
OLD = "old:alerts"  # where the per-alert XADD of before writes, for comparison

TRICKY = [
    "东门派出所辖区 (南山区)", '"quoted" \\back\\slash/ and \\/', "tab\tnew\nline\rcr\x00nul\x01\x1f\x7f",
    "1e5", "0001", "1.0", "-0", "null", "true", "[]", "{}", "", " ", "é\u2028\u2029\ufeff😀", "x" * 5000,
]


def alert(i: int, text: str = "", zone: str = "", subject: str = "粤B12345", checkpoint: str = "") -> Alert:
    return Alert(f"overspeed-{i:016x}", AlertType.OVERSPEED, Severity.ORANGE, subject, 22.5 + i * 1e-6,
                 114.0, 1_700_000_000.0 + i / 8, zone, checkpoint, text)


@pytest.fixture()
def raw(redis_url: str) -> Iterator[redis.Redis]:
    """A client that answers bytes, so the comparison is byte for byte."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def old_way(client: redis.Redis, alerts: list[Alert], stream: str = OLD, maxlen: int = ALERTS_MAXLEN) -> None:
    with client.pipeline(transaction=True) as pipe:
        for a in alerts:
            pipe.xadd(stream, a.to_fields(), maxlen=maxlen, approximate=True)  # type: ignore[arg-type]
        pipe.execute()


def new_way(client: redis.Redis, alerts: list[Alert]) -> None:
    with client.pipeline(transaction=True) as pipe:
        queue_alerts(pipe, KEYS, alerts)
        pipe.execute()


def entries(client: redis.Redis, stream: str) -> list[list[tuple[bytes, bytes]]]:
    """Each entry's fields in stored order (XRANGE answers them as a list of pairs, in order)."""
    return [list(fields.items()) for _, fields in client.xrange(stream)]


def test_stored_entries_are_those_of_one_xadd_per_alert(raw: redis.Redis) -> None:
    alerts = [alert(i, text=t, zone=TRICKY[-1 - i], subject=t[:20] or "S", checkpoint=t[::-1])
              for i, t in enumerate(TRICKY)]
    old_way(raw, alerts)
    new_way(raw, alerts)
    stored = entries(raw, KEYS.alerts)
    assert stored == entries(raw, OLD)
    assert len(stored) == len(TRICKY)
    assert stored[0][-1] == (b"text", TRICKY[0].encode("utf-8"))  # Chinese text as UTF-8, not escaped
    assert stored[2][-1] == (b"text", b"tab\tnew\nline\rcr\x00nul\x01\x1f\x7f")
    assert [k for k, _ in stored[0]] == [k.encode() for k in alerts[0].to_fields()]


@settings(max_examples=60)
@given(st.lists(st.tuples(st.text(), st.text(max_size=8), st.text(min_size=1, max_size=12)), min_size=1, max_size=5))
def test_any_text_is_stored_as_the_per_alert_xadd_stored_it(redis_server: EmbeddedRedis,
                                                            rows: list[tuple[str, str, str]]) -> None:
    client = redis.Redis.from_url(redis_server.url)
    client.delete(OLD, KEYS.alerts)
    alerts = [alert(i, text, zone, subject) for i, (text, zone, subject) in enumerate(rows)]
    old_way(client, alerts)
    new_way(client, alerts)
    assert entries(client, KEYS.alerts) == entries(client, OLD)
    client.close()


def test_trimming_is_that_of_xadd_maxlen_approximate(raw: redis.Redis) -> None:
    append = raw.register_script(APPEND_ALL)
    for start in range(0, 1200, 40):  # 30 batches of 40 alerts, at most ~100 kept
        batch = [alert(i) for i in range(start, start + 40)]
        old_way(raw, batch, maxlen=100)
        append(keys=[KEYS.alerts], args=[100, alert_rows(batch)])
    kept = raw.xlen(KEYS.alerts)
    assert 100 <= kept < 1200 and kept == raw.xlen(OLD)
    assert entries(raw, KEYS.alerts) == entries(raw, OLD)


def test_the_append_is_part_of_the_transaction(raw: redis.Redis) -> None:
    raw.set("lease", "me")
    with raw.pipeline(transaction=True) as pipe:
        pipe.watch("lease")
        pipe.multi()
        queue_alerts(pipe, KEYS, [alert(1), alert(2)])
        raw.set("lease", "someone else")  # the lease moves before EXEC: nothing is appended
        with pytest.raises(redis.WatchError):
            pipe.execute()
    assert raw.xlen(KEYS.alerts) == 0


def test_an_alert_field_that_is_not_a_string_is_refused_before_anything_is_sent(raw: redis.Redis) -> None:
    bad = Alert("a-1", AlertType.OVERSPEED, Severity.RED, "S", 1.0, 2.0, 3.0, zone=None)  # type: ignore[arg-type]
    with raw.pipeline(transaction=True) as pipe, pytest.raises(TypeError, match="zone"):
        queue_alerts(pipe, KEYS, [alert(1), bad])
    assert raw.xlen(KEYS.alerts) == 0


def test_no_alerts_no_call(raw: redis.Redis) -> None:
    with raw.pipeline(transaction=True) as pipe:
        queue_alerts(pipe, KEYS, [])
        assert len(pipe.command_stack) == 0
    assert raw.register_script(APPEND_ALL)(keys=[KEYS.alerts], args=[100, alert_rows([])]) == 0  # and none appended
    assert raw.exists(KEYS.alerts) == 0


def test_the_field_names_go_once_per_call() -> None:
    rows = orjson.loads(alert_rows([alert(1), alert(2)]))
    assert rows[0] == list(ALERT_FIELDS) and [row[0] for row in rows[1:]] == [alert(1).alert_id, alert(2).alert_id]
