"""`python app.py` assembles the whole system: it prints the URL, serves the page and the API."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from core.settings import ROOT
from runner.embedded import free_port


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    status, body, _ = _fetch(url, headers)
    return status, body


def _fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    """Status, body and the ``Server`` header of a GET."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers.get("Server", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers.get("Server", "")


def _start(tmp_path: Path, **extra: str) -> tuple[subprocess.Popen[str], int, int]:
    port, osmand = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CITY_PACK"}}
    env.update(PORT=str(port), OSMAND_PORT=str(osmand), CC_DATA_DIR=str(tmp_path), LOG_LEVEL="WARNING", **extra)
    # a session of its own, like a terminal's foreground job: a signal to its group reaches what the shell would
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    return proc, port, osmand


def _wait_page(port: int) -> tuple[int, bytes, str]:
    deadline = time.monotonic() + 60
    while True:
        try:
            return _fetch(f"http://127.0.0.1:{port}/")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_app_prints_url_serves_page_api_and_osmand_then_stops(tmp_path: Path) -> None:
    proc, port, osmand = _start(tmp_path, CC_API_TOKENS="wall-token:wall")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == f"OneMap: http://127.0.0.1:{port}"
        status, body, server = _wait_page(port)
        assert status == 200 and b'name="username"' in body  # no session: the sign-in form
        assert b"<script" in _signed_in_page(port, "officer", "demo")
        assert server.startswith("gunicorn"), f"served by {server!r}, not the production server"
        assert _get(f"http://127.0.0.1:{port}/replay")[0] == 404
        assert _get(f"http://127.0.0.1:{port}/api/alerts")[0] == 401
        assert _get(f"http://127.0.0.1:{port}/api/alerts", {"Authorization": "Bearer wall-token"})[0] == 200
        code, _ = _get(f"http://127.0.0.1:{osmand}/?id=P01&lat=22.54&lon=114.02&timestamp=1700000000")
        assert code == 200
        assert _get(f"http://127.0.0.1:{osmand}/?id=NOBODY&lat=22.54&lon=114.02&timestamp=1700000000")[0] == 400
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        _, err = proc.communicate()
    assert "Traceback" not in err, err
    assert not _processes_mentioning(str(tmp_path)), "the embedded Redis must stop with the app"


def test_ctrl_c_stops_web_workers_and_redis_in_order_without_tracebacks(tmp_path: Path) -> None:
    """Ctrl-C in a terminal signals the whole foreground process group: only app.py may act on it."""
    proc, port, _ = _start(tmp_path)
    try:
        assert proc.stdout is not None and proc.stdout.readline().startswith("OneMap: http://")
        assert _wait_page(port)[0] == 200
        time.sleep(2)  # the workers and the demo are running now
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground process group
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate()
    assert "Traceback" not in err, err
    assert not _processes_mentioning(str(tmp_path))


def _signed_in_page(port: int, username: str, password: str) -> bytes:
    """Sign in through the form (with its CSRF token and the cookies) and return the page landed on."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = opener.open(f"http://127.0.0.1:{port}/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, form
    data = urllib.parse.urlencode({"csrf_token": token.group(1), "username": username, "password": password})
    with opener.open(f"http://127.0.0.1:{port}/login", data=data.encode(), timeout=10) as resp:
        assert resp.status == 200 and urllib.parse.urlparse(resp.url).path == "/"
        return bytes(resp.read())


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
