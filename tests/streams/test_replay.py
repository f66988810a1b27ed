"""Recording and replay (contract 7.4): the commands end to end against a real embedded Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import redis

from core.keys import Keys, partition_of
from core.producer import Producer, encode_anpr, encode_gps
from core.settings import ROOT
from streams.recording import load_recording
from tests.streams.test_golden import MINI, T, scenario

KEYS = Keys("cc")


def run(module: str, redis_url: str, *args: str, prefix: str = "cc") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_URL": redis_url, "CC_PREFIX": prefix, "CC_PARTITIONS": "4", "CITY_PACK": str(MINI)}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def all_inputs(r: redis.Redis, prefix: str = "cc") -> list[tuple[str, dict[str, str]]]:
    keys = Keys(prefix)
    rows = [(i, f) for p in range(4) for i, f in r.xrange(keys.input(p))]
    return sorted(rows, key=lambda row: tuple(int(x) for x in row[0].split("-")))


THREE_SECONDS = [
    {"type": "gps", "id": "P01", "lat": 22.505, "lon": 114.005, "ts": 1709230200, "speed": 30},
    {"type": "anpr", "checkpoint": "A", "plate": "粤BT3001", "ts": "1709230201.250", "confidence": "0.95"},
    {"type": "gps", "id": "P02", "lat": "22.507", "lon": "114.004", "ts": "2024-03-01T02:10:02+08:00"},
    {"type": "gps", "id": "P01", "lat": 22.5051, "lon": 114.0052, "ts": 1709230203, "speed": 31.5},
]


def test_replay_writes_each_line_to_its_partition_with_event_times_kept(tmp_path: Path, redis_url: str,
                                                                          r: redis.Redis) -> None:
    rec = write_jsonl(tmp_path / "three.jsonl", THREE_SECONDS)
    for speed in ("0", "60"):
        r.flushall()
        out = run("streams.replay", redis_url, str(rec), "--speed", speed)
        assert out.returncode == 0, out.stderr
        assert "4 lines written, 0 refused" in out.stdout
        rows = all_inputs(r)
        expected = ["1709230200", "1709230201.250", "2024-03-01T02:10:02+08:00", "1709230203"]
        assert sorted(f["ts"] for _, f in rows) == sorted(expected)  # each with its own event time text
        p01 = [f["ts"] for _, f in r.xrange(KEYS.input(partition_of("P01", 4))) if f.get("id") == "P01"]
        assert p01 == ["1709230200", "1709230203"]  # one subject's lines in file order
        if speed == "60":
            # paced: each line is written after the one before, so entry ids (one server's clock)
            # follow the file across partitions too
            assert [f["ts"] for _, f in rows] == expected
        by_ts = {f["ts"]: f for _, f in rows}
        assert by_ts["1709230200"] == {"type": "gps", "id": "P01", "lat": "22.505", "lon": "114.005", "ts": "1709230200",
                              "speed": "30"}
        assert by_ts["1709230203"]["speed"] == "31.5"
        for p in range(4):
            for _, f in r.xrange(KEYS.input(p)):
                assert partition_of(f.get("plate") or f["id"], 4) == p


def test_refused_lines_are_reported_by_number_and_field_and_never_stop_the_replay(tmp_path: Path, redis_url: str,
                                                                                   r: redis.Redis) -> None:
    rec = tmp_path / "bad.jsonl"
    rec.write_text("\n".join([
        orjson.dumps(THREE_SECONDS[0]).decode(),
        "{not json",
        orjson.dumps({"type": "gps", "id": "P01", "lat": 95, "lon": 114.0, "ts": 1709230201}).decode(),
        orjson.dumps({"id": "P01", "lat": 22.5, "lon": 114.0, "ts": 1709230202}).decode(),
        orjson.dumps({"type": "anpr", "checkpoint": "A", "plate": "粤BT3001", "ts": "yesterday"}).decode(),
        orjson.dumps(THREE_SECONDS[3]).decode(),
    ]) + "\n", encoding="utf-8")
    out = run("streams.replay", redis_url, str(rec), "--speed", "0")
    assert out.returncode == 0, out.stderr
    assert "2 lines written, 4 refused" in out.stdout
    for expected in ("line 2: line:", "line 3: lat:", "line 4: type:", "line 5: ts:"):
        assert expected in out.stdout
    assert [f["ts"] for _, f in all_inputs(r)] == ["1709230200", "1709230203"]


def test_replay_needs_a_redis(tmp_path: Path) -> None:
    rec = write_jsonl(tmp_path / "one.jsonl", THREE_SECONDS[:1])
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["CC_DATA_DIR"] = str(tmp_path)  # no running OneMap noted a URL here
    out = subprocess.run([sys.executable, "-m", "streams.replay", str(rec), "--speed", "0"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 2
    assert "REDIS_URL" in out.stderr


def test_replay_finds_the_embedded_redis_a_running_system_noted(tmp_path: Path, redis_url: str,
                                                                 r: redis.Redis) -> None:
    rec = write_jsonl(tmp_path / "one.jsonl", THREE_SECONDS[:1])
    (tmp_path / "redis").mkdir()
    (tmp_path / "redis" / "url").write_text(redis_url + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["CC_DATA_DIR"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-m", "streams.replay", str(rec), "--speed", "0"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert [f["id"] for _, f in all_inputs(r)] == ["P01"]


def test_record_writes_a_time_range_in_event_time_order(tmp_path: Path, redis_url: str, r: redis.Redis) -> None:
    producer = Producer(r, KEYS, 4)
    # written out of event-time order across subjects, as partitions interleave in real life
    producer.send([encode_gps("P02", 22.5, 114.0, T + 20), encode_gps("P01", 22.5, 114.0, T + 5),
                   encode_anpr("A", "粤BT3001", T + 10), encode_gps("P01", 22.5, 114.0, T + 30),
                   encode_gps("P01", 22.5, 114.0, T - 5)])
    out_file = tmp_path / "range.jsonl"
    out = run("streams.record", redis_url, "--from", f"{T:.0f}", "--to", f"{T + 30:.0f}", "--out", str(out_file))
    assert out.returncode == 0, out.stderr
    lines, refused = load_recording(out_file)
    assert refused == []
    assert [(ln.fields.get("id") or ln.fields["plate"], ln.ts - T) for ln in lines] == [
        ("P01", 5.0), ("粤BT3001", 10.0), ("P02", 20.0)]
    help_text = run("streams.record", redis_url, "--help").stdout
    assert "CC_INPUT_RETENTION_S" in help_text


def test_record_then_replay_gives_back_the_same_messages(tmp_path: Path, redis_url: str, r: redis.Redis) -> None:
    rec = write_jsonl(tmp_path / "in.jsonl", THREE_SECONDS)
    assert run("streams.replay", redis_url, str(rec), "--speed", "0").returncode == 0
    first = sorted(orjson.dumps(f, option=orjson.OPT_SORT_KEYS) for _, f in all_inputs(r))
    again = tmp_path / "again.jsonl"
    assert run("streams.record", redis_url, "--from", "0", "--to", "2000000000", "--out", str(again)).returncode == 0
    r.flushall()
    assert run("streams.replay", redis_url, str(again), "--speed", "0").returncode == 0
    assert sorted(orjson.dumps(f, option=orjson.OPT_SORT_KEYS) for _, f in all_inputs(r)) == first


def test_a_gzipped_recording_replays_too(tmp_path: Path, redis_url: str, r: redis.Redis) -> None:
    import gzip

    rec = tmp_path / "three.jsonl.gz"
    rec.write_bytes(gzip.compress(b"".join(orjson.dumps(x) + b"\n" for x in THREE_SECONDS)))
    out = run("streams.replay", redis_url, str(rec), "--speed", "0", "--prefix", "ccreplay")
    assert out.returncode == 0, out.stderr
    assert len(all_inputs(r, "ccreplay")) == 4
    assert all_inputs(r) == []  # another prefix leaves the live partitions alone


def test_golden_scenario_recording_covers_several_rule_types(tmp_path: Path) -> None:
    rec = write_jsonl(tmp_path / "golden.jsonl", list(scenario()))
    lines, refused = load_recording(rec)
    assert len(lines) == len(scenario()) - 1
    assert [b.field for b in refused] == ["lon"]
