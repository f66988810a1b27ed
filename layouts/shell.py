"""The page frame: the root (stores, page slot) and the command-center shell (header, tabs).

The Socket.IO connection is no component: ``assets/onemap_ui.js`` opens it with the vendored
socket.io-client and writes pushed data straight into the page.
"""

from __future__ import annotations

from collections.abc import Sequence

from dash import dcc, html

from layouts.tabs import TABS, Tab
from web import ids
from web.cityview import CityView
from web.i18n import bi
from web.views.summary import SEVERITIES

__all__ = ["create_root", "create_shell", "create_header", "live"]


def live(name: str) -> str:
    """Class names of a figure that ``assets/onemap_ui.js`` keeps current from the summary push
    (``clock``, ``health``, ``open-red``, ``units-busy``, ``intercepts``, ``vehicles``...).

    Written straight into the page, not through Dash callbacks: Dash keeps every change of a
    callback input in its undo history, which would grow for as long as a wall runs.
    """
    return f"om-live om-live-{name}"


def create_root(view: CityView, demo_accounts: bool = False, demo_feed: str | None = None) -> html.Div:
    """Everything every page shares; the page itself is rendered into ``ids.PAGE`` by path.
    ``demo_accounts``: the demo accounts are on (no ``CC_USERS``), and a banner says so.
    ``demo_feed``: the demo feeds the system (``simulator`` or ``recording``): every screen says DEMO."""
    banner = [html.Div(bi("auth.demo"), id=ids.DEMO_BANNER, className="om-demo-banner", role="note")]
    mark = [html.Div(["DEMO ", html.Span(demo_feed or "", className="om-demo-feed")], id=ids.DEMO_MARK,
                     className="om-demo-mark", role="note", title=f"demo data: {demo_feed}")]
    return html.Div(id=ids.ROOT, className="om-root lang-zh", children=[
        *(banner if demo_accounts else []),
        *(mark if demo_feed else []),
        dcc.Location(id=ids.URL),
        dcc.Store(id=ids.LANG, data="zh"),
        dcc.Store(id=ids.MAP_CONFIG, data=view.config),
        dcc.Store(id=ids.ALERTS_SEEN, data=0),
        *[dcc.Store(id=ids.sink(name)) for name in ("config", "layers")],
        html.Div(id=ids.PAGE, className="om-page"),
    ])


def _counts() -> html.Div:
    return html.Div([html.Span("0", className=f"{live(f'open-{sev}')} om-count om-sev-{sev}", title=sev)
                     for sev in SEVERITIES], className="om-counts")


def _open_to_all() -> list[Tab]:
    return [tab for tab in TABS if not tab.roles]


def create_header(view: CityView, tabs: Sequence[Tab] | None = None) -> html.Header:
    """The header; ``tabs``: the tabs this person is offered (``callbacks.shell`` chooses by role;
    default: only the tabs open to every role)."""
    tabs = _open_to_all() if tabs is None else tabs
    zh, en = view.name
    return html.Header(id=ids.HEADER, className="om-header", children=[
        html.Div([html.Span("OneMap", className="om-brand-en"), html.Span("一张图", className="om-brand-zh"),
                  html.Span([html.Span(zh, className="i18n-zh"), html.Span(en, className="i18n-en")],
                            className="om-city")], className="om-brand"),
        dcc.RadioItems(id=ids.TAB_SELECT, options=[{"label": bi(tab.label), "value": tab.key} for tab in tabs],
                       value=tabs[0].key, className="om-tabs", inline=True),
        html.Div(className="om-status", children=[
            html.Div([html.Label(bi("hdr.clock")), html.Span("--", className=live("clock") + " om-clock")],
                     className="om-stat"),
            html.Div([html.Label(bi("hdr.open")), _counts()], className="om-stat"),
            html.Div([html.Label(bi("hdr.workers")), html.Span("--", className=live("health"))],
                     className="om-stat"),
            html.Div([html.Label(bi("hdr.age")), html.Span("--", className="om-age")],
                     className="om-stat"),
            html.Span("", id=ids.link("header"), className="om-link"),
            html.Form(id=ids.SIGN_OUT, action="/logout", method="post", className="om-sign-out", children=[
                dcc.Input(type="hidden", name="csrf_token", value=""),
                html.Span("", id=ids.USER_NAME, className="om-user"),
                html.Button(bi("auth.sign_out"), type="submit", className="om-button om-button-small")]),
            dcc.RadioItems(id=ids.lang_switch(), options=[{"label": "中文", "value": "zh"},
                                                          {"label": "EN", "value": "en"}],
                           value="zh", persistence=True, persistence_type="local", className="om-lang",
                           inline=True),
        ]),
    ])


def create_shell(view: CityView, tabs: Sequence[Tab] | None = None) -> html.Div:
    """The command-center page: header and one pane per tab of ``tabs`` (all mounted; the map is
    never rebuilt). A tab left out of ``tabs`` is not on the page at all; default as the header's."""
    tabs = _open_to_all() if tabs is None else tabs
    panes = [html.Div(tab.create(view), id=ids.tab_pane(tab.key), className="om-tab-pane",
                      style={} if i == 0 else {"display": "none"}) for i, tab in enumerate(tabs)]
    return html.Div([create_header(view, tabs), html.Main(panes, className="om-main")], className="om-shell")
