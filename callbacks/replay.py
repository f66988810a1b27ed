"""The Replay tab: choose a recording, play, pause, speed, seek on the timeline; the map, the
alerts and the clock follow the sandbox at the playhead (``web.replayer``, ``web.views.replay``).

Every callback checks the signed-in role itself: only officers and supervisors drive or see a replay,
each their own sandbox (``web.sandboxes``): nobody sees another person's playhead.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update

from callbacks.context import WebContext
from layouts import replay as lr
from web import ids
from web.auth import signed_in
from web.i18n import lang_of, t
from web.sandboxes import Sandboxes, SandboxesFull
from web.views import replay as vr

__all__ = ["register", "may_replay", "replayer_name", "control"]


def may_replay() -> bool:
    return replayer_name() is not None


def replayer_name() -> str | None:
    """The signed-in person's user name when they may replay (their sandbox is theirs alone), else None."""
    user = signed_in()
    return user.username if user is not None and user.role in lr.ROLES else None


def control(boxes: Sandboxes, who: str, trigger: str | None, name: str | None, speed: Any, click: Any,
            c: WebContext) -> None:
    """Apply one control of the tab to ``who``'s sandbox; choosing a recording opens it (unless every
    sandbox is in use: the tab then says so)."""
    if trigger == ids.RP_FILE and name:
        try:
            mine = boxes.open(who)
        except SandboxesFull:
            return
        mine.choose(name)
        mine.set_speed(float(speed if speed is not None else 60))
        return
    rp = boxes.get(who)
    if rp is None:
        return
    if trigger == ids.RP_PLAY:
        rp.set_speed(float(speed if speed is not None else 60))
        rp.play()
    elif trigger == ids.RP_PAUSE:
        rp.pause()
    elif trigger == ids.RP_SPEED and speed is not None:
        rp.set_speed(float(speed))
    elif trigger == ids.RP_TIMELINE:
        ts = vr.seek_ts(click, c.view.city.timezone)
        if ts is not None:
            rp.seek(ts)


def register(app: Dash, c: WebContext) -> None:
    app.clientside_callback(f"function (tab) {{ return tab !== '{lr.KEY}'; }}", Output(ids.RP_TICK, "disabled"),
                            Input(ids.TAB_SELECT, "value"))

    @app.callback(Output(ids.RP_FILE, "options"), Output(ids.RP_SPEED, "options"), Input(ids.TAB_SELECT, "value"),
                  Input(ids.LANG, "data"))
    def options(tab: str | None, lang: str | None) -> Any:
        if tab != lr.KEY or c.replay is None or not may_replay():
            return no_update, no_update
        return [{"label": n, "value": n} for n in c.replay.recordings()], lr.speed_options(lang_of(lang))

    @app.callback(Output(ids.RP_DONE, "data"), Input(ids.RP_FILE, "value"), Input(ids.RP_PLAY, "n_clicks"),
                  Input(ids.RP_PAUSE, "n_clicks"), Input(ids.RP_SPEED, "value"), Input(ids.RP_TIMELINE, "clickData"),
                  State(ids.RP_DONE, "data"), prevent_initial_call=True)
    def act(name: str | None, _p: Any, _q: Any, speed: Any, click: Any, done: int | None) -> Any:
        who = replayer_name()
        if c.replay is None or who is None:
            return no_update
        control(c.replay, who, ctx.triggered_id if isinstance(ctx.triggered_id, str) else None, name, speed, click,
                c)
        return (done or 0) + 1

    @app.callback(Output(ids.RP_CLOCK, "children"), Output(ids.RP_STATUS, "children"),
                  Output(ids.RP_MARKERS, "children"), Output(ids.RP_ALERTS, "children"),
                  Output(ids.RP_TIMELINE, "figure"), Input(ids.RP_TICK, "n_intervals"), Input(ids.RP_DONE, "data"),
                  State(ids.LANG, "data"), State(ids.TAB_SELECT, "value"))
    def refresh(_n: Any, _done: Any, lang: str | None, tab: str | None) -> Any:
        boxes = c.replay
        if tab != lr.KEY or boxes is None:
            return (no_update,) * 5
        lang = lang_of(lang)
        who = replayer_name()
        if who is None:
            return "--", t("rp.no_role", lang), [], [], no_update
        tz = c.view.city.timezone
        rp = boxes.get(who)
        st = rp.status() if rp is not None else {"name": None, "playhead": None}
        playhead = st["playhead"]
        if rp is None or st["name"] is None or playhead is None:
            idle = (t("rp.full", lang).format(n=boxes.limit, minutes=round(boxes.idle_s / 60))
                    if rp is None and boxes.refused(who) else t("rp.idle", lang))
            return "--", idle, [], [], vr.timeline_figure(None, None, [], tz, t("rp.timeline", lang))
        alerts = vr.alert_rows(rp.alerts(), playhead)
        callsigns = {u: unit.callsign for u, unit in c.view.city.units.items()}
        status = t("rp.status", lang).format(name=st["name"], sent=st["sent"], total=st["total"],
                                             state=t("rp.playing" if st["playing"] else "rp.paused", lang))
        return (vr.clock_text(playhead, tz), status,
                lr.create_markers(vr.marker_rows(rp.fixes(), playhead), callsigns),
                lr.create_alert_list(alerts, [vr.clock_text(a["ts"], tz)[11:] for a in alerts[:lr.ALERTS_SHOWN]],
                                     lang),
                vr.timeline_figure(rp.playback, playhead, alerts, tz, t("rp.timeline", lang)))
