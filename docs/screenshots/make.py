"""Make the README's screenshots from the demo city: command.png, alerts.png, wall.png (1920x1080).

    .venv/bin/python docs/screenshots/make.py [--wait 60] [--lang zh]

Starts ``app.py`` (embedded Redis, worker, demo) on free ports with a fresh data folder, lets the demo
run for ``--wait`` seconds, photographs the three screens in headless Chromium and stops the app.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1920, "height": 1080}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, deadline_s: float = 90) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"the app did not answer at {url}")


def _sign_in(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/login?lang=en")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda u: "/login" not in u)


def _shoot(url: str, lang: str) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport=VIEWPORT).new_page()
        _sign_in(page, url, "officer")  # the demo accounts (no CC_USERS), password "demo"
        page.goto(f"{url}/?lang={lang}")
        expect(page.locator("#om-cmd-map .om-unit").first).to_be_attached(timeout=30_000)
        page.wait_for_timeout(3000)  # trails and alerts of the snapshot drawn
        page.locator("#om-cmd-map .om-unit").nth(3).click(force=True)
        expect(page.locator('#om-detail .om-detail[data-kind="unit"]')).to_be_visible(timeout=15_000)
        page.wait_for_timeout(2000)  # the unit's track
        page.screenshot(path=str(OUT / "command.png"))
        page.locator(".om-tabs label", has=page.locator("input[value=alerts]")).click()
        expect(page.locator("#om-al-table tbody tr").nth(3)).to_be_visible(timeout=15_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(OUT / "alerts.png"))
        page.locator(".om-tabs label", has=page.locator("input[value=dispatch]")).click()
        picks = page.locator("#om-dp-queue .om-dp-pick")
        expect(picks.first).to_be_visible(timeout=15_000)
        watch = page.locator("#om-dp-queue .om-dp-pick.om-sev-red")  # a red one, an intercept if there is one
        (watch.first if watch.count() else picks.first).click()
        expect(page.locator("#om-dp-candidates tr.om-dp-cand").first).to_be_visible(timeout=15_000)
        page.screenshot(path=str(OUT / "dispatch.png"))  # (kept if the dispatch below does not show in time)
        page.locator("#om-dp-candidates .om-dp-send").first.click()  # dispatch the top unit: the board has a row
        expect(page.locator("#om-dp-board tr[data-order]").first).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(OUT / "dispatch.png"))
        page = browser.new_context(viewport=VIEWPORT).new_page()
        _sign_in(page, url, "wall")
        page.goto(f"{url}/wall?lang={lang}")
        expect(page.locator("#om-wall-ticker .om-feed-item").first).to_be_visible(timeout=30_000)
        page.wait_for_timeout(3000)
        page.screenshot(path=str(OUT / "wall.png"))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wait", type=float, default=60, help="seconds of demo before the pictures")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    args = parser.parse_args()
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="onemap-shots-") as tmp:
        env = {**os.environ, "PORT": str(port), "OSMAND_PORT": str(_free_port()), "LOG_LEVEL": "WARNING",
               "CITY_PACK": str(ROOT / "data" / "demo_city"), "CC_DATA_DIR": tmp}
        env.pop("REDIS_URL", None)
        app = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=tmp, env=env)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_up(url + "/")
            time.sleep(args.wait)
            _shoot(url, args.lang)
        finally:
            app.send_signal(signal.SIGTERM)
            app.wait(timeout=60)
    print("wrote", ", ".join(str(OUT / n) for n in ("command.png", "alerts.png", "dispatch.png", "wall.png")))


if __name__ == "__main__":
    main()
