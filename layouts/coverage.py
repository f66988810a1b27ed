"""The Coverage tab (supervisors only): pick a shift or a range; zones coloured by coverage against
the target, cells by the time since their last visit, the gaps, per-unit figures, a chart, CSV."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from layouts.hotspots import safe_class, toggle
from web import ids
from web.cityview import CityView
from web.i18n import bi, t
from web.views.coverage import GapMark, GapRow, UnitRow, ZoneRow

__all__ = ["KEY", "LABEL", "ROLES", "create_coverage_tab", "zone_table", "unit_table", "gap_list", "zone_polygons",
           "gap_markers"]

KEY = "coverage"
LABEL = "tab.coverage"
ROLES = ("supervisor",)
GAPS_SHOWN = 200
fn = Namespace("onemap", "coverage")


def _th(key: str, lang: str) -> html.Th:
    return html.Th(t(key, lang))


def zone_table(rows: list[ZoneRow], lang: str) -> html.Table:
    head = html.Tr([_th(k, lang) for k in ("cov.col.zone", "cov.col.covered", "cov.col.cells", "cov.col.gaps")])
    body = [html.Tr([html.Td([html.Span(className="om-cov-swatch", style={"background": r.color}), r.name]),
                     html.Td(r.covered, className="om-cov-num"), html.Td(r.cells, className="om-cov-num"),
                     html.Td(str(r.gaps) if r.gaps else "", className="om-cov-num om-cov-gap-counts")],
                    className="om-cov-zone-row", title=r.zone) for r in rows]
    return html.Table([html.Thead(head), html.Tbody(body)], className="om-cov-table")


def unit_table(rows: list[UnitRow], lang: str) -> html.Table:
    keys = ("cov.col.unit", "cov.col.zone", "cov.col.distance", "cov.col.in_zone", "cov.col.out_zone", "cov.col.idle")
    body = [html.Tr([html.Td(r.callsign), html.Td(r.zone), html.Td(r.distance, className="om-cov-num"),
                     html.Td(r.in_zone, className="om-cov-num"), html.Td(r.out_zone, className="om-cov-num"),
                     html.Td(r.idle, className="om-cov-num")], className="om-cov-unit-row", title=r.unit)
            for r in rows]
    return html.Table([html.Thead(html.Tr([_th(k, lang) for k in keys])), html.Tbody(body)], className="om-cov-table")


def _counts(r: GapRow, lang: str) -> str:
    parts = [t("cov.gap.crime" if r.incidents == 1 else "cov.gap.crimes", lang).format(n=r.incidents)] \
        if r.incidents else []
    if r.alerts:
        parts.append(t("cov.gap.alert" if r.alerts == 1 else "cov.gap.alerts", lang).format(n=r.alerts))
    return ", ".join(parts)


def gap_list(rows: list[GapRow], lang: str) -> list[Any]:
    """Per zone and hour: when, where, how many crimes and alerts had no patrol, and what they were."""
    if not rows:
        return [html.Li(t("cov.gaps.none", lang), className="om-cov-gap-none")]
    items: list[Any] = [html.Li([html.B(r.time), f" {r.name} · ", html.Span(_counts(r, lang), className="om-cov-gap-counts"),
                                 f" — {r.text}"], className="om-cov-gap", title=r.zone) for r in rows[:GAPS_SHOWN]]
    if len(rows) > GAPS_SHOWN:
        items.append(html.Li(t("cov.gap.more", lang).format(n=len(rows) - GAPS_SHOWN), className="om-cov-gap-none"))
    return items


def zone_polygons(rows: list[ZoneRow], outlines: dict[str, list[list[list[float]]]]) -> list[Any]:
    """Each zone as a polygon filled with its coverage colour; the path's class names the zone."""
    return [dl.Polygon(positions=outlines[r.zone], color=r.color, fillColor=r.color, fillOpacity=0.25, weight=3,
                       className=f"om-cov-zone om-cov-zone-{r.zone}", interactive=True,
                       children=[dl.Tooltip(f"{r.name} {r.covered}")])
            for r in rows if r.zone in outlines]


def gap_markers(marks: list[GapMark]) -> list[Any]:
    """An alert with no patrol as a red dot; a crime with no patrol as a red ring around its hotspot dot."""
    return [dl.CircleMarker(center=[m.lat, m.lon], radius=8 if m.kind == "alert" else 11, color="#ffffff" if
                            m.kind == "alert" else "#e5484d", fillColor="#e5484d",
                            fillOpacity=0.9 if m.kind == "alert" else 0.0, weight=2 if m.kind == "alert" else 3,
                            className=f"om-cov-gap-marker om-cov-gap-{m.kind} om-cov-gap-id-{safe_class(m.id)}",
                            children=[dl.Tooltip(m.tip)])
            for m in marks]


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
                         dl.LayerGroup(id=ids.COV_HOT_LAYER),
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
            dcc.Store(id=ids.COV_SPAN),
        ]),
        html.Div(className="om-cov-hot", children=[
            toggle(ids.COV_HOT_TOGGLE),
            html.Div([html.Label(bi("hot.hour")),
                      dcc.Dropdown(id=ids.COV_HOT_HOUR, options=[], value="", clearable=False,
                                   className="om-dropdown")], className="om-filter om-cov-wide"),
            html.Div(id=ids.COV_HOT_LEGEND, className="om-hot-legend", role="status"),
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
