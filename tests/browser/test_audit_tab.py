"""The Audit tab in real Chromium: a supervisor sees readable rows for what people did before (a
sign-in, an acknowledgement on the screens, a dispatch and a decline through the API), the flags of
a planted pattern, filters by who, and exports those rows as CSV; an officer is offered no Audit tab.

This module serves its own app (with the HTTP API and tokens) under its own key prefix on the
session's Redis, so the shared ``web`` app and its data are left as they are.
"""

from __future__ import annotations

import csv
import io
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson
import pytest
import redis
from playwright.sync_api import Browser, Page, expect

from api import create_api
from city.citypack import load_city_pack
from core.audit import append_audit
from core.keys import Keys
from core.model import Alert, AlertType, Severity
from core.settings import Settings
from runner.embedded import EmbeddedRedis
from tests.browser.conftest import MINI, T0, serving, shot, sign_in

pytestmark = pytest.mark.browser
KEYS = Keys("audtab")
TOKENS = {"tok-officer": "officer", "tok-p01": "unit:P01"}
WAIT = 15_000  # ms: a deadline for the page, not a performance figure
ALERT = "watchlist_hit-aud1"


@pytest.fixture(scope="module")
def site(redis_server: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, redis.Redis]]:
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    client.xadd(KEYS.alerts, Alert(ALERT, AlertType.WATCHLIST_HIT, Severity.RED, "粤BZ7777", 22.505, 114.005, T0,
                                   zone="W", checkpoint="B", text="watchlist plate read").to_fields())
    for unit, lat in (("P01", 22.503), ("P02", 22.507)):
        client.hset(KEYS.last, unit, orjson.dumps({"subject": unit, "kind": "unit", "category": "", "lat": f"{lat}",
                                                   "lon": "114.004", "ts": str(int(T0 - 10)), "zone": "W"}))
    client.set(KEYS.clock, str(int(T0)))
    settings = Settings(redis_url=redis_server.url, city_pack=MINI, demo=False, tile_url="", prefix=KEYS.prefix,
                        api_tokens=dict(TOKENS), data_dir=tmp_path_factory.mktemp("audit-web"),
                        odd_hours=_odd_hours(time.time()))
    api = create_api(settings, redis.Redis.from_url(redis_server.url), load_city_pack(MINI))
    with serving(settings, redis_server.url, blueprints=(api,)) as url:
        yield url, client
    client.close()



def _api(url: str, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(url + path, data=orjson.dumps(body), method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return dict(orjson.loads(resp.read()))


def _page(browser: Browser, url: str, name: str, errors: list[str]) -> Page:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda m: errors.append(f"console: {m.text} {m.location}") if m.type == "error" else None)
    sign_in(page, url, name)  # the sign-in form too: a console error there (a missing icon) counts
    expect(page.locator(".om-tabs")).to_be_visible(timeout=WAIT)
    return page


def _tab_names(page: Page) -> list[str]:
    return [s.strip() for s in page.locator(".om-tabs label .i18n-en").all_inner_texts()]


PLANTED_AGO_S = 6 * 3600  # the planted failed sign-in, this long before the test


def _odd_hours(now: float) -> str:
    """An hour of odd hours around the planted sign-in and far from now, whatever the wall clock
    says (so that the test's own sign-ins are never in them)."""
    tz = load_city_pack(MINI).timezone
    start = datetime.fromtimestamp(now - PLANTED_AGO_S - 1800, tz)
    end = datetime.fromtimestamp(now - PLANTED_AGO_S + 1800, tz)
    return f"{start:%H:%M}-{end:%H:%M}"


def test_01_a_supervisor_audits_what_people_did(browser: Browser, site: tuple[str, redis.Redis]) -> None:
    url, r = site
    errors: list[str] = []
    # what people did before: an officer signs in and acknowledges the alert on the Alerts tab ...
    officer = _page(browser, url, "officer", errors)
    assert "Audit" not in _tab_names(officer) and "Alerts" in _tab_names(officer)
    officer.locator("#om-tab-select").get_by_role("option", name="Alerts").click()
    officer.locator("#om-al-table td", has_text="粤BZ7777").first.click(timeout=WAIT)
    officer.locator("#om-al-ack-note").fill("checked at the gate")
    officer.locator("#om-al-ack-button").click()
    expect(officer.locator(".om-ack-message.om-ok")).to_contain_text(ALERT, timeout=WAIT)
    officer.context.close()
    # ... a program dispatches P01 and P01's terminal declines, through the API
    order = _api(url, "/api/dispatch", "tok-officer", {"alert_id": ALERT, "unit": "P01"})
    _api(url, f"/api/dispatch/{order['order_id']}/ack", "tok-p01", {"status": "declined"})
    # the planted pattern: P02 declined three orders within twenty minutes; a failed sign-in in the odd hours
    now = time.time()
    for i in range(3):
        append_audit(r, KEYS, "user:unit-P02", "ack:declined", f"O-planted{i}", {"unit": "P02", "status": "declined"},
                     ts=now - 3000 + 600 * i, source="10.20.0.2")
    append_audit(r, KEYS, "user:mallory", "sign_in_failed", "", {"address": "10.66.0.6"},
                 ts=now - PLANTED_AGO_S, source="10.66.0.6")

    page = _page(browser, url, "supervisor", errors)
    assert _tab_names(page)[-1] == "Audit"
    page.locator("#om-tab-select").get_by_role("option", name="Audit").click()
    table = page.locator("#om-aud-table")
    rows = table.locator("tbody tr:has(td)")  # (the header row is in tbody too)

    def row(*texts: str) -> Any:
        found = rows
        for text in texts:
            found = found.filter(has_text=text)
        return found

    expect(row("user:officer", "Signed in", "127.0.0.1")).to_have_count(1, timeout=WAIT)
    expect(row("user:officer", "Acknowledged alert", ALERT, "note=checked at the gate")).to_have_count(1)
    expect(row("Dispatched", order["order_id"], "unit=P01", "distance_m=")).to_have_count(1)
    expect(row("Answered: Declined", order["order_id"])).to_have_count(1)
    expect(row("user:supervisor", "Signed in")).to_have_count(1)
    header = [h.strip() for h in table.locator("th").all_inner_texts()]
    assert header == ["Time", "Who", "Action", "Target", "Detail", "From where", "Flags"]
    cell = row("Acknowledged alert").locator("td").first
    box = cell.bounding_box()
    assert box is not None and box["height"] >= 14 and box["x"] >= 0  # on screen, a readable line

    # the flags: counts at the top, each with its reason, and the entries marked in the table
    summary = page.locator("#om-aud-summary")
    expect(summary.get_by_role("button", name="Repeated declines 1")).to_be_visible()
    expect(summary.get_by_role("button", name="Odd-hour sign-in 1")).to_be_visible()
    reasons = page.locator("#om-aud-flag-list")
    expect(reasons).to_contain_text("P02 declined 3 orders within 20 min")
    expect(reasons).to_contain_text("user:mallory: Failed sign-in at")
    expect(row("user:unit-P02", "Repeated declines")).to_have_count(3)
    expect(row("user:mallory", "Odd-hour sign-in")).to_have_count(1)
    shot(page, "audit-01-flags")

    # a click on a flag's count keeps only its entries
    summary.get_by_role("button", name="Repeated declines 1").click()
    expect(rows).to_have_count(3, timeout=WAIT)
    page.locator("#om-aud-flag .dash-dropdown-clear, #om-aud-flag .Select-clear").first.click()  # the flag filter off
    expect(rows.filter(has_text="user:mallory")).to_have_count(1, timeout=WAIT)

    # filter by who: only the officer's entries
    page.locator("#om-aud-actor").click()
    page.get_by_role("option", name="user:officer").click()
    page.keyboard.press("Escape")
    expect(rows).to_have_count(2, timeout=WAIT)
    assert all("user:officer" in t for t in rows.all_inner_texts())
    shot(page, "audit-02-filtered")

    # export: a CSV with exactly those rows, and the export is itself in the trail
    with page.expect_download(timeout=WAIT) as dl:
        page.get_by_role("button", name="Export CSV").click()
    got = list(csv.reader(io.StringIO(dl.value.path().read_text(encoding="utf-8-sig"))))
    assert got[0][:6] == ["entry_id", "ts", "Time", "Who", "action_code", "Action"]
    assert sorted(line[4] for line in got[1:]) == ["alert_ack", "sign_in"]
    assert {line[3] for line in got[1:]} == {"user:officer"}
    ack = next(line for line in got[1:] if line[4] == "alert_ack")
    assert ack[6] == ALERT and ack[8] == "127.0.0.1"
    (_, last), = r.xrevrange(KEYS.audit, count=1)
    assert (last["actor"], last["action"]) == ("user:supervisor", "audit_export")
    page.context.close()
    assert errors == []
