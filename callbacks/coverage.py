"""The Coverage tab (supervisors only): recent shifts from the event clock, the coverage of every
patrol zone over the chosen range, CSV export. Every callback checks the role itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask
from dash import Dash, Input, Output, State, dcc, no_update

from api.coverage import city_coverage_for
from callbacks.context import WebContext
from city.coverage import Coverage
from city.gaps import GapWindow
from city.shifts import recent_shifts
from core import trackfiles
from core.settings import ROOT
from layouts.coverage import KEY, ROLES, gap_list, gap_markers, unit_table, zone_polygons, zone_table
from web import ids
from web import store as webstore
from web.auth import signed_in
from web.i18n import lang_of, t
from web.views import coverage as vm

__all__ = ["register", "is_supervisor", "load"]


def is_supervisor() -> bool:
    user = signed_in()
    return user is not None and user.role in ROLES


def load(ctx: WebContext, t0: float, t1: float) -> tuple[list[Coverage], list[GapWindow]]:
    return city_coverage_for(ctx.client, ctx.keys, _data_dir(ctx), ctx.view.city, t0, t1)


def _data_dir(ctx: WebContext) -> Path:
    return ctx.data_dir or ROOT / "var"


def register(app: Dash, ctx: WebContext) -> None:
    city = ctx.view.city
    tz = city.timezone
    outlines = {z.id: vm.zone_outline(z.geometry) for z in city.zones if z.kind == "patrol"}
    callsigns = {u.id: u.callsign for u in city.units.values()}

    @app.callback(Output(ids.COV_SHIFT, "options"), Output(ids.COV_SHIFT, "value"),
                  Input(ids.TAB_SELECT, "value"), Input(ids.LANG, "data"), State(ids.COV_SHIFT, "value"))
    def shifts(tab: str | None, lang: str | None, current: str | None) -> Any:
        if tab != KEY or not is_supervisor():
            return no_update, no_update
        lang = lang_of(lang)
        clock = webstore.read_clock(ctx.client, ctx.keys)
        if clock is None:
            return [], None
        recent = recent_shifts(clock, tz, city.shifts)
        labels = {"day": t("cov.shift.day", lang), "night": t("cov.shift.night", lang)}
        options = vm.shift_options(recent, labels, t("cov.shift.ongoing", lang))
        if current in [o["value"] for o in options]:
            return options, current
        return options, vm.default_shift(
            recent, lambda r: trackfiles.any_stored(ctx.client, ctx.keys, _data_dir(ctx), r.t0, r.t1))

    @app.callback(Output(ids.COV_RANGE, "children"), Output(ids.COV_ZONES, "children"),
                  Output(ids.COV_CELLS, "data"), Output(ids.COV_GAPS_LAYER, "children"),
                  Output(ids.COV_ZONE_TABLE, "children"), Output(ids.COV_UNIT_TABLE, "children"),
                  Output(ids.COV_GAPS, "children"), Output(ids.COV_CHART, "figure"), Output(ids.COV_SPAN, "data"),
                  Input(ids.COV_SHOW, "n_clicks"), Input(ids.COV_SHIFT, "value"), Input(ids.LANG, "data"),
                  State(ids.COV_FROM, "value"), State(ids.COV_TO, "value"), State(ids.TAB_SELECT, "value"))
    def show(_n: Any, shift: str | None, lang: str | None, start: str | None, end: str | None,
             tab: str | None) -> Any:
        if tab != KEY or not is_supervisor():
            return (no_update,) * 9
        lang = lang_of(lang)
        try:
            t0, t1 = vm.parse_range(shift, start, end, tz)
        except ValueError:
            msg = t("cov.bad_range", lang) if (start or end) else t("cov.no_clock", lang)
            return (msg,) + (no_update,) * 8
        covs, windows = load(ctx, t0, t1)
        names = ctx.view.zone_names(lang)
        zones = vm.zone_rows(covs, names, ctx.coverage_target, windows)
        gaps = vm.gap_rows(windows, names, tz)
        target = t("cov.target", lang).format(target=f"{ctx.coverage_target * 100:.0f} %")
        span = t("cov.range", lang).format(start=vm.fmt_local(t0, tz), end=vm.fmt_local(t1, tz))
        return (f"{span} · {target}", zone_polygons(zones, outlines), vm.cells_geojson(covs, lang),
                gap_markers(vm.gap_marks(windows, tz)), zone_table(zones, lang),
                unit_table(vm.unit_rows(covs, callsigns, names), lang), gap_list(gaps, lang),
                vm.curve_figure(covs, names, tz, t("cov.chart", lang)), [t0, t1])

    @app.callback(Output(ids.COV_DOWNLOAD, "data"), Input(ids.COV_EXPORT, "n_clicks"), State(ids.COV_SHIFT, "value"),
                  State(ids.COV_FROM, "value"), State(ids.COV_TO, "value"), State(ids.LANG, "data"),
                  prevent_initial_call=True)
    def export(_n: int, shift: str | None, start: str | None, end: str | None, lang: str | None) -> Any:
        if not is_supervisor():
            flask.abort(403)
        try:
            t0, t1 = vm.parse_range(shift, start, end, tz)
        except ValueError:
            return no_update
        covs, windows = load(ctx, t0, t1)
        text = vm.csv_text(covs, ctx.view.zone_names(lang_of(lang)), callsigns, tz, windows)
        return dcc.send_string(text, f"onemap-coverage-{vm.fmt_local(t0, tz)[:10]}.csv", type="text/csv")
