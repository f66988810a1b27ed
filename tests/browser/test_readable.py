"""Every screen's text reads against its background: a supervisor (who has every tab) walks the tabs
in English and Chinese, and the wall screen is read too; no text outside the maps and charts falls
under WCAG AA's contrast (4.5, or 3 for large text). Alerts of the four severities are open while it
is measured: white on the severity colors of chips, counts and badges is where it failed before.

This module serves its own app under its own key prefix, so the shared ``web`` app's alerts and
incidents stay as the other tests expect them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from playwright.sync_api import Browser, expect

from core.keys import Keys
from core.model import Alert, AlertType, Severity
from core.settings import Settings
from runner.embedded import EmbeddedRedis
from tests.browser.conftest import MINI, T0, serving, sign_in
from tests.browser.measure import low_contrast

pytestmark = pytest.mark.browser
KEYS = Keys("readable")
WAIT = 15_000  # ms: a deadline for the page, not a performance figure


@pytest.fixture(scope="module")
def site(redis_server: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    for n, severity in enumerate(Severity):  # one subject each: four incidents, one of each color
        client.xadd(KEYS.alerts, Alert(f"watchlist_hit-rd{n}", AlertType.WATCHLIST_HIT, severity, f"粤BR71{n:02d}",
                                       22.505, 114.004 + 0.002 * n, T0 - 60 * n, zone="W", checkpoint="B",
                                       text=f"{severity.value} watchlist plate read").to_fields())
    client.set(KEYS.clock, str(int(T0)))
    settings = Settings(redis_url=redis_server.url, city_pack=MINI, demo=False, tile_url="", prefix=KEYS.prefix,
                        data_dir=tmp_path_factory.mktemp("readable"))
    with serving(settings, redis_server.url) as url:
        yield url
    client.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_tab_reads_against_its_background(browser: Browser, site: str, lang: str) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    sign_in(page, site, "supervisor")
    page.goto(f"{site}/?lang={lang}")
    tabs = page.locator(".om-tabs label")
    expect(tabs).to_have_count(6, timeout=WAIT)
    for color in ("red", "blue"):  # white on these two: the header's counts
        expect(page.locator(f".om-counts .om-sev-{color}")).to_have_text("1", timeout=WAIT)
    found = {}
    for i in range(tabs.count()):
        tabs.nth(i).click()
        page.wait_for_timeout(1500)  # the tab's callbacks fill it
        if i == 1:  # Alerts: its severity chips and the acknowledgement form are on the page
            expect(page.locator(".om-chip.om-sev-red")).to_be_visible(timeout=WAIT)
            expect(page.locator(".om-ack-whole label")).to_be_visible()
        found[tabs.nth(i).inner_text().strip()] = low_contrast(page)
    assert found == {name: [] for name in found}
    context.close()


def test_the_wall_reads_against_its_background(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    sign_in(page, site, "wall")
    expect(page.locator(".leaflet-container").first).to_be_visible(timeout=WAIT)
    expect(page.locator(".om-ticker")).to_contain_text("粤BR7100", timeout=WAIT)  # the red incident on the ticker
    page.wait_for_timeout(1500)
    assert low_contrast(page) == []
    context.close()


def test_the_sign_in_form_and_the_unit_terminal_read_against_their_background(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport={"width": 412, "height": 915})  # a phone in a patrol car
    page = context.new_page()
    sign_in(page, site, "officer", "wrong", refused=True)
    expect(page.get_by_role("alert")).to_be_visible()
    assert low_contrast(page) == []
    sign_in(page, site, "unit-P01")
    page.goto(f"{site}/unit?lang=en")
    expect(page.get_by_role("button", name="Help")).to_be_visible(timeout=WAIT)
    assert low_contrast(page) == []
    context.close()
