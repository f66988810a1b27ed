"""The detail panel: what one unit, vehicle, checkpoint or alert looks like right now (pure).

Each function returns a plain dict: ``title``, ``kind``, ``rows`` (pairs of i18n key and text),
``alerts`` (recent, newest first, with positions so the list can fly the map), ``track``
(``[lat, lon]`` of the last ``TRACK_S`` of event time, oldest first) and ``reads``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from city.citypack import CityPack
from web.i18n import t
from web.views.alertline import alert_line, line_names
from web.views.mapdata import split_name

__all__ = ["TRACK_S", "MAX_ALERTS", "subject_detail", "checkpoint_detail", "alert_detail", "mini_alerts",
           "age_text"]

TRACK_S = 600.0  # the fading trail and the detail track: the last 10 minutes
MAX_ALERTS = 8


def _f(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _time(ts: Any, tz: ZoneInfo) -> str:
    f = _f(ts)
    return "--" if f is None else datetime.fromtimestamp(f, tz).strftime("%H:%M:%S")


def age_text(ts: Any, clock: float | None, lang: str) -> str:
    """How long before the event clock ``ts`` was, e.g. ``"75 s ago"`` / ``"3 min ago"``.

    >>> age_text(100, 175.0, "en"), age_text(0, 300.0, "zh"), age_text(None, 1.0, "en")
    ('75 s ago', '5 分钟前', '--')
    """
    f = _f(ts)
    if f is None or clock is None:
        return "--"
    s = max(0, int(clock - f))
    if s < 120:
        return f"{s} s ago" if lang == "en" else f"{s} 秒前"
    return f"{s // 60} min ago" if lang == "en" else f"{s // 60} 分钟前"


def _name(name: str, lang: str) -> str:
    zh, en = split_name(name)
    return en if lang == "en" else zh


def mini_alerts(alerts: Iterable[Mapping[str, Any]], tz: ZoneInfo, lang: str, limit: int = MAX_ALERTS,
                names: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Alerts as list items (newest first): id, color, label, time, text (the alert's line in ``lang``
    with the city's ``names``), position."""
    ordered = sorted(alerts, key=lambda a: _f(a.get("ts")) or 0.0, reverse=True)[:limit]
    return [{"alert_id": str(a.get("alert_id", "")), "severity": str(a.get("severity", "")),
             "label": t(f"type.{a.get('type', '')}", lang), "time": _time(a.get("ts"), tz),
             "subject": str(a.get("subject", "")), "text": alert_line(a, names or {}, lang),
             "lat": _f(a.get("lat")), "lon": _f(a.get("lon"))} for a in ordered]


def _track(track: Sequence[Mapping[str, Any]], clock: float | None) -> list[list[float]]:
    newest = max((_f(p.get("ts")) or 0.0 for p in track), default=0.0)
    since = (clock if clock is not None else newest) - TRACK_S
    pts = [(_f(p.get("ts")), _f(p.get("lat")), _f(p.get("lon"))) for p in track]
    kept = sorted((ts, lat, lon) for ts, lat, lon in pts if ts is not None and lat is not None
                  and lon is not None and ts >= since)
    return [[lat, lon] for _, lat, lon in kept]


def subject_detail(subject: str, last: Mapping[str, Any] | None, track: Sequence[Mapping[str, Any]],
                   alerts: Iterable[Mapping[str, Any]], city: CityPack, clock: float | None, lang: str,
                   status: str = "") -> dict[str, Any]:
    """A unit, a monitored vehicle or any other subject: last ping, speed, zone, alerts, track."""
    tz = city.timezone
    unit = city.units.get(subject)
    vehicle = city.vehicles.get(subject)
    kind = "unit" if unit else "vehicle" if vehicle else "other"
    title = _name(unit.callsign, lang) if unit else subject
    rows: list[tuple[str, str]] = []
    if unit:
        rows.append(("det.status", t(f"unit.{status}", lang) if status else "--"))
        zone = city.zones_by_id.get(unit.zone)
        rows.append(("det.assigned", _name(zone.name, lang) if zone else unit.zone))
    if vehicle:
        rows.append(("det.category", t(f"cat.{vehicle.category}", lang)))
        rows.append(("det.operator", vehicle.operator or "--"))
    watch = city.watchlist.get(subject)
    if watch:
        rows.append(("det.watch", f"{t('sev.' + watch.severity, lang)} · {watch.reason}"))
    if last:
        zid = str(last.get("zone") or "")
        zone = city.zones_by_id.get(zid)
        speed = _f(last.get("speed"))
        heading = _f(last.get("heading"))
        rows += [
            ("det.last_ping", f"{_time(last.get('ts'), tz)} ({age_text(last.get('ts'), clock, lang)})"),
            ("det.speed", "--" if speed is None else f"{speed:.0f} {t('misc.kmh', lang)}"),
            ("det.heading", "--" if heading is None else f"{heading:.0f}°"),
            ("det.zone", _name(zone.name, lang) if zone else (zid or t("det.none", lang))),
            ("det.position", f"{_f(last.get('lat')) or 0:.5f}, {_f(last.get('lon')) or 0:.5f}"),
        ]
    else:
        rows.append(("det.last_ping", t("det.nodata", lang)))
    pts = _track(track, clock)
    rows.append(("det.track", str(len(pts))))
    center = [_f(last.get("lat")), _f(last.get("lon"))] if last else None
    return {"kind": kind, "id": subject, "title": title, "rows": rows, "alerts": mini_alerts(alerts, tz, lang, names=line_names(city)),
            "track": pts, "reads": [], "center": center, "severity": watch.severity if watch else ""}


def checkpoint_detail(cp_id: str, reads: Sequence[Mapping[str, Any]], alerts: Iterable[Mapping[str, Any]],
                      city: CityPack, clock: float | None, lang: str) -> dict[str, Any]:
    """A checkpoint: name, station or not, downstream checkpoints, latest reads, its alerts."""
    cp = city.checkpoints.get(cp_id)
    if cp is None:
        return {"kind": "checkpoint", "id": cp_id, "title": cp_id, "rows": [("det.nodata", "")], "alerts": [],
                "track": [], "reads": [], "center": None, "severity": ""}
    yes, no = ("yes", "no") if lang == "en" else ("是", "否")
    rows = [("det.station", yes if cp.station else no),
            ("det.next", ", ".join(cp.next) or t("det.none", lang)),
            ("det.position", f"{cp.lat:.5f}, {cp.lon:.5f}")]
    shown = []
    for r in list(reads)[:10]:
        plate = str(r.get("plate", ""))
        conf = _f(r.get("confidence"))
        watch = city.watchlist.get(plate)
        shown.append({"plate": plate, "time": _time(r.get("ts"), city.timezone),
                      "age": age_text(r.get("ts"), clock, lang),
                      "confidence": "" if conf is None else f"{conf:.2f}",
                      "watch": watch.severity if watch else ""})
    return {"kind": "checkpoint", "id": cp_id, "title": _name(cp.name, lang), "rows": rows,
            "alerts": mini_alerts(alerts, city.timezone, lang, names=line_names(city)), "track": [], "reads": shown,
            "center": [cp.lat, cp.lon], "severity": ""}


def alert_detail(alert: Mapping[str, Any] | None, ack: Mapping[str, Any] | None, city: CityPack,
                 clock: float | None, lang: str) -> dict[str, Any]:
    """One alert: type, color, subject, time, where, text, and who acknowledged it."""
    if not alert:
        return {"kind": "alert", "id": "", "title": t("det.nodata", lang), "rows": [], "alerts": [], "track": [],
                "reads": [], "center": None, "severity": ""}
    tz = city.timezone
    zid = str(alert.get("zone") or "")
    zone = city.zones_by_id.get(zid)
    cp = city.checkpoints.get(str(alert.get("checkpoint") or ""))
    rows = [("det.type", t(f"type.{alert.get('type', '')}", lang)),
            ("det.severity", t(f"sev.{alert.get('severity', '')}", lang)),
            ("det.subject", str(alert.get("subject", ""))),
            ("det.time", f"{_time(alert.get('ts'), tz)} ({age_text(alert.get('ts'), clock, lang)})")]
    if zone or zid:
        rows.append(("det.zone", _name(zone.name, lang) if zone else zid))
    if cp:
        rows.append(("det.checkpoint", _name(cp.name, lang)))
    rows.append(("det.text", alert_line(alert, line_names(city), lang)))
    if ack:
        rows.append(("det.ack", f"{ack.get('by', '')}: {ack.get('note', '')}"))
    lat, lon = _f(alert.get("lat")), _f(alert.get("lon"))
    return {"kind": "alert", "id": str(alert.get("alert_id", "")), "title": t(f"type.{alert.get('type', '')}", lang),
            "rows": rows, "alerts": [], "track": [], "reads": [],
            "center": [lat, lon] if lat is not None and lon is not None else None,
            "severity": str(alert.get("severity", "")), "subject": str(alert.get("subject", ""))}
