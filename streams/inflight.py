"""One batch's transaction in flight while the worker computes the next one (single server).

The worker queues a batch's writes on a redis-py transaction pipeline that is never executed
(streams/commit.py). ``Committer.send`` guards them as ``Pipeline.execute`` with ``WATCH`` would,
on a connection of the committer's own: one round trip ``WATCH`` the partition's lease, ``GET`` it
(and ``SCRIPT EXISTS`` the batch's scripts, loading any missing, so no ``EVALSHA`` can fail inside
the transaction); only if the lease is still this worker's, it sends ``MULTI`` … ``EXEC`` — and
returns without waiting for the answer. The commands are packed beforehand (``Transaction.of``),
so the worker packs a batch while the transaction before it still runs, and only then settles.
Redis runs the transaction while Python computes the next batch; ``settle`` reads the answer
before the next ``send``. One
thread, so nothing waits for the interpreter's lock, and the lease is checked before the next
batch's transaction as before each one in line.

``settle`` answers the partition whose lease changed between ``WATCH`` and ``EXEC`` (nothing of
the batch was written; its entries stay pending for the new owner), or raises what failed (a
dropped connection: the worker re-reads its pending entries, as after any failure). Only one
transaction is ever in flight, so batches commit in the order they were read.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import hiredis
import redis
from redis.client import Pipeline
from redis.exceptions import ExecAbortError, ResponseError

__all__ = ["Committer", "LostLease", "ReadAhead", "Transaction"]


def pack(commands: list[tuple[Any, ...]]) -> bytes:
    r"""Commands as RESP bytes, packed by hiredis in C: what redis-py's own hiredis serializer sends
    (it passes str, bytes, int and float through to ``hiredis.pack_command`` too), without its
    Python pass over every argument. Command names are single words here.

    >>> pack([("HSET", "k", "f", b"v"), ("ZADD", "z", 1.5, "m")])
    b'*4\r\n$4\r\nHSET\r\n$1\r\nk\r\n$1\r\nf\r\n$1\r\nv\r\n*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\n1.5\r\n$1\r\nm\r\n'
    """
    packer = hiredis.pack_command
    return b"".join([packer(args) for args in commands])


class Transaction(NamedTuple):
    """A queued pipeline packed for ``Committer.send``: ``MULTI``, its commands and ``EXEC`` as RESP."""

    commands: int  # how many between MULTI and EXEC
    scripts: dict[str, str]  # sha -> source of the scripts it calls
    body: bytes

    @classmethod
    def of(cls, pipe: Pipeline) -> Transaction:
        commands = [args for args, _ in pipe.command_stack]
        return cls(len(commands), {s.sha: s.script for s in pipe.scripts}, pack([("MULTI",), *commands, ("EXEC",)]))


class LostLease(Exception):
    """Another worker owns the partition now; the batch was not committed."""


class Committer:
    """Sends one guarded MULTI/EXEC at a time and reads its answer later; see the module's text."""

    def __init__(self, client: redis.Redis, token: str) -> None:
        self._client = client
        self._token = token
        self._conn: Any = None
        self._inflight: tuple[int, int] | None = None  # the partition, how many commands were queued

    def send(self, p: int, lease: str, txn: Transaction) -> None:
        """Commit ``txn`` under ``lease`` without waiting for the answer; raises ``LostLease``
        (nothing sent) when the lease is not this worker's. Settle first."""
        if self._inflight is not None:
            raise RuntimeError("Committer.send: settle the transaction in flight first")
        if self._conn is None:
            self._conn = self._client.connection_pool.get_connection()
        conn = self._conn
        scripts = txn.scripts
        try:
            guard: list[tuple[Any, ...]] = [("WATCH", lease), ("GET", lease)]
            if scripts:
                guard.append(("SCRIPT", "EXISTS", *scripts))
            conn.send_packed_command([pack(guard)])
            conn.read_response()
            owner = conn.read_response()
            exists = conn.read_response() if scripts else []
            if owner != self._token:
                conn.send_command("UNWATCH")
                conn.read_response()
                raise LostLease
            for source, there in zip(scripts.values(), exists, strict=True):
                if not there:  # e.g. a restarted server: load it, or EVALSHA would fail inside EXEC
                    conn.send_command("SCRIPT", "LOAD", source)
                    conn.read_response()
            conn.send_packed_command([txn.body])
        except LostLease:
            raise
        except BaseException:
            conn.disconnect()  # a half-sent or half-read exchange must not be taken for the next one's
            raise
        self._inflight = (p, txn.commands)

    def settle(self) -> int | None:
        """Read the answer of the transaction in flight (if any): the partition whose lease changed
        before ``EXEC``, or None when it committed or nothing was in flight; other failures raise."""
        if self._inflight is None:
            return None
        p, count = self._inflight
        self._inflight = None
        conn = self._conn
        try:
            errors: list[ResponseError] = []
            for _ in range(count + 1):  # MULTI's OK, then QUEUED for each command
                try:
                    conn.read_response()
                except ResponseError as exc:
                    errors.append(exc)
            try:
                replies = conn.read_response()
            except ExecAbortError:  # a command was refused while queuing: nothing ran
                raise errors[0] if errors else ResponseError("EXEC aborted") from None
        except BaseException:
            conn.disconnect()
            raise
        if replies is None:  # the lease changed between WATCH and EXEC
            return p
        failed = errors + [r for r in replies if isinstance(r, Exception)]
        if failed:
            raise failed[0]
        return None

    def close(self) -> None:
        """Give the connection back (after ``settle``)."""
        if self._conn is not None:
            self._client.connection_pool.release(self._conn)
            self._conn = None


class ReadAhead:
    """The next ``XREADGROUP`` of the worker's partitions, sent before the batches in hand are
    computed and taken at the next step, so Redis serves it while Python computes.

    Its entries are delivered (pending under this consumer) from the moment it is sent: a partition
    lost or put back into recovery meanwhile skips its rows, which recovery or the new owner reads
    again. ``forget`` after any failure drops the connection, so an answer never read cannot be
    mistaken for a later one's; its entries are pending and recovered like any others.
    """

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._conn: Any = None
        self.sent = False

    def send(self, group: str, consumer: str, streams: list[str], count: int) -> None:
        if self._conn is None:
            self._conn = self._client.connection_pool.get_connection()
        self._conn.send_command("XREADGROUP", "GROUP", group, consumer, "COUNT", count, "STREAMS", *streams,
                                *[">"] * len(streams))
        self.sent = True

    def take(self) -> list[Any]:
        """The answer, ``[(stream, [(id, fields), ...]), ...]`` with each entry's fields as Redis sends
        them, a flat list ``[name, value, ...]``, not redis-py's dict per entry: the worker reads a
        batch's fields into columns at once (``streams.fastpath.flat_columns``; ``as_fields`` makes
        the dicts where it does not). RESP2's list of streams and RESP3's map alike."""
        self.sent = False
        try:
            reply = self._conn.read_response()
        except BaseException:
            self.forget()
            raise
        if isinstance(reply, dict):  # RESP3: {stream: entries}
            return list(reply.items())
        return reply or []

    def forget(self) -> None:
        self.sent = False
        if self._conn is not None:
            self._conn.disconnect()

    def close(self) -> None:
        self.forget()
        if self._conn is not None:
            self._client.connection_pool.release(self._conn)
            self._conn = None
