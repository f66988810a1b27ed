"""Turn a batch's result into Redis writes: alerts, state, publication and acks, never lost or doubled.

**One server**: everything a batch produces is queued on one MULTI/EXEC pipeline that also
acknowledges the batch's entries, guarded by WATCH on the partition's lease (``queue_batch``): a
worker that lost its partition commits nothing, and a worker killed before EXEC leaves its entries
pending, to be processed again with the same state and therefore the same alert ids.

**Redis Cluster**: a transaction spans one hash slot only, so streams/worker.py commits a batch in
three steps over the same functions:

1. ``queue_shared``: positions, latest fixes, tracks, the track store, reads, travel samples and
   counters, on a plain pipeline (one round trip per node), before the partition's transaction. A
   worker that dies after it and before step 2 has its batch processed again, so these are written
   at least once, never lost (a fix may show twice; readers of the track store drop repeated
   timestamps; ZADDs and the clock's maximum are idempotent);
2. ``queue_partition`` in the partition's slot (its keys are tagged ``{cc:in:p}``, core/keys.py):
   state, seen, last-seen, the acks and an *outbox* record of the batch's alerts and dead letters,
   in one MULTI guarded by WATCH on the lease: all or nothing, as on one server;
3. ``drain``: each outbox record's alerts are appended to ``cc:alerts`` by ``APPEND_ONCE``, a script
   in the slot of ``cc:alerts`` that appends an alert only when ``SET NX`` of
   ``{cc:alerts}:id:{alert_id}`` succeeds (alert ids are deterministic); then ``WAIT`` for a replica
   of that node, and only then the record leaves the outbox. A worker that dies or loses a primary
   between 2 and 3 leaves the record; the partition's next holder drains it before anything else.
   A failover that lost an unreplicated step 2 has the entries processed again: same state, same
   ids, appended once. Dead letters go the same way (``{cc:deadletter}:id:{stream}/{entry_id}``).

Why one server keeps its single MULTI rather than the same three steps: the MULTI is one round
trip where the steps take at least four and an id key per alert, for the same ``cc:alerts``.

On one server the writes of each fix, subject and alert go in a few script calls with packed
arguments (``PUBLISH_FIXES``: the positions entry, ``cc:last``, tracks and track store;
``PARTITION``: states and seen times; ``APPEND_ALL``: the alerts): redis-py's packing of one
argument costs the worker more than a script's unpacking costs Valkey, and the worker's CPU is what
bounds its throughput. They write the same keys and bytes as the plain commands a cluster still
uses (its pipelines run no scripts, and a script works in one slot:
``tests/streams/test_commit_fixes.py`` and ``test_commit_alerts.py``).
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import redis
from redis.client import Pipeline as RedisPipeline
from redis.exceptions import AskError, MovedError

from core import tracks
from core.keys import TRACK_BUCKETS, Keys, track_bucket
from core.model import ALERT_FIELDS, Alert, Kind, Ping, Read, fmt_ts
from core.redisio import TRANSIENT
from core.travel import DEFAULT_LEARN_WINDOW_S, KEEP_PER_PAIR, TravelSample
from streams.pipeline import BatchResult, DeadLetter

log = logging.getLogger("onemap.commit")

__all__ = ["Scripts", "alert_rows", "drain", "outbox_record", "queue_alerts", "queue_batch", "queue_partition", "partition_args", "queue_samples",
           "queue_shared", "queue_track_store", "run_per_node", "track_calls", "fixes_call", "position_fields", "positions_json", "merge_reads", "MAX_TRACK", "MAX_READS"]

MAX_TRACK = 240  # fixes kept per subject: 10 min at 5 s is 120; room for 20 min
MAX_READS = 20  # latest reads kept per checkpoint
POSITIONS_KEEP_S = 120  # the positions stream is for live screens only: two minutes by entry id
ALERTS_MAXLEN = 500_000  # evidence: ~months at a city's rate; see the README on archiving
DEADLETTER_MAXLEN = 100_000  # the newest dead letters; their count stays in cc:stats
# A subject's recent fixes live once in Redis: in the track store (core/tracks.py) when it is on
# (CC_TRACK_RETENTION_S > 0), else in its JSON track list, which then goes a day after the last fix
# (every fix renews it). With the store on no list is written: the store holds the same fixes in 20
# bytes each, against ~150 bytes of JSON, and a list cost Valkey an LPUSH (and, once full, an LTRIM)
# per fix (docs/PROFILE.md, stop 18). web/store.py reads the store, else the list.
TRACK_TTL_MS = 86_400_000
ONCE_TTL_S = 7 * 86_400  # how long an appended alert's id is remembered (cluster): far beyond any outbox's wait
WAIT_MS = 500  # how long a drain waits for a replica to confirm an append before going on regardless
# Push each fix onto its subject's track, trim every touched track and renew its time to live, in
# one call per batch on a single server, per track bucket on a cluster (KEYS: the track of each fix,
# repeats allowed; ARGV: max length, TTL ms, then the fixes in the order of KEYS).
# A list is trimmed only once it is longer than the maximum (LPUSH answers its length): the same
# lists and TTLs as trimming every touched key once, at a third of the Lua calls while tracks fill up.
PUSH_TRACKS = """
local max, ttl = tonumber(ARGV[1]), ARGV[2]
for i = 1, #KEYS do
  if redis.call('LPUSH', KEYS[i], ARGV[i + 2]) > max then
    redis.call('LTRIM', KEYS[i], 0, max - 1)
  end
  redis.call('PEXPIRE', KEYS[i], ttl)
end
return 1
"""
# The track store (core/tracks.py), in one call per batch with few arguments (encoding thousands of
# arguments costs the worker more than Redis's work): KEYS = one bucket's index set per (bucket, hour)
# group ({{prefix}:trk:{bucket}}:idx:{hour}, core.keys.Keys.trk_hour); ARGV = TTL ms, then per group
# the bucket's key start ({{prefix}:trk:{bucket}}:), the hour, and one payload of
# [u16 subject length][u32 bytes length][subject][records] per subject. Appends each subject's
# records to {start}{subject}:{hour}, notes the subject in the group's index set when the key is
# new, and sets its time to live then: an hour's key expires the retention after its first write.
# On a cluster one call per bucket: the keys it computes share the slot of its declared ones.
STORE_TRACKS = """
local ttl = ARGV[1]
for g = 1, #KEYS do
  local start, hour, data, pos, subjects = ARGV[3 * g - 1], ARGV[3 * g], ARGV[3 * g + 1], 1, {}
  while pos <= #data do
    local slen, blen
    slen, blen, pos = struct.unpack('<I2I4', data, pos)
    local subject = string.sub(data, pos, pos + slen - 1)
    local key = start .. subject .. ':' .. hour
    if redis.call('APPEND', key, string.sub(data, pos + slen, pos + slen + blen - 1)) == blen then
      redis.call('PEXPIRE', key, ttl)  -- a new key: its hour ends within the hour, so this is enough
      subjects[#subjects + 1] = subject
    end
    pos = pos + slen + blen
  end
  if #subjects > 0 then
    for j = 1, #subjects, 1000 do
      redis.call('SADD', KEYS[g], unpack(subjects, j, math.min(j + 999, #subjects)))
    end
    redis.call('PEXPIRE', KEYS[g], ttl)
  end
end
return 1
"""
# One server: a batch's positions entry, its fixes into the latest-fix hash and their track store
# (or, with the store off, their track lists), in one call with a few packed arguments (redis-py's
# packing of two or four arguments per fix cost the worker more than the script costs Valkey).
# KEYS[1] the latest-fix hash (cc:last), KEYS[2] the positions stream (cc:positions); ARGV[1] max
# track length, ARGV[2] the track lists' TTL ms, ARGV[3] the track store's TTL ms (0: no track store:
# track lists instead), ARGV[4] the positions' MINID, ARGV[5..20] the hash tag of each track bucket
# ({cc:trk:b}, b = 0..15), then the batch's event-time hours, and five last arguments: the positions
# entry's JSON array of the fixes ([fix,fix,...]: each fix's JSON is read from it); per fix the
# length of its JSON [u32]; per fix [u8 bucket (255: a fix that is not tracked)][u16 subject
# length][subject]; per change of hour among the tracked fixes [u32 the fix's number][u32 its hour's
# place among the hours]; and the 20-byte records (core/tracks.py) of the tracked fixes when the
# track store is on. Does what XADD of cc:positions, HSET of cc:last and STORE_TRACKS (store on) or
# PUSH_TRACKS (store off) did, to the same keys and values: a cluster still uses those (cc:last is
# not in a bucket's slot).
PUBLISH_FIXES = """
local max, ttl, store_ttl, n = tonumber(ARGV[1]), ARGV[2], ARGV[3], #ARGV
local fixes, lens, names, runs, records = ARGV[n - 4], ARGV[n - 3], ARGV[n - 2], ARGV[n - 1], ARGV[n]
local store, hour_at, pos = tonumber(store_ttl) > 0, {}, 1
local call, unpack_, sub = redis.call, struct.unpack, string.sub
while pos <= #runs do
  local first, place
  first, place, pos = unpack_('<I4I4', runs, pos)
  hour_at[first] = ARGV[20 + place]
end
call('XADD', KEYS[2], 'MINID', '~', ARGV[4], '*', 'fixes', fixes)
local track_at, store_at = {}, {}  -- per bucket: its tracks' and its track store's key start
for b = 0, 15 do
  store_at[b] = ARGV[5 + b] .. ':'
  track_at[b] = store_at[b] .. 'track:'
end
local at, jat, rat, h, last, k, new = 1, 2, 1, nil, {}, 0, {}  -- k: the length of last (# costs a search)
pos = 1
for i = 1, #lens / 4 do
  local jlen, bucket, subject
  jlen, pos = unpack_('<I4', lens, pos)
  bucket, subject, at = unpack_('<BHc0', names, at)  -- c0: a string of the length just read
  local fix = sub(fixes, jat, jat + jlen - 1)
  jat = jat + jlen + 1
  last[k + 1], last[k + 2], k = subject, fix, k + 2
  if bucket ~= 255 then
    if store then
      h = hour_at[i] or h
      local key = store_at[bucket] .. subject .. ':' .. h
      if call('APPEND', key, sub(records, rat, rat + 19)) == 20 then
        call('PEXPIRE', key, store_ttl)  -- a new key (see STORE_TRACKS)
        local idx = store_at[bucket] .. 'idx:' .. h
        new[idx] = new[idx] or {}
        table.insert(new[idx], subject)
      end
      rat = rat + 20
    else
      local track = track_at[bucket] .. subject
      if call('LPUSH', track, fix) > max then
        call('LTRIM', track, 0, max - 1)
      end
      call('PEXPIRE', track, ttl)
    end
  end
end
for j = 1, k, 1000 do
  call('HSET', KEYS[1], unpack(last, j, math.min(j + 999, k)))
end
for idx, subjects in pairs(new) do
  for j = 1, #subjects, 1000 do
    call('SADD', idx, unpack(subjects, j, math.min(j + 999, #subjects)))
  end
  call('PEXPIRE', idx, store_ttl)
end
return 1
"""
# One server: a batch's states and seen times in one call with a few packed arguments (the commands
# of a cluster's partition transaction, whose pipeline runs no scripts, took two arguments per
# subject each). KEYS[1] the partition's states hash, KEYS[2] its seen sorted set; ARGV[1] per state
# [u16 subject length][subject], ARGV[2] per state its length [u32], ARGV[3] the states one after
# the other, ARGV[4] per seen time [f64 time][u16 subject length][subject]. HSET of the states and
# ZADD of the seen times, as those commands did. (Three of the arguments are the batch's own lists
# joined: the worker packs no header per subject.)
PARTITION = """
local names, lens, blobs, times, unpack_, sub = ARGV[1], ARGV[2], ARGV[3], ARGV[4], struct.unpack, string.sub
local states, ns, npos, bpos = {}, 0, 1, 1  -- ns: the length of states
for i = 1, #lens, 4 do
  local blen, subject = unpack_('<I4', lens, i)
  subject, npos = unpack_('<Hc0', names, npos)  -- c0: a string of the length just read
  states[ns + 1], states[ns + 2], ns = subject, sub(blobs, bpos, bpos + blen - 1), ns + 2
  bpos = bpos + blen
end
for j = 1, ns, 1000 do
  redis.call('HSET', KEYS[1], unpack(states, j, math.min(j + 999, ns)))
end
local seen, nt, pos = {}, 0, 1
while pos <= #times do
  local t, subject
  t, subject, pos = unpack_('<dHc0', times, pos)
  seen[nt + 1], seen[nt + 2], nt = t, subject, nt + 2
end
for j = 1, nt, 1000 do
  redis.call('ZADD', KEYS[2], unpack(seen, j, math.min(j + 999, nt)))
end
return 1
"""
# Append each entry to a stream unless its id key exists (cluster mode: every key in the stream's
# slot). KEYS[1] the stream, KEYS[2..] one id key per entry; ARGV[1] the id keys' TTL (s), ARGV[2]
# the stream's approximate MAXLEN, ARGV[3..] each entry's fields as a JSON list [f, v, f, v, ...].
# Returns how many were appended.
APPEND_ONCE = """
local n = 0
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[1]) then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(cjson.decode(ARGV[i + 1])))
    n = n + 1
  end
end
return n
"""
# Append a batch's alerts to a stream in one call (one server, inside the commit's MULTI, so the
# commit stays atomic): KEYS[1] the stream; ARGV[1] its approximate MAXLEN; ARGV[2] a JSON list: the
# field names, then one list per alert of their values, in order ([[f1, f2, ...], [v1, v2, ...], ...]).
# Each alert is `XADD stream MAXLEN ~ N * f1 v1 f2 v2 ...`, as a redis-py XADD per alert was: the
# same entries, ids and trimming, for one script call instead of one command of ~26 arguments each.
APPEND_ALL = """
local stream, maxlen, rows = KEYS[1], ARGV[1], cjson.decode(ARGV[2])
local names, args, call = rows[1] or {}, {}, redis.call
local n = #names
for j = 1, n do
  args[2 * j - 1] = names[j]  -- the names once; each alert's values overwrite the rest
end
for i = 2, #rows do
  local row = rows[i]
  for j = 1, n do
    args[2 * j] = row[j]
  end
  call('XADD', stream, 'MAXLEN', '~', maxlen, '*', unpack(args, 1, 2 * n))
end
return math.max(#rows - 1, 0)
"""
MAX_CLOCK = """
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
"""


_STORE_HEADER = struct.Struct("<HI")
_FIX_NAME = struct.Struct("<BH")  # PUBLISH_FIXES: a fix's track bucket (255: not tracked), its subject's length
_UNTRACKED = 255
_SEEN = struct.Struct("<d")  # PARTITION: a seen time


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


# subject -> its kind, category, JSON head, and bucket, length and UTF-8 as PUBLISH_FIXES takes them
_HEADS: dict[str, tuple[Kind, str | None, str, bytes]] = {}
_ZONES: dict[frozenset[str], str] = {}  # a fix's zones -> the JSON of the one it is published with
_CACHE_MAX = 200_000  # subjects (and sets of zones) whose JSON is kept; the caches start over beyond


def _head(subject: str, kind: Kind, category: str | None) -> tuple[Kind, str | None, str, bytes]:
    if len(_HEADS) >= _CACHE_MAX:
        _HEADS.clear()
    head = (f'{{"subject":{orjson.dumps(subject).decode()},"kind":{orjson.dumps(str(kind)).decode()},'
            f'"category":{orjson.dumps(category or "").decode()}')
    name = subject.encode("utf-8")
    bucket = _UNTRACKED if kind is Kind.OTHER else track_bucket(subject)
    known = _HEADS[subject] = (kind, category, head, _FIX_NAME.pack(bucket, len(name)) + name)
    return known


def _zone(zones: frozenset[str]) -> str:
    if len(_ZONES) >= _CACHE_MAX:
        _ZONES.clear()
    text = _ZONES[zones] = orjson.dumps(min(zones)).decode() if zones else '""'
    return text


# The rest of a fix's JSON after its head, one template per shape of its time and heading (an integer
# time as %d, else with milliseconds; no heading is ""), each ending with a NUL: orjson escapes NUL
# inside strings and numbers have none, so the batch's text splits into its fixes there.
_TAILS = tuple(f',"lat":"%.6f","lon":"%.6f","ts":"{ts}","speed":"%.1f","heading":"{heading}","zone":%s}}\0'
               for heading in ("%g", "") for ts in ("%.3f", "%d"))


def _encode(pings: list[Ping], store: bool) -> tuple[bytes, list[bytes], list[int], dict[int, int], list[float]]:
    """A batch's fixes in one pass: their JSON, each ending with a NUL; per fix its subject as
    ``PUBLISH_FIXES`` takes it; with ``store``, per change of hour among the tracked fixes the fix's
    number and the hour's place among ``hours``, the hours, and the numbers of the tracked fixes'
    records (ts, lat, lon, speed each)."""
    heads, zones, tails, other = _HEADS, _ZONES, _TAILS, Kind.OTHER
    template: list[str] = []
    values: list[Any] = []
    names: list[bytes] = []
    runs: list[int] = []
    records: list[float] = []
    hours: dict[int, int] = {}
    add, put, name = template.append, values.extend, names.append
    start = end = 0.0  # the hour of the fix before: most fixes of a batch share it
    hour_of, hour_s = tracks.hour_of, tracks.HOUR_S
    for i, p in enumerate(pings, 1):
        kind, ts, heading, lat, lon, speed = p.kind, p.ts, p.heading, p.lat, p.lon, p.speed_kmh
        known = heads.get(p.subject)
        if known is None or known[0] is not kind or known[1] != p.category:
            known = _head(p.subject, kind, p.category)
        zone = zones.get(p.zones) or _zone(p.zones)
        if heading is None:
            add(tails[2 + float(ts).is_integer()])
            put((known[2], lat, lon, ts, speed, zone))
        else:
            add(tails[float(ts).is_integer()])
            put((known[2], lat, lon, ts, speed, heading, zone))
        name(known[3])
        if store and kind is not other:
            if not start <= ts < end:
                start = hour_of(ts)
                end = start + hour_s
                runs += (i, hours.setdefault(int(start), len(hours) + 1))
            records += (ts, lat, lon, speed)
    text = ("%s" + "%s".join(template)) % tuple(values) if pings else ""
    return text.encode(), names, runs, hours, records


def positions_json(pings: list[Ping]) -> list[bytes]:
    """``orjson.dumps(position_fields(p))`` of each fix, byte for byte, at about 0.6 of its cost (the
    worker writes one per fix): each subject's part and each zone's JSON are kept, and the numbers of
    the whole batch formatted by one ``%`` over one template (a cluster's commit; one server's is
    ``fixes_call``, over the same encoding).

    >>> p = Ping("粤B1", 22.5, 114.0, 1700000000.0, kind=Kind.VEHICLE, zones=frozenset({"Z2", "Z1"}))
    >>> positions_json([p]) == [orjson.dumps(position_fields(p))]
    True
    """
    return _encode(pings, False)[0].split(b"\0")[:-1]


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
    once: Any = None
    alerts: Any = None
    fixes: Any = None
    partition: Any = None

    @classmethod
    def register(cls, client: Any) -> Scripts:
        return cls(client.register_script(MAX_CLOCK), client.register_script(PUSH_TRACKS),
                   client.register_script(STORE_TRACKS), client.register_script(APPEND_ONCE),
                   client.register_script(APPEND_ALL), client.register_script(PUBLISH_FIXES),
                   client.register_script(PARTITION))


def alert_rows(alerts: Iterable[Alert]) -> bytes:
    """The alerts as ``APPEND_ALL`` takes them: a JSON list of the field names, then of each alert's values.

    Every value must be a string (cjson hands strings to ``XADD`` byte for byte; anything else would
    fail inside the transaction, after the rest of the commit): anything else raises here, before
    anything is sent, as redis-py's packing did.

    >>> alert_rows([])
    b'[]'
    """
    rows: list[Any] = [ALERT_FIELDS]  # the names once: half the strings to encode and for Lua to decode
    for a in alerts:
        values = a.field_values()
        try:
            "".join(values)  # a TypeError unless every value is a string (the cheapest check)
        except TypeError:
            fields = dict(zip(ALERT_FIELDS, values, strict=True))
            raise TypeError(f"alert {a.alert_id!r}: every field must be a string: {fields!r}") from None
        rows.append(values)
    return orjson.dumps(rows) if len(rows) > 1 else b"[]"


def queue_alerts(pipe: RedisPipeline, keys: Keys, alerts: Iterable[Alert], script: Any = None) -> None:
    """Append ``alerts`` to ``cc:alerts`` on ``pipe`` (one server), in one ``APPEND_ALL`` call
    (``script``: ``Scripts.alerts``, else registered here)."""
    alerts = list(alerts)
    if alerts:
        script = script or pipe.register_script(APPEND_ALL)
        script(keys=[keys.alerts], args=[ALERTS_MAXLEN, alert_rows(alerts)], client=pipe)


Call = tuple[Any, list[str], list[Any]]  # a script, its keys, its arguments


def _minid(wall_s: float) -> str:
    return f"{int((wall_s - POSITIONS_KEEP_S) * 1000)}-0"


def _queue_positions(pipe: RedisPipeline, keys: Keys, pings: list[Ping], wall_s: float) -> list[bytes]:
    """Publish accepted fixes (a cluster; one server: ``fixes_call``): one positions entry per batch
    and the latest per subject; returns each fix's JSON (for its track).

    The positions stream keeps ``POSITIONS_KEEP_S`` of wall time (entry ids are wall time): a batch
    holds up to ``CC_BATCH`` fixes, so a count bound would mean hundreds of MB at a city's rate.
    """
    if not pings:
        return []
    blobs = positions_json(pings)
    # the JSON array of the fixes is their JSON objects joined: each fix is serialized once
    pipe.xadd(keys.positions, {"fixes": b"[" + b",".join(blobs) + b"]"}, minid=_minid(wall_s), approximate=True)
    pipe.hset(keys.last, mapping={ping.subject: blob for ping, blob in zip(pings, blobs, strict=True)})
    return blobs


def fixes_call(keys: Keys, pings: list[Ping], script: Any, retention_s: float, wall_s: float) -> Call:
    """One server: the ``PUBLISH_FIXES`` call of a batch's fixes: the positions entry, ``cc:last``, the
    tracks of units and monitored vehicles and, unless ``retention_s`` is 0, the track store."""
    store = retention_s > 0
    data, names, runs, hours, records = _encode(pings, store)
    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 0)  # each fix's JSON ends with a NUL
    lengths = (np.diff(ends, prepend=-1) - 1).astype("<u4").tobytes()
    fixes = b"[" + data[:-1].replace(b"\0", b",") + b"]"  # the positions entry: the fixes' JSON array
    args: list[Any] = [MAX_TRACK, TRACK_TTL_MS, int(retention_s * 1000) if store else 0, _minid(wall_s)]
    args += [keys.trk_tag(b) for b in range(TRACK_BUCKETS)]
    args += [*hours, fixes, lengths, b"".join(names), struct.pack(f"<{len(runs)}I", *runs),
             struct.pack("<" + "dfff" * (len(records) // 4), *records)]
    return script, [keys.last, keys.positions], args


def _list_calls(keys: Keys, pings: list[Ping], blobs: list[bytes], script: Any, cluster: bool) -> list[Call]:
    lists: dict[int, tuple[list[str], list[bytes]]] = {}
    for ping, blob in zip(pings, blobs, strict=True):
        if ping.kind is not Kind.OTHER:
            names, values = lists.setdefault(track_bucket(ping.subject) if cluster else 0, ([], []))
            names.append(keys.track(ping.subject))
            values.append(blob)
    return [(script, names, [MAX_TRACK, TRACK_TTL_MS, *values]) for names, values in lists.values()]


def _store_calls(keys: Keys, pings: list[Ping], script: Any, retention_s: float, cluster: bool) -> list[Call]:
    if retention_s <= 0 or script is None:
        return []
    store: dict[int, dict[int, dict[str, list[bytes]]]] = {}
    pack = tracks.RECORD_STRUCT.pack
    for ping in pings:
        if ping.kind is not Kind.OTHER:
            store.setdefault(track_bucket(ping.subject), {}).setdefault(tracks.hour_of(ping.ts), {}).setdefault(
                ping.subject, []).append(pack(ping.ts, ping.lat, ping.lon, ping.speed_kmh))
    calls: list[Call] = []
    for bucket, hours in store.items():
        if cluster or not calls:
            calls.append((script, [], [int(retention_s * 1000)]))
        names, args = calls[-1][1], calls[-1][2]
        for hour, subjects in hours.items():
            parts = []
            for subject, records in subjects.items():
                name, data = subject.encode("utf-8"), b"".join(records)
                parts.append(_STORE_HEADER.pack(len(name), len(data)) + name + data)
            names.append(keys.trk_hour(hour, bucket))
            args.extend((f"{keys.trk_tag(bucket)}:", hour, b"".join(parts)))
    return calls


def track_calls(keys: Keys, pings: list[Ping], blobs: list[bytes], scripts: Scripts, retention_s: float,
                cluster: bool = False) -> list[Call]:
    """The script calls that keep the fixes of units and monitored vehicles: into the track store
    (core/tracks.py), or with ``retention_s`` 0 onto their track lists; one call per batch on a
    single server, one per track bucket on a cluster."""
    if retention_s > 0 and scripts.store is not None:
        return _store_calls(keys, pings, scripts.store, retention_s, cluster)
    return _list_calls(keys, pings, blobs, scripts.tracks, cluster)


def queue_track_store(pipe: RedisPipeline, keys: Keys, pings: list[Ping], store_script: Any,
                      retention_s: float) -> None:
    """Append the fixes of units and monitored vehicles to the track store on ``pipe`` (one server:
    one script call, one APPEND per subject and event-time hour; ``retention_s`` 0 stores nothing)."""
    for script, names, args in _store_calls(keys, pings, store_script, retention_s, cluster=False):
        script(keys=names, args=args, client=pipe)


def run_per_node(client: Any, calls: list[Call]) -> None:
    """Cluster: run script ``calls`` (each on keys of one slot) on one plain pipeline per node, a
    round trip per node (a cluster pipeline runs no scripts, and one call at a time would be a round
    trip each). A node gone, or one that has lost the slot (MOVED), refreshes the client's map of
    slots and raises ``ConnectionError``: the worker retries the batch as after any disconnect."""
    by_node: dict[str, tuple[Any, list[Call]]] = {}
    for call in calls:
        node = client.get_node_from_key(call[1][0])
        by_node.setdefault(node.name, (node, []))[1].append(call)
    try:
        for node, group in by_node.values():
            with client.get_redis_connection(node).pipeline(transaction=False) as pipe:
                for script, names, args in group:
                    script(keys=names, args=args, client=pipe)
                pipe.execute()
    except (*TRANSIENT, MovedError, AskError) as exc:  # past the cluster client: refresh its map of slots
        client.nodes_manager.initialize()
        raise redis.ConnectionError(f"cluster changed under a per-node pipeline: {exc}") from exc


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


def batch_counters(result: BatchResult, outcome: bool = True) -> dict[str, int]:
    """The ``cc:stats`` counters of a batch; with ``outcome`` also its alerts and dead letters (on
    a cluster those are counted when the outbox is drained)."""
    counters = dict(result.counters)
    if outcome:
        if result.dead:
            counters["deadletter"] = counters.get("deadletter", 0) + len(result.dead)
        counters["alerts"] = counters.get("alerts", 0) + len(result.alerts)
    return {name: n for name, n in counters.items() if n}


def dead_fields(d: DeadLetter) -> dict[str, str]:
    return {"stream": d.stream, "entry_id": d.entry_id, "raw": d.raw, "error": d.error}


_PACKED: dict[str, bytes] = {}  # subject -> [u16 length][UTF-8], as PARTITION reads a subject


def _packed(subject: str) -> bytes:
    if len(_PACKED) >= _CACHE_MAX:
        _PACKED.clear()
    name = subject.encode("utf-8")
    known = _PACKED[subject] = struct.pack("<H", len(name)) + name
    return known


def partition_args(result: BatchResult, states: dict[str, bytes],
                   seen_due: Collection[str] | None = None) -> list[bytes] | None:
    """The subjects' states and seen times as ``PARTITION`` takes them (None: nothing to write);
    ``seen_due``: the subjects whose seen time is written (None: every one that has one)."""
    packed = _PACKED
    blobs = list(states.values())
    names = b"".join([packed.get(s) or _packed(s) for s in states])
    lens = struct.pack(f"<{len(blobs)}I", *map(len, blobs))
    seen: list[bytes] = []
    stamp, touched = _SEEN.pack, result.states  # a seen time is a number: "d" packs an int as float() would
    for subject in touched if seen_due is None else [s for s in seen_due if s in touched]:
        if (t := touched[subject].get("seen")) is not None:
            seen += (stamp(t), packed.get(subject) or _packed(subject))
    if not blobs and not seen:
        return None
    return [names, lens, b"".join(blobs), b"".join(seen)]


def queue_partition(pipe: RedisPipeline, keys: Keys, p: int, result: BatchResult, states: dict[str, bytes],
                    outbox: bytes | None = None, script: Any = None, seen_due: Collection[str] | None = None) -> None:
    """The writes in partition ``p``'s slot: state, seen, units' last-seen and (cluster) the outbox;
    with ``script`` (``Scripts.partition``; one server) states and seen times in one call. Only the
    seen times of ``seen_due`` are written (None: all; streams.housekeeping.seen_moved)."""
    if script is not None:
        if args := partition_args(result, states, seen_due):
            script(keys=[keys.state(p), keys.seen(p)], args=args, client=pipe)
    else:
        if states:
            pipe.hset(keys.state(p), mapping=states)
        seen = {subject: float(st["seen"]) for subject, st in result.states.items()
                if "seen" in st and (seen_due is None or subject in seen_due)}
        if seen:
            pipe.zadd(keys.seen(p), seen)
    units = {ping.subject: ping.ts for ping in result.pings if ping.kind is Kind.UNIT}
    if units:
        pipe.zadd(keys.lastseen(p), units)
    if outbox is not None:
        pipe.rpush(keys.outbox(p), outbox)


def queue_shared(pipe: RedisPipeline, keys: Keys, result: BatchResult, reads: dict[str, bytes], scripts: Scripts,
                 wall_s: float, learn_window_s: float = DEFAULT_LEARN_WINDOW_S, track_retention_s: float = 0.0,
                 cluster: bool = False) -> list[Call]:
    """The writes outside the partition's slot: publication, tracks, the track store, reads, travel
    samples and counters (on a cluster without the alerts and dead letters: ``drain`` counts those).
    On a cluster the script calls of tracks and the track store are returned, for ``run_per_node``."""
    calls: list[Call] = []
    if cluster:
        blobs = _queue_positions(pipe, keys, result.pings, wall_s)
        calls = track_calls(keys, result.pings, blobs, scripts, track_retention_s, cluster)
    elif result.pings:
        script, names, args = fixes_call(keys, result.pings, scripts.fixes or pipe.register_script(PUBLISH_FIXES),
                                         track_retention_s, wall_s)
        script(keys=names, args=args, client=pipe)
    if reads:
        pipe.hset(keys.reads, mapping=reads)
    if result.samples:
        queue_samples(pipe, keys, result.samples, learn_window_s)
    for name, n in batch_counters(result, outcome=not cluster).items():
        pipe.hincrby(keys.stats, name, n)
    return calls


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
    seen_due: Collection[str] | None = None,
) -> None:
    """Queue everything of one batch on ``pipe`` (already in MULTI mode; one server); ``wall_s``
    (the wall clock) only bounds what is stored, never a rule; ``seen_due`` as in ``queue_partition``."""
    queue_alerts(pipe, keys, result.alerts, scripts.alerts)
    queue_partition(pipe, keys, p, result, states, script=scripts.partition, seen_due=seen_due)
    queue_shared(pipe, keys, result, reads, scripts, wall_s, learn_window_s, track_retention_s)
    if clock is not None:
        scripts.clock(keys=[keys.clock], args=[repr(clock)], client=pipe)
    for d in result.dead:
        pipe.xadd(keys.deadletter, dead_fields(d), maxlen=DEADLETTER_MAXLEN, approximate=True)


# --- cluster: the outbox ---------------------------------------------------------------------------
def outbox_record(alerts: Iterable[Alert], dead: Iterable[DeadLetter] = ()) -> bytes | None:
    """One outbox entry: the alerts (their fields) and dead letters of a commit; ``None`` when empty.

    >>> outbox_record([]) is None
    True
    """
    record = {"alerts": [a.to_fields() for a in alerts], "dead": [dead_fields(d) for d in dead]}
    return orjson.dumps(record) if record["alerts"] or record["dead"] else None


def _append_once(script: Any, stream: str, ids: list[str], rows: list[dict[str, str]], maxlen: int) -> int:
    if not rows:
        return 0
    args: list[Any] = [ONCE_TTL_S, maxlen]
    args += [orjson.dumps([x for kv in row.items() for x in kv]) for row in rows]
    return int(script(keys=[stream, *ids], args=args))


def _replicated(client: Any, names: list[str]) -> None:
    """Wait (``WAIT 1``, at most ``WAIT_MS``) until a replica of each node holding ``names`` has the
    writes so far, so a failover right after cannot lose them; nodes without replicas, no wait. A
    replica that does not answer in time is logged, not waited for forever: alerts keep flowing."""
    nodes = {}
    for name in names:
        slot = client.keyslot(name)
        if len(client.nodes_manager.slots_cache.get(slot, [])) > 1:
            node = client.get_node_from_key(name)
            nodes[node.name] = node
    for node in nodes.values():
        if int(client.execute_command("WAIT", 1, WAIT_MS, target_nodes=node)) < 1:
            log.warning("no replica of %s confirmed the appended alerts within %d ms", node.name, WAIT_MS)


def drain(client: Any, keys: Keys, p: int, scripts: Scripts, records: list[Any] | None = None) -> int:
    """Append the outbox records of partition ``p`` (all, or ``records`` just pushed) to
    ``cc:alerts`` and ``cc:deadletter`` exactly once, then take them out; the alerts appended."""
    if records is None:
        records = client.lrange(keys.outbox(p), 0, -1)
    total = 0
    for raw in records:
        record = orjson.loads(raw)
        alerts, dead = record.get("alerts", []), record.get("dead", [])
        n = _append_once(scripts.once, keys.alerts, [keys.alert_once(a["alert_id"]) for a in alerts], alerts,
                         ALERTS_MAXLEN)
        d = _append_once(scripts.once, keys.deadletter,
                         [keys.deadletter_once(x["stream"], x["entry_id"]) for x in dead], dead, DEADLETTER_MAXLEN)
        _replicated(client, ([keys.alerts] if alerts else []) + ([keys.deadletter] if dead else []))
        with client.pipeline(transaction=False) as pipe:
            if n:
                pipe.hincrby(keys.stats, "alerts", n)
            if d:
                pipe.hincrby(keys.stats, "deadletter", d)
            pipe.lrem(keys.outbox(p), 1, raw)
            pipe.execute()
        total += n
    return total
