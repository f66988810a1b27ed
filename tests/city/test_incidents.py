"""city.incidents: the optional incidents.jsonl of a pack, its errors, and the hotspot table by hour."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from city.incidents import Incident, by_hour, in_range, load_incidents
from city.validate import CityPackError

CHICAGO = ZoneInfo("America/Chicago")


def _write(folder: Path, rows: list[object]) -> Path:
    (folder / "incidents.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return folder


def _row(**over: object) -> dict[str, object]:
    row: dict[str, object] = {"id": "1", "ts": 1501822800, "lat": 41.88, "lon": -87.63, "zone": "0111",
                              "type": "THEFT", "description": "$500 AND UNDER"}
    row.update(over)
    return row


def test_a_pack_without_incidents_has_none(tmp_path: Path) -> None:
    assert load_incidents(tmp_path) == ()


def test_incidents_load_in_time_order(tmp_path: Path) -> None:
    _write(tmp_path, [_row(id="b", ts=200), _row(id="a", ts=100), _row(id="c", ts=100)])
    assert [x.id for x in load_incidents(tmp_path, zones={"0111"})] == ["a", "c", "b"]


@pytest.mark.parametrize(("row", "message"), [
    (_row(ts="noon"), 'incidents.jsonl: line 2: field "ts": must be a number, got "noon"'),
    (_row(lon=-200), 'incidents.jsonl: line 2: field "lon": must be within -180..180, got -200'),
    (_row(zone="9999"), 'incidents.jsonl: line 2: field "zone": no zone of zones.geojson has id "9999"'),
    (_row(type=""), 'incidents.jsonl: line 2: field "type": must be a non-empty string, got ""'),
    ([1, 2], "incidents.jsonl: line 2: must be a JSON object, got [1, 2]"),
])
def test_a_bad_line_is_named_with_its_field(tmp_path: Path, row: object, message: str) -> None:
    _write(tmp_path, [_row(), row])
    with pytest.raises(CityPackError) as err:
        load_incidents(tmp_path, zones={"0111", "0112"})
    assert str(err.value) == message


def test_hotspots_count_per_local_hour_and_zone() -> None:
    # 2017-08-04 in Chicago (CDT, UTC-5): 00:30, 00:45, 23:59 local
    day = [Incident("1", 1501824600, 41.9, -87.6, "0111", "THEFT"),
           Incident("2", 1501825500, 41.9, -87.6, "0112", "THEFT"),
           Incident("3", 1501909140, 41.9, -87.6, "0111", "BATTERY")]
    hours = by_hour(day, CHICAGO)
    assert dict(hours[0]) == {"0111": 1, "0112": 1} and dict(hours[23]) == {"0111": 1}
    assert sum(sum(h.values()) for h in hours) == 3
    assert [x.id for x in in_range(day, 1501825500, 1501909140)] == ["2"]
