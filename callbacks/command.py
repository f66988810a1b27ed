"""The command map tab: layer switches, the detail panel, and flying to an alert from any list."""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State, no_update

from callbacks.context import WebContext
from core.alerts import find_alert
from layouts.detail import create_detail, create_detail_empty
from web import ids
from web import store as webstore
from web.i18n import lang_of
from web.views import detail as vd

__all__ = ["register", "detail_model"]


def detail_model(ctx: WebContext, kind: str, item: str, lang: str) -> dict[str, Any] | None:
    """Read what the panel needs for one clicked thing and build its view model."""
    c, k, city = ctx.client, ctx.keys, ctx.view.city
    clock = webstore.read_clock(c, k)
    if kind == "checkpoint":
        return vd.checkpoint_detail(item, webstore.checkpoint_reads(c, k, item),
                                    webstore.alerts_about(c, k, "checkpoint", item), city, clock, lang)
    if kind == "alert":
        alert = find_alert(c, k, item)
        ack = webstore.acks_for(c, k, [item]).get(item)
        return vd.alert_detail(alert, ack, city, clock, lang)
    if kind in ("unit", "vehicle", "other"):
        status = (ctx.bridge.summary.get("unit_status") or {}).get(item, "")
        return vd.subject_detail(item, webstore.last_fix(c, k, item), webstore.track(c, k, item),
                                 webstore.alerts_about(c, k, "subject", item), city, clock, lang, status)
    return None


def register(app: Dash, ctx: WebContext) -> None:
    app.clientside_callback(ClientsideFunction("onemap", "layers"), Output(ids.sink("layers"), "data"),
                            Input(ids.LAYERS, "value"))
    app.clientside_callback(ClientsideFunction("onemap", "alertLink"), Output(ids.TAB_SELECT, "value"),
                            Output(ids.SELECTED, "data"), Input(ids.alert_links(), "n_clicks"), prevent_initial_call=True)

    @app.callback(Output(ids.DETAIL, "children"), Output(ids.TRACK_LINE, "positions"),
                  Output(ids.DETAIL_TICK, "disabled"), Input(ids.SELECTED, "data"), Input(ids.DETAIL_TICK, "n_intervals"), Input(ids.LANG, "data"),
                  State(ids.TAB_SELECT, "value"))
    def show_detail(selected: dict[str, Any] | None, _tick: int | None, lang: str | None, tab: str | None) -> Any:
        # the refresh tick runs only while something is selected (see the last output)
        if not isinstance(selected, dict) or not selected.get("id"):
            return create_detail_empty(), [], True
        if tab not in (None, "command"):
            return no_update, no_update, no_update
        lang = lang_of(lang)
        vm = detail_model(ctx, str(selected.get("kind")), str(selected["id"]), lang)
        if vm is None:
            return create_detail_empty(), [], True
        return create_detail(vm, lang), vm["track"], False
