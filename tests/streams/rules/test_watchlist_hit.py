"""watchlist_hit: every read of a listed plate alerts with the entry's severity."""

from __future__ import annotations

from core.model import AlertType, Kind, Severity
from streams.rules import watchlist_hit

from .kit import CITY, TAXI, TRUCK, anpr, feed, local, step, types

T = local("10:00")


def test_alert_at_the_checkpoint_with_the_entry_severity() -> None:
    (alert,) = step(watchlist_hit.detect, anpr(TRUCK, "C", T), {})[1]
    cp = CITY.checkpoints["C"]
    assert (alert.type, alert.severity, alert.subject, alert.checkpoint, alert.ts) == (
        AlertType.WATCHLIST_HIT, Severity.ORANGE, TRUCK, "C", T)
    assert (alert.lat, alert.lon) == (cp.lat, cp.lon)
    assert "unpaid fines" in alert.text and "Market 市场口" in alert.text
    (red,) = step(watchlist_hit.detect, anpr("粤BZ9999", "A", T), {})[1]
    assert red.severity is Severity.RED


def test_every_read_alerts_and_a_redelivery_has_the_same_id() -> None:
    reads = [anpr(TRUCK, "A", T), anpr(TRUCK, "A", T + 60), anpr(TRUCK, "B", T + 60), anpr(TRUCK, "A", T)]
    state, per = feed(watchlist_hit.detect, reads)
    assert types(per) == [1, 1, 1, 1]
    ids = [a[0].alert_id for a in per]
    assert len(set(ids[:3])) == 3, "time and checkpoint make each read its own event"
    assert ids[3] == ids[0], "the same read again is the same alert"
    assert state == {}


def test_unlisted_plates_pass() -> None:
    state = {"anything": 1}
    assert watchlist_hit.detect(anpr(TAXI, "A", T), state, CITY) == (state, [])


def test_an_unknown_checkpoint_still_alerts_at_the_city_centre() -> None:
    (alert,) = step(watchlist_hit.detect, anpr(TRUCK, "Z9", T), {})[1]
    assert (alert.lat, alert.lon) == CITY.center
    assert alert.checkpoint == "Z9" and "unknown checkpoint Z9" in alert.text


def test_applies_to_every_plate() -> None:
    assert all(watchlist_hit.applies(k, None, CITY) for k in Kind)
