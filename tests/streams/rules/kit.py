"""A small city built from the citypack dataclasses, and helpers to feed rules.

Zones (shapely boxes, lon min..max, lat min..max):

| id | kind | box | rules |
| --- | --- | --- | --- |
| W | patrol | 114.000..114.010, 22.500..22.510 | speed_limit 40 |
| E | patrol | 114.010..114.020, 22.500..22.510 | none (city default 60) |
| RH | restricted | 114.002..114.004, 22.502..22.504 | forbid hazmat, 22:00-06:00 |
| RT | restricted | 114.014..114.016, 22.504..22.506 | forbid truck and coach, all day, speed_limit 30 |
| RX | restricted | 114.015..114.017, 22.504..22.506 | forbid truck, all day |

W and E share the edge lon 114.010. Checkpoints on lat 22.505: A 114.001, A2 (the same spot as
A), B 114.007, C 114.013, D 114.019. Times: ``local("HH:MM")`` is Asia/Shanghai on 2024-03-01.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import orjson
from shapely.geometry import box

from city.citypack import Checkpoint, CityPack, Fatigue, NightBan, Unit, Vehicle, WatchEntry, Zone
from city.geo import ZoneIndex
from core.model import Alert, Kind, Ping, Read
from core.timeutil import local_date, local_minute

TZ = ZoneInfo("Asia/Shanghai")
DAY = "2024-03-01"

W_IN = (22.505, 114.005)
E_IN = (22.505, 114.012)
WE_EDGE = (22.505, 114.010)  # on the shared edge of W and E
OUT = (22.505, 114.025)  # in no zone
RH_IN = (22.503, 114.003)
RH_EDGE = (22.502, 114.003)  # on the south edge of RH
RT_IN = (22.505, 114.0145)  # in RT only (and E)
RT_RX = (22.505, 114.0155)  # in RT and RX (and E)

COACH, HAZMAT, TRUCK, BUS, TAXI, PRIVATE = "粤BC1001", "粤BH2001", "粤BT3001", "粤BB4001", "粤BX7001", "粤BP5001"


def local(hhmm: str, day: str = DAY, sec: float = 0) -> float:
    """Epoch seconds of local time ``hhmm`` (Asia/Shanghai) on ``day``, plus ``sec``."""
    return datetime.fromisoformat(f"{day}T{hhmm}:00+08:00").timestamp() + sec


def make_city(**changes: Any) -> CityPack:
    zones = (
        Zone("W", "West 西区", "patrol", box(114.000, 22.500, 114.010, 22.510), speed_limit=40.0),
        Zone("E", "East 东区", "patrol", box(114.010, 22.500, 114.020, 22.510)),
        Zone("RH", "Reservoir 水源保护区", "restricted", box(114.002, 22.502, 114.004, 22.504),
             forbid=frozenset({"hazmat"}), hours=(22 * 60, 6 * 60)),
        Zone("RT", "Old Town 老城区", "restricted", box(114.014, 22.504, 114.016, 22.506),
             speed_limit=30.0, forbid=frozenset({"truck", "coach"})),
        Zone("RX", "Market 市场", "restricted", box(114.015, 22.504, 114.017, 22.506),
             forbid=frozenset({"truck"})),
    )
    cps = {
        "A": Checkpoint("A", "North Gate 北门", 22.505, 114.001, False, ("B",)),
        "A2": Checkpoint("A2", "North Gate opposite 北门对面", 22.505, 114.001, False, ("B",)),
        "B": Checkpoint("B", "Bridge 大桥", 22.505, 114.007, True, ("C",)),
        "C": Checkpoint("C", "Market 市场口", 22.505, 114.013, False, ("D",)),
        "D": Checkpoint("D", "East Toll 东收费站", 22.505, 114.019, True, ()),
    }
    units = {u.id: u for u in (Unit("P01", "西01", "W"), Unit("P02", "西02", "W"), Unit("P03", "东01", "E"))}
    vehicles = {v.plate: v for v in (
        Vehicle(COACH, "coach", "Coach Co"), Vehicle(HAZMAT, "hazmat", "Chem Co"), Vehicle(TRUCK, "truck", ""),
        Vehicle(BUS, "bus", "Bus Co"), Vehicle(TAXI, "taxi", "Taxi Co"), Vehicle(PRIVATE, "private", ""))}
    watch = {w.plate: w for w in (WatchEntry(TRUCK, "unpaid fines 欠费", "orange"),
                                  WatchEntry("粤BZ9999", "stolen 被盗", "red"))}
    city = CityPack(
        path=Path("/tests/rules"), name="Rule test city", timezone=TZ, center=(22.505, 114.01), zoom=15,
        default_speed_limit=60.0,
        night_ban=NightBan(frozenset({"coach"}), 2 * 60, 5 * 60, 10.0),
        fatigue=Fatigue(frozenset({"coach", "bus", "hazmat", "truck"}), 240.0, 20.0, 5.0),
        offline_after_s=120.0, cloned_plate_kmh=150.0, zones=zones, checkpoints=cps, units=units,
        vehicles=vehicles, watchlist=watch,
    )
    return replace(city, **changes) if changes else city


CITY = make_city()


def gps(subject: str, ts: float, where: tuple[float, float] = OUT, speed: float = 0.0,
        city: CityPack = CITY) -> Ping:
    """A ping enriched as the pipeline does: kind, category, zones, limit, speed, local time."""
    index = ZoneIndex(city.zones)
    lat, lon = where
    zones = index.membership(np.array([lon]), np.array([lat]))[0]
    kind, category = Kind.OTHER, None
    if subject in city.units:
        kind = Kind.UNIT
    elif subject in city.vehicles:
        kind, category = Kind.VEHICLE, city.vehicles[subject].category
    return Ping(subject, lat, lon, ts, speed=speed, kind=kind, category=category, zones=zones,
                speed_limit=index.speed_limit(zones, city.default_speed_limit), speed_kmh=speed,
                local_minute=local_minute(ts, city.timezone), local_date=local_date(ts, city.timezone))


def anpr(plate: str, checkpoint: str, ts: float) -> Read:
    return Read(checkpoint, plate, ts, confidence=0.9)


Detect = Callable[[Any, dict[str, Any], CityPack], tuple[dict[str, Any], list[Alert]]]


def step(detect: Detect, event: Ping | Read, state: dict[str, Any], city: CityPack = CITY
         ) -> tuple[dict[str, Any], list[Alert]]:
    """One call, checked: the input state is untouched, the new one is JSON, and a second call
    with the same input gives the same result (deterministic alert ids)."""
    before = copy.deepcopy(state)
    new, alerts = detect(event, state, city)
    assert state == before, "a rule must not mutate the state it was given"
    assert orjson.loads(orjson.dumps(new)) == new, "a rule's state must survive JSON"
    assert detect(event, copy.deepcopy(before), city) == (new, alerts), "a rule must be deterministic"
    return new, alerts


def feed(detect: Detect, events: Iterable[Ping | Read], state: dict[str, Any] | None = None,
         city: CityPack = CITY) -> tuple[dict[str, Any], list[list[Alert]]]:
    """Feed events in order; the final state and, per event, the alerts it raised."""
    st: dict[str, Any] = {} if state is None else state
    out = []
    for event in events:
        st, alerts = step(detect, event, st, city)
        out.append(alerts)
    return st, out


def types(per_event: list[list[Alert]]) -> list[int]:
    """How many alerts each event raised."""
    return [len(a) for a in per_event]
