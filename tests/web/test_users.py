"""The user store: hashes never hold the password; the add command writes the users file."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from web import users as u


def test_add_and_change_a_password_through_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "users.json"
    monkeypatch.setattr(sys, "stdin", io.StringIO("first-pass\n"))
    assert u.main(["add", "li", "officer", "--password-stdin", "--file", str(path)]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("car-pass\n"))
    assert u.main(["add", "p01", "unit", "--unit", "P01", "--password-stdin", "--file", str(path)]) == 0
    text = path.read_text()
    assert "first-pass" not in text and "car-pass" not in text and "scrypt:" in text
    users = u.load_users(path)
    assert u.verify(users, "li", "first-pass") == users["li"] and users["p01"].api_role == "unit:P01"
    assert u.verify(users, "li", "wrong") is None and u.verify(users, "nobody", "first-pass") is None
    old_hash = users["li"].password_hash
    monkeypatch.setattr(sys, "stdin", io.StringIO("second-pass\n"))
    assert u.main(["add", "li", "supervisor", "--password-stdin", "--file", str(path)]) == 0
    users = u.load_users(path)
    assert users["li"].role == "supervisor" and users["li"].password_hash != old_hash
    assert u.verify(users, "li", "second-pass") and not u.verify(users, "li", "first-pass")
    assert sorted(users) == ["li", "p01"]


def test_a_unit_account_needs_its_unit_and_others_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "users.json"
    monkeypatch.setattr(sys, "stdin", io.StringIO("pw\n"))
    assert u.main(["add", "p01", "unit", "--password-stdin", "--file", str(path)]) == 1
    assert not path.exists()
    with pytest.raises(ValueError, match="role"):
        u.set_user({}, "x", "admin", "pw")


def test_a_damaged_users_file_is_refused_naming_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text('[{"username": "li", "role": "officer", "password_hash": "plain-text"}]')
    with pytest.raises(ValueError, match="entry 0: password_hash"):
        u.load_users(path)


def test_demo_accounts_share_the_password_demo() -> None:
    users = u.demo_users(["P01", "P02"])
    assert sorted(users) == ["officer", "supervisor", "unit-P01", "unit-P02", "wall"]
    assert all(u.verify(users, name, "demo") for name in users)
    assert all("demo" not in user.password_hash.split("$", 1)[0] for user in users.values())
    assert users["unit-P02"].unit == "P02" and u.home_of(users["wall"]) == "/wall"
