"""The command map tab ("一张图"): the live map, layer switches, the detail panel and the live feed."""

from __future__ import annotations

from dash import dcc, html

from layouts.detail import create_detail_empty
from layouts.map import LAYER_KEYS, create_map
from web import ids
from web.cityview import CityView
from web.i18n import bi

__all__ = ["KEY", "LABEL", "create_command_tab"]

KEY = "command"
LABEL = "tab.command"


def create_command_tab(view: CityView) -> html.Div:
    layers = dcc.Checklist(id=ids.LAYERS, options=[{"label": bi(f"layer.{k}"), "value": k} for k in LAYER_KEYS],
                           value=list(LAYER_KEYS), className="om-layers", inline=True)
    return html.Div(className="om-command", children=[
        html.Div(create_map(ids.CMD_MAP, view), className="om-map-wrap"),
        html.Aside(className="om-side", children=[
            html.Section([html.H3(bi("side.layers")), layers], className="om-panel"),
            html.Section([html.H3(bi("side.detail")), html.Div(create_detail_empty(), id=ids.DETAIL)],
                         className="om-panel om-panel-detail"),
            html.Section([html.H3(bi("side.feed")), html.Div(id=ids.FEED, className="om-feed")],
                         className="om-panel om-panel-feed"),
        ]),
        dcc.Store(id=ids.SELECTED),
        dcc.Interval(id=ids.DETAIL_TICK, interval=3000, disabled=True),
    ])
