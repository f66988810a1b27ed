"""The alerts tab: refresh the table on every pushed alert batch, filter, chart, acknowledge, export."""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, no_update

from callbacks.context import WebContext
from layouts.alerts import KEY, columns, create_chart, create_counts, filter_options
from web import ids
from web import store as webstore
from web.auth import request_source, signed_in
from web.i18n import lang_of, t
from web.views import alerts as va
from web.views import incidents as vi

__all__ = ["register", "TABLE_MAX", "load_alerts", "load_rows"]

TABLE_MAX = 2000  # newest alerts the table considers
ACK_ROLES = ("officer", "supervisor")  # who may acknowledge and export (contract A.6)
FILTERS = (ids.AL_TYPE, ids.AL_SEVERITY, ids.AL_ZONE, ids.AL_WINDOW, ids.AL_PLATE, ids.AL_STATUS)


def load_alerts(ctx: WebContext) -> tuple[list[Any], dict[str, Any], dict[str, vi.Incident]]:
    """The table's alerts (the newest ``TABLE_MAX`` plus every older open one the bridge holds),
    their acknowledgements, and alert id -> incident."""
    c, k = ctx.client, ctx.keys
    alerts = va.merge_alerts(webstore.recent_alerts(c, k, count=TABLE_MAX), ctx.bridge.held_alerts())
    acks = webstore.acks_for(c, k, [str(a["alert_id"]) for a in alerts])
    return alerts, acks, vi.incident_of(vi.group(alerts, ctx.bridge.incident_window_s))


def load_rows(ctx: WebContext, f: va.AlertFilter, lang: str) -> tuple[list[dict[str, Any]], list[Any]]:
    """The filtered table rows, and the filtered alerts themselves."""
    view, esc = ctx.view, ctx.bridge.escalate_s
    alerts, acks, incidents = load_alerts(ctx)
    clock = webstore.read_clock(ctx.client, ctx.keys)
    chosen = va.filter_alerts(alerts, f, clock, acks, esc)
    return va.table_rows(chosen, acks, clock, view.city.timezone, view.zone_names(lang), lang,
                         view.config["names"], escalate_s=esc, incidents=incidents), chosen


def register(app: Dash, ctx: WebContext) -> None:
    tz = ctx.view.city.timezone

    @app.callback(Output(ids.AL_TYPE, "options"), Output(ids.AL_SEVERITY, "options"), Output(ids.AL_ZONE, "options"),
                  Output(ids.AL_WINDOW, "options"), Output(ids.AL_STATUS, "options"), Output(ids.AL_TABLE, "columns"),
                  Input(ids.LANG, "data"))
    def translate(lang: str | None) -> Any:
        lang = lang_of(lang)
        o = filter_options(ctx.view, lang)
        return o["type"], o["severity"], o["zone"], o["window"], o["status"], columns(lang)

    @app.callback(Output(ids.AL_TABLE, "data"), Output(ids.AL_COUNTS, "children"), Output(ids.AL_CHART, "figure"),
                  *[Input(i, "value") for i in FILTERS], Input(ids.ALERTS_SEEN, "data"),
                  Input(ids.AL_ACK_DONE, "data"), Input(ids.LANG, "data"), Input(ids.TAB_SELECT, "value"))
    def refresh(types: Any, sevs: Any, zones: Any, window: Any, plate: Any, status: Any, _seen: Any, _done: Any,
                lang: str | None, tab: str | None) -> Any:
        if tab != KEY:
            return no_update, no_update, no_update
        lang = lang_of(lang)
        rows, chosen = load_rows(ctx, va.AlertFilter.from_inputs(types, sevs, zones, window, plate, status), lang)
        return (rows, create_counts(va.counts(chosen, "severity"), len(chosen), lang),
                create_chart(va.chart_series(chosen), lang, tz))

    @app.callback(Output(ids.AL_ACK_PICKED, "children"), Input(ids.AL_TABLE, "active_cell"),
                  State(ids.AL_TABLE, "data"), State(ids.LANG, "data"), prevent_initial_call=True)
    def pick(cell: dict[str, Any] | None, rows: list[dict[str, Any]] | None, lang: str | None) -> Any:
        row = _row(cell, rows)
        if row is None:
            return t("al.ack.pick", lang_of(lang))
        inc = f" · {t('al.col.incident', lang_of(lang))} {row['incident']}" if row.get("incident") else ""
        return f"{row['time']} · {row['severity']} · {row['type']} · {row['subject']} · {row['status']}{inc}"

    @app.callback(Output(ids.AL_ACK_MESSAGE, "children"), Output(ids.AL_ACK_MESSAGE, "className"),
                  Output(ids.AL_ACK_DONE, "data"), Output(ids.AL_ACK_NOTE, "value"),
                  Input(ids.AL_ACK_BUTTON, "n_clicks"), State(ids.AL_TABLE, "active_cell"),
                  State(ids.AL_TABLE, "data"), State(ids.AL_ACK_NOTE, "value"),
                  State(ids.AL_ACK_WHOLE, "value"), State(ids.AL_ACK_DONE, "data"), State(ids.LANG, "data"),
                  prevent_initial_call=True)
    def acknowledge(_n: int, cell: Any, rows: Any, note: Any, whole: Any, done: Any, lang: str | None) -> Any:
        lang = lang_of(lang)
        officer = acting_officer()
        if officer is None:  # the wall and units may look, not acknowledge
            return t("al.ack.no_role", lang), "om-ack-message om-error", no_update, no_update
        problem, written = ack_row(ctx, _row(cell, rows), officer, note, "incident" in (whole or []))
        if problem is not None:
            return t(problem[0], lang), "om-ack-message om-error", no_update, no_update
        shown = ", ".join(written[:5]) + (" …" if len(written) > 5 else "")
        count = f" (×{len(written)})" if len(written) > 1 else ""
        return f"{t('al.ack.done', lang)}{count}: {shown}", "om-ack-message om-ok", (done or 0) + 1, ""

    @app.callback(Output(ids.AL_DOWNLOAD, "data"), Input(ids.AL_EXPORT, "n_clicks"),
                  *[State(i, "value") for i in FILTERS], State(ids.LANG, "data"), prevent_initial_call=True)
    def export(_n: int, types: Any, sevs: Any, zones: Any, window: Any, plate: Any, status: Any,
               lang: str | None) -> Any:
        lang = lang_of(lang)
        if acting_officer() is None:
            return no_update
        rows, _ = load_rows(ctx, va.AlertFilter.from_inputs(types, sevs, zones, window, plate, status), lang)
        return dcc.send_string(va.csv_text(rows, lang), "onemap-alerts.csv", type="text/csv")

    app.clientside_callback(ClientsideFunction("onemap", "tableLocate"),
                            Output(ids.TAB_SELECT, "value", allow_duplicate=True),
                            Output(ids.SELECTED, "data", allow_duplicate=True),
                            Input(ids.AL_TABLE, "active_cell"), State(ids.AL_TABLE, "data"),
                            prevent_initial_call=True)


def ack_row(ctx: WebContext, row: dict[str, Any] | None, officer: str, note: Any,
            whole: bool) -> tuple[tuple[str, str] | None, list[str]]:
    """Acknowledge the table row ``row`` (and, when ``whole``, its incident) as ``officer``:
    ``(problem, [])`` when refused (an i18n key and field), else ``(None, written alert ids)``."""
    alert_id = str(row["id"]) if row else ""
    targets, incident = [alert_id], ""
    if alert_id:
        _, _, incidents = load_alerts(ctx)
        targets, incident = va.ack_targets(alert_id, incidents, whole)
    already = bool(alert_id) and len(webstore.acks_for(ctx.client, ctx.keys, targets)) == len(targets)
    problem = va.check_ack(alert_id, officer, note, already)
    if problem is not None:
        return problem, []
    written = webstore.write_acks(ctx.client, ctx.keys, targets, officer, str(note).strip(), incident=incident,
                                  source=request_source())
    return (None, written) if written else (("al.ack.already", "alert_id"), [])


def acting_officer() -> str | None:
    """``user:{username}`` of the signed-in officer or supervisor; ``None`` for anyone else."""
    user = signed_in()
    return f"user:{user.username}" if user is not None and user.role in ACK_ROLES else None


def _row(cell: Any, rows: Any) -> dict[str, Any] | None:
    if not isinstance(cell, dict) or not isinstance(rows, list):
        return None
    rid = cell.get("row_id")
    return next((r for r in rows if isinstance(r, dict) and r.get("id") == rid), None)
