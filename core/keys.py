"""Every Redis key name OneMap uses, in one place.

Keys of contract section 3-5 keep their contract names; the others are OneMap's own
(documented in docs/CONTRACT.md). Under a Redis Cluster a multi-key transaction or script works
only on keys of one hash slot, so OneMap's own keys carry hash tags:

- a partition's bookkeeping (state, lease, last-seen, seen, outbox) is tagged with its input
  stream's name, ``{cc:in:0}:state``, and shares the slot of ``cc:in:0``;
- the ids of appended alerts, ``{cc:alerts}:id:{alert_id}``, share the slot of ``cc:alerts``;
- the track store and the recent tracks are spread over ``TRACK_BUCKETS`` slots by subject,
  ``{cc:trk:11}:P01:{hour}``, ``{cc:trk:11}:track:P01``, so one call stores a bucket's fixes and
  any reader finds a subject's keys from its name alone.

>>> k = Keys("cc")
>>> k.state(0), k.alert_once("A1"), k.trk("P01", 3600)
('{cc:in:0}:state', '{cc:alerts}:id:A1', '{cc:trk:11}:P01:3600')
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

__all__ = ["Keys", "TRACK_BUCKETS", "partition_of", "track_bucket"]

TRACK_BUCKETS = 16  # slots the track store is spread over (a constant: readers need no settings)


def partition_of(subject: str, partitions: int) -> int:
    """The input partition of a subject (contract section 3).

    >>> partition_of("P01", 4) == zlib.crc32(b"P01") % 4
    True
    """
    return zlib.crc32(subject.encode("utf-8")) % partitions


def track_bucket(subject: str) -> int:
    """The track store's bucket of a subject (0 .. TRACK_BUCKETS - 1).

    >>> track_bucket("P01") == zlib.crc32(b"P01") % TRACK_BUCKETS
    True
    """
    return zlib.crc32(subject.encode("utf-8")) % TRACK_BUCKETS


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix (``CC_PREFIX``, default ``cc``)."""

    prefix: str = "cc"

    # --- contract keys -------------------------------------------------------
    def input(self, p: int) -> str:
        """Input partition stream ``cc:in:{p}`` (contract section 3)."""
        return f"{self.prefix}:in:{p}"

    @property
    def deadletter(self) -> str:
        return f"{self.prefix}:deadletter"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}:alerts"

    def dispatch(self, unit_id: str) -> str:
        return f"{self.prefix}:dispatch:{unit_id}"

    @property
    def dispatch_acks(self) -> str:
        return f"{self.prefix}:dispatch:acks"

    # --- OneMap's own keys ---------------------------------------------------
    group: str = "onemap"
    """Consumer group name on every input partition."""

    def _part(self, p: int) -> str:
        """The hash tag of partition ``p``: its input stream's name, so its keys share that slot."""
        return f"{{{self.input(p)}}}"

    def state(self, p: int) -> str:
        """Hash subject -> JSON state of the subjects of partition ``p``."""
        return f"{self._part(p)}:state"

    def lease(self, p: int) -> str:
        """String: which worker owns partition ``p`` (SET NX PX, renewed)."""
        return f"{self._part(p)}:lease"

    def lastseen(self, p: int) -> str:
        """Sorted set unit -> last event time, for the offline rule."""
        return f"{self._part(p)}:lastseen"

    def seen(self, p: int) -> str:
        """Sorted set subject -> event time of its newest message, for expiring silent subjects."""
        return f"{self._part(p)}:seen"

    def outbox(self, p: int) -> str:
        """List of JSON records (alerts, dead letters, counters) committed with partition ``p``'s
        state and acks but not yet appended to ``cc:alerts`` (cluster mode, streams/commit.py)."""
        return f"{self._part(p)}:outbox"

    def alert_once(self, alert_id: str) -> str:
        """String (EX): the alert was appended to ``cc:alerts``; in its slot, so one script checks
        and appends (cluster mode: the exactly-once append of streams/commit.py)."""
        return f"{{{self.alerts}}}:id:{alert_id}"

    def deadletter_once(self, stream: str, entry_id: str) -> str:
        """String (EX): the entry was dead-lettered (cluster mode, as ``alert_once``)."""
        return f"{{{self.deadletter}}}:id:{stream}/{entry_id}"

    @property
    def workers(self) -> str:
        """Sorted set worker name -> wall time of its last heartbeat (the registry of health keys)."""
        return f"{self.prefix}:workers"

    @property
    def clock(self) -> str:
        """Newest event time any worker has seen (epoch seconds, string float)."""
        return f"{self.prefix}:clock"

    @property
    def positions(self) -> str:
        """Stream of accepted fixes, tailed by the web process (capped).

        One entry per committed batch, field ``fixes``: a JSON list of objects with string
        values ``subject kind category lat lon ts speed heading zone`` (one write per batch, not
        per fix, keeps the worker's Redis traffic low).
        """
        return f"{self.prefix}:positions"

    @property
    def last(self) -> str:
        """Hash subject -> JSON of its latest accepted position."""
        return f"{self.prefix}:last"

    def track(self, subject: str) -> str:
        """List of the subject's recent positions (JSON, newest first, capped); in the track store's
        bucket slot, so one script call pushes a bucket's fixes on a cluster too."""
        return f"{self.trk_tag(track_bucket(subject))}:track:{subject}"

    def trk_tag(self, bucket: int) -> str:
        """The hash tag of the track store's ``bucket``: its keys start with it."""
        return f"{{{self.prefix}:trk:{bucket}}}"

    def trk(self, subject: str, hour: int) -> str:
        """String of packed fixes (core/tracks.py) of ``subject`` in the event-time hour starting at
        epoch second ``hour``: the track store's recent part, appended by the worker."""
        return f"{self.trk_tag(track_bucket(subject))}:{subject}:{hour}"

    def trk_hour(self, hour: int, bucket: int = 0) -> str:
        """Set of the subjects of ``bucket`` with fixes in the track store's hour ``hour`` (readers
        and the archiver read every bucket's: ``trk_hours``)."""
        return f"{self.trk_tag(bucket)}:idx:{hour}"

    def trk_hours(self, hour: int) -> list[str]:
        """The subject sets of every bucket of hour ``hour``."""
        return [self.trk_hour(hour, b) for b in range(TRACK_BUCKETS)]

    @property
    def trk_hour_pattern(self) -> str:
        """A SCAN pattern that matches every ``trk_hour`` key."""
        return f"{{{self.prefix}:trk:*}}:idx:*"

    @property
    def reads(self) -> str:
        """Hash checkpoint id -> JSON list of its latest plate reads."""
        return f"{self.prefix}:reads"

    @property
    def stats(self) -> str:
        """Hash of counters: processed, per-filter drops, dead letters."""
        return f"{self.prefix}:stats"

    @property
    def alert_acks(self) -> str:
        """Hash alert_id -> JSON {by, note, ts}: acknowledged alerts."""
        return f"{self.prefix}:alert_acks"

    @property
    def audit(self) -> str:
        """Stream: every human action (the 'data iron cage')."""
        return f"{self.prefix}:audit"

    @property
    def orders(self) -> str:
        """Hash order_id -> JSON of a dispatch order and its latest status (API)."""
        return f"{self.prefix}:orders"

    @property
    def orders_by_time(self) -> str:
        """Sorted set order_id -> its event time: which orders are recent without reading them all (API)."""
        return f"{self.prefix}:orders:ts"

    def open_orders(self, unit_id: str) -> str:
        """Set of the unit's order ids not yet cleared or declined: the unit is busy (API)."""
        return f"{self.prefix}:open_orders:{unit_id}"

    def health(self, worker: str) -> str:
        """Key with a TTL: worker ``worker`` is alive (value: JSON status)."""
        return f"{self.prefix}:health:{worker}"

    @property
    def health_pattern(self) -> str:
        return f"{self.prefix}:health:*"

    def help_once(self, alert_id: str) -> str:
        """String (EX): an ``officer_help`` alert was appended, so a second press is not a second alert."""
        return f"{self.prefix}:alerts:help:{alert_id}"

    def travel(self, a: str, b: str) -> str:
        """Sorted set of travel samples from checkpoint ``a`` to ``b`` (core/travel.py), score event time."""
        return f"{self.prefix}:travel:{a}>{b}"

    @property
    def bridge_leader(self) -> str:
        """String (PX): the web process whose socket bridge pushes for all (with a shared message queue)."""
        return f"{self.prefix}:bridge:leader"

    # --- the Dispatch tab (web) ---------------------------------------------------------
    @property
    def escalated(self) -> str:
        """Hash order_id -> JSON ``{ts, after_s}``: the order was not accepted in time and was
        escalated (``HSETNX`` under ``WATCH``: once, whichever web process sees it first)."""
        return f"{self.prefix}:orders:escalated"

    @property
    def auto_dispatch(self) -> str:
        """Hash alert type -> JSON ``{by, after}``: auto-dispatch is on for that type, switched on by
        ``by`` when ``cc:alerts`` ended at stream id ``after`` (older alerts are never auto-sent)."""
        return f"{self.prefix}:orders:auto"

    def auto_claim(self, alert_id: str) -> str:
        """String (SET NX, EX 7 days): the alert was taken by auto-dispatch; its value becomes the
        order id once the order is written, so one alert is auto-dispatched at most once."""
        return f"{self.prefix}:orders:auto:{alert_id}"
