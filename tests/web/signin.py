"""Sign in through the form with a Flask test client (the CSRF token read from the form)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sign_in(client: FlaskClient, username: str, password: str = "demo", lang: str = "") -> tuple[int, str]:
    """Post the sign-in form as a browser would; the status and the ``Location`` answered."""
    token = csrf_of(client.get("/login").get_data(as_text=True))
    form = {"csrf_token": token, "username": username, "password": password} | ({"lang": lang} if lang else {})
    resp = client.post("/login", data=form)
    return resp.status_code, resp.headers.get("Location", "")
