"""One line for a person about an alert, in the chosen language, made from the alert's fields.

The stored ``text`` stays as the worker wrote it (contract section 4); the screens show this line
instead: subject, place and reason with the city pack's names in ``zh`` or ``en``. The same rules
live in the browser as ``onemap.alertText`` (assets/onemap_live.js) for pushed alerts; a browser
test feeds both the same alerts and compares the strings, so change them together.

``names`` is what ``line_names`` makes from the city pack (and the page gets as ``config.names``):
``{"zones" | "checkpoints" | "units" | "reasons": {id: [zh, en]}}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from city.citypack import CityPack
from web.views.mapdata import split_name

__all__ = ["LINE_TYPES", "line_names", "alert_line"]


def line_names(city: CityPack) -> dict[str, dict[str, list[str]]]:
    """The names an alert line uses, each as ``[zh, en]``: zones, checkpoints, unit callsigns and
    watchlist reasons (by plate)."""
    def pair(name: str) -> list[str]:
        return list(split_name(name))

    return {"zones": {z.id: pair(z.name) for z in city.zones},
            "checkpoints": {c.id: pair(c.name) for c in city.checkpoints.values()},
            "units": {u.id: pair(u.callsign) for u in city.units.values()},
            "reasons": {w.plate: pair(w.reason) for w in city.watchlist.values() if w.reason}}


def _name(names: Mapping[str, Any], kind: str, key: str, en: bool) -> str:
    pair = (names.get(kind) or {}).get(key)
    if not pair:
        return ""
    return str(pair[1] if en else pair[0])


def alert_line(alert: Mapping[str, Any], names: Mapping[str, Any], lang: str) -> str:
    """The alert as one line in ``lang`` (``"en"``, else Chinese).

    >>> names = {"zones": {"Z1": ["侨香片区", "Qiaoxiang"]}, "units": {"P01": ["福田01", "Futian-01"]},
    ...          "checkpoints": {"K01": ["侨香路 卡口 K01", "Checkpoint K01"]},
    ...          "reasons": {"粤BM6375": ["被盗车辆", "Stolen vehicle"]}}
    >>> hit = {"type": "watchlist_hit", "subject": "粤BM6375", "checkpoint": "K01"}
    >>> alert_line(hit, names, "zh")
    '粤BM6375 在 侨香路 卡口 K01 命中布控（被盗车辆）'
    >>> alert_line(hit, names, "en")
    '粤BM6375 on the watchlist at Checkpoint K01 (Stolen vehicle)'
    >>> exit = {"type": "zone_exit", "subject": "P01", "zone": "Z1"}
    >>> alert_line(exit, names, "zh"), alert_line(exit, names, "en")
    ('福田01 驶出责任巡区 侨香片区', 'Futian-01 left its patrol zone Qiaoxiang')

    Ids the pack does not know are shown as they are; a type it does not know gets its name:

    >>> alert_line({"type": "overspeed", "subject": "粤B1", "zone": "Z9"}, {}, "en")
    '粤B1 speeding in Z9'
    >>> alert_line({"type": "new_kind", "subject": "x"}, {}, "zh")
    'x new_kind'
    """
    en = lang == "en"
    kind = str(alert.get("type") or "")
    subject = str(alert.get("subject") or "").strip()
    zid = str(alert.get("zone") or "").strip()
    cid = str(alert.get("checkpoint") or "").strip()
    parts = _Parts(who=_name(names, "units", subject, en) or subject,
                   zone=_name(names, "zones", zid, en) or zid,
                   cp=_name(names, "checkpoints", cid, en) or (("checkpoint " if en else "卡口 ") + cid if cid else ""),
                   reason=_name(names, "reasons", subject, en))
    line = _LINES.get(kind)
    return line[1 if en else 0](parts) if line else f"{parts.who} {kind}".strip()


@dataclass(frozen=True)
class _Parts:
    who: str  # the callsign of a unit, else the subject (a plate)
    zone: str
    cp: str
    reason: str  # the watchlist reason of the plate


def _opt(value: str, form: str) -> str:
    """``form`` with ``value`` in it, or nothing when there is no value."""
    return form.format(value) if value else ""


Line = Callable[[_Parts], str]
# type -> (Chinese, English)
_LINES: dict[str, tuple[Line, Line]] = {
    "zone_exit": (lambda p: f"{p.who} 驶出责任巡区" + _opt(p.zone, " {}"),
                  lambda p: f"{p.who} left its patrol zone" + _opt(p.zone, " {}")),
    "restricted_entry": (lambda p: f"{p.who} 闯入禁区" + _opt(p.zone, " {}"),
                         lambda p: p.who + (f" entered restricted zone {p.zone}" if p.zone
                                            else " entered a restricted zone")),
    "overspeed": (lambda p: f"{p.who} 在 {p.zone} 超速" if p.zone else f"{p.who} 超速",
                  lambda p: f"{p.who} speeding" + _opt(p.zone, " in {}")),
    "night_ban": (lambda p: f"{p.who} 夜间禁行时段上路" + _opt(p.zone, "（{}）"),
                  lambda p: f"{p.who} on the road during the night ban" + _opt(p.zone, " in {}")),
    "fatigue": (lambda p: f"{p.who} 疲劳驾驶，超时未休息" + _opt(p.zone, "（{}）"),
                lambda p: f"{p.who} driving too long without a rest" + _opt(p.zone, " in {}")),
    "watchlist_hit": (lambda p: (f"{p.who} 在 {p.cp} 命中布控" if p.cp else f"{p.who} 命中布控")
                      + _opt(p.reason, "（{}）"),
                      lambda p: f"{p.who} on the watchlist" + _opt(p.cp, " at {}") + _opt(p.reason, " ({})")),
    "cloned_plate": (lambda p: f"{p.who} 疑似套牌" + _opt(p.cp, "：在 {} 过车，与另一卡口读数时空矛盾"),
                     lambda p: f"{p.who}: possible cloned plate"
                     + _opt(p.cp, ", read at {} too soon after another checkpoint")),
    "unit_offline": (lambda p: f"{p.who} 离线，无定位回传", lambda p: f"{p.who} offline: no position reports"),
    "officer_help": (lambda p: f"{p.who} 请求紧急支援" + _opt(p.zone, "（{}）"),
                     lambda p: f"{p.who} calls for help" + _opt(p.zone, " in {}")),
}

# every type of contract section 4, and officer_help of section 7.3
LINE_TYPES = tuple(_LINES)
