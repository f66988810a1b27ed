"""Limits that keep one caller from harming the others: body size (413) and request rate (429).

- Bodies: Flask's ``MAX_CONTENT_LENGTH`` = ``CC_MAX_BODY_BYTES``; werkzeug refuses a larger body
  with 413 before anything parses it (also a chunked one, as soon as it grows past the bound).
- Rates: Flask-Limiter on the same Redis (so several web processes share the counts), a moving
  window per device for the OsmAnd protocol (``CC_RATE_DEVICE``) and per token for the rest of the
  API (``CC_RATE_TOKEN``); a refused call gets 429 with ``Retry-After`` and changes nothing. A device
  is its ``id``/``deviceid``/``device_id``; a token is known only by a hash of it (tokens never
  reach Redis keys); a caller with neither is its address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import flask
import orjson
from flask_limiter import Limiter
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

from core.redisio import storage_uri
from core.settings import Settings

__all__ = ["create_limiter", "device_key", "token_key", "limit_errors", "install"]


def _address() -> str:
    return flask.request.remote_addr or "unknown"


def device_key() -> str:
    """The OsmAnd device a request speaks for: query or form ``id``/``deviceid``, else JSON ``device_id``."""
    req = flask.request
    for source in (req.args, req.form if req.mimetype == "application/x-www-form-urlencoded" else {}):
        for name in ("id", "deviceid"):
            value = source.get(name)
            if value:
                return "device:" + str(value).strip()[:64]
    raw = req.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH
    if raw.lstrip().startswith(b"{"):
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        if isinstance(body, dict) and body.get("device_id"):
            return "device:" + str(body["device_id"]).strip()[:64]
    return "addr:" + _address()


def token_key() -> str:
    """A program by its token (hashed), else its address."""
    header = flask.request.headers.get("Authorization", "")
    if header:
        return "token:" + hashlib.sha256(header.encode("utf-8")).hexdigest()[:20]
    return "addr:" + _address()


def create_limiter(settings: Settings) -> Limiter:
    """A limiter counting in ``settings.redis_url`` (in memory when there is none, e.g. in a unit test)."""
    return Limiter(token_key, storage_uri=storage_uri(settings.redis_url or "memory://"), strategy="moving-window",
                   key_prefix=f"{settings.prefix}:ratelimit", headers_enabled=True, swallow_errors=True)


def limit_errors(field_of: Callable[[], str]) -> dict[type[Exception], Callable[[Any], tuple[flask.Response, int]]]:
    """JSON answers for 413 and 429, naming the field: ``body``, or who was limited."""

    def too_large(exc: RequestEntityTooLarge) -> tuple[flask.Response, int]:
        limit = flask.current_app.config.get("MAX_CONTENT_LENGTH")
        return flask.jsonify({"error": f"body: larger than {limit} bytes (CC_MAX_BODY_BYTES)", "field": "body"}), 413

    def too_many(exc: TooManyRequests) -> tuple[flask.Response, int]:
        return flask.jsonify({"error": f"too many requests ({exc.description}); retry after the time in "
                                       "the Retry-After header", "field": field_of()}), 429

    return {RequestEntityTooLarge: too_large, TooManyRequests: too_many}


def install(app: flask.Flask, settings: Settings, limiter: Limiter) -> None:
    """Bind the body bound and the limiter to ``app`` (the web app or the OsmAnd listener)."""
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    limiter.init_app(app)
