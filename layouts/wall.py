"""The wall screen ``/wall``: read-only, a full-screen map, big KPI tiles and a ticker."""

from __future__ import annotations

from dash import html

from layouts.map import create_map
from layouts.shell import live
from web import ids
from web.cityview import CityView
from web.i18n import bi
from web.views.summary import SEVERITIES, UNIT_STATUSES

__all__ = ["create_wall"]


def _tile(name: str, label: str, cls: str = "") -> html.Div:
    return html.Div([html.Div(bi(label), className="om-tile-label"),
                     html.Div("0", className=live(name) + " om-count")],
                    className=f"om-tile {cls}".strip())


def create_wall(view: CityView) -> html.Div:
    zh, en = view.name
    open_tiles = [_tile(f"open-{sev}", f"sev.{sev}", f"om-tile-sev om-sev-{sev}") for sev in SEVERITIES]
    unit_tiles = [_tile(f"units-{st}", f"unit.{st}", f"om-tile-unit om-unit-{st}") for st in UNIT_STATUSES]
    return html.Div(className="om-wall", children=[
        html.Div(className="om-wall-top", children=[
            html.Div([html.Span("OneMap 一张图", className="om-wall-brand"),
                      html.Span([html.Span(zh, className="i18n-zh"), html.Span(en, className="i18n-en")],
                                className="om-city")]),
            html.Div([html.Span("--", className=live("clock") + " om-clock")],
                     className="om-wall-clock"),
            html.Div([html.Span(bi("wall.age")), " ", html.Span("--", className="om-age"),
                      " ", html.Span("", id=ids.link("wall"), className="om-link")], className="om-wall-age"),
        ]),
        html.Div(className="om-wall-main", children=[
            html.Div(create_map(ids.WALL_MAP, view, wall=True), className="om-wall-map"),
            html.Div(className="om-wall-side", children=[
                html.H2(bi("wall.open")), html.Div(open_tiles, className="om-tiles om-tiles-4"),
                html.H2(bi("wall.units")), html.Div(unit_tiles, className="om-tiles om-tiles-3"),
                html.Div([_tile("intercepts", "wall.intercepts"), _tile("vehicles", "wall.vehicles")],
                         className="om-tiles om-tiles-2"),
                html.H2(bi("wall.ticker")),
                html.Div(id=ids.WALL_TICKER, className="om-ticker"),
            ]),
        ]),
    ])
