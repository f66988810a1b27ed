"""The unit terminal in real Chromium on a phone-sized screen (contract A.7.3): an order written for
P01 appears on P01's open page without a reload, rings (tone and vibration) and shows its route on
the small map; the buttons walk it through its statuses (Clear asks for a disposition, Decline for a
reason); another unit's order never shows; answers given offline are queued and delivered once;
the phone's position goes in through the OsmAnd path; Help raises an officer_help alert at P01's
last position."""

from __future__ import annotations

import orjson
from playwright.sync_api import Browser, Locator, Page, expect

from api.dispatch import ack_order, issue_order
from city.citypack import load_city_pack
from core.values import text
from tests.browser.conftest import KEYS, MINI, Web, sign_in
from web.unitmap import map_view

PHONE = {"width": 390, "height": 844}
WAIT = 10_000


# Spies installed before the page's own scripts: what the phone was asked to vibrate, and how many
# tones the page started (each beep is an oscillator's start()).
RING_SPY = """
window.__ring = {vibrate: [], tones: 0};
Object.defineProperty(Navigator.prototype, "vibrate", {configurable: true, writable: true,
  value: function (pattern) { window.__ring.vibrate.push(pattern); return true; }});
const start = AudioScheduledSourceNode.prototype.start;
AudioScheduledSourceNode.prototype.start = function () { window.__ring.tones += 1; return start.apply(this, arguments); };
"""


def _card(page: Page, order_id: str) -> Locator:
    return page.locator(f'.om-unit-order[data-order-id="{order_id}"]')


def _acks(web: Web, order_id: str) -> list[str]:
    return [text(f[b"status"]) for _, f in web.client.xrange(KEYS.dispatch_acks) if text(f[b"order_id"]) == order_id]



def _buttons(page: Page) -> list[str]:
    return [b.strip() for b in page.locator(".om-unit-order button").all_inner_texts()]


def _order_for(web: Web, unit: str, n: int, what: str) -> dict[str, str]:
    alert_id = web.alert(n, text=what, checkpoint="")
    alert = {"alert_id": alert_id, "type": "watchlist_hit", "subject": "粤BZ9999", "lat": 22.505, "lon": 114.005,
             "ts": web.clock, "checkpoint": "", "text": what}
    return issue_order(web.client, KEYS, load_city_pack(MINI), alert, unit, "", issued_by="user:officer")


def _status(web: Web, order_id: str) -> str:
    return str(orjson.loads(web.client.hget(KEYS.orders, order_id))["status"])


def test_an_order_reaches_the_units_phone_and_is_answered_step_by_step(browser: Browser, web: Web) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.add_init_script(RING_SPY)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, web.url, "unit-P01")  # the sign-in form too: a console error there (a missing icon) counts
    assert page.url.split("?")[0].endswith("/unit")
    page.goto(f"{web.url}/unit?lang=en")
    expect(page.locator("h1")).to_have_text("Unit terminal P01")
    expect(page.locator("#om-unit-orders")).to_contain_text("No open orders", timeout=WAIT)
    acks_before = web.client.xlen(KEYS.dispatch_acks)

    theirs = _order_for(web, "P02", 9101, "Blue van seen near the market")  # for P02: never on P01's page
    mine = _order_for(web, "P01", 9102, "Stolen white sedan heading north")
    card = page.locator(".om-unit-order")
    expect(card).to_have_count(1, timeout=WAIT)  # arrived without a reload
    expect(card.locator(".om-unit-text")).to_have_text("Stolen white sedan heading north")
    expect(card.locator(".om-unit-where")).to_have_text("Go to: 22.50500, 114.00500")
    assert card.get_attribute("data-order-id") == mine["order_id"]
    assert _buttons(page) == ["Accept", "Decline"]
    assert "Blue van" not in page.inner_text("body") and theirs["order_id"] not in page.content()

    # it rang once (P02's order did not): a vibration and a tone, and a mark that stays until touched
    ring = page.evaluate("window.__ring")
    assert len(ring["vibrate"]) == 1 and ring["vibrate"][0] and ring["tones"] >= 1
    expect(card.locator(".om-unit-badge")).to_have_text("New order")
    box = card.locator(".om-unit-text").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]  # readable without scrolling

    # the small map: the route from P01's last fix (west of the target) to the target, inside the map
    last = orjson.loads(web.client.hget(KEYS.last, "P01"))
    want = map_view([(float(last["lat"]), float(last["lon"])), (22.505, 114.005)])
    svg = card.locator("svg.om-unit-map")
    route = [[float(v) for v in p.split(",")] for p in svg.locator("polyline.om-unit-route").get_attribute(
        "points").split()]
    me, target = svg.locator("circle.om-unit-me"), svg.locator("circle.om-unit-target")
    assert route == want["points"] and len(route) == 2  # the mini city has no roads: a straight line
    assert [float(me.get_attribute("cx")), float(me.get_attribute("cy"))] == route[0] == want["unit"]
    assert [float(target.get_attribute("cx")), float(target.get_attribute("cy"))] == route[-1] == want["target"]
    map_box, target_box, me_box = svg.bounding_box(), target.bounding_box(), me.bounding_box()
    assert map_box is not None and target_box is not None and me_box is not None
    assert map_box["x"] <= target_box["x"] and target_box["x"] + target_box["width"] <= map_box["x"] + map_box["width"]
    assert map_box["y"] <= target_box["y"] and target_box["y"] + target_box["height"] <= map_box["y"] + map_box["height"]
    assert me_box["x"] + me_box["width"] / 2 < target_box["x"] + target_box["width"] / 2  # west of it on screen
    expect(card.locator(".om-unit-dist")).to_have_text(f"Route: {want['distance_m'] / 1000:.1f} km")

    # readable on the phone: nothing wider than the screen, big buttons, body text at least 16 px
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    accept = page.get_by_role("button", name="Accept")
    box = accept.bounding_box()
    assert box is not None and box["width"] >= 120 and box["height"] >= 44 and box["x"] + box["width"] <= 390
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.om-unit-text')).fontSize)")
    assert size >= 16
    help_box = page.get_by_role("button", name="Help").bounding_box()
    assert help_box is not None and help_box["width"] >= 300 and help_box["height"] >= 56

    steps = [("Accept", "accepted", ["En route", "Decline"], "Status: Accepted"),
             ("En route", "en_route", ["On scene"], "Status: En route"),
             ("On scene", "on_scene", ["Clear"], "Status: On scene")]
    for label, status, then, shown in steps:
        page.get_by_role("button", name=label).click()
        expect(card.locator(".om-unit-status")).to_have_text(shown, timeout=WAIT)
        assert _buttons(page) == then
        assert _status(web, mine["order_id"]) == status
    expect(card.locator(".om-unit-badge")).to_have_count(0)  # touched: the mark is gone
    assert page.evaluate("window.__ring.vibrate.length") == 1  # answering rings nothing
    page.get_by_role("button", name="Clear").click()  # asks for a disposition first
    dialog = page.get_by_role("dialog", name="Disposition")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Send").click()  # empty: refused by the form, nothing sent
    expect(dialog).to_be_visible()
    assert _status(web, mine["order_id"]) == "on_scene"
    dialog.get_by_label("Disposition").fill("Vehicle stopped, driver arrested")
    dialog.get_by_role("button", name="Send").click()
    expect(page.locator("#om-unit-orders")).to_have_text("No open orders", timeout=WAIT)  # at once
    expect(page.locator("#om-unit-queue")).to_be_hidden(timeout=WAIT)  # and delivered
    assert _status(web, mine["order_id"]) == "cleared"
    assert orjson.loads(web.client.hget(KEYS.orders, mine["order_id"]))["disposition"] == (
        "Vehicle stopped, driver arrested")
    answers = [{text(k): text(v) for k, v in f.items()} for _, f in web.client.xrange(KEYS.dispatch_acks)]
    assert [(a["order_id"], a["status"]) for a in answers[acks_before:]] == [
        (mine["order_id"], s) for s in ("accepted", "en_route", "on_scene", "cleared")]
    assert _status(web, theirs["order_id"]) == "issued"  # P02's order untouched

    last = orjson.loads(web.client.hget(KEYS.last, "P01"))
    tail = web.client.xrevrange(KEYS.alerts, count=1)
    after = "(" + text(tail[0][0]) if tail else "-"  # other tests' alerts (officer_help too) came before
    page.get_by_role("button", name="Help").click()
    expect(page.get_by_role("status")).to_contain_text("Help is on its way", timeout=WAIT)
    helps = [{text(k): text(v) for k, v in f.items()} for _, f in web.client.xrange(KEYS.alerts, min=after)]
    helps = [a for a in helps if a["type"] == "officer_help"]
    assert len(helps) == 1
    assert (helps[0]["subject"], helps[0]["severity"], helps[0]["lat"], helps[0]["lon"]) == (
        "P01", "red", last["lat"], last["lon"])
    assert errors == []
    page.context.close()


def test_the_terminal_speaks_chinese(browser: Browser, web: Web) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, web.url, "unit-P03")
    order = _order_for(web, "P03", 9103, "可疑车辆")
    page.goto(f"{web.url}/unit?lang=zh")
    card = page.locator(f'.om-unit-order[data-order-id="{order["order_id"]}"]')
    expect(card.locator(".om-unit-text")).to_have_text("可疑车辆", timeout=WAIT)
    expect(card.locator("button")).to_have_text(["接受", "拒绝"])  # waits: the card's buttons may come a frame later
    expect(page.get_by_role("button", name="紧急求助")).to_be_visible()
    ack_order(web.client, KEYS, order, "declined", actor="user:test", note="test over")  # not on later pages
    page.context.close()


def test_decline_asks_for_a_reason_kept_with_the_order(browser: Browser, web: Web) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, web.url, "unit-P03")
    page.goto(f"{web.url}/unit?lang=en")
    order = _order_for(web, "P03", 9151, "Hazmat truck off its route")
    card = _card(page, order["order_id"])
    expect(card.locator(".om-unit-text")).to_have_text("Hazmat truck off its route", timeout=WAIT)
    card.get_by_role("button", name="Decline").click()
    dialog = page.get_by_role("dialog", name="Reason for declining")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()  # changed their mind: nothing sent
    expect(dialog).to_be_hidden()
    assert [b.strip() for b in card.locator("button").all_inner_texts()] == ["Accept", "Decline"]
    card.get_by_role("button", name="Decline").click()
    reason = dialog.get_by_label("Reason for declining")
    assert reason.get_attribute("maxlength") == "200"
    reason.fill("Vehicle breakdown")
    dialog.get_by_role("button", name="Send").click()
    expect(card).to_have_count(0, timeout=WAIT)
    expect(page.locator("#om-unit-queue")).to_be_hidden(timeout=WAIT)  # delivered
    stored = orjson.loads(web.client.hget(KEYS.orders, order["order_id"]))
    assert (stored["status"], stored["reason"]) == ("declined", "Vehicle breakdown")
    assert _acks(web, order["order_id"]) == ["declined"]
    page.context.close()


def test_answers_given_offline_are_queued_and_delivered_once_and_missed_orders_caught_up(
        browser: Browser, web: Web) -> None:
    context = browser.new_context(viewport=PHONE)
    context.add_init_script(RING_SPY)
    page = context.new_page()
    sign_in(page, web.url, "unit-P02")
    page.goto(f"{web.url}/unit?lang=en")
    order = _order_for(web, "P02", 9161, "Grey lorry: check its load")
    card = _card(page, order["order_id"])
    expect(card.locator(".om-unit-text")).to_have_text("Grey lorry: check its load", timeout=WAIT)

    context.set_offline(True)
    card.get_by_role("button", name="Accept").click()
    expect(page.locator("#om-unit-queue")).to_have_text("queued (1)")
    expect(card.locator(".om-unit-status")).to_have_text("Status: Accepted (queued)")  # shown at once
    assert [b.strip() for b in card.locator("button").all_inner_texts()] == ["En route", "Decline"]
    assert _status(web, order["order_id"]) == "issued" and _acks(web, order["order_id"]) == []
    rings = page.evaluate("window.__ring.vibrate.length")
    missed = _order_for(web, "P02", 9162, "Motorbike without plates")  # arrives while the phone is offline
    theirs = _order_for(web, "P01", 9163, "Not for P02")

    context.set_offline(False)
    expect(page.locator("#om-unit-queue")).to_be_hidden(timeout=WAIT)
    expect(card.locator(".om-unit-status")).to_have_text("Status: Accepted", timeout=WAIT)
    assert _status(web, order["order_id"]) == "accepted"
    assert _acks(web, order["order_id"]) == ["accepted"]  # delivered once
    expect(_card(page, missed["order_id"]).locator(".om-unit-text")).to_have_text("Motorbike without plates",
                                                                                 timeout=WAIT)
    assert page.evaluate("window.__ring.vibrate.length") == rings + 1  # the missed order rang on catch-up
    assert "Not for P02" not in page.inner_text("body") and theirs["order_id"] not in page.content()
    page.context.close()


def test_the_phone_sends_its_own_position_through_the_osmand_path(browser: Browser, web: Web) -> None:
    context = browser.new_context(viewport=PHONE, permissions=["geolocation"],
                                  geolocation={"latitude": 22.50612, "longitude": 114.00734, "accuracy": 12})
    page = context.new_page()
    sign_in(page, web.url, "unit-P03")
    page.goto(f"{web.url}/unit?lang=en")
    share = page.get_by_role("button", name="Share my position")
    expect(share).to_have_attribute("aria-pressed", "false")
    before = {text(k): _tail(web, text(k)) for k in web.client.scan_iter(f"{KEYS.prefix}:in:*")}
    share.click()
    expect(share).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#om-unit-position")).to_contain_text("Position sent", timeout=WAIT)
    sent = []
    for key in web.client.scan_iter(f"{KEYS.prefix}:in:*"):
        for _, f in web.client.xrange(text(key), min="(" + before[text(key)] if before.get(text(key)) else "-"):
            sent.append({text(a): text(b) for a, b in f.items()})
    assert [(m["type"], m["id"], m["lat"], m["lon"], m["accuracy"]) for m in sent] == [
        ("gps", "P03", "22.506120", "114.007340", "12")]
    page.context.close()


def _tail(web: Web, key: str) -> str:
    last = web.client.xrevrange(key, count=1)
    return text(last[0][0]) if last else ""
