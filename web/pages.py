"""The pages a person can open, by path; every other path is a 404 (not the live page in disguise).

``PAGES`` maps a path to the page's key; ``callbacks/shell.py`` renders by key, and ``app.py``
refuses unknown paths before Dash's catch-all route answers them.
"""

from __future__ import annotations

__all__ = ["PAGES", "COMMAND", "WALL", "page_of", "is_page_route", "NOT_FOUND_HTML"]

COMMAND, WALL = "command", "wall"
PAGES: dict[str, str] = {"/": COMMAND, "/wall": WALL}
NOT_FOUND_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OneMap: not found</title>
<style>body{background:#0b1220;color:#e6edf7;font:18px/1.5 "Noto Sans SC",sans-serif;margin:4rem}
a{color:#5fb3ff}</style></head>
<body><h1>404: no such page 页面不存在</h1>
<p>OneMap has the command map at <a href="/">/</a> and the wall screen at <a href="/wall">/wall</a>.</p>
</body></html>"""


def page_of(path: str | None) -> str | None:
    """The key of the page at ``path`` (a trailing slash is ignored), ``None`` when there is none.

    >>> page_of("/"), page_of("/wall/"), page_of(None), page_of("/replay")
    ('command', 'wall', 'command', None)
    """
    clean = (path or "/").rstrip("/") or "/"
    return PAGES.get(clean)


def is_page_route(rule: str | None) -> bool:
    """Whether a Flask URL rule is Dash's page route (``/`` or its ``/<path:path>`` catch-all),
    which would answer any path with the live page; other routes (assets, API) answer for themselves.

    >>> is_page_route("/"), is_page_route("/<path:path>"), is_page_route("/api/alerts"), is_page_route(None)
    (True, True, False, True)
    """
    return rule is None or rule == "/" or rule.endswith("<path:path>")
