"""The columnar fast path of ``Pipeline.process``: the same results, most of a batch at array speed.

``FastPipeline`` is a ``Pipeline`` whose ``process`` splits a batch by subject:

- **fast**: a plain ``type=gps`` entry whose subject appears once in the batch and whose fields are
  plain numbers (the common case: a city's devices each report every few seconds, a batch spans a
  fraction of that). One pass collects the fields; each numeric field of the batch is parsed in
  one call (orjson over the joined texts: JSON's numbers are a subset of what ``float`` reads, and
  orjson rounds as ``float`` does; a column with anything else is read ``float`` by ``float``). The
  range checks, the filters (invalid, future, duplicate, out of order, jump), the zone join (array
  indexing in the zones' raster, ``city.raster``, with each set of zones' speed limit and whether it
  forbids any category; the few points near an edge or outside by one STRtree query), the local
  minute (one ``Context.local_time`` per distinct minute) and the stateless half of the rules run as numpy operations over the batch:
  for each fix the batch knows which rules could leave an empty state non-empty or alert (over the
  limit, moving inside the night window, inside a forbidding zone; fatigue and zone_exit always).
  A rule's shortcut runs only for those and for the rules with a stored state, and its Python
  ``detect`` (streams/rules/) only where the shortcut cannot tell: an alert may fire, or the rule's
  state moves in a way the shortcut does not cover; a fix whose only rule state is fatigue's drive
  under way, which it keeps (moving, within the longest drive), with no other rule's bit set, runs
  no rule at all. A fix whose rules keep their states costs its ``Ping`` and a new state dict (its
  last fix and ``seen``) that shares the stored rule states.
- **reference**: everything else (plate reads, subjects with several entries in the batch, fields
  the fast parser does not take, entries for another partition, dead letters) goes through
  ``Pipeline.process`` unchanged.

Subjects never share state, so the two halves are independent; their outputs are merged back in
entry order (alerts, silences, pings). ``tests/streams/test_fastpath.py`` runs both paths on
random batches and demands identical alerts, states, publications, dead letters and counters.
Neither path modifies the states it is given; the fast path's returned states may share rule
states that did not change (dicts no rule mutates) with them.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any, cast

import numpy as np
import orjson

from city.citypack import CityPack
from city.geo import haversine_m, haversine_m_np
from core.keys import partition_of
from core.model import Alert, Kind, Ping
from core.timeutil import in_window
from core.values import MAX_ID_LEN
from streams.filters import MAX_JUMP_KMH, MAX_TS, MIN_JUMP_M
from streams.pipeline import BatchResult, Entry, Pipeline
from streams.rules import Detect, unit_offline

__all__ = ["FastPipeline", "as_fields", "flat_columns"]

log = logging.getLogger(__name__)

_NAN = math.nan
_NAN4 = (_NAN, _NAN, _NAN, _NAN)
_NO_ZONES: frozenset[str] = frozenset()
_EMPTY: Mapping[str, Any] = {}  # an absent state: read, never written
_NONE: dict[str, Any] = {}  # an absent rule state as a shortcut reads it (a shortcut never writes its state)
_NUMBERS = frozenset({int, float})
_FATIGUE_KEYS = frozenset({"drive", "slow", "alerted"})
# numpy's sin/cos may differ from the math module's in the last bits: a distance or speed this close
# (relatively) to a filter's threshold is computed again the reference's way
_GUARD = 1e-9
HOMES_MAX = 1_000_000  # subjects whose partition and identity are remembered
# per fix, the rules that may alert or move their state (decided for the whole batch); where its bit is
# clear a rule raises nothing and: _CLEAR, drops its state (overspeed at or under the limit); _KEEP, keeps
# it (night_ban outside the window or slow); _RUN, keeps none if it has none, else its shortcut decides
# (restricted_entry outside every forbidding zone, with zones it alerted for to re-arm)
_RESTRICTED, _OVER, _NIGHT, _ALWAYS = 1, 2, 4, 8
_CLEAR, _KEEP, _RUN = "clear", "keep", "run"
_QUIET = {"restricted_entry": (_RESTRICTED, _RUN), "overspeed": (_OVER, _CLEAR), "night_ban": (_NIGHT, _KEEP)}
_FAILED: dict[str, Any] = {"failed": True}  # a rule's detect raised: its state stays as it was
_ROW = 9  # items of an entry in _rows: index, entry, subject, lat, lon, ts, speed, heading, accuracy
_FIELDS = ("type", "id", "lat", "lon", "ts", "speed", "heading", "accuracy")  # what _rows reads, in _ROW's order
_REQUIRED = list(_FIELDS[:5])  # a fix without these is left to the reference path

Shortcut = Callable[[Ping, dict[str, Any]], "dict[str, Any] | None"]
Step = tuple[str, int, str, Shortcut, Detect]  # a rule: name, its bit, what its clear bit means, shortcut, detect
# kind, category, its rules, the union of their bits, and the bits of a fix on which only fatigue may move (-1: none)
Who = tuple[Kind, "str | None", tuple[Step, ...], int, int]


class FastPipeline(Pipeline):
    """``Pipeline`` with a columnar ``process``; the reference path notes where each output came from."""

    def __init__(self, city: CityPack, partitions: int | None = None, state_retention_s: float | None = None) -> None:
        super().__init__(city, partitions, state_retention_s)
        self._alert_from: list[str] = []  # entry id of each alert of the reference path, in order
        self._silence_from: list[str] = []
        self._limits: dict[frozenset[str], float] = {}
        self._forbids: dict[frozenset[str], frozenset[str]] = {}
        self._identity: dict[str, Who] = {}
        self._steps: dict[tuple[Kind, str | None], Who] = {}
        self._shortcuts = self._make_shortcuts()
        self._steady = _steady(self.city.fatigue.rest_speed, self.city.fatigue.max_drive_min * 60)
        self.last_fast = 0  # how many entries of the last batch took the fast path
        self._homes: dict[str, tuple[str, int]] = {}  # id as sent -> subject, partition (-1: never fast)
        self._by_set = self._raster_sets()  # (the raster is built here, not while a first batch waits)

    # --- the reference path, traced ------------------------------------------------------------
    def _detect(self, event: Any, st: dict[str, Any], out: BatchResult) -> None:
        n = len(out.alerts)
        super()._detect(event, st, out)
        self._alert_from += [event.entry_id] * (len(out.alerts) - n)

    def _accept(self, ping: Ping, st: dict[str, Any], horizon: float | None, out: BatchResult,
                committed_last: Mapping[str, Any]) -> bool:
        n = len(out.silences)
        ok = super()._accept(ping, st, horizon, out, committed_last)
        self._silence_from += [ping.entry_id] * (len(out.silences) - n)
        return ok

    # --- the split -------------------------------------------------------------------------------
    def process(
        self, entries: Sequence[Entry], states: Mapping[str, dict[str, Any]], horizon: float | None,
        partition: int | None = None, columns: Mapping[str, Sequence[Any]] | None = None,
    ) -> BatchResult:
        """``Pipeline.process``, the fast path's way. With ``columns`` (``flat_columns`` of the
        entries' fields, as the worker reads them ahead) each entry's fields are its flat list
        ``[name, value, ...]``, and become a dict only if the batch is not one the fast path takes
        whole."""
        found = self._uniform(entries, partition, columns)
        if found is None and columns is not None:  # flat fields: dicts, for the entry-by-entry way
            entries = [Entry(e.stream, e.entry_id, as_fields(e.fields)) for e in entries]
        cols = self._columns(entries, partition, found)
        fast = len(cols.index) if cols is not None else 0
        self.last_fast = fast
        if cols is None:
            slow = list(entries)
        elif fast < len(entries):
            taken = set(cols.index)
            slow = [e for i, e in enumerate(entries) if i not in taken]
        else:
            slow = []
        self._alert_from, self._silence_from = [], []
        ref = super().process(slow, states, horizon, partition) if slow else BatchResult()
        if cols is None:
            return ref
        mine = self._fast(cols, states, horizon)
        out = BatchResult()
        index = {e.entry_id: i for i, e in enumerate(entries)} if ref.alerts or ref.silences or ref.pings else {}
        out.alerts = _merge(mine.alerts, [(index[e], a) for e, a in zip(self._alert_from, ref.alerts, strict=True)])
        out.silences = _merge(mine.silences,
                              [(index[e], s) for e, s in zip(self._silence_from, ref.silences, strict=True)])
        out.pings = _merge(list(zip(mine.ping_at, mine.pings, strict=True)),
                           [(index[p.entry_id], p) for p in ref.pings]) if ref.pings else mine.pings
        out.reads, out.samples, out.dead = ref.reads, ref.samples, ref.dead
        out.states = {**ref.states, **mine.states} if ref.states else mine.states
        counters: Counter[str] = Counter(ref.counters)
        counters.update(mine.counters)
        counters["processed"] = len(entries)
        out.counters = counters
        return out

    def _columns(self, entries: Sequence[Entry], partition: int | None,
                 found: tuple[Sequence[Any], ...] | None) -> _Columns | None:
        """The entries the fast path takes (None: none), their fields as columns: ``found``, what
        ``_uniform`` read of the whole batch, else read entry by entry (``_rows``)."""
        if found is None:
            flat = self._rows(entries, partition)
            if not flat:
                return None
            found = tuple(flat[c::_ROW] for c in range(_ROW))
        index, ents, subjects, lat_s, lon_s, ts_s, speed_s, heading_s, acc_s = found
        (lat, _, no_lat, _), (lon, _, no_lon, _), (ts, _, no_ts, _) = (
            _numbers(c, False) for c in (lat_s, lon_s, ts_s))
        (a_speed, speed, no_sp, sp_absent), (a_heading, heading, no_hd, hd_absent), (a_acc, acc, no_ac, ac_absent) = (
            _numbers(c, True) for c in (speed_s, heading_s, acc_s))
        with np.errstate(invalid="ignore"):  # NaN (a sent "nan", or absent) fails every comparison
            ok = ((np.abs(lat) <= 90) & (np.abs(lon) <= 180) & (ts >= 0) & (ts < np.inf)
                  & _optional((a_speed >= 0) & (a_speed <= 1000), sp_absent)
                  & _optional(np.abs(a_heading) <= 360, hd_absent)
                  & _optional((a_acc >= 0) & (a_acc <= 1e7), ac_absent))
        for refused in (no_lat, no_lon, no_ts, no_sp, no_hd, no_ac):
            if refused is not None:  # float() refuses it: the reference parses it (or dead-letters it)
                ok &= ~refused
        cols = _Columns(index, ents, subjects, lat, lon, ts, a_speed, speed, heading, acc)
        if ok.all():
            return cols
        keep = np.flatnonzero(ok)
        return cols.take(keep) if len(keep) else None

    def _uniform(self, entries: Sequence[Entry], partition: int | None,
                 columns: Mapping[str, Sequence[Any]] | None = None) -> tuple[Sequence[Any], ...] | None:
        """``_rows``'s columns for the common batch, read at C speed (``itemgetter`` over every entry,
        one transposition; or ``columns``, read so already): every entry a ``type=gps`` fix with the
        same fields, all of them ones ``_rows`` reads, an id already seen (remembered as of this
        partition), no subject twice. None for any other batch: ``_rows`` decides entry by entry."""
        if not entries:
            return None
        n = len(entries)
        cols: Mapping[str, Sequence[Any]]
        try:
            if columns is None:
                fields = [e[2] for e in entries]  # Entry.fields
                first = fields[0]
                names = [k for k in _FIELDS if k in first]
                if len(names) != len(first) or names[:5] != _REQUIRED or len(set(map(len, fields))) != 1:
                    return None  # some other field, a required one missing, or entries of different shapes
                # same size and every name present: the same fields
                cols = dict(zip(names, zip(*map(itemgetter(*names), fields), strict=True), strict=True))
            else:
                names = [k for k in _FIELDS if k in columns]
                if len(names) != len(columns) or names[:5] != _REQUIRED:
                    return None
                cols = columns
            homes = list(map(self._homes.get, cols["id"]))
        except (KeyError, TypeError):
            return None
        if cols["type"].count("gps") != n or None in homes:
            return None  # not all fixes, or a first sighting (``_rows`` remembers it)
        known = cast("list[tuple[str, int]]", homes)
        check = partition is not None and bool(self.partitions)
        if any(home < 0 or (check and home != partition) for _, home in known):
            return None  # an id the fast path leaves to the reference, or another partition's (as _rows)
        subjects = [key for key, _ in known]
        if len(set(subjects)) != n or len(self._homes) > HOMES_MAX or len(self._identity) > HOMES_MAX:
            return None  # a subject twice (the reference path), or the memos due to be bounded (``_rows``)
        none = [None] * n
        return (list(range(n)), entries, subjects, cols["lat"], cols["lon"], cols["ts"], cols.get("speed", none),
                cols.get("heading", none), cols.get("accuracy", none))

    def _rows(self, entries: Sequence[Entry], partition: int | None) -> list[Any]:
        """The plain gps entries of this partition whose subject appears once in the batch: index, entry,
        subject and the numeric fields as sent, ``_ROW`` items each, one after the other in one list (no
        object per row: fewer allocations, fewer garbage collections)."""
        seen: list[str] = []  # subjects of the anpr and the other gps entries (then the fast ones): seen twice, the reference
        homes = self._homes
        if len(homes) > HOMES_MAX or len(self._identity) > HOMES_MAX:  # memos bounded, however many devices
            homes.clear()
            self._identity.clear()
        check = partition is not None and bool(self.partitions)
        flat: list[Any] = []
        for i, e in enumerate(entries):
            f = e.fields
            kind = f.get("type")
            if kind == "gps":
                raw = f.get("id")
            elif kind == "anpr":
                raw = f.get("plate")
                if isinstance(raw, str):
                    seen.append(raw.strip())
                continue
            else:
                continue
            if not isinstance(raw, str):
                continue
            memo = homes.get(raw)
            if memo is None:
                memo = homes[raw] = self._home(raw)
            key, home = memo
            if home < 0 or (check and home != partition):
                seen.append(key)
                continue
            flat += (i, e, key, f.get("lat"), f.get("lon"), f.get("ts"), f.get("speed"), f.get("heading"),
                     f.get("accuracy"))
        seen += flat[2::_ROW]
        if len(set(seen)) != len(seen):
            counts = Counter(seen)
            once = [r * _ROW for r, key in enumerate(flat[2::_ROW]) if counts[key] == 1]
            flat = [x for r in once for x in flat[r:r + _ROW]]
        return flat

    def _home(self, raw: str) -> tuple[str, int]:
        """The subject of an id as sent and its partition (-1: an id the fast path leaves to the reference)."""
        key = raw.strip()
        if not key or len(key) > MAX_ID_LEN or "\ufffd" in key:
            return key, -1
        return key, partition_of(key, self.partitions) if self.partitions else 0

    # --- the fast half ---------------------------------------------------------------------------
    def _fast(self, cols: _Columns, states: Mapping[str, dict[str, Any]], horizon: float | None) -> _Fast:
        mine = _Fast()
        olds, seen, last = self._prior(cols, states)
        dropped, later = self._filters(cols, last, horizon, mine)
        if dropped.any():
            for k in np.flatnonzero(dropped).tolist():
                mine.states[cols.subject[k]] = dict(olds[k])
            keep = np.flatnonzero(~dropped)
            if not len(keep):
                return mine
            cols, olds = cols.take(keep), _pick(olds, keep)
            seen, later, last = seen[keep], later[keep], last[keep]
        kmh = self._speeds(cols, later, last)
        zones, limit, forbid = self._zones(cols.lon, cols.lat)
        minutes, dates, minute = self._local_times(cols.ts)
        ban = self.city.night_ban
        night = (kmh > ban.min_speed) & _in_window(minute, ban.start_min, ban.end_min)
        bits = forbid * _RESTRICTED + (kmh > limit) * _OVER + night * _NIGHT + _ALWAYS
        self._emit(cols, olds, (zones, limit.tolist(), kmh.tolist(), minutes, dates, bits.tolist(),
                                       np.maximum(seen, cols.ts).tolist()), mine)
        return mine

    def _prior(self, cols: _Columns, states: Mapping[str, dict[str, Any]]) -> tuple[list[Mapping[str, Any]], Any, Any]:
        """Each fix's stored state (``_EMPTY``: none, or silent past the retention), its ``seen`` and its
        last fix (ts, lat, lon; NaN for none), read in one pass."""
        get = states.get
        olds: list[Mapping[str, Any]] = [get(s) or _EMPTY for s in cols.subject]
        ts = cols.ts
        rows = [(o.get("seen", t), _NAN, _NAN, _NAN) if (x := o.get("last")) is None
                else (o.get("seen", t), x["ts"], x["lat"], x["lon"]) for o, t in zip(olds, ts.tolist(), strict=True)]
        try:  # numbers (the stored states' own): one array without a row object each
            prior = np.fromiter(chain.from_iterable(rows), float, 4 * len(rows)).reshape(-1, 4)
            seen, last = prior[:, 0], prior[:, 1:]
        except (TypeError, ValueError):  # some stored value is not a number: float() of each, as before
            seen, last = np.array([r[0] for r in rows], float), None
        retention = self.state_retention_s
        if retention is not None:
            stale = ts - seen > retention  # silent past the retention: what it did then no longer counts
            if stale.any():
                for k in np.flatnonzero(stale).tolist():
                    olds[k], rows[k] = _EMPTY, _NAN4
                seen = np.where(stale, ts, seen)
                if last is not None:
                    last[stale] = _NAN
        if last is None:  # a stale state's last fix is not read
            last = np.array([r[1:] for r in rows], float).reshape(-1, 3)
        return olds, seen, last

    def _speeds(self, cols: _Columns, later: Any, last: Any) -> Any:
        """Each fix's speed: sent, else derived from the last fix the reference's way (it is published)."""
        absent = np.isnan(cols.a_speed)
        if not absent.any():
            return cols.a_speed
        kmh = np.where(absent, 0.0, cols.a_speed)
        lat, lon, ts = cols.lat, cols.lon, cols.ts
        for k in np.flatnonzero(absent & later).tolist():
            kmh[k] = haversine_m(float(last[k, 1]), float(last[k, 2]), float(lat[k]), float(lon[k])) / (
                float(ts[k]) - float(last[k, 0])) * 3.6
        return kmh

    def _emit(self, cols: _Columns, olds: list[Mapping[str, Any]], per_fix: tuple[list[Any], ...], mine: _Fast) -> None:
        """Each fix's ``Ping``, unit_offline of a unit back from a silence, rules, and new state."""
        identity, who_of, rules, silence, steady = self._identity, self._who, self._rules, self._silence, self._steady
        work, pings = mine.states, mine.pings
        mine.ping_at = list(cols.index)
        unit_kind = Kind.UNIT
        for (i, e, subject, old, la, lo, t, sp, hd, ac, zs, lim, v, m, d, b, s) in zip(
                cols.index, cols.entry, cols.subject, olds, cols.lat.tolist(), cols.lon.tolist(),
                cols.ts.tolist(), cols.speed, cols.heading, cols.accuracy, *per_fix, strict=True):
            kind, category, steps, mask, calm = identity.get(subject) or who_of(subject)
            ping = Ping(subject, la, lo, t, sp, hd, ac, e.entry_id, e.stream, kind, category, zs, lim, v, m, d)
            pings.append(ping)
            if kind is unit_kind and (before := old.get("last")) is not None:
                silence(subject, before, t, i, mine)
            if old is _EMPTY:
                st = {"last": {"ts": t, "lat": la, "lon": lo}, "seen": s}
            else:
                st = dict(old)
                st["last"] = {"ts": t, "lat": la, "lon": lo}
                st["seen"] = s
            rs = old.get("rules")
            if rs or b & mask:
                if not (b & mask == calm and rs and steady(rs, v, t)):
                    new = rules(ping, rs or _EMPTY, b, steps, i, mine)
                    if new is not rs:
                        if new:
                            st["rules"] = new
                        elif "rules" in st:
                            del st["rules"]
            elif "rules" in st:  # empty
                del st["rules"]
            work[subject] = st

    def _silence(self, subject: str, before: Mapping[str, Any], t: float, i: int, mine: _Fast) -> None:
        """unit_offline for a unit whose last fix (stored before this batch) is a silence ago."""
        found = unit_offline.detect_silent(
            {subject: (float(before["ts"]), float(before["lat"]), float(before["lon"]))}, t, self.city)
        mine.silences += [(i, (a, True)) for a in found]

    def _zones(self, lons: Any, lats: Any) -> tuple[list[frozenset[str]], Any, Any]:
        """``ZoneIndex.membership``, the speed limit in force and whether some zone forbids some category,
        per point: a point in a pure cell of the zones' raster (most) by array indexing, the others
        (outside the raster or near an edge) by ``membership`` itself."""
        index = self.ctx.zones
        if not index.zones:
            n = len(lons)
            return index.membership(lons, lats), np.full(n, self._limit(_NO_ZONES)), np.zeros(n, bool)
        sets, limits, forbids = self._by_set
        k = index.raster.lookup(lons, lats)
        out, limit, forbid = sets[k], limits[k], forbids[k]  # k = -1 (answer exactly) reads the spare
        exact = np.flatnonzero(k < 0)
        if len(exact):
            for j, zs in zip(exact.tolist(), index.membership(lons[exact], lats[exact]), strict=True):
                out[j] = zs
                limit[j] = self._limit(zs)
                forbid[j] = bool(self._forbidden(zs))
        zones: list[frozenset[str]] = out.tolist()
        return zones, limit, forbid

    def _raster_sets(self) -> tuple[Any, Any, Any]:
        """Per set of zones of the raster: the set, its speed limit, whether it forbids; then a spare."""
        index = self.ctx.zones
        sets = (*(index.raster.sets if index.zones else ()), _NO_ZONES)
        objects = np.empty(len(sets), dtype=object)
        objects[:] = sets
        return (objects, np.array([self._limit(s) for s in sets], dtype=float),
                np.array([bool(self._forbidden(s)) for s in sets], dtype=bool))

    def _limit(self, zones: frozenset[str]) -> float:
        """The speed limit in force in ``zones`` (``ZoneIndex.speed_limit``), remembered."""
        found = self._limits.get(zones)
        if found is None:
            found = self._limits[zones] = self.ctx.zones.speed_limit(zones, self.city.default_speed_limit)
        return found

    def _local_times(self, ts: Any) -> tuple[list[int], list[str], Any]:
        """``Context.local_time`` of each time (minute, date; and the minutes as an array): one call per
        distinct minute, which is what it caches by."""
        local_time = self.ctx.local_time
        keys = ts // 60  # the float floor division of Context.local_time's key, element by element
        n = len(keys)
        first, final = float(keys.min()), float(keys.max())
        if first == final:
            m, d = local_time(first * 60.0)
            return [m] * n, [d] * n, np.full(n, m)
        distinct, where = np.unique(keys, return_inverse=True)
        pairs = [local_time(k * 60.0) for k in distinct.tolist()]
        minute = np.array([m for m, _ in pairs])[where]
        dates = np.array([d for _, d in pairs], dtype=object)[where]
        return minute.tolist(), dates.tolist(), minute

    def _who(self, subject: str) -> Who:
        """Kind and category (enrich_identity), the rules that concern them (_rules_for) and their bits;
        remembered per subject (the same tuple for every subject of a kind and category)."""
        city = self.city
        if subject in city.units:
            kind, category = Kind.UNIT, None
        else:
            vehicle = city.vehicles.get(subject)
            kind, category = (Kind.VEHICLE, vehicle.category) if vehicle is not None else (Kind.OTHER, None)
        found = self._steps.get((kind, category))
        if found is None:
            probe = Ping(subject, 0.0, 0.0, 0.0, kind=kind, category=category)
            steps = tuple((r.name, *_QUIET.get(r.name, (_ALWAYS, _RUN)), self._shortcuts[r.name], r.detect)
                          for r in self._rules_for(probe))
            mask = 0
            for step in steps:
                mask |= step[1]
            names = [step[0] for step in steps if step[1] == _ALWAYS]
            calm = _ALWAYS if names == ["fatigue"] else -1  # fatigue the only rule that always runs
            found = self._steps[(kind, category)] = (kind, category, steps, mask, calm)  # one for all of them
        self._identity[subject] = found
        return found

    def _filters(self, cols: _Columns, last: Any, horizon: float | None, mine: _Fast) -> tuple[Any, Any]:
        """The filters of streams/filters.py in FILTERS' order over the batch given the last fixes (ts,
        lat, lon; NaN for none): the drop mask (the first filter that fires names it) and which fixes
        follow a last fix in time."""
        n = len(last)
        last_ts, last_lat, last_lon = last[:, 0], last[:, 1], last[:, 2]
        lat, lon, ts = cols.lat, cols.lon, cols.ts
        has_last = ~np.isnan(last_ts)
        later = has_last & (ts > last_ts)
        dist = np.zeros(n)
        if later.any():
            dist[later] = haversine_m_np(last_lat[later], last_lon[later], lat[later], lon[later])
        kmh = dist / np.where(later, ts - last_ts, 1.0) * 3.6
        jump = later & (dist > MIN_JUMP_M) & (kmh > MAX_JUMP_KMH)
        near = later & ((np.abs(dist - MIN_JUMP_M) <= _GUARD * MIN_JUMP_M)
                        | (np.abs(kmh - MAX_JUMP_KMH) <= _GUARD * MAX_JUMP_KMH))
        for k in np.flatnonzero(near).tolist():  # too close to call with numpy's sin and cos
            d = haversine_m(float(last_lat[k]), float(last_lon[k]), float(lat[k]), float(lon[k]))
            jump[k] = d > MIN_JUMP_M and d / (float(ts[k]) - float(last_ts[k])) * 3.6 > MAX_JUMP_KMH
        reasons = (("invalid", (ts > MAX_TS) | ((lat == 0) & (lon == 0))),
                   ("future", (ts > horizon) if horizon is not None else None),
                   ("duplicate", has_last & (ts == last_ts)), ("out_of_order", has_last & (ts < last_ts)),
                   ("jump", jump))
        dropped = np.zeros(n, bool)
        for name, mask in reasons:
            if mask is None:
                continue
            fired = mask & ~dropped
            if count := int(fired.sum()):
                mine.counters[f"dropped:{name}"] += count
                dropped |= fired
        return dropped, later

    # --- the rules -------------------------------------------------------------------------------
    def _rules(self, ping: Ping, rs: Mapping[str, Any], bits: int, steps: tuple[Step, ...], i: int,
               mine: _Fast) -> Mapping[str, Any]:
        """``Pipeline._detect`` for one fix on its rule states ``rs``: the new rule states (``rs`` itself
        when none changed). Where its bit is clear a rule raises nothing and its state follows from
        ``_QUIET``; otherwise its shortcut runs, and its ``detect`` where the shortcut cannot tell.

        A shortcut that fails on a broken stored state leaves the rule to ``detect``, which fails the
        same way and is logged and counted as the reference does.
        """
        new, get = rs, rs.get
        for name, bit, quiet, shortcut, detect in steps:
            cur = get(name)
            if not bits & bit:
                if cur and quiet is _KEEP:
                    continue
                if not cur or quiet is _CLEAR:
                    if name in rs:
                        new = _without(new, rs, name)
                    continue
            try:
                res = shortcut(ping, cur or _NONE)
            except Exception:
                res = None
            if res is None:
                res = self._run(name, detect, ping, cur or {}, i, mine)
            if res is cur or res is _FAILED:
                continue
            if res:
                new = dict(rs) if new is rs else new
                new[name] = res  # type: ignore[index]
            elif name in rs:
                new = _without(new, rs, name)
        return new

    def _run(self, name: str, detect: Detect, ping: Ping, cur: dict[str, Any], i: int,
             mine: _Fast) -> dict[str, Any]:
        """A rule's ``detect``: its new state (``_FAILED`` if it raised: logged, counted, the chain goes on)."""
        try:
            res, found = detect(ping, cur, self.city)
        except Exception:  # as the reference
            log.exception("rule %s failed on %s %s", name, ping.stream, ping.entry_id)
            mine.counters[f"errors:{name}"] += 1
            return _FAILED
        for a in found:
            mine.alerts.append((i, a))
        return res

    def _make_shortcuts(self) -> dict[str, Shortcut]:
        """Per rule: its new state when it certainly raises no alert, else None (run the rule); the
        state given itself when it does not change."""
        city = self.city
        rest, max_drive_s = city.fatigue.rest_speed, city.fatigue.max_drive_min * 60
        ban = city.night_ban
        units = city.units
        forbidden = self._forbidden

        def overspeed(ping: Ping, cur: dict[str, Any]) -> dict[str, Any] | None:
            if ping.speed_kmh <= ping.speed_limit:
                return {}
            over = min(2, int(cur.get("over", 0)) + 1)
            alerted = bool(cur.get("alerted"))
            if over < 2 or alerted:  # the state given itself if it is the new one (no dict to compare)
                if len(cur) == 2 and cur.get("over") == over and cur.get("alerted") == alerted:
                    return cur
                return {"over": over, "alerted": alerted}
            return None

        def night_ban(ping: Ping, cur: dict[str, Any]) -> dict[str, Any] | None:
            quiet = ping.speed_kmh <= ban.min_speed or not in_window(ping.local_minute, ban.start_min, ban.end_min)
            return cur if quiet else None

        def restricted_entry(ping: Ping, cur: dict[str, Any]) -> dict[str, Any] | None:
            return None if cur.get("alerted") or (ping.category or "") in forbidden(ping.zones) else {}

        def zone_exit(ping: Ping, cur: dict[str, Any]) -> dict[str, Any] | None:
            unit = units.get(ping.subject)
            if unit is None:
                return None
            inside = unit.zone in ping.zones
            return {"inside": inside} if inside or not cur.get("inside") else None

        return {"overspeed": overspeed, "fatigue": _fatigue(rest, max_drive_s), "night_ban": night_ban,
                "restricted_entry": restricted_entry, "zone_exit": zone_exit,
                "watchlist_hit": _never, "cloned_plate": _never}

    def _forbidden(self, zones: frozenset[str]) -> frozenset[str]:
        """The categories that some restricted zone of ``zones`` forbids (at some hour)."""
        found = self._forbids.get(zones)
        if found is None:
            by_id = self.city.zones_by_id
            found = self._forbids[zones] = frozenset().union(
                *(z.forbid for zid in zones if (z := by_id.get(zid)) is not None and z.kind == "restricted"))
        return found


def _fatigue(rest: float, max_drive_s: float) -> Shortcut:
    """The fatigue rule's shortcut for a city's rest speed and longest drive."""

    def fatigue(ping: Ping, cur: dict[str, Any]) -> dict[str, Any] | None:
        if not cur:  # the first fix: a drive starts, or a stop does
            if ping.speed_kmh < rest:
                return {"slow": ping.ts}
            return {"drive": ping.ts} if max_drive_s >= 0 else None
        if ping.speed_kmh < rest:
            return None
        if len(cur) == 1:  # a drive under way, the common state
            drive = cur.get("drive")
            return cur if drive is not None and ping.ts - float(drive) <= max_drive_s else None
        if "drive" not in cur or "slow" in cur or not cur.keys() <= _FATIGUE_KEYS:
            return None
        return cur if cur.get("alerted") or ping.ts - float(cur["drive"]) <= max_drive_s else None

    return fatigue


def _steady(rest: float, max_drive_s: float) -> Callable[[Mapping[str, Any], float, float], bool]:
    """Whether rule states ``rs`` are fatigue's drive under way alone, and a fix at speed ``kmh`` and time
    ``ts`` leaves it so (the fatigue shortcut's answer ``cur``, without a ``Ping``): where no other rule
    has a state or its bit set, no rule state moves."""

    def steady(rs: Mapping[str, Any], kmh: float, ts: float) -> bool:
        if len(rs) != 1 or type(cur := rs.get("fatigue")) is not dict or len(cur) != 1:
            return False
        drive = cur.get("drive")
        return isinstance(drive, (float, int)) and kmh >= rest and ts - drive <= max_drive_s

    return steady


def _never(ping: Ping, cur: dict[str, Any]) -> None:
    return None


def _without(new: Mapping[str, Any], rs: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """``new`` (``rs`` or a copy of it already changed) without ``name``, ``rs`` left as it is."""
    out = dict(rs) if new is rs else new
    del out[name]  # type: ignore[attr-defined]
    return out


def flat_columns(flats: Sequence[Sequence[Any]]) -> dict[str, list[Any]] | None:
    """Stream entries' fields as Redis sends them, one flat list ``[name, value, ...]`` per entry, as
    columns ``{name: [value per entry]}``: when every entry has the same names in the same order,
    each name once; else None. Two C-speed passes, no dict per entry.

    >>> flat_columns([["id", "A", "ts", "1"], ["id", "B", "ts", "2"]])
    {'id': ['A', 'B'], 'ts': ['1', '2']}
    >>> flat_columns([["id", "A"], ["ts", "2"]]), flat_columns([["id", "A", "id", "B"]]), flat_columns([])
    (None, None, None)
    >>> flat_columns([["id", "A"], None])
    """
    first = flats[0] if flats else None
    try:
        if not first or len(first) % 2 or len(set(map(len, flats))) != 1:
            return None
    except TypeError:  # an entry with no fields (None: deleted from the stream since it was delivered)
        return None
    names = list(first[0::2])
    if len(set(names)) != len(names):
        return None
    flat = list(chain.from_iterable(flats))
    if flat[0::2] != names * len(flats):
        return None
    values, k = flat[1::2], len(names)
    return {name: values[j::k] for j, name in enumerate(names)}


def as_fields(flat: Sequence[Any] | Mapping[str, Any] | None) -> dict[str, Any]:
    """One entry's flat ``[name, value, ...]`` as the dict redis-py would have made (a repeated name:
    its last value; None: no fields); a mapping as a dict.

    >>> as_fields(["id", "A", "ts", "1", "id", "B"]), as_fields(None), as_fields({"id": "A"})
    ({'id': 'B', 'ts': '1'}, {}, {'id': 'A'})
    """
    if flat is None:
        return {}
    if isinstance(flat, Mapping):
        return dict(flat)
    pairs = iter(flat)
    return dict(zip(pairs, pairs, strict=False))


def _numbers(values: Sequence[Any], optional: bool) -> tuple[Any, list[float | None], Any, Any]:
    """``float()`` of each value: as an array (NaN where absent or refused), as a list (None there), where
    ``float()`` refuses one or it is not text, and where an optional one is absent (None or blank); each
    mask None where it holds nowhere.

    >>> a, sent, refused, absent = _numbers(["1.5", " -0 ", "2"], False)
    >>> a.tolist(), sent, refused, absent
    ([1.5, -0.0, 2.0], [1.5, -0.0, 2.0], None, None)
    >>> a, sent, refused, absent = _numbers(["1e3", None, " ", "x", "1_0", "nan"], True)
    >>> sent[:5], refused.tolist(), absent.tolist()
    ([1000.0, None, None, None, 10.0], [False, False, False, True, False, False], [False, True, True, False, False, False])
    """
    n = len(values)
    if optional and values.count(None) == n:
        return np.full(n, _NAN), list(values), None, np.ones(n, bool)
    try:
        parsed = orjson.loads("[" + ",".join(values) + "]")
    except (TypeError, orjson.JSONDecodeError):
        parsed = None
    if parsed is not None and len(parsed) == n and set(map(type, parsed)) <= _NUMBERS:
        array = np.array(parsed, float)
        for k in np.flatnonzero(array == 0).tolist():  # JSON reads "-0" as the integer 0, float() as -0.0
            array[k] = float(values[k])
        return array, array.tolist(), None, None
    sent: list[float | None] = []
    refused, absent = np.zeros(n, bool), np.zeros(n, bool)
    for k, v in enumerate(values):
        if optional and (v is None or (isinstance(v, str) and not v.strip())):
            sent.append(None)
            absent[k] = True
            continue
        number = None  # anything but text is left to the reference
        if isinstance(v, str):
            with contextlib.suppress(ValueError):
                number = float(v)
        sent.append(number)
        refused[k] = number is None
    return np.array(sent, float), sent, refused if refused.any() else None, absent if absent.any() else None


def _pick(values: list[Any], keep: Any) -> list[Any]:
    return [values[k] for k in keep.tolist()]


def _in_window(minute: Any, start: int, end: int) -> Any:
    """``timeutil.in_window`` over an array of minutes."""
    if start == end:
        return np.zeros(len(minute), bool)
    if start < end:
        return (minute >= start) & (minute < end)
    return (minute >= start) | (minute < end)


@dataclass(slots=True)
class _Columns:
    """The fast entries: their indexes in the batch, the entries, subjects, and their fields
    (the numbers as arrays; the optional ones also as sent, None where absent)."""

    index: Sequence[int]
    entry: Sequence[Entry]
    subject: Sequence[str]
    lat: Any
    lon: Any
    ts: Any
    a_speed: Any  # NaN where absent
    speed: Sequence[float | None]
    heading: Sequence[float | None]
    accuracy: Sequence[float | None]

    def take(self, keep: Any) -> _Columns:
        """The rows at the (sorted) positions ``keep``."""
        take = keep.tolist()
        index, entry, subject, speed, heading, accuracy = (
            [col[k] for k in take] for col in (self.index, self.entry, self.subject, self.speed, self.heading,
                                               self.accuracy))
        return _Columns(index, entry, subject, self.lat[keep], self.lon[keep], self.ts[keep], self.a_speed[keep],
                        speed, heading, accuracy)


def _optional(valid: Any, absent: Any) -> Any:
    """``valid`` where a value was sent; true where it was absent (``absent`` None: nowhere)."""
    return valid if absent is None else valid | absent


class _Fast:
    """The fast half's outputs, each with the index of the entry it came from."""

    def __init__(self) -> None:
        self.alerts: list[tuple[int, Alert]] = []
        self.silences: list[tuple[int, tuple[Alert, bool]]] = []
        self.pings: list[Ping] = []
        self.ping_at: list[int] = []  # the entry index of each ping
        self.states: dict[str, dict[str, Any]] = {}
        self.counters: Counter[str] = Counter()


def _merge(a: list[tuple[int, Any]], b: list[tuple[int, Any]]) -> list[Any]:
    """Two lists of (entry index, item), each in entry order, as one list of items in entry order."""
    if not b:
        return [x for _, x in a]
    if not a:
        return [x for _, x in b]
    return [x for _, x in sorted(a + b, key=lambda pair: pair[0])]
