"""OneMap: assemble and serve the whole system.

settings -> city pack (refused at start if it does not validate) -> back end (embedded Redis,
workers, demo feed) -> Dash app with layouts, callbacks, HTTP API and socket bridge -> OsmAnd
listener -> serve. ``make run`` runs this file; so can ``python app.py``.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys

import redis

from api.osmand_server import serve_osmand
from api.routes import create_api
from streams.citypack import CityPackError, load_city_pack
from streams.settings import Settings
from streams.supervisor import start_backend


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    settings = Settings.from_env()
    try:
        city = load_city_pack(settings.city_pack)
    except CityPackError as exc:
        sys.exit(f"OneMap: the city pack {settings.city_pack} is refused: {exc}")
    backend = start_backend(settings, workers=int(os.environ.get("CC_WORKERS") or 1))
    atexit.register(backend.stop)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # unwind: stop workers, demo and Redis too

    from webapp import create_app  # the web side loads after the back end is up

    client = redis.Redis.from_url(backend.redis_url, decode_responses=True)
    # several web processes: CC_MESSAGE_QUEUE=1 shares pushes through Flask-SocketIO's Redis queue
    shared = (os.environ.get("CC_MESSAGE_QUEUE") or "").lower() in {"1", "true", "yes", "on"}
    app, socketio = create_app(settings, backend.redis_url, blueprints=(create_api(settings, client, city),),
                               city=city, message_queue=shared)
    osmand, _ = serve_osmand(settings, client, city, host=os.environ.get("OSMAND_HOST", "127.0.0.1"))
    host = os.environ.get("HOST", "127.0.0.1")
    print(f"OneMap: http://127.0.0.1:{settings.port}", flush=True)
    try:
        socketio.run(app.server, host=host, port=settings.port, allow_unsafe_werkzeug=True,
                     use_reloader=False, log_output=False)
    finally:
        osmand.shutdown()
        backend.stop()


if __name__ == "__main__":
    main()
