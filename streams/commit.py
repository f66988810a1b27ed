"""Turn a batch's result into one Redis transaction: alerts, state, publication and acks together.

Everything a batch produces is queued on a MULTI/EXEC pipeline that also acknowledges the
batch's entries, guarded by WATCH on the partition's lease: a worker that lost its partition
commits nothing, and a worker killed before EXEC leaves its entries pending, to be processed
again with the same state and therefore the same alert ids. Nothing is lost, nothing doubled.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from redis.client import Pipeline as RedisPipeline

from core import tracks
from core.keys import Keys
from core.model import Alert, Kind, Ping, Read, fmt_ts
from core.travel import DEFAULT_LEARN_WINDOW_S, KEEP_PER_PAIR, TravelSample
from streams.pipeline import BatchResult

__all__ = ["Scripts", "queue_alerts", "queue_batch", "queue_samples", "queue_track_store", "position_fields", "merge_reads", "MAX_TRACK",
           "MAX_READS"]

MAX_TRACK = 240  # fixes kept per subject: 10 min at 5 s is 120; room for 20 min
MAX_READS = 20  # latest reads kept per checkpoint
POSITIONS_KEEP_S = 120  # the positions stream is for live screens only: two minutes by entry id
ALERTS_MAXLEN = 500_000  # evidence: ~months at a city's rate; see the README on archiving
DEADLETTER_MAXLEN = 100_000  # the newest dead letters; their count stays in cc:stats
TRACK_TTL_MS = 86_400_000  # a subject's track goes a day after its last fix (storage only, not a rule)
# Push each fix onto its subject's track, trim every touched track and renew its time to live, in
# one call per batch (ARGV: max length, TTL ms, then key, fix, key, fix ...). Keys are computed, so this runs on a single
# Redis; under Redis Cluster tracks would be written per slot instead.
# A list is trimmed only once it is longer than the maximum (LPUSH answers its length): the same
# lists and TTLs as trimming every touched key once, at a third of the Lua calls while tracks fill up.
PUSH_TRACKS = """
local max, ttl = tonumber(ARGV[1]), ARGV[2]
for i = 3, #ARGV, 2 do
  local key = ARGV[i]
  if redis.call('LPUSH', key, ARGV[i + 1]) > max then
    redis.call('LTRIM', key, 0, max - 1)
  end
  redis.call('PEXPIRE', key, ttl)
end
return 1
"""
# The track store (core/tracks.py), in one call per batch with few arguments (encoding thousands of
# arguments costs the worker more than Redis's work): ARGV = TTL ms, key prefix, then per event-time
# hour: the hour and one payload of [u16 subject length][u32 bytes length][subject][records] per
# subject. Appends each subject's records to {prefix}:trk:{subject}:{hour}, notes the subjects in
# {prefix}:trkidx:{hour} (core.keys.Keys.trk / trk_hour) when the key is new, and sets its time to
# live then: an hour's key expires the retention after its first write.
STORE_TRACKS = """
local ttl, prefix = ARGV[1], ARGV[2]
for i = 3, #ARGV, 2 do
  local hour, data, pos, subjects = ARGV[i], ARGV[i + 1], 1, {}
  while pos <= #data do
    local slen, blen
    slen, blen, pos = struct.unpack('<I2I4', data, pos)
    local subject = string.sub(data, pos, pos + slen - 1)
    local key = prefix .. ':trk:' .. subject .. ':' .. hour
    if redis.call('APPEND', key, string.sub(data, pos + slen, pos + slen + blen - 1)) == blen then
      redis.call('PEXPIRE', key, ttl)  -- a new key: its hour ends within the hour, so this is enough
      subjects[#subjects + 1] = subject
    end
    pos = pos + slen + blen
  end
  if #subjects > 0 then
    local idx = prefix .. ':trkidx:' .. hour
    for j = 1, #subjects, 1000 do
      redis.call('SADD', idx, unpack(subjects, j, math.min(j + 999, #subjects)))
    end
    redis.call('PEXPIRE', idx, ttl)
  end
end
return 1
"""
MAX_CLOCK = """
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
"""


_STORE_HEADER = struct.Struct("<HI")


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def position_fields(p: Ping) -> dict[str, str]:
    """A fix as published to ``cc:positions`` / ``cc:last`` / ``cc:track:{subject}``."""
    return {
        "subject": p.subject,
        "kind": str(p.kind),
        "category": p.category or "",
        "lat": f"{p.lat:.6f}",
        "lon": f"{p.lon:.6f}",
        "ts": fmt_ts(p.ts),
        "speed": f"{p.speed_kmh:.1f}",
        "heading": _num(p.heading),
        "zone": min(p.zones) if p.zones else "",
    }


def merge_reads(old: bytes | str | None, new: Iterable[Read]) -> bytes:
    """Merge new reads into a checkpoint's JSON list of latest reads (newest first, capped)."""
    rows: list[dict[str, Any]] = orjson.loads(old) if old else []
    rows.extend({"plate": r.plate, "ts": r.ts, "confidence": r.confidence} for r in new)
    rows.sort(key=lambda row: row["ts"], reverse=True)
    return orjson.dumps(rows[:MAX_READS])


@dataclass(frozen=True)
class Scripts:
    """The Lua scripts a commit uses, registered once per client."""

    clock: Any
    tracks: Any
    store: Any = None

    @classmethod
    def register(cls, client: Any) -> Scripts:
        return cls(client.register_script(MAX_CLOCK), client.register_script(PUSH_TRACKS),
                   client.register_script(STORE_TRACKS))


def queue_alerts(pipe: RedisPipeline, keys: Keys, alerts: Iterable[Alert]) -> None:
    for a in alerts:
        pipe.xadd(keys.alerts, a.to_fields(), maxlen=ALERTS_MAXLEN, approximate=True)


def _queue_positions(pipe: RedisPipeline, keys: Keys, p: int, pings: list[Ping], track_script: Any,
                     wall_s: float) -> None:
    """Publish accepted fixes: one positions entry per batch, latest per subject, tracks, unit last-seen.

    The positions stream keeps ``POSITIONS_KEEP_S`` of wall time (entry ids are wall time): a batch
    holds up to ``CC_BATCH`` fixes, so a count bound would mean hundreds of MB at a city's rate.
    """
    if not pings:
        return
    blobs = [orjson.dumps(position_fields(ping)) for ping in pings]
    # the JSON array of the fixes is their JSON objects joined: each fix is serialized once
    pipe.xadd(keys.positions, {"fixes": b"[" + b",".join(blobs) + b"]"},
              minid=f"{int((wall_s - POSITIONS_KEEP_S) * 1000)}-0", approximate=True)
    latest: dict[str, bytes] = {}
    track_args: list[Any] = [MAX_TRACK, TRACK_TTL_MS]
    units: dict[str, float] = {}
    for ping, blob in zip(pings, blobs, strict=True):
        latest[ping.subject] = blob
        if ping.kind is not Kind.OTHER:
            track_args += (keys.track(ping.subject), blob)
        if ping.kind is Kind.UNIT:
            units[ping.subject] = ping.ts
    pipe.hset(keys.last, mapping=latest)
    if len(track_args) > 2:
        track_script(args=track_args, client=pipe)
    if units:
        pipe.zadd(keys.lastseen(p), units)


def queue_track_store(pipe: RedisPipeline, keys: Keys, pings: list[Ping], store_script: Any,
                      retention_s: float) -> None:
    """Append the fixes of units and monitored vehicles to the track store, one APPEND per subject
    and event-time hour (core/tracks.py); ``retention_s`` 0 stores nothing."""
    if retention_s <= 0 or store_script is None:
        return
    by_hour: dict[int, dict[str, list[bytes]]] = {}
    pack = tracks.RECORD_STRUCT.pack
    for ping in pings:
        if ping.kind is not Kind.OTHER:
            by_hour.setdefault(tracks.hour_of(ping.ts), {}).setdefault(ping.subject, []).append(
                pack(ping.ts, ping.lat, ping.lon, ping.speed_kmh))
    if not by_hour:
        return
    args: list[Any] = [int(retention_s * 1000), keys.prefix]
    for hour, subjects in by_hour.items():
        parts = []
        for subject, records in subjects.items():
            name, blob = subject.encode("utf-8"), b"".join(records)
            parts.append(_STORE_HEADER.pack(len(name), len(blob)) + name + blob)
        args += (hour, b"".join(parts))
    store_script(args=args, client=pipe)


def queue_samples(pipe: RedisPipeline, keys: Keys, samples: Iterable[TravelSample],
                  window_s: float = DEFAULT_LEARN_WINDOW_S) -> None:
    """Travel samples into ``cc:travel:{a}>{b}`` (core/travel.py): ZADD is idempotent, so a
    redelivered read adds nothing; each touched pair keeps its newest ``KEEP_PER_PAIR`` samples and
    none older than ``window_s`` before its newest sample (event time)."""
    by_pair: dict[str, dict[str, float]] = {}
    for s in samples:
        by_pair.setdefault(keys.travel(s.a, s.b), {})[s.member] = s.ts
    for key, members in by_pair.items():
        pipe.zadd(key, members)
        pipe.zremrangebyscore(key, "-inf", f"({max(members.values()) - window_s!r}")
        pipe.zremrangebyrank(key, 0, -KEEP_PER_PAIR - 1)


def queue_batch(
    pipe: RedisPipeline,
    keys: Keys,
    p: int,
    result: BatchResult,
    states: dict[str, bytes],
    reads: dict[str, bytes],
    clock: float | None,
    scripts: Scripts,
    wall_s: float,
    learn_window_s: float = DEFAULT_LEARN_WINDOW_S,
    track_retention_s: float = 0.0,
) -> None:
    """Queue everything of one batch on ``pipe`` (already in MULTI mode); ``wall_s`` (the wall clock)
    only bounds what is stored, never a rule."""
    queue_alerts(pipe, keys, result.alerts)
    if states:
        pipe.hset(keys.state(p), mapping=states)
    seen = {subject: float(st["seen"]) for subject, st in result.states.items() if "seen" in st}
    if seen:
        pipe.zadd(keys.seen(p), seen)
    _queue_positions(pipe, keys, p, result.pings, scripts.tracks, wall_s)
    queue_track_store(pipe, keys, result.pings, scripts.store, track_retention_s)
    if reads:
        pipe.hset(keys.reads, mapping=reads)
    if result.samples:
        queue_samples(pipe, keys, result.samples, learn_window_s)
    if clock is not None:
        scripts.clock(keys=[keys.clock], args=[repr(clock)], client=pipe)
    for d in result.dead:
        pipe.xadd(keys.deadletter, {"stream": d.stream, "entry_id": d.entry_id, "raw": d.raw, "error": d.error},
                  maxlen=DEADLETTER_MAXLEN, approximate=True)
    counters = dict(result.counters)
    if result.dead:
        counters["deadletter"] = counters.get("deadletter", 0) + len(result.dead)
    counters["alerts"] = counters.get("alerts", 0) + len(result.alerts)
    for name, n in counters.items():
        if n:
            pipe.hincrby(keys.stats, name, n)
