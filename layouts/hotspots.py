"""The crime hotspot layer (the pack's incidents by hour, ``web.views.hotspots``) as the Coverage and
Replay maps draw it: a dot per incident, coloured and sized by its zone's count in the window, its
type, time and zone in a tooltip; a legend; a toggle."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import dash_leaflet as dl
from dash import dcc, html

from web.i18n import bi, t
from web.views.hotspots import HotPoint, legend_rows

__all__ = ["ON", "toggle", "safe_class", "hot_markers", "hot_legend"]

ON = "on"


def toggle(component_id: str) -> dcc.Checklist:
    """The layer's switch (on at first)."""
    return dcc.Checklist(id=component_id, options=[{"label": bi("hot.layer"), "value": ON}], value=[ON],
                         inline=True, className="om-hot-toggle")


def safe_class(text: str) -> str:
    """``text`` fit for a class name: letters, digits, ``_`` and ``-``.

    >>> safe_class("11041650"), safe_class("a b/c")
    ('11041650', 'a_b_c')
    """
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


def hot_markers(points: Sequence[HotPoint], lang: str) -> list[Any]:
    """One dot per incident; its path's classes name it (``om-hot-{id}``) and its level."""
    return [dl.CircleMarker(center=[p.lat, p.lon], radius=p.radius, color="#111827", weight=1, fillColor=p.color,
                            fillOpacity=0.9, className=f"om-hot om-hot-l{p.level} om-hot-{safe_class(p.id)}",
                            children=[dl.Tooltip(f"{p.type}" + (f" · {p.description}" if p.description else "")
                                                 + f" — {p.time} — "
                                                 + t("hot.zone", lang).format(zone=p.zone_name, n=p.count),
                                                 className="om-hot-tip")])
            for p in points]


def hot_legend(points: Sequence[HotPoint], when: str, lang: str, has_incidents: bool) -> list[Any]:
    """What the colours mean, or why there is nothing to draw."""
    if not has_incidents:
        return [html.Span(t("hot.none", lang), className="om-hot-none")]
    if not points:
        return [html.Span(t("hot.empty", lang).format(when=when), className="om-hot-none")]
    items: list[Any] = [html.Span(t("hot.title", lang).format(when=when, n=len(points)), className="om-hot-title")]
    for color, label in legend_rows(points):
        items.append(html.Span([html.Span(className="om-hot-swatch", style={"background": color}), label],
                               className="om-hot-key"))
    return items
