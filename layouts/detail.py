"""The detail panel, drawn from a ``web.views.detail`` view model."""

from __future__ import annotations

from typing import Any

from dash import html

from web import ids
from web.i18n import bi, t

__all__ = ["create_detail", "create_detail_empty", "alert_items"]


def create_detail_empty() -> html.Div:
    return html.Div(bi("side.pick"), className="om-detail-empty")


def alert_items(alerts: list[dict[str, Any]], lang: str) -> list[html.Button]:
    """Clickable alert lines: a click flies the map to the alert."""
    return [html.Button([html.Span(className=f"om-sevdot om-sev-{a['severity']}"), html.B(a["label"]), " ",
                         a["subject"], " · ", a["time"], html.Br(), html.Small(a["text"])],
                        id=ids.alert_link(a["alert_id"], a["lat"], a["lon"]), n_clicks=0,
                        className=f"om-alert-link om-sev-{a['severity']}") for a in alerts]


def create_detail(vm: dict[str, Any], lang: str) -> html.Div:
    """Title, a table of (label, value) rows, latest reads, and recent alerts."""
    head = [html.Span(t(f"kind.{vm['kind']}", lang), className="om-detail-kind"),
            html.H4(vm["title"], className=f"om-detail-title om-sev-{vm.get('severity') or 'none'}")]
    if vm["kind"] != "alert" and vm["title"] != vm["id"]:
        head.append(html.Span(vm["id"], className="om-detail-id"))
    body: list[Any] = [html.Div(head, className="om-detail-head"),
                       html.Table(html.Tbody([html.Tr([html.Th(t(k, lang)), html.Td(v)]) for k, v in vm["rows"]]),
                                  className="om-detail-rows")]
    if vm["kind"] == "alert":  # to the Dispatch tab, with this alert picked
        body.append(html.Button(bi("dp.from_detail"), id=ids.DP_FROM_DETAIL, n_clicks=0,
                                className="om-button om-dp-from"))
    if vm.get("reads"):
        body.append(html.H5(t("det.reads", lang)))
        body.append(html.Table(html.Tbody([
            html.Tr([html.Td(r["plate"], className=f"om-plate om-watch-{r['watch'] or 'none'}"), html.Td(r["time"]),
                     html.Td(r["age"]), html.Td(r["confidence"])]) for r in vm["reads"]]),
            className="om-detail-reads"))
    if vm["kind"] != "alert":
        body.append(html.H5(t("det.recent", lang)))
        body.append(html.Div(alert_items(vm["alerts"], lang) or t("det.none", lang), className="om-detail-alerts"))
    return html.Div(body, className=f"om-detail om-detail-{vm['kind']}", **{"data-kind": vm["kind"],
                                                                          "data-id": vm["id"]})
