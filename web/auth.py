"""Sign-in for people (contract A.7.3): sessions, CSRF, the sign-in rate limit, role gates, audit.

``install(server, settings, client, keys, unit_ids, exempt=...)`` is the one call ``app.py`` makes.

- **Sessions** (Flask-Login over Flask's signed cookie): HTTP-only, ``SameSite=Lax``, ``Secure``
  when ``CC_COOKIE_SECURE`` is on; signed with ``CC_SECRET_KEY`` or a random key kept in
  ``{data_dir}/secret_key``. An officer's or supervisor's session ends after ``IDLE_S[role]``
  without a request (8 h), the wall's after 7 days; each request renews it.
- **CSRF** (Flask-WTF ``CSRFProtect``): every POST with the session cookie needs the token (form
  field ``csrf_token`` or header ``X-CSRFToken``), else 403. Dash's own callback POSTs carry it in
  the header: ``assets/onemap_csrf.js`` wraps ``window.fetch`` for same-origin POSTs and reads the
  token from the ``csrf_token`` cookie this module sets (not HTTP-only, that is its purpose; the
  token is only valid together with the session). The Bearer-token API and OsmAnd blueprints
  (``exempt``) stay token/device based and are CSRF-exempt.
- **Rate** of sign-in attempts: ``CC_RATE_SIGN_IN`` per address (a moving window in Redis through
  the ``limits`` library, Flask-Limiter's own backend); beyond it 429.
- **Gates**: a page without a session redirects to ``/login``; Dash's data routes answer 401. A
  wall session sees only ``/wall``; a unit session only ``/unit`` and its routes (``web.unit``).
- **Audit**: ``sign_in``, ``sign_in_failed`` and ``sign_out`` are appended to ``cc:audit`` with the
  actor ``user:{name}``, the address as ``source`` (and, as before, in ``detail``).
  ``request_source()`` is the ``source`` of whatever a screen writes on a person's behalf.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask
import redis
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from limits import parse as parse_rate
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from core.audit import SERVER_SOURCE, append_audit, http_source
from core.keys import Keys
from core.redisio import storage_uri
from core.settings import Settings
from web.i18n import lang_of
from web.pages import WALL, is_page_route, page_of
from web.signin import login_html
from web.users import User, demo_users, home_of, load_users, verify

__all__ = ["install", "signed_in", "request_source", "route_for", "secret_key", "IDLE_S", "UNIT_PAGE", "Account"]

IDLE_S = {"officer": 8 * 3600, "supervisor": 8 * 3600, "wall": 7 * 86400, "unit": 12 * 3600}
"""How long a session of each role lives without a request."""
UNIT_PAGE = "/unit"
CSRF_COOKIE = "csrf_token"
_PUBLIC = ("/login", "/logout", "/_favicon.ico")
_PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")


class Account(UserMixin):
    """A signed-in person for Flask-Login."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return self.user.username


def signed_in() -> User | None:
    """The person of this request (also inside a Dash callback or a Socket.IO handler), else ``None``."""
    account = current_user
    return account.user if getattr(account, "is_authenticated", False) else None


def request_source() -> str:
    """The audit ``source`` of an action now: the address of the request's client (also inside a
    Dash callback), or ``SERVER_SOURCE`` outside any request (the server acting by itself)."""
    return http_source(flask.request.remote_addr) if flask.has_request_context() else SERVER_SOURCE


class _RoleSessions(SecureCookieSessionInterface):
    """Flask's cookie session whose lifetime depends on the role signed in."""

    def get_expiration_time(self, app: flask.Flask, session: SessionMixin) -> Any:
        ttl = session.get("ttl")
        if session.permanent and isinstance(ttl, int):
            return datetime.now(UTC) + timedelta(seconds=ttl)
        return super().get_expiration_time(app, session)


@dataclass
class _Store:
    """The accounts: the users file (read again when it changes) or the demo accounts."""

    path: Path | None
    unit_ids: list[str]
    _users: dict[str, User] = field(default_factory=dict)
    _mtime: float = -1.0

    @property
    def demo(self) -> bool:
        return self.path is None

    def users(self) -> dict[str, User]:
        if self.path is None:
            if not self._users:
                self._users = demo_users(self.unit_ids)
            return self._users
        mtime = self.path.stat().st_mtime if self.path.exists() else 0.0
        if mtime != self._mtime:
            self._users, self._mtime = load_users(self.path), mtime
        return self._users


def secret_key(settings: Settings) -> str:
    """``CC_SECRET_KEY``, else the key kept in the data folder (made once)."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / "secret_key"
    try:
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        path.chmod(0o600)
        return key
    except OSError:  # a read-only data folder: sessions last until a restart
        return secrets.token_hex(32)


def route_for(role: str | None, path: str, page: bool) -> str | int | None:
    """What the gate does with a request for ``path`` by ``role`` (``None``: no session): a path
    to redirect to, a status to refuse with, or ``None`` to let it through. ``page``: whether
    ``path`` is a page (rather than Dash's data routes).

    >>> route_for(None, "/", True), route_for(None, "/_dash-layout", False)
    ('/login', 401)
    >>> route_for("wall", "/", True), route_for("wall", "/wall", True), route_for("officer", "/wall", True)
    ('/wall', None, None)
    >>> route_for("unit", "/", True), route_for("unit", "/_dash-layout", False), route_for("officer", "/unit", True)
    ('/unit', 403, '/')
    >>> route_for("unit", "/unit/orders", False), route_for("unit", "/units", False)
    (None, 403)
    """
    if role is None:
        return "/login" if page else 401
    if role == "unit":
        return None if path == UNIT_PAGE or path.startswith(UNIT_PAGE + "/") else (UNIT_PAGE if page else 403)
    if path == UNIT_PAGE:
        return "/wall" if role == "wall" else "/"
    if role == "wall" and page and page_of(path) != WALL:
        return "/wall"
    return None


def _lang() -> str:
    return lang_of(flask.request.values.get("lang"))


def _with_lang(path: str) -> str:
    """``path``, keeping the ``?lang=`` the request named."""
    return f"{path}?lang={_lang()}" if flask.request.values.get("lang") else path


def _is_page() -> bool:
    rule = flask.request.url_rule
    return is_page_route(rule.rule if rule else None) or flask.request.path == UNIT_PAGE


def _redirect(path: str) -> flask.Response:
    return flask.redirect(_with_lang(path))  # type: ignore[return-value]


class _SignIn:
    """The sign-in routes and the gate in front of every other route."""

    def __init__(self, settings: Settings, client: redis.Redis, keys: Keys, store: _Store) -> None:
        self.settings, self.client, self.keys, self.store = settings, client, keys, store
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri(settings.redis_url or "memory://")))
        self.rate = parse_rate(settings.rate_sign_in)

    def audit(self, actor: str, action: str) -> None:
        append_audit(self.client, self.keys, actor, action, "", {"address": flask.request.remote_addr or ""},
                     source=request_source())

    def form(self, status: int, error: str = "", username: str = "") -> flask.Response:
        page = login_html(_lang(), generate_csrf(), demo=self.store.demo, error=error, username=username)
        return flask.Response(page, status=status, mimetype="text/html")

    def login_form(self) -> flask.Response:
        user = signed_in()
        return _redirect(home_of(user)) if user else self.form(200)

    def login(self) -> flask.Response:
        name = str(flask.request.form.get("username", "")).strip()[:64]
        address = flask.request.remote_addr or "unknown"
        if not self.limiter.hit(self.rate, f"{self.settings.prefix}:signin", address):
            return self.form(429, "limited", name)
        user = verify(self.store.users(), name, str(flask.request.form.get("password", "")))
        if user is None:
            self.audit(f"user:{name}", "sign_in_failed")
            return self.form(401, "wrong", name)
        flask.session.clear()
        login_user(Account(user))
        flask.session.permanent = True
        flask.session["ttl"] = IDLE_S[user.role]
        flask.session["seen"] = int(time.time())
        self.audit(f"user:{user.username}", "sign_in")
        return _redirect(home_of(user))

    def logout(self) -> flask.Response:
        user = signed_in()
        if user is not None:
            self.audit(f"user:{user.username}", "sign_out")
        logout_user()
        flask.session.clear()
        return _redirect("/login")

    def gate(self) -> flask.Response | None:
        path = flask.request.path
        if path in _PUBLIC or path.startswith(_PUBLIC_PREFIXES) or path.startswith("/socket.io"):
            return None
        user = signed_in()
        now = int(time.time())
        if user is not None and now - int(flask.session.get("seen", 0)) > IDLE_S[user.role]:
            logout_user()  # idle too long: the cookie may still be sent, the session is over
            flask.session.clear()
            user = None
        if user is not None:
            flask.session["seen"] = now
        action = route_for(user.role if user else None, path, _is_page())
        if isinstance(action, str):
            return _redirect(action)
        if isinstance(action, int):
            text = "sign in first: /login" if action == 401 else "this account may not open this"
            return flask.Response(text, status=action, mimetype="text/plain")
        return None

    def token_cookie(self, resp: flask.Response) -> flask.Response:
        """A page hands the CSRF token to ``assets/onemap_csrf.js`` (for Dash's callback POSTs)."""
        rule = flask.request.url_rule
        if resp.status_code == 200 and is_page_route(rule.rule if rule else None) and signed_in() is not None:
            resp.set_cookie(CSRF_COOKIE, generate_csrf(), samesite="Lax", secure=self.settings.cookie_secure)
        return resp


def install(server: flask.Flask, settings: Settings, client: redis.Redis, keys: Keys, unit_ids: Iterable[str],
            exempt: Iterable[flask.Blueprint] = ()) -> None:
    """Put sign-in, sessions, CSRF and the role gates on ``server``; ``exempt`` blueprints (the
    token-based API, OsmAnd) keep their own authentication, without CSRF or the gate."""
    store = _Store(settings.users, list(unit_ids))
    store.users()  # a broken users file is refused at start, not at the first sign-in
    server.secret_key = secret_key(settings)
    server.session_interface = _RoleSessions()
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         SESSION_COOKIE_SECURE=settings.cookie_secure, WTF_CSRF_TIME_LIMIT=None,
                         PERMANENT_SESSION_LIFETIME=timedelta(seconds=IDLE_S["officer"]))
    server.extensions["onemap.demo_accounts"] = store.demo
    csrf = CSRFProtect(server)
    server.register_error_handler(CSRFError, lambda exc: flask.Response(
        f"refused: {exc.description} (send the csrf_token field or the X-CSRFToken header)", status=403,
        mimetype="text/plain"))
    exempt_names = set()
    for bp in exempt:
        csrf.exempt(bp)
        exempt_names.add(bp.name)
    manager = LoginManager(server)

    @manager.user_loader
    def _load(username: str) -> Account | None:
        user = store.users().get(username)
        return Account(user) if user else None

    sign_in = _SignIn(settings, client, keys, store)
    server.add_url_rule("/login", "login_form", sign_in.login_form, methods=["GET"])
    server.add_url_rule("/login", "login", sign_in.login, methods=["POST"])
    server.add_url_rule("/logout", "logout", sign_in.logout, methods=["POST"])
    server.before_request(lambda: None if flask.request.blueprint in exempt_names else sign_in.gate())
    server.after_request(sign_in.token_cookie)
