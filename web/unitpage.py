"""The unit terminal ``/unit`` (contract A.7.3): plain HTML and the view of one order, from plain values.

Why not Dash: a phone in a patrol car needs a small page that loads fast over a weak link and keeps
working when the connection drops for a while; a Dash page ships React, the map and every callback.
The page is static HTML; ``assets/onemap_unit.js`` fetches the unit's open orders as JSON
(``GET /unit/orders``), draws them with their small map (``assets/onemap_unit_map.js``), rings on
a new one, queues the answers until they are delivered (``assets/onemap_unit_outbox.js``), posts
the emergency button, shares the phone's position when asked (``assets/onemap_unit_geo.js``), and
fetches again whenever the unit's Socket.IO room says an order arrived (see ``web.unit``). The
status machine travels in the page's config, so an answer queued offline shows at once.
"""

from __future__ import annotations

from html import escape
from typing import Any

import orjson

from api.dispatch import ACK_STATUSES, ANSWER_NOTE_MAX, NEW, next_allowed
from city.citypack import CityPack
from web.signin import DEMO_BANNER

__all__ = ["TEXT", "BUTTONS", "NOTES", "SCRIPTS", "order_view", "machine", "unit_page_html"]

# key -> (Chinese, English)
TEXT: dict[str, tuple[str, str]] = {
    "title": ("OneMap 单位终端", "OneMap unit terminal"),
    "heading": ("单位终端", "Unit terminal"),
    "orders": ("待办指令", "Open orders"),
    "none": ("暂无指令", "No open orders"),
    "go_to": ("前往", "Go to"),
    "status": ("状态", "Status"),
    "help": ("紧急求助", "Help"),
    "help_sent": ("求助已发出", "Help is on its way: the command center has your position"),
    "help_failed": ("求助未发出，请用电台", "Help was not sent: use the radio"),
    "offline": ("连接中断，正在重连…", "Connection lost: reconnecting…"),
    "refused": ("操作未被接受", "Not accepted"),
    "signed_in": ("已登录", "Signed in as"),
    "sign_out": ("退出", "Sign out"),
    "issued": ("新指令", "New"),
    "accepted": ("已接受", "Accepted"),
    "en_route": ("途中", "En route"),
    "on_scene": ("已到场", "On scene"),
    "cleared": ("已完成", "Cleared"),
    "declined": ("已拒绝", "Declined"),
    "new_order": ("新指令", "New order"),
    "queued": ("待发送", "queued"),
    "queued_mark": ("待发送", "queued"),
    "disposition": ("处置结果", "Disposition"),
    "reason": ("拒绝原因", "Reason for declining"),
    "send": ("发送", "Send"),
    "cancel": ("取消", "Cancel"),
    "share": ("共享我的位置", "Share my position"),
    "position_sent": ("位置已发送", "Position sent"),
    "position_error": ("无法获取位置", "Position not available"),
    "position_refused": ("位置未被接受", "Position not accepted"),
    "map": ("路线图", "Route map"),
    "route": ("路线", "Route"),
    "km": ("公里", "km"),
    "no_fix": ("本车位置未知，只显示目标", "Your position is not known: the target only"),
    "you": ("本车", "You"),
    "target": ("目标", "Target"),
}
BUTTONS: dict[str, tuple[str, str]] = {
    "accepted": ("接受", "Accept"),
    "en_route": ("出发", "En route"),
    "on_scene": ("到场", "On scene"),
    "cleared": ("完成", "Clear"),
    "declined": ("拒绝", "Decline"),
}
"""The answer each button sends, and its label (contract A.7.3 names the English ones)."""
NOTES: dict[str, tuple[tuple[str, str], ...]] = {
    "cleared": (("已拦截车辆", "Vehicle stopped"), ("已抓获嫌疑人", "Arrest made"), ("未发现目标", "Not found"),
                ("误报", "False alarm"), ("已移交", "Handed over")),
    "declined": (("正在处理其他警情", "Busy with another call"), ("车辆故障", "Vehicle breakdown"),
                 ("距离太远", "Too far away")),
}
"""Suggestions offered in the disposition and reason dialogs (the officer may type anything)."""
SCRIPTS = ("vendor/socket.io-client/socket.io.min.js", "onemap_unit_map.js", "onemap_unit_outbox.js",
           "onemap_unit_geo.js", "onemap_unit.js")
"""What the page loads from ``/assets/``, in this order (the last one starts the page)."""

_STYLE = """body{background:#0b1220;color:#e6edf7;font:18px/1.45 "Noto Sans SC",sans-serif;margin:0}
main{max-width:30rem;margin:0 auto;padding:.75rem}h1{font-size:1.4rem;margin:.25rem 0}
h2{font-size:1.15rem;margin:1rem 0 .5rem}
.om-unit-order{background:#15203a;border:1px solid #2d3d63;border-radius:.5rem;padding:.75rem;margin:.75rem 0}
.om-unit-text{font-size:1.2rem;font-weight:600}.om-unit-where,.om-unit-status{margin:.35rem 0}
.om-unit-buttons{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.5rem}
.om-unit-buttons button{flex:1 1 40%;min-height:3rem;font:inherit;font-weight:600;border-radius:.4rem;
border:0;background:#2f6fdb;color:#fff}
.om-unit-buttons button[data-status=declined]{background:#4a5568}
#om-unit-help{width:100%;min-height:4rem;font:inherit;font-size:1.5rem;font-weight:700;background:#d62839;
color:#fff;border:0;border-radius:.5rem;margin:1rem 0}
[role=status]{min-height:1.5rem}.om-demo-banner{background:#6b4b00;color:#fff;padding:.4rem 1rem;text-align:center}
.om-unit-foot{display:flex;justify-content:space-between;align-items:center;margin-top:1.5rem;font-size:.9rem}
.om-unit-foot button{font:inherit;padding:.3rem 1rem}
.om-unit-new{border:3px solid #ffc400;box-shadow:0 0 0 3px rgba(255,196,0,.35)}
.om-unit-badge{display:inline-block;background:#ffc400;color:#1a1300;font-weight:700;border-radius:.3rem;
padding:.05rem .5rem;margin-bottom:.35rem}
.om-unit-map{display:block;width:100%;height:auto;background:#0f1a30;border:1px solid #2d3d63;border-radius:.4rem;
margin:.35rem 0}.om-unit-map .om-unit-route{fill:none;stroke:#4da3ff;stroke-width:4;stroke-linejoin:round;
stroke-linecap:round}.om-unit-map .om-unit-me{fill:#4da3ff;stroke:#fff;stroke-width:2}
.om-unit-map .om-unit-target{fill:#d62839;stroke:#fff;stroke-width:2}.om-unit-map text{fill:#e6edf7;font-size:13px}
.om-unit-dist{margin:.2rem 0;color:#b8c4dc}.om-unit-queued{color:#ffc400;font-weight:600}
.om-unit-bar{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.25rem 0}
#om-unit-share{font:inherit;min-height:2.75rem;padding:.3rem .9rem;border-radius:.4rem;border:1px solid #4da3ff;
background:transparent;color:#e6edf7}#om-unit-share[aria-pressed=true]{background:#2f6fdb;border-color:#2f6fdb}
dialog{background:#15203a;color:#e6edf7;border:1px solid #4d5f8a;border-radius:.5rem;width:min(26rem,92vw);
padding:1rem}dialog::backdrop{background:rgba(0,0,0,.6)}#om-unit-dialog-title{display:block;font-size:1.15rem;font-weight:700}
dialog input{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;margin:.4rem 0}
.om-unit-dialog-buttons{display:flex;gap:.5rem;justify-content:flex-end;margin-top:.5rem}
.om-unit-dialog-buttons button{font:inherit;min-height:2.75rem;padding:.3rem 1.2rem;border-radius:.4rem;border:0}
.om-unit-dialog-buttons button[type=submit]{background:#2f6fdb;color:#fff}"""


def _t(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    zh, en = table[key]
    return en if lang == "en" else zh


def order_view(order: dict[str, Any], alert: dict[str, Any] | None, city: CityPack, lang: str) -> dict[str, Any]:
    """What the terminal shows of one order: the alert's text, where to go, the status and the
    buttons its status allows, in ``lang``.

    >>> from types import SimpleNamespace as NS
    >>> city = NS(checkpoints={"B": NS(name="Station B")})
    >>> o = {"order_id": "O-1", "alert_id": "a1", "lat": "22.5", "lon": "114.0", "checkpoint": "B",
    ...      "status": "accepted", "text": "watchlist_hit X: intercept at Station B"}
    >>> v = order_view(o, {"text": "Stolen vehicle"}, city, "en")
    >>> v["text"], v["where"], v["status_text"], [b["label"] for b in v["buttons"]]
    ('Stolen vehicle', 'Station B (B)', 'Accepted', ['En route', 'Decline'])
    >>> v = order_view({**o, "checkpoint": "", "status": "issued"}, None, city, "zh")
    >>> v["text"], v["where"], [b["label"] for b in v["buttons"]]
    ('watchlist_hit X: intercept at Station B', '22.50000, 114.00000', ['接受', '拒绝'])
    """
    status = str(order.get("status") or "issued")
    cp = str(order.get("checkpoint") or "")
    if cp and cp in city.checkpoints:
        where = f"{city.checkpoints[cp].name} ({cp})"
    else:
        where = f"{float(order['lat']):.5f}, {float(order['lon']):.5f}"
    allowed = next_allowed(status)
    return {
        "order_id": order["order_id"], "status": status,
        "status_text": _t(TEXT, status, lang) if status in TEXT else status,
        "text": str((alert or {}).get("text") or order.get("text") or ""), "where": where,
        "buttons": [{"status": s, "label": _t(BUTTONS, s, lang)} for s in ACK_STATUSES if s in allowed],
    }


def machine(lang: str) -> dict[str, Any]:
    """The status machine as the page needs it offline: for each open status the buttons it allows
    (as ``order_view`` gives them), and every status's text.

    >>> m = machine("en")
    >>> [b["label"] for b in m["buttons"]["accepted"]], m["buttons"]["on_scene"], m["status_text"]["en_route"]
    (['En route', 'Decline'], [{'status': 'cleared', 'label': 'Clear'}], 'En route')
    """
    opened = (NEW, *(s for s in ACK_STATUSES if next_allowed(s)))
    return {
        "buttons": {st: [{"status": s, "label": _t(BUTTONS, s, lang)} for s in ACK_STATUSES if s in next_allowed(st)]
                    for st in opened},
        "status_text": {st: _t(TEXT, st, lang) for st in (NEW, *ACK_STATUSES)},
        "closed": [s for s in ACK_STATUSES if not next_allowed(s)],
    }


def _dialog(lang: str) -> str:
    """The one dialog that asks for a disposition (``Clear``) or a reason (``Decline``)."""
    lists = "".join(
        f'<datalist id="om-unit-notes-{status}">'
        + "".join(f'<option value="{escape(en if lang == "en" else zh)}"></option>' for zh, en in notes)
        + "</datalist>" for status, notes in NOTES.items())
    return (
        '<dialog id="om-unit-dialog" aria-labelledby="om-unit-dialog-title"><form id="om-unit-dialog-form">'
        '<label for="om-unit-note-input" id="om-unit-dialog-title"></label>'
        f'<input id="om-unit-note-input" name="note" required maxlength="{ANSWER_NOTE_MAX}" pattern=".*\\S.*" '
        f'autocomplete="off">{lists}<div class="om-unit-dialog-buttons">'
        f'<button type="button" id="om-unit-dialog-cancel">{escape(_t(TEXT, "cancel", lang))}</button>'
        f'<button type="submit">{escape(_t(TEXT, "send", lang))}</button></div></form></dialog>')


def unit_page_html(lang: str, csrf_token: str, username: str, unit: str, *, demo: bool) -> str:
    """The page: heading, the emergency button, position sharing, the (script-filled) order list,
    the disposition/reason dialog, sign-out.

    >>> page = unit_page_html("en", "tok", "unit-P01", "P01", demo=False)
    >>> ">Help</button>" in page and 'content="tok"' in page and "Open orders" in page
    True
    >>> ">Share my position</button>" in page and 'maxlength="200"' in page and "Arrest made" in page
    True
    """
    words = {k: _t(TEXT, k, lang) for k in ("none", "go_to", "status", "help_sent", "help_failed", "offline",
                                            "refused", "new_order", "queued", "queued_mark", "disposition",
                                            "reason", "position_sent", "position_error", "position_refused",
                                            "map", "route", "km", "no_fix", "you", "target")}
    config = orjson.dumps({"lang": lang, "unit": unit, "text": words, "machine": machine(lang),
                           "notes": {s: f"om-unit-notes-{s}" for s in NOTES}}).decode().replace("</", "<\\/")
    banner = f'<div class="om-demo-banner" role="note">{escape(_t(TEXT, "demo", lang))}</div>' if demo else ""
    return (
        f'<!doctype html>\n<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
        f'<meta name="csrf-token" content="{escape(csrf_token)}"><title>{escape(_t(TEXT, "title", lang))}</title>'
        f'<link rel="stylesheet" href="/assets/onemap_fonts.css"><style>{_STYLE}</style></head><body>{banner}'
        f'<main id="om-unit" data-config="{escape(config)}">'
        f'<h1>{escape(_t(TEXT, "heading", lang))} {escape(unit)}</h1>'
        f'<button id="om-unit-help" type="button">{escape(_t(TEXT, "help", lang))}</button>'
        '<p id="om-unit-note" role="status" aria-live="polite"></p>'
        '<div class="om-unit-bar">'
        f'<button id="om-unit-share" type="button" aria-pressed="false">{escape(_t(TEXT, "share", lang))}</button>'
        '<span id="om-unit-position" aria-live="polite"></span></div>'
        '<p id="om-unit-queue" class="om-unit-queued" aria-live="polite" hidden></p>'
        f'<h2>{escape(_t(TEXT, "orders", lang))}</h2><div id="om-unit-orders" aria-live="polite"></div>'
        f'{_dialog(lang)}'
        '<div class="om-unit-foot">'
        f'<span>{escape(_t(TEXT, "signed_in", lang))} {escape(username)}</span>'
        '<form method="post" action="/logout">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">'
        f'<button type="submit">{escape(_t(TEXT, "sign_out", lang))}</button></form></div></main>'
        + "".join(f'<script src="/assets/{name}"></script>' for name in SCRIPTS) + "</body></html>")


TEXT["demo"] = DEMO_BANNER
