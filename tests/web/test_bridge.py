"""The socket bridge and the web's Redis reads/writes, against the real embedded Redis.

The Socket.IO server is replaced by a recorder of emitted events (the browser tests drive the
real one); Redis is real.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis

from city.citypack import CityPack, load_city_pack
from core.health import beat
from core.keys import Keys
from web import store as webstore
from web.bridge import Bridge

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini_city"
KEYS = Keys("cc")
T0 = 1_700_000_000.0


class Recorder:
    """Stands in for flask_socketio.SocketIO: records what would be pushed."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any, str | None]] = []
        self.lock = threading.Lock()

    def emit(self, event: str, data: Any, to: str | None = None, namespace: str | None = None) -> None:
        with self.lock:
            self.events.append((event, data, to))

    def start_background_task(self, target: Callable[[], None]) -> threading.Thread:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        return thread

    def of(self, event: str, to: str | None = None) -> list[Any]:
        with self.lock:
            return [d for e, d, t in self.events if e == event and t == to]


@pytest.fixture(scope="module")
def mini() -> CityPack:
    return load_city_pack(MINI)


@pytest.fixture()
def client(redis_url: str) -> Iterator[redis.Redis]:
    c = redis.Redis.from_url(redis_url)
    yield c
    c.close()


def _fix(subject: str, ts: float, lat: float = 22.505, lon: float = 114.005, kind: str = "unit") -> dict[str, str]:
    return {"subject": subject, "kind": kind, "category": "", "lat": f"{lat}", "lon": f"{lon}", "ts": f"{ts:.0f}",
            "speed": "20.0", "heading": "90", "zone": "W"}


def _publish(client: redis.Redis, fixes: list[dict[str, str]]) -> None:
    client.xadd(KEYS.positions, {"fixes": orjson.dumps(fixes)})
    client.hset(KEYS.last, mapping={f["subject"]: orjson.dumps(f) for f in fixes})
    client.set(KEYS.clock, max(float(f["ts"]) for f in fixes))


def _alert(client: redis.Redis, n: int, severity: str = "red", lat: float = 22.505, lon: float = 114.005,
           zone: str = "") -> str:
    fields = {"alert_id": f"a-{n}", "type": "watchlist_hit", "severity": severity, "subject": f"粤B{n:05d}",
              "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "ts": f"{T0 + n:.0f}", "zone": zone, "checkpoint": "",
              "text": f"alert {n}"}
    return client.xadd(KEYS.alerts, fields).decode()


def _bridge(client: redis.Redis, city: CityPack, **kw: Any) -> tuple[Bridge, Recorder]:
    rec = Recorder()
    b = Bridge(rec, client, KEYS, city, 4, block_ms=10, **kw)
    b.prime()
    return b, rec


def test_positions_are_coalesced_to_the_newest_fix_per_subject(client: redis.Redis, mini: CityPack) -> None:
    b, rec = _bridge(client, mini)
    _publish(client, [_fix("P01", T0), _fix("P02", T0)])
    _publish(client, [_fix("P01", T0 + 5, lat=22.506)])
    b.read_once()
    b.flush()
    (batch,) = rec.of("positions")
    got = {row[0]: row for row in batch["rows"]}
    assert got["P01"][5] == T0 + 5 and got["P01"][3] == 22.506 and got["P02"][5] == T0
    b.flush()
    assert len(rec.of("positions")) == 1  # nothing new, nothing pushed


def test_alert_batches_chain_by_stream_id(client: redis.Redis, mini: CityPack) -> None:
    before = _alert(client, 0)
    b, rec = _bridge(client, mini)
    first = _alert(client, 1)
    b.read_once()
    b.flush()
    second, third = _alert(client, 2), _alert(client, 3)
    b.read_once()
    b.flush()
    one, two = rec.of("alerts")
    assert (one["after"], one["last"]) == (before, first)
    assert (two["after"], two["last"]) == (first, third)
    assert [a["id"] for a in two["alerts"]] == [second, third]
    assert two["alerts"][0]["alert_id"] == "a-2" and two["alerts"][0]["lat"] == 22.505


def test_acknowledgement_is_written_once_pushed_and_closes_the_alert(client: redis.Redis, mini: CityPack) -> None:
    _publish(client, [_fix("P01", T0)])
    _alert(client, 0, "red")
    _alert(client, 1, "yellow", lat=22.505, lon=114.015)  # in zone E
    b, rec = _bridge(client, mini)
    summary = b.build_summary()
    assert summary["open"] == {"red": 1, "orange": 0, "yellow": 1, "blue": 0}
    assert summary["zones"] == {"W": "red", "E": "yellow"}
    assert webstore.write_ack(client, KEYS, "a-0", "Li", "checked", wall_ts=5.0)
    assert not webstore.write_ack(client, KEYS, "a-0", "Wang", "again")
    audit = client.xrange(KEYS.audit)
    assert len(audit) == 1 and audit[0][1][b"action"] == b"alert_ack" and audit[0][1][b"target"] == b"a-0"
    assert orjson.loads(client.hget(KEYS.alert_acks, "a-0")) == {"by": "Li", "note": "checked", "ts": 5.0}
    b.read_once()
    b.flush()
    assert rec.of("acks") == [{"ids": ["a-0"]}]
    summary = b.build_summary()
    assert summary["open"]["red"] == 0 and summary["zones"]["W"] == ""


def test_summary_counts_units_by_status_on_event_time(client: redis.Redis, mini: CityPack) -> None:
    _publish(client, [_fix("P01", T0 - mini.offline_after_s), _fix("P02", T0), _fix("P03", T0 - 1)])
    client.sadd(KEYS.open_orders("P02"), "O-1")
    beat(client, KEYS, "w1", {"worker": "w1", "partitions": [0, 1, 2, 3]}, time.time())
    b, _ = _bridge(client, mini)
    s = b.build_summary()
    assert s["unit_status"] == {"P01": "offline", "P02": "busy", "P03": "available"}
    assert s["units"] == {"available": 1, "busy": 1, "offline": 1}
    assert s["zones"] == {"W": "blue", "E": ""}  # no unit of W is available: W is not covered
    assert s["health"]["state"] == "ok" and s["clock"] == T0


def test_catch_up_sends_what_a_client_missed(client: redis.Redis, mini: CityPack) -> None:
    _publish(client, [_fix("P01", T0 - 30), _fix("P01", T0)])
    client.lpush(KEYS.track("P01"), orjson.dumps(_fix("P01", T0 - 30)), orjson.dumps(_fix("P01", T0)))
    ids = [_alert(client, n) for n in range(3)]
    b, rec = _bridge(client, mini)
    webstore.write_ack(client, KEYS, "a-0", "Li", "seen")
    sent = b.catch_up("sid-1", ids[0])
    assert sent == {"positions": 1, "tracks": 1, "alerts": 2, "acks": 1}
    assert rec.of("acks", "sid-1") == [{"ids": ["a-0"]}]
    (alerts,) = rec.of("alerts", "sid-1")
    assert [a["id"] for a in alerts["alerts"]] == ids[1:] and alerts["last"] == ids[2] and not alerts["reset"]
    assert rec.of("tracks", "sid-1")[0]["tracks"]["P01"] == [[22.505, 114.005, T0 - 30], [22.505, 114.005, T0]]
    b.catch_up("sid-2", None)
    assert rec.of("alerts", "sid-2")[0]["reset"] and len(rec.of("alerts", "sid-2")[0]["alerts"]) == 3
    client.xtrim(KEYS.alerts, minid=ids[2], approximate=False)
    b.catch_up("sid-3", ids[0])
    got = rec.of("alerts", "sid-3")[0]
    assert got["reset"] and [a["id"] for a in got["alerts"]] == [ids[2]]


def test_with_a_shared_queue_one_bridge_pushes(client: redis.Redis, mini: CityPack) -> None:
    a, _ = _bridge(client, mini, exclusive=True)
    b, _ = _bridge(client, mini, exclusive=True)
    assert a._hold_lease() and not b._hold_lease()
    assert a._hold_lease()  # renewing its own lease
    a.stop()
    assert b._hold_lease()


def test_running_bridge_pushes_a_new_alert(client: redis.Redis, mini: CityPack) -> None:
    rec = Recorder()
    b = Bridge(rec, client, KEYS, mini, 4, block_ms=50, emit_s=0.05)
    b.start()
    try:
        assert b.started.wait(10)
        aid = _alert(client, 7)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not rec.of("alerts"):
            time.sleep(0.02)
        assert [a["id"] for batch in rec.of("alerts") for a in batch["alerts"]] == [aid]
    finally:
        b.stop()


def _read(client: redis.Redis, n: int, plate: str, ts: float, severity: str = "red", lat: float = 22.505,
          lon: float = 114.005) -> str:
    """A watchlist read of ``plate`` (alert id ``r-{n}``) as the worker writes it."""
    client.xadd(KEYS.alerts, {"alert_id": f"r-{n}", "type": "watchlist_hit", "severity": severity, "subject": plate,
                              "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "ts": f"{ts:.0f}", "zone": "",
                              "checkpoint": f"K{n}", "text": f"{plate} at K{n}"})
    return f"r-{n}"


def test_summary_counts_incidents_and_acking_the_incident_closes_it(client: redis.Redis, mini: CityPack) -> None:
    _publish(client, [_fix("P01", T0 + 600)])
    ids = [_read(client, n, "粤BZ9999", T0 + n * 120, lat=22.505, lon=114.004 + n * 0.002) for n in range(5)]
    _read(client, 9, "粤BX0001", T0 + 60, severity="orange")
    b, rec = _bridge(client, mini)
    s = b.build_summary()
    assert s["open"] == {"red": 1, "orange": 1, "yellow": 0, "blue": 0} and s["open_alerts"] == 6
    plate = next(v for v in s["incidents"] if v["subject"] == "粤BZ9999")
    assert plate["count"] == 5 and plate["alert_id"] == ids[-1] and len(plate["trail"]) == 5
    assert plate["escalated"] and s["overdue"] == 1  # red since T0, the clock at T0 + 600: past 5 min
    assert s["zones"]["E"] == "red"  # the last read (lon 114.012) is in E, the first ones in W
    assert webstore.write_acks(client, KEYS, ids, "Li", "stopped at K4", incident=ids[0], wall_ts=5.0) == ids
    audit = [f for _, f in client.xrange(KEYS.audit)]
    assert [f[b"target"].decode() for f in audit] == ids  # one audit entry per alert, naming the incident
    assert all(orjson.loads(f[b"detail"]) == {"note": "stopped at K4", "incident": ids[0]} for f in audit)
    assert webstore.write_acks(client, KEYS, ids, "Wang", "again") == []  # nothing written twice
    b.read_once()
    s = b.build_summary()
    assert s["open"] == {"red": 0, "orange": 1, "yellow": 0, "blue": 0} and s["overdue"] == 0
    assert [v["subject"] for v in s["incidents"]] == ["粤BX0001"]


def test_old_unacknowledged_alerts_are_kept_behind_many_newer_ones(client: redis.Redis, mini: CityPack,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    old = _read(client, 0, "粤BZ0001", T0 - 7200, severity="blue")
    newer = [_read(client, n, f"粤BQ{n:04d}", T0 + n) for n in range(1, 12)]
    for aid in newer:
        webstore.write_ack(client, KEYS, aid, "Li", "ok")
    got, complete = webstore.alerts_for_screens(client, KEYS, recent=3, open_max=100, scan=1000)
    assert [a["alert_id"] for a in got] == [old, *newer[-3:]] and complete
    _, complete = webstore.alerts_for_screens(client, KEYS, recent=3, open_max=0, scan=1000)
    assert not complete
    monkeypatch.setattr("web.bridge.MAX_RECENT", 3)
    _publish(client, [_fix("P01", T0 + 20)])
    b, _ = _bridge(client, mini)
    s = b.build_summary()
    assert s["open"]["blue"] == 1 and not s["open_capped"]
    (v,) = s["incidents"]
    assert v["alert_id"] == old and v["escalated"] and v["since"] == T0 - 7200


def test_unacknowledged_alerts_beyond_the_cap_are_reported(client: redis.Redis, mini: CityPack,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("web.bridge.MAX_OPEN", 3)
    b, _ = _bridge(client, mini)
    for n in range(5):
        _read(client, n, f"粤BQ{n:04d}", T0 + n)
    b.read_once()
    assert sorted(b.open) == ["r-2", "r-3", "r-4"] and b.dropped == 2
    s = b.build_summary()
    assert s["open_capped"] and s["open"]["red"] == 3
