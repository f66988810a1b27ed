"""unit_offline exactly once whether the worker noticed the silence while it lasted (live) or only
when the unit came back (a replay faster than the periodic check): same id, same fields."""

from __future__ import annotations

import redis

from city.citypack import CityPack, load_city_pack
from core.model import AlertType, make_alert_id
from core.producer import encode_gps
from tests.streams.test_worker import KEYS, MINI, Running, send, wait_for

T0 = 1_700_000_000.0  # the mini city's units go offline after 120 s of event time


def _offline(r: redis.Redis, unit: str) -> list[dict[str, str]]:
    return [f for _, f in r.xrange(KEYS.alerts) if f["type"] == "unit_offline" and f["subject"] == unit]


def _drained(r: redis.Redis) -> bool:
    groups = [r.xinfo_groups(KEYS.input(p)) for p in range(4) if r.exists(KEYS.input(p))]
    return all(g["pending"] == 0 and g["lag"] == 0 for gs in groups for g in gs)


def _others(r: redis.Redis, until: float) -> None:
    """P01 keeps the event clock moving, one fix every 30 s."""
    t = T0
    while t <= until:
        send(r, encode_gps("P01", 22.505, 114.004, t, speed=20.0), "P01")
        t += 30


def test_a_silence_ended_before_the_check_ran_is_raised_when_the_unit_returns(redis_url: str,
                                                                             r: redis.Redis) -> None:
    city: CityPack = load_city_pack(MINI)
    send(r, encode_gps("P03", 22.505, 114.015, T0, speed=20.0), "P03")
    _others(r, T0 + 400)
    send(r, encode_gps("P03", 22.505, 114.016, T0 + 350, speed=20.0), "P03")  # back after 350 s
    worker = Running(redis_url, city, "w1")  # the whole backlog at once, as a fast replay writes it
    try:
        wait_for(lambda: _drained(r) and len(_offline(r, "P03")) >= 1)
        worker.worker.check_offline()  # the periodic check, now: P03 is not silent any more
    finally:
        worker.close()
    (alert,) = _offline(r, "P03")
    assert alert["alert_id"] == make_alert_id(AlertType.UNIT_OFFLINE, "P03", T0)
    assert (float(alert["ts"]), alert["lat"], alert["lon"]) == (T0 + 120, "22.505000", "114.015000")


def test_a_silence_raised_while_it_lasted_is_not_raised_again_when_the_unit_returns(redis_url: str,
                                                                                   r: redis.Redis) -> None:
    city = load_city_pack(MINI)
    worker = Running(redis_url, city, "w1")
    try:
        send(r, encode_gps("P03", 22.505, 114.015, T0, speed=20.0), "P03")
        _others(r, T0 + 300)
        # live: the worker's own periodic check sees the silence while it lasts (the test does not call
        # into the running worker from its thread: a Worker is one thread's)
        wait_for(lambda: _drained(r) and len(_offline(r, "P03")) == 1)
        send(r, encode_gps("P03", 22.505, 114.016, T0 + 350, speed=20.0), "P03")
        wait_for(lambda: _drained(r))
    finally:
        worker.close()
    (alert,) = _offline(r, "P03")  # once: the return finds the silence already told
    assert alert["alert_id"] == make_alert_id(AlertType.UNIT_OFFLINE, "P03", T0)
