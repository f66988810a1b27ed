"""The Dispatch tab: the queue of open alerts, the picked alert's ranked candidates (with a
``Dispatch {callsign}`` button each) on a map of their own, the board of orders with their timers,
and the auto-dispatch switches. Builders of the parts the callbacks fill are here too."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash import dcc, html

from layouts.map import fn
from web import ids
from web.cityview import CityView
from web.i18n import bi, t
from web.views.alerts import ALERT_TYPES

__all__ = ["KEY", "LABEL", "create_dispatch_tab", "create_queue", "create_picked", "create_candidates", "create_board",
           "create_layer", "auto_options", "COLORS"]

KEY = "dispatch"
LABEL = "tab.dispatch"
COLORS = {"available": "#32d74b", "busy": "#ff9500", "offline": "#7f9bb8"}
TARGET = "#ff3b3b"


def _map(view: CityView) -> dl.Map:
    """A light map: the patrol zones and the picked alert's layer (no live layers)."""
    city = view.city
    children: list[Any] = [dl.TileLayer(url=view.tile_url, maxZoom=19)] if view.tile_url else []
    children += [
        dl.GeoJSON(data=view.patrol, style=fn("zoneStyle"), interactive=False),
        dl.LayerGroup(id=ids.DP_LAYER, children=[]),
        dl.ScaleControl(position="bottomleft", imperial=False),
    ]
    return dl.Map(id=ids.DP_MAP, center=list(city.center), zoom=city.zoom, className="om-map om-dp-map",
                  children=children, maxZoom=19, minZoom=10, zoomSnap=0.25, bounds=view.config.get("bounds"),
                  boundsOptions={"padding": [16, 16]}, attributionControl=False,
                  style={"width": "100%", "height": "100%"})


def auto_options(lang: str) -> list[dict[str, str]]:
    return [{"label": t(f"type.{x}", lang), "value": x} for x in ALERT_TYPES]


def create_dispatch_tab(view: CityView) -> html.Div:
    return html.Div(className="om-dispatch", children=[
        html.Aside(className="om-dp-left", children=[
            html.Section([html.H3(bi("dp.queue")), html.Div(id=ids.DP_QUEUE, className="om-dp-queue")],
                         className="om-panel om-dp-queue-panel"),
            html.Section([html.H3(bi("dp.auto")),
                          dcc.Checklist(id=ids.DP_AUTO, options=auto_options("zh"), value=[],
                                        className="om-dp-auto"),
                          html.Div(id=ids.DP_AUTO_INFO, className="om-dp-auto-info")], className="om-panel"),
        ]),
        html.Div(className="om-dp-center", children=[
            html.Div(_map(view), className="om-map-wrap om-dp-map-wrap", title=t("dp.map", "en")),
            html.Section([html.H3(bi("dp.board")), html.Div(id=ids.DP_BOARD, className="om-dp-board")],
                         className="om-panel om-dp-board-panel"),
        ]),
        html.Aside(className="om-dp-right", children=[
            html.Section([html.H3([bi("dp.candidates"), html.Button(
                              bi("dp.refresh"), id=ids.DP_REFRESH, n_clicks=0,
                              className="om-button om-button-small om-dp-refresh")]),
                          html.Div(bi("dp.pick"), id=ids.DP_ALERT, className="om-dp-alert"),
                          html.Div(id=ids.DP_CANDIDATES, className="om-dp-candidates"),
                          html.Div(id=ids.DP_MESSAGE, className="om-dp-message", role="status")],
                         className="om-panel om-dp-cand-panel"),
            html.Section([html.H3(bi("dp.notices")), html.Div(id=ids.DP_NOTICE, className="om-dp-notice",
                                                              role="alert")], className="om-panel"),
        ]),
        dcc.Store(id=ids.DP_PICKED),
        dcc.Store(id=ids.DP_SEEN, data=0),
        dcc.Store(id=ids.DP_DONE, data=0),
        dcc.Interval(id=ids.DP_TICK, interval=2000, disabled=True),
    ])


def create_queue(rows: list[dict[str, Any]], picked: str, lang: str) -> Any:
    if not rows:
        return html.Div(t("dp.queue.empty", lang), className="om-detail-empty")
    return [html.Button([html.Span(className=f"om-sevdot om-sev-{r['severity']}"), html.B(r["type"]), " ",
                         r["subject"], " · ", r["time"],
                         html.Span(f" · {t('dp.sent', lang)} {r['sent']}", className="om-dp-sentcount")
                         if r["sent"] else None,
                         html.Br(), html.Small(r["line"])],
                        id=ids.dp_pick(r["alert_id"]), n_clicks=0, **{"data-alert": r["alert_id"]},
                        className=f"om-dp-pick om-sev-{r['severity']}" + (" om-picked" if r["alert_id"] == picked else ""))
            for r in rows]


def create_picked(row: dict[str, Any]) -> html.Div:
    """The picked alert, in words (not a button: the queue has the button)."""
    return html.Div([html.Span(className=f"om-sevdot om-sev-{row['severity']}"), html.B(row["type"]), " ",
                     row["subject"], " · ", row["time"], html.Br(), html.Small(row["line"])],
                    className=f"om-dp-picked-alert om-sev-{row['severity']}", **{"data-alert": row["alert_id"]})


def create_candidates(alert_id: str, rows: list[dict[str, Any]], lang: str) -> Any:
    if not rows:
        return html.Div(t("dp.none", lang), className="om-detail-empty")
    head = html.Tr([html.Th(t(f"dp.col.{c}", lang)) for c in
                    ("rank", "unit", "status", "distance", "eta", "station", "margin")] + [html.Th("")])
    body = [html.Tr([html.Td(str(r["rank"])), html.Td(r["callsign"], className="om-dp-callsign"),
                     html.Td(r["status_text"], className=f"om-dp-status om-dp-{r['status']}"),
                     html.Td(r["distance"]), html.Td(r["eta"]), html.Td(r["station"], className="om-dp-station-cell"), html.Td(r["margin"]),
                     html.Td(html.Button(r["button"], id=ids.dp_send(alert_id, r["unit"]), n_clicks=0,
                                         className="om-button om-button-small om-dp-send"))],
                    className="om-dp-cand", **{"data-unit": r["unit"]}) for r in rows]
    return html.Table([html.Thead(head), html.Tbody(body)], className="om-dp-table")


def _timer(text: str, overdue: bool, live: bool, lang: str) -> html.Td:
    cls = "om-dp-timer" + (" om-dp-overdue" if overdue else "") + (" om-dp-live" if live and overdue else "")
    return html.Td([text, html.Span(f" · {t('dp.overdue', lang)}", className="om-dp-flag") if overdue else None],
                   className=cls)


def create_board(rows: list[dict[str, Any]], offers: dict[str, dict[str, Any] | None], lang: str) -> Any:
    """``offers``: order id -> the next candidate (``unit``, ``button``) for an escalated or declined order."""
    if not rows:
        return html.Div(t("dp.board.empty", lang), className="om-detail-empty")
    head = html.Tr([html.Th(t(f"dp.col.{c}", lang)) for c in ("alert", "unit", "status", "accept", "scene", "next")])
    body = []
    for r in rows:
        tags: list[Any] = [r["status_text"]]
        if r["escalated"]:
            tags.append(html.Span(t("dp.escalated", lang), className="om-dp-esc-tag"))
        if r["auto"]:
            tags.append(html.Span(t("dp.auto_tag", lang), className="om-dp-auto-tag"))
        offer = offers.get(r["order_id"]) if r["offer_next"] else None
        nxt: Any = ""
        if r["offer_next"]:
            nxt = html.Button(offer["button"], id=ids.dp_send(r["alert_id"], offer["unit"], "board"), n_clicks=0,
                              className="om-button om-button-small om-dp-send") if offer else t("dp.no_next", lang)
        cls = "om-dp-row" + (" om-dp-closed" if r["closed"] else "") + (" om-dp-row-esc" if r["escalated"] else "")
        body.append(html.Tr([html.Td(r["alert"]), html.Td(r["callsign"]),
                             html.Td(tags, className=f"om-dp-status om-dp-st-{r['status']}"),
                             _timer(r["accept"], r["accept_overdue"], r["accept_live"], lang),
                             _timer(r["scene"], r["scene_overdue"], r["scene_live"], lang), html.Td(nxt)],
                            className=cls, **{"data-order": r["order_id"], "data-status": r["status"]}))
    return html.Table([html.Thead(head), html.Tbody(body)], className="om-dp-table om-dp-board-table")


MAP_TOP = 8


def create_layer(target: tuple[float, float] | None, rows: list[dict[str, Any]], fixes: dict[str, tuple[float, float]],
                 alert_label: str) -> list[Any]:
    """The picked alert (a red ring), the intercept stations (named), each candidate at its position
    labelled with its callsign, and a line from each to where it would go (its station, else the alert).
    Only the first ``MAP_TOP`` ranked candidates are drawn: with hundreds of units the lines of all of
    them would hide the few an officer chooses between (the table lists every one)."""
    if target is None:
        return []
    out: list[Any] = [dl.CircleMarker(center=list(target), radius=11, color=TARGET, weight=3, fillOpacity=0.25,
                                      children=[dl.Tooltip(alert_label)])]
    stations = {(r["lat"], r["lon"]): r["station"] for r in rows if r["station"]}
    out += [dl.CircleMarker(center=[lat, lon], radius=7, color="#ffffff", weight=2, fillColor=TARGET, fillOpacity=0.9,
                            children=[dl.Tooltip(name, permanent=True, direction="bottom",
                                                 className="om-dp-station-label")])
            for (lat, lon), name in sorted(stations.items())]
    for r in rows[:MAP_TOP]:
        pos = fixes.get(r["unit"])
        if pos is None:
            continue
        color = COLORS.get(r["status"], COLORS["offline"])
        out.append(dl.Polyline(positions=[list(pos), [r["lat"], r["lon"]]], color=color, weight=3, opacity=0.85,
                               dashArray="6 6", interactive=False,
                               className=f"om-dp-line om-dp-line-{r['unit']}"))
        html_ = (f'<span class="om-dp-dot" style="background:{color}"></span>'
                 f'<span class="om-dp-label" data-unit="{r["unit"]}">{_esc(r["callsign"])}</span>')
        out.append(dl.DivMarker(position=list(pos), iconOptions={
            "className": f"om-dp-unit om-dp-unit-{r['status']}", "html": html_, "iconSize": [16, 16],
            "iconAnchor": [8, 8]}))
    return out


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
