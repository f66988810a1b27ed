"""The Coverage tab (supervisors only): pick a shift or a range; zones coloured by coverage against
the target, cells by the time since their last visit, the gaps, per-unit figures, a chart, CSV."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from web import ids
from web.cityview import CityView
from web.i18n import bi, t
from web.views.coverage import GapRow, UnitRow, ZoneRow

__all__ = ["KEY", "LABEL", "ROLES", "create_coverage_tab", "zone_table", "unit_table", "gap_list", "zone_polygons",
           "gap_markers"]

KEY = "coverage"
LABEL = "tab.coverage"
ROLES = ("supervisor",)
fn = Namespace("onemap", "coverage")


def _th(key: str, lang: str) -> html.Th:
    return html.Th(t(key, lang))


def zone_table(rows: list[ZoneRow], lang: str) -> html.Table:
    head = html.Tr([_th(k, lang) for k in ("cov.col.zone", "cov.col.covered", "cov.col.cells")])
    body = [html.Tr([html.Td([html.Span(className="om-cov-swatch", style={"background": r.color}), r.name]),
                     html.Td(r.covered, className="om-cov-num"), html.Td(r.cells, className="om-cov-num")],
                    className="om-cov-zone-row", title=r.zone) for r in rows]
    return html.Table([html.Thead(head), html.Tbody(body)], className="om-cov-table")


def unit_table(rows: list[UnitRow], lang: str) -> html.Table:
    keys = ("cov.col.unit", "cov.col.zone", "cov.col.distance", "cov.col.in_zone", "cov.col.out_zone", "cov.col.idle")
    body = [html.Tr([html.Td(r.callsign), html.Td(r.zone), html.Td(r.distance, className="om-cov-num"),
                     html.Td(r.in_zone, className="om-cov-num"), html.Td(r.out_zone, className="om-cov-num"),
                     html.Td(r.idle, className="om-cov-num")], className="om-cov-unit-row", title=r.unit)
            for r in rows]
    return html.Table([html.Thead(html.Tr([_th(k, lang) for k in keys])), html.Tbody(body)], className="om-cov-table")


def gap_list(rows: list[GapRow], lang: str) -> list[Any]:
    if not rows:
        return [html.Li(t("cov.gaps.none", lang), className="om-cov-gap-none")]
    return [html.Li([html.B(r.time), f" {r.zone} · {r.text}"], className="om-cov-gap") for r in rows]


def zone_polygons(rows: list[ZoneRow], outlines: dict[str, list[list[list[float]]]]) -> list[Any]:
    """Each zone as a polygon filled with its coverage colour; the path's class names the zone."""
    return [dl.Polygon(positions=outlines[r.zone], color=r.color, fillColor=r.color, fillOpacity=0.25, weight=3,
                       className=f"om-cov-zone om-cov-zone-{r.zone}", interactive=True,
                       children=[dl.Tooltip(f"{r.name} {r.covered}")])
            for r in rows if r.zone in outlines]


def gap_markers(rows: list[GapRow]) -> list[Any]:
    return [dl.CircleMarker(center=[r.lat, r.lon], radius=8, color="#ffffff", fillColor="#e5484d", fillOpacity=0.9,
                            weight=2, className="om-cov-gap-marker", children=[dl.Tooltip(f"{r.time} {r.text}")])
            for r in rows]


def create_coverage_tab(view: CityView) -> html.Div:
    city = view.city
    cov_map = dl.Map(id=ids.COV_MAP, center=list(city.center), zoom=city.zoom, bounds=view.config.get("bounds"),
                     boundsOptions={"padding": [16, 16]}, className="om-map om-cov-map", maxZoom=19, minZoom=10,
                     zoomSnap=0.25, style={"width": "100%", "height": "100%"}, children=[
                         *([dl.TileLayer(url=view.tile_url, maxZoom=19)] if view.tile_url else []),
                         dl.GeoJSON(id=ids.COV_CELLS, data={"type": "FeatureCollection", "features": []},
                                    style=fn("cellStyle"), onEachFeature=fn("cellTip")),
                         dl.LayerGroup(id=ids.COV_ZONES),
                         dl.LayerGroup(id=ids.COV_GAPS_LAYER),
                         dl.ScaleControl(position="bottomleft", imperial=False)])
    return html.Div(className="om-coverage", children=[
        html.Div(className="om-filters", children=[
            html.Div([html.Label(bi("cov.shift")),
                      dcc.Dropdown(id=ids.COV_SHIFT, options=[], clearable=False, className="om-dropdown")],
                     className="om-filter om-cov-wide"),
            html.Div([html.Label(bi("cov.from")),
                      dcc.Input(id=ids.COV_FROM, type="text", placeholder="YYYY-MM-DD HH:MM", className="om-input")],
                     className="om-filter"),
            html.Div([html.Label(bi("cov.to")),
                      dcc.Input(id=ids.COV_TO, type="text", placeholder="YYYY-MM-DD HH:MM", className="om-input")],
                     className="om-filter"),
            html.Button(bi("cov.show"), id=ids.COV_SHOW, n_clicks=0, className="om-button"),
            html.Button(bi("cov.export"), id=ids.COV_EXPORT, n_clicks=0, className="om-button"),
            dcc.Download(id=ids.COV_DOWNLOAD),
            html.Div(id=ids.COV_RANGE, className="om-cov-range", role="status"),
        ]),
        html.Div(className="om-cov-body", children=[
            html.Div(cov_map, className="om-cov-mapbox"),
            html.Div(className="om-cov-side", children=[
                html.Section([html.H3(bi("cov.zones")), html.Div(id=ids.COV_ZONE_TABLE)], className="om-panel"),
                html.Section([html.H3(bi("cov.gaps")), html.Ul(id=ids.COV_GAPS, className="om-cov-gaps")],
                             className="om-panel"),
            ]),
        ]),
        html.Section([html.H3(bi("cov.units")), html.Div(id=ids.COV_UNIT_TABLE)], className="om-panel"),
        dcc.Graph(id=ids.COV_CHART, figure={"data": [], "layout": {"height": 280, "paper_bgcolor": "#0d1b2a",
                                                                    "plot_bgcolor": "#0d1b2a"}},
                  config={"displayModeBar": False}, className="om-cov-chart"),
    ])
