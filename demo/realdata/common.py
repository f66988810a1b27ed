"""Writers and small geometry shared by the real-data converters (deterministic: same input, same bytes)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["default_source", "rounded", "dump", "write_json", "write_geojson", "write_list", "write_jsonl", "metres", "bearing"]

EARTH_M = 6_371_000.0
ROOT = Path(__file__).resolve().parents[2]


def default_source() -> Path:
    """``../shared/data`` next to the repository (or next to its parent, for a checkout one level deeper)."""
    candidates = [ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data"]
    return next((c for c in candidates if c.is_dir()), candidates[0])


def rounded(value: Any, ndigits: int = 6) -> Any:
    """Every float inside ``value`` rounded to ``ndigits`` (6 decimals of a degree ≈ 0.1 m).

    >>> rounded({"c": [[-87.123456789, 41.9]], "n": 3})
    {'c': [[-87.123457, 41.9]], 'n': 3}
    """
    if isinstance(value, float):
        return round(value, ndigits)
    if isinstance(value, list | tuple):
        return [rounded(v, ndigits) for v in value]
    if isinstance(value, dict):
        return {k: rounded(v, ndigits) for k, v in value.items()}
    return value


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_geojson(path: Path, features: Iterable[Mapping[str, Any]]) -> None:
    """A FeatureCollection, one compact feature per line."""
    body = ",\n".join(dump(f) for f in features)
    path.write_text('{"type":"FeatureCollection","features":[\n' + body + ("\n" if body else "") + "]}\n",
                    encoding="utf-8")


def write_list(path: Path, items: Iterable[Mapping[str, Any]]) -> None:
    body = ",\n".join(dump(i) for i in items)
    path.write_text("[\n" + body + ("\n" if body else "") + "]\n", encoding="utf-8")


def write_jsonl(path: Path, items: Iterable[Mapping[str, Any]]) -> int:
    """One compact JSON object per line; returns the number of lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for item in items:
            out.write(dump(item) + "\n")
            n += 1
    return n


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres.

    >>> round(metres(41.15, -8.61, 41.16, -8.61))
    1112
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a)))


def bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing in degrees 0..360 (0 = north, 90 = east).

    >>> round(bearing(41.0, -8.0, 41.0, -7.9)), round(bearing(41.0, -8.0, 41.1, -8.0))
    (90, 0)
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(x, y)) % 360
