"""The Coverage tab in real Chromium: a supervisor opens Coverage, last night's shift is picked, and
the zones are filled with the colour their coverage says (W swept whole: green; E, one street: red),
the per-unit figures read as the API's, the gap is listed; a custom range with no patrol turns W red;
the CSV export holds the same figures. An officer is offered no Coverage tab.

This module serves its own app under its own key prefix on the session's Redis.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import redis
from playwright.sync_api import Browser, Page, expect

from api.coverage import coverage_for
from city.citypack import load_city_pack
from core.keys import Keys
from core.model import Alert, AlertType, Kind, Ping, Severity
from core.settings import Settings
from runner.embedded import EmbeddedRedis
from streams.commit import Scripts, queue_track_store
from tests.browser.conftest import MINI, T0, serving, shot, sign_in
from web.views.coverage import BAD, GOOD, fmt_duration, fmt_km

pytestmark = pytest.mark.browser
KEYS = Keys("covtab")
WAIT = 15_000  # ms: a deadline for the page, not a performance figure
CLOCK = T0 + 3 * 3600  # 2023-11-15 09:13 in Shanghai: last night's shift (20:00-08:00) is over
START = T0 - 3 * 3600  # 03:13 local, inside last night


def _lawn_mower() -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i, lat in enumerate(np.arange(22.4990, 22.5112, 0.0005)):
        row = [(float(lat), 113.9985 + k * 0.0008) for k in range(14)]  # to 114.0089: W only
        pts += row if i % 2 == 0 else row[::-1]
    return pts


def _pings(subject: str, points: list[tuple[float, float]], start: float, speed: float = 30.0) -> list[Ping]:
    return [Ping(subject, lat, lon, start + 10 * i, kind=Kind.UNIT, speed_kmh=speed)
            for i, (lat, lon) in enumerate(points)]


@pytest.fixture(scope="module")
def site(redis_server: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, redis.Redis,
                                                                                                   Path]]:
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    p01 = _pings("P01", _lawn_mower(), START)  # P01 (zone W) sweeps W
    p03 = _pings("P03", [(22.5050, 114.0150 + k * 0.0008) for k in range(5)], START)  # P03 (zone E): a short street
    with client.pipeline(transaction=True) as pipe:
        queue_track_store(pipe, KEYS, p01 + p03, Scripts.register(client).store, 86_400.0)
        pipe.execute()
    client.xadd(KEYS.alerts, Alert("watchlist_hit-cov1", AlertType.WATCHLIST_HIT, Severity.RED, "粤BZ7777", 22.5090,
                                   114.0190, START + 600, zone="E", checkpoint="B",
                                   text="watchlist plate read").to_fields())
    client.set(KEYS.clock, str(int(CLOCK)))
    data_dir = tmp_path_factory.mktemp("coverage-web")
    settings = Settings(redis_url=redis_server.url, city_pack=MINI, demo=False, tile_url="", prefix=KEYS.prefix,
                        data_dir=data_dir)
    with serving(settings, redis_server.url) as url:
        yield url, client, data_dir
    client.close()


def _page(browser: Browser, url: str, name: str, errors: list[str]) -> Page:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    page = context.new_page()
    sign_in(page, url, name)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda m: errors.append(f"console: {m.text} {m.location}") if m.type == "error" else None)
    expect(page.locator(".om-tabs")).to_be_visible(timeout=WAIT)
    return page


def _tab_names(page: Page) -> list[str]:
    return [s.strip() for s in page.locator(".om-tabs label .i18n-en").all_inner_texts()]


def _fill(page: Page, zone: str) -> str | None:
    return page.locator(f"path.om-cov-zone-{zone}").get_attribute("fill")


def test_a_supervisor_sees_last_nights_coverage(browser: Browser, site: tuple[str, redis.Redis, Path]) -> None:
    url, r, data_dir = site
    errors: list[str] = []
    officer = _page(browser, url, "officer", errors)
    assert "Coverage" not in _tab_names(officer)
    officer.context.close()

    page = _page(browser, url, "supervisor", errors)
    assert "Coverage" in _tab_names(page)
    page.locator("#om-tab-select").get_by_role("option", name="Coverage").click()
    expect(page.locator("#om-cov-shift")).to_contain_text("Night 2023-11-14", timeout=WAIT)
    expect(page.locator("#om-cov-range")).to_contain_text("2023-11-14 20:00 to 2023-11-15 08:00", timeout=WAIT)
    expect(page.locator("path.om-cov-zone-W")).to_have_count(1, timeout=WAIT)
    assert _fill(page, "W") == GOOD  # swept whole: at or above the 60 % target
    assert _fill(page, "E") == BAD  # one street: under half the target
    page.wait_for_function("() => { const p = document.querySelector('path.om-cov-zone-W');"
                           " return p && p.getBoundingClientRect().width > 100; }", timeout=WAIT)
    box = page.locator("path.om-cov-zone-W").bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 100  # drawn where a person sees it

    # the per-unit figures, as the API computes them from the same store
    city = load_city_pack(MINI)
    night = (T0 - 10 * 3600 - 800, T0 + 6400)  # 2023-11-14 20:00 .. 2023-11-15 08:00, Shanghai
    want = coverage_for(r, KEYS, data_dir, city, "W", *night)
    p01 = next(u for u in want.units if u.unit == "P01")
    row = page.locator("#om-cov-unit-table tr", has_text="West-1").filter(has_text="West")
    expect(row.first).to_contain_text(fmt_km(p01.distance_m))
    cells = [c.strip() for c in row.first.locator("td").all_inner_texts()]
    assert cells == ["West-1 西01", "West", fmt_km(p01.distance_m), fmt_duration(p01.in_zone_s),
                     fmt_duration(p01.out_zone_s), fmt_duration(p01.idle_s)]
    assert want.covered_fraction == 1.0
    expect(page.locator("#om-cov-zone-table")).to_contain_text("100 %")
    expect(page.locator("#om-cov-gaps")).to_contain_text("watchlist plate read")
    expect(page.locator(".om-cov-gap-marker")).to_have_count(1)
    expect(page.locator("#om-cov-hot-legend")).to_have_text("This city pack has no incidents (incidents.jsonl)")
    shot(page, "coverage-01-last-night")

    # a custom range on the evening before: nobody patrolled, W is red
    page.locator("#om-cov-from").fill("2023-11-14 12:00")
    page.locator("#om-cov-to").fill("2023-11-14 18:00")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#om-cov-range")).to_contain_text("2023-11-14 12:00 to 2023-11-14 18:00", timeout=WAIT)
    expect(page.locator("path.om-cov-zone-W")).to_have_attribute("fill", BAD, timeout=WAIT)
    expect(page.locator("#om-cov-zone-table")).to_contain_text("0 %")

    # export: the figures of the range, one row per zone and unit, then the gaps the tab lists
    page.locator("#om-cov-from").fill("")
    page.locator("#om-cov-to").fill("")
    with page.expect_download(timeout=WAIT) as dl:
        page.get_by_role("button", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(dl.value.path().read_text(encoding="utf-8"))))
    zone_w = next(x for x in rows if x["row"] == "zone" and x["zone"] == "W")
    assert float(zone_w["covered_fraction"]) == 1.0
    unit = next(x for x in rows if x["row"] == "unit" and x["unit"] == "P01" and x["zone"] == "W")
    assert float(unit["distance_m"]) == pytest.approx(p01.distance_m, abs=0.1)
    gaps = [(x["alerts"], x["events"]) for x in rows if x["row"] == "gap"]
    assert gaps == [("1", "watchlist plate read")]
    page.context.close()
    assert errors == []


def test_with_nothing_stored_in_the_last_shift_the_tab_opens_on_the_one_under_way(
        browser: Browser, site: tuple[str, redis.Redis, Path]) -> None:
    """A system started during a shift: the shift before it holds no track, so the tab shows the one
    under way rather than a map of zeros."""
    url, r, _ = site
    r.set(KEYS.clock, str(int(START + 2 * 86_400)))  # 2023-11-17 03:13: the day shift of the 16th is empty
    try:
        errors: list[str] = []
        page = _page(browser, url, "supervisor", errors)
        page.locator("#om-tab-select").get_by_role("option", name="Coverage").click()
        expect(page.locator("#om-cov-shift")).to_contain_text("Night 2023-11-16 (under way)", timeout=WAIT)
        expect(page.locator("#om-cov-range")).to_contain_text("2023-11-16 20:00 to 2023-11-17 03:13", timeout=WAIT)
        page.context.close()
        assert errors == []
    finally:
        r.set(KEYS.clock, str(int(CLOCK)))
