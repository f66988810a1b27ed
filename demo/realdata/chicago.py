"""Chicago: the police beats and districts, one real day of crimes, and simulated beat cars.

- ``data/chicago/``: a city pack whose patrol zones are CPD's beats (id = beat number, the three
  polygons of beat 3100 joined into one MultiPolygon, so 277 polygons give 275 zones), one patrol unit
  per beat (CPD assigns a beat car to each beat, so a zone's coverage is one car's work and leaving the
  beat is a real ``zone_exit``), the districts in ``districts.geojson`` (an extra file), and
  ``incidents.jsonl``: every crime of one day (read by ``city.incidents``).
- ``data/recordings/chicago_crimes.jsonl``: that day's **simulated** patrol tracks (``demo.realdata.patrol``)
  of the beat cars of one district (the day's busiest, by default), a fix every 30 s: a whole city's
  beat cars all day would not fit the 5 MB bound of a committed file. The crimes are real; the
  patrol tracks are not, though each car is sent to the real crimes of its beat (and as backup to
  violent ones next door, which takes it out of its beat: the recording's ``zone_exit`` alerts).
"""

from __future__ import annotations

import csv
import gzip
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from shapely.geometry import MultiPolygon, Point, mapping, shape
from shapely.geometry.base import BaseGeometry

from city.citypack import CityPack
from core.producer import encode_gps
from demo.realdata.common import rounded, write_geojson, write_json, write_jsonl, write_list
from demo.realdata.patrol import Call, patrol_track

__all__ = ["Beat", "read_beats", "read_crimes", "busiest_district", "district_beats", "calls", "exits", "day_bounds", "build", "DAY", "TZ"]

BEATS = Path("chicago") / "police_beats_simple.geojson"
DISTRICTS = Path("chicago") / "police_districts_simple.geojson"
CRIMES = Path("chicago") / "chicago_crimes_2016_2017.csv.gz"
TZ = ZoneInfo("America/Chicago")
DAY = date(2017, 8, 4)  # a Friday in summer: 915 crimes, few placeholder times (41 at 00:00, 00:01 or 12:00)
INTERVAL_S = 30
SEED = "chicago-2017"
# A beat's car is sent to every crime of its beat (a real crime's place and time), except at the times
# the portal uses as placeholders for an unknown time; for these types a second car, from the nearest
# neighbouring beat of the district, comes as backup, which takes it out of its own beat (zone_exit).
PLACEHOLDER_TIMES = ("00:00:00", "00:01:00", "12:00:00")
BACKUP_TYPES = frozenset({"ASSAULT", "BATTERY", "CRIM SEXUAL ASSAULT", "HOMICIDE", "KIDNAPPING", "ROBBERY",
                          "WEAPONS VIOLATION"})
ATTRIBUTION = ("Beats, districts and crimes: City of Chicago data portal (City of Chicago open data terms); "
               "beats and districts via evz/crimearound.us (MIT); patrol tracks are simulated")
ORIGIN = """\
| what | origin | licence / terms |
| --- | --- | --- |
| `chicago/police_districts_simple.geojson`, `police_beats_simple.geojson`: Chicago Police Department's 25 districts and 277 beats (boundaries effective 2012-12-19); simplified polygons | City of Chicago data portal, via the evz/crimearound.us repository (`data/`) | repository MIT (`LICENSE_crimearound.us.txt`); City of Chicago open data terms |
| `chicago/chicago_crimes_2016_2017.csv.gz`: 532,222 reported crimes of all 33 primary types, every day from 2016-01-01 00:00 to 2017-12-31 23:58 | City of Chicago "Crimes – 2016" and "Crimes – 2017" (yearly views of "Crimes – 2001 to present", downloaded 2018-11-21), via chicagocrimedata/datastore @ aaf7939321267451d76f7cf9dc660d053ad23c33 : `data/stashed/socrata-chicago-crime-incidents/2016/*.csv`, `…/2017/*.csv` (one file a day) | City of Chicago open data terms (data portal Terms of Use: provided as is, no warranty); the repository has no licence file |
"""


@dataclass(frozen=True)
class Beat:
    id: str  # BEAT_NUM, 4 digits
    district: str  # unpadded, as the crimes' district
    geometry: BaseGeometry


def _join(polygons: list[BaseGeometry]) -> BaseGeometry:
    if len(polygons) == 1:
        return polygons[0]
    parts = [p for g in polygons for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
    return MultiPolygon(parts)


def read_beats(path: Path) -> list[Beat]:
    """The beats by number; features sharing a number (beat 3100: three pieces) become one MultiPolygon."""
    pieces: dict[str, list[BaseGeometry]] = defaultdict(list)
    district: dict[str, str] = {}
    for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
        num = f["properties"]["BEAT_NUM"]
        pieces[num].append(shape(f["geometry"]))
        district[num] = str(int(f["properties"]["DISTRICT"]))
    return [Beat(num, district[num], _join(pieces[num])) for num in sorted(pieces)]


def read_districts(path: Path) -> list[dict[str, Any]]:
    pieces: dict[str, list[BaseGeometry]] = defaultdict(list)
    label: dict[str, str] = {}
    for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
        num = f["properties"]["DIST_NUM"]
        pieces[num].append(shape(f["geometry"]))
        label[num] = f["properties"].get("DIST_LABEL") or num
    return [{"type": "Feature", "properties": {"id": num, "name": f"District {num} ({label[num]})"},
             "geometry": rounded(mapping(_join(pieces[num])))} for num in sorted(pieces, key=int)]


def day_bounds(day: date) -> tuple[int, int]:
    """Epoch seconds of local midnight at the start and the end of ``day`` in Chicago.

    >>> day_bounds(date(2017, 8, 4))
    (1501822800, 1501909200)
    """
    start = datetime.combine(day, time(0), TZ)
    end = datetime.combine(day + timedelta(days=1), time(0), TZ)
    return int(start.timestamp()), int(end.timestamp())


def read_crimes(path: Path, day: date) -> list[dict[str, Any]]:
    """Every crime of local ``day`` as an incident line, in time order (ties by id)."""
    prefix = day.isoformat()
    out = []
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if not row["date"].startswith(prefix):
                continue
            out.append({
                "id": row["id"], "ts": int(datetime.fromisoformat(row["date"]).timestamp()), "time": row["date"],
                "lat": round(float(row["latitude"]), 6), "lon": round(float(row["longitude"]), 6),
                "zone": row["beat"], "district": row["district"], "type": row["primary_type"],
                "description": row["description"],
            })
    return sorted(out, key=lambda c: (c["ts"], c["id"]))


def district_beats(pack: CityPack, district: str) -> set[str]:
    """The zone ids of a generated Chicago pack's beats in ``district``."""
    return {z.id for z in pack.zones if z.feature.get("properties", {}).get("district") == district}


def busiest_district(crimes: list[dict[str, Any]]) -> str:
    """The district with the most crimes (ties: the lowest number)."""
    counts = Counter(c["district"] for c in crimes if c["district"])
    return min(counts, key=lambda d: (-counts[d], int(d)))


def zone_feature(beat: Beat) -> dict[str, Any]:
    return {"type": "Feature",
            "properties": {"id": beat.id, "name": f"Beat {beat.id}", "kind": "patrol", "district": beat.district},
            "geometry": rounded(mapping(beat.geometry))}


def units(beats: list[Beat]) -> list[dict[str, str]]:
    """One beat car per beat: id ``U`` + beat number, callsign ``Beat 1713 car``."""
    return [{"id": f"U{b.id}", "callsign": f"Beat {b.id} car", "zone": b.id, "district": b.district} for b in beats]


def calls(beats: list[Beat], crimes: list[dict[str, Any]]) -> dict[str, list[Call]]:
    """Where each beat car of ``beats`` is sent: the crimes of its beat, and backup in a neighbouring one.

    >>> from shapely.geometry import box
    >>> two = [Beat("0111", "1", box(0, 0, 1, 1)), Beat("0112", "1", box(1, 0, 2, 1))]
    >>> calls(two, [{"id": "7", "zone": "0111", "ts": 60, "time": "2017-08-04T00:01:30-05:00", "lon": 0.5,
    ...              "lat": 0.5, "type": "ROBBERY"}])
    {'0111': [(338, 0.5, 0.5)], '0112': [(338, 0.5, 0.5)]}
    """
    by_id = {b.id: b for b in beats}
    out: dict[str, list[Call]] = {b.id: [] for b in beats}
    for c in crimes:
        own = by_id.get(c["zone"])
        if own is None or c["time"][11:19] in PLACEHOLDER_TIMES:
            continue
        # sent 2-15 minutes after the crime's time: reporting and dispatch take a while
        call = (c["ts"] + round(random.Random(f"{SEED}:{c['id']}").uniform(120, 900)), c["lon"], c["lat"])
        out[own.id].append(call)
        if c["type"] in BACKUP_TYPES:
            near = [b for b in beats if b.id != own.id and b.geometry.distance(own.geometry) < 1e-4]
            if near:
                here = Point(c["lon"], c["lat"])
                out[min(near, key=lambda b: (b.geometry.distance(here), b.id)).id].append(call)
    return out


def recording(beats: list[Beat], district: str, day: date, crimes: list[dict[str, Any]],
              interval_s: int = INTERVAL_S, hours: float = 24.0) -> list[dict[str, str]]:
    """Simulated gps messages of the beat cars of ``district`` over ``day`` (or its first ``hours``),
    sent to the day's ``crimes`` in their beats."""
    start, end = day_bounds(day)
    end = min(end, start + int(hours * 3600))
    mine = [b for b in beats if b.district == district]
    sent = calls(mine, crimes)
    msgs = []
    for b in mine:
        uid = f"U{b.id}"
        for fix in patrol_track(b.geometry, start, end, interval_s, f"{SEED}:{uid}", sent[b.id]):
            msgs.append(encode_gps(uid, fix.lat, fix.lon, fix.ts, speed=fix.speed, heading=fix.heading))
    return sorted(msgs, key=lambda m: (int(m["ts"]), m["id"]))


def exits(beats: list[Beat], msgs: list[dict[str, str]]) -> int:
    """How many times a car left its beat (a fix outside it after one inside): its zone_exit alerts."""
    area = {f"U{b.id}": b.geometry for b in beats}
    inside: dict[str, bool] = {}
    n = 0
    for m in msgs:
        now = area[m["id"]].contains(Point(float(m["lon"]), float(m["lat"])))
        n += inside.get(m["id"], True) and not now
        inside[m["id"]] = now
    return n


def city(beats: list[Beat]) -> dict[str, Any]:
    west = min(b.geometry.bounds[0] for b in beats)
    south = min(b.geometry.bounds[1] for b in beats)
    east = max(b.geometry.bounds[2] for b in beats)
    north = max(b.geometry.bounds[3] for b in beats)
    return {
        "name": "Chicago police beats (real crimes, simulated patrols)",
        "timezone": "America/Chicago",
        "center": [round((south + north) / 2, 6), round((west + east) / 2, 6)],
        "zoom": 11,
        "default_speed_limit": 48,  # 30 mph, Chicago's default on city streets
        "night_ban": {"categories": [], "start": "00:00", "end": "05:00", "min_speed": 10},
        "fatigue": {"categories": [], "max_drive_min": 240, "min_rest_min": 20, "rest_speed": 5},
        "offline_after_s": 300,
        "cloned_plate_kmh": 150,
        "attribution": ATTRIBUTION,
    }


def build(source: Path, data: Path, day: date = DAY, district: str | None = None, hours: float = 24.0,
          crimes_path: Path | None = None) -> dict[str, Any]:
    """Write ``data/chicago/`` and ``data/recordings/chicago_crimes.jsonl``; returns counts."""
    beats = read_beats(source / BEATS)
    crimes = read_crimes(crimes_path or source / CRIMES, day)
    if not crimes:
        raise ValueError(f"no crimes on {day} in {crimes_path or source / CRIMES}")
    district = district or busiest_district(crimes)
    out = data / "chicago"
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "city.json", city(beats))
    write_geojson(out / "zones.geojson", [zone_feature(b) for b in beats])
    districts = read_districts(source / DISTRICTS)
    write_geojson(out / "districts.geojson", districts)
    write_geojson(out / "checkpoints.geojson", [])
    write_list(out / "units.json", units(beats))
    write_list(out / "vehicles.json", [])
    write_list(out / "watchlist.json", [])
    write_jsonl(out / "incidents.jsonl", crimes)
    msgs = recording(beats, district, day, crimes, hours=hours)
    fixes = write_jsonl(data / "recordings" / "chicago_crimes.jsonl", msgs)
    counts = {"day": day.isoformat(), "district": district, "beats": len(beats), "districts": len(districts),
              "crimes": len(crimes),
              "district_crimes": sum(1 for c in crimes if c["district"] == district),
              "cars": sum(1 for b in beats if b.district == district), "fixes": fixes, "exits": exits(beats, msgs)}
    write_readme(out / "README.md", counts)
    return counts


def write_readme(path: Path, c: dict[str, Any]) -> None:
    path.write_text(f"""\
# Chicago (generated by `python -m demo.realdata`: do not edit by hand)

Chicago Police Department's real beats and districts, and every crime reported for one real day,
{c['day']} (America/Chicago), with **simulated** patrol cars.

- `zones.geojson`: the {c['beats']} beats as `patrol` zones, id = beat number (`name` "Beat 1713",
  `district` kept as a property). The source's 277 polygons hold beat 3100 (district 31) three
  times; its three pieces are joined into one MultiPolygon.
- `districts.geojson`: the districts, id = district number (an extra file, not read by the pack
  loader); the source's 25 polygons hold district 31 three times, joined here too: {c['districts']} features.
- `units.json`: one beat car per beat, id `U` + beat number, assigned to its beat. CPD gives each
  beat its own car, so a zone's coverage is that car's work and a car leaving its beat is a real
  `zone_exit`.
- `incidents.jsonl`: the {c['crimes']} crimes of {c['day']}, one JSON object a line in time order:
  `id` (the portal's id), `ts` (epoch s), `time` (local, ISO-8601), `lat`, `lon`, `zone` (the beat),
  `district`, `type` (primary type), `description`. These are **real**. They are not GPS or ANPR
  messages, so they are not in the recording: `city.incidents` reads them for the coverage and
  hotspot views. Times at exactly 00:00, 00:01 or 12:00 are often the portal's placeholders.
- `checkpoints.geojson`, `vehicles.json`, `watchlist.json`: empty; the source has no cameras and no
  monitored vehicles.
- `../recordings/chicago_crimes.jsonl`: {c['fixes']:,} contract section 3 `gps` messages, a fix every
  30 s from 00:00 to 24:00 of {c['day']}, of the {c['cars']} beat cars of district {c['district']} (the
  day's busiest: {c['district_crimes']} of its crimes). These tracks are **simulated**
  (`demo/realdata/patrol.py`: random trips inside the beat along the street grid, with stops), but
  each car is sent to the real crimes of its beat, 2-15 minutes after their real times (not to those
  at a placeholder time), and stays 15-35 minutes, and a car of the nearest neighbouring beat comes as backup to
  assaults, batteries, robberies and other violent crimes, which takes it out of its own beat: the
  day's `zone_exit` alerts ({c['exits']} when replayed into the worker). A whole city's cars all day
  would not fit the 5 MB bound of a committed file; other beats have no track, so their coverage is
  nil by construction.

## Origin and licence

{ORIGIN}
Changes made here: the day's rows selected, coordinates rounded to 6 decimals, beat 3100's pieces
joined. See also `data/ATTRIBUTION.md`.
""", encoding="utf-8")
