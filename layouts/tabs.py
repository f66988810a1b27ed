"""The tabs of the command-center page, in order. Adding a tab: one module in ``layouts/`` (its
``KEY``, ``LABEL`` i18n key and ``create_*`` builder), one in ``callbacks/``, and a line here.
A tab with ``roles`` is offered only to those roles (``callbacks.shell`` builds the page per role)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from layouts import alerts, audit, command, coverage, dispatch, replay
from web.cityview import CityView

__all__ = ["Tab", "TABS"]


@dataclass(frozen=True)
class Tab:
    key: str
    label: str  # i18n key
    create: Callable[[CityView], Any]
    roles: tuple[str, ...] = ()  # who is offered the tab; empty: everyone who may open the page


TABS: tuple[Tab, ...] = (
    Tab(command.KEY, command.LABEL, command.create_command_tab),
    Tab(alerts.KEY, alerts.LABEL, alerts.create_alerts_tab),
    Tab(dispatch.KEY, dispatch.LABEL, dispatch.create_dispatch_tab),
    Tab(coverage.KEY, coverage.LABEL, coverage.create_coverage_tab, roles=coverage.ROLES),
    Tab(replay.KEY, replay.LABEL, replay.create_replay_tab, roles=replay.ROLES),
    Tab(audit.KEY, audit.LABEL, audit.create_audit_tab, roles=audit.ROLES),  # the supervisors' last tab
)
