"""Page routing, language, tabs, and catch-up on (re)connect.

The pushed data itself (positions, alerts, summary...) reaches the page without any Dash
callback: ``assets/onemap_ui.js`` reads the socket component's props as they change. Dash keeps
every change of a callback input in its undo history, so a callback on a 1 Hz push would make the
page grow for as long as it runs.
"""

from __future__ import annotations

from typing import Any

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, no_update
from dash import ctx as dash_ctx

from callbacks.context import WebContext
from layouts.shell import create_shell
from layouts.wall import create_wall
from web import ids
from web.pages import WALL, page_of

__all__ = ["register"]


def _cs(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="onemap", function_name=name)


def register(app: Dash, ctx: WebContext) -> None:
    @app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"))
    def render_page(pathname: str | None) -> Any:
        return create_wall(ctx.view) if page_of(pathname) == WALL else create_shell(ctx.view)

    @app.callback(Output(ids.sink("catchup"), "data"), Input(ids.SOCKET, "socketId"), Input(ids.RESYNC, "data"),
                  State(ids.LAST_ALERT, "data"), prevent_initial_call=True)
    def catch_up(sid: str | None, resync: dict[str, Any] | None, last_alert: str | None) -> Any:
        """A (re)connected client, or one that noticed a gap, gets what it missed."""
        if not sid:
            return no_update
        after = last_alert
        if isinstance(resync, dict) and resync.get("after") and _triggered(ids.RESYNC):
            after = str(resync["after"])
        return ctx.bridge.catch_up(sid, after)

    app.clientside_callback(_cs("config"), Output(ids.sink("config"), "data"), Input(ids.MAP_CONFIG, "data"))
    app.clientside_callback(_cs("link"), Output(ids.link(ALL), "children"), Output(ids.link(ALL), "className"),
                            Input(ids.SOCKET, "connected"), Input(ids.PAGE, "children"), Input(ids.LANG, "data"))
    app.clientside_callback(_cs("lang"), Output(ids.LANG, "data"), Output(ids.ROOT, "className"),
                            Input(ids.lang_switch(ALL), "value"), Input(ids.URL, "search"))
    app.clientside_callback(_cs("tabs"), Output(ids.tab_pane(ALL), "style"), Input(ids.TAB_SELECT, "value"))


def _triggered(component_id: str) -> bool:
    return any(t["prop_id"].startswith(component_id + ".") for t in dash_ctx.triggered)
