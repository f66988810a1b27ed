"""The Dispatch tab: pick an alert (queue, command map detail panel, alerts table), see its ranked
candidates on the tab's map, dispatch with one click, follow the board, flip auto-dispatch.

Writes (dispatch, auto-dispatch switches) check the signed-in person's role first: only officers and
supervisors; anyone else is told so and nothing is written."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from api import dispatch as api_dispatch
from callbacks.context import WebContext
from core.alerts import find_alert
from core.travel import DEFAULT_LEARN_WINDOW_S
from layouts import dispatch as ld
from web import ids
from web import orders as wo
from web import store as webstore
from web.auth import request_source, signed_in
from web.i18n import lang_of, t
from web.users import User
from web.views import dispatch as vdp
from web.views.alertline import alert_line

__all__ = ["register", "DISPATCH_ROLES", "dispatcher_name", "send", "flip_auto", "board", "candidates"]

DISPATCH_ROLES = ("officer", "supervisor")


def dispatcher_name(user: User | None) -> str | None:
    """The username of a person who may dispatch; ``None`` for anyone else (the wall, a unit)."""
    return user.username if user is not None and user.role in DISPATCH_ROLES else None


def _limits(c: WebContext) -> tuple[float, float]:
    return (c.dispatch.accept_s, c.dispatch.scene_s) if c.dispatch else (60.0, 900.0)


def _alert(c: WebContext, alert_id: str) -> dict[str, Any] | None:
    held = next((a for a in c.bridge.held_alerts() if a.get("alert_id") == alert_id), None)
    return held if held is not None else find_alert(c.client, c.keys, alert_id)


def _window(c: WebContext) -> float:
    """How far back learned travel times count (``CC_LEARN_WINDOW_S``, carried by the dispatch loop)."""
    return c.dispatch.learn_window_s if c.dispatch is not None else DEFAULT_LEARN_WINDOW_S


def send(c: WebContext, alert_id: str, unit: str, username: str | None) -> tuple[str, dict[str, Any] | None]:
    """Dispatch ``unit`` to ``alert_id`` as ``username``: ``(i18n key of the outcome, order or None)``."""
    if username is None:
        return "dp.no_role", None
    alert = _alert(c, alert_id)
    if alert is None:
        return "dp.unknown", None
    if unit not in c.view.city.units:
        return "dp.unknown_unit", None
    if any(o.get("alert_id") == alert_id for o in wo.open_orders(c.client, c.keys, [unit])):
        return "dp.already", None
    order = api_dispatch.issue_order(c.client, c.keys, c.view.city, alert, unit, "", issued_by=f"user:{username}",
                                     source=request_source(), window_s=_window(c))
    return "dp.sent_ok", order


def flip_auto(c: WebContext, wanted: list[str], username: str | None) -> tuple[bool, list[str]]:
    """Make the switches match ``wanted`` as ``username``: ``(allowed, types changed)``."""
    if username is None:
        return False, []
    have = set(wo.auto_state(c.client, c.keys))
    changed = []
    for typ in sorted(have ^ set(wanted)):
        if wo.set_auto(c.client, c.keys, typ, typ in wanted, username, request_source()):
            changed.append(typ)
    return True, changed


def candidates(c: WebContext, alert: dict[str, Any], lang: str) -> tuple[list[dict[str, Any]], dict[str, tuple[float, float]]]:
    """The candidate rows of ``alert`` and each ranked unit's position."""
    fixes = api_dispatch.load_units(c.client, c.keys, c.view.city)
    ranked = api_dispatch.candidates_for(c.client, c.keys, c.view.city, alert, _window(c), units=fixes)
    return vdp.candidate_rows(ranked, c.view.config["names"], lang), {u.unit: (u.lat, u.lon) for u in fixes}


def board(c: WebContext, lang: str) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any] | None], list[dict[str, Any]]]:
    """The board's rows, the next unit offered for each escalated or declined order, and the orders read."""
    city, k = c.view.city, c.keys
    orders, answers = wo.board_orders(c.client, k, city.units)
    held = {str(a["alert_id"]): a for a in c.bridge.held_alerts()}
    accept_s, scene_s = _limits(c)
    rows = vdp.board_rows(orders, vdp.answer_times(answers),
                          wo.escalated_ids(c.client, k, [o["order_id"] for o in orders]),
                          wo.auto_order_ids(c.client, k, orders), held,
                          {u.id: u.callsign for u in city.units.values()}, c.view.config["names"],
                          webstore.read_clock(c.client, k), accept_s, scene_s, lang)
    offers: dict[str, dict[str, Any] | None] = {}
    fixes = api_dispatch.load_units(c.client, k, city) if any(r["offer_next"] for r in rows) else []
    for r in rows:
        alert = held.get(r["alert_id"]) if r["offer_next"] else None
        if r["offer_next"] and (alert := alert or find_alert(c.client, k, r["alert_id"])) is not None:
            nxt = vdp.next_candidate(api_dispatch.candidates_for(c.client, k, city, alert, _window(c), units=fixes),
                                     wo.sent_units(orders, r["alert_id"]))
            offers[r["order_id"]] = {"unit": nxt.unit, "button": vdp.button_label(nxt.callsign, lang)} if nxt else None
    return rows, offers, orders


def _bounds(points: list[tuple[float, float]]) -> dict[str, Any]:
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    return {"bounds": [[min(lats), min(lons)], [max(lats), max(lons)]], "transition": "fitBounds",
            "options": {"padding": [48, 48], "maxZoom": 17, "animate": False}}


def _picked(data: Any) -> str:
    return str(data.get("alert") or "") if isinstance(data, dict) else ""


def register(app: Dash, c: WebContext) -> None:
    _register_picks(app)
    _register_views(app, c)
    _register_writes(app, c)


def _register_picks(app: Dash) -> None:
    """Picking an alert: from the queue, the command map's detail panel, the alerts table."""
    app.clientside_callback("function (tab) { return tab !== 'dispatch'; }", Output(ids.DP_TICK, "disabled"),
                            Input(ids.TAB_SELECT, "value"))

    @app.callback(Output(ids.DP_PICKED, "data"), Input(ids.dp_pick(ALL), "n_clicks"), prevent_initial_call=True)
    def pick(clicks: Any) -> Any:
        if not ctx.triggered_id or not any(x.get("value") for x in ctx.triggered):
            return no_update  # the queue was redrawn, nobody clicked
        return {"alert": ctx.triggered_id["alert"]}

    @app.callback(Output(ids.TAB_SELECT, "value", allow_duplicate=True),
                  Output(ids.DP_PICKED, "data", allow_duplicate=True), Input(ids.DP_FROM_DETAIL, "n_clicks"),
                  State(ids.SELECTED, "data"), prevent_initial_call=True)
    def from_detail(n: Any, selected: Any) -> Any:
        if not n or not isinstance(selected, dict) or selected.get("kind") != "alert":
            return no_update, no_update
        return ld.KEY, {"alert": str(selected.get("id"))}

    @app.callback(Output(ids.TAB_SELECT, "value", allow_duplicate=True),
                  Output(ids.DP_PICKED, "data", allow_duplicate=True), Input(ids.DP_FROM_TABLE, "n_clicks"),
                  State(ids.AL_TABLE, "active_cell"), prevent_initial_call=True)
    def from_table(n: Any, cell: Any) -> Any:
        if not n or not isinstance(cell, dict) or not cell.get("row_id"):
            return no_update, no_update
        return ld.KEY, {"alert": str(cell["row_id"])}


def _register_views(app: Dash, c: WebContext) -> None:
    tz, names = c.view.city.timezone, c.view.config["names"]

    @app.callback(Output(ids.DP_QUEUE, "children"), Input(ids.DP_TICK, "n_intervals"), Input(ids.DP_SEEN, "data"),
                  Input(ids.DP_DONE, "data"), Input(ids.DP_PICKED, "data"), Input(ids.LANG, "data"),
                  Input(ids.TAB_SELECT, "value"))
    def queue(_n: Any, _seen: Any, _done: Any, picked: Any, lang: str | None, tab: str | None) -> Any:
        if tab != ld.KEY:
            return no_update
        lang = lang_of(lang)
        orders, _ = wo.board_orders(c.client, c.keys, c.view.city.units)
        rows = vdp.queue_rows(c.bridge.held_alerts(), (), orders, names, tz, lang)
        return ld.create_queue(rows, _picked(picked), lang)

    @app.callback(Output(ids.DP_ALERT, "children"), Output(ids.DP_CANDIDATES, "children"),
                  Output(ids.DP_LAYER, "children"), Output(ids.DP_MAP, "viewport"), Input(ids.DP_PICKED, "data"),
                  Input(ids.DP_REFRESH, "n_clicks"), Input(ids.DP_DONE, "data"), Input(ids.LANG, "data"),
                  Input(ids.TAB_SELECT, "value"))
    def show(picked: Any, _refresh: Any, _done: Any, lang: str | None, tab: str | None) -> Any:
        # The ranking is computed when an alert is picked, after this page dispatched, and on
        # `Refresh ranking`; never on every push: rows that reorder under the cursor every second
        # (as units move) lose the officer's click.
        alert_id = _picked(picked)
        if tab != ld.KEY or not alert_id:
            return no_update, no_update, no_update, no_update
        lang = lang_of(lang)
        alert = _alert(c, alert_id)
        if alert is None:
            return t("dp.unknown", lang), [], [], no_update
        rows, fixes = candidates(c, alert, lang)
        target = (float(alert["lat"]), float(alert["lon"]))
        label = alert_line(alert, names, lang)
        head = ld.create_picked(vdp.alert_summary(alert, 0, names, tz, lang))
        points = [target] + [fixes[r["unit"]] for r in rows if r["unit"] in fixes] + [(r["lat"], r["lon"]) for r in rows]
        moved = ctx.triggered_id in (ids.DP_PICKED, ids.TAB_SELECT)
        return (head, ld.create_candidates(alert_id, rows, lang), ld.create_layer(target, rows, fixes, label),
                _bounds(points) if moved else no_update)

    @app.callback(Output(ids.DP_BOARD, "children"), Input(ids.DP_TICK, "n_intervals"), Input(ids.DP_SEEN, "data"),
                  Input(ids.DP_DONE, "data"), Input(ids.LANG, "data"), Input(ids.TAB_SELECT, "value"))
    def show_board(_n: Any, _seen: Any, _done: Any, lang: str | None, tab: str | None) -> Any:
        if tab != ld.KEY:
            return no_update
        lang = lang_of(lang)
        rows, offers, _ = board(c, lang)
        return ld.create_board(rows, offers, lang)


def _register_writes(app: Dash, c: WebContext) -> None:
    """Dispatching and the auto-dispatch switches: each checks the role before it writes."""

    @app.callback(Output(ids.DP_MESSAGE, "children"), Output(ids.DP_MESSAGE, "className"),
                  Output(ids.DP_DONE, "data"), Input(ids.dp_send(ALL, ALL, ALL), "n_clicks"),
                  State(ids.DP_DONE, "data"), State(ids.LANG, "data"), prevent_initial_call=True)
    def dispatch(_clicks: Any, done: Any, lang: str | None) -> Any:
        if not ctx.triggered_id or not any(x.get("value") for x in ctx.triggered):
            return no_update, no_update, no_update
        lang = lang_of(lang)
        which = ctx.triggered_id
        outcome, order = send(c, str(which["alert"]), str(which["unit"]), dispatcher_name(signed_in()))
        if order is None:
            return t(outcome, lang), "om-dp-message om-error", no_update
        callsign = c.view.city.units[order["unit"]].callsign
        return f"{t(outcome, lang)}: {callsign} · {order['order_id']}", "om-dp-message om-ok", (done or 0) + 1

    @app.callback(Output(ids.DP_AUTO, "value"), Output(ids.DP_AUTO, "options"), Output(ids.DP_AUTO_INFO, "children"),
                  Input(ids.DP_AUTO, "value"), Input(ids.LANG, "data"), Input(ids.TAB_SELECT, "value"),
                  Input(ids.DP_SEEN, "data"))
    def auto(wanted: Any, lang: str | None, tab: str | None, _seen: Any) -> Any:
        if tab != ld.KEY:
            return no_update, no_update, no_update
        lang = lang_of(lang)
        note = ""
        if ctx.triggered_id == ids.DP_AUTO:
            allowed, changed = flip_auto(c, [str(x) for x in wanted or []], dispatcher_name(signed_in()))
            note = t("dp.auto.changed", lang) if changed else ("" if allowed else t("dp.no_role", lang))
        state = wo.auto_state(c.client, c.keys)
        on = ", ".join(f"{t(f'type.{k}', lang)} ({t('dp.auto.on_by', lang)} {v.get('by')})" for k, v in sorted(state.items()))
        return sorted(state), ld.auto_options(lang), [note and f"{note}. ", on or t("dp.auto.none", lang)]
