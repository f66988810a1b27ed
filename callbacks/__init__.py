"""Callbacks: one module per tab or page, thin: read inputs, call a plain function, return outputs.

``register_all`` wires every module of ``MODULES``; adding a tab adds its module here.
"""

from __future__ import annotations

from dash import Dash

from callbacks import alerts, audit, command, coverage, dispatch, hotspots, replay, shell  # noqa: I001
from callbacks.context import WebContext

__all__ = ["MODULES", "register_all"]

MODULES = (shell, command, alerts, dispatch, coverage, replay, hotspots, audit)


def register_all(app: Dash, ctx: WebContext) -> None:
    for module in MODULES:
        module.register(app, ctx)
