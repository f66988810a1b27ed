"""The whole dispatch loop in real Chromium, against the embedded Redis, a real worker and the real
HTTP server (issue 8's "done when"): a duty officer is signed in on the command screen and the patrol
car P02 on its phone; a watchlist plate passes checkpoint A; the worker raises the alert; the
Dispatch tab proposes P02, which reaches station B first; one click sends it; P02's open ``/unit``
page rings; P02 answers Accept, En route, On scene and Clear; the officer's board follows each
answer without a reload; and a supervisor's Audit tab shows every step with the person's name."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from playwright.sync_api import Browser, Page, expect

from api.dispatch import candidates_for, load_units
from city.citypack import load_city_pack
from core.alerts import find_alert
from core.keys import partition_of
from core.producer import encode_anpr, encode_gps
from core.settings import Settings
from core.values import text
from runner.embedded import EmbeddedRedis
from streams.worker import Worker
from tests.browser.conftest import KEYS, MINI, Web, register_seed_worker, sign_in

CITY = load_city_pack(MINI)
WAIT = 30_000  # ms: a deadline for the page (a loaded 2-core machine), not a performance figure
PHONE = {"width": 390, "height": 844}
PLATE = "粤BZ9999"  # on the mini city's watchlist (red: stolen vehicle)
RING_SPY = """
window.__ring = {vibrate: []};
Object.defineProperty(Navigator.prototype, "vibrate", {configurable: true, writable: true,
  value: function (pattern) { window.__ring.vibrate.push(pattern); return true; }});
"""


@pytest.fixture()
def worker(web: Web, redis_server: EmbeddedRedis) -> Iterator[Worker]:
    """A real worker on the browser tests' Redis, for this test only. It runs under the name the
    seeded health entry uses (``worker-1``), so the registry counts one worker and it leases every
    partition; the seeded entry is put back afterwards for the tests that read it."""
    settings = Settings(redis_url=redis_server.url, city_pack=MINI, demo=False, prefix=KEYS.prefix)
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    w = Worker(client, CITY, settings, name="worker-1", block_ms=200)
    stop = threading.Event()
    thread = threading.Thread(target=w.run, args=(stop,), daemon=True)
    thread.start()
    yield w
    stop.set()
    thread.join(timeout=10)
    client.close()
    assert not thread.is_alive(), "the worker did not stop"
    register_seed_worker(web)


def _send(web: Web, fields: dict[str, str], subject: str) -> None:
    web.client.xadd(KEYS.input(partition_of(subject, 4)), fields)


def _wait(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout  # a deadline, not a performance figure
    while not check():
        assert time.monotonic() < deadline, f"not in time: {what}"
        time.sleep(0.05)


def _audit(web: Web) -> list[dict[str, str]]:
    return [{text(k): text(v) for k, v in f.items()} for _, f in web.client.xrange(KEYS.audit)]


def test_a_watchlist_plate_is_intercepted_end_to_end(browser: Browser, page: Page, web: Web,
                                                     worker: Worker) -> None:
    # P02's phone is open on its terminal before anything happens
    phone_ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone_ctx.add_init_script(RING_SPY)
    phone = phone_ctx.new_page()
    sign_in(phone, web.url, "unit-P02")
    phone.goto(f"{web.url}/unit?lang=en")
    expect(phone.locator("#om-unit-orders")).to_contain_text("No open orders", timeout=WAIT)

    # the duty officer's command screen, on the Dispatch tab
    page.goto(f"{web.url}/?lang=en")
    page.locator(".om-tabs label", has=page.locator("input[value=dispatch]")).click()

    # the cars report where they are (through the worker, as trackers do): P02 waits just before
    # station B, P01 is behind the plate at checkpoint A, P03 is far east, past station D
    t = max(web.clock, float(text(web.client.get(KEYS.clock) or b"0"))) + 30
    for unit, lat, lon in (("P01", 22.5052, 114.0002), ("P02", 22.5058, 114.0066), ("P03", 22.5052, 114.0450)):
        _send(web, encode_gps(unit, lat, lon, t, speed=0.0), unit)
    _wait(lambda: all(f.ts == t for f in load_units(web.client, KEYS, CITY)), "the worker published the fixes")
    _send(web, encode_anpr("A", PLATE, t + 5, confidence=0.98), PLATE)
    web.clock = t + 5

    # the worker raises the alert; the tab's queue shows it in words
    pick = page.locator("#om-dp-queue .om-dp-pick", has_text=f"{PLATE} on the watchlist at Checkpoint A")
    expect(pick).to_have_count(1, timeout=WAIT)
    alert_id = str(pick.get_attribute("data-alert"))
    alert = find_alert(web.client, KEYS, alert_id)
    assert alert is not None and (alert["type"], alert["checkpoint"], alert["severity"]) == (
        "watchlist_hit", "A", "red")
    pick.click()

    # the car that reaches the next enforcement station first is proposed first
    ranked = candidates_for(web.client, KEYS, CITY, alert)
    assert (ranked[0].unit, ranked[0].checkpoint) == ("P02", "B") and (ranked[0].margin_s or 0) > 0
    first_row = page.locator("#om-dp-candidates tr.om-dp-cand").first
    expect(first_row).to_contain_text("West-2 西02", timeout=WAIT)
    expect(first_row).to_contain_text("Station B")
    page.get_by_role("button", name="Dispatch West-2 西02").click()
    expect(page.locator("#om-dp-message")).to_contain_text("Dispatched: West-2 西02", timeout=WAIT)

    # P02's phone rings with the order's text
    card = phone.locator(".om-unit-order")
    expect(card).to_have_count(1, timeout=WAIT)
    order_id = str(card.get_attribute("data-order-id"))
    expect(card.locator(".om-unit-text")).to_contain_text(PLATE)
    assert phone.evaluate("window.__ring.vibrate.length") == 1
    board_row = page.locator(f'#om-dp-board tr[data-order="{order_id}"]')
    expect(board_row.locator(".om-dp-status")).to_have_text("Dispatched", timeout=WAIT)

    # the car answers step by step; the officer's board follows without a reload
    for button, shown in (("Accept", "Accepted"), ("En route", "En route"), ("On scene", "On scene")):
        phone.get_by_role("button", name=button).click()
        expect(board_row.locator(".om-dp-status")).to_have_text(shown, timeout=WAIT)
    phone.get_by_role("button", name="Clear").click()
    dialog = phone.get_by_role("dialog", name="Disposition")
    dialog.get_by_label("Disposition").fill("Vehicle stopped at station B, driver detained")
    dialog.get_by_role("button", name="Send").click()
    expect(phone.locator("#om-unit-orders")).to_contain_text("No open orders", timeout=WAIT)
    expect(board_row.locator(".om-dp-status")).to_have_text("Cleared", timeout=WAIT)
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    phone_ctx.close()

    # the record: every step with the person's name, in Redis and on a supervisor's Audit tab
    steps = [(e["actor"], e["action"]) for e in _audit(web) if e["target"] == order_id]
    assert steps == [("user:officer", "dispatch")] + [
        ("user:unit-P02", f"ack:{s}") for s in ("accepted", "en_route", "on_scene", "cleared")]
    sup_ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    sup = sup_ctx.new_page()
    sign_in(sup, web.url, "supervisor")
    sup.goto(f"{web.url}/?lang=en")
    sup.locator("#om-tab-select").get_by_role("option", name="Audit").click()
    rows = sup.locator("#om-aud-table tbody tr:has(td)").filter(has_text=order_id)
    expect(rows.filter(has_text="user:officer").filter(has_text="Dispatched")).to_have_count(1, timeout=WAIT)
    for shown in ("Accepted", "En route", "On scene", "Cleared"):
        expect(rows.filter(has_text="user:unit-P02").filter(has_text=f"Answered: {shown}")).to_have_count(1)
    sup_ctx.close()

