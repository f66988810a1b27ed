"""The map (dash-leaflet) with the city's static layers; the moving layers are drawn in place by
``assets/onemap_live.js`` on the same Leaflet map (found by its container id).

With ``tile_url`` empty there is no tile layer: roads, zones and markers on a plain dark background.
"""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash_extensions.javascript import Namespace

from web import ids
from web.cityview import CityView

__all__ = ["create_map", "LAYER_KEYS"]

LAYER_KEYS = ("zones", "restricted", "roads", "checkpoints", "units", "trails", "vehicles", "alerts")
fn = Namespace("onemap", "map")


def create_map(map_id: str, view: CityView, *, wall: bool = False) -> dl.Map:
    """A map of the city; the wall's has no controls and follows alerts by itself."""
    city = view.city
    children: list[Any] = []
    if view.tile_url:
        children.append(dl.TileLayer(url=view.tile_url, maxZoom=19))
    children += [
        dl.Pane(name="om-zones", style={"zIndex": 350}, children=[
            dl.GeoJSON(id=ids.zones(map_id), data=view.patrol, style=fn("zoneStyle"), onEachFeature=fn("zoneLabel"),
                       hideout={"status": {}}, pane="om-zones", interactive=False,
                       attribution=city.attribution or None)]),
        dl.Pane(name="om-restricted", style={"zIndex": 360}, children=[
            dl.GeoJSON(data=view.restricted, style=fn("restrictedStyle"), onEachFeature=fn("restrictedTip"),
                       pane="om-restricted")]),
    ]
    if not wall:
        children.append(dl.Polyline(id=ids.TRACK_LINE, positions=[], color="#ffffff", weight=4, opacity=0.9,
                                    dashArray="2 6", interactive=False))
        children.append(dl.ScaleControl(position="bottomleft", imperial=False))
    return dl.Map(
        id=map_id, center=list(city.center), zoom=city.zoom, zoomControl=not wall, attributionControl=bool(city.attribution),
        className="om-map" + (" om-map-wall" if wall else ""), children=children, maxZoom=19, minZoom=10,
        zoomSnap=0.25, preferCanvas=False, bounds=view.config.get("bounds"),
        boundsOptions={"padding": [16, 16]}, style={"width": "100%", "height": "100%"},
        # the wall is read-only: nobody drags it, and the map follows alerts by itself
        dragging=not wall, scrollWheelZoom=not wall, doubleClickZoom=not wall, boxZoom=not wall,
        keyboard=not wall, touchZoom=not wall,
    )
