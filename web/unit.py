"""The unit terminal's routes and Redis work (contract A.7.3); the page itself is ``web.unitpage``.

- ``GET /unit``: the page (a unit session only; ``web.auth`` sends everyone else home).
- ``GET /unit/orders``: the signed-in unit's open orders (``cc:open_orders:{unit}``), as
  ``web.unitpage.order_view`` shows them, oldest first, each with ``map``: the route from the
  unit's last fix (``cc:last``) to where the order sends it (``web.unitmap``). Never another unit's.
- ``POST /unit/orders/{order_id}/ack`` with ``{"status": ..., "note": ...}`` (cookie session +
  ``X-CSRFToken``): the same ``api.dispatch.ack_order`` as the API (status machine, 409 out of
  order), actor ``user:{username}``; ``Clear`` needs a disposition and ``Decline`` a reason
  (``note``, 1..``ANSWER_NOTE_MAX`` characters), kept with the order. Answers the fresh order list;
  a 409 says the order's ``current`` status and whether it has ``reached`` the one asked for (an
  answer sent twice over a flaky link: the page counts it as delivered).
- ``POST /unit/help``: the emergency button: appends an ``officer_help`` alert (severity ``red``,
  subject the unit, ``lat``/``lon`` its last fix in ``cc:last``) to ``cc:alerts`` and an audit entry.

Pushes: the bridge tails every unit's ``cc:dispatch:{unit}`` and emits ``order`` to the Socket.IO
room ``unit:{unit}`` of the namespace ``/unit`` (``web.sockets``); the page then fetches its list.
"""

from __future__ import annotations

from typing import Any

import flask
import orjson
import redis
from flask_wtf.csrf import generate_csrf

from api import dispatch as orders
from city.citypack import CityPack
from core.alerts import find_alert
from core.audit import append_audit
from core.keys import Keys
from core.model import OFFICER_HELP, Severity, fmt_ts, make_alert_id
from core.redisio import together
from core.values import text
from web.auth import UNIT_PAGE, request_source, signed_in
from web.i18n import lang_of
from web.unitmap import Router, map_view
from web.unitpage import order_view, unit_page_html
from web.users import User

__all__ = ["open_orders", "reached", "answer_note", "raise_help", "install_unit"]

HELP_ONCE_S = 3600  # the same press (same unit, same event time) appends its alert once


_CHAIN = (orders.NEW, "accepted", "en_route", "on_scene", "cleared")


def open_orders(client: redis.Redis, keys: Keys, city: CityPack, unit: str, lang: str,
                router: Router | None = None) -> list[dict[str, Any]]:
    """The unit's open orders as the terminal shows them, oldest first, each with its ``map``
    (the route from the unit's last fix; the target alone when the unit has no fix)."""
    ids = sorted(text(i) for i in client.smembers(keys.open_orders(unit)))
    raws = client.hmget(keys.orders, ids) if ids else []
    found = [orjson.loads(raw) for raw in raws if raw is not None]
    found = [o for o in found if o.get("unit") == unit and o.get("status") not in orders.CLOSED]
    found.sort(key=lambda o: (float(o.get("ts") or 0), str(o["order_id"])))
    fix = _last_fix(client, keys, unit) if found else None
    router = router or Router(None)
    out = []
    for o in found:
        view = order_view(o, find_alert(client, keys, str(o.get("alert_id", ""))), city, lang)
        target = (float(o["lat"]), float(o["lon"]))
        view["map"] = map_view(router.route((fix[0], fix[1]), target) if fix else [target])
        out.append(view)
    return out


def reached(current: str, status: str) -> bool:
    """Whether an order now ``current`` has already had the answer ``status`` (or one after it):
    an answer repeated after a lost reply, which the terminal counts as delivered.

    >>> reached("en_route", "accepted"), reached("accepted", "accepted"), reached("cleared", "on_scene")
    (True, True, True)
    >>> reached("issued", "accepted"), reached("declined", "en_route"), reached("cleared", "declined")
    (False, False, False)
    >>> reached("declined", "declined")
    True
    """
    if current == status:
        return True
    return current in _CHAIN and status in _CHAIN and _CHAIN.index(current) >= _CHAIN.index(status)


def answer_note(status: str, note: object) -> str:
    """The terminal's note of an answer: required (a disposition, a reason) for the answers that
    close an order, at most ``ANSWER_NOTE_MAX`` characters; ignored for the others. Raises
    ``ValueError`` with the message for the person.

    >>> answer_note("declined", "  Engine failure "), answer_note("accepted", None)
    ('Engine failure', '')
    >>> answer_note("cleared", " ")
    Traceback (most recent call last):
    ValueError: note: a disposition is required to clear an order
    """
    if status not in orders.ANSWER_NOTE:
        return ""
    value = " ".join(note.split()) if isinstance(note, str) else ""
    what = orders.ANSWER_NOTE[status]
    if not value:
        verb = "clear" if status == "cleared" else "decline"
        raise ValueError(f"note: a {what} is required to {verb} an order")
    if len(value) > orders.ANSWER_NOTE_MAX:
        raise ValueError(f"note: the {what} is longer than {orders.ANSWER_NOTE_MAX} characters")
    return value


def _last_fix(client: redis.Redis, keys: Keys, unit: str) -> tuple[float, float, float] | None:
    raw = client.hget(keys.last, unit)
    if raw is None:
        return None
    try:
        fix = orjson.loads(raw)
        return float(fix["lat"]), float(fix["lon"]), float(fix["ts"])
    except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        return None


def raise_help(client: redis.Redis, keys: Keys, city: CityPack, unit: str, actor: str, *,
               source: str = "") -> dict[str, str] | None:
    """Append the ``officer_help`` alert of ``unit`` (its fields as written), ``None`` when the unit
    has no known position. Its id comes from the unit and the event time (``cc:clock``, never
    earlier than the last fix), so a repeated press at the same event time is the same alert."""
    fix = _last_fix(client, keys, unit)
    if fix is None:
        return None
    lat, lon, fix_ts = fix
    ts = orders.event_now(client, keys, fix_ts)
    alert_id = make_alert_id(OFFICER_HELP, unit, ts)
    callsign = city.units[unit].callsign if unit in city.units else unit
    fields = {"alert_id": alert_id, "type": OFFICER_HELP, "severity": str(Severity.RED), "subject": unit,
              "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "ts": fmt_ts(ts),
              "zone": city.units[unit].zone if unit in city.units else "", "checkpoint": "",
              "text": f"{callsign} ({unit}) needs help"}
    if not client.set(keys.help_once(alert_id), "1", nx=True, ex=HELP_ONCE_S):
        return fields  # already appended
    with together(client) as pipe:
        pipe.xadd(keys.alerts, fields)
        append_audit(pipe, keys, actor, OFFICER_HELP, alert_id, {"unit": unit, "lat": lat, "lon": lon},
                     source=source)
        pipe.execute()
    return fields


def _unit_user() -> User:
    user = signed_in()
    if user is None or user.role != "unit" or not user.unit:
        flask.abort(403)
    return user


def _lang() -> str:
    return lang_of(flask.request.values.get("lang"))


def install_unit(server: flask.Flask, client: redis.Redis, keys: Keys, city: CityPack, *, demo: bool) -> None:
    """Add the terminal's routes to ``server`` (after ``web.auth.install``: the gate and CSRF apply)."""

    router = Router(city.roads)

    def page() -> flask.Response:
        user = _unit_user()
        html = unit_page_html(_lang(), generate_csrf(), user.username, user.unit, demo=demo)
        return flask.Response(html, mimetype="text/html")

    def list_orders() -> flask.Response:
        user = _unit_user()
        return flask.jsonify(open_orders(client, keys, city, user.unit, _lang(), router))

    def ack(order_id: str) -> tuple[flask.Response, int] | flask.Response:
        user = _unit_user()
        body = flask.request.get_json(silent=True)
        status = body.get("status") if isinstance(body, dict) else None
        if status not in orders.ACK_STATUSES:
            return flask.jsonify({"error": f"status: {status!r} is not one of {', '.join(orders.ACK_STATUSES)}",
                                  "field": "status"}), 400
        order = orders.get_order(client, keys, order_id)
        if order is None or order.get("unit") != user.unit:  # another unit's order does not exist for this one
            return flask.jsonify({"error": f"order_id: no order {order_id!r} for {user.unit}",
                                  "field": "order_id"}), 404
        try:
            note = answer_note(str(status), body.get("note") if isinstance(body, dict) else None)
        except ValueError as exc:
            return flask.jsonify({"error": str(exc), "field": "note"}), 400
        try:
            orders.ack_order(client, keys, order, str(status), actor=f"user:{user.username}", note=note,
                             source=request_source())
        except orders.OutOfOrder as exc:
            return flask.jsonify({"error": str(exc), "field": "status", "current": exc.current,
                                  "reached": reached(exc.current, str(status))}), 409
        return flask.jsonify(open_orders(client, keys, city, user.unit, _lang(), router))

    def help_() -> tuple[flask.Response, int] | flask.Response:
        user = _unit_user()
        alert = raise_help(client, keys, city, user.unit, actor=f"user:{user.username}", source=request_source())
        if alert is None:
            return flask.jsonify({"error": f"no known position of {user.unit}", "field": "unit"}), 409
        return flask.jsonify(alert), 201

    server.add_url_rule(UNIT_PAGE, "unit", page, methods=["GET"])
    server.add_url_rule(f"{UNIT_PAGE}/orders", "unit_orders", list_orders, methods=["GET"])
    server.add_url_rule(f"{UNIT_PAGE}/orders/<order_id>/ack", "unit_ack", ack, methods=["POST"])
    server.add_url_rule(f"{UNIT_PAGE}/help", "unit_help", help_, methods=["POST"])
