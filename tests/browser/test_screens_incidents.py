"""Incidents and escalation in a real Chromium: one plate read at several checkpoints is one row,
one marker and one trail; acknowledging the incident acknowledges each of its alerts; an old
unacknowledged alert stays on the screens, marked overdue.

Runs on the session's app after test_screens.py (or alone); each test uses its own plates.
"""

from __future__ import annotations

import re

import orjson
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import KEYS, Web, shot

pytestmark = pytest.mark.browser
WAIT = 15_000  # ms: a deadline for the page, not a performance figure
PLATE = "粤BW1111"
CHECKPOINTS = [("A", 114.001, "W"), ("B", 114.007, "W"), ("C", 114.013, "E"), ("D", 114.019, "E")]


def _open(page: Page, web: Web, path: str = "/") -> None:
    page.goto(web.url + path)
    expect(page.locator("#om-root")).to_be_attached(timeout=WAIT)


def _tab(page: Page, key: str) -> None:
    page.locator(".om-tabs label", has=page.locator(f"input[value={key}]")).click()


def _reads(web: Web) -> list[str]:
    """The watchlist plate read at the four checkpoints, one a minute, the last one now."""
    if not web.client.hexists("test:incidents", "reads"):
        ids = [web.alert(100 + i, "red", 22.505, lon, subject=PLATE, zone=zone, checkpoint=cp,
                         text=f"watchlist plate {PLATE} read at {cp}", ts=web.clock - 180 + 60 * i)
               for i, (cp, lon, zone) in enumerate(CHECKPOINTS)]
        web.client.hset("test:incidents", "reads", orjson.dumps(ids))
    return list(orjson.loads(web.client.hget("test:incidents", "reads")))


def test_11_one_plate_at_four_checkpoints_is_one_feed_row_one_marker_and_one_trail(page: Page, web: Web) -> None:
    ids = _reads(web)
    _open(page, web)
    row = page.locator("#om-feed .om-feed-item", has_text=PLATE)
    expect(row).to_have_count(1, timeout=WAIT)
    expect(row).to_have_attribute("data-incident", ids[0])
    expect(row.locator(".om-inc-count")).to_have_text("×4")
    expect(row.locator(".om-inc-where")).to_contain_text("D")  # last seen at checkpoint D
    expect(row.locator(".om-overdue")).to_have_count(0)  # red, open for 3 minutes: not overdue yet
    markers = page.locator("#om-cmd-map .om-alert.om-incident", has=page.locator(".om-inc-count", has_text="×4"))
    expect(markers).to_have_count(1, timeout=WAIT)
    expect(markers).to_have_attribute("data-id", ids[0])
    expect(markers).to_have_attribute("data-latest", ids[-1])
    for aid in ids[1:]:
        expect(page.locator(f'#om-cmd-map .om-alert[data-id="{aid}"]')).to_have_count(0)  # no per-alert markers
    at = page.evaluate(f"""() => {{ const ll = window.onemap.views['om-cmd-map'].alertMarkers.get('{ids[0]}')
                                      .getLatLng(); return [ll.lat, ll.lng]; }}""")
    assert at == pytest.approx([22.505, 114.019])  # the marker stands at the latest sighting (D)
    trail = page.locator(f'#om-cmd-map path.om-incident-trail[data-id="{ids[0]}"]')
    expect(trail).to_have_count(1)
    d = trail.get_attribute("d") or ""
    assert d.count("L") == 3, d  # four sightings, joined in time order
    xs = [float(p.strip().split(" ")[0]) for p in d.lstrip("M").split("L")]
    assert xs == sorted(xs)  # A, B, C, D run west to east
    shot(page, "11-incident-map")
    _open(page, web, "/wall")
    wall_row = page.locator("#om-wall-ticker .om-feed-item", has_text=PLATE)
    expect(wall_row).to_have_count(1, timeout=WAIT)
    expect(wall_row.locator(".om-inc-count")).to_have_text("×4")
    shot(page, "11-incident-wall")


def test_12_acknowledging_the_incident_acknowledges_each_alert(page: Page, web: Web) -> None:
    ids = _reads(web)
    _open(page, web)
    expect(page.locator(f'#om-feed .om-feed-item[data-incident="{ids[0]}"]')).to_have_count(1, timeout=WAIT)
    _tab(page, "alerts")
    rows = page.locator("#om-al-table tr", has_text=PLATE)
    expect(rows).to_have_count(4, timeout=WAIT)  # the audit view keeps one row per alert
    expect(_row_at(page, "D")).to_contain_text("4/4")
    expect(_row_at(page, "B")).to_contain_text("2/4")
    _row_at(page, "B").locator('td[data-dash-column="subject"]').click()
    expect(page.locator("#om-al-ack-picked")).to_contain_text("2/4", timeout=WAIT)
    expect(page.locator("#om-al-ack-whole input")).to_be_checked()
    page.locator("#om-al-ack-note").fill("K04 拦截，已处置")
    page.locator("#om-al-ack-button").click()
    expect(page.locator(".om-ack-message.om-ok")).to_contain_text("×4", timeout=WAIT)
    for aid in ids:
        ack = orjson.loads(web.client.hget(KEYS.alert_acks, aid))
        assert ack["by"] == "user:officer" and ack["incident"] == ids[0]
    audit = [f for _, f in web.client.xrange(KEYS.audit) if f[b"target"].decode() in ids]
    assert sorted(f[b"target"].decode() for f in audit) == sorted(ids)  # one audit entry per alert
    expect(page.locator("#om-al-table tr", has_text=PLATE).filter(has_text="已确认")).to_have_count(4, timeout=WAIT)
    _tab(page, "command")
    expect(page.locator("#om-feed .om-feed-item", has_text=PLATE)).to_have_count(0, timeout=WAIT)
    expect(page.locator(f'#om-cmd-map .om-alert[data-id="{ids[0]}"]')).to_have_count(0, timeout=WAIT)
    expect(page.locator(f'#om-cmd-map path.om-incident-trail[data-id="{ids[0]}"]')).to_have_count(0)


def _row_at(page: Page, checkpoint: str) -> Locator:
    """The alerts-table row of the plate's read at ``checkpoint``."""
    cell = page.locator('td[data-dash-column="checkpoint"]', has_text=re.compile(f"^{checkpoint}$"))
    return page.locator("#om-al-table tr", has_text=PLATE).filter(has=cell)


def test_13_an_old_unacknowledged_alert_stays_and_is_marked_overdue(page: Page, web: Web) -> None:
    old = web.alert(200, "blue", 22.507, 114.016, type_="unit_offline", subject="粤BOLD01", zone="E", checkpoint="",
                    text="silent for two hours", ts=web.clock - 7200)
    _open(page, web)
    row = page.locator(f'#om-feed .om-feed-item[data-incident="{old}"]')
    expect(row).to_have_count(1, timeout=WAIT)
    expect(row).to_have_class("om-feed-item om-incident om-sev-blue om-escalated")
    expect(row.locator(".om-overdue")).to_have_text("超时", use_inner_text=True)  # what a person reads
    expect(row.locator(".om-inc-age")).to_contain_text("2 小时", use_inner_text=True)
    marker = page.locator(f'#om-cmd-map .om-alert.om-escalated[data-id="{old}"]')
    expect(marker).to_have_count(1, timeout=WAIT)
    expect(marker.locator(".om-overdue")).to_be_visible()
    expect(marker.locator(".om-overdue")).to_have_text("超时", use_inner_text=True)
    page.locator(".om-lang label", has_text="EN").click()
    expect(row.locator(".om-overdue")).to_have_text("overdue", timeout=WAIT, use_inner_text=True)
    expect(row.locator(".om-inc-age")).to_contain_text("2 h", use_inner_text=True)
    shot(page, "13-overdue")
    _tab(page, "alerts")
    table_row = page.locator("#om-al-table tr", has_text="粤BOLD01 offline")  # the line in English
    expect(table_row).to_contain_text("Overdue", timeout=WAIT)
    expect(table_row.locator('td[data-dash-column="age"]')).to_contain_text("2 h")
    _open(page, web, "/wall")
    wall_row = page.locator(f'#om-wall-ticker .om-feed-item.om-escalated[data-incident="{old}"]')
    expect(wall_row).to_have_count(1, timeout=WAIT)  # blue, but overdue: on the wall's list
    expect(page.locator(".om-tile-sev.om-sev-blue .om-count")).not_to_have_text("0", timeout=WAIT)
