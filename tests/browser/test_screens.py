"""The screens in a real Chromium: command map, alerts tab, wall; live push, catch-up, no page errors.

Tests run in order on one app (the mini city); each writes to Redis what the worker would write.
Waits are generous deadlines, never timing assertions.
"""

from __future__ import annotations

import csv
import io
import time

import orjson
import pytest
from playwright.sync_api import Page, expect

from core.alerts import alert_json
from core.settings import DEFAULT_ESCALATE_S
from tests.browser.conftest import KEYS, T0, Web, fix, shot
from web.views import incidents as vi

pytestmark = pytest.mark.browser
WAIT = 15_000  # ms: a deadline for the page, not a performance figure


def _open(page: Page, web: Web, path: str = "/") -> None:
    page.goto(web.url + path)
    expect(page.locator("#om-root")).to_be_attached(timeout=WAIT)


def _tab(page: Page, key: str) -> None:
    page.locator(".om-tabs label", has=page.locator(f"input[value={key}]")).click()


def _open_red(web: Web) -> int:
    """Open incidents whose worst open alert is red (the header and the wall count incidents)."""
    acked = {k.decode() for k in web.client.hkeys(KEYS.alert_acks)}
    alerts = [alert_json(f) for _, f in web.client.xrange(KEYS.alerts)]
    return vi.counts_by_color(vi.standing(vi.group(alerts, 1800), acked, DEFAULT_ESCALATE_S, web.clock))["red"]


def test_01_command_map_renders_zones_units_vehicles_and_checkpoints(page: Page, web: Web) -> None:
    _open(page, web)
    expect(page.locator("#om-cmd-map path.om-zone")).to_have_count(2, timeout=WAIT)
    expect(page.locator("#om-cmd-map path.om-restricted")).to_have_count(2)
    expect(page.locator("#om-cmd-map .om-unit")).to_have_count(3, timeout=WAIT)
    expect(page.locator("#om-cmd-map .om-cp")).to_have_count(4)
    expect(page.locator(".om-zone-label", has_text="West")).to_have_count(1)
    expect(page.locator('.om-unit[data-id="P03"] .om-unit-label')).to_contain_text("东01")
    page.wait_for_function("window.onemap.views['om-cmd-map'].vehicles.size === 3", timeout=WAIT)
    expect(page.locator(".om-live.om-clock").first).to_have_text("2023-11-15 06:13:20", timeout=WAIT)
    expect(page.locator(".om-health-ok")).to_have_count(1, timeout=WAIT)
    # a unit moves: the marker follows without a page reload
    web.publish(fix("P01", T0 + 5, 22.5065, 114.0045))
    page.wait_for_function("""() => { const m = window.onemap.views['om-cmd-map'].units.get('P01');
                                      return Math.abs(m.getLatLng().lat - 22.5065) < 1e-6; }""", timeout=WAIT)
    shot(page, "01-command-map")


def test_02_alert_written_to_redis_appears_on_map_in_feed_and_table(page: Page, web: Web) -> None:
    _open(page, web)
    expect(page.locator("#om-cmd-map .om-unit")).to_have_count(3, timeout=WAIT)
    alert_id = web.alert(1, "red", 22.5035, 114.0075, subject="粤BZ9999")
    expect(page.locator(f'#om-cmd-map .om-alert.om-sev-red[data-id="{alert_id}"]')).to_have_count(1, timeout=WAIT)
    expect(page.locator(f'#om-feed .om-feed-item[data-alert="{alert_id}"]')).to_contain_text("粤BZ9999")
    expect(page.locator(".om-counts .om-sev-red")).to_have_text(str(_open_red(web)), timeout=WAIT)
    expect(page.locator("#om-cmd-map path.om-zone-red")).to_have_count(1, timeout=WAIT)  # zone W turns red
    shot(page, "02-alert-on-map")
    _tab(page, "alerts")
    row = page.locator("#om-al-table tr", has_text="粤BZ9999")
    expect(row.first).to_be_visible(timeout=WAIT)
    expect(row.first).to_contain_text("布控命中")
    shot(page, "02-alerts-tab")


def test_03_detail_panel_opens_on_click(page: Page, web: Web) -> None:
    _open(page, web)
    page.locator('#om-cmd-map .om-unit[data-id="P02"]').click(timeout=WAIT)
    detail = page.locator('#om-detail .om-detail[data-kind="unit"][data-id="P02"]')
    expect(detail).to_be_visible(timeout=WAIT)
    expect(detail).to_contain_text("西02")
    expect(detail).to_contain_text("32 公里/时")
    page.locator('#om-cmd-map .om-cp[data-id="B"]').click()
    cp = page.locator('#om-detail .om-detail[data-kind="checkpoint"][data-id="B"]')
    expect(cp).to_be_visible(timeout=WAIT)
    expect(cp.locator(".om-plate.om-watch-orange")).to_have_text("粤BT3001")
    shot(page, "03-detail-panel")
    # a vehicle is drawn on the canvas: click where the map puts it
    point = page.evaluate("""() => { const v = window.onemap.views['om-cmd-map'];
        const p = v.map.latLngToContainerPoint(v.vehicles.get('粤BC1001').getLatLng()); return [p.x, p.y]; }""")
    box = page.locator("#om-cmd-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    vehicle = page.locator('#om-detail .om-detail[data-kind="vehicle"][data-id="粤BC1001"]')
    expect(vehicle).to_be_visible(timeout=WAIT)
    expect(vehicle).to_contain_text("客运")


def test_04_clicking_an_alert_in_a_list_flies_the_map_to_it(page: Page, web: Web) -> None:
    _open(page, web)
    alert_id = web.alert(4, "orange", 22.5092, 114.0185, type_="restricted_entry", subject="粤BT3001", zone="E",
                         checkpoint="", text="truck entered RT")
    page.locator(f'#om-feed .om-feed-item[data-alert="{alert_id}"]').click(timeout=WAIT)
    page.wait_for_function("""() => { const c = window.onemap.views['om-cmd-map'].map.getCenter();
                                      return Math.abs(c.lat - 22.5092) < 2e-4 && Math.abs(c.lng - 114.0185) < 2e-4; }""",
                           timeout=WAIT)
    expect(page.locator(f'#om-detail .om-detail[data-kind="alert"][data-id="{alert_id}"]')).to_be_visible(
        timeout=WAIT)


def test_05_acknowledge_with_a_note_closes_the_alert_everywhere(page: Page, web: Web) -> None:
    alert_id = web.alert(5, "red", 22.5055, 114.0165, type_="cloned_plate", subject="粤BC1002", zone="E",
                         checkpoint="C", text="cloned plate 粤BC1002")
    _open(page, web)
    expect(page.locator(f'#om-cmd-map .om-alert[data-id="{alert_id}"]')).to_have_count(1, timeout=WAIT)
    _tab(page, "alerts")
    page.locator("#om-al-table tr", has_text="粤BC1002").locator('td[data-dash-column="subject"]').click(timeout=WAIT)
    expect(page.locator("#om-al-ack-picked")).to_contain_text("粤BC1002", timeout=WAIT)
    page.locator("#om-al-ack-button").click()
    expect(page.locator(".om-ack-message.om-error")).to_contain_text("note", timeout=WAIT)  # names the field
    assert web.client.hget(KEYS.alert_acks, alert_id) is None
    expect(page.locator("#om-al-ack-officer")).to_have_value("officer")  # the signed-in person, read-only
    assert page.locator("#om-al-ack-officer").get_attribute("readonly") is not None
    page.locator("#om-al-ack-note").fill("已核实，派车处置")
    page.locator("#om-al-ack-button").click()
    expect(page.locator(".om-ack-message.om-ok")).to_contain_text(alert_id, timeout=WAIT)
    ack = orjson.loads(web.client.hget(KEYS.alert_acks, alert_id))
    assert ack["by"] == "user:officer" and ack["note"] == "已核实，派车处置"
    audit = [f for _, f in web.client.xrange(KEYS.audit) if f[b"target"] == alert_id.encode()]
    assert len(audit) == 1 and audit[0][b"action"] == b"alert_ack" and audit[0][b"actor"] == b"user:officer"
    _tab(page, "command")
    expect(page.locator(f'#om-cmd-map .om-alert[data-id="{alert_id}"]')).to_have_count(0, timeout=WAIT)


def test_06_csv_export_holds_the_filtered_rows(page: Page, web: Web) -> None:
    _open(page, web)
    _tab(page, "alerts")
    expect(page.locator("#om-al-table tr", has_text="粤BC1002").first).to_be_visible(timeout=WAIT)
    page.locator("#om-al-plate").fill("BC1002")
    page.locator("#om-al-plate").press("Enter")
    expect(page.locator("#om-al-table tbody tr")).to_have_count(2, timeout=WAIT)  # header row + one alert
    with page.expect_download(timeout=WAIT) as dl:
        page.locator("#om-al-export").click()
    text = dl.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "alert_id" and len(rows) == 2 and rows[1][4] == "粤BC1002"


def test_07_reconnects_by_itself_and_catches_up(page: Page, web: Web, errors: list[str]) -> None:
    _open(page, web)
    expect(page.locator(".om-link.om-link-up")).to_have_count(1, timeout=WAIT)
    expect(page.locator("#om-cmd-map .om-unit")).to_have_count(3, timeout=WAIT)
    page.route("**/socket.io/**", lambda route: route.abort())  # the server is "down" for this page
    eio = web.socketio.server.eio
    for sock in list(eio.sockets.values()):
        sock.close(wait=False, abort=True)  # the connection drops without a goodbye
    expect(page.locator(".om-link.om-link-down")).to_have_count(1, timeout=WAIT)
    missed = web.alert(7, "red", 22.5045, 114.0125, type_="watchlist_hit", subject="粤BZ9999", zone="E",
                       checkpoint="C")
    deadline = time.monotonic() + 10
    while web.bridge.emitted_alert != web.client.xrevrange(KEYS.alerts, count=1)[0][0].decode():
        assert time.monotonic() < deadline, "the bridge did not push the alert"
        time.sleep(0.05)
    # the same plate as alert 1, minutes later: it joins that incident's marker as its latest sighting
    assert page.locator(f'#om-cmd-map .om-alert[data-latest="{missed}"]').count() == 0
    assert not page.evaluate(f"window.onemap.store.alerts.has('{missed}')")
    page.unroute("**/socket.io/**")
    expect(page.locator(".om-link.om-link-up")).to_have_count(1, timeout=30_000)
    expect(page.locator(f'#om-cmd-map .om-alert[data-latest="{missed}"]')).to_have_count(1, timeout=WAIT)
    page.wait_for_function(f"window.onemap.store.alerts.has('{missed}')", timeout=WAIT)  # caught up
    errors[:] = [e for e in errors if "socket.io" not in e and "ERR_FAILED" not in e
                 and "Failed to load resource" not in e]


def test_08_wall_renders_tiles_ticker_and_data_age(page: Page, web: Web) -> None:
    web.publish(fix("P03", web.clock + 1, 22.5052, 114.0152, zone="E"))
    _open(page, web, "/wall")
    expect(page.locator(".om-wall")).to_be_visible(timeout=WAIT)
    expect(page.locator(".om-tile-sev.om-sev-red .om-count")).to_have_text(str(_open_red(web)), timeout=WAIT)
    expect(page.locator(".om-tile-unit.om-unit-available .om-count")).to_have_text("3", timeout=WAIT)
    expect(page.locator(".om-tile-unit.om-unit-offline .om-count")).to_have_text("0")
    expect(page.locator("#om-wall-ticker .om-feed-item").first).to_be_visible(timeout=WAIT)
    expect(page.locator("#om-wall-map .om-unit")).to_have_count(3, timeout=WAIT)
    expect(page.locator(".leaflet-control-zoom")).to_have_count(0)  # read-only: no controls
    expect(page.locator(".om-wall-age .om-age:not(.om-stalled)")).to_have_count(1, timeout=WAIT)
    red = web.alert(8, "red", 22.5015, 114.0175, type_="restricted_entry", subject="粤BH2002", zone="E",
                    checkpoint="", text="hazmat entered RT")
    expect(page.locator(f'#om-wall-map[data-focus="{red}"]')).to_have_count(1, timeout=WAIT)  # focuses it
    shot(page, "08-wall")
    page.evaluate("window.onemap.store.lastData = Date.now() - 31000")  # nothing new for 31 s
    expect(page.locator(".om-wall-age .om-age.om-stalled")).to_have_count(1, timeout=WAIT)
    web.publish(fix("P03", web.clock + 1, 22.5053, 114.0153, zone="E"))  # the feed comes back
    expect(page.locator(".om-wall-age .om-age:not(.om-stalled)")).to_have_count(1, timeout=WAIT)


def test_09_language_switch_to_english(page: Page, web: Web) -> None:
    _open(page, web)
    page.locator(".om-lang label", has_text="EN").click()
    expect(page.locator("#om-root.lang-en")).to_have_count(1, timeout=WAIT)
    expect(page.locator(".om-tabs label").first).to_have_text("Command map", use_inner_text=True)
    expect(page.locator(".om-zone-label .i18n-en", has_text="West")).to_be_visible()
    expect(page.locator(".om-zone-label .i18n-zh", has_text="西区")).to_be_hidden()
    shot(page, "09-english")


def test_10_pushes_leave_no_trace_in_the_page(page: Page, web: Web) -> None:
    """A wall runs for days: pushed data must not pile up in Dash's store or in the map's lists."""
    _open(page, web, "/wall")
    expect(page.locator("#om-wall-map .om-unit")).to_have_count(3, timeout=WAIT)
    past = "window.dash_stores[0].getState().history.past.length"
    before = page.evaluate(past)
    ts = web.clock
    for batch in range(40):
        ts += 1
        web.publish(*[fix(f"粤BQ{i:04d}", ts, 22.501 + i * 1e-5, 114.001 + batch * 1e-5, kind="other")
                      for i in range(300)])
    page.wait_for_function(f"window.onemap.store.subjects.get('粤BQ0299')?.[5] === {ts}", timeout=WAIT)
    assert page.evaluate(past) == before
    assert page.evaluate("window.onemap.store.subjects.size") == 3 + 3 + 300  # units, vehicles, the new ones
    assert page.evaluate("window.onemap.views['om-wall-map'].vehicles.size") == 3 + 300


STORE_READS = """(() => {  // record every read of Dash's private store list made by OneMap's own code
  let stores; window.__omStoreReads = [];
  Object.defineProperty(window, "dash_stores", {configurable: true,
    get() {
      const caller = (new Error().stack || "").split("\\n")[2] || "";  // [0] Error, [1] this getter
      if (/\\/assets\\/onemap_/.test(caller)) window.__omStoreReads.push(caller.trim());
      return stores;
    },
    set(v) { stores = v; }});
})();"""


def test_11_pushes_arrive_through_the_page_s_own_socket_io_client(page: Page, web: Web) -> None:
    """The page opens its own Socket.IO connection (vendored client); a pushed alert is drawn with
    no Dash callback request at all, and OneMap's scripts never read Dash's private store."""
    page.add_init_script(STORE_READS)
    scripts: list[str] = []
    dash_posts: list[str] = []
    frames: list[str] = []
    page.on("request", lambda req: scripts.append(req.url) if req.resource_type == "script" else None)
    page.on("request", lambda req: dash_posts.append(req.post_data or "")
            if "/_dash-update-component" in req.url else None)
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f if isinstance(f, str) else ""))
            if "/socket.io/" in ws.url else None)
    _open(page, web)
    expect(page.locator(".om-link.om-link-up")).to_have_text("实时", timeout=WAIT)
    expect(page.locator("#om-cmd-map .om-unit")).to_have_count(3, timeout=WAIT)
    page.wait_for_function("window.onemap.socket.io.engine.transport.name === 'websocket'", timeout=WAIT)
    assert any("/assets/vendor/socket.io-client/socket.io.min.js" in u for u in scripts)
    assert not [u for u in scripts if "dash_socketio" in u]
    layout = page.request.get(web.url + "/_dash-layout").text()
    assert '"id":"om-page"' in layout and "DashSocketIO" not in layout and "om-socket" not in layout

    settled, deadline = -1, time.monotonic() + 20  # the page's own start-up callbacks come to an end
    while settled != len(dash_posts):
        assert time.monotonic() < deadline, "the page kept calling Dash callbacks"
        settled = len(dash_posts)
        page.wait_for_timeout(1000)
    alert_id = web.alert(11, "red", 22.5025, 114.0135, type_="watchlist_hit", subject="粤BZ1111", zone="E")
    marker = page.locator(f'#om-cmd-map .om-alert.om-sev-red[data-id="{alert_id}"]')
    expect(marker).to_have_count(1, timeout=WAIT)
    expect(page.locator(f'#om-feed .om-feed-item[data-alert="{alert_id}"]')).to_contain_text("粤BZ1111", timeout=WAIT)
    expect(page.locator(".om-counts .om-sev-red")).to_have_text(str(_open_red(web)), timeout=WAIT)  # summary too
    drawn_at = page.evaluate(f"""() => {{ const m = window.onemap.views['om-cmd-map'];
        let at = null; m.map.eachLayer(l => {{ const el = l.getElement && l.getElement();
            if (el && el.getAttribute('data-id') === {alert_id!r}) at = l.getLatLng(); }}); return at; }}""")
    assert drawn_at is not None and abs(drawn_at["lat"] - 22.5025) < 1e-6 and abs(drawn_at["lng"] - 114.0135) < 1e-6
    assert any(alert_id in f for f in frames)  # it came over the page's websocket
    assert dash_posts[settled:] == []  # and no Dash callback carried or followed it
    assert page.evaluate("window.__omStoreReads") == []


def test_12_a_screen_that_missed_alerts_asks_for_them_and_gets_them(page: Page, web: Web) -> None:
    """An ``alerts`` push whose ``after`` is not the newest id the screen holds makes it emit
    ``catchup``; the alerts it missed come back and are drawn."""
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda f: sent.append(f if isinstance(f, str) else ""))
            if "/socket.io/" in ws.url else None)
    _open(page, web)
    expect(page.locator(".om-link.om-link-up")).to_have_count(1, timeout=WAIT)
    web.alert(11, "blue", 22.5041, 114.0141, type_="unit_offline", subject="P03", zone="E", checkpoint="")
    before = web.client.xrevrange(KEYS.alerts, count=1)[0][0].decode()
    missed = web.alert(12, "orange", 22.5042, 114.0142, type_="overspeed", subject="粤BS1212", zone="E",
                       checkpoint="", text="overspeed")
    expect(page.locator(f'#om-cmd-map .om-alert[data-id="{missed}"]')).to_have_count(1, timeout=WAIT)
    page.wait_for_function("window.onemap.socket.io.engine.transport.name === 'websocket'", timeout=WAIT)
    # this screen "never got" it: forget it and hold the id before it (markers and the feed are drawn from
    # the incidents of the summary push, which the server rebuilds each second; the alerts the page holds
    # are what catch-up restores)
    held = f"window.onemap.store.alerts.has({missed!r})"
    page.evaluate(f"""() => {{ const s = window.onemap.store; s.alerts.delete({missed!r}); s.lastAlertId = {before!r}; }}""")
    assert page.evaluate(held) is False
    asked = len([f for f in sent if '"catchup"' in f])
    nxt = web.alert(13, "red", 22.5048, 114.0148, type_="watchlist_hit", subject="粤BS1313", zone="E")
    expect(page.locator(f'#om-cmd-map .om-alert[data-id="{nxt}"]')).to_have_count(1, timeout=WAIT)
    page.wait_for_function(held, timeout=WAIT)
    expect(page.locator(f'#om-cmd-map .om-alert[data-id="{missed}"]')).to_have_count(1, timeout=WAIT)
    expect(page.locator("#om-feed .om-feed-item", has_text="粤BS1212")).to_have_count(1, timeout=WAIT)
    gaps = [f for f in sent if '"catchup"' in f][asked:]
    assert gaps and before in gaps[0]  # it asked from the id it held
