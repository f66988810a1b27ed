"""Sign in through the form in real Chromium: an officer lands on the command map, the wall on /wall."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.browser.conftest import Web, sign_in


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
