"""The real-data packs and recordings (demo.realdata): they load, parse, match their sources, and rebuild
byte for byte."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from shapely.geometry import Point, box, shape

from city.citypack import CityPack, load_city_pack
from city.incidents import load_incidents
from core.messages import parse_fields
from core.model import Ping
from core.settings import ROOT
from demo.realdata import chicago, porto
from demo.realdata.common import metres
from demo.realdata.patrol import patrol_track
from streams.pipeline import Entry, Pipeline

DATA = ROOT / "data"
SOURCE = ROOT / "tests" / "fixtures" / "realdata"
"""The sources, as committed for the tests (tests/fixtures/realdata/README.md): the Porto trips and the
Chicago beats whole, the crimes of the chosen day and the days either side of it."""


def _recording(name: str) -> list[Ping]:
    out = []
    for line in (DATA / "recordings" / name).read_text(encoding="utf-8").splitlines():
        fields = json.loads(line)
        assert all(isinstance(v, str) for v in fields.values()), line  # as a Redis stream entry holds them
        msg = parse_fields(fields)
        assert isinstance(msg, Ping)
        out.append(msg)
    return out


def _check_order(pings: list[Ping], subjects: set[str]) -> Counter[str]:
    """Every ping's subject is in the pack; the file runs in event-time order, each subject strictly."""
    assert {p.subject for p in pings} <= subjects
    assert [p.ts for p in pings] == sorted(p.ts for p in pings)
    last: dict[str, float] = {}
    for p in pings:
        assert p.ts > last.get(p.subject, float("-inf")), p
        last[p.subject] = p.ts
    return Counter(p.subject for p in pings)


def test_committed_packs_validate() -> None:
    chi, por = load_city_pack(DATA / "chicago"), load_city_pack(DATA / "porto")
    assert (chi.timezone.key, por.timezone.key) == ("America/Chicago", "Europe/Lisbon")
    assert len(chi.zones) == 275 and all(z.kind == "patrol" for z in chi.zones)
    assert chi.zones_by_id["1713"].name == "Beat 1713" and chi.zones_by_id["1713"].feature["properties"]["district"] == "17"
    assert chi.zones_by_id["3100"].geometry.geom_type == "MultiPolygon"  # three source polygons, one beat
    assert {u.zone for u in chi.units.values()} == set(chi.zones_by_id)  # one car per beat
    assert len(por.vehicles) == 244 and {v.category for v in por.vehicles.values()} == {"taxi"}
    assert all(p.startswith("PT-") for p in por.vehicles)
    assert len(por.zones) == 12


def test_chicago_districts_hold_every_beats_district() -> None:
    features = json.loads((DATA / "chicago" / "districts.geojson").read_text(encoding="utf-8"))["features"]
    ids = [f["properties"]["id"] for f in features]
    assert len(ids) == len(set(ids)) == 23  # 25 source polygons, district 31 in three pieces
    assert all(shape(f["geometry"]).is_valid for f in features)
    beats = load_city_pack(DATA / "chicago").zones
    assert {z.feature["properties"]["district"] for z in beats} == set(ids)


def test_committed_files_stay_small() -> None:
    files = [p for p in DATA.rglob("*") if p.is_file() and p.parent.name in {"chicago", "porto", "recordings"}]
    ours = [p for p in files if p.parent.name != "recordings" or p.name.startswith(("chicago", "porto"))]
    assert len(ours) == 19  # what demo.realdata writes (the recordings folder also holds the demo city's)
    assert max(p.stat().st_size for p in files) < 5_000_000


def test_porto_recording_is_every_point_of_the_trips_in_order() -> None:
    pack = load_city_pack(DATA / "porto")
    per_taxi = _check_order(_recording("porto_taxis.jsonl"), set(pack.vehicles))
    assert sum(per_taxi.values()) == 14_436  # the source's points: none is dropped
    assert len(per_taxi) == 244


def test_porto_busiest_day_is_its_own_recording() -> None:
    pack = load_city_pack(DATA / "porto")
    day = _recording("porto_taxis_2014-10-06.jsonl")
    per_taxi = _check_order(day, set(pack.vehicles))
    assert sum(per_taxi.values()) == 4_824 and len(per_taxi) == 77
    whole = (DATA / "recordings" / "porto_taxis.jsonl").read_text(encoding="utf-8").splitlines()
    part = (DATA / "recordings" / "porto_taxis_2014-10-06.jsonl").read_text(encoding="utf-8").splitlines()
    wanted = set(part)
    assert [line for line in whole if line in wanted] == part  # the same lines, in the same order
    assert (day[-1].ts - day[0].ts) < 86_400 + 3_600  # one day (a trip may run past midnight)
    assert porto.local_day(day[0].ts) == "2014-10-06"


def test_porto_counts_match_the_source() -> None:
    trips = porto.read_trips(SOURCE / porto.SOURCE)
    assert len(trips) == 318
    points = Counter(t.plate for t in trips for _ in t.points)
    lines = Counter(json.loads(line)["id"]
                    for line in (DATA / "recordings" / "porto_taxis.jsonl").read_text(encoding="utf-8").splitlines())
    assert lines == points


def test_porto_speed_and_heading_come_from_consecutive_points() -> None:
    # 0.001 degree of latitude north every 15 s: 111.2 m / 15 s = 26.7 km/h, heading 0
    trip = porto.Trip("T", "1", ((41.150, -8.61, 100), (41.151, -8.61, 115), (41.151, -8.61, 130)))
    msgs = porto.messages([trip])
    assert [(m["id"], m["ts"], m["speed"], m.get("heading")) for m in msgs] == [
        ("PT-1", "100", "26.7", "0"), ("PT-1", "115", "26.7", "0"), ("PT-1", "130", "0.0", None)]


def test_chicago_recording_is_a_day_of_district_1s_beat_cars() -> None:
    pack = load_city_pack(DATA / "chicago")
    pings = _recording("chicago_crimes.jsonl")
    per_car = _check_order(pings, set(pack.units))
    start, end = chicago.day_bounds(chicago.DAY)
    assert len(per_car) == 11 and set(per_car.values()) == {(end - start) // 30}  # district 1's 11 beats
    assert {pack.zones_by_id[pack.units[u].zone].feature["properties"]["district"] for u in per_car} == {"1"}
    assert min(p.ts for p in pings) == start and max(p.ts for p in pings) == end - 30


def test_chicago_cars_leave_their_beats_only_when_sent_to_a_real_crime() -> None:
    pack = load_city_pack(DATA / "chicago")
    beats = chicago.district_beats(pack, "1")
    crimes = [c.ts for c in load_incidents(DATA / "chicago") if c.zone in beats]
    outside = [p for p in _recording("chicago_crimes.jsonl")
               if not pack.zones_by_id[pack.units[p.subject].zone].geometry.contains(Point(p.lon, p.lat))]
    assert outside  # backup calls next door
    for p in outside:  # within the longest call: 15 min dispatch + 45 min waiting + 35 min on scene + driving
        assert any(0 < p.ts - ts < 110 * 60 for ts in crimes), p


def test_chicago_beat_cars_reach_most_crimes_of_their_beat() -> None:
    pack = load_city_pack(DATA / "chicago")
    fixes: dict[str, list[Ping]] = {}
    for p in _recording("chicago_crimes.jsonl"):
        fixes.setdefault(p.subject, []).append(p)
    beats = chicago.district_beats(pack, "1")
    sent = [c for c in load_incidents(DATA / "chicago") if c.zone in beats
            and c.ts % 86_400 not in {5 * 3600, 5 * 3600 + 60, 17 * 3600}]  # not at a placeholder time (CDT)
    reached = [c for c in sent if any(0 <= p.ts - c.ts <= 3600 and metres(p.lat, p.lon, c.lat, c.lon) < 30
                                      for p in fixes[f"U{c.zone}"])]
    assert len(sent) == 137 and len(reached) >= 0.8 * len(sent)


def test_chicago_incidents_are_the_days_crimes_over_real_beats() -> None:
    pack = load_city_pack(DATA / "chicago")
    crimes = load_incidents(DATA / "chicago", zones=pack.zones_by_id)
    start, end = chicago.day_bounds(chicago.DAY)
    assert len(crimes) == 915
    assert all(start <= c.ts < end for c in crimes)
    district = Counter(pack.zones_by_id[c.zone].feature["properties"]["district"] for c in crimes)
    assert district.most_common(1) == [("1", 138)]


def test_chicago_incident_count_matches_the_source_day() -> None:
    day = f",{chicago.DAY.isoformat()}T"
    with gzip.open(SOURCE / chicago.CRIMES, "rt", encoding="utf-8") as f:
        rows = sum(1 for line in f if day in line)
    assert rows == len(load_incidents(DATA / "chicago")) == 915


def test_patrol_track_is_deterministic_and_stays_in_its_area() -> None:
    area = box(-87.64, 41.87, -87.63, 41.88)
    a = patrol_track(area, 0, 7200, 30, "seed")
    assert a == patrol_track(area, 0, 7200, 30, "seed") != patrol_track(area, 0, 7200, 30, "other")
    assert all(area.contains(Point(f.lon, f.lat)) for f in a)
    assert any(f.speed == 0 for f in a) and any(20 <= f.speed <= 40 for f in a)  # stops and drives


def _slice_of_sources(folder: Path) -> Path:
    """A small copy of the shared data: the beats, a few crimes of the day, the first trips."""
    (folder / "chicago").mkdir(parents=True)
    (folder / "porto-taxi").mkdir()
    for name in ("police_beats_simple.geojson", "police_districts_simple.geojson"):
        shutil.copy(SOURCE / "chicago" / name, folder / "chicago" / name)
    with gzip.open(SOURCE / chicago.CRIMES, "rt", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r[1].startswith(chicago.DAY.isoformat()) or r[0] == "id"][:40]
    with gzip.open(folder / chicago.CRIMES, "wt", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows(rows)
    lines = (SOURCE / porto.SOURCE).read_text(encoding="utf-8").splitlines(keepends=True)[:6]
    (folder / porto.SOURCE).write_text("".join(lines), encoding="utf-8")
    return folder


def _build(source: Path, out: Path) -> dict[str, bytes]:
    chicago.build(source, out, hours=1)
    porto.build(source, out)
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_the_converter_is_deterministic_and_its_packs_validate(tmp_path: Path) -> None:
    source = _slice_of_sources(tmp_path / "src")
    first, second = _build(source, tmp_path / "a"), _build(source, tmp_path / "b")
    assert first == second
    assert "recordings/chicago_crimes.jsonl" in first and "porto/vehicles.json" in first
    packs: list[CityPack] = [load_city_pack(tmp_path / "a" / "chicago"), load_city_pack(tmp_path / "a" / "porto")]
    assert len(load_incidents(tmp_path / "a" / "chicago")) == 39
    assert len(packs[1].vehicles) == len({t.taxi_id for t in porto.read_trips(source / porto.SOURCE)})


def test_attribution_is_kept() -> None:
    attribution = (DATA / "ATTRIBUTION.md").read_text(encoding="utf-8")
    porto_readme = (DATA / "porto" / "README.md").read_text(encoding="utf-8")
    chicago_readme = (DATA / "chicago" / "README.md").read_text(encoding="utf-8")
    for text in (attribution, porto_readme):
        assert "CC BY 4.0" in text and "ECML PKDD 2015" in text and "UCI" in text
    for text in (attribution, chicago_readme):
        assert "City of Chicago open data terms" in text and "MIT" in text and "crimearound.us" in text
        assert "simulated" in text


@pytest.mark.parametrize(("pack", "recording"), [("chicago", "chicago_crimes.jsonl"), ("porto", "porto_taxis.jsonl")])
def test_the_worker_pipeline_takes_every_message_of_a_recording(pack: str, recording: str) -> None:
    city = load_city_pack(DATA / pack)
    lines = (DATA / "recordings" / recording).read_text(encoding="utf-8").splitlines()
    entries = [Entry("cc:in:0", f"{i}-0", json.loads(line)) for i, line in enumerate(lines, start=1)]
    out = Pipeline(city).process(entries, {}, None)
    assert out.dead == [] and len(out.pings) == len(lines)  # nothing dead-lettered, no filter drops a fix
    assert {k for k in out.counters if k.startswith("dropped")} == set()
    kinds = Counter(a.type.value for a in out.alerts)
    if pack == "chicago":  # the backup calls into a neighbouring beat, as the pack's README counts them
        readme = (DATA / "chicago" / "README.md").read_text(encoding="utf-8")
        assert kinds == Counter(zone_exit=25) and "alerts (25 when replayed" in readme
    else:
        assert set(kinds) == {"overspeed"} and 50 <= kinds["overspeed"] <= 120
