"""`python app.py` assembles the whole system: it prints the URL, serves the page and the API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from core.settings import ROOT
from runner.embedded import free_port


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_app_prints_url_serves_page_api_and_osmand_then_stops(tmp_path: Path) -> None:
    port, osmand = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CITY_PACK"}}
    env.update(PORT=str(port), OSMAND_PORT=str(osmand), CC_DATA_DIR=str(tmp_path), LOG_LEVEL="WARNING",
               CC_API_TOKENS="wall-token:wall")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == f"OneMap: http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        status = 0
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200 and b"<script" in body
        assert _get(f"http://127.0.0.1:{port}/api/alerts")[0] == 401
        assert _get(f"http://127.0.0.1:{port}/api/alerts", {"Authorization": "Bearer wall-token"})[0] == 200
        code, _ = _get(f"http://127.0.0.1:{osmand}/?id=P01&lat=22.54&lon=114.02&timestamp=1700000000")
        assert code == 200
        assert _get(f"http://127.0.0.1:{osmand}/?id=NOBODY&lat=22.54&lon=114.02&timestamp=1700000000")[0] == 400
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        if proc.stdout is not None:
            proc.stdout.close()
    assert not _processes_mentioning(str(tmp_path)), "the embedded Redis must stop with the app"


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in args:
            found.append(args)
    return found
