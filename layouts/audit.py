"""The Audit tab (supervisors only): filters, the flags' summary and reasons, the audit table, export."""

from __future__ import annotations

import warnings
from typing import Any

from dash import dcc, html
from dash.dash_table.DataTable import DataTable

from web import ids
from web.cityview import CityView
from web.i18n import bi, t
from web.views.audit import COLUMNS, WINDOWS
from web.views.auditflags import KINDS

__all__ = ["KEY", "LABEL", "ROLES", "FLAG_LIST_MAX", "create_audit_tab", "create_summary", "create_flag_list",
           "columns", "window_options", "flag_options"]

KEY = "audit"
LABEL = "tab.audit"
ROLES = ("supervisor",)
"""Who is offered the tab (``callbacks/`` checks it; ``layouts.tabs.Tab.roles``)."""
FLAG_LIST_MAX = 200  # reasons listed under the summary; the table's flags column has every one


def columns(lang: str) -> list[Any]:
    return [{"name": t(f"aud.col.{c}", lang), "id": c} for c in COLUMNS]


def window_options(lang: str) -> list[dict[str, str]]:
    return [{"label": t(f"aud.window.{w}", lang), "value": w} for w in WINDOWS]


def flag_options(lang: str) -> list[dict[str, str]]:
    return [{"label": t(f"aud.flag.{k}", lang), "value": k} for k in KINDS]


def create_summary(counts: dict[str, int], lang: str) -> list[Any]:
    """One button per kind of flag with its count; a kind with flags stands out."""
    return [html.Button([t(f"aud.flag.{k}", lang), " ", html.B(str(counts.get(k, 0)))], id=ids.audit_flag_chip(k),
                        n_clicks=0, className="om-chip om-aud-chip" + (" om-aud-chip-hot" if counts.get(k) else ""),
                        title=t("aud.filter.flag", lang))
            for k in KINDS]


def create_flag_list(lines: list[tuple[str, str, str]], lang: str) -> list[Any]:
    """The flags' reasons: ``(kind, one-line reason, entry ids)`` each."""
    if not lines:
        return [html.Li(t("aud.flags.none", lang), className="om-aud-flag-none")]
    return [html.Li([html.Span(t(f"aud.flag.{kind}", lang), className=f"om-aud-badge om-aud-{kind}"), " ", why,
                     html.Span(f" [{entries}]", className="om-aud-entries")], className="om-aud-flag")
            for kind, why, entries in lines[:FLAG_LIST_MAX]]


def _filter(label: str, control: Any, extra: str = "") -> html.Div:
    return html.Div([html.Label(bi(label)), control], className=f"om-filter {extra}".strip())


def _table() -> DataTable:
    return DataTable(
        id=ids.AUD_TABLE, columns=columns("zh"), data=[], sort_action="native", page_size=50,
        row_selectable=False, cell_selectable=False, style_as_list_view=True, style_table={"overflowX": "auto"},
        style_cell={"backgroundColor": "#0d1b2a", "color": "#d6e4f0", "border": "1px solid #1d3148",
                    "fontFamily": "var(--font)", "fontSize": "14px", "padding": "6px 8px", "textAlign": "left",
                    "maxWidth": "460px", "overflow": "hidden", "textOverflow": "ellipsis", "whiteSpace": "normal"},
        style_header={"backgroundColor": "#13263b", "color": "#8fb3d9", "fontWeight": "bold"},
        style_data_conditional=[{"if": {"filter_query": '{flags} != ""'}, "backgroundColor": "#3a1114"},
                                {"if": {"column_id": "flags"}, "color": "#ff6b6b", "fontWeight": "bold"}],
    )


def create_audit_tab(view: CityView) -> html.Div:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # DataTable, as in layouts/alerts.py
        table = _table()
    return html.Div(className="om-alerts om-audit", children=[
        html.Div(className="om-filters", children=[
            _filter("aud.filter.window", dcc.Dropdown(id=ids.AUD_WINDOW, options=window_options("zh"), value="24h",
                                                      clearable=False, className="om-dropdown")),
            _filter("aud.filter.actor", dcc.Dropdown(id=ids.AUD_ACTOR, options=[], multi=True, value=[],
                                                     className="om-dropdown"), "om-aud-wide"),
            _filter("aud.filter.action", dcc.Dropdown(id=ids.AUD_ACTION, options=[], multi=True, value=[],
                                                      className="om-dropdown"), "om-aud-wide"),
            _filter("aud.filter.flag", dcc.Dropdown(id=ids.AUD_FLAG, options=flag_options("zh"), multi=True,
                                                    value=[], className="om-dropdown"), "om-aud-wide"),
            _filter("aud.filter.text", dcc.Input(id=ids.AUD_TEXT, type="search", debounce=0.4,
                                                 className="om-input")),
            html.Button(bi("aud.refresh"), id=ids.AUD_REFRESH, n_clicks=0, className="om-button"),
            html.Button(bi("aud.export"), id=ids.AUD_EXPORT, n_clicks=0, className="om-button"),
            dcc.Download(id=ids.AUD_DOWNLOAD),
        ]),
        html.Section(className="om-panel om-aud-flags", children=[
            html.H3(bi("aud.flags")),
            html.Div(id=ids.AUD_SUMMARY, className="om-counts-row", children=create_summary({}, "zh")),
            html.Ul(id=ids.AUD_FLAG_LIST, className="om-aud-flag-list"),
        ]),
        html.Div(className="om-alerts-table", children=[html.Div(id=ids.AUD_SHOWN, className="om-aud-shown"), table]),
    ])
