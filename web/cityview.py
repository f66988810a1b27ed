"""What the layout builders know about the city: static, built once per app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from city.citypack import CityPack
from web.views.alertline import line_names
from web.views.mapdata import map_config, split_name, zones_geojson

__all__ = ["CityView", "ROADS_URL"]

ROADS_URL = "/onemap/roads.json"


@dataclass(frozen=True)
class CityView:
    """The city as the screens draw it, and the tile URL (``""``: no tiles, plain background)."""

    city: CityPack
    tile_url: str = ""
    patrol: dict[str, Any] = field(default_factory=dict)
    restricted: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, city: CityPack, tile_url: str = "") -> CityView:
        config = map_config(city, ROADS_URL)
        config["timezone"] = city.timezone.key
        config["watch"] = {w.plate: w.severity for w in city.watchlist.values()}
        config["names"] = line_names(city)  # for the alert lines (onemap.alertText)
        return cls(city, tile_url, zones_geojson(city, "patrol"), zones_geojson(city, "restricted"), config)

    @property
    def name(self) -> tuple[str, str]:
        """The city's name as ``(zh, en)``."""
        return split_name(self.city.name)

    def zone_names(self, lang: str) -> dict[str, str]:
        """Zone id -> name in ``lang``."""
        return {z.id: split_name(z.name)[1 if lang == "en" else 0] for z in self.city.zones}
