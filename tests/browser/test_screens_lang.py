"""Alert lines in the chosen language on every screen, and the browser's lines match the server's.

Runs after test_screens.py on the same app (the mini city, whose names are "West 西区", "West-1 西01").
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Web, shot
from tests.web.test_alertline import SAMPLES, demo_names
from web.views.alertline import alert_line

pytestmark = pytest.mark.browser
WAIT = 15_000  # ms: a deadline for the page, not a performance figure

# the lines of the two alerts below on the mini city, and the template words of each language
EXIT = ("西01 驶出责任巡区 西区", "West-1 left its patrol zone West")
HELP = ("西02 请求紧急支援（西区）", "West-2 calls for help in West")
HIT = ("粤BZ9999 在 Station B 命中布控（Stolen vehicle）", "粤BZ9999 on the watchlist at Station B (Stolen vehicle)")
WORDS = {"zh": ["驶出责任巡区", "请求紧急支援", "命中布控", "在"],
         "en": ["left its patrol zone", "calls for help", "on the watchlist", " at "]}


def _open(page: Page, web: Web, path: str = "/") -> None:
    page.goto(web.url + path)
    expect(page.locator("#om-root")).to_be_attached(timeout=WAIT)


def _switch(page: Page, lang: str) -> None:
    page.locator(".om-lang label", has_text="EN" if lang == "en" else "中文").click()
    expect(page.locator(f"#om-root.lang-{lang}")).to_have_count(1, timeout=WAIT)


def _speaks(where: Locator, lang: str, *lines: tuple[str, str]) -> None:
    """What a person reads in ``where`` (visible text) has the lines in ``lang`` and none of the
    other language's template words."""
    me, other = (1, "zh") if lang == "en" else (0, "en")
    for line in lines:
        expect(where).to_contain_text(line[me], use_inner_text=True, timeout=WAIT)
    seen = where.inner_text()
    assert not [w for w in WORDS[other] if w in seen], seen
    if lang == "zh" and len(lines) == 1:  # one alert: only its names and plate bring Latin letters
        rest = re.sub(r"粤[A-Z0-9]+", "", seen)
        for name in ("West-1", "West-2", "Station B", "Stolen vehicle", "P01", "P02"):
            rest = rest.replace(name, "")
        assert not re.search(r"[A-Za-z]{2,}", rest), (seen, rest)


def _items(where: Locator, lang: str, lines: dict[str, tuple[str, str]]) -> None:
    """Each alert's item in the list ``where`` speaks ``lang``, and so does the list as a whole."""
    for alert_id, line in lines.items():
        _speaks(where.locator(f'.om-feed-item[data-alert="{alert_id}"]'), lang, line)
    _speaks(where, lang, *lines.values())


def test_browser_and_server_make_the_same_lines(page: Page, web: Web) -> None:
    _open(page, web)
    page.wait_for_function("typeof window.onemap.alertText === 'function'", timeout=WAIT)
    names = demo_names()
    alerts = [a for a, _, _ in SAMPLES]
    for lang in ("zh", "en"):
        got = page.evaluate("([as, lang, names]) => as.map(a => window.onemap.alertText(a, lang, names))",
                            [alerts, lang, names])
        assert got == [alert_line(a, names, lang) for a in alerts]
        assert got == [zh if lang == "zh" else en for _, zh, en in SAMPLES]
    # the page's own names (config.names) are the server's
    page.wait_for_function("window.onemap.store.config && window.onemap.store.config.names", timeout=WAIT)
    assert page.evaluate("window.onemap.store.config.names.units.P01") == ["西01", "West-1"]


def test_switching_language_changes_every_alert_line(page: Page, web: Web) -> None:
    exit_id = web.alert(301, "yellow", 22.5061, 114.0031, type_="zone_exit", subject="P01", zone="W", checkpoint="",
                        text="P01 West-1 西01 left patrol zone W (West 西区)")
    help_id = web.alert(302, "red", 22.5049, 114.0052, type_="officer_help", subject="P02", zone="W", checkpoint="",
                        text="officer needs help")
    hit_id = web.alert(303, "red", 22.5050, 114.0070, subject="粤BZ9999", zone="", checkpoint="B")
    _open(page, web)
    feed = page.locator("#om-feed")
    for id_ in (exit_id, help_id, hit_id):
        expect(feed.locator(f'.om-feed-item[data-alert="{id_}"]')).to_be_visible(timeout=WAIT)
    mine = {exit_id: EXIT, help_id: HELP, hit_id: HIT}
    _items(feed, "zh", mine)
    # the detail panel of one alert
    feed.locator(f'.om-feed-item[data-alert="{hit_id}"]').click()
    detail = page.locator(f'#om-detail .om-detail[data-kind="alert"][data-id="{hit_id}"] .om-detail-rows')
    _speaks(detail, "zh", HIT)
    shot(page, "lang-zh-feed-detail")

    _switch(page, "en")
    _items(feed, "en", mine)
    _speaks(detail, "en", HIT)
    shot(page, "lang-en-feed-detail")

    # the alerts table, re-rendered on each switch
    page.locator(".om-tabs label", has=page.locator("input[value=alerts]")).click()
    cell = page.locator("#om-al-table tr", has_text="P01").locator('td[data-dash-column="text"]').first
    _speaks(cell, "en", EXIT)
    _switch(page, "zh")
    _speaks(cell, "zh", EXIT)
    _speaks(page.locator("#om-al-table tr", has_text="P02").locator('td[data-dash-column="text"]').first, "zh", HELP)
    shot(page, "lang-zh-alerts-table")


@pytest.mark.parametrize(("lang", "n"), [("zh", 311), ("en", 313)])
def test_wall_list_speaks_the_language_of_the_wall(page: Page, web: Web, lang: str, n: int) -> None:
    help_id = web.alert(n, "red", 22.5049, 114.0052, type_="officer_help", subject="P02", zone="W", checkpoint="",
                        text="officer needs help")
    hit_id = web.alert(n + 1, "orange", 22.5050, 114.0070, subject="粤BZ9999", zone="", checkpoint="B")
    _open(page, web, f"/wall?lang={lang}")
    ticker = page.locator("#om-wall-ticker")
    expect(ticker.locator(f'.om-feed-item[data-alert="{hit_id}"]')).to_be_visible(timeout=WAIT)
    _items(ticker, lang, {help_id: HELP, hit_id: HIT})
    shot(page, f"lang-{lang}-wall")
