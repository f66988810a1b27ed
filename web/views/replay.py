"""The Replay tab's control logic and view models, pure: no Redis, no clock (the wall time is passed in).

``Playback`` is the playhead: an event time that moves at ``speed`` event seconds per wall second
while playing. Seeking back in time means the sandbox must start over (its worker's state is ahead
of the playhead): ``seek`` says so, and the replayer then flushes the sandbox and writes the
recording again from its start up to the new playhead at full speed.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

__all__ = ["SPEEDS", "Playback", "due_count", "marker_rows", "alert_rows", "timeline_figure", "clock_text", "seek_ts", "lead_in"]

SPEEDS = (1.0, 10.0, 60.0, 0.0)  # 0: as fast as it can (the playhead jumps to the end)
SEVERITY_COLORS = {"red": "#ff3b3b", "orange": "#ff9f1a", "yellow": "#ffd60a", "blue": "#3b8bff"}


@dataclass(frozen=True)
class Playback:
    """The playhead of one recording spanning ``start``..``end`` (event times).

    ``position`` is the playhead at wall time ``anchor``; while ``playing`` it moves on by
    ``speed`` event seconds per wall second, and stops at ``end``.

    >>> p = Playback(start=100.0, end=400.0, position=100.0, anchor=0.0, speed=60.0).play(10.0)
    >>> p.at(11.0), p.at(20.0), p.pause(12.0).at(50.0)
    (160.0, 400.0, 220.0)
    """

    start: float
    end: float
    position: float
    anchor: float = 0.0
    speed: float = 60.0
    playing: bool = False

    def at(self, wall: float) -> float:
        """The playhead at wall time ``wall``."""
        if not self.playing:
            return self.position
        if self.speed <= 0:
            return self.end
        return min(self.end, self.position + max(0.0, wall - self.anchor) * self.speed)

    def _moved(self, wall: float, **changes: Any) -> Playback:
        return replace(self, position=self.at(wall), anchor=wall, **changes)

    def play(self, wall: float) -> Playback:
        """Play from the playhead (from the start again when it stands at the end)."""
        moved = self._moved(wall, playing=True)
        return replace(moved, position=self.start) if moved.position >= self.end else moved

    def pause(self, wall: float) -> Playback:
        return self._moved(wall, playing=False)

    def with_speed(self, wall: float, speed: float) -> Playback:
        return self._moved(wall, speed=float(speed))

    def finished(self, wall: float) -> bool:
        return self.at(wall) >= self.end

    def seek(self, wall: float, ts: float) -> tuple[Playback, bool]:
        """Move the playhead to ``ts`` (clamped to the recording); True when that is back in time,
        so the sandbox must start over.

        >>> p = Playback(start=100.0, end=400.0, position=300.0)
        >>> p.seek(0.0, 200.0)[1], p.seek(0.0, 350.0)[1], p.seek(0.0, 999.0)[0].position
        (True, False, 400.0)
        """
        ts = min(self.end, max(self.start, ts))
        back = ts < self.at(wall)
        return replace(self, position=ts, anchor=wall), back


LEAD_IN_SHARE = 0.01


def lead_in(line_ts: Sequence[float]) -> float:
    """Where the playhead starts: the event time below which lie 1 % of the recording's lines. A
    sparse prelude (the demo's tired coach drove for four hours before the night begins) is then
    written at once, as the simulator sends its backlog, instead of playing for hours at 60x.

    >>> lead_in([0.0] + [1000.0 + i for i in range(199)]), lead_in([5.0, 6.0]), lead_in([])
    (1001.0, 5.0, 0.0)
    """
    if not line_ts:
        return 0.0
    ordered = sorted(line_ts)
    return ordered[int(len(ordered) * LEAD_IN_SHARE)]


def due_count(line_ts: Sequence[float], playhead: float) -> int:
    """How many lines of a recording (event times in file order) are due at ``playhead``: every
    line up to the first one later than it (a file's order is kept even where it steps back).

    >>> due_count([1.0, 2.0, 2.0, 5.0], 2.0), due_count([1.0, 2.0], 0.5), due_count([], 9.0)
    (3, 0, 0)
    """
    return bisect.bisect_right(line_ts, playhead) if _sorted(line_ts) else _scan(line_ts, playhead)


def _sorted(xs: Sequence[float]) -> bool:
    return all(a <= b for a, b in zip(xs, xs[1:], strict=False))


def _scan(xs: Sequence[float], playhead: float) -> int:
    for i, x in enumerate(xs):
        if x > playhead:
            return i
    return len(xs)


def marker_rows(fixes: Iterable[Mapping[str, Any]], playhead: float) -> list[dict[str, Any]]:
    """The subjects to draw at the playhead: each latest fix (the sandbox's ``last``) no later than
    it, units first, then by subject.

    >>> marker_rows([{"subject": "B1", "kind": "vehicle", "lat": "22.5", "lon": "114.0", "ts": "90"},
    ...              {"subject": "P01", "kind": "unit", "lat": "22.6", "lon": "114.1", "ts": "100"},
    ...              {"subject": "B2", "kind": "vehicle", "lat": "22.5", "lon": "114.0", "ts": "200"}], 150.0)
    [{'subject': 'P01', 'kind': 'unit', 'lat': 22.6, 'lon': 114.1, 'ts': 100.0}, \
{'subject': 'B1', 'kind': 'vehicle', 'lat': 22.5, 'lon': 114.0, 'ts': 90.0}]
    """
    rows = []
    for f in fixes:
        try:
            ts, lat, lon = float(f["ts"]), float(f["lat"]), float(f["lon"])
        except (KeyError, TypeError, ValueError):
            continue
        if ts <= playhead:
            rows.append({"subject": str(f["subject"]), "kind": str(f.get("kind") or "other"), "lat": lat, "lon": lon,
                         "ts": ts})
    return sorted(rows, key=lambda r: (r["kind"] != "unit", r["subject"]))


def alert_rows(alerts: Iterable[Mapping[str, Any]], playhead: float) -> list[dict[str, Any]]:
    """The sandbox's alerts up to the playhead, newest first.

    >>> [a["alert_id"] for a in alert_rows([{"alert_id": "a", "ts": "5"}, {"alert_id": "b", "ts": "9"},
    ...                                      {"alert_id": "c", "ts": "20"}], 10.0)]
    ['b', 'a']
    """
    rows = []
    for a in alerts:
        try:
            ts = float(a["ts"])
        except (KeyError, TypeError, ValueError):
            continue
        if ts <= playhead:
            rows.append({**a, "ts": ts})
    return sorted(rows, key=lambda a: (-a["ts"], str(a.get("alert_id"))))


def clock_text(ts: float | None, tz: tzinfo) -> str:
    """The playhead as the city's local time.

    >>> from zoneinfo import ZoneInfo
    >>> clock_text(1700000000, ZoneInfo("Asia/Shanghai")), clock_text(None, ZoneInfo("UTC"))
    ('2023-11-15 06:13:20', '--')
    """
    return "--" if ts is None else datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M:%S")


def _local(ts: float, tz: tzinfo) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M:%S")


def timeline_figure(pb: Playback | None, playhead: float | None, alerts: Sequence[Mapping[str, Any]],
                    tz: tzinfo, title: str) -> dict[str, Any]:
    """A plotly figure: the recording's span, one mark per alert (by severity, its text on hover) and
    the playhead as a line; a click on it seeks (its ``x`` is a local time)."""
    layout: dict[str, Any] = {
        "height": 120, "margin": {"l": 40, "r": 16, "t": 24, "b": 30}, "title": {"text": title, "font": {"size": 12}},
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(255,255,255,0.04)", "font": {"color": "#c8d3e0"},
        "yaxis": {"visible": False, "range": [0, 1], "fixedrange": True}, "showlegend": False,
        "xaxis": {"type": "date", "fixedrange": True}, "clickmode": "event", "hovermode": "closest"}
    if pb is None:
        return {"data": [], "layout": layout}
    layout["xaxis"]["range"] = [_local(pb.start, tz), _local(pb.end, tz)]
    # a thin invisible band across the whole span, so a click anywhere on it gives a time
    xs = [pb.start + (pb.end - pb.start) * i / 200 for i in range(201)]
    data: list[dict[str, Any]] = [{"type": "scatter", "mode": "markers", "x": [_local(x, tz) for x in xs],
                                   "y": [0.5] * len(xs), "marker": {"size": 18, "opacity": 0.01},
                                   "hoverinfo": "x", "name": "seek"}]
    by_sev: dict[str, list[Mapping[str, Any]]] = {}
    for a in alerts:
        by_sev.setdefault(str(a.get("severity", "blue")), []).append(a)
    for sev, rows in sorted(by_sev.items()):
        data.append({"type": "scatter", "mode": "markers", "name": sev,
                     "x": [_local(float(a["ts"]), tz) for a in rows], "y": [0.5] * len(rows),
                     "text": [str(a.get("text", "")) for a in rows], "hoverinfo": "text+x",
                     "marker": {"color": SEVERITY_COLORS.get(sev, "#cccccc"), "size": 10, "symbol": "line-ns-open",
                                "line": {"width": 3, "color": SEVERITY_COLORS.get(sev, "#cccccc")}}})
    if playhead is not None:
        layout["shapes"] = [{"type": "line", "x0": _local(playhead, tz), "x1": _local(playhead, tz), "y0": 0, "y1": 1,
                             "line": {"color": "#ffffff", "width": 2}}]
    return {"data": data, "layout": layout}


def seek_ts(click: Mapping[str, Any] | None, tz: tzinfo) -> float | None:
    """The event time a click on the timeline points at (its ``x``, a local time), else None.

    >>> from zoneinfo import ZoneInfo
    >>> seek_ts({"points": [{"x": "2023-11-15 06:13:20.5"}]}, ZoneInfo("Asia/Shanghai"))
    1700000000.5
    >>> seek_ts({"points": []}, ZoneInfo("UTC")), seek_ts(None, ZoneInfo("UTC"))
    (None, None)
    """
    points = (click or {}).get("points") or []
    if not points or "x" not in points[0]:
        return None
    try:
        when = datetime.fromisoformat(str(points[0]["x"]).replace(" ", "T"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=tz)).timestamp()
