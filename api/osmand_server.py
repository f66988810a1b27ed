"""The OsmAnd listener: one handler served at ``/api/osmand`` and, as Traccar does, at ``/`` on its
own port (``OSMAND_PORT``, default 5055).

Devices cannot send tokens, so the device id is the credential: a fix whose id is neither a
unit nor a monitored vehicle of the city pack is refused with 400 naming the id field (Traccar
answers an unknown device with 400 too) and nothing is written. Any bad field is a 400 naming it.
A good request writes one contract ``type=gps`` message per fix to the subject's input partition
and answers 200. A JSON batch is all or nothing.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qsl

import flask
import orjson
import redis
from werkzeug.serving import BaseWSGIServer, make_server

from api.errors import ApiError
from api.limits import create_limiter, device_key, install, limit_errors
from api.osmand import decode_osmand
from city.citypack import CityPack
from core.keys import Keys
from core.messages import parse_fields
from core.model import ParseError
from core.producer import Producer
from core.settings import Settings

__all__ = ["osmand_params", "handle_osmand", "json_error", "create_osmand_app", "serve_osmand"]


def osmand_params(request: flask.Request) -> tuple[dict[str, str], Any]:
    """Key/value pairs (query string, else form body) and the JSON body, if any."""
    params = {k: v for k, v in request.args.items()}
    body: Any = None
    raw = request.get_data(cache=True)
    stripped = raw.lstrip()
    if stripped and (request.is_json or stripped.startswith((b"{", b"["))):  # an empty JSON body: no body
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ApiError(400, "the body is not valid JSON", "body") from None
    elif not params:
        params = {k: v for k, v in request.form.items()}
        if not params and raw:
            params = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return params, body


def handle_osmand(request: flask.Request, producer: Producer, city: CityPack) -> flask.Response:
    """Decode, check the device, write; the answer (200, or an ``ApiError``)."""
    params, body = osmand_params(request)
    try:
        messages = decode_osmand(params, body)
        for msg in messages:
            parse_fields(msg)  # the worker will read exactly this; refuse here what it would dead-letter
    except ParseError as exc:
        raise ApiError(400, str(exc), exc.field) from None
    id_field = "device_id" if body is not None else ("id" if "id" in params or "deviceid" not in params
                                                      else "deviceid")
    for msg in messages:
        if msg["id"] not in city.units and msg["id"] not in city.vehicles:
            raise ApiError(400, f"{id_field}: {msg['id']!r} is not a unit or monitored vehicle of this city; "
                                "register it in the city pack (units.json or vehicles.json)", id_field)
    producer.send(messages)
    return flask.jsonify({"accepted": len(messages), "messages": messages})


def json_error(exc: ApiError) -> tuple[flask.Response, int]:
    """An ``ApiError`` as its JSON answer."""
    return flask.jsonify(exc.body()), exc.status


def create_osmand_app(settings: Settings, redis_client: redis.Redis, city: CityPack) -> flask.Flask:
    """A tiny Flask app answering the OsmAnd protocol at ``/`` (and ``/api/osmand``)."""
    app = flask.Flask("onemap-osmand")
    producer = Producer(redis_client, Keys(settings.prefix), settings.partitions)
    limiter = create_limiter(settings)
    install(app, settings, limiter)

    @limiter.limit(settings.rate_device, key_func=device_key)
    def osmand() -> flask.Response:
        return handle_osmand(flask.request, producer, city)

    app.add_url_rule("/", "osmand_root", osmand, methods=["GET", "POST"])
    app.add_url_rule("/api/osmand", "osmand", osmand, methods=["GET", "POST"])
    app.register_error_handler(ApiError, json_error)
    for exc, handler in limit_errors(lambda: "id").items():
        app.register_error_handler(exc, handler)
    return app


def serve_osmand(settings: Settings, redis_client: redis.Redis, city: CityPack,
                 host: str = "0.0.0.0") -> tuple[BaseWSGIServer, threading.Thread]:
    """Serve the OsmAnd app on ``settings.osmand_port`` in a daemon thread; ``server.shutdown()`` stops it."""
    server = make_server(host, settings.osmand_port, create_osmand_app(settings, redis_client, city), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="osmand", daemon=True)
    thread.start()
    return server, thread
