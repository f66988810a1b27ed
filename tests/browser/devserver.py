"""The browser tests' web server: werkzeug's threaded dev server, closing what it was sending when a
browser hangs up mid-response.

werkzeug 3.1 drains the socket in a ``finally`` before it closes the app's iterable; when the client
reset the connection, that read raises and the iterable (a 1.1 MB font file, say) is never closed.
Its open file then waits in a reference cycle until the garbage collector runs, in whichever test
that happens to be, where ``filterwarnings = error`` turns the ResourceWarning into that test's
failure. Here the app's iterable is kept in its request's environ and closed by the handler's
``connection_dropped`` hook, which werkzeug calls with that environ.

(Production serves with gunicorn, runner/webserver.py; this is for tests only.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

RESPONSE_KEY = "onemap.test.response"  # the environ key under which the app's iterable is kept


class ClosingHandler(WSGIRequestHandler):
    """werkzeug's handler; on a dropped connection it closes the response it was sending."""

    def connection_dropped(self, error: BaseException, environ: dict[str, Any] | None = None) -> None:
        response = (environ or {}).pop(RESPONSE_KEY, None)
        close = getattr(response, "close", None)
        if close is not None:
            close()


def _keeping_response(app: Any) -> Any:
    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        response = app(environ, start_response)
        environ[RESPONSE_KEY] = response
        return response

    return wsgi


def serve_in_thread(app: Any, port: int, host: str = "127.0.0.1") -> BaseWSGIServer:
    """``app`` (a WSGI app, e.g. Dash's ``app.server``) served on ``host:port`` by a daemon thread;
    stop it with ``server.shutdown()``."""
    server = make_server(host, port, _keeping_response(app), threaded=True, request_handler=ClosingHandler)
    threading.Thread(target=server.serve_forever, name=f"web-{port}", daemon=True).start()
    return server
