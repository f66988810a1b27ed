"""The tabs of the command-center page, in order. Adding a tab: one module in ``layouts/`` (its
``KEY``, ``LABEL`` i18n key and ``create_*`` builder), one in ``callbacks/``, and a line here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from layouts import alerts, command, dispatch
from web.cityview import CityView

__all__ = ["Tab", "TABS"]


@dataclass(frozen=True)
class Tab:
    key: str
    label: str  # i18n key
    create: Callable[[CityView], Any]


TABS: tuple[Tab, ...] = (
    Tab(command.KEY, command.LABEL, command.create_command_tab),
    Tab(alerts.KEY, alerts.LABEL, alerts.create_alerts_tab),
    Tab(dispatch.KEY, dispatch.LABEL, dispatch.create_dispatch_tab),
)
