"""The wall read across a room at 1920x1080: no small text outside the map, lists of whole items,
map labels that never overlap, and an auto-focus that frames a red alert inside the city.

Red alerts written here are in zone W (the screens tests expect zone E to stay uncolored by red).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Web, fix, shot
from tests.browser.measure import label_pass, labels, overlaps

pytestmark = pytest.mark.browser
WAIT = 15_000  # ms: a deadline for the page, not a performance figure
MIN_PX = 16.0

# every visible text node outside the map container, with its computed font size
TEXTS_JS = """() => {
  const map = document.getElementById("om-wall-map"), out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const t = walker.currentNode, el = t.parentElement;
    if (!t.textContent.trim() || !el || map.contains(el)) continue;
    const range = document.createRange(); range.selectNodeContents(t);
    const seen = [...range.getClientRects()].some(r => r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 &&
                                                   r.top < innerHeight && r.left < innerWidth);
    const s = getComputedStyle(el);
    if (!seen || s.visibility === "hidden" || parseFloat(s.opacity) === 0) continue;
    out.push({text: t.textContent.trim().slice(0, 40), px: parseFloat(s.fontSize)});
  }
  return out;
}"""

# the wall's lists: their visible box and the box of every item that is displayed
LISTS_JS = """() => [...document.querySelectorAll("#om-wall-ticker")].map(list => {
  const b = list.getBoundingClientRect();
  return {box: [b.left, b.top, b.right, b.bottom], items: [...list.children].map(i => i.getBoundingClientRect())
    .filter(r => r.width > 0 && r.height > 0).map(r => [r.left, r.top, r.right, r.bottom])};
})"""


def _many_alerts(web: Web) -> None:
    """More red and orange alerts than the ticker can show (idempotent)."""
    have = set(web.alerts)
    for i in range(14):
        n = 950 + i
        if f"overspeed-test{n:04d}" in have:
            continue
        web.alert(n, "red" if i % 2 else "orange", 22.5015 + i * 0.0005, 114.0015 + i * 0.0003, type_="overspeed",
                  subject=f"粤BM{n}", zone="W", checkpoint="", text=f"粤BM{n}: two pings in a row at 78 km/h where the limit of patrol zone W (West) is 40 km/h")


def _open_wall(page: Page, web: Web, lang: str, *, ticker: bool = False) -> None:
    page.goto(f"{web.url}/wall?lang={lang}")
    expect(page.locator(f"#om-root.lang-{lang}")).to_have_count(1, timeout=WAIT)
    expect(page.locator("#om-wall-map .om-unit")).to_have_count(3, timeout=WAIT)
    if ticker:
        expect(page.locator("#om-wall-ticker .om-feed-item").first).to_be_visible(timeout=WAIT)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_text_outside_the_map_is_smaller_than_16px(page: Page, web: Web, lang: str) -> None:
    _many_alerts(web)
    _open_wall(page, web, lang, ticker=True)
    expect(page.locator(".om-wall-age .om-age")).not_to_have_text("--", timeout=WAIT)
    texts: list[dict[str, Any]] = page.evaluate(TEXTS_JS)
    assert len(texts) >= 20, texts  # header, tiles, ticker
    small = [t for t in texts if t["px"] < MIN_PX]
    assert not small, "text smaller than 16 px:\n" + "\n".join(f"  {t['px']}px {t['text']!r}" for t in small)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_newest_alerts_list_shows_whole_items(page: Page, web: Web, lang: str) -> None:
    _many_alerts(web)
    _open_wall(page, web, lang, ticker=True)
    page.wait_for_function("""() => { const l = document.getElementById("om-wall-ticker");
        return l.children.length >= 8 && (l.getAttribute("data-fit") || "").startsWith(l.children.length + ":"); }""",
                           timeout=WAIT)  # the list laid out for its current items
    page.wait_for_timeout(300)  # let the list settle after its last render; the checks below do not depend on it
    lists: list[dict[str, Any]] = page.evaluate(LISTS_JS)
    assert len(lists) == 1
    for lst in lists:
        left, top, right, bottom = lst["box"]
        assert len(lst["items"]) >= 4, lst  # the list still shows several alerts
        cut = [i for i in lst["items"] if i[0] < left - 0.5 or i[1] < top - 0.5 or i[2] > right + 0.5
               or i[3] > bottom + 0.5]
        assert not cut, f"items cut off by the list's box {lst['box']}: {cut}"
    shot(page, f"wall-room-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_labels_never_overlap_at_the_walls_zoom(page: Page, web: Web, lang: str) -> None:
    # a unit right on the east zone's label and next to the station B checkpoint's read
    web.publish(fix("P03", web.clock + 1, 22.505, 114.015, zone="E"), fix("P02", web.clock + 1, 22.5051, 114.0068))
    _open_wall(page, web, lang)
    label_pass(page, "om-wall-map")
    boxes = labels(page, "om-wall-map")
    shown = [b for b in boxes if not b["hidden"]]
    hidden = [b for b in boxes if b["hidden"]]
    assert sum(1 for b in shown if "om-unit-label" in b["cls"]) == 3, boxes  # callsigns come first
    shot(page, f"wall-labels-{lang}")
    assert overlaps(shown) == []
    # a label is hidden only because it would cover one that is shown
    assert all(overlaps([h, *shown]) for h in hidden), hidden


FOCUS_JS = """(id) => {
  const v = window.onemap.views["om-wall-map"], map = v.map, t = v.focusTarget;
  return map.getContainer().getAttribute("data-focus") === id && !!t && !v.moving &&
         Math.abs(map.getZoom() - t.zoom) < 1e-6 && map.latLngToContainerPoint(t.center).distanceTo(
           map.getSize().divideBy(2)) < 1;
}"""

VIEW_JS = """(id) => {
  const v = window.onemap.views["om-wall-map"], map = v.map, cfg = window.onemap.store.config;
  const b = cfg.bounds, nw = map.latLngToContainerPoint([b[1][0], b[0][1]]), se = map.latLngToContainerPoint([b[0][0], b[1][1]]);
  const box = map.getContainer().getBoundingClientRect();
  const r = document.querySelector(`#om-wall-map .om-alert[data-id="${id}"]`).getBoundingClientRect();
  const size = map.getSize();
  return {city: [nw.x, nw.y, se.x, se.y], size: [size.x, size.y], zoom: map.getZoom(),
          alert: [r.left - box.left, r.top - box.top, r.right - box.left, r.bottom - box.top]};
}"""


@pytest.mark.parametrize("spot", [(22.5004, 114.0006), (22.5058, 114.0102)], ids=["corner", "middle"])
def test_auto_focus_frames_a_red_alert_inside_the_city(page: Page, web: Web, spot: tuple[float, float]) -> None:
    _open_wall(page, web, "en")
    page.evaluate("window.onemap.views['om-wall-map'].opts.focusMs = 120000")  # stay on it while we look
    home_zoom = page.evaluate("window.onemap.views['om-wall-map'].map.getZoom()")
    n = 980 + len(web.alerts)
    red = web.alert(n, "red", spot[0], spot[1], type_="overspeed", subject=f"粤BM{n}", zone="W", checkpoint="",
                    text="overspeed")
    page.wait_for_function(FOCUS_JS, arg=red, timeout=WAIT)
    # the focus follows the alert push at once; the marker comes with the next summary (incidents)
    expect(page.locator(f'#om-wall-map .om-alert[data-id="{red}"]')).to_have_count(1, timeout=WAIT)
    view: dict[str, Any] = page.evaluate(VIEW_JS, red)
    shot(page, f"wall-focus-{red}")
    left, top, right, bottom = view["alert"]
    width, height = view["size"]
    assert left >= 0 and right <= width and top >= 0 and bottom <= height, view  # the alert is on screen
    cl, ct, cr, cb = view["city"]
    assert cl <= 1 and ct <= 1 and cr >= width - 1 and cb >= height - 1, view  # the view lies inside the city
    assert view["zoom"] > home_zoom, view  # closer than the whole city
