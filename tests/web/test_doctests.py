"""The examples in the web modules' docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["views.live", "views.summary", "views.mapdata", "views.alerts", "views.detail", "layouts.i18n"]


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
