"""Page routing, language and tabs.

The pushed data itself (positions, alerts, summary...), the connection state and the catch-up on
(re)connect never involve a Dash callback: ``assets/onemap_ui.js`` holds its own Socket.IO client
and ``web.sockets`` answers its ``catchup``. Dash keeps every change of a callback input in its
undo history, so a callback on a 1 Hz push would make the page grow for as long as it runs.
"""

from __future__ import annotations

from typing import Any

from dash import ALL, ClientsideFunction, Dash, Input, Output

from callbacks.context import WebContext
from layouts.shell import create_shell
from layouts.tabs import TABS, Tab
from layouts.wall import create_wall
from web import ids
from web.auth import signed_in
from web.pages import WALL, page_of

__all__ = ["register", "tabs_for"]


def _cs(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="onemap", function_name=name)


def tabs_for(role: str | None) -> list[Tab]:
    """The tabs offered to ``role``: a tab with ``roles`` only to those (the Audit tab to supervisors).

    >>> [t.key for t in tabs_for("supervisor")][-1], "audit" in [t.key for t in tabs_for("officer")]
    ('audit', False)
    """
    return [tab for tab in TABS if not tab.roles or role in tab.roles]


def register(app: Dash, ctx: WebContext) -> None:
    @app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"))
    def render_page(pathname: str | None) -> Any:
        if page_of(pathname) == WALL:
            return create_wall(ctx.view)
        user = signed_in()
        return create_shell(ctx.view, tabs_for(user.role if user else None))

    @app.callback(Output(ids.USER_NAME, "children"), Output(ids.AL_ACK_OFFICER, "value"),
                  Input(ids.URL, "pathname"))
    def who(_path: str | None) -> tuple[str, str]:
        """The signed-in name in the header and, read-only, in the acknowledgement form."""
        user = signed_in()
        return (user.username, user.username) if user else ("", "")

    app.clientside_callback(_cs("config"), Output(ids.sink("config"), "data"), Input(ids.MAP_CONFIG, "data"))
    app.clientside_callback(_cs("lang"), Output(ids.LANG, "data"), Output(ids.ROOT, "className"),
                            Input(ids.lang_switch(ALL), "value"), Input(ids.URL, "search"))
    app.clientside_callback(_cs("tabs"), Output(ids.tab_pane(ALL), "style"), Input(ids.TAB_SELECT, "value"))

