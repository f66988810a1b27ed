"""The Replay tab's sandboxes: one per signed-in person, each its own key prefix and worker.

A person's sandbox (a ``web.replayer.Replayer`` under ``{CC_PREFIX}replay:{name}-{hash}``) is made
when they choose a recording (``open``) and found again by their user name on every control and
every refresh of the tab (``get``, which notes the use). One left unused for ``idle_s`` is stopped:
its worker ended and every key under its prefix deleted (``reap``, run every ``REAP_S`` by a thread
of its own and before a new sandbox is made). At most ``limit`` at once: one more is refused with
``SandboxesFull`` until one goes idle, and the person is told so. Two people never share a sandbox,
so neither ever sees the other's playhead; one person in two browsers shares theirs.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

from web.replayer import Replayer, recordings_in

__all__ = ["REAP_S", "SandboxesFull", "sandbox_prefix", "Sandboxes"]

log = logging.getLogger("onemap.sandboxes")

REAP_S = 30.0


class SandboxesFull(Exception):
    """Every sandbox is in use."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"all {limit} replay sandboxes are in use")
        self.limit = limit


def sandbox_prefix(base: str, owner: str) -> str:
    """The key prefix of ``owner``'s sandbox: readable, and distinct for distinct names however
    they are spelt (any character a user name may hold becomes ``_``; a hash of the name follows).

    >>> sandbox_prefix("ccreplay", "officer")
    'ccreplay:officer-f90409b9'
    >>> sandbox_prefix("ccreplay", "a:b*c") != sandbox_prefix("ccreplay", "a_b_c")
    True
    """
    readable = re.sub(r"[^A-Za-z0-9_-]", "_", owner)[:24]
    return f"{base}:{readable}-{hashlib.sha1(owner.encode('utf-8')).hexdigest()[:8]}"


class Sandboxes:
    """The open sandboxes by owner (a user name).

    Parameters
    ----------
    make:
        Makes the sandbox of a key prefix (with its worker to start); ``app.py`` gives a
        ``Replayer`` whose worker is ``runner.supervisor.start_worker`` under that prefix.
    base:
        ``Settings.sandbox_prefix`` (``{CC_PREFIX}replay``).
    folder:
        ``CC_RECORDINGS_DIR``.
    limit, idle_s:
        ``CC_REPLAY_SANDBOXES`` and ``CC_REPLAY_IDLE_S``.
    """

    def __init__(self, make: Callable[[str], Replayer], base: str, folder: Path, limit: int = 3,
                 idle_s: float = 600.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.make, self.base, self.folder = make, base, folder
        self.limit, self.idle_s, self.monotonic = limit, idle_s, monotonic
        self._lock = threading.Lock()
        self._open: dict[str, tuple[Replayer, float]] = {}  # owner -> (sandbox, its last use)
        self._refused: set[str] = set()  # owners refused since they last had a sandbox
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def recordings(self) -> list[str]:
        return recordings_in(self.folder)

    def owners(self) -> list[str]:
        with self._lock:
            return sorted(self._open)

    def get(self, owner: str) -> Replayer | None:
        """``owner``'s sandbox, if open (noting the use), else None."""
        with self._lock:
            found = self._open.get(owner)
            if found is None:
                return None
            self._open[owner] = (found[0], self.monotonic())
            return found[0]

    def refused(self, owner: str) -> bool:
        """Whether ``owner`` asked for a sandbox when every one was in use, and has none since."""
        with self._lock:
            return owner in self._refused

    def open(self, owner: str) -> Replayer:
        """``owner``'s sandbox, made now if they have none; ``SandboxesFull`` when ``limit`` are open."""
        self.reap()
        with self._lock:
            found = self._open.get(owner)
            if found is not None:
                self._open[owner] = (found[0], self.monotonic())
                return found[0]
            if len(self._open) >= self.limit:
                self._refused.add(owner)
                raise SandboxesFull(self.limit)
            sandbox = self.make(sandbox_prefix(self.base, owner))
            self._open[owner] = (sandbox, self.monotonic())
            self._refused.discard(owner)
        self._ensure_reaper()
        log.info("replay sandbox opened for %s (%d of %d)", owner, len(self._open), self.limit)
        return sandbox

    def reap(self) -> list[str]:
        """Stop every sandbox unused for ``idle_s``; whose they were."""
        now = self.monotonic()
        with self._lock:
            idle = sorted(o for o, (_, used) in self._open.items() if now - used >= self.idle_s)
            doomed = [self._open.pop(o)[0] for o in idle]
        for owner, sandbox in zip(idle, doomed, strict=True):
            self._end(sandbox)
            log.info("replay sandbox of %s stopped after %.0f s unused", owner, self.idle_s)
        return idle

    def close(self) -> None:
        """Stop every sandbox and the reaper (the web process is stopping)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            doomed = [s for s, _ in self._open.values()]
            self._open.clear()
        for sandbox in doomed:
            self._end(sandbox)

    @staticmethod
    def _end(sandbox: Replayer) -> None:
        sandbox.close()
        try:
            sandbox.flush()
        except Exception:  # noqa: BLE001 - Redis away: the keys go with the next start over of that prefix
            log.warning("replay sandbox: could not delete its keys", exc_info=True)

    def _ensure_reaper(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._reap_loop, name="onemap-sandboxes", daemon=True)
            self._thread.start()

    def _reap_loop(self) -> None:
        while not self._stop.wait(REAP_S):
            try:
                self.reap()
            except Exception:  # noqa: BLE001 - the reaper must outlive any one failure
                log.exception("replay sandboxes: reaping failed; going on")
