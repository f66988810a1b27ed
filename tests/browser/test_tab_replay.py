"""The Replay tab in real Chromium: an officer chooses the bundled recording of the demo city,
plays it at 60x through the sandbox's own worker process, sees the units drawn where the sandbox
has them and the replayed alerts listed; Pause stops the playhead; the live prefix stays empty.

This module serves its own app on the demo city under its own key prefix on the session's Redis.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import redis
from playwright.sync_api import Browser, Page, expect

from core.keys import Keys
from core.settings import DEMO_CITY, Settings
from runner.embedded import EmbeddedRedis
from tests.browser.conftest import serving, shot, sign_in
from tests.browser.measure import REPLAY_DOTS_JS
from web.sandboxes import sandbox_prefix

pytestmark = pytest.mark.browser
LIVE = Keys("rptab")
SANDBOX = Keys(sandbox_prefix("rptabreplay", "officer"))  # the officer's own sandbox
WAIT = 60_000  # ms: a deadline for the page, not a performance figure
TOLERANCE = 3.0  # px


@pytest.fixture(scope="module")
def site(redis_server: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, redis.Redis]]:
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    for key in client.scan_iter(match="rptab*"):
        client.delete(key)
    settings = Settings(redis_url=redis_server.url, city_pack=DEMO_CITY, demo=False, tile_url="", prefix=LIVE.prefix,
                        data_dir=tmp_path_factory.mktemp("replay-web"))
    with serving(settings, redis_server.url) as url:
        yield url, client
    client.close()


@pytest.fixture()
def officer(browser: Browser, site: tuple[str, redis.Redis]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    # the browser asks for /favicon.ico by itself on the sign-in page (the app serves none)
    page.on("console", lambda msg: errors.append(f"{msg.text} {msg.location}")
            if msg.type == "error" and "favicon.ico" not in str(msg.location) else None)
    sign_in(page, site[0], "officer")
    yield page
    context.close()
    assert errors == []


def _clock(page: Page) -> str:
    return page.locator("#om-rp-clock").inner_text()


def _units(client: redis.Redis) -> list[dict[str, Any]]:
    fixes = [orjson.loads(v) for v in client.hvals(SANDBOX.last)]
    return [{"subject": f["subject"], "lat": float(f["lat"]), "lon": float(f["lon"])} for f in fixes
            if f.get("kind") == "unit"]


def test_an_officer_replays_the_bundled_recording_at_60x(officer: Page, site: tuple[str, redis.Redis],
                                                         browser: Browser) -> None:
    url, client = site
    page = officer
    page.goto(f"{url}/?lang=en")
    tab = page.locator(".om-tabs label", has=page.locator("input[value=replay]"))
    expect(tab).to_have_text("Replay", use_inner_text=True, timeout=WAIT)
    tab.click()
    page.get_by_label("demo_city.jsonl.gz").check(timeout=WAIT)
    expect(page.locator("#om-rp-status")).to_contain_text("demo_city.jsonl.gz", timeout=WAIT)
    page.get_by_label("60×").check()
    # the demo city has no incidents file: the hotspot layer says so instead of drawing nothing
    expect(page.locator("#om-rp-hot-legend")).to_have_text("This city pack has no incidents (incidents.jsonl)")
    page.get_by_role("button", name="Play").click()

    # playing: the event time moves on, at the recorded night (01:56 local on 2026-06-01 and later)
    expect(page.locator("#om-rp-clock")).to_contain_text("2026-06-01 0", timeout=WAIT)
    first = _clock(page)
    page.wait_for_function(f"document.querySelector('#om-rp-clock').innerText !== {first!r}", timeout=WAIT)
    assert _clock(page) > first

    # the sandbox's worker raises alerts again, and the tab lists them
    expect(page.locator("#om-rp-alerts .om-rp-alert").nth(2)).to_be_visible(timeout=WAIT)
    expect(page.locator("#om-rp-map .om-rp-unit").first).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#om-rp-status")).to_contain_text("paused", timeout=WAIT)

    # paused: the displayed event time holds still
    paused = _clock(page)
    page.wait_for_timeout(3000)
    assert _clock(page) == paused

    # every unit is drawn where the sandbox has it (once the worker has caught up with the pause)
    page.wait_for_function("window.onemap.maps['om-rp-map'].getSize().x > 300", timeout=WAIT)
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        units = _units(client)
        seen = page.evaluate(REPLAY_DOTS_JS, ["om-rp-map", units])
        if units and all(m["found"] and max(abs(m["dx"]), abs(m["dy"])) <= TOLERANCE for m in seen):
            break
        page.wait_for_timeout(1000)
    shot(page, "replay-tab-paused")
    assert seen and all(m["found"] for m in seen), seen
    off = [m for m in seen if max(abs(m["dx"]), abs(m["dy"])) > TOLERANCE]
    assert not off, off

    # the listed alerts are the sandbox's, with readable text; the timeline marks them
    listed = page.locator("#om-rp-alerts .om-rp-alert")
    ids_listed = [listed.nth(i).get_attribute("data-id") for i in range(min(listed.count(), 10))]
    in_sandbox = {f["alert_id"]: f for _, f in client.xrange(SANDBOX.alerts)}
    assert ids_listed and all(i in in_sandbox for i in ids_listed)
    assert in_sandbox[ids_listed[0]]["text"] in listed.nth(0).inner_text()
    assert page.locator("#om-rp-timeline path.point").count() > 201 + len(ids_listed) - 1

    # a supervisor on the Replay tab at the same time has a sandbox of their own: nothing playing
    other = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        second = other.new_page()
        sign_in(second, url, "supervisor")
        second.goto(f"{url}/?lang=en")
        second.locator(".om-tabs label", has=second.locator("input[value=replay]")).click()
        expect(second.locator("#om-rp-status")).to_contain_text("Choose a recording", timeout=WAIT)
        second.wait_for_timeout(2000)  # a few refreshes of the tab
        assert second.locator("#om-rp-clock").inner_text() == "--"
        assert second.locator("#om-rp-alerts .om-rp-alert").count() == 0
        assert _clock(page) == paused  # and the officer's playhead is where the officer left it
    finally:
        other.close()

    # the live prefix saw nothing of it
    assert [k for k in client.scan_iter(match="rptab:*") if k.startswith(LIVE.input(0)[:-1])] == []
    assert not client.exists(LIVE.alerts)
