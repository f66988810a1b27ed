"""The columnar fast path of ``Pipeline.process``: the same results, most of a batch at array speed.

``FastPipeline`` is a ``Pipeline`` whose ``process`` splits a batch by subject:

- **fast**: a plain ``type=gps`` entry whose subject appears once in the batch and whose fields are
  plain numbers (the common case: a city's devices each report every few seconds, a batch spans a
  fraction of that). These are parsed into columns in one pass; the range checks, the filters
  (invalid, future, duplicate, out of order, jump) and the zone join (one STRtree query for the
  batch, array indexing for points in a single zone) run as numpy operations over the batch; the
  speed limit in force is looked up once per set of zones. A rule's Python ``detect``
  (streams/rules/) is called only where its outcome can change: an alert may fire, or the rule's
  state moves in a way its shortcut does not cover. The shortcuts (over the limit or not, inside
  the night window or not, a forbidding zone or not, still driving) are a few comparisons per fix:
  as numpy operations they would cost more than they save at a batch's size.
- **reference**: everything else (plate reads, subjects with several entries in the batch, fields
  the fast parser does not take, entries for another partition, dead letters) goes through
  ``Pipeline.process`` unchanged.

Subjects never share state, so the two halves are independent; their outputs are merged back in
entry order (alerts, silences, pings). ``tests/streams/test_fastpath.py`` runs both paths on
random batches and demands identical alerts, states, publications, dead letters and counters.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from city.citypack import CityPack
from city.geo import haversine_m, haversine_m_np
from core.keys import partition_of
from core.model import Alert, Kind, Ping
from core.timeutil import in_window
from core.values import MAX_ID_LEN
from streams.filters import MAX_JUMP_KMH, MAX_TS, MIN_JUMP_M
from streams.pipeline import ANPR_DETECTORS, GPS_DETECTORS, BatchResult, Entry, Pipeline
from streams.rules import unit_offline

__all__ = ["FastPipeline"]

log = logging.getLogger(__name__)

_NAN = math.nan
_NO_ZONES: frozenset[str] = frozenset()
_FATIGUE_KEYS = frozenset({"drive", "slow", "alerted"})
# numpy's sin/cos may differ from the math module's in the last bits: a distance or speed this close
# (relatively) to a filter's threshold is computed again the reference's way
_GUARD = 1e-9
HOMES_MAX = 1_000_000  # subjects whose partition and identity are remembered


class FastPipeline(Pipeline):
    """``Pipeline`` with a columnar ``process``; the reference path notes where each output came from."""

    def __init__(self, city: CityPack, partitions: int | None = None, state_retention_s: float | None = None) -> None:
        super().__init__(city, partitions, state_retention_s)
        self._alert_from: list[str] = []  # entry id of each alert of the reference path, in order
        self._silence_from: list[str] = []
        self._limits: dict[frozenset[str], float] = {}
        self._forbids: dict[frozenset[str], frozenset[str]] = {}
        self._identity: dict[str, tuple[Kind, str | None, tuple[str, ...]]] = {}
        self._names: dict[tuple[Kind, str | None], tuple[str, ...]] = {}
        self._detectors = {r.name: r.detect for r in (*GPS_DETECTORS, *ANPR_DETECTORS)}
        self._shortcuts = self._make_shortcuts()
        self.last_fast = 0  # how many entries of the last batch took the fast path
        self._homes: dict[str, int] = {}  # subject -> partition
        ids = [z.id for z in self.ctx.zones.zones]
        self._single = np.empty(len(ids), dtype=object)  # zone index -> the frozenset of that zone alone
        for j, zid in enumerate(ids):
            self._single[j] = frozenset((zid,))

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
        partition: int | None = None,
    ) -> BatchResult:
        cols = self._columns(entries, partition)
        fast: list[int] = cols.index if cols is not None else []
        self.last_fast = len(fast)
        taken = set(fast)
        slow = [e for i, e in enumerate(entries) if i not in taken] if fast else list(entries)
        self._alert_from, self._silence_from = [], []
        ref = super().process(slow, states, horizon, partition) if slow else BatchResult()
        if cols is None:
            return ref
        mine = self._fast(entries, cols, states, horizon)
        index = {e.entry_id: i for i, e in enumerate(entries)}
        out = BatchResult()
        out.alerts = _merge(mine.alerts, [(index[e], a) for e, a in zip(self._alert_from, ref.alerts, strict=True)])
        out.silences = _merge(mine.silences,
                              [(index[e], s) for e, s in zip(self._silence_from, ref.silences, strict=True)])
        out.pings = _merge(mine.pings, [(index[p.entry_id], p) for p in ref.pings])
        out.reads, out.samples, out.dead = ref.reads, ref.samples, ref.dead
        out.states = {**ref.states, **mine.states}
        counters: Counter[str] = Counter(ref.counters)
        counters.update(mine.counters)
        counters["processed"] = len(entries)
        out.counters = counters
        return out

    def _columns(self, entries: Sequence[Entry], partition: int | None) -> _Columns | None:
        """The entries the fast path takes (None: none), their fields as columns."""
        counts: dict[str, int] = {}  # entries per subject (gps or anpr): a subject seen twice is the reference's
        homes = self._homes
        if len(homes) > HOMES_MAX or len(self._identity) > HOMES_MAX:  # memos bounded, however many devices
            homes.clear()
            self._identity.clear()
        parts = self.partitions if partition is not None else None
        found: list[tuple[Any, ...]] = []
        for i, e in enumerate(entries):
            f = e.fields
            kind = f.get("type")
            raw = f.get("id") if kind == "gps" else f.get("plate") if kind == "anpr" else None
            if not isinstance(raw, str):
                continue
            key = raw.strip()
            counts[key] = counts.get(key, 0) + 1
            if kind != "gps" or not key or len(key) > MAX_ID_LEN or "\ufffd" in key:
                continue
            if parts:
                home = homes.get(key)
                if home is None:
                    home = homes[key] = partition_of(key, parts)
                if home != partition:
                    continue
            sp, hd, ac = f.get("speed"), f.get("heading"), f.get("accuracy")
            try:
                found.append((i, key, float(f["lat"]), float(f["lon"]), float(f["ts"]),
                              None if sp is None or not sp.strip() else float(sp),
                              None if hd is None or not hd.strip() else float(hd),
                              None if ac is None or not ac.strip() else float(ac)))
            except (KeyError, ValueError, TypeError, AttributeError):
                continue  # missing or spelled some other way: the reference parses it (or dead-letters it)
        rows = [r for r in found if counts[r[1]] == 1]
        if not rows:
            return None
        index, subjects, lat, lon, ts, speed, heading, acc = zip(*rows, strict=True)
        a_lat, a_lon, a_ts = np.array(lat, float), np.array(lon, float), np.array(ts, float)
        a_speed, a_heading, a_acc = np.array(speed, float), np.array(heading, float), np.array(acc, float)
        with np.errstate(invalid="ignore"):  # NaN (a sent "nan", or absent) fails every comparison
            ok = ((np.abs(a_lat) <= 90) & (np.abs(a_lon) <= 180) & (a_ts >= 0) & (a_ts < np.inf)
                  & _optional(speed, (a_speed >= 0) & (a_speed <= 1000))
                  & _optional(heading, np.abs(a_heading) <= 360)
                  & _optional(acc, (a_acc >= 0) & (a_acc <= 1e7)))
        if not ok.all():
            keep = np.flatnonzero(ok)
            if not len(keep):
                return None
            take = keep.tolist()
            index, subjects = tuple(index[k] for k in take), tuple(subjects[k] for k in take)
            speed, heading, acc = (tuple(col[k] for k in take) for col in (speed, heading, acc))
            a_lat, a_lon, a_ts = a_lat[keep], a_lon[keep], a_ts[keep]
        return _Columns(list(index), list(subjects), a_lat, a_lon, a_ts, list(speed), list(heading), list(acc))

    # --- the fast half ---------------------------------------------------------------------------
    def _fast(self, entries: Sequence[Entry], cols: _Columns, states: Mapping[str, dict[str, Any]],
              horizon: float | None) -> _Fast:
        mine = _Fast()
        subjects, ts_list = cols.subject, cols.ts.tolist()
        retention = self.state_retention_s
        work: dict[str, dict[str, Any]] = {}
        lasts: list[Any] = []
        for subject, t in zip(subjects, ts_list, strict=True):
            st = dict(states.get(subject) or ())
            if retention is not None and t - float(st.get("seen", t)) > retention:
                st = {}
            if "rules" in st:
                st["rules"] = dict(st["rules"])
            work[subject] = st
            lasts.append(st.get("last"))
        mine.states = work
        dropped, dist_ok, last_ts, last_lat, last_lon = self._filters(cols, lasts, horizon, mine)
        kept = np.flatnonzero(~dropped)
        if not len(kept):
            return mine
        lat, lon = cols.lat, cols.lon
        kept_list = kept.tolist()
        # speed: sent, else derived from the last fix the reference's way (it is published)
        speed_kmh: list[float] = [0.0] * len(subjects)
        for k in kept_list:
            sent = cols.speed[k]
            if sent is not None:
                speed_kmh[k] = sent
            elif dist_ok[k]:
                speed_kmh[k] = haversine_m(last_lat[k], last_lon[k], float(lat[k]), float(lon[k])) / (
                    ts_list[k] - last_ts[k]) * 3.6
        # enrich: zones (one tree query), the limit in force, local time, identity
        ctx, city = self.ctx, self.city
        zones = self._zones(lon[kept], lat[kept])
        default, limits, identity = city.default_speed_limit, self._limits, self._identity
        lat_list, lon_list = lat.tolist(), lon.tolist()
        index, heading, acc = cols.index, cols.heading, cols.accuracy
        unit_kind = Kind.UNIT
        for j, k in enumerate(kept_list):
            subject, zs, t = subjects[k], zones[j], ts_list[k]
            limit = limits.get(zs)
            if limit is None:
                limit = limits[zs] = ctx.zones.speed_limit(zs, default)
            who = identity.get(subject)
            if who is None:
                who = identity[subject] = self._who(subject)
            minute, date = ctx.local_time(t)
            i = index[k]
            entry = entries[i]
            ping = Ping(subject, lat_list[k], lon_list[k], t, cols.speed[k], heading[k], acc[k], entry.entry_id,
                        entry.stream, who[0], who[1], zs, limit, speed_kmh[k], minute, date)
            st = work[subject]
            before = lasts[k]
            st["last"] = {"ts": t, "lat": ping.lat, "lon": ping.lon}
            if before is not None and who[0] is unit_kind:
                found = unit_offline.detect_silent(
                    {subject: (float(before["ts"]), float(before["lat"]), float(before["lon"]))}, t, city)
                mine.silences += [(i, (a, True)) for a in found]
            st["seen"] = max(float(st.get("seen", t)), t)
            mine.pings.append((i, ping))
            self._rules(ping, st, i, who[2], mine)
        return mine

    def _zones(self, lons: Any, lats: Any) -> list[frozenset[str]]:
        """``ZoneIndex.membership`` (one STRtree query): points in exactly one zone (most, in a city
        tiled by patrol zones) are mapped by array indexing, the others by ``membership`` itself."""
        index = self.ctx.zones
        n = len(lons)
        if not index.zones:
            return index.membership(lons, lats)
        point, zone = index.tree.query(shapely.points(lons, lats), predicate="intersects")
        per_point = np.bincount(point, minlength=n)
        out = np.full(n, _NO_ZONES, dtype=object)
        one = per_point[point] == 1
        out[point[one]] = self._single[zone[one]]
        several = np.flatnonzero(per_point > 1)
        if len(several):
            for k, zs in zip(several.tolist(), index.membership(lons[several], lats[several]), strict=True):
                out[k] = zs
        zones: list[frozenset[str]] = out.tolist()
        return zones

    def _who(self, subject: str) -> tuple[Kind, str | None, tuple[str, ...]]:
        """Kind, category (enrich_identity) and the names of the rules that concern them (_rules_for)."""
        city = self.city
        if subject in city.units:
            kind, category = Kind.UNIT, None
        else:
            vehicle = city.vehicles.get(subject)
            kind, category = (Kind.VEHICLE, vehicle.category) if vehicle is not None else (Kind.OTHER, None)
        names = self._names.get((kind, category))
        if names is None:
            probe = Ping(subject, 0.0, 0.0, 0.0, kind=kind, category=category)
            names = self._names[(kind, category)] = tuple(r.name for r in self._rules_for(probe))
        return kind, category, names

    def _filters(self, cols: _Columns, lasts: list[Any], horizon: float | None,
                 mine: _Fast) -> tuple[Any, list[bool], list[float], list[float], list[float]]:
        """The filters of streams/filters.py in FILTERS' order over the batch: the drop mask (the first
        filter that fires names it), which fixes follow a last fix in time, and the last fixes."""
        n = len(lasts)
        nan = _NAN
        l_ts = [nan if x is None else float(x["ts"]) for x in lasts]
        l_lat = [nan if x is None else float(x["lat"]) for x in lasts]
        l_lon = [nan if x is None else float(x["lon"]) for x in lasts]
        lat, lon, ts = cols.lat, cols.lon, cols.ts
        last_ts, last_lat, last_lon = np.array(l_ts), np.array(l_lat), np.array(l_lon)
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
            d = haversine_m(l_lat[k], l_lon[k], float(lat[k]), float(lon[k]))
            jump[k] = d > MIN_JUMP_M and d / (float(ts[k]) - l_ts[k]) * 3.6 > MAX_JUMP_KMH
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
        return dropped, later.tolist(), l_ts, l_lat, l_lon

    # --- the rules -------------------------------------------------------------------------------
    def _rules(self, ping: Ping, st: dict[str, Any], i: int, names: tuple[str, ...], mine: _Fast) -> None:
        """``Pipeline._detect`` for one fix: a rule's ``detect`` runs only where its outcome can change.

        A shortcut that fails on a broken stored state leaves the rule to ``detect``, which fails the
        same way and is logged and counted as the reference does.
        """
        rule_states: dict[str, Any] = st.get("rules") or {}
        shortcuts = self._shortcuts
        for name in names:
            cur = rule_states.get(name) or {}
            try:
                new = shortcuts[name](ping, cur)
            except Exception:
                new = None
            if new is None:
                try:
                    new, found = self._detectors[name](ping, cur, self.city)
                except Exception:  # as the reference: logged, counted, the chain goes on
                    log.exception("rule %s failed on %s %s", name, ping.stream, ping.entry_id)
                    mine.counters[f"errors:{name}"] += 1
                    continue
                mine.alerts += [(i, a) for a in found]
            if new:
                rule_states[name] = new
            else:
                rule_states.pop(name, None)
        if rule_states:
            st["rules"] = rule_states
        else:
            st.pop("rules", None)

    def _make_shortcuts(self) -> dict[str, Callable[[Ping, dict[str, Any]], dict[str, Any] | None]]:
        """Per rule: its new state when it certainly raises no alert, else None (run the rule)."""
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
            return {"over": over, "alerted": alerted} if over < 2 or alerted else None

        def fatigue(ping: Ping, cur: dict[str, Any]) -> dict[str, Any] | None:
            if not cur:  # the first fix: a drive starts, or a stop does
                if ping.speed_kmh < rest:
                    return {"slow": ping.ts}
                return {"drive": ping.ts} if max_drive_s >= 0 else None
            if "drive" not in cur or "slow" in cur or ping.speed_kmh < rest or not cur.keys() <= _FATIGUE_KEYS:
                return None
            return cur if cur.get("alerted") or ping.ts - float(cur["drive"]) <= max_drive_s else None

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

        return {"overspeed": overspeed, "fatigue": fatigue, "night_ban": night_ban,
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


def _never(ping: Ping, cur: dict[str, Any]) -> None:
    return None


@dataclass(slots=True)
class _Columns:
    """The fast entries' fields: their indexes in the batch, subjects, arrays of the numbers."""

    index: list[int]
    subject: list[str]
    lat: Any
    lon: Any
    ts: Any
    speed: list[float | None]
    heading: list[float | None]
    accuracy: list[float | None]


def _optional(values: tuple[float | None, ...], valid: Any) -> Any:
    """``valid`` where a value was sent; true where it was absent (None)."""
    if None not in values:
        return valid
    return valid | np.array([v is None for v in values])


class _Fast:
    """The fast half's outputs, each with the index of the entry it came from."""

    def __init__(self) -> None:
        self.alerts: list[tuple[int, Alert]] = []
        self.silences: list[tuple[int, tuple[Alert, bool]]] = []
        self.pings: list[tuple[int, Ping]] = []
        self.states: dict[str, dict[str, Any]] = {}
        self.counters: Counter[str] = Counter()


def _merge(a: list[tuple[int, Any]], b: list[tuple[int, Any]]) -> list[Any]:
    """Two lists of (entry index, item), each in entry order, as one list of items in entry order."""
    if not b:
        return [x for _, x in a]
    if not a:
        return [x for _, x in b]
    return [x for _, x in sorted(a + b, key=lambda pair: pair[0])]
