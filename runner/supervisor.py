"""Start and stop the back end that ``make run`` needs: embedded Redis, workers, demo feed.

Workers and the simulator are separate processes (``python -m streams.worker`` /
``python -m demo.simulator``), exactly as they run at scale; this module only starts them
with the right environment and stops them in reverse order.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from core.settings import ROOT, Settings
from runner.embedded import EmbeddedRedis

__all__ = ["Backend", "start_backend", "start_worker", "DEMO_RECORDING", "DEMO_RECORDING_START"]

log = logging.getLogger("onemap.supervisor")


@dataclass
class Backend:
    """The running back end; ``stop()`` ends it all (SIGTERM, then wait)."""

    redis_url: str
    server: EmbeddedRedis | None = None
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    url_file: Path | None = None  # where the embedded Redis's URL is noted for streams.replay / record

    def stop(self, timeout: float = 10.0) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.server is not None:
            self.server.stop()
        if self.url_file is not None:
            self.url_file.unlink(missing_ok=True)


DEMO_RECORDING = ROOT / "data" / "recordings" / "demo_city.jsonl.gz"
# where the bundled recording's live part begins (demo/recorder.py: 01:56 local on its day); the
# tired coach's earlier drive is written at once, as the simulator sends its backlog
DEMO_RECORDING_START = "2026-06-01T01:56:00+08:00"
ARCHIVE_EVERY_S = 600  # how often the archiver looks for whole past hours (streams/archive.py)


def _spawn(module: str, env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    # a session of its own: Ctrl-C in the terminal reaches only app.py, which stops the children in
    # order (web, then workers, then Redis) instead of all at once
    return subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, env=env, start_new_session=True)


def _demo_feed(settings: Settings) -> tuple[str, ...]:
    """The demo's process: the simulator, or (``CC_DEMO_SOURCE=recording``) the bundled recording
    of the demo city replayed in a loop at ``CC_DEMO_SPEED``."""
    if settings.demo_source == "recording":
        return ("streams.replay", str(DEMO_RECORDING), "--speed", f"{settings.demo_speed:g}", "--loop",
                "--start", DEMO_RECORDING_START)
    return ("demo.simulator",)


def start_worker(redis_url: str, prefix: str, city_pack: Path, name: str) -> subprocess.Popen[bytes]:
    """One worker process (``python -m streams.worker``) on ``redis_url`` under key prefix ``prefix``:
    the Replay tab's sandbox worker, beside (never instead of) the live ones."""
    return _spawn("streams.worker", {**os.environ, "REDIS_URL": redis_url, "CC_PREFIX": prefix,
                                     "CITY_PACK": str(city_pack), "CC_WORKER_NAME": name})


def start_backend(settings: Settings, workers: int | None = None) -> Backend:
    """Embedded Redis when ``REDIS_URL`` is unset, ``workers`` (default ``settings.workers``) worker
    processes, and the demo feed when ``settings.demo`` is on."""
    workers = settings.workers if workers is None else workers
    server = None
    url = settings.redis_url
    if url is None:
        server = EmbeddedRedis(data_dir=settings.data_dir / "redis").start()
        url = server.url
        log.info("embedded Redis on %s (append-only file in %s)", url, server.data_dir)
    backend = Backend(redis_url=url, server=server)
    if server is not None:
        backend.url_file = settings.redis_url_file
        backend.url_file.parent.mkdir(parents=True, exist_ok=True)
        backend.url_file.write_text(url + "\n", encoding="utf-8")
    env = {**os.environ, "REDIS_URL": url, "CITY_PACK": str(settings.city_pack)}
    try:
        for i in range(workers):
            backend.procs.append(_spawn("streams.worker", {**env, "CC_WORKER_NAME": f"worker-{i + 1}"}))
        if workers and settings.track_retention_s > 0:  # past hours of the track store into Parquet files
            backend.procs.append(_spawn("streams.archive", env, "--every", str(ARCHIVE_EVERY_S)))
        if settings.demo:
            module, *args = _demo_feed(settings)
            backend.procs.append(_spawn(module, env, *args))
    except Exception:
        backend.stop()
        raise
    return backend
