"""A real recorded day in real Chromium, on the Chicago pack (275 real beats, 915 real crimes of
2017-08-04; the beat cars of district 1 are simulated, data/chicago/README.md).

- A trainer (an officer) opens Replay, chooses the real Chicago recording, seeks on the timeline to
  just before a zone exit found here from the recording and the beats alone, plays at 60x and sees
  the alert happen again (its text listed), the cars drawn where the recording has them at the
  playhead, and the crimes of the playhead's hour drawn as hotspots.
- A supervisor opens Coverage on last night's shift and sees the crimes no car came near, per beat
  and hour, as the API counts them, and the hotspot layer of one hour drawn where the crimes were.

This module serves its own app on the Chicago pack (``CITY_PACK=data/chicago``, as a city would run
it) under its own key prefix on the session's Redis; the Replay tab's sandbox worker runs on that pack,
so the recording's beat cars are its units. The live track store holds the same recorded day, so the
Coverage tab has a night to show.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
import shapely
from playwright.sync_api import Browser, Page, expect

from api.coverage import city_coverage_for
from city.citypack import CityPack, load_city_pack
from city.incidents import load_incidents
from core.keys import Keys
from core.model import Kind, Ping
from core.settings import ROOT, Settings
from runner.embedded import EmbeddedRedis
from streams.commit import Scripts, queue_track_store
from streams.recording import Line, load_recording
from tests.browser.conftest import serving, shot, sign_in
from tests.browser.measure import REPLAY_DOTS_JS
from web.sandboxes import sandbox_prefix
from web.views.replay import lead_in

pytestmark = pytest.mark.browser
LIVE = Keys("rpchi")
SANDBOX = Keys(sandbox_prefix("rpchireplay", "officer"))  # the officer's own sandbox (web/sandboxes.py)
CHICAGO = ROOT / "data" / "chicago"
RECORDINGS = ROOT / "data" / "recordings"
NAME = "chicago_crimes.jsonl"
TZ = ZoneInfo("America/Chicago")
DAY = 1501822800.0  # 2017-08-04 00:00 in Chicago
CLOCK = DAY + 33 * 3600  # 2017-08-05 09:00: last night's shift (20:00-08:00) is over
WAIT = 60_000  # ms: a deadline for the page, not a performance figure
TOLERANCE = 3.0  # px

# The centre of a circle drawn on a map (an SVG path, found by its class) against its lat/lon.
CIRCLE_JS = """([mapId, cls, lat, lon]) => {
  const map = window.onemap.maps[mapId], box = map.getContainer().getBoundingClientRect();
  const el = map.getContainer().querySelector(`path.${cls}`);
  if (!el) return {found: false};
  const r = el.getBoundingClientRect(), q = map.latLngToContainerPoint([lat, lon]);
  return {found: true, dx: r.left - box.left + r.width / 2 - q.x, dy: r.top - box.top + r.height / 2 - q.y,
          w: r.width, inside: q.x > 0 && q.y > 0 && q.x < box.width && q.y < box.height};
}"""

# Where on the page a local time of the timeline's x axis is (the plotly figure's own axis).
TIMELINE_JS = """(x) => {
  const gd = document.querySelector('#om-rp-timeline .js-plotly-plot');
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
  return {x: r.left + xa._offset + xa.l2p(xa.d2l(x)), y: r.top + ya._offset + ya.l2p(0.5)};
}"""


def _local(ts: float) -> str:
    return datetime.fromtimestamp(ts, TZ).strftime("%Y-%m-%d %H:%M:%S")


def zone_exits(city: CityPack, lines: list[Line]) -> list[tuple[float, str]]:
    """When a beat car's fix is outside its beat right after one inside it (the outline included):
    found from the recording and the beats alone, not by the worker."""
    was_in: dict[str, bool] = {}
    out = []
    for ln in lines:
        unit = str(ln.fields["id"])
        beat = city.zones_by_id[city.units[unit].zone].geometry
        inside = bool(shapely.intersects_xy(beat, float(ln.fields["lon"]), float(ln.fields["lat"])))
        if was_in.get(unit) and not inside:
            out.append((ln.ts, unit))
        was_in[unit] = inside
    return out


@pytest.fixture(scope="module")
def day() -> list[Line]:
    lines, refused = load_recording(RECORDINGS / NAME)
    assert not refused and len(lines) == 31_680
    return lines


@pytest.fixture(scope="module")
def city() -> CityPack:
    return load_city_pack(CHICAGO)


@pytest.fixture(scope="module")
def site(redis_server: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory,
         day: list[Line]) -> Iterator[tuple[str, redis.Redis, Path]]:
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    for key in client.scan_iter(match="rpchi*"):
        client.delete(key)
    pings = [Ping(str(ln.fields["id"]), float(ln.fields["lat"]), float(ln.fields["lon"]), ln.ts, kind=Kind.UNIT,
                  speed_kmh=float(ln.fields["speed"])) for ln in day]
    with client.pipeline(transaction=True) as pipe:  # the recorded day in the live track store
        queue_track_store(pipe, LIVE, pings, Scripts.register(client).store, 86_400.0)
        pipe.execute()
    client.set(LIVE.clock, str(int(CLOCK)))
    data_dir = tmp_path_factory.mktemp("chicago-web")
    settings = Settings(redis_url=redis_server.url, city_pack=CHICAGO, demo=False, tile_url="", prefix=LIVE.prefix,
                        data_dir=data_dir, recordings_dir=RECORDINGS)
    with serving(settings, redis_server.url) as url:
        yield url, client, data_dir
    client.close()


def _page(browser: Browser, url: str, name: str, errors: list[str]) -> Page:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    # the browser asks for /favicon.ico by itself on the sign-in page (the app serves none)
    page.on("console", lambda m: errors.append(f"console: {m.text} {m.location}")
            if m.type == "error" and "favicon.ico" not in str(m.location) else None)
    sign_in(page, url, name)
    page.goto(f"{url}/?lang=en")
    expect(page.locator(".om-tabs")).to_be_visible(timeout=WAIT)
    return page


def _open(page: Page, tab: str) -> None:
    page.locator(".om-tabs label", has=page.locator(f"input[value={tab}]")).click()


def _playhead(page: Page) -> float:
    text = page.locator("#om-rp-clock").inner_text()
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=TZ).timestamp()


def _at(lines: list[Line], playhead: float) -> dict[str, tuple[float, float]]:
    """Each car's position in the recording at the playhead: its last fix no later than it."""
    out: dict[str, tuple[float, float]] = {}
    for ln in lines:
        if ln.ts <= playhead:
            out[str(ln.fields["id"])] = (float(ln.fields["lat"]), float(ln.fields["lon"]))
    return out


def test_a_trainer_replays_the_real_chicago_day_at_60x_and_sees_the_zone_exit_again(
        browser: Browser, site: tuple[str, redis.Redis, Path], day: list[Line], city: CityPack) -> None:
    url, client, _ = site
    exits = zone_exits(city, day)
    assert len(exits) == 25  # as data/chicago/README.md says the worker finds
    # a zone exit of the afternoon with none in the quarter of an hour before it
    exit_ts, unit = next((t, u) for (t, u), (p, _) in zip(exits[1:], exits, strict=False)
                         if t - p >= 900 and t >= DAY + 12 * 3600)
    times = [ln.ts for ln in day]
    start, end = lead_in(times), max(times)
    # the timeline's seek band: 201 points over the span; the last one at least a minute before the exit
    i = int((exit_ts - 60 - start) / (end - start) * 200)
    seek_to = start + (end - start) * i / 200
    assert exit_ts - 60 - 7 * 60 < seek_to <= exit_ts - 60

    errors: list[str] = []
    page = _page(browser, url, "officer", errors)
    _open(page, "replay")
    page.get_by_label(NAME).check(timeout=WAIT)
    expect(page.locator("#om-rp-status")).to_contain_text(NAME, timeout=WAIT)
    page.get_by_label("60×").check()
    expect(page.locator("#om-rp-clock")).to_have_text(_local(start), timeout=WAIT)

    # seek: click the timeline where the playhead should go (a person aims at the time on its axis)
    page.wait_for_function("() => { const g = document.querySelector('#om-rp-timeline .js-plotly-plot');"
                           " return g && g._fullLayout && g._fullLayout.xaxis && g.data && g.data.length > 0; }",
                           timeout=WAIT)
    where = page.evaluate(TIMELINE_JS, _local(seek_to))
    page.mouse.move(where["x"], where["y"])
    page.mouse.click(where["x"], where["y"])
    expect(page.locator("#om-rp-clock")).to_have_text(_local(seek_to), timeout=WAIT)
    assert not [f for _, f in client.xrange(SANDBOX.alerts) if float(f["ts"]) >= seek_to]  # nothing written past it

    # play at 60x: the car leaves its beat again, and its alert is listed with its text
    page.get_by_role("button", name="Play").click()
    expect(page.locator("#om-rp-status")).to_contain_text("playing", timeout=WAIT)
    callsign = city.units[unit].callsign
    row = page.locator("#om-rp-alerts .om-rp-alert").filter(has_text=f"{unit} {callsign} left patrol zone")
    expect(row.first).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#om-rp-status")).to_contain_text("paused", timeout=WAIT)
    again = [f for _, f in client.xrange(SANDBOX.alerts) if f["type"] == "zone_exit" and f["subject"] == unit
             and float(f["ts"]) == exit_ts]
    assert len(again) == 1, again
    listed = page.locator(f'#om-rp-alerts .om-rp-alert[data-id="{again[0]["alert_id"]}"]')
    expect(listed).to_contain_text(again[0]["text"])
    expect(listed).to_contain_text(_local(exit_ts)[11:])
    assert page.locator("#om-rp-timeline path.point").count() > 201  # the alert is marked on the timeline

    # paused: every car is drawn where the recording has it at the playhead (once the worker caught up)
    playhead = _playhead(page)
    assert exit_ts <= playhead < exit_ts + 600
    want = [{"subject": s, "lat": lat, "lon": lon} for s, (lat, lon) in sorted(_at(day, playhead).items())]
    assert len(want) == 11
    page.wait_for_function("window.onemap.maps['om-rp-map'].getSize().x > 300", timeout=WAIT)
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        seen = page.evaluate(REPLAY_DOTS_JS, ["om-rp-map", want])
        if all(m["found"] and max(abs(m["dx"]), abs(m["dy"])) <= TOLERANCE for m in seen):
            break
        page.wait_for_timeout(500)
    shot(page, "replay-real-chicago")
    assert all(m["found"] for m in seen), seen
    assert [m for m in seen if max(abs(m["dx"]), abs(m["dy"])) > TOLERANCE] == []

    # the crimes of the playhead's hour, as hotspots on the replay map
    hour = datetime.fromtimestamp(playhead, TZ).replace(minute=0, second=0)
    crimes = [x for x in load_incidents(CHICAGO) if hour.timestamp() <= x.ts < hour.timestamp() + 3600]
    assert crimes
    expect(page.locator("#om-rp-hot-legend")).to_contain_text(
        f"{hour:%Y-%m-%d %H:%M}–{(hour.hour + 1) % 24:02d}:00: {len(crimes)} crimes", timeout=WAIT)
    expect(page.locator("#om-rp-map path.om-hot")).to_have_count(len(crimes))
    dot = page.evaluate(CIRCLE_JS, ["om-rp-map", f"om-hot-{crimes[0].id}", crimes[0].lat, crimes[0].lon])
    if dot["found"] and dot["inside"]:
        assert max(abs(dot["dx"]), abs(dot["dy"])) <= TOLERANCE, dot
    page.context.close()
    assert errors == []


def test_a_supervisor_sees_chicagos_crimes_with_no_car_and_the_hotspots(
        browser: Browser, site: tuple[str, redis.Redis, Path], city: CityPack) -> None:
    url, client, data_dir = site
    night = (DAY + 20 * 3600, DAY + 32 * 3600)  # 2017-08-04 20:00 .. 2017-08-05 08:00
    _, windows = city_coverage_for(client, LIVE, data_dir, city, *night)
    patrolled = {u.zone for u in city.units.values() if u.id.startswith("U01")}  # district 1 has cars
    every = load_incidents(CHICAGO)

    def alone(e: Any, w: Any) -> bool:  # no other crime of its hour within ~300 m: its dot is on top
        return not any(x.id != e.id and w.start <= x.ts < w.end and abs(x.lat - e.lat) + abs(x.lon - e.lon) < 0.004
                       for x in every)

    gap, crime = next((w, w.events[0]) for w in windows
                      if w.zone in patrolled and w.incidents == 1 and w.events[0].kind == "incident"
                      and alone(w.events[0], w))
    assert len(windows) > 100  # most beats had no car at all: their crimes are all gaps

    errors: list[str] = []
    page = _page(browser, url, "supervisor", errors)
    _open(page, "coverage")
    expect(page.locator("#om-cov-shift")).to_contain_text("Night 2017-08-04", timeout=WAIT)
    expect(page.locator("#om-cov-range")).to_contain_text("2017-08-04 20:00 to 2017-08-05 08:00", timeout=WAIT)

    # the gap: the hour, the beat, one crime with no car, what it was
    when = f"{datetime.fromtimestamp(gap.start, TZ):%Y-%m-%d %H:%M}–{datetime.fromtimestamp(gap.end, TZ):%H:%M}"
    row = page.locator("#om-cov-gaps .om-cov-gap", has_text=when).filter(has_text=f"Beat {gap.zone} ·")
    expect(row).to_have_count(1, timeout=WAIT)
    expect(row).to_contain_text("1 crime")
    expect(row).to_contain_text(crime.text)
    zone_row = page.locator(f'#om-cov-zone-table tr[title="{gap.zone}"]')
    expect(zone_row.locator("td").nth(3)).to_have_text(
        str(sum(len(w.events) for w in windows if w.zone == gap.zone)))

    # one hour of hotspots: the crime's hour, every crime of it drawn, this one where it happened
    hour = datetime.fromtimestamp(gap.start, TZ)
    crimes = [x for x in every if gap.start <= x.ts < gap.end]
    page.locator("#om-cov-hot-hour").click()
    page.get_by_role("option", name=f"{hour:%Y-%m-%d %H}:00 ({len(crimes)})").click()
    expect(page.locator("#om-cov-hot-legend")).to_contain_text(f"{when}: {len(crimes)} crimes", timeout=WAIT)
    expect(page.locator("#om-cov-map path.om-hot")).to_have_count(len(crimes))
    page.wait_for_function("window.onemap.maps['om-cov-map'] && window.onemap.maps['om-cov-map'].getSize().x > 300",
                           timeout=WAIT)
    dot = page.evaluate(CIRCLE_JS, ["om-cov-map", f"om-hot-{crime.id}", crime.lat, crime.lon])
    ring = page.evaluate(CIRCLE_JS, ["om-cov-map", f"om-cov-gap-id-{crime.id}", crime.lat, crime.lon])
    assert dot["found"] and dot["inside"], dot
    assert max(abs(dot["dx"]), abs(dot["dy"])) <= TOLERANCE, dot
    assert ring["found"] and ring["w"] > dot["w"], ring  # the red ring round the unpatrolled crime
    assert max(abs(ring["dx"]), abs(ring["dy"])) <= TOLERANCE, ring
    page.locator(f"#om-cov-map path.om-hot-{crime.id}").hover(force=True)
    tip = page.locator(".leaflet-tooltip.om-hot-tip")
    expect(tip).to_contain_text(crime.text.split(" · ")[0], timeout=WAIT)
    expect(tip).to_contain_text(datetime.fromtimestamp(crime.ts, TZ).strftime("%Y-%m-%d %H:%M"))
    shot(page, "coverage-chicago-hotspots")

    # the layer switched off: no dot left
    page.locator("#om-cov-hot-toggle").get_by_text("Crime hotspots").click()
    expect(page.locator("#om-cov-map path.om-hot")).to_have_count(0, timeout=WAIT)
    page.context.close()
    assert errors == []
