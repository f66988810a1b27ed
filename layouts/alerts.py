"""The alerts tab: filters, counts and a time chart by type, the live table, acknowledge, export."""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from dash import dcc, html
from dash.dash_table.DataTable import DataTable

from web import ids
from web.cityview import CityView
from web.i18n import bi, t
from web.views.alerts import ALERT_TYPES, COLUMNS, STATUSES, WINDOWS
from web.views.summary import SEVERITIES

__all__ = ["KEY", "LABEL", "create_alerts_tab", "create_chart", "create_counts", "columns", "filter_options"]

KEY = "alerts"
LABEL = "tab.alerts"
SEV_COLORS = {"red": "#ff3b3b", "orange": "#ff9500", "yellow": "#ffd60a", "blue": "#2f8cff"}
TYPE_COLORS = ["#ff3b3b", "#ff9500", "#ffd60a", "#2f8cff", "#00e5ff", "#e040fb", "#9ccc65", "#a1887f"]


def columns(lang: str) -> list[Any]:
    return [{"name": t(f"al.col.{c}", lang), "id": c} for c in COLUMNS]


def filter_options(view: CityView, lang: str) -> dict[str, list[dict[str, str]]]:
    """Dropdown options in ``lang``: type, severity, zone, window, status."""
    names = view.zone_names(lang)
    return {
        "type": [{"label": t(f"type.{x}", lang), "value": x} for x in ALERT_TYPES],
        "severity": [{"label": t(f"sev.{x}", lang), "value": x} for x in SEVERITIES],
        "zone": [{"label": f"{z.id} {names[z.id]}", "value": z.id} for z in view.city.zones],
        "window": [{"label": t(f"al.window.{x}", lang), "value": x} for x in WINDOWS],
        "status": [{"label": t(f"al.status.{x}", lang), "value": x} for x in STATUSES],
    }


def _dropdown(id_: str, options: list[dict[str, str]], multi: bool, value: Any, label: str) -> html.Div:
    return html.Div([html.Label(bi(label)), dcc.Dropdown(id=id_, options=options, multi=multi, value=value,
                                                         clearable=multi, className="om-dropdown")],
                    className="om-filter")


def create_counts(by_severity: dict[str, int], total: int, lang: str) -> list[Any]:
    return [html.Span([t("al.total", lang), " ", html.B(str(total))], className="om-total")] + [
        html.Span([t(f"sev.{s}", lang), " ", html.B(str(by_severity.get(s, 0)))], className=f"om-chip om-sev-{s}")
        for s in SEVERITIES]


def create_chart(series: dict[str, Any], lang: str, tz: ZoneInfo) -> go.Figure:
    """Stacked bars: alerts per time bucket (``web.views.alerts.chart_series``), one color per type."""
    xs = [datetime.fromtimestamp(b, tz).replace(tzinfo=None) for b in series["buckets"]]
    fig = go.Figure([go.Bar(x=xs, y=counts, name=t(f"type.{typ}", lang),
                            marker_color=TYPE_COLORS[i % len(TYPE_COLORS)])
                     for i, (typ, counts) in enumerate(series["types"].items())])
    fig.update_layout(barmode="stack", template="plotly_dark", height=300, margin={"l": 36, "r": 8, "t": 8, "b": 8},
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", bargap=0.1,
                      legend={"orientation": "h", "yanchor": "top", "y": -0.12, "font": {"size": 11}},
                      font={"color": "#b8cde3", "family": '"Noto Sans SC", sans-serif'}, xaxis={"gridcolor": "#1d3148", "tickformat": "%H:%M"},
                      yaxis={"gridcolor": "#1d3148"})
    return fig


def _table() -> DataTable:
    """The live alerts table: sortable, one cell click picks the alert, the locate cell flies the map."""
    return DataTable(
        id=ids.AL_TABLE, columns=columns("zh"), data=[], sort_action="native", page_size=24,
        row_selectable=False, cell_selectable=True, style_as_list_view=True,
        style_table={"overflowX": "auto"},
        style_cell={"backgroundColor": "#0d1b2a", "color": "#d6e4f0", "border": "1px solid #1d3148",
                    "fontFamily": "var(--font)", "fontSize": "14px", "padding": "6px 8px", "textAlign": "left",
                    "maxWidth": "420px", "overflow": "hidden", "textOverflow": "ellipsis"},
        style_header={"backgroundColor": "#13263b", "color": "#8fb3d9", "fontWeight": "bold"},
        style_data_conditional=[
            *[{"if": {"filter_query": f'{{sev}} = "{s}"', "column_id": "severity"},
               "color": c, "fontWeight": "bold"} for s, c in SEV_COLORS.items()],
            {"if": {"filter_query": '{state} = "acked"'}, "opacity": 0.55},
            {"if": {"filter_query": '{esc} = "1"'}, "backgroundColor": "#3a1114"},
            {"if": {"filter_query": '{esc} = "1"', "column_id": ["status", "age"]}, "color": "#ff6b6b",
             "fontWeight": "bold"},
            {"if": {"column_id": "locate"}, "color": "#00e5ff", "cursor": "pointer"},
            {"if": {"state": "active"}, "backgroundColor": "#1b3a5c", "border": "1px solid #00e5ff"},
        ],
        tooltip_duration=None,
    )


def create_alerts_tab(view: CityView) -> html.Div:
    opts = filter_options(view, "zh")
    with warnings.catch_warnings():
        # Dash 4 marks DataTable for removal in a future major version; it is pinned (dash 4.4.1) and
        # works, and dash-ag-grid would be a new dependency. Revisit when Dash is upgraded.
        warnings.simplefilter("ignore", DeprecationWarning)
        table = _table()
    return html.Div(className="om-alerts", children=[
        html.Div(className="om-filters", children=[
            _dropdown(ids.AL_TYPE, opts["type"], True, [], "al.filter.type"),
            _dropdown(ids.AL_SEVERITY, opts["severity"], True, [], "al.filter.severity"),
            _dropdown(ids.AL_ZONE, opts["zone"], True, [], "al.filter.zone"),
            _dropdown(ids.AL_WINDOW, opts["window"], False, "24h", "al.filter.window"),
            _dropdown(ids.AL_STATUS, opts["status"], False, "all", "al.filter.status"),
            html.Div([html.Label(bi("al.filter.plate")),
                      dcc.Input(id=ids.AL_PLATE, type="search", debounce=0.4, className="om-input",
                                placeholder="粤B…")], className="om-filter om-filter-plate"),
            html.Button(bi("al.export"), id=ids.AL_EXPORT, n_clicks=0, className="om-button"),
            dcc.Download(id=ids.AL_DOWNLOAD),
        ]),
        html.Div(className="om-alerts-body", children=[
            html.Div(className="om-alerts-table", children=[html.Div(id=ids.AL_COUNTS, className="om-counts-row"),
                                                             table]),
            html.Div(className="om-alerts-side", children=[
                html.Section([html.H3(bi("al.chart")),
                              dcc.Graph(id=ids.AL_CHART, config={"displayModeBar": False}, className="om-chart")],
                             className="om-panel"),
                html.Section(className="om-panel om-ack", children=[
                    html.H3(bi("al.ack.title")),
                    html.Div(bi("al.ack.pick"), id=ids.AL_ACK_PICKED, className="om-ack-picked"),
                    html.Label(bi("al.ack.officer")),
                    dcc.Input(id=ids.AL_ACK_OFFICER, type="text", className="om-input", readOnly=True,
                              maxLength=64),
                    html.Label(bi("al.ack.note")),
                    dcc.Textarea(id=ids.AL_ACK_NOTE, className="om-input om-textarea", maxLength=500),
                    dcc.Checklist(id=ids.AL_ACK_WHOLE, options=[{"label": bi("al.ack.whole"), "value": "incident"}],
                                  value=["incident"], className="om-ack-whole"),
                    html.Button(bi("al.ack.button"), id=ids.AL_ACK_BUTTON, n_clicks=0, className="om-button"),
                    html.Div(id=ids.AL_ACK_MESSAGE, className="om-ack-message"),
                    html.Button(bi("dp.from_table"), id=ids.DP_FROM_TABLE, n_clicks=0,
                                className="om-button om-dp-from"),
                    dcc.Store(id=ids.AL_ACK_DONE, data=0),
                ]),
            ]),
        ]),
    ])
