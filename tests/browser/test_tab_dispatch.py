"""The Dispatch tab in real Chromium (this file runs after test_screens*, which read the event clock
at its start; it moves the clock on): an officer picks an alert, reads the ranked candidates
(callsign, ETA, intercept station and margin), sees each drawn on the tab's map at its position with
its line to where it would go, clicks ``Dispatch {callsign}``, and the board follows the order
through the unit's answers without a reload. A wall session cannot dispatch."""

from __future__ import annotations

from typing import Any

import orjson
from playwright.sync_api import Browser, Page, expect

from api.dispatch import ack_order, candidates_for, load_units
from city.citypack import load_city_pack
from core.alerts import find_alert
from tests.browser.conftest import KEYS, MINI, Web, fix, shot, sign_in
from tests.browser.measure import dispatch_markers
from web.views import dispatch as vdp
from web.views.alertline import line_names

WAIT = 15_000  # ms: a deadline for the page, not a performance figure
TOLERANCE = 3.0  # px
CITY = load_city_pack(MINI)


def _orders_of(web: Web, alert_id: str) -> list[dict[str, Any]]:
    return [o for v in web.client.hvals(KEYS.orders) if (o := orjson.loads(v))["alert_id"] == alert_id]


def _watchlist_hit(web: Web, n: int) -> tuple[str, list[dict[str, Any]]]:
    """Fresh fixes for the three units and a plate read at checkpoint A, upstream of stations B and D;
    the candidates the page should show, computed as the server ranks them."""
    ts = web.clock + 1
    web.publish(fix("P01", ts, 22.505, 114.004), fix("P02", ts, 22.507, 114.006, heading="180"),
                fix("P03", ts, 22.505, 114.015, zone="E"))
    alert_id = web.alert(n, "red", 22.505, 114.001, type_="watchlist_hit", subject=f"粤BD{n}", checkpoint="A",
                         text="dispatch test")
    alert = find_alert(web.client, KEYS, alert_id)
    assert alert is not None
    rows = vdp.candidate_rows(candidates_for(web.client, KEYS, CITY, alert), line_names(CITY), "en")
    return alert_id, rows


def test_an_officer_dispatches_from_the_tab_and_the_board_follows_the_answers(page: Page, web: Web) -> None:
    alert_id, expected = _watchlist_hit(web, 8001)
    assert len(expected) == 3 and any(r["station"] for r in expected)
    page.goto(f"{web.url}/?lang=en")
    tab = page.locator(".om-tabs label", has=page.locator("input[value=dispatch]"))
    expect(tab).to_have_text("Dispatch", use_inner_text=True, timeout=WAIT)
    tab.click()
    pick = page.locator(f'#om-dp-queue .om-dp-pick[data-alert="{alert_id}"]')
    expect(pick).to_contain_text("粤BD8001 on the watchlist at Checkpoint A", timeout=WAIT)
    pick.click()

    rows = page.locator("#om-dp-candidates tr.om-dp-cand")
    expect(rows).to_have_count(3, timeout=WAIT)
    shown = [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(3)]
    assert shown == [[str(r["rank"]), r["callsign"], r["status_text"], r["distance"], r["eta"], r["station"],
                      r["margin"], r["button"]] for r in expected]
    intercept = next(r for r in expected if r["station"])
    assert intercept["station"].startswith("Station ") and intercept["margin"].startswith("+")

    # on the map: each unit where its position projects, labelled, with its line to where it would go
    fixes = {u.unit: (u.lat, u.lon) for u in load_units(web.client, KEYS, CITY)}
    expect(page.locator("#om-dp-map .om-dp-unit")).to_have_count(3, timeout=WAIT)
    page.wait_for_function("window.onemap.maps['om-dp-map'].getSize().x > 300", timeout=WAIT)
    points = [{"unit": r["unit"], "lat": fixes[r["unit"]][0], "lon": fixes[r["unit"]][1], "to_lat": r["lat"],
               "to_lon": r["lon"]} for r in expected]
    seen = dispatch_markers(page, "om-dp-map", points)
    shot(page, "dispatch-tab-candidates")
    for m, r in zip(seen, expected, strict=True):
        assert m["found"] and m["label"] == r["callsign"], m
        assert max(abs(m["dx"]), abs(m["dy"])) <= TOLERANCE, m
        assert m["line"] and m["line_px"] > 20, m  # a visible line from the unit to its station or the alert

    first = expected[0]
    page.get_by_role("button", name=f"Dispatch {first['callsign']}").click()
    expect(page.locator("#om-dp-message.om-ok")).to_contain_text(f"Dispatched: {first['callsign']}", timeout=WAIT)
    (order,) = _orders_of(web, alert_id)
    assert (order["unit"], order["issued_by"], order["status"]) == (first["unit"], "user:officer", "issued")
    board_row = page.locator(f'#om-dp-board tr[data-order="{order["order_id"]}"]')
    expect(board_row).to_contain_text(first["callsign"], timeout=WAIT)
    expect(board_row.locator(".om-dp-status")).to_have_text("Dispatched", timeout=WAIT)
    accept_timer = board_row.locator("td").nth(3)
    expect(accept_timer).to_have_text("0 s", timeout=WAIT)  # time to accept, on the event clock

    # 75 s of event time pass with no answer (CC_ACCEPT_S is 60): overdue, flashing, escalated once,
    # and the next best unit is offered
    web.publish(*[fix(u, web.clock + 75, *fixes[u], zone="E" if u == "P03" else "W") for u in ("P01", "P02", "P03")])
    expect(accept_timer).to_have_text("1 min 15 s · overdue", timeout=WAIT)
    expect(accept_timer).to_have_class("om-dp-timer om-dp-overdue om-dp-live")
    expect(accept_timer).to_have_css("animation-name", "om-dp-flash")  # it flashes
    expect(board_row.locator(".om-dp-esc-tag")).to_have_text("ESCALATED", timeout=WAIT)
    alert = find_alert(web.client, KEYS, alert_id)
    assert alert is not None
    nxt = vdp.next_candidate(candidates_for(web.client, KEYS, CITY, alert), {first["unit"]})
    assert nxt is not None and nxt.unit != first["unit"]
    expect(board_row.get_by_role("button", name=f"Dispatch {nxt.callsign}")).to_be_visible(timeout=WAIT)
    expect(page.locator("#om-dp-notice")).to_contain_text(f"{first['callsign']} did not accept in 60 s", timeout=WAIT)
    escalations = [f for _, f in web.client.xrange(KEYS.audit) if f[b"action"] == b"escalate"
                   and f[b"target"] == order["order_id"].encode()]
    assert len(escalations) == 1 and escalations[0][b"actor"] == b"user:officer"

    ack_order(web.client, KEYS, order, "accepted", actor=f"token:unit:{first['unit']}")  # as the API answers
    expect(board_row.locator(".om-dp-status")).to_have_text("Accepted", timeout=WAIT)  # no reload
    expect(accept_timer).to_have_text("1 min 15 s · overdue")  # it took that long
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    shot(page, "dispatch-tab-board")
    ack_order(web.client, KEYS, {**order, "status": "accepted"}, "declined", actor=f"token:unit:{first['unit']}")
    expect(board_row).to_have_class("om-dp-row om-dp-closed", timeout=WAIT)  # greyed, still shown


def test_a_wall_session_cannot_dispatch(browser: Browser, web: Web) -> None:
    alert_id, expected = _watchlist_hit(web, 8002)
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, web.url, "wall")
    page.goto(f"{web.url}/?lang=en")
    assert page.url.split("?")[0].endswith("/wall")  # the wall sees only the wall
    expect(page.locator("#om-wall-map")).to_be_visible(timeout=WAIT)
    assert page.get_by_role("button", name=f"Dispatch {expected[0]['callsign']}").count() == 0
    # and posting the dispatch callback from the wall's own page is refused, nothing written
    button = {"alert": alert_id, "type": "om-dp-send", "unit": expected[0]["unit"], "where": "cand"}
    answer = page.evaluate("""async (button) => {
      const outputs = [["om-dp-message", "children"], ["om-dp-message", "className"], ["om-dp-done", "data"]];
      const body = {output: ".." + outputs.map(o => o.join(".")).join("...") + "..",
        outputs: outputs.map(o => ({id: o[0], property: o[1]})),
        changedPropIds: [JSON.stringify(button) + ".n_clicks"],
        inputs: [[{id: button, property: "n_clicks", value: 1}]],
        state: [{id: "om-dp-done", property: "data", value: 0}, {id: "om-lang", property: "data", value: "en"}]};
      const r = await fetch("/_dash-update-component", {method: "POST", headers: {"Content-Type": "application/json"},
                                                         body: JSON.stringify(body)});
      return [r.status, await r.text()];
    }""", button)
    assert answer[0] == 200, answer
    assert "This account may not dispatch" in answer[1]
    assert _orders_of(web, alert_id) == []
    context.close()


def test_an_alert_picked_on_the_command_map_opens_in_the_dispatch_tab(page: Page, web: Web) -> None:
    alert_id, expected = _watchlist_hit(web, 8003)
    page.goto(f"{web.url}/?lang=en")
    item = page.locator(f'#om-feed .om-feed-item[data-alert="{alert_id}"]')
    expect(item).to_be_visible(timeout=WAIT)
    item.click()
    expect(page.locator("#om-detail .om-detail-alert")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Dispatch a unit").click()
    expect(page.locator(".om-tabs label:has(input:checked)")).to_have_text("Dispatch", use_inner_text=True, timeout=WAIT)
    expect(page.locator(f'#om-dp-alert [data-alert="{alert_id}"]')).to_contain_text(
        "粤BD8003 on the watchlist at Checkpoint A", timeout=WAIT)
    expect(page.get_by_role("button", name=f"Dispatch {expected[0]['callsign']}")).to_be_visible(timeout=WAIT)


def test_the_ranking_holds_still_under_pushes_until_refreshed(page: Page, web: Web) -> None:
    alert_id, expected = _watchlist_hit(web, 8004)
    page.goto(f"{web.url}/?lang=en")
    page.locator(".om-tabs label", has=page.locator("input[value=dispatch]")).click()
    page.locator(f'#om-dp-queue .om-dp-pick[data-alert="{alert_id}"]').click()
    rows = page.locator("#om-dp-candidates tr.om-dp-cand")
    expect(rows).to_have_count(3, timeout=WAIT)
    p03 = page.locator('#om-dp-candidates tr.om-dp-cand[data-unit="P03"] td').nth(3)
    before = p03.inner_text().strip()
    assert before == next(r["distance"] for r in expected if r["unit"] == "P03")

    # P03 drives right up to the alert, and new alerts are pushed: the table an officer is about to
    # click does not reorder under the cursor...
    web.publish(fix("P03", web.clock + 5, 22.5051, 114.0011, zone="E"))
    web.alert(8005, "blue", 22.506, 114.002, type_="overspeed", subject="粤BD8005", checkpoint="", text="push")
    expect(page.locator('#om-dp-queue .om-dp-pick[data-alert="overspeed-test8005"]')).to_have_count(1, timeout=WAIT)
    assert p03.inner_text().strip() == before
    # ...until they ask for the ranking again
    page.get_by_role("button", name="Refresh ranking").click()
    expect(p03).not_to_have_text(before, timeout=WAIT)
    alert = find_alert(web.client, KEYS, alert_id)
    assert alert is not None
    now = vdp.candidate_rows(candidates_for(web.client, KEYS, CITY, alert), line_names(CITY), "en")
    expect(p03).to_have_text(next(r["distance"] for r in now if r["unit"] == "P03"))  # as the server ranks it now
