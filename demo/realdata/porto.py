"""Porto: 318 real taxi trips (ECML/PKDD 2015, UCI; CC BY 4.0) as a city pack and a GPS recording.

- ``data/porto/``: the taxis as monitored ``taxi`` vehicles (plate ``PT-`` + taxi id) and a grid of
  synthetic patrol zones over the trips' area (Porto's parishes are not in the source data).
- ``data/recordings/porto_taxis.jsonl``: every GPS point of every trip as a contract section 3 ``gps``
  message with its real timestamp (15 s apart); speed and heading derived from consecutive points
  (the first point of a trip from the segment to its second point). No point is dropped: the source
  has no gaps, no missing data and no overlapping trips of one taxi, and every derived speed is inside
  what the contract accepts (0..1000 km/h); a few GPS jumps give speeds above 200 km/h, kept as recorded.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.producer import encode_gps
from demo.realdata.common import bearing, metres, rounded, write_geojson, write_json, write_jsonl, write_list

__all__ = ["Trip", "read_trips", "messages", "zones", "vehicles", "busiest_day", "build", "SOURCE", "PLATE_PREFIX", "TZ"]

SOURCE = Path("porto-taxi") / "porto_toy_trips.csv"
TZ = ZoneInfo("Europe/Lisbon")
PLATE_PREFIX = "PT-"
OPERATOR = "Porto taxi (ECML/PKDD 2015 data set)"
# The synthetic patrol grid: 4 columns x 3 rows of cells ~4 km wide over central Porto, where ~90 % of
# the points lie (5th-95th percentiles: lon -8.67..-8.50, lat 41.14..41.23); trips also run out of town.
GRID_WEST, GRID_SOUTH, GRID_STEP_LON, GRID_STEP_LAT, GRID_COLS, GRID_ROWS = -8.69, 41.13, 0.05, 0.04, 4, 3
ATTRIBUTION = ("Taxi trips: ECML/PKDD 2015 \"Taxi Service Trajectory - Prediction Challenge\" (UCI Machine Learning "
               "Repository), CC BY 4.0, sampled by Panrong/st4ml; patrol zones are a synthetic grid")
ORIGIN = """\
| what | origin | licence |
| --- | --- | --- |
| `porto-taxi/porto_toy_trips.csv`: 318 taxi trips of 244 taxis in Porto, 14,436 GPS points 15 s apart, 5 days between Aug and Dec 2014: WKT `LINESTRING` (lon lat) plus one unix timestamp per point | ECML/PKDD 2015 taxi trajectory data (UCI), as sampled in the Panrong/st4ml repository (`datasets/porto_toy/`) | CC BY 4.0 (cite the UCI "Taxi Service Trajectory – Prediction Challenge, ECML PKDD 2015" data set) |
"""


@dataclass(frozen=True)
class Trip:
    trip_id: str
    taxi_id: str
    points: tuple[tuple[float, float, int], ...]  # (lat, lon, unix ts)

    @property
    def plate(self) -> str:
        return PLATE_PREFIX + self.taxi_id


def _linestring(wkt: str) -> list[tuple[float, float]]:
    """``LINESTRING (lon lat, ...)`` as [(lon, lat)].

    >>> _linestring("LINESTRING (-8.58 41.14, -8.59 41.15)")
    [(-8.58, 41.14), (-8.59, 41.15)]
    """
    inner = wkt.strip()
    if not inner.startswith("LINESTRING (") or not inner.endswith(")"):
        raise ValueError(f"not a WKT LINESTRING: {wkt[:40]!r}")
    out = []
    for pair in inner[len("LINESTRING ("):-1].split(","):
        lon, lat = pair.split()
        out.append((float(lon), float(lat)))
    return out


def read_trips(path: Path, limit: int | None = None) -> list[Trip]:
    """The trips of the CSV in file order (``limit``: only the first ones, for tests)."""
    trips = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            coords = _linestring(row["shape"])
            stamps = [int(t) for t in row["timestamps"].split(",")]
            if len(coords) != len(stamps):
                raise ValueError(f"trip {row['TRIP_ID']}: {len(coords)} points but {len(stamps)} timestamps")
            trips.append(Trip(row["TRIP_ID"], row["TAXI_ID"],
                              tuple((lat, lon, ts) for (lon, lat), ts in zip(coords, stamps, strict=True))))
            if limit is not None and len(trips) >= limit:
                break
    return trips


def _trip_messages(trip: Trip) -> list[dict[str, str]]:
    pts = trip.points
    out = []
    for i, (lat, lon, ts) in enumerate(pts):
        a, b = (pts[i - 1], pts[i]) if i > 0 else (pts[0], pts[1]) if len(pts) > 1 else (pts[0], pts[0])
        dist, dt = metres(a[0], a[1], b[0], b[1]), b[2] - a[2]
        speed = dist / dt * 3.6 if dt > 0 else 0.0
        heading = bearing(a[0], a[1], b[0], b[1]) if dist > 0 else None
        out.append(encode_gps(trip.plate, lat, lon, ts, speed=speed, heading=heading))
    return out


def messages(trips: list[Trip]) -> list[dict[str, str]]:
    """Every point as a gps message, in event-time order (ties by subject, then trip order)."""
    msgs = [m for trip in trips for m in _trip_messages(trip)]
    return sorted(msgs, key=lambda m: (int(m["ts"]), m["id"]))


def local_day(ts: float) -> str:
    """The date in Porto at ``ts``.

    >>> local_day(1412550000)
    '2014-10-06'
    """
    return datetime.fromtimestamp(ts, TZ).date().isoformat()


def busiest_day(trips: list[Trip]) -> str:
    """The local day on which the most trips start (ties: the earliest)."""
    days = Counter(local_day(t.points[0][2]) for t in trips)
    return min(days, key=lambda d: (-days[d], d))


def zones() -> list[dict[str, Any]]:
    """The synthetic patrol grid: ``PA1`` (south-west) .. ``PC4`` (north-east)."""
    feats = []
    for row in range(GRID_ROWS):
        for col in range(GRID_COLS):
            w, s = GRID_WEST + col * GRID_STEP_LON, GRID_SOUTH + row * GRID_STEP_LAT
            e, n = w + GRID_STEP_LON, s + GRID_STEP_LAT
            zid = f"P{'ABC'[row]}{col + 1}"
            ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
            feats.append({"type": "Feature",
                          "properties": {"id": zid, "name": f"Porto cell {zid[1:]} (synthetic)", "kind": "patrol"},
                          "geometry": rounded({"type": "Polygon", "coordinates": [ring]})})
    return feats


def vehicles(trips: list[Trip]) -> list[dict[str, str]]:
    return [{"plate": PLATE_PREFIX + t, "category": "taxi", "operator": OPERATOR}
            for t in sorted({trip.taxi_id for trip in trips})]


def city(trips: list[Trip]) -> dict[str, Any]:
    lats = sorted(p[0] for t in trips for p in t.points)
    lons = sorted(p[1] for t in trips for p in t.points)
    return {
        "name": "Porto taxis (ECML/PKDD 2015)",
        "timezone": "Europe/Lisbon",
        "center": [round(lats[len(lats) // 2], 6), round(lons[len(lons) // 2], 6)],
        "zoom": 13,
        # The data has no road speed limits and the trips run on urban motorways (VCI, A28: 80-120 km/h) as
        # much as on streets: 50 km/h (the urban limit) flags 274 episodes of 117 taxis, most of them lawful
        # motorway driving; 90 km/h (the limit outside towns) flags 82 of 40 taxis, clear excesses.
        "default_speed_limit": 90,
        "night_ban": {"categories": [], "start": "00:00", "end": "05:00", "min_speed": 10},
        "fatigue": {"categories": [], "max_drive_min": 240, "min_rest_min": 20, "rest_speed": 5},
        "offline_after_s": 300,
        "cloned_plate_kmh": 150,
        "attribution": ATTRIBUTION,
    }


def build(source: Path, data: Path, limit: int | None = None) -> dict[str, Any]:
    """Write ``data/porto/`` and ``data/recordings/porto_taxis.jsonl``; returns counts."""
    trips = read_trips(source / SOURCE, limit)
    out = data / "porto"
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "city.json", city(trips))
    write_geojson(out / "zones.geojson", zones())
    write_geojson(out / "checkpoints.geojson", [])
    write_list(out / "units.json", [])
    fleet = vehicles(trips)
    write_list(out / "vehicles.json", fleet)
    write_list(out / "watchlist.json", [])
    lines = write_jsonl(data / "recordings" / "porto_taxis.jsonl", messages(trips))
    # the five days lie weeks apart, too far for a replay paced by event time: the busiest one alone too
    day = busiest_day(trips)
    one_day = [t for t in trips if local_day(t.points[0][2]) == day]
    day_lines = write_jsonl(data / "recordings" / f"porto_taxis_{day}.jsonl", messages(one_day))
    counts = {"trips": len(trips), "taxis": len(fleet), "points": lines, "day": day, "day_trips": len(one_day),
              "day_points": day_lines}
    write_readme(out / "README.md", counts)
    return counts


def write_readme(path: Path, counts: dict[str, Any]) -> None:
    path.write_text(f"""\
# Porto taxis (generated by `python -m demo.realdata`: do not edit by hand)

Real taxi trips in Porto, Portugal: {counts['trips']} trips of {counts['taxis']} taxis, {counts['points']:,} GPS
points 15 s apart, on 5 days between August and December 2014 (times are the real ones, UTC epoch seconds;
the pack's time zone is Europe/Lisbon).

- `vehicles.json`: every taxi of the trips as a monitored `taxi` vehicle, plate `PT-` + the data set's
  `TAXI_ID` (an anonymised id, not a real plate).
- `zones.geojson`: a **synthetic** grid of 12 patrol cells (~4 km) over central Porto, `PA1` (south-west)
  to `PC4` (north-east); they are not Porto's parishes, which the source does not hold. Trips also run
  out of town, outside every cell.
- `units.json`, `checkpoints.geojson`, `watchlist.json`: empty; the source has no patrol units, no
  cameras and no watchlist.
- `../recordings/porto_taxis.jsonl`: every point of every trip as a contract section 3 `gps` message
  (`id` = plate, real `ts`, `speed` km/h and `heading` derived from consecutive points), in event-time
  order. No point is dropped (the worker's filters keep all of them too). Overspeed is judged against
  the city default of 90 km/h, since the data has no road limits: about 80 episodes. The five days
  lie weeks apart, so a replay paced by event time waits weeks between them: replay this file at
  `--speed 0`, or
- `../recordings/porto_taxis_{counts['day']}.jsonl`: the same messages for the busiest day alone
  ({counts['day_trips']} trips starting that day, local time, {counts['day_points']:,} points), to play at `--speed 60`.

## Origin and licence

{ORIGIN}
Cite: *Taxi Service Trajectory – Prediction Challenge, ECML PKDD 2015* [Dataset], UCI Machine Learning
Repository, licensed under CC BY 4.0 (<https://creativecommons.org/licenses/by/4.0/>). Changes made here: points converted to GPS messages,
speeds and headings derived, taxis given `PT-` plates. See also `data/ATTRIBUTION.md`.
""", encoding="utf-8")
