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
from runner.supervisor import start_backend
from web.bridge import Bridge
from web.cityview import ROADS_URL, CityView
from web.sockets import register_socket_handlers
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
        Start the Redis -> browser bridge now (tests may start it themselves).
    """
    city = city or load_city_pack(settings.city_pack)
    view = CityView.build(city, settings.tile_url)
    client = connect(redis_url)
    keys = Keys(settings.prefix)
    app = Dash(__name__, title="OneMap 一张图", assets_folder=str(ROOT / "assets"), update_title="",
               suppress_callback_exceptions=True, serve_locally=True)
    app.layout = create_root(view)
    roads = orjson.dumps(roads_geojson(city))

    @app.server.get(ROADS_URL)
    def _roads() -> flask.Response:
        resp = flask.Response(roads, mimetype="application/json")
        resp.headers["Cache-Control"] = "public, max-age=3600"
        return resp

    for bp in blueprints:
        app.server.register_blueprint(bp)
    socketio = SocketIO(app.server, async_mode="threading", json=_OrjsonForSocketIO,
                        message_queue=redis_url if settings.message_queue else None, cors_allowed_origins=None)
    bridge = Bridge(socketio, client, keys, city, settings.partitions, exclusive=settings.message_queue)
    register_socket_handlers(socketio, bridge)
    register_all(app, WebContext(view, client, keys, bridge, socketio))
    app.server.extensions["onemap.bridge"] = bridge
    if start_bridge:
        bridge.start()
    return app, socketio


def main() -> None:
    settings = Settings.from_env()
    settings.configure_logging()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        city = load_city_pack(settings.city_pack)
    except CityPackError as exc:
        sys.exit(f"OneMap: the city pack {settings.city_pack} is refused: {exc}")
    backend = start_backend(settings)
    atexit.register(backend.stop)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # unwind: stop workers, demo and Redis too
    client = connect(backend.redis_url)
    app, socketio = create_app(settings, backend.redis_url, blueprints=(create_api(settings, client, city),),
                               city=city)
    osmand, _ = serve_osmand(settings, client, city, host=settings.osmand_host)
    print(f"OneMap: http://127.0.0.1:{settings.port}", flush=True)
    try:
        socketio.run(app.server, host=settings.host, port=settings.port, allow_unsafe_werkzeug=True,
                     use_reloader=False, log_output=False)
    finally:
        osmand.shutdown()
        backend.stop()


if __name__ == "__main__":
    main()
