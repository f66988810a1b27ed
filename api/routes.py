"""The HTTP API of contract section 6, as a Flask blueprint.

Every route is thin: authenticate, read and check the input, call one function of ``api.*``,
answer JSON. Authentication and role are checked before anything is read or written, and input
is checked in full before the first write, so a refused call changes nothing. Errors answer
``{"error": "...", "field": "..."}``.
"""

from __future__ import annotations

import math
from typing import Any

import flask
import orjson
import redis

from api import coverage as coverage_api
from api import dispatch as orders
from api.auth import authenticate, require_role, unit_of_role
from api.errors import ApiError
from api.limits import create_limiter, device_key, install, limit_errors, token_key
from api.osmand_server import handle_osmand, json_error
from city.citypack import CityPack
from core import alerts as alert_store
from core.audit import http_source
from core.keys import Keys, partition_of
from core.messages import parse_fields
from core.model import ParseError
from core.producer import Producer, subject_of
from core.settings import Settings
from core.timeutil import parse_ts

__all__ = ["INGEST_MAX", "LIMIT_DEFAULT", "LIMIT_MAX", "create_api", "ingest_fields"]

INGEST_MAX = 10_000  # messages per ingest call
LIMIT_DEFAULT = 500
LIMIT_MAX = 10_000


def ingest_fields(message: Any) -> dict[str, str]:
    """A JSON message as stream fields: strings kept, numbers as text, ``null`` left out.

    >>> ingest_fields({"type": "gps", "id": "P01", "lat": 22.5, "ts": 1700000000, "speed": None})
    {'type': 'gps', 'id': 'P01', 'lat': '22.5', 'ts': '1700000000'}
    """
    if not isinstance(message, dict):
        raise ParseError("message", "must be a JSON object with the fields of contract section 3")
    out: dict[str, str] = {}
    for key, value in message.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ParseError(key, f"must be a string or a number, got {type(value).__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ParseError(key, f"{value!r} is not a finite number")
        out[key] = value if isinstance(value, str) else repr(value)
    return out


def _json_body(required: type) -> Any:
    """The JSON body, parsed as the OsmAnd listener parses it (orjson): unlike the standard library,
    it refuses nesting deeper than 1024 (no RecursionError) and strings with lone surrogates, which
    no Redis write could encode."""
    try:
        body = orjson.loads(flask.request.get_data(cache=True).removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"the body is not valid JSON: {exc}", "body") from None
    if not isinstance(body, required):
        kind = "a JSON list of messages" if required is list else "a JSON object"
        raise ApiError(400, f"the body must be {kind}", "body")
    return body


def _text_field(body: dict[str, Any], name: str, required: bool = True, max_len: int = 200) -> str:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ApiError(400, f"{name}: is missing", name)
        return ""
    if not isinstance(value, str):
        raise ApiError(400, f"{name}: must be a string", name)
    if len(value) > max_len:
        raise ApiError(400, f"{name}: is longer than {max_len} characters", name)
    return value.strip()


def _since_limit(args: Any) -> tuple[float | None, int]:
    since = None
    if args.get("since") not in (None, ""):
        try:
            since = parse_ts(args["since"])
        except ValueError as exc:
            raise ApiError(400, f"since: {exc} (epoch seconds or ISO-8601 with an offset)", "since") from None
    raw = args.get("limit")
    limit = LIMIT_DEFAULT
    if raw not in (None, ""):
        try:
            limit = int(raw)
        except ValueError:
            raise ApiError(400, f"limit: {raw!r} is not a whole number", "limit") from None
        if not 1 <= limit <= LIMIT_MAX:
            raise ApiError(400, f"limit: must be 1..{LIMIT_MAX}", "limit")
    return since, limit


class _Views:
    """The route handlers, bound to one Redis client, city and settings."""

    def __init__(self, settings: Settings, redis_client: redis.Redis, city: CityPack) -> None:
        self.settings, self.redis, self.city = settings, redis_client, city
        self.keys = Keys(settings.prefix)
        self.producer = Producer(redis_client, self.keys, settings.partitions)

    def role(self, *allowed: str) -> str:
        """The caller's role: 401 without a known token; 403 unless one of ``allowed`` (all if none)."""
        who = authenticate(flask.request.headers.get("Authorization"), self.settings.api_tokens)
        return require_role(who, *allowed) if allowed else who

    def alert_or_404(self, alert_id: str) -> dict[str, Any]:
        alert = alert_store.find_alert(self.redis, self.keys, alert_id)
        if alert is None:
            raise ApiError(404, f"alert_id: no alert {alert_id!r} in {self.keys.alerts}", "alert_id")
        return alert

    def osmand(self) -> flask.Response:
        return handle_osmand(flask.request, self.producer, self.city)

    def ingest(self) -> flask.Response:
        self.role("ingest")
        body = _json_body(list)
        if len(body) > INGEST_MAX:
            raise ApiError(413, f"body: at most {INGEST_MAX} messages per call", "body")
        results: list[dict[str, Any]] = []
        good: list[tuple[int, dict[str, str]]] = []
        for i, message in enumerate(body):
            try:
                fields = ingest_fields(message)
                parse_fields(fields)
            except ParseError as exc:
                results.append({"index": i, "status": "refused", "accepted": False,
                                "error": str(exc), "field": exc.field})
                continue
            good.append((i, fields))
            results.append({"index": i, "status": "accepted", "accepted": True,
                            "partition": partition_of(subject_of(fields), self.settings.partitions)})
        ids = self.producer.send([fields for _, fields in good]) if good else []
        for (i, _), entry_id in zip(good, ids, strict=True):
            results[i]["entry_id"] = entry_id
        return flask.jsonify(results)

    def alerts(self) -> flask.Response:
        self.role()
        since, limit = _since_limit(flask.request.args)
        return flask.jsonify(alert_store.list_alerts(self.redis, self.keys, since, limit))

    def candidates(self, alert_id: str) -> flask.Response:
        self.role("officer")
        alert = self.alert_or_404(alert_id)
        ranked = orders.candidates_for(self.redis, self.keys, self.city, alert, self.settings.learn_window_s)
        return flask.jsonify([c.to_json() for c in ranked])

    def coverage(self) -> flask.Response:
        self.role("supervisor")
        zone, t0, t1 = coverage_api.parse_request(flask.request.args, self.city)
        with_gaps = coverage_api.wants_gaps(flask.request.args)
        cov = coverage_api.coverage_for(self.redis, self.keys, self.settings.data_dir, self.city, zone, t0, t1)
        gaps = (coverage_api.zone_gaps_for(self.redis, self.keys, self.settings.data_dir, self.city, zone, t0, t1)
                if with_gaps else None)
        return flask.jsonify(coverage_api.coverage_json(cov, gaps))

    def dispatch(self) -> tuple[flask.Response, int]:
        who = self.role("officer")
        body = _json_body(dict)
        alert_id = _text_field(body, "alert_id")
        unit_id = _text_field(body, "unit")
        note = _text_field(body, "note", required=False, max_len=orders.NOTE_MAX)
        alert = self.alert_or_404(alert_id)
        if unit_id not in self.city.units:
            raise ApiError(404, f"unit: {unit_id!r} is not a unit of this city (units.json)", "unit")
        order = orders.issue_order(self.redis, self.keys, self.city, alert, unit_id, note, issued_by=f"token:{who}",
                                   source=http_source(flask.request.remote_addr),
                                   window_s=self.settings.learn_window_s)
        return flask.jsonify(order), 201

    def ack(self, order_id: str) -> flask.Response:
        who = self.role("unit:*")
        order = orders.get_order(self.redis, self.keys, order_id)
        if order is None:
            raise ApiError(404, f"order_id: no order {order_id!r}", "order_id")
        if unit_of_role(who) != order["unit"]:
            raise ApiError(403, f"order {order_id} is for unit {order['unit']}, not {unit_of_role(who)}",
                           "Authorization")
        body = _json_body(dict)
        status = body.get("status")
        if status not in orders.ACK_STATUSES:
            raise ApiError(400, f"status: {status!r} is not one of {', '.join(orders.ACK_STATUSES)}", "status")
        note = _text_field(body, "note", required=False, max_len=orders.ANSWER_NOTE_MAX)  # an extension
        try:
            return flask.jsonify(orders.ack_order(self.redis, self.keys, order, str(status), actor=f"token:{who}",
                                                   note=note, source=http_source(flask.request.remote_addr)))
        except orders.OutOfOrder as exc:
            raise ApiError(409, str(exc), "status") from None


def create_api(settings: Settings, redis_client: redis.Redis, city: CityPack) -> flask.Blueprint:
    """The blueprint of contract section 6 (register it on the web app's Flask server)."""
    bp = flask.Blueprint("api", __name__)
    v = _Views(settings, redis_client, city)
    limiter = create_limiter(settings)
    per_device = limiter.limit(settings.rate_device, key_func=device_key)
    per_token = limiter.limit(settings.rate_token, key_func=token_key)
    bp.add_url_rule("/api/osmand", "osmand", per_device(v.osmand), methods=["GET", "POST"])
    bp.add_url_rule("/api/ingest", "ingest", per_token(v.ingest), methods=["POST"])
    bp.add_url_rule("/api/alerts", "alerts", per_token(v.alerts), methods=["GET"])
    bp.add_url_rule("/api/alerts/<alert_id>/candidates", "candidates", per_token(v.candidates), methods=["GET"])
    bp.add_url_rule("/api/coverage", "coverage", per_token(v.coverage), methods=["GET"])
    bp.add_url_rule("/api/dispatch", "dispatch", per_token(v.dispatch), methods=["POST"])
    bp.add_url_rule("/api/dispatch/<order_id>/ack", "ack", per_token(v.ack), methods=["POST"])
    bp.register_error_handler(ApiError, json_error)
    for exc, handler in limit_errors(_limited_field).items():
        bp.register_error_handler(exc, handler)
    bp.record_once(lambda state: install(state.app, settings, limiter))  # type: ignore[arg-type]
    return bp


def _limited_field() -> str:
    """Who was limited, for the 429 answer: the device's id field or the token."""
    return "id" if flask.request.path.endswith("/osmand") else "Authorization"
