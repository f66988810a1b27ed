"""The crime hotspot layer on the Coverage map (the chosen range, or one hour of it) and on the Replay
map (the playhead's local hour): the pack's incidents (``city.incidents``) through
``web.views.hotspots``. Each callback checks the role of its tab itself."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, no_update

from callbacks.context import WebContext
from callbacks.coverage import is_supervisor
from callbacks.replay import may_replay
from city.incidents import pack_incidents
from layouts.hotspots import ON, hot_legend, hot_markers
from web import ids
from web.i18n import lang_of, t
from web.views import hotspots as vh

__all__ = ["register"]

# The playhead's local hour ("YYYY-MM-DD HH") from the Replay tab's clock, changed only when it changes,
# so the layer is drawn once an hour of event time and not on every tick.
HOUR_OF_CLOCK = """function (clock, prev) {
  var h = String(clock || "").slice(0, 13);
  if (!/^\\d{4}-\\d\\d-\\d\\d \\d\\d$/.test(h)) h = "";
  return h === prev ? window.dash_clientside.no_update : h;
}"""


def register(app: Dash, ctx: WebContext) -> None:
    city = ctx.view.city
    tz = city.timezone
    incidents = pack_incidents(city)

    def names(lang: str) -> dict[str, str]:
        return ctx.view.zone_names(lang)

    @app.callback(Output(ids.COV_HOT_HOUR, "options"), Output(ids.COV_HOT_HOUR, "value"),
                  Input(ids.COV_SPAN, "data"), Input(ids.LANG, "data"), State(ids.COV_HOT_HOUR, "value"))
    def coverage_hours(span: Any, lang: str | None, current: str | None) -> Any:
        if not span or not is_supervisor():
            return no_update, no_update
        lang = lang_of(lang)
        options = [{"label": t("hot.all", lang), "value": ""}] + [
            {"label": f"{label} ({n})", "value": f"{start:.0f}"}
            for start, label, n in vh.hour_options(incidents, tz, float(span[0]), float(span[1]))]
        return options, current if current in {o["value"] for o in options} else ""

    @app.callback(Output(ids.COV_HOT_LAYER, "children"), Output(ids.COV_HOT_LEGEND, "children"),
                  Input(ids.COV_SPAN, "data"), Input(ids.COV_HOT_HOUR, "value"), Input(ids.COV_HOT_TOGGLE, "value"),
                  Input(ids.LANG, "data"))
    def coverage_layer(span: Any, hour: str | None, on: list[str] | None, lang: str | None) -> Any:
        if not span or not is_supervisor():
            return no_update, no_update
        lang = lang_of(lang)
        t0, t1, when = vh.window_of(span, hour, tz)
        points = vh.hot_points(incidents, names(lang), tz, t0, t1)
        if ON not in (on or []):
            return [], []
        return hot_markers(points, lang), hot_legend(points, when, lang, bool(incidents))

    app.clientside_callback(HOUR_OF_CLOCK, Output(ids.RP_HOUR, "data"), Input(ids.RP_CLOCK, "children"),
                            State(ids.RP_HOUR, "data"))

    @app.callback(Output(ids.RP_HOT_LAYER, "children"), Output(ids.RP_HOT_LEGEND, "children"),
                  Input(ids.RP_HOUR, "data"), Input(ids.RP_HOT_TOGGLE, "value"), Input(ids.LANG, "data"))
    def replay_layer(hour: str | None, on: list[str] | None, lang: str | None) -> Any:
        if not may_replay():
            return no_update, no_update
        lang = lang_of(lang)
        window = vh.hour_of_clock(hour, tz)
        if ON not in (on or []) or (window is None and incidents):
            return [], []
        t0, t1 = window or (0.0, 0.0)
        points = vh.hot_points(incidents, names(lang), tz, t0, t1)
        when = vh.words(t0, t1, tz) if window else ""
        return hot_markers(points, lang), hot_legend(points, when, lang, bool(incidents))
