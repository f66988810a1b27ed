"""Chinese renders from the served web font (assets/fonts), not from fonts the machine may have.

Two browsers: the session's Chromium (whatever system fonts it has), and a "kiosk" Chromium whose
fontconfig knows one Latin font (DejaVu Sans, which Debian's fontconfig depends on) and no CJK font,
where a Chinese character is a missing-glyph box unless the page's web font has it. No test writes to
Redis; the font comes from the app only.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from tests.browser.conftest import CHROMIUM_ARGS, Web, shot

pytestmark = pytest.mark.browser
WAIT = 15_000  # ms: a deadline for the page, not a performance figure
SAMPLE = "粤一张图预警卡口"
LATIN_FONTS = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
               Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")]

# the faces of "Noto Sans SC" the page has loaded, with the ranges they cover
LOADED_FACES = """() => [...document.fonts].filter(f => f.family.replace(/["']/g, "") === "Noto Sans SC"
                                                    && f.status === "loaded")
                                           .map(f => ({weight: f.weight, range: f.unicodeRange}))"""


def _covers(unicode_range: str, char: str) -> bool:
    for part in unicode_range.replace(" ", "").split(","):
        lo, _, hi = part.upper().removeprefix("U+").partition("-")
        if int(lo, 16) <= ord(char) <= int(hi or lo, 16):
            return True
    return False


def _open(page: Page, web: Web, path: str) -> list[Request]:
    requests: list[Request] = []
    page.on("request", lambda r: requests.append(r))
    page.goto(web.url + path)
    expect(page.locator("#om-root")).to_be_attached(timeout=WAIT)
    expect(page.locator("#om-feed")).to_be_attached(timeout=WAIT)
    page.evaluate("document.fonts.ready.then(() => true)")
    return requests


def _font_requests_stay_home(web: Web, requests: list[Request]) -> list[str]:
    """Every request of the page goes to the app; returns the font files fetched."""
    off = [r.url for r in requests if not r.url.startswith((web.url + "/", "data:", "blob:"))]
    assert off == [], f"requests to other hosts: {off}"
    fonts = [r.url for r in requests if r.resource_type == "font"]
    assert all(u.startswith(web.url + "/assets/fonts/noto-sans-sc-") for u in fonts), fonts
    return fonts


def test_chinese_faces_of_the_served_font_load_and_cover_the_plates(page: Page, web: Web) -> None:
    requests = _open(page, web, "/?lang=zh")
    page.wait_for_function(f"document.fonts.check('16px \"Noto Sans SC\"', '{SAMPLE}')", timeout=WAIT)
    page.wait_for_function(f"document.fonts.check('bold 16px \"Noto Sans SC\"', '{SAMPLE}')", timeout=WAIT)
    faces = page.evaluate(LOADED_FACES)
    for weight in ("400", "700"):
        covering = [f for f in faces if f["weight"] == weight and _covers(f["range"], "粤")]
        assert covering, f"no loaded {weight} face covers 粤: {faces}"
    fonts = _font_requests_stay_home(web, requests)
    assert any("chinese-simplified-400" in u for u in fonts) and any("latin-400" in u for u in fonts)
    # each file is one request, and only the faces the page shows are fetched (not the whole family)
    assert len(fonts) == len(set(fonts)) and len(fonts) <= 6


@pytest.fixture(scope="module")
def kiosk(browser: Browser, chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Chromium whose only system font is one Latin font (a browser with no font at all crashes)."""
    latin = next((p for p in LATIN_FONTS if p.exists()), None)
    if latin is None:
        pytest.fail(f"none of {[str(p) for p in LATIN_FONTS]}: install fonts-dejavu-core")
    folder = tmp_path_factory.mktemp("kioskfonts")
    (folder / "fonts").mkdir()
    shutil.copy(latin, folder / "fonts" / latin.name)
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                    f"<fontconfig><dir>{folder / 'fonts'}</dir><cachedir>{folder / 'cache'}</cachedir>"
                    "</fontconfig>\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FONTCONFIG")}
    env["FONTCONFIG_FILE"] = str(conf)
    bare = browser.browser_type.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, env=env)
    yield bare
    bare.close()


def _width(page: Page, font: str, text: str) -> float:
    return float(page.evaluate("([f, t]) => { const c = document.createElement('canvas').getContext('2d');"
                               " c.font = f; return c.measureText(t).width; }", [font, text]))


def test_without_any_system_font_chinese_draws_from_the_web_font(kiosk: Browser, web: Web,
                                                                  officer_state: Any) -> None:
    context = kiosk.new_context(viewport={"width": 1920, "height": 1080}, storage_state=officer_state)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        requests = _open(page, web, "/?lang=zh")
        page.wait_for_function(f"document.fonts.check('16px \"Noto Sans SC\"', '{SAMPLE}')", timeout=WAIT)
        # the control: this browser has no CJK font of its own, so 粤 falls back to a missing-glyph
        # box, as wide as the box of a code point no font has
        box = _width(page, "16px sans-serif", "\U0010fffd")
        assert _width(page, "16px sans-serif", "粤") == pytest.approx(box, abs=0.01) and box != pytest.approx(16, abs=1)
        # the web font draws each character a full em wide, bold too
        assert _width(page, '16px "Noto Sans SC"', "粤") == pytest.approx(16, abs=0.5)
        assert _width(page, 'bold 32px "Noto Sans SC"', SAMPLE) == pytest.approx(32 * len(SAMPLE), abs=1)
        assert _width(page, '16px "Noto Sans SC"', "粤B12345") > 16 + 6 * 5  # the Latin face too
        # what a person sees: the header's Chinese title and the tab names take room on the screen
        title = page.locator(".om-brand-zh").bounding_box()
        assert title is not None and title["width"] > 2.5 * 19  # three characters at 19 px
        tab = page.locator(".om-tabs label").first.bounding_box()
        assert tab is not None and tab["width"] > 3 * 15
        _font_requests_stay_home(web, requests)
        path = shot(page, "fonts-kiosk-zh")
        assert Path(path).stat().st_size > 0
    finally:
        context.close()
    assert errors == []
