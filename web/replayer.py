"""The Replay tab's sandbox: a recording played under its own key prefix with its own worker.

The web process holds one ``Replayer`` (a trainer's sandbox, shared by everyone who opens the tab).
It writes the recording's messages up to the playhead (``web.views.replay.Playback``) into
``{CC_PREFIX}replay:in:{p}`` through ``core.producer``, exactly as ``python -m streams.replay``
does, and a worker process of its own (started through ``runner`` by module name, with
``CC_PREFIX`` set to the sandbox prefix) turns them into alerts there. Nothing of it ever reads or
writes the live prefix: the tab reads positions and alerts from the sandbox's keys alone.

Seeking back, or choosing another recording, starts the sandbox over: its worker is stopped, every
key under the sandbox prefix deleted, a fresh worker started, and the recording written again from
its start up to the playhead at full speed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import redis

from core.keys import Keys
from core.producer import Producer
from streams.recording import Line, load_recording
from web.store import last_fixes
from web.views.replay import Playback, due_count, lead_in

__all__ = ["Replayer", "recordings_in"]

log = logging.getLogger("onemap.replayer")

TICK_S = 0.25
SUFFIXES = (".jsonl", ".jsonl.gz")


class Process(Protocol):
    def terminate(self) -> None: ...
    def wait(self, timeout: float | None = None) -> Any: ...
    def kill(self) -> None: ...


def recordings_in(folder: Path) -> list[str]:
    """The recordings of ``folder`` (``*.jsonl``, ``*.jsonl.gz``) by name."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file() and p.name.endswith(SUFFIXES))


class Replayer:
    """Plays one recording at a time into the sandbox prefix ``keys.prefix``.

    Parameters
    ----------
    client:
        A decoded Redis client.
    keys:
        The sandbox's key names (``Keys(settings.sandbox_prefix)``); never the live prefix.
    partitions:
        ``CC_PARTITIONS``, as the sandbox's worker reads them.
    folder:
        ``CC_RECORDINGS_DIR``.
    spawn:
        Starts the sandbox's worker process (``runner.supervisor.start_worker``); None: no worker
        (a test that runs its own).
    """

    def __init__(self, client: redis.Redis, keys: Keys, partitions: int, folder: Path,
                 spawn: Callable[[], Process] | None, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.client, self.keys, self.folder = client, keys, folder
        self.producer = Producer(client, keys, partitions)
        self.spawn, self.monotonic = spawn, monotonic
        self.lock = threading.RLock()
        self.name: str | None = None
        self.lines: list[Line] = []
        self.line_ts: list[float] = []
        self.playback: Playback | None = None
        self.sent = 0
        self.refused = 0
        self.worker: Process | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the controls ------------------------------------------------------------------------------
    def recordings(self) -> list[str]:
        return recordings_in(self.folder)

    def choose(self, name: str) -> None:
        """Load recording ``name`` (one of ``recordings()``), paused at its start, in a fresh sandbox."""
        if name not in self.recordings():
            raise ValueError(f"no recording {name!r} in {self.folder}")
        lines, refused = load_recording(self.folder / name)
        with self.lock:
            self.name, self.lines, self.refused = name, lines, len(refused)
            self.line_ts = [ln.ts for ln in lines]
            start = lead_in(self.line_ts)  # the lines before it are written at once
            end = max(self.line_ts) if lines else 0.0
            self.playback = Playback(start=start, end=end, position=start, anchor=self.monotonic())
            self._start_over()
        self._ensure_thread()

    def play(self) -> None:
        with self.lock:
            if self.playback is not None:
                self.playback = self.playback.play(self.monotonic())
                if self.sent > due_count(self.line_ts, self.playback.position):
                    self._start_over()  # it played to the end and starts again from the top

    def pause(self) -> None:
        with self.lock:
            if self.playback is not None:
                self.tick()
                self.playback = self.playback.pause(self.monotonic())

    def set_speed(self, speed: float) -> None:
        with self.lock:
            if self.playback is not None:
                self.tick()
                self.playback = self.playback.with_speed(self.monotonic(), speed)

    def seek(self, ts: float) -> None:
        """Move the playhead; back in time starts the sandbox over and replays up to ``ts``."""
        with self.lock:
            if self.playback is None:
                return
            self.playback, back = self.playback.seek(self.monotonic(), ts)
            if back:
                self._start_over()
            self.tick()

    def playhead(self) -> float | None:
        with self.lock:
            return None if self.playback is None else self.playback.at(self.monotonic())

    def status(self) -> dict[str, Any]:
        with self.lock:
            pb = self.playback
            return {"name": self.name, "playing": bool(pb and pb.playing and not pb.finished(self.monotonic())),
                    "speed": pb.speed if pb else None, "playhead": self.playhead(), "sent": self.sent,
                    "total": len(self.lines), "refused": self.refused, "start": pb.start if pb else None,
                    "end": pb.end if pb else None}

    # --- what the tab reads ------------------------------------------------------------------------
    def fixes(self) -> list[dict[str, Any]]:
        """The sandbox's latest fix of every subject."""
        return last_fixes(self.client, self.keys)

    def alerts(self, count: int = 2000) -> list[dict[str, str]]:
        """The sandbox's alerts, oldest first (at most the newest ``count``)."""
        return [f for _, f in reversed(self.client.xrevrange(self.keys.alerts, count=count))]

    # --- the sandbox -------------------------------------------------------------------------------
    def tick(self) -> int:
        """Write every line due at the playhead that is not written yet; how many were written."""
        with self.lock:
            if self.playback is None:
                return 0
            wall = self.monotonic()
            due = due_count(self.line_ts, self.playback.at(wall))
            if due <= self.sent:
                return 0
            batch = [ln.fields for ln in self.lines[self.sent:due]]
            for i in range(0, len(batch), 1000):
                self.producer.send(batch[i:i + 1000])
            self.sent = due
            if self.playback.finished(wall):
                self.playback = self.playback.pause(wall)
            return len(batch)

    def _start_over(self) -> None:
        """Stop the sandbox's worker, delete every key under the sandbox prefix, start a new worker."""
        self._stop_worker()
        self.flush()
        self.sent = 0
        if self.spawn is not None:
            self.worker = self.spawn()

    def flush(self) -> int:
        """Delete every key of the sandbox prefix (and only those); how many."""
        pattern = self.keys.prefix.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?").replace("[", "\\[")
        # "{prefix:..." too: the keys with a Cluster hash tag (core/keys.py) start with a brace
        doomed = [k for match in (f"{pattern}:*", f"{{{pattern}:*")
                  for k in self.client.scan_iter(match=match, count=1000)]
        for i in range(0, len(doomed), 500):
            self.client.unlink(*doomed[i:i + 500])
        return len(doomed)

    def _stop_worker(self) -> None:
        if self.worker is None:
            return
        self.worker.terminate()
        try:
            self.worker.wait(timeout=15)
        except Exception:  # noqa: BLE001 - a worker that does not stop in time is killed
            self.worker.kill()
            self.worker.wait()
        self.worker = None

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="onemap-replayer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(TICK_S):
            try:
                self.tick()
            except redis.RedisError as exc:
                log.warning("replay: cannot write to the sandbox (%s); retrying", exc)

    def close(self) -> None:
        """Stop playing and the sandbox's worker (its keys stay until the next start over)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self.lock:
            self._stop_worker()
