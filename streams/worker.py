"""The stream worker: ``python -m streams.worker``.

Reads its partitions of ``cc:in:{p}`` through the consumer group, runs each batch through
``streams.pipeline.Pipeline`` and commits alerts, state, publication and acks in one
transaction on a single server, in three steps on a Redis Cluster (streams/commit.py). On taking a partition it first claims and re-processes the
entries a previous owner left pending (XAUTOCLAIM), dead-lettering any delivered too often.
SIGTERM stops reading, finishes the batch in hand, releases the leases and exits.

**One commit in flight** (single server): a batch's transaction is sent on a connection of its own
(streams/inflight.py) and its answer read only before the next one is sent, while the next batch
is read (sent ahead too, with a backlog) and computed; Redis works on one while Python works on
the other. The next batch is computed from the states the one
in flight will commit (the cache holds them before they land), and is committed only after it:
``settle`` waits for the commit in flight before another is sent, and before anything that reads
what a commit writes (maintenance, recovery of pending entries, the offline check). A commit that
lost its lease drops its partition, and the batch computed behind it is left pending with it; any
other failure is raised where the worker settles, and every owned partition re-reads its pending
entries, as after a failure of a commit made in line. A cluster commits in line (three steps).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Sequence
from itertools import repeat
from typing import Any, cast

import orjson
import redis

from city.citypack import CityPack, load_city_pack
from core.health import beat, forget
from core.keys import Keys
from core.lease import new_token
from core.model import Alert
from core.producer import subject_of
from core.redisio import TRANSIENT, connect, decodes, is_cluster
from core.settings import Settings
from core.values import text
from streams.commit import (
    DEADLETTER_MAXLEN,
    Scripts,
    dead_fields,
    drain,
    merge_reads,
    outbox_record,
    queue_alerts,
    queue_batch,
    queue_partition,
    queue_shared,
    run_per_node,
)
from streams.fastpath import FastPipeline, as_fields, flat_columns
from streams.housekeeping import CACHE_MAX, SEEN_STEP_S, bound_cache, expire_silent, seen_moved, trim_input
from streams.inflight import Committer, LostLease, ReadAhead, Transaction
from streams.partitions import Partitions
from streams.pipeline import BatchResult, DeadLetter, Entry, Pipeline

__all__ = ["GC_THRESHOLDS", "Worker", "main", "quiet_gc"]

log = logging.getLogger("onemap.worker")

Cached = tuple["dict[str, Any] | None", bytes]  # a subject's state: decoded (None: none stored), and its JSON

MAX_DELIVERIES = 5  # a pending entry delivered this often is dead-lettered, not retried forever
HOUSEKEEPING_S = 60.0  # trimming inputs and expiring silent subjects: once a minute is plenty
MAINTENANCE_S = 2.0
OFFLINE_CHECK_S = 0.5
BACKOFF_MIN_S, BACKOFF_MAX_S = 0.25, 8.0  # reconnecting to Redis: doubling waits between these
IDLE_POLL_S = 0.02  # cluster: nothing new on any partition, wait this long before reading again
# The collector's thresholds in a worker process (``quiet_gc``): a young collection once 50,000 more
# containers were made than freed, not 700. A batch's objects die by their reference counts (the
# worker makes no reference cycles per message: tests/streams/test_gc.py), so the default's frequent
# passes found nothing and rescanned the state cache as it grew: ~16% of the worker's time.
GC_THRESHOLDS = (50_000, 20, 10)


class Worker:
    """One worker process's loop over the partitions it owns."""

    def __init__(
        self,
        client: redis.Redis,
        city: CityPack,
        settings: Settings,
        name: str | None = None,
        batch: int | None = None,
        block_ms: int = 1000,
        lease_ttl_ms: int | None = None,
        overlap: bool = True,
    ) -> None:
        if not decodes(client):
            raise ValueError("Worker needs a client made with decode_responses=True")
        self.client, self.settings = client, settings
        self.cluster = is_cluster(client)  # commit in three steps, read each partition on its own
        self.keys = Keys(settings.prefix)
        self.name = name or settings.worker_name or f"{socket.gethostname()}-{os.getpid()}"
        self.token = new_token(self.name)  # lease owner and consumer: unique to this process
        self.batch, self.block_ms = batch or settings.batch, block_ms
        self.pipeline: Pipeline = FastPipeline(city, settings.partitions, settings.state_retention_s)
        self.leases = Partitions(client, self.keys, settings.partitions, self.token,
                                 lease_ttl_ms or settings.lease_ttl_ms)
        # partition -> subject -> its state as the pipeline takes it (None: none) and as stored (JSON): decoded
        # once, when first read from Redis, then kept as the pipeline returned it (it never modifies a state)
        self.cache: dict[int, dict[str, Cached]] = {}
        self.recovering: set[int] = set()
        self.undrained: set[int] = set()  # cluster: partitions whose outbox may hold records
        # partitions whose stream has been read to the end: only their units can be judged silent
        self.caught_up: set[int] = set()
        self._careful = False  # re-reading pending entries one by one after a failure
        self.clock: float | None = None
        self._scripts = Scripts.register(client)
        # single server: a commit's answer is read while the next batch is computed (a cluster's
        # three steps run in line); overlap=False commits in line too (bench/profile_worker.py's phases)
        self.overlap = overlap and not self.cluster
        self._committer = Committer(client, self.token)
        self._ahead = ReadAhead(client)  # with overlap: the next read sent while a batch is computed
        self._last_maintenance = 0.0
        self._last_offline_check = 0.0
        self.reconnects = 0
        self._last_housekeeping = time.monotonic()

    # --- set-up ------------------------------------------------------------------------------
    def ensure_groups(self) -> None:
        """Create the consumer group on every partition, reading from its first entry."""
        for p in range(self.settings.partitions):
            try:
                self.client.xgroup_create(self.keys.input(p), self.keys.group, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    # --- the loop ----------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        self.ensure_groups()
        log.info("worker %s started on %d partitions", self.name, self.settings.partitions)
        down_since: float | None = None
        backoff = BACKOFF_MIN_S
        try:
            while not stop.is_set():
                try:
                    self.step(settle=False)
                    if down_since is not None:
                        log.warning("worker %s: Redis is back after %.1f s; resuming pending entries",
                                    self.name, time.monotonic() - down_since)
                        down_since, backoff = None, BACKOFF_MIN_S
                except TRANSIENT as exc:  # a dropped connection, or a cluster in a failover
                    if down_since is None:
                        down_since = time.monotonic()
                        self.reconnects += 1
                    log.warning("worker %s: Redis unavailable (%s); reconnecting in %.1f s", self.name, exc, backoff)
                    self._after_disconnect()
                    stop.wait(backoff)
                    backoff = min(BACKOFF_MAX_S, backoff * 2)
                except Exception:  # a bug must not stop the worker: retry the batch, boundedly
                    log.exception("worker %s: batch failed; its entries stay pending and are retried", self.name)
                    self._retry_pending()
                    stop.wait(1.0)
        finally:
            self.shutdown()

    def step(self, settle: bool = True) -> int:
        """One round: maintenance when due, pending recovery, one read of new entries.

        Returns the number of entries handled; with ``settle`` their commits have landed (``run``
        leaves the last one in flight while it reads the next batch).
        """
        ahead = self._ahead.take() if self._ahead.sent else None  # the read sent during the last step
        if time.monotonic() - self._last_maintenance >= MAINTENANCE_S:
            self.settle()
            self.maintain()
        if not self.leases.owned:
            time.sleep(self.block_ms / 1000)
            return 0
        for p in sorted(self.undrained & self.leases.owned):
            drain(self.client, self.keys, p, self._scripts)
            self.undrained.discard(p)
        handled = sum(self._recover(p) for p in sorted(self.recovering))
        reading = sorted(self.leases.owned - self.recovering)
        streams = {self.keys.input(p): ">" for p in reading}
        if streams:
            if ahead:  # a partition lost or back in recovery since: its rows are read again by whoever has it
                reply = [row for row in ahead if self._partition(row[0]) in reading]
            else:
                block = None if handled else self.block_ms
                reply = self._read_each(streams, block) if self.cluster else self.client.xreadgroup(
                    self.keys.group, self.token, streams, count=self.batch, block=block)
            self.caught_up |= set(reading)
            full = [self._partition(stream) for stream, entries in reply or [] if len(entries) >= self.batch]
            self.caught_up -= set(full)  # more may be waiting behind these batches
            if full and self.overlap and not self._offline_due():  # a backlog: read on while computing
                self._ahead.send(self.keys.group, self.token, list(streams), self.batch)
            for stream, entries in reply or []:
                handled += self._handle(self._partition(stream), entries)
        if self._offline_due():
            self.settle()
            self.check_offline()
        if settle:
            self.settle()
        return handled

    def _offline_due(self) -> bool:
        """Time for the offline check; no read is sent ahead then: it would hide whether the
        partitions were read to their end."""
        return time.monotonic() - self._last_offline_check >= OFFLINE_CHECK_S

    def settle(self) -> None:
        """Wait for the commit in flight, if any. A lost lease drops its partition (the batch and
        any computed behind it stay pending for the new owner); any other failure is raised here."""
        lost = self._committer.settle()
        if lost is not None:
            self._lost(lost)

    def _lost(self, p: int) -> None:
        log.warning("worker %s lost partition %d; batch left for the new owner", self.name, p)
        self.leases.owned.discard(p)
        self._drop(p)

    def _read_each(self, streams: dict[str, str], block: int | None) -> list[Any]:
        """Cluster: one XREADGROUP per partition (each stream has a slot of its own), on one
        pipeline (a round trip per node); when nothing came and ``block`` asks to wait, a short
        sleep stands in for BLOCK, which one call over many slots cannot do."""
        with self.client.pipeline(transaction=False) as pipe:
            for stream in streams:
                pipe.xreadgroup(self.keys.group, self.token, {stream: ">"}, count=self.batch)
            reply = [row for rows in pipe.execute() for row in rows or []]
        if not reply and block:
            time.sleep(min(block / 1000, IDLE_POLL_S))
        return reply

    def maintain(self) -> None:
        """Heartbeat, lease renewal and rebalancing."""
        self._last_maintenance = time.monotonic()
        now = time.time()
        status = {"worker": self.name, "token": self.token, "partitions": sorted(self.leases.owned),
                  "ts": now, "clock": self.clock, "reconnects": self.reconnects}
        beat(self.client, self.keys, self.name, status, now)
        gained, lost = self.leases.rebalance()
        for p in lost:
            self._drop(p)
        for p in gained:
            log.info("worker %s took partition %d", self.name, p)
            self._claim_pending(p)
            self.recovering.add(p)
            if self.cluster:
                self.undrained.add(p)  # a previous owner may have died before appending its alerts
        for p in sorted(self.leases.owned - gained):
            self._sweep(p)
        if time.monotonic() - self._last_housekeeping >= HOUSEKEEPING_S:
            self.housekeeping()

    def housekeeping(self) -> None:
        """Keep Redis bounded: trim acknowledged old input, forget subjects silent past retention."""
        self._last_housekeeping = time.monotonic()
        for p in sorted(self.leases.owned):
            trim_input(self.client, self.keys, p, self.settings.input_retention_s)
            if self.clock is not None:
                # the seen set trails each subject's newest message by less than a step (seen_moved)
                before = self.clock - self.settings.state_retention_s - SEEN_STEP_S
                gone = expire_silent(self.client, self.keys, p, self.token, before)
                cache = self.cache.get(p, {})
                for subject in gone:
                    cache.pop(subject, None)

    def _sweep(self, p: int) -> None:
        """Claim entries of ``p`` pending too long in any consumer (a stalled worker read them after
        its lease passed here, or a connection dropped mid-batch) and process them again."""
        # redis-py hands JUSTID replies back without the cursor: claim from the start until a page
        # comes back short (claimed entries are no longer idle, so the next page holds new ones)
        key, claimed = self.keys.input(p), 0
        while True:
            ids = self.client.xautoclaim(key, self.keys.group, self.token, self.settings.sweep_idle_ms,
                                         start_id="0-0", count=1000, justid=True)
            claimed += len(ids)
            if len(ids) < 1000:
                break
        if claimed:
            log.warning("worker %s: claimed %d entries of partition %d left pending too long", self.name, claimed, p)
            self.recovering.add(p)

    def _quiesce(self) -> None:
        """After a failure: let a commit in flight end, whatever its outcome (what it did not commit
        stays pending and is read again), before pending entries are looked at."""
        try:
            self.settle()
        except Exception:  # noqa: BLE001 - the caller is already recovering from a failure
            log.warning("worker %s: the commit in flight failed too; its entries are read again", self.name)

    def _after_disconnect(self) -> None:
        """A batch may have been read and not committed: forget cached state and re-read this
        consumer's pending entries of every owned partition once Redis is back."""
        self._quiesce()
        self._ahead.forget()  # its entries are pending: read again with the rest
        self.cache.clear()
        self.recovering |= self.leases.owned
        self.caught_up -= self.leases.owned  # nobody is silent until the backlog is read again
        if self.cluster:
            self.undrained |= self.leases.owned

    def shutdown(self) -> None:
        try:
            self.settle()  # a commit in flight lands (or fails: its entries stay pending) before the leases go
        except Exception:  # noqa: BLE001 - stopping anyway; what did not commit is pending for the next owner
            log.exception("worker %s: the last commit failed while stopping", self.name)
        self._committer.close()
        self._ahead.close()  # what it delivered and nobody handled is pending for the next owner
        self.leases.release_all()
        forget(self.client, self.keys, self.name)
        log.info("worker %s stopped", self.name)

    # --- partitions ----------------------------------------------------------------------------
    def _partition(self, stream: bytes | str) -> int:
        return int(text(stream).rsplit(":", 1)[1])

    def _drop(self, p: int) -> None:
        self.cache.pop(p, None)
        self.undrained.discard(p)
        self.recovering.discard(p)
        self.caught_up.discard(p)

    def _claim_pending(self, p: int) -> None:
        """Move every pending entry of partition ``p`` to this consumer; dead-letter poison ones.

        The lease guarantees the previous owner is gone, so no idle time is required. XCLAIM with
        JUSTID does not count as a delivery; reading the entries again does.
        """
        key, start = self.keys.input(p), "-"
        while True:
            rows = self.client.xpending_range(key, self.keys.group, start, "+", 1000)
            if not rows:
                break
            theirs = [r["message_id"] for r in rows if text(r["consumer"]) != self.token]
            if theirs:
                self.client.xclaim(key, self.keys.group, self.token, 0, theirs, justid=True)
            for row in rows:
                if row["times_delivered"] >= MAX_DELIVERIES:
                    self._poison(p, text(row["message_id"]), row["times_delivered"])
            start = "(" + text(rows[-1]["message_id"])

    def _retry_pending(self) -> None:
        """After an unexpected failure: forget cached state, dead-letter entries delivered too often,
        and re-read each owned partition's pending entries."""
        self._quiesce()
        self._ahead.forget()
        self.cache.clear()
        self._careful = True
        # as after a disconnect: a failed batch may have moved the event clock (a cluster writes it
        # before the partition's transaction) while its units' fixes wait again in the backlog
        self.caught_up -= self.leases.owned
        if self.cluster:
            self.undrained |= self.leases.owned  # a drain may have been what failed
        for p in sorted(self.leases.owned):
            self._claim_pending(p)
            self.recovering.add(p)

    def _poison(self, p: int, entry_id: str, deliveries: int) -> None:
        key = self.keys.input(p)
        found = self.client.xrange(key, entry_id, entry_id)
        raw = orjson.dumps({text(k): text(v) for k, v in found[0][1].items()}).decode() if found else "{}"
        error = f"delivered {deliveries} times without being committed; giving up"
        log.error("dead-lettering %s %s: %s", key, entry_id, error)
        if self.cluster:
            record = outbox_record([], [DeadLetter(key, entry_id, raw, error)])
            with self.client.pipeline(transaction=True) as pipe:
                pipe.rpush(self.keys.outbox(p), record)
                pipe.xack(key, self.keys.group, entry_id)
                pipe.execute()
            drain(self.client, self.keys, p, self._scripts, [record])
            return
        with self.client.pipeline(transaction=True) as pipe:
            pipe.xadd(self.keys.deadletter, dead_fields(DeadLetter(key, entry_id, raw, error)),
                      maxlen=DEADLETTER_MAXLEN, approximate=True)
            pipe.hincrby(self.keys.stats, "deadletter", 1)
            pipe.xack(key, self.keys.group, entry_id)
            pipe.execute()

    def _recover(self, p: int) -> int:
        """Process this consumer's pending entries of ``p`` (history), then switch to new ones."""
        self.settle()  # a commit in flight still has its entries pending: they must not be read again
        # after a failure, one entry at a time: only the entry that fails collects deliveries
        count = 1 if self._careful else self.batch
        reply = self.client.xreadgroup(self.keys.group, self.token, {self.keys.input(p): "0"}, count=count)
        pending = reply[0][1] if reply else []
        entries = [(eid, fields) for eid, fields in pending if fields]
        trimmed = [eid for eid, fields in pending if not fields]  # deleted from the stream: nothing to do
        if trimmed:
            self.client.xack(self.keys.input(p), self.keys.group, *trimmed)
        if not entries and not trimmed:
            self.recovering.discard(p)
            self._careful = self._careful and bool(self.recovering)
            return 0
        return self._handle(p, entries)

    # --- one batch -----------------------------------------------------------------------------
    def _handle(self, p: int, raw_entries: list[Any]) -> int:
        if not raw_entries:
            return 0
        ids, fields = zip(*raw_entries, strict=True)
        columns = None
        if type(fields[0]) is not dict:  # read ahead: each entry's fields a flat list (ReadAhead.take)
            columns = self._gps_columns(fields)
            if columns is None:
                fields = tuple(map(as_fields, fields))
        # tuple.__new__ through map: no Python frame per entry (Entry's own __new__ is one)
        rows = zip(repeat(self.keys.input(p)), ids, fields, strict=False)  # repeat() never ends: not strict
        entries: list[Entry] = list(map(tuple.__new__, repeat(Entry), rows))
        cache = self.cache.setdefault(p, {})
        # trimmed, as states are keyed (subject_of: a fix's subject is its id)
        subjects = set(map(subject_of, fields) if columns is None else map(str.strip, columns["id"]))
        subjects.discard("")
        self._load_states(p, cache, subjects)
        states = {s: st for s in subjects if (st := cache[s][0])}
        # the one place the wall clock meets event time (contract 7.1, CC_FUTURE_S): nothing later
        # than now + future_s is believed, so a forged device clock cannot push the event clock
        horizon = time.time() + self.settings.future_s
        result = (self.pipeline.process(entries, states, horizon, partition=p) if columns is None else
                  cast(FastPipeline, self.pipeline).process(entries, states, horizon, partition=p, columns=columns))
        dumps, cached = orjson.dumps, cache.get
        changed: dict[str, bytes] = {}
        seen_due: set[str] = set()  # subjects whose seen time moved to a new step (housekeeping.seen_moved)
        # the cache runs ahead of Redis by the commit in flight: the next batch is computed from it.
        # A commit that fails drops the cache (its partition's, or every one), so nothing stale stays.
        for subject, st in result.states.items():
            blob = dumps(st)
            known = cached(subject)
            if seen_moved(known[0].get("seen") if known is not None and known[0] else None, st.get("seen")):
                seen_due.add(subject)
            if known is None or blob != known[1]:
                changed[subject] = blob
                cache.pop(subject, None)  # most recently used last: bound_cache drops the oldest
                cache[subject] = (st, blob)
        bound_cache(cache, CACHE_MAX)  # drops a quarter, the oldest: never the last two batches' subjects
        clock = self._newer_clock(result)
        # reads and ended silences need Redis's answers before the transaction: those commit in line;
        # the others are queued and packed now, while the commit in flight may still run, then sent
        txn = self._transaction(p, result, changed, seen_due, ids, clock) if (
            self.overlap and not result.reads and not result.silences) else None
        self.settle()
        if p not in self.leases.owned:  # the commit in flight lost it: this batch waits for the new owner
            return 0
        if clock is not None:
            self.clock = clock
        try:
            if txn is not None:
                self._committer.send(p, self.keys.lease(p), txn)  # in flight while the next batch is computed
            else:
                self._commit(p, result, changed, seen_due, ids, clock)
        except LostLease:
            self._lost(p)
            return 0
        return len(entries)

    def _gps_columns(self, flats: Sequence[Any]) -> dict[str, list[Any]] | None:
        """A batch read ahead as columns (``flat_columns``) when the fast path may take it whole:
        fixes only, each with an id, every entry with the same fields; else None (dicts then)."""
        if not isinstance(self.pipeline, FastPipeline):
            return None
        columns = flat_columns(flats)
        if columns is None or "id" not in columns or columns.get("type", []).count("gps") != len(flats):
            return None
        return columns

    def _load_states(self, p: int, cache: dict[str, Cached], subjects: set[str]) -> None:
        """Read the stored states of ``subjects`` not in ``cache`` into it, decoded."""
        missing = subjects.difference(cache)  # by the set's size (``- cache.keys()`` copies every key)
        if missing:
            ordered = sorted(missing)
            for s, b in zip(ordered, self.client.hmget(self.keys.state(p), ordered), strict=True):
                blob = b.encode() if isinstance(b, str) else (b or b"")
                cache[s] = (orjson.loads(blob) if blob else None, blob)

    def _newer_clock(self, result: BatchResult) -> float | None:
        """The event clock this batch moves to (None: it does not move it); the worker's once committed."""
        newest = max([e.ts for e in result.pings] + [r.ts for r in result.reads], default=None)
        return newest if self.clock is None or (newest is not None and newest > self.clock) else None

    def _commit(self, p: int, result: BatchResult, states: dict[str, bytes], seen_due: set[str], ids: Sequence[str],
                clock: float | None) -> None:
        if self.cluster:
            self._commit_cluster(p, result, states, seen_due, ids, clock)
        else:
            self._commit_single(p, result, states, seen_due, ids, clock)

    def _transaction(self, p: int, result: BatchResult, states: dict[str, bytes], seen_due: set[str],
                     ids: Sequence[str], clock: float | None) -> Transaction:
        """``_commit_single``'s transaction for a batch with no reads and no ended silences, packed for
        the committer, which sends it under the lease without waiting for its answer
        (streams/inflight.py); ``settle`` reads it."""
        pipe = self.client.pipeline(transaction=True)  # never executed: the committer sends what it packs
        self._queue_single(pipe, p, result, states, seen_due, {}, [], clock, ids)
        return Transaction.of(pipe)

    def _queue_single(self, pipe: Any, p: int, result: BatchResult, states: dict[str, bytes], seen_due: set[str],
                      reads: dict[str, bytes], ended: list[Alert], clock: float | None, ids: Sequence[str]) -> None:
        """A batch's single-server transaction, queued on ``pipe``: its writes, the ended silences'
        alerts and the acks."""
        queue_batch(pipe, self.keys, p, result, states, reads, clock, self._scripts, time.time(),
                    self.settings.learn_window_s, self.settings.track_retention_s, seen_due)
        if ended:
            queue_alerts(pipe, self.keys, ended)
            pipe.hincrby(self.keys.stats, "alerts", len(ended))
        pipe.xack(self.keys.input(p), self.keys.group, *ids)

    def _watch_lease(self, pipe: Any, p: int) -> None:
        """WATCH partition ``p``'s lease on ``pipe``; ``LostLease`` unless it is this worker's."""
        lease = self.keys.lease(p)
        pipe.watch(lease)
        if text(pipe.get(lease) or "") != self.token:
            raise LostLease

    def _commit_single(self, p: int, result: BatchResult, states: dict[str, bytes], seen_due: set[str],
                       ids: Sequence[str], clock: float | None) -> None:
        """Everything in one MULTI (streams/commit.py: why one server keeps it)."""
        with self.client.pipeline(transaction=True) as pipe:
            try:
                self._watch_lease(pipe, p)
                reads = self._merged_reads(pipe, result)
                ended = self._ended_silences(pipe, p, result)
                pipe.multi()
                self._queue_single(pipe, p, result, states, seen_due, reads, ended, clock, ids)
                pipe.execute()
            except redis.WatchError:
                raise LostLease from None

    def _commit_cluster(self, p: int, result: BatchResult, states: dict[str, bytes], seen_due: set[str],
                        ids: Sequence[str], clock: float | None) -> None:
        """The three steps of streams/commit.py: shared writes, the partition's transaction (with the
        outbox), then the outbox drained into ``cc:alerts`` exactly once."""
        if text(self.client.get(self.keys.lease(p)) or "") != self.token:
            raise LostLease  # checked again under WATCH below; this spares a lost worker the shared writes
        with self.client.pipeline(transaction=False) as pipe:
            reads = self._merged_reads(self.client, result)
            calls = queue_shared(pipe, self.keys, result, reads, self._scripts, time.time(),
                                 self.settings.learn_window_s, self.settings.track_retention_s, cluster=True)
            pipe.execute()
        if clock is not None:
            calls.append((self._scripts.clock, [self.keys.clock], [repr(clock)]))
        run_per_node(self.client, calls)
        with self.client.pipeline(transaction=True) as pipe:
            try:
                self._watch_lease(pipe, p)
                record = outbox_record(result.alerts + self._ended_silences(pipe, p, result), result.dead)
                pipe.multi()
                queue_partition(pipe, self.keys, p, result, states, record, seen_due=seen_due)
                pipe.xack(self.keys.input(p), self.keys.group, *ids)
                pipe.execute()
            except redis.WatchError:
                raise LostLease from None
        if record is not None:
            drain(self.client, self.keys, p, self._scripts, [record])

    def _ended_silences(self, pipe: Any, p: int, result: BatchResult) -> list[Alert]:
        """The unit_offline alerts of silences this batch ended that nobody raised yet: a silence
        inside the batch always; one since the stored last fix only while the unit still waits in
        ``lastseen`` with that fix's time (the periodic check removes it when it raises the alert).
        Either way the id is the one the periodic check would give: one alert per silence."""
        if not result.silences:
            return []
        stored = [a for a, committed in result.silences if committed]
        scores = pipe.zmscore(self.keys.lastseen(p), [a.subject for a in stored]) if stored else []
        waiting = {a.alert_id for a, s in zip(stored, scores, strict=True)
                   if s is not None and abs(float(s) + self.pipeline.city.offline_after_s - a.ts) < 1e-3}
        return [a for a, committed in result.silences if not committed or a.alert_id in waiting]

    def _merged_reads(self, pipe: Any, result: BatchResult) -> dict[str, bytes]:
        by_cp: dict[str, list[Any]] = {}
        for r in result.reads:
            by_cp.setdefault(r.checkpoint, []).append(r)
        if not by_cp:
            return {}
        cps = sorted(by_cp)
        old = pipe.hmget(self.keys.reads, cps)
        return {cp: merge_reads(o, by_cp[cp]) for cp, o in zip(cps, old, strict=True)}

    # --- unit_offline --------------------------------------------------------------------------
    def check_offline(self) -> None:
        """Alert units silent for offline_after_s of event time, as of the newest event time seen.

        Only partitions read to their end are judged: a unit whose fixes still wait in a backlog
        is not silent, whatever the other partitions' event time says.
        """
        self._last_offline_check = time.monotonic()
        raw = self.client.get(self.keys.clock)
        if raw is None:
            return
        clock = float(raw)
        self.clock = max(self.clock or 0.0, clock)
        cutoff = clock - self.pipeline.city.offline_after_s
        for p in sorted(self.leases.owned & self.caught_up):
            due = self.client.zrangebyscore(self.keys.lastseen(p), "-inf", cutoff)
            if due:
                self._offline(p, [text(u) for u in due], clock)

    def _offline(self, p: int, units: list[str], clock: float) -> None:
        blobs = self.client.hmget(self.keys.state(p), units)
        last_seen = {}
        for unit, blob in zip(units, blobs, strict=True):
            last = orjson.loads(blob).get("last") if blob else None
            if last:
                last_seen[unit] = (float(last["ts"]), float(last["lat"]), float(last["lon"]))
        alerts = self.pipeline.silent_units(last_seen, clock)
        with self.client.pipeline(transaction=True) as pipe:
            try:
                self._watch_lease(pipe, p)
                record = outbox_record(alerts) if self.cluster else None
                pipe.multi()
                if record is not None:
                    pipe.rpush(self.keys.outbox(p), record)
                elif not self.cluster:
                    queue_alerts(pipe, self.keys, alerts)
                    if alerts:
                        pipe.hincrby(self.keys.stats, "alerts", len(alerts))
                pipe.zrem(self.keys.lastseen(p), *units)
                pipe.execute()
            except (redis.WatchError, LostLease):
                return
        if record is not None:
            drain(self.client, self.keys, p, self._scripts, [record])


def quiet_gc() -> None:
    """Set the collector up for a worker process: what is alive now (the city pack, the modules) is
    kept out of its passes for good, and it runs at ``GC_THRESHOLDS``. bench/ does the same for the
    ceiling and the worker alike."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def main() -> None:
    settings = Settings.from_env()
    settings.configure_logging()
    if not settings.redis_url:
        raise SystemExit("streams.worker: set REDIS_URL to the Redis to use (app.py starts an embedded one)")
    city = load_city_pack(settings.city_pack)
    quiet_gc()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    # no silent retries: a lost reply must surface so this worker re-reads its pending entries in order
    Worker(connect(settings.redis_url, retry=False, socket_timeout=30), city, settings).run(stop)


if __name__ == "__main__":
    main()
