"""The whole path of a message, declared in one place.

    parse  ->  FILTERS (drop bad fixes, counted)  ->  ENRICHERS (batch)  ->  DETECTORS (rules)
                                                                          ->  travel samples (plate reads)

Reading this file tells a newcomer what happens to a ping. ``Pipeline.process`` is pure: it
takes entries and the subjects' states and returns alerts, new states and what to publish;
the worker (streams/worker.py) does all the I/O and commits the result atomically.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

from city.citypack import CityPack
from core.keys import partition_of
from core.messages import parse_fields
from core.model import Alert, Kind, ParseError, Ping, Read
from core.travel import TravelSample
from streams import rules
from streams.enrichers import Context, Enricher, enrich_identity, enrich_local_time, enrich_zones
from streams.filters import LastFix, derive_speed_kmh, filter_ping
from streams.rules import unit_offline
from streams.travel import record_hop

__all__ = ["ENRICHERS", "GPS_DETECTORS", "ANPR_DETECTORS", "Entry", "DeadLetter", "BatchResult", "Pipeline"]

log = logging.getLogger(__name__)

# --- the path of a message ----------------------------------------------------------------
ENRICHERS: tuple[Enricher, ...] = (enrich_identity, enrich_zones, enrich_local_time)
GPS_DETECTORS = rules.GPS_RULES  # zone_exit, restricted_entry, overspeed, night_ban, fatigue
ANPR_DETECTORS = rules.ANPR_RULES  # watchlist_hit, cloned_plate
# unit_offline runs on the event clock, not per message: see Pipeline.silent_units. A unit that
# comes back after such a silence also reports it (BatchResult.silences), so that a replay too fast
# for the worker's periodic check still raises it once, with the same id (streams/worker.py).


class Entry(NamedTuple):
    """One input stream entry (a named tuple: the worker makes one per message read, and a tuple
    is built in half the time of a frozen dataclass)."""

    stream: str
    entry_id: str
    fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    stream: str
    entry_id: str
    raw: str  # the original fields as JSON
    error: str  # one line


@dataclass
class BatchResult:
    """What one batch produced; the worker commits all of it together with the acks."""

    alerts: list[Alert] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)  # every subject the batch touched
    pings: list[Ping] = field(default_factory=list)  # accepted fixes, in order
    reads: list[Read] = field(default_factory=list)
    samples: list[TravelSample] = field(default_factory=list)  # travel times between checkpoints
    # unit_offline alerts of silences that ended in this batch, and whether the fix before the
    # silence was committed before this batch (then the periodic check may have raised it already)
    silences: list[tuple[Alert, bool]] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    counters: Counter[str] = field(default_factory=Counter)


def _dead(entry: Entry, error: str) -> DeadLetter:
    raw = orjson.dumps(dict(entry.fields)).decode()
    return DeadLetter(entry.stream, entry.entry_id, raw, error.replace("\n", " ")[:500])


class Pipeline:
    """Filters, enrichers and detectors over batches of entries of one partition."""

    def __init__(self, city: CityPack, partitions: int | None = None, state_retention_s: float | None = None) -> None:
        self.ctx = Context(city)
        self.partitions = partitions  # with it, an entry whose subject belongs elsewhere is dead-lettered
        # a subject silent longer than this (event time) starts afresh: deterministic, whenever the
        # worker's housekeeping deletes the stored state
        self.state_retention_s = state_retention_s
        self._applicable: dict[tuple[Kind, str | None], tuple[rules.Rule, ...]] = {}

    @property
    def city(self) -> CityPack:
        return self.ctx.city

    def process(
        self, entries: Sequence[Entry], states: Mapping[str, dict[str, Any]], horizon: float | None,
        partition: int | None = None,
    ) -> BatchResult:
        """Run a batch of partition ``partition``; ``states`` maps subject -> state (missing subjects
        start empty); events later than ``horizon`` (wall clock + ``CC_FUTURE_S``) are dropped.

        ``states`` is not modified; the worker compares the returned states with what it stored.
        """
        out = BatchResult()
        events: list[Ping | Read] = []
        work: dict[str, dict[str, Any]] = {}
        committed_last: dict[str, Any] = {}  # each subject's last fix as stored before this batch

        def state_of(subject: str, ts: float) -> dict[str, Any]:
            st = work.get(subject)
            if st is None:
                st = dict(states.get(subject) or {})
                if self.state_retention_s is not None and ts - float(st.get("seen", ts)) > self.state_retention_s:
                    st = {}  # silent past the retention: what it did then no longer counts
                if "rules" in st:
                    st["rules"] = dict(st["rules"])  # rules replace their own dicts, never mutate them
                work[subject] = st
                committed_last[subject] = st.get("last")
            return st

        for entry in entries:
            try:
                event = parse_fields(entry.fields)
            except ParseError as exc:
                out.dead.append(_dead(entry, str(exc)))
                continue
            event.entry_id, event.stream = entry.entry_id, entry.stream
            if partition is not None and self.partitions and (
                    home := partition_of(event.subject, self.partitions)) != partition:
                out.dead.append(_dead(entry, f"partition: subject {event.subject!r} belongs to partition {home}, "
                                             f"not {partition}; send it to cc:in:{home} (contract section 3)"))
                continue
            if isinstance(event, Read) and horizon is not None and event.ts > horizon:
                out.counters["dropped:future"] += 1
                continue
            st = state_of(event.subject, event.ts)
            if isinstance(event, Ping) and not self._accept(event, st, horizon, out, committed_last):
                continue
            st["seen"] = max(float(st.get("seen", event.ts)), event.ts)
            events.append(event)

        pings = [e for e in events if isinstance(e, Ping)]
        for enrich in ENRICHERS:
            enrich(pings, self.ctx)
        for event in events:
            self._detect(event, work[event.subject], out)
        out.pings = pings
        out.reads = [e for e in events if isinstance(e, Read)]
        out.samples = self._samples(out.reads, work)
        out.states = work
        out.counters["processed"] += len(entries)
        return out

    def _keep(self, ping: Ping, st: dict[str, Any], horizon: float | None, out: BatchResult) -> bool:
        """Position filters; a kept ping becomes the subject's last fix."""
        last = LastFix.from_dict(st["last"]) if "last" in st else None
        dropped = filter_ping(ping, last, horizon)
        if dropped is not None:
            out.counters[f"dropped:{dropped}"] += 1
            return False
        ping.speed_kmh = derive_speed_kmh(ping, last)
        st["last"] = LastFix(ping.ts, ping.lat, ping.lon).to_dict()
        return True

    def _accept(self, ping: Ping, st: dict[str, Any], horizon: float | None, out: BatchResult,
                committed_last: Mapping[str, Any]) -> bool:
        """``_keep``, and for a unit back from a silence of ``offline_after_s`` its unit_offline alert
        in ``out.silences`` (with whether the fix before the silence was stored before this batch)."""
        before = st.get("last")
        if not self._keep(ping, st, horizon, out):
            return False
        if before is not None and ping.subject in self.city.units:
            last = LastFix.from_dict(before)
            found = unit_offline.detect_silent({ping.subject: (last.ts, last.lat, last.lon)}, ping.ts, self.city)
            out.silences += [(a, before is committed_last.get(ping.subject)) for a in found]
        return True

    def _samples(self, reads: list[Read], work: dict[str, dict[str, Any]]) -> list[TravelSample]:
        """Travel times between checkpoints that these reads complete (streams/travel.py), in order."""
        checkpoints = self.city.checkpoints
        return [s for r in reads if (s := record_hop(r, work[r.subject], checkpoints)) is not None]

    def _rules_for(self, event: Ping | Read) -> tuple[rules.Rule, ...]:
        """The rules that concern this event's subject (cached per kind and category)."""
        if isinstance(event, Read):
            return ANPR_DETECTORS
        key = (event.kind, event.category)
        found = self._applicable.get(key)
        if found is None:
            found = tuple(r for r in GPS_DETECTORS if r.applies(event.kind, event.category, self.city))
            self._applicable[key] = found
        return found

    def _detect(self, event: Ping | Read, st: dict[str, Any], out: BatchResult) -> None:
        rule_states: dict[str, Any] = st.get("rules") or {}
        for rule in self._rules_for(event):
            name = rule.name
            try:
                new, alerts = rule.detect(event, rule_states.get(name) or {}, self.city)
            except Exception:  # a failing rule is logged and the chain goes on (Traccar)
                log.exception("rule %s failed on %s %s", name, event.stream, event.entry_id)
                out.counters[f"errors:{name}"] += 1
                continue
            if new:
                rule_states[name] = new
            else:
                rule_states.pop(name, None)
            out.alerts.extend(alerts)
        if rule_states:
            st["rules"] = rule_states
        else:
            st.pop("rules", None)

    def silent_units(
        self, last_seen: Mapping[str, tuple[float, float, float]], clock: float
    ) -> list[Alert]:
        """unit_offline: units silent for ``offline_after_s`` of event time at ``clock``."""
        return unit_offline.detect_silent(last_seen, clock, self.city)
