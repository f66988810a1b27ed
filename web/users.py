"""The people who may sign in: the users file (``CC_USERS``), password hashes, demo accounts.

The users file is a JSON list of ``{"username", "role", "unit"?, "password_hash"}``; ``role`` is
``officer``, ``supervisor``, ``wall`` or ``unit`` (then ``unit`` names the unit id). Hashes are
werkzeug's scrypt (``scrypt:32768:8:1$salt$hash``); the password itself is never stored.

Without ``CC_USERS`` the demo accounts stand in: ``officer``, ``supervisor``, ``wall`` and
``unit-{unit id}`` for each unit of the city pack, all with the password ``demo`` (every page then
shows a banner saying so).

Add a user or change a password (prompts for the password, or reads one line from stdin)::

    python -m web.users add NAME ROLE [--unit U] [--password-stdin] [--file PATH]
"""

from __future__ import annotations

import argparse
import functools
import getpass
import hmac
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson
from werkzeug.security import check_password_hash, generate_password_hash

from core.settings import Settings

__all__ = ["ROLES", "DEMO_PASSWORD", "User", "hash_password", "check_password", "demo_users", "load_users",
           "save_users", "set_user", "verify", "home_of", "main"]

ROLES = ("officer", "supervisor", "wall", "unit")
DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class User:
    """One account. ``unit`` is the unit id of a ``unit`` account, else ``""``."""

    username: str
    role: str
    password_hash: str
    unit: str = ""

    @property
    def api_role(self) -> str:
        """The role in contract A.6 terms: ``officer``, ``supervisor``, ``wall`` or ``unit:{id}``.

        >>> User("u", "unit", "h", "P01").api_role, User("w", "wall", "h").api_role
        ('unit:P01', 'wall')
        """
        return f"unit:{self.unit}" if self.role == "unit" else self.role


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password``.

    >>> h = hash_password("s3cret"); h.startswith("scrypt:") and "s3cret" not in h
    True
    """
    return generate_password_hash(password, method="scrypt")


def check_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (constant time)."""
    try:
        return check_password_hash(password_hash, password)
    except ValueError:  # an unknown or damaged hash refuses, never crashes a sign-in
        return False


@functools.lru_cache(maxsize=1)
def _demo_hash() -> str:
    return hash_password(DEMO_PASSWORD)


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(os.urandom(16).hex())


def check_user(user: User) -> User:
    """``user`` if its fields make sense, else ``ValueError`` naming the field."""
    if not user.username or user.username != user.username.strip() or len(user.username) > 64:
        raise ValueError(f"username: {user.username!r} must be 1-64 characters without surrounding spaces")
    if user.role not in ROLES:
        raise ValueError(f"role: {user.role!r} is not one of {', '.join(ROLES)}")
    if (user.role == "unit") != bool(user.unit):
        raise ValueError("unit: a unit account names its unit id (--unit), no other account does")
    if not user.password_hash.startswith(("scrypt:", "pbkdf2:")):
        raise ValueError(f"password_hash of {user.username!r}: not a werkzeug scrypt hash")
    return user


def demo_users(unit_ids: Iterable[str]) -> dict[str, User]:
    """The demo accounts, all with the password ``demo`` (one hash shared, made once).

    >>> sorted(demo_users(["P01"]))
    ['officer', 'supervisor', 'unit-P01', 'wall']
    """
    h = _demo_hash()
    users = [User(name, name, h) for name in ("officer", "supervisor", "wall")]
    users += [User(f"unit-{uid}", "unit", h, uid) for uid in unit_ids]
    return {u.username: u for u in users}


def load_users(path: Path) -> dict[str, User]:
    """The users of the file at ``path`` (a missing file has none); ``ValueError`` names what is wrong."""
    if not path.exists():
        return {}
    try:
        raw = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON: {exc}") from exc
    if not isinstance(raw, list):
        raise ValueError(f"{path}: must be a JSON list of users")
    users: dict[str, User] = {}
    for n, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: entry {n} is not an object")
        try:
            user = check_user(User(str(entry.get("username", "")), str(entry.get("role", "")),
                                   str(entry.get("password_hash", "")), str(entry.get("unit") or "")))
        except ValueError as exc:
            raise ValueError(f"{path}: entry {n}: {exc}") from exc
        users[user.username] = user
    return users


def save_users(path: Path, users: Mapping[str, User]) -> None:
    """Write ``users`` to ``path`` (readable by its owner only), replacing the file in one step."""
    rows = [{k: v for k, v in asdict(u).items() if v or k != "unit"} for u in users.values()]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(orjson.dumps(rows, option=orjson.OPT_INDENT_2))
    tmp.chmod(0o600)
    tmp.replace(path)


def set_user(users: Mapping[str, User], username: str, role: str, password: str, unit: str = "") -> dict[str, User]:
    """``users`` with ``username`` added or replaced (a new password hash); pure apart from hashing.

    >>> u = set_user({}, "li", "officer", "pw"); u["li"].role, u["li"].password_hash != "pw"
    ('officer', True)
    """
    if not password:
        raise ValueError("password: must not be empty")
    user = check_user(User(username, role, hash_password(password), unit))
    return {**users, username: user}


def verify(users: Mapping[str, User], username: str, password: str) -> User | None:
    """The user when ``username`` and ``password`` match, else ``None``; an unknown name costs as
    much time as a wrong password."""
    user = users.get(username.strip())
    if user is None:
        check_password(_dummy_hash(), password)
        return None
    ok = check_password(user.password_hash, password)
    return user if ok and hmac.compare_digest(user.username, username.strip()) else None


def home_of(user: User) -> str:
    """Where a signed-in account lands.

    >>> [home_of(User(r, r, "h", "P1" if r == "unit" else "")) for r in ROLES]
    ['/', '/', '/wall', '/unit']
    """
    return {"wall": "/wall", "unit": "/unit"}.get(user.role, "/")


def main(argv: list[str] | None = None) -> int:
    """``python -m web.users add NAME ROLE [--unit U] [--password-stdin] [--file PATH]``."""
    parser = argparse.ArgumentParser(prog="python -m web.users", description="Add a user or change a password.")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add a user, or replace the role and password of one")
    add.add_argument("name")
    add.add_argument("role", choices=ROLES)
    add.add_argument("--unit", default="", help="the unit id of a unit account")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--file", default=str(Settings.from_env().users or ""), help="the users file (default CC_USERS)")
    args = parser.parse_args(argv)
    if not args.file:
        parser.error("name the users file: set CC_USERS or pass --file")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            print("the passwords differ; nothing written", file=sys.stderr)
            return 1
    path = Path(args.file)
    try:
        users = set_user(load_users(path), args.name, args.role, password, args.unit)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    save_users(path, users)
    print(f"{args.name} ({users[args.name].api_role}) written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
