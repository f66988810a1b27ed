"""One batch's transaction in flight while the worker computes the next one (single server).

The worker queues a batch's writes on a redis-py transaction pipeline that is never executed
(streams/commit.py), and ``Committer.send`` packs them into bytes on the worker's own thread; a
thread of the committer's own then sends them on a connection of its own, guarded as
``Pipeline.execute`` with ``WATCH`` would be: ``WATCH`` the partition's lease, ``GET`` it (and
``SCRIPT EXISTS`` the batch's scripts, loading any missing, so no ``EVALSHA`` can fail inside the
transaction), and only if the lease is still this worker's, ``MULTI`` … ``EXEC``. Redis works on
the transaction while Python computes the next batch; the thread itself does little but wait, so
it seldom needs the interpreter's lock.

``settle`` waits for the transaction in flight: it answers the partition whose lease was lost
(nothing of the batch was written; its entries stay pending for the new owner), or raises what
failed (a dropped connection: the worker re-reads its pending entries, as after any failure).
Only one transaction is ever in flight, so batches commit in the order they were read.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import hiredis
import redis
from redis.client import Pipeline
from redis.exceptions import ExecAbortError, ResponseError

__all__ = ["Committer", "LostLease", "ReadAhead"]


def pack(commands: list[tuple[Any, ...]]) -> bytes:
    r"""Commands as RESP bytes, packed by hiredis in C: what redis-py's own hiredis serializer sends
    (it passes str, bytes, int and float through to ``hiredis.pack_command`` too), without its
    Python pass over every argument. Command names are single words here.

    >>> pack([("HSET", "k", "f", b"v"), ("ZADD", "z", 1.5, "m")])
    b'*4\r\n$4\r\nHSET\r\n$1\r\nk\r\n$1\r\nf\r\n$1\r\nv\r\n*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\n1.5\r\n$1\r\nm\r\n'
    """
    packer = hiredis.pack_command
    return b"".join([packer(args) for args in commands])


class LostLease(Exception):
    """Another worker owns the partition now; the batch was not committed."""


class Committer:
    """Sends one guarded MULTI/EXEC at a time from a thread; see the module's text."""

    def __init__(self, client: redis.Redis, token: str, name: str) -> None:
        self._client = client
        self._token, self._name = token, name
        self._conn: Any = None
        self._executor: ThreadPoolExecutor | None = None
        self._inflight: tuple[int, Future[None]] | None = None

    @property
    def busy(self) -> bool:
        return self._inflight is not None

    def send(self, p: int, lease: str, pipe: Pipeline) -> None:
        """Pack ``pipe``'s queued commands here and commit them on the committer's thread, under
        ``lease``; the previous transaction must have been settled."""
        if self._inflight is not None:
            raise RuntimeError("Committer.send: settle the transaction in flight first")
        if self._conn is None:
            self._conn = self._client.connection_pool.get_connection()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"commit-{self._name}")
        commands = [args for args, _ in pipe.command_stack]
        body = [pack([("MULTI",), *commands, ("EXEC",)])]
        scripts = {s.sha: s.script for s in pipe.scripts}
        self._inflight = (p, self._executor.submit(self._run, lease, body, len(commands), scripts))

    def settle(self) -> int | None:
        """Wait for the transaction in flight (if any): the partition whose lease it lost, or None
        when it committed or nothing was in flight; any other failure is raised."""
        if self._inflight is None:
            return None
        p, future = self._inflight
        self._inflight = None
        try:
            future.result()
        except LostLease:
            return p
        return None

    def close(self) -> None:
        """Stop the thread and give the connection back (after ``settle``)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._conn is not None:
            self._client.connection_pool.release(self._conn)
            self._conn = None

    def _run(self, lease: str, body: list[bytes], count: int, scripts: dict[str, str]) -> None:
        conn = self._conn
        try:
            guard: list[tuple[Any, ...]] = [("WATCH", lease), ("GET", lease)]
            if scripts:
                guard.append(("SCRIPT", "EXISTS", *scripts))
            conn.send_packed_command(conn.pack_commands(guard))
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
            conn.send_packed_command(body)
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
            if replies is None:  # the lease changed between WATCH and EXEC
                raise LostLease
            failed = errors + [r for r in replies if isinstance(r, Exception)]
            if failed:
                raise failed[0]
        except LostLease:
            raise
        except BaseException:
            conn.disconnect()  # a half-read reply must not be taken for the next transaction's
            raise


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
        """The answer, shaped as ``redis.Redis.xreadgroup``'s: ``[[stream, [(id, fields), ...]], ...]``."""
        self.sent = False
        try:
            return self._client.parse_response(self._conn, "XREADGROUP") or []
        except BaseException:
            self.forget()
            raise

    def forget(self) -> None:
        self.sent = False
        if self._conn is not None:
            self._conn.disconnect()

    def close(self) -> None:
        self.forget()
        if self._conn is not None:
            self._client.connection_pool.release(self._conn)
            self._conn = None
