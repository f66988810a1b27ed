"""The unit terminal in real Chromium on a phone-sized screen (contract A.7.3): an order written for
P01 appears on P01's open page without a reload, the buttons walk it through its statuses, another
unit's order never shows, and Help raises an officer_help alert at P01's last position."""

from __future__ import annotations

import orjson
from playwright.sync_api import Browser, Page, expect

from api.dispatch import issue_order
from city.citypack import load_city_pack
from core.values import text
from tests.browser.conftest import KEYS, MINI, Web, sign_in

PHONE = {"width": 390, "height": 844}
WAIT = 10_000


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
    page = context.new_page()
    sign_in(page, web.url, "unit-P01")  # (the sign-in form has no icon: its favicon 404 is not the terminal's)
    assert page.url.split("?")[0].endswith("/unit")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
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
    page.get_by_role("button", name="Clear").click()  # asks for a disposition first
    dialog = page.get_by_role("dialog", name="Disposition")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Send").click()  # empty: refused by the form, nothing sent
    expect(dialog).to_be_visible()
    assert _status(web, mine["order_id"]) == "on_scene"
    dialog.get_by_label("Disposition").fill("Vehicle stopped, driver arrested")
    dialog.get_by_role("button", name="Send").click()
    expect(page.locator("#om-unit-orders")).to_have_text("No open orders", timeout=WAIT)
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
    context.close()


def test_the_terminal_speaks_chinese(browser: Browser, web: Web) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, web.url, "unit-P03")
    order = _order_for(web, "P03", 9103, "可疑车辆")
    page.goto(f"{web.url}/unit?lang=zh")
    card = page.locator(f'.om-unit-order[data-order-id="{order["order_id"]}"]')
    expect(card.locator(".om-unit-text")).to_have_text("可疑车辆", timeout=WAIT)
    assert [b.strip() for b in card.locator("button").all_inner_texts()] == ["接受", "拒绝"]
    expect(page.get_by_role("button", name="紧急求助")).to_be_visible()
    context.close()
