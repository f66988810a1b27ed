"""Bearer tokens and roles (contract sections 1 and 6).

``CC_API_TOKENS`` maps each token to one role: ``officer``, ``supervisor``, ``wall``, ``ingest`` or
``unit:{unit_id}``. A call without a known token is refused with 401, a known token of the wrong
role with 403; both are decided before anything is read or written.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from api.errors import ApiError

__all__ = ["ROLES", "token_of", "authenticate", "require_role", "unit_of_role"]

ROLES = ("officer", "supervisor", "wall", "ingest")
"""The fixed roles; a unit's terminal has the role ``unit:{unit_id}``."""


def token_of(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer {token}`` header, else ``None``.

    >>> token_of("Bearer abc"), token_of("bearer  abc "), token_of("Basic abc"), token_of(None)
    ('abc', 'abc', None, None)
    """
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def authenticate(header: str | None, tokens: Mapping[str, str]) -> str:
    """The role of the caller, or ``ApiError(401)`` when the token is missing or unknown.

    Tokens are compared in constant time.

    >>> authenticate("Bearer t1", {"t1": "officer"})
    'officer'
    >>> authenticate("Bearer nope", {"t1": "officer"})
    Traceback (most recent call last):
    ...
    api.errors.ApiError: unknown token: send Authorization: Bearer {token} with a token of CC_API_TOKENS
    """
    token = token_of(header)
    if token is None:
        raise ApiError(401, "no token: send Authorization: Bearer {token}", "Authorization")
    role = None
    for known, known_role in tokens.items():
        if hmac.compare_digest(known.encode("utf-8"), token.encode("utf-8")):
            role = known_role
    if role is None:
        raise ApiError(401, "unknown token: send Authorization: Bearer {token} with a token of CC_API_TOKENS",
                       "Authorization")
    return role


def require_role(role: str, *allowed: str) -> str:
    """``role`` if it is one of ``allowed`` (``"unit:*"`` allows any unit), else ``ApiError(403)``.

    >>> require_role("unit:P01", "unit:*")
    'unit:P01'
    >>> require_role("wall", "officer")
    Traceback (most recent call last):
    ...
    api.errors.ApiError: role 'wall' may not make this call; it needs officer
    """
    for want in allowed:
        if role == want or (want == "unit:*" and unit_of_role(role)):
            return role
    raise ApiError(403, f"role {role!r} may not make this call; it needs {' or '.join(allowed)}", "Authorization")


def unit_of_role(role: str) -> str:
    """The unit id of a ``unit:{unit_id}`` role, else ``""``.

    >>> unit_of_role("unit:P01"), unit_of_role("officer")
    ('P01', '')
    """
    prefix, sep, unit = role.partition(":")
    return unit if prefix == "unit" and sep else ""
