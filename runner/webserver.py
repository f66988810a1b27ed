"""The production web server: gunicorn's threaded worker, as Flask-SocketIO supports it.

Flask-SocketIO in ``threading`` mode with simple-websocket is served by gunicorn's ``gthread``
worker: one worker process (Socket.IO needs sticky sessions; scale out with several servers and
``CC_MESSAGE_QUEUE``, see the README) and many threads, since every open WebSocket holds one.

The app is built in the worker process (``app_factory`` runs after gunicorn forks), so its
background threads (the socket bridge) live where the requests are served. ``serve()`` returns
once gunicorn has stopped its worker: on SIGTERM (graceful: open requests finish) or SIGINT.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

__all__ = ["serve", "THREADS"]

THREADS = 200  # concurrent connections one web process holds (browsers, terminals, API calls)
GRACEFUL_S = 5  # SIGTERM: how long open requests may take to finish
log = logging.getLogger("onemap.web")


class _Gunicorn(BaseApplication):
    def __init__(self, factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self.factory, self.options = factory, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.factory()


def serve(app_factory: Callable[[], Any], host: str, port: int, *, threads: int = THREADS,
          on_ready: Callable[[], None] | None = None, log_level: str = "warning") -> None:
    """Serve the WSGI app that ``app_factory()`` builds on ``host:port`` until SIGTERM or SIGINT.

    ``on_ready`` runs in the server's main process once it listens (e.g. to print the URL).
    """
    options: dict[str, Any] = {
        "bind": f"{host}:{port}", "workers": 1, "worker_class": "gthread", "threads": threads,
        "timeout": 30,  # a worker whose main loop hangs this long is restarted (requests may run longer)
        "graceful_timeout": GRACEFUL_S, "keepalive": 5, "accesslog": None, "errorlog": "-",
        "loglevel": log_level, "proc_name": "onemap-web",
        "when_ready": (lambda _server: on_ready()) if on_ready else (lambda _server: None),
    }
    try:
        _Gunicorn(app_factory, options).run()
    except SystemExit as exc:  # gunicorn's arbiter ends with sys.exit(); the caller stops the rest
        if exc.code not in (0, None):
            log.error("the web server stopped with status %s", exc.code)
