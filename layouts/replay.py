"""The Replay tab (officers and supervisors): choose a recording, play, pause, seek on a timeline
with its alerts marked, change speed; the tab's map shows the sandbox's subjects at the playhead."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from layouts.hotspots import toggle
from web import ids
from web.cityview import CityView
from web.i18n import bi, t

__all__ = ["KEY", "LABEL", "ROLES", "create_replay_tab", "speed_options", "create_markers", "create_alert_list"]

KEY = "replay"
LABEL = "tab.replay"
ROLES = ("officer", "supervisor")
"""Who is offered the tab (``callbacks/`` checks it; ``layouts.tabs.Tab.roles``)."""
SPEEDS = (1, 10, 60, 0)
ALERTS_SHOWN = 100
COLORS = {"red": "#ff3b3b", "orange": "#ff9f1a", "yellow": "#ffd60a", "blue": "#3b8bff"}
fn = Namespace("onemap", "map")


def speed_options(lang: str) -> list[dict[str, Any]]:
    return [{"label": f"{s}×" if s else t("rp.max", lang), "value": s} for s in SPEEDS]


def _map(view: CityView) -> dl.Map:
    city = view.city
    children: list[Any] = [dl.TileLayer(url=view.tile_url, maxZoom=19)] if view.tile_url else []
    children += [dl.GeoJSON(data=view.patrol, style=fn("zoneStyle"), interactive=False),
                 dl.LayerGroup(id=ids.RP_HOT_LAYER, children=[]),
                 dl.LayerGroup(id=ids.RP_MARKERS, children=[]),
                 dl.ScaleControl(position="bottomleft", imperial=False)]
    return dl.Map(id=ids.RP_MAP, center=list(city.center), zoom=city.zoom, className="om-map om-rp-map",
                  children=children, maxZoom=19, minZoom=10, zoomSnap=0.25, bounds=view.config.get("bounds"),
                  boundsOptions={"padding": [16, 16]}, attributionControl=False,
                  style={"width": "100%", "height": "100%"})


def _bounds(view: CityView) -> dict[str, Any]:
    """The city's bounds for ``assets/onemap_replay.js``, which frames the map once its tab is shown."""
    return {"data-bounds": json.dumps(view.config.get("bounds"))} if view.config.get("bounds") else {}


def create_replay_tab(view: CityView) -> html.Div:
    return html.Div(className="om-replay", children=[
        html.Div(className="om-rp-controls om-panel", children=[
            html.Div([html.Label(bi("rp.file")),
                      dcc.RadioItems(id=ids.RP_FILE, options=[], className="om-rp-file", inline=True)],
                     className="om-rp-field"),
            html.Button(bi("rp.play"), id=ids.RP_PLAY, n_clicks=0, className="om-button"),
            html.Button(bi("rp.pause"), id=ids.RP_PAUSE, n_clicks=0, className="om-button"),
            html.Div([html.Label(bi("rp.speed")),
                      dcc.RadioItems(id=ids.RP_SPEED, options=speed_options("zh"), value=60, inline=True,
                                     className="om-rp-speed")], className="om-rp-field"),
            html.Div([html.Label(bi("rp.clock")), html.Span("--", id=ids.RP_CLOCK, className="om-rp-clock")],
                     className="om-rp-field"),
            html.Div(bi("rp.idle"), id=ids.RP_STATUS, className="om-rp-status", role="status"),
            toggle(ids.RP_HOT_TOGGLE),
            html.Div(id=ids.RP_HOT_LEGEND, className="om-hot-legend", role="status"),
        ]),
        dcc.Graph(id=ids.RP_TIMELINE, config={"displayModeBar": False}, className="om-rp-timeline",
                  style={"height": "120px"}),
        html.Div(className="om-rp-body", children=[
            html.Div(_map(view), className="om-map-wrap om-rp-map-wrap", title=t("rp.map", "en"),
                     **_bounds(view)),
            html.Section([html.H3(bi("rp.alerts")), html.Ul(id=ids.RP_ALERTS, className="om-rp-alerts")],
                         className="om-panel om-rp-alerts-panel"),
        ]),
        dcc.Store(id=ids.RP_DONE, data=0),
        dcc.Store(id=ids.RP_HOUR, data=""),
        dcc.Interval(id=ids.RP_TICK, interval=1000, disabled=True),
    ])


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def create_markers(rows: Sequence[Mapping[str, Any]], callsigns: Mapping[str, str]) -> list[Any]:
    """Units as labelled markers (their callsign), every other subject as a small dot."""
    out: list[Any] = []
    for r in rows:
        pos = [r["lat"], r["lon"]]
        if r["kind"] == "unit":
            label = _esc(callsigns.get(r["subject"], r["subject"]))
            out.append(dl.DivMarker(position=pos, iconOptions={
                "className": "om-rp-unit", "iconSize": [14, 14], "iconAnchor": [7, 7],
                "html": f'<span class="om-rp-dot" data-subject="{_esc(r["subject"])}"></span>'
                        f'<span class="om-rp-label">{label}</span>'}))
        else:
            out.append(dl.CircleMarker(center=pos, radius=4, color="#9fb3c8", weight=1, fillColor="#c8d3e0",
                                       fillOpacity=0.8, className="om-rp-vehicle",
                                       children=[dl.Tooltip(r["subject"])]))
    return out


def _data_id(a: Mapping[str, Any]) -> dict[str, Any]:
    return {"data-id": str(a.get("alert_id"))}


def create_alert_list(rows: Sequence[Mapping[str, Any]], times: Sequence[str], lang: str) -> list[Any]:
    """The replayed alerts up to the playhead, newest first: time, type, text."""
    if not rows:
        return [html.Li(t("rp.none", lang), className="om-rp-none")]
    return [html.Li([html.Span(when, className="om-rp-time"), " ",
                     html.Span(t(f"type.{a.get('type')}", lang), className="om-rp-type",
                               style={"borderColor": COLORS.get(str(a.get("severity")), "#888")}),
                     " ", html.Span(str(a.get("text", "")), className="om-rp-text")],
                    className=f"om-rp-alert om-sev-{a.get('severity')}", **_data_id(a))
            for a, when in zip(rows[:ALERTS_SHOWN], times, strict=False)]
