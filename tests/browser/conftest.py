"""Browser fixtures: the web app served in this process against the real embedded Redis, and
Debian's Chromium driven by Playwright (never ``playwright install``).

The app runs on the mini city pack with no worker: each test writes what the worker would write
(``cc:positions``, ``cc:last``, ``cc:alerts``...) in the exact shapes, then looks at the page.
Every page collects ``pageerror`` events and console errors; a test fails if any appear.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis
from playwright.sync_api import Browser, Page, sync_playwright

from core.keys import Keys
from core.settings import Settings
from runner.embedded import EmbeddedRedis, free_port
from tests.browser.devserver import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini_city"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The app of these tests runs for the rest of the session, dispatch loop included (it escalates and
# auto-dispatches by itself); its own prefix keeps it off the keys of the tests that run after it.
KEYS = Keys("cb")
T0 = 1_700_000_000.0  # 2023-11-15 06:13:20 in Shanghai


@dataclass
class Web:
    """The running app: its URL, a Redis client, and helpers that write as the worker does."""

    url: str
    client: redis.Redis
    bridge: Any
    socketio: Any
    clock: float = T0
    alerts: list[str] = field(default_factory=list)

    def publish(self, *fixes: dict[str, str]) -> None:
        """One ``cc:positions`` batch, ``cc:last``, tracks and the event clock, as the worker commits."""
        pipe = self.client.pipeline(transaction=True)
        pipe.xadd(KEYS.positions, {"fixes": orjson.dumps(list(fixes))})
        pipe.hset(KEYS.last, mapping={f["subject"]: orjson.dumps(f) for f in fixes})
        for f in fixes:
            pipe.lpush(KEYS.track(f["subject"]), orjson.dumps(f))
        self.clock = max([self.clock] + [float(f["ts"]) for f in fixes])
        pipe.set(KEYS.clock, f"{self.clock:.0f}")
        pipe.execute()

    def alert(self, n: int, severity: str = "red", lat: float = 22.505, lon: float = 114.005, *,
              type_: str = "watchlist_hit", subject: str = "粤BZ9999", zone: str = "W", checkpoint: str = "B",
              text: str = "watchlist plate read", ts: float | None = None) -> str:
        """XADD one alert with the contract fields (section 4), at ``ts`` (default: the event
        clock); returns its alert id."""
        alert_id = f"{type_}-test{n:04d}"
        self.client.xadd(KEYS.alerts, {
            "alert_id": alert_id, "type": type_, "severity": severity, "subject": subject, "lat": f"{lat:.6f}",
            "lon": f"{lon:.6f}", "ts": f"{self.clock if ts is None else ts:.0f}", "zone": zone,
            "checkpoint": checkpoint, "text": text})
        self.alerts.append(alert_id)
        return alert_id


def fix(subject: str, ts: float, lat: float, lon: float, kind: str = "unit", category: str = "",
        heading: str = "45", zone: str = "W") -> dict[str, str]:
    """A fix in the worker's published shape (string values)."""
    return {"subject": subject, "kind": kind, "category": category, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}",
            "ts": f"{ts:.0f}", "speed": "32.0", "heading": heading, "zone": zone}


def _seed(web: Web) -> None:
    """The starting picture: three units, a few vehicles, a checkpoint read, a live worker."""
    web.publish(fix("P01", T0, 22.505, 114.004), fix("P02", T0, 22.507, 114.006, heading="180"),
                fix("P03", T0, 22.505, 114.015, zone="E"),
                fix("粤BC1001", T0, 22.503, 114.012, kind="vehicle", category="coach", zone="E"),
                fix("粤BH2001", T0, 22.508, 114.002, kind="vehicle", category="hazmat"),
                fix("粤BT3001", T0, 22.506, 114.018, kind="vehicle", category="truck", zone="E"))
    web.client.hset(KEYS.reads, "B", orjson.dumps([{"plate": "粤BT3001", "ts": T0 - 20, "confidence": 0.97}]))
    register_seed_worker(web)


def register_seed_worker(web: Web) -> None:
    """A live worker ``worker-1`` holding every partition, as its health beat says."""
    web.client.set(KEYS.health("worker-1"), orjson.dumps({"worker": "worker-1", "partitions": [0, 1, 2, 3],
                                                           "ts": time.time(), "clock": T0}), ex=3600)
    web.client.zadd(KEYS.workers, {"worker-1": time.time() + 3600})  # registered, as health.beat does


@contextmanager
def serving(settings: Settings, redis_url: str, blueprints: tuple[Any, ...] = ()) -> Iterator[str]:
    """The whole web app for ``settings`` (with ``blueprints``, e.g. the HTTP API) on a free loopback
    port (its base URL); on exit its replay sandboxes, socket bridge and dispatch loop are stopped and
    the server shut down."""
    from app import create_app

    app, _ = create_app(settings, redis_url, blueprints=blueprints)
    server = serve_in_thread(app.server, free_port())
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        app.server.extensions["onemap.replay"].close()
        app.server.extensions["onemap.bridge"].stop()
        app.server.extensions["onemap.dispatch"].stop()
        server.shutdown()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run `make chromium` (apt-get install -y chromium) first")
    return CHROMIUM


@pytest.fixture(scope="session")
def web(redis_server: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    """The web app on the mini city, served by werkzeug in a thread (Socket.IO in threading mode)."""
    from api import create_api
    from app import create_app
    from city.citypack import load_city_pack

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    settings = Settings(redis_url=redis_server.url, city_pack=MINI, demo=False, tile_url="", prefix=KEYS.prefix,
                        data_dir=tmp_path_factory.mktemp("web"))
    city = load_city_pack(MINI)  # with the HTTP API, as app.main serves it (the terminal posts to /api/osmand)
    app, socketio = create_app(settings, redis_server.url, blueprints=(create_api(settings, client, city),), city=city)
    port = free_port()
    server = serve_in_thread(app.server, port)
    bridge = app.server.extensions["onemap.bridge"]
    assert bridge.started.wait(20), "the socket bridge did not start"
    w = Web(url=f"http://127.0.0.1:{port}", client=client, bridge=bridge, socketio=socketio)
    _seed(w)
    yield w
    bridge.stop()
    app.server.extensions["onemap.dispatch"].stop()
    server.shutdown()
    client.close()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def sign_in(page: Page, url: str, username: str, password: str = "demo", refused: bool = False) -> None:
    """Sign in through the form as a person does: type the name and password, click ``Sign in``
    (``refused``: expect the form again)."""
    page.goto(f"{url}/login?lang=en")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    if refused:
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        return
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda u: "/login" not in u)


@pytest.fixture(scope="session")
def officer_state(browser: Browser, web: Web) -> Any:
    """The cookies of an officer signed in once through the form; every ``page`` starts with them."""
    context = browser.new_context()
    pg = context.new_page()
    sign_in(pg, web.url, "officer")
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture()
def errors() -> list[str]:
    """Page errors and console errors seen by ``page`` (a test may drop ones it caused on purpose)."""
    return []


@pytest.fixture()
def page(browser: Browser, errors: list[str], request: pytest.FixtureRequest, officer_state: Any) -> Iterator[Page]:
    """A 1920x1080 page of a signed-in officer; fails the test on any page error or console error."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True,
                                  storage_state=officer_state)
    pg = context.new_page()
    pg.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    pg.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None)
    yield pg
    context.close()
    assert errors == [], f"{request.node.name}: errors in the page:\n" + "\n".join(errors)


def shot(page: Page, name: str) -> Path:
    """Save a screenshot to tests/browser/artifacts/."""
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
