"""The sign-in page and the demo banner: plain HTML built from plain values (no Flask, no Redis).

``GET /login`` serves ``login_html``: a form with ``username`` and ``password`` posted to
``/login`` and a button ``Sign in`` (``登录`` in Chinese); a refused sign-in shows the same form
with an element ``role="alert"`` saying the name or the password is wrong.
"""

from __future__ import annotations

from html import escape

__all__ = ["TEXT", "login_html", "DEMO_BANNER"]

TEXT: dict[str, tuple[str, str]] = {
    "title": ("OneMap 一张图：登录", "OneMap: sign in"),
    "heading": ("登录", "Sign in"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "button": ("登录", "Sign in"),
    "wrong": ("用户名或密码错误", "The name or the password is wrong"),
    "limited": ("尝试次数过多，请稍后再试", "Too many attempts: wait a minute and try again"),
    "demo": ("演示账号：officer、supervisor、wall、unit-{单位编号}，密码均为 demo",
             "Demo accounts: officer, supervisor, wall, unit-{unit id}; password demo"),
}

_STYLE = """body{background:#0b1220;color:#e6edf7;font:18px/1.5 "Noto Sans SC",sans-serif;margin:0}
main{max-width:22rem;margin:4rem auto;padding:0 1rem}label{display:block;margin-top:1rem}
input{width:100%;box-sizing:border-box;font:inherit;padding:.4rem;margin-top:.25rem}
button{margin-top:1.5rem;font:inherit;padding:.4rem 1.5rem}
[role=alert]{background:#5c1620;border:1px solid #ff5b6b;padding:.5rem;margin-top:1rem}
.om-demo-banner{background:#6b4b00;color:#fff;padding:.4rem 1rem;text-align:center}"""

DEMO_BANNER = TEXT["demo"]


def _t(key: str, lang: str) -> str:
    zh, en = TEXT[key]
    return en if lang == "en" else zh


def _page(title: str, body: str, lang: str, demo: bool) -> str:
    banner = f'<div class="om-demo-banner" role="note">{escape(_t("demo", lang))}</div>' if demo else ""
    return (f'<!doctype html>\n<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width"><link rel="icon" href="/_favicon.ico">'
            f'<title>{escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body>{banner}<main>{body}</main></body></html>")


def login_html(lang: str, csrf_token: str, *, demo: bool, error: str = "", username: str = "") -> str:
    """The sign-in form in ``lang`` (``en`` or ``zh``); ``error`` is ``wrong``, ``limited`` or empty.

    >>> page = login_html("en", "tok", demo=True, error="wrong")
    >>> 'name="username"' in page and 'name="password"' in page and '>Sign in</button>' in page
    True
    >>> 'role="alert"' in page and "wrong" in page and "password demo" in page
    True
    """
    alert = f'<p role="alert">{escape(_t(error, lang))}</p>' if error else ""
    body = (f'<h1>{escape(_t("heading", lang))}</h1>{alert}'
            '<form method="post" action="/login">'
            f'<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">'
            f'<input type="hidden" name="lang" value="{escape(lang)}">'
            f'<label for="username">{escape(_t("username", lang))}</label>'
            f'<input id="username" name="username" autocomplete="username" required maxlength="64"'
            f' value="{escape(username)}" autofocus>'
            f'<label for="password">{escape(_t("password", lang))}</label>'
            '<input id="password" name="password" type="password" autocomplete="current-password" required>'
            f'<button type="submit" name="sign_in">{escape(_t("button", lang))}</button></form>')
    return _page(_t("title", lang), body, lang, demo)
