"""Sign in through the form in real Chromium: an officer lands on the command map, the wall on /wall."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Web, sign_in
from tests.browser.measure import overlaps


def test_an_officer_signs_in_and_sees_the_command_map_and_the_demo_banner(browser: Browser, web: Web) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{web.url}/?lang=en")
    assert page.url.endswith("/login?lang=en")  # no session: the sign-in form
    sign_in(page, web.url, "officer", "wrong", refused=True)
    assert page.get_by_role("alert").inner_text() == "The name or the password is wrong"
    sign_in(page, web.url, "officer")
    assert page.url == f"{web.url}/?lang=en"
    page.wait_for_selector(".leaflet-container", state="visible", timeout=20_000)
    box = page.locator(".leaflet-container").first.bounding_box()
    assert box is not None and box["width"] > 800 and box["height"] > 500  # the command map fills the page
    banner = page.locator(".om-demo-banner").first
    banner.wait_for(state="visible")
    assert "password demo" in banner.inner_text()
    assert page.locator(".om-user").inner_text() == "officer"
    context.close()


def test_the_wall_signs_in_and_lands_on_the_wall(browser: Browser, web: Web) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    sign_in(page, web.url, "wall")
    assert page.url.split("?")[0].endswith("/wall")
    page.goto(f"{web.url}/")
    assert page.url.split("?")[0].endswith("/wall")  # the wall sees only the wall
    page.wait_for_selector(".leaflet-container", state="visible", timeout=20_000)
    context.close()


HEADER_BOXES_JS = """() => {
  const pick = ['.om-header .om-stat', '.om-header .om-link', '.om-user', '.om-sign-out button', '.om-lang label'];
  return pick.flatMap(sel => Array.from(document.querySelectorAll(sel))).map(el => {
    const r = el.getBoundingClientRect();
    return {text: el.innerText.trim().split('\\n').join(' '), left: r.left - 3, right: r.right + 3,
            top: r.top, bottom: r.bottom, width: r.width};
  });
}"""


@pytest.mark.parametrize(("who", "width"), [("officer", 1920), ("supervisor", 1920), ("supervisor", 1366)])
def test_the_header_reads_apart_who_is_signed_in_and_the_sign_out_button(
        browser: Browser, web: Web, who: str, width: int) -> None:
    """The header's figures, the link state, the person's name, ``Sign out`` and the language switch
    each stand apart (at least 6 px between any two), at a wall's width and at a laptop's."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, web.url, who)
    page.goto(f"{web.url}/?lang=en")
    expect(page.locator(".om-user")).to_have_text(who, timeout=20_000)
    boxes = page.evaluate(HEADER_BOXES_JS)
    assert {b["text"] for b in boxes} >= {who, "Sign out", "EN"}
    assert all(b["width"] > 0 for b in boxes)
    assert overlaps(boxes) == []
    context.close()
