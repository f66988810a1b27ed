"""The unit terminal ``/unit`` (contract A.7.3): plain HTML and the view of one order, from plain values.

Why not Dash: a phone in a patrol car needs a small page that loads fast over a weak link and keeps
working when the connection drops for a while; a Dash page ships React, the map and every callback.
The page is static HTML; ``assets/onemap_unit.js`` fetches the unit's open orders as JSON
(``GET /unit/orders``), draws them, posts the answers and the emergency button, and fetches again
whenever the unit's Socket.IO room says an order arrived (see ``web.unit``).
"""

from __future__ import annotations

from html import escape
from typing import Any

import orjson

from api.dispatch import ACK_STATUSES, next_allowed
from city.citypack import CityPack
from web.signin import DEMO_BANNER

__all__ = ["TEXT", "BUTTONS", "order_view", "unit_page_html"]

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
}
BUTTONS: dict[str, tuple[str, str]] = {
    "accepted": ("接受", "Accept"),
    "en_route": ("出发", "En route"),
    "on_scene": ("到场", "On scene"),
    "cleared": ("完成", "Clear"),
    "declined": ("拒绝", "Decline"),
}
"""The answer each button sends, and its label (contract A.7.3 names the English ones)."""

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
.om-unit-foot button{font:inherit;padding:.3rem 1rem}"""


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


def unit_page_html(lang: str, csrf_token: str, username: str, unit: str, *, demo: bool) -> str:
    """The page: heading, the (script-filled) order list, the emergency button, sign-out.

    >>> page = unit_page_html("en", "tok", "unit-P01", "P01", demo=False)
    >>> ">Help</button>" in page and 'content="tok"' in page and "Open orders" in page
    True
    """
    words = {k: _t(TEXT, k, lang) for k in ("none", "go_to", "status", "help_sent", "help_failed", "offline",
                                            "refused")}
    config = orjson.dumps({"lang": lang, "unit": unit, "text": words}).decode().replace("</", "<\\/")
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
        f'<h2>{escape(_t(TEXT, "orders", lang))}</h2><div id="om-unit-orders" aria-live="polite"></div>'
        '<div class="om-unit-foot">'
        f'<span>{escape(_t(TEXT, "signed_in", lang))} {escape(username)}</span>'
        '<form method="post" action="/logout">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">'
        f'<button type="submit">{escape(_t(TEXT, "sign_out", lang))}</button></form></div></main>'
        '<script src="/assets/vendor/socket.io-client/socket.io.min.js"></script>'
        '<script src="/assets/onemap_unit.js"></script></body></html>')


TEXT["demo"] = DEMO_BANNER
