"""OneMap: assemble and serve the whole system (the top room; see docs/ARCHITECTURE.md).

settings -> city pack (refused at start if it does not validate) -> process runner (embedded
Redis, workers, demo feed) -> Dash app with layouts, callbacks, HTTP API, socket bridge and its ``catchup`` handler ->
OsmAnd listener -> serve. ``make run`` runs this file; so can ``python app.py``.

``create_app(settings, redis_url)`` builds the web app alone (tests use it); ``main()`` runs it all.
"""

from __future__ import annotations

import atexit
import logging
import signal
import sys
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import flask
import orjson
from dash import Dash
from flask_socketio import SocketIO

from api import create_api, serve_osmand
from callbacks import register_all
from callbacks.context import WebContext
from city.citypack import CityPack, CityPackError, load_city_pack
from core.keys import Keys
from core.redisio import connect
from core.settings import ROOT, Settings
from layouts.shell import create_root
from runner.supervisor import start_backend, start_worker
from runner.webserver import serve
from web.auth import install as install_sign_in
from web.auth import secret_key
from web.bridge import Bridge
from web.cityview import ROADS_URL, CityView
from web.dispatcher import DispatchLoop
from web.pages import NOT_FOUND_HTML, is_page_route, page_of
from web.replayer import Replayer
from web.sandboxes import Sandboxes
from web.sockets import register_socket_handlers
from web.unit import install_unit
from web.views.mapdata import roads_geojson

__all__ = ["create_app", "main"]


class _OrjsonForSocketIO:
    """Socket.IO packet encoder: orjson is several times faster than json on 5,000-fix batches."""

    @staticmethod
    def dumps(obj: Any, *args: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj).decode()

    @staticmethod
    def loads(text: str | bytes, *args: Any, **kwargs: Any) -> Any:
        return orjson.loads(text)


def create_app(settings: Settings, redis_url: str, blueprints: Iterable[flask.Blueprint] = (), *,
               city: CityPack | None = None, start_bridge: bool = True) -> tuple[Dash, SocketIO]:
    """Build the web app: Dash screens, Socket.IO, the socket bridge, and ``blueprints``.

    Parameters
    ----------
    settings, redis_url:
        OneMap's settings and the Redis to read (the embedded one when ``REDIS_URL`` is unset).
        With ``settings.message_queue`` several web processes share Socket.IO pushes through
        Redis and their bridges elect one of them to push (see ``web.bridge``).
    blueprints:
        Flask blueprints to register on the server (the HTTP API of contract section 6).
    city:
        The loaded city pack (default: load ``settings.city_pack``).
    start_bridge:
        Start the Redis -> browser bridge and the dispatch loop now (tests may start them themselves).
    """
    city = city or load_city_pack(settings.city_pack)
    view = CityView.build(city, settings.tile_url)
    client = connect(redis_url)
    keys = Keys(settings.prefix)
    app = Dash(__name__, title="OneMap 一张图", assets_folder=str(ROOT / "assets"), update_title="",
               suppress_callback_exceptions=True, serve_locally=True)
    app.layout = create_root(view, demo_accounts=settings.users is None,
                             demo_feed=settings.demo_source if settings.demo else None)
    roads = orjson.dumps(roads_geojson(city))

    @app.server.get(ROADS_URL)
    def _roads() -> flask.Response:
        resp = flask.Response(roads, mimetype="application/json")
        resp.headers["Cache-Control"] = "public, max-age=3600"
        return resp

    @app.server.before_request
    def _only_known_paths() -> flask.Response | None:
        """Dash answers every path with the live page; an unknown one is a 404 instead."""
        rule = flask.request.url_rule
        if is_page_route(rule.rule if rule else None) and page_of(flask.request.path) is None:
            return flask.Response(NOT_FOUND_HTML, status=404, mimetype="text/html")
        return None

    blueprints = tuple(blueprints)
    for bp in blueprints:
        app.server.register_blueprint(bp)
    install_sign_in(app.server, settings, client, keys, city.units, exempt=blueprints)
    install_unit(app.server, client, keys, city, demo=settings.users is None)
    socketio = SocketIO(app.server, async_mode="threading", json=_OrjsonForSocketIO,
                        message_queue=(settings.message_queue_url or redis_url) if settings.message_queue else None,
                        cors_allowed_origins=None)
    bridge = Bridge(socketio, client, keys, city, settings.partitions, exclusive=settings.message_queue,
                    escalate_s=settings.escalate_s, incident_window_s=settings.incident_window_s)
    loop = DispatchLoop(socketio, client, keys, city, accept_s=settings.accept_s, scene_s=settings.scene_s,
                        learn_window_s=settings.learn_window_s)
    def sandbox(prefix: str) -> Replayer:  # a person's own prefix and worker: live data never mixes
        return Replayer(client, Keys(prefix), settings.partitions, settings.recordings_dir,
                        lambda: start_worker(redis_url, prefix, settings.city_pack, f"replay-{prefix.rsplit(':')[-1]}"))

    sandboxes = Sandboxes(sandbox, settings.sandbox_prefix, settings.recordings_dir, settings.replay_sandboxes,
                          settings.replay_idle_s)
    register_socket_handlers(socketio, bridge)
    register_all(app, WebContext(view, client, keys, bridge, socketio, odd_hours=settings.odd_hours, dispatch=loop,
                                 replay=sandboxes, data_dir=settings.data_dir,
                                 coverage_target=settings.coverage_target))
    app.server.extensions["onemap.replay"] = sandboxes
    atexit.register(sandboxes.close)
    app.server.extensions["onemap.bridge"] = bridge
    app.server.extensions["onemap.dispatch"] = loop
    if start_bridge:
        bridge.start()
        loop.start()
    return app, socketio


def main() -> None:
    """Start everything, serve until SIGTERM or Ctrl-C, then stop in order: web, workers, Redis."""
    settings = Settings.from_env()
    settings.configure_logging()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the OsmAnd listener: no line per request
    try:
        city = load_city_pack(settings.city_pack)
    except CityPackError as exc:
        sys.exit(f"OneMap: the city pack {settings.city_pack} is refused: {exc}")
    backend = start_backend(settings)
    settings = replace(settings, redis_url=backend.redis_url)  # the embedded one, when it was unset
    atexit.register(backend.stop)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # until the web server takes the signals over
    client = connect(backend.redis_url)
    osmand, _ = serve_osmand(settings, client, city, host=settings.osmand_host)
    settings = replace(settings, secret_key=secret_key(settings))  # one key for every web worker process

    def build() -> flask.Flask:  # runs in the web server's worker process
        api = create_api(settings, connect(backend.redis_url), city)
        app, _ = create_app(settings, backend.redis_url, blueprints=(api,), city=city)
        return app.server

    def ready() -> None:
        shown = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
        print(f"OneMap: http://{shown}:{settings.port}", flush=True)

    try:
        serve(build, settings.host, settings.port, on_ready=ready, log_level=settings.log_level.lower())
    finally:
        osmand.shutdown()
        backend.stop()
        atexit.unregister(backend.stop)
        logging.getLogger("onemap").info("OneMap stopped")


if __name__ == "__main__":
    main()
