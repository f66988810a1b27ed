"""The Audit tab (supervisors only): rows, flags and filters; a flag count filters; CSV export.

Every callback checks the signed-in role itself (the tab is not offered to other roles, but a
callback can be posted without the tab): anyone but a supervisor gets nothing, and the export 403.
"""

from __future__ import annotations

import time
from typing import Any

import flask
from dash import ALL, Dash, Input, Output, State, callback_context, dcc, no_update

from callbacks.context import WebContext
from layouts.audit import KEY, ROLES, columns, create_flag_list, create_summary, flag_options, window_options
from web import ids
from web import store as webstore
from web.auth import request_source, signed_in
from web.i18n import lang_of, t
from web.views.audit import AuditFilter, csv_text
from web.views.auditscreen import AuditScreen, audit_screen

__all__ = ["register", "acting_supervisor", "load_screen"]

FILTERS = (ids.AUD_WINDOW, ids.AUD_ACTOR, ids.AUD_ACTION, ids.AUD_TEXT, ids.AUD_FLAG)


def acting_supervisor() -> str | None:
    """``user:{username}`` of the signed-in supervisor; ``None`` for anyone else."""
    user = signed_in()
    return f"user:{user.username}" if user is not None and user.role in ROLES else None


def load_screen(ctx: WebContext, f: AuditFilter, lang: str) -> AuditScreen:
    """The tab's content now: the newest ``AUDIT_READ_MAX`` entries, flagged and filtered."""
    raw = webstore.audit_entries(ctx.client, ctx.keys)
    return audit_screen(raw, f, time.time(), ctx.view.city.timezone, ctx.odd_hours, lang)


def register(app: Dash, ctx: WebContext) -> None:
    @app.callback(Output(ids.AUD_WINDOW, "options"), Output(ids.AUD_FLAG, "options"),
                  Output(ids.AUD_TABLE, "columns"), Input(ids.LANG, "data"))
    def translate(lang: str | None) -> Any:
        lang = lang_of(lang)
        return window_options(lang), flag_options(lang), columns(lang)

    @app.callback(Output(ids.AUD_TABLE, "data"), Output(ids.AUD_SUMMARY, "children"),
                  Output(ids.AUD_FLAG_LIST, "children"), Output(ids.AUD_SHOWN, "children"),
                  Output(ids.AUD_ACTOR, "options"), Output(ids.AUD_ACTION, "options"),
                  *[Input(i, "value") for i in FILTERS], Input(ids.AUD_REFRESH, "n_clicks"),
                  Input(ids.LANG, "data"), Input(ids.TAB_SELECT, "value"))
    def refresh(window: Any, actors: Any, actions: Any, search: Any, flags: Any, _n: Any, lang: str | None,
                tab: str | None) -> Any:
        if tab != KEY:
            return (no_update,) * 6
        lang = lang_of(lang)
        if acting_supervisor() is None:
            return [], [], [], t("aud.no_role", lang), [], []
        s = load_screen(ctx, AuditFilter.from_inputs(window, actors, actions, search, flags), lang)
        shown = t("aud.shown", lang).format(shown=len(s.table), total=len(s.rows))
        return (s.table, create_summary(s.counts, lang), create_flag_list(s.flag_lines, lang), shown,
                s.actors, s.actions)

    @app.callback(Output(ids.AUD_FLAG, "value"), Input(ids.audit_flag_chip(ALL), "n_clicks"),
                  prevent_initial_call=True)
    def filter_by_flag(_clicks: Any) -> Any:
        trig = callback_context.triggered_id
        clicked = callback_context.triggered[0].get("value") if callback_context.triggered else None
        if acting_supervisor() is None or not isinstance(trig, dict) or not clicked:
            return no_update  # a re-rendered summary fires with n_clicks 0: not a click
        return [trig["kind"]]

    @app.callback(Output(ids.AUD_DOWNLOAD, "data"), Input(ids.AUD_EXPORT, "n_clicks"),
                  *[State(i, "value") for i in FILTERS], State(ids.LANG, "data"), prevent_initial_call=True)
    def export(_n: int, window: Any, actors: Any, actions: Any, search: Any, flags: Any, lang: str | None) -> Any:
        supervisor = acting_supervisor()
        if supervisor is None:
            flask.abort(403)
        lang = lang_of(lang)
        f = AuditFilter.from_inputs(window, actors, actions, search, flags)
        s = load_screen(ctx, f, lang)
        webstore.write_audit_export(ctx.client, ctx.keys, supervisor, len(s.rows),
                                    {"window": f.window, "actors": list(f.actors), "actions": list(f.actions),
                                     "text": f.text, "flags": list(f.flags)}, request_source())
        return dcc.send_string(csv_text(s.rows, lang), "onemap-audit.csv", type="text/csv")
