"""Every marker is drawn where its latitude/longitude is: units, checkpoints, alerts, zone labels and
vehicle badges, on the command map and on the wall, in both languages.

Alerts written here are red ones in zone W only (the screens tests expect zone E to stay uncolored)
and of other severities elsewhere.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Web, shot
from tests.browser.measure import label_pass, markers

pytestmark = pytest.mark.browser
WAIT = 15_000  # ms: a deadline for the page, not a performance figure
TOLERANCE = 3.0  # px
MAPS = {"/": "om-cmd-map", "/wall": "om-wall-map"}


def _alerts(web: Web) -> list[str]:
    """Alerts spread over the city (idempotent: the same ids every call)."""
    spots = [("red", 22.5065, 114.0085, "W"), ("orange", 22.5085, 114.0125, "E"), ("yellow", 22.5015, 114.0195, "E"),
             ("blue", 22.5092, 114.0012, "W"), ("red", 22.5012, 114.0052, "W")]
    have = {a for a in web.alerts}
    out = []
    for i, (sev, lat, lon, zone) in enumerate(spots):
        alert_id = f"overspeed-test{900 + i:04d}"
        if alert_id not in have:
            web.alert(900 + i, sev, lat, lon, type_="overspeed", subject=f"粤BM{900 + i}", zone=zone, checkpoint="",
                      text="overspeed")
        out.append(alert_id)
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", list(MAPS))
def test_every_marker_is_drawn_on_its_position(page: Page, web: Web, path: str, lang: str) -> None:
    alert_ids = _alerts(web)
    map_id = MAPS[path]
    page.goto(f"{web.url}{path}?lang={lang}")
    expect(page.locator(f"#om-root.lang-{lang}")).to_have_count(1, timeout=WAIT)
    for alert_id in alert_ids:
        expect(page.locator(f'#{map_id} .om-alert[data-id="{alert_id}"]')).to_have_count(1, timeout=WAIT)
    expect(page.locator(f"#{map_id} .om-unit")).to_have_count(3, timeout=WAIT)
    page.wait_for_function(f"window.onemap.views['{map_id}'].vehicles.size === 3 && "
                           f"[...window.onemap.views['{map_id}'].vehicles.values()].every(m => m._omOn)", timeout=WAIT)
    label_pass(page, map_id)
    shot(page, f"markers-{map_id}-{lang}")
    seen = markers(page, map_id)
    counts: dict[str, int] = {}
    for m in seen:
        counts[m["kind"]] = counts.get(m["kind"], 0) + 1
    n_alerts = page.evaluate(f"window.onemap.views['{map_id}'].alertMarkers.size")
    assert counts == {"unit": 3, "checkpoint": 4, "alert": n_alerts, "zone-label": 2, "restricted-label": 2,
                      "vehicle": 3}, counts
    off = [m for m in seen if max(abs(m["dx"]), abs(m["dy"])) > TOLERANCE]
    assert not off, "drawn away from their position (px):\n" + "\n".join(
        f"  {m['kind']} {m['id']}: dx={m['dx']:.1f} dy={m['dy']:.1f}" for m in off)


def test_labels_stay_centered_after_a_language_switch(page: Page, web: Web) -> None:
    _alerts(web)
    page.goto(web.url + "/")
    expect(page.locator("#om-root.lang-zh")).to_have_count(1, timeout=WAIT)
    expect(page.locator("#om-cmd-map .om-unit")).to_have_count(3, timeout=WAIT)
    page.locator(".om-lang label", has_text="EN").click()
    expect(page.locator("#om-root.lang-en")).to_have_count(1, timeout=WAIT)
    expect(page.locator(".om-zone-label .i18n-en", has_text="West")).to_be_attached()
    label_pass(page, "om-cmd-map")
    seen = markers(page, "om-cmd-map")
    assert len([m for m in seen if m["kind"].endswith("label")]) == 4
    off = [m for m in seen if max(abs(m["dx"]), abs(m["dy"])) > TOLERANCE]
    assert not off, "drawn away from their position (px):\n" + "\n".join(
        f"  {m['kind']} {m['id']}: dx={m['dx']:.1f} dy={m['dy']:.1f}" for m in off)
