"""Typed settings, read once from the environment (contract section 1).

Every setting has one home here, with its default and what it means; nothing
else in OneMap reads ``os.environ`` for these names.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.timeutil import parse_hours
from core.travel import DEFAULT_LEARN_WINDOW_S

__all__ = ["ROOT", "DEMO_CITY", "DEFAULT_ESCALATE_S", "Settings", "parse_tokens", "parse_escalation"]

ROOT = Path(__file__).resolve().parent.parent
DEMO_CITY = ROOT / "data" / "demo_city"
# seconds of event time an alert may stay unacknowledged before the screens mark it overdue
DEFAULT_ESCALATE_S: dict[str, float] = {"red": 300.0, "orange": 900.0, "yellow": 1800.0, "blue": 3600.0}


def parse_tokens(raw: str) -> dict[str, str]:
    """Parse ``CC_API_TOKENS`` (``token:role,token:role``) into ``{token: role}``.

    >>> parse_tokens("abc:officer, u1:unit:P01")
    {'abc': 'officer', 'u1': 'unit:P01'}
    """
    tokens: dict[str, str] = {}
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        token, sep, role = item.partition(":")
        if not sep or not token or not role:
            raise ValueError(f"CC_API_TOKENS: entry {item!r} is not token:role")
        tokens[token] = role
    return tokens


def parse_escalation(raw: str) -> dict[str, float]:
    """Parse ``CC_ESCALATE_S`` (``severity:seconds,...``) over the defaults of ``DEFAULT_ESCALATE_S``.

    Colors left out keep their default; an unknown color or a time that is not a positive number
    is refused with a ``ValueError`` naming the variable.

    >>> parse_escalation("red:120, blue:7200")
    {'red': 120.0, 'orange': 900.0, 'yellow': 1800.0, 'blue': 7200.0}
    >>> parse_escalation("pink:1")
    Traceback (most recent call last):
    ...
    ValueError: CC_ESCALATE_S: 'pink:1' is not severity:seconds (red, orange, yellow, blue; seconds > 0)
    """
    out = dict(DEFAULT_ESCALATE_S)
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        sev, _, secs = item.partition(":")
        try:
            value = float(secs)
        except ValueError:
            value = -1.0
        if sev.strip() not in out or not value > 0 or value == float("inf"):
            raise ValueError(f"CC_ESCALATE_S: {item!r} is not severity:seconds (red, orange, yellow, blue; "
                             "seconds > 0)")
        out[sev.strip()] = value
    return out


def _number(env: dict[str, str], var: str, cast: type, default: float) -> Any:
    """``env[var]`` as ``cast`` (int or float), ``default`` when unset or empty; the error names ``var``.

    >>> _number({"PORT": "9000"}, "PORT", int, 8050), _number({}, "PORT", int, 8050)
    (9000, 8050)
    >>> _number({"PORT": "x"}, "PORT", int, 8050)
    Traceback (most recent call last):
    ...
    ValueError: PORT: 'x' is not a whole number
    """
    raw = env.get(var)
    if not raw:
        return default
    try:
        return cast(raw)
    except ValueError:
        kind = "a whole number" if cast is int else "a number"
        raise ValueError(f"{var}: {raw!r} is not {kind}") from None


def _queue_url(raw: str | None) -> str:
    """``CC_MESSAGE_QUEUE`` when it names a Redis rather than switching the queue on.

    >>> _queue_url("redis://10.0.0.5:6379/0"), _queue_url("1"), _queue_url(None)
    ('redis://10.0.0.5:6379/0', '', '')
    >>> s = Settings.from_env({"CC_MESSAGE_QUEUE": "redis://10.0.0.5:6379/0"})
    >>> s.message_queue, s.message_queue_url, Settings.from_env({"CC_MESSAGE_QUEUE": "1"}).message_queue_url
    (True, 'redis://10.0.0.5:6379/0', '')
    """
    raw = (raw or "").strip()
    return raw if raw.startswith(("redis://", "rediss://", "unix://")) else ""


def _flag(raw: str | None, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


# numeric settings: field -> (variable, type); the defaults are the fields' own
_NUMBERS: dict[str, tuple[str, type]] = {
    "partitions": ("CC_PARTITIONS", int), "port": ("PORT", int), "osmand_port": ("OSMAND_PORT", int),
    "demo_speed": ("CC_DEMO_SPEED", float), "batch": ("CC_BATCH", int), "workers": ("CC_WORKERS", int),
    "lease_ttl_ms": ("CC_LEASE_TTL_MS", int), "sweep_idle_ms": ("CC_SWEEP_IDLE_MS", int),
    "future_s": ("CC_FUTURE_S", float), "max_body_bytes": ("CC_MAX_BODY_BYTES", int),
    "learn_window_s": ("CC_LEARN_WINDOW_S", float),
    "input_retention_s": ("CC_INPUT_RETENTION_S", float), "state_retention_s": ("CC_STATE_RETENTION_S", float),
    "incident_window_s": ("CC_INCIDENT_WINDOW_S", float),
    "accept_s": ("CC_ACCEPT_S", float), "scene_s": ("CC_SCENE_S", float),
    "track_retention_s": ("CC_TRACK_RETENTION_S", float), "coverage_target": ("CC_COVERAGE_TARGET", float),
    "replay_sandboxes": ("CC_REPLAY_SANDBOXES", int), "replay_idle_s": ("CC_REPLAY_IDLE_S", float),
}


@dataclass(frozen=True)
class Settings:
    """OneMap's settings.

    Attributes
    ----------
    redis_url:
        ``REDIS_URL``; ``None`` means: start an embedded server on a free loopback port.
    city_pack:
        ``CITY_PACK``; folder of the city pack, default the bundled demo city.
    demo:
        ``CC_DEMO``; feed the demo simulator into the input partitions. Default on for
        the bundled demo city, off for any other pack.
    prefix:
        ``CC_PREFIX``; prefix of every Redis key.
    partitions:
        ``CC_PARTITIONS``; number of input partitions ``cc:in:{p}``.
    api_tokens:
        ``CC_API_TOKENS``; ``{token: role}`` for programs calling the HTTP API.
    port:
        ``PORT``; the web app's port.
    osmand_port:
        ``OSMAND_PORT``; the OsmAnd listener's own port (Traccar's default 5055).
    tile_url:
        ``TILE_URL``; map tile URL template; empty means no tiles (plain background).
    data_dir:
        ``CC_DATA_DIR``; where the embedded Redis keeps its append-only file.
    demo_speed:
        ``CC_DEMO_SPEED``; event seconds per wall second for the demo simulator.
    batch:
        ``CC_BATCH``; entries a worker reads per partition at a time.
    workers:
        ``CC_WORKERS``; worker processes ``app.py`` starts beside the web app.
    worker_name:
        ``CC_WORKER_NAME``; this worker process's name in logs and health (default: host and pid).
    message_queue:
        ``CC_MESSAGE_QUEUE``; several web processes share Socket.IO pushes through Redis.
    message_queue_url:
        ``CC_MESSAGE_QUEUE`` when it is a Redis URL (``redis://…``) rather than a flag: the Redis of
        that message queue (e.g. a plain Redis beside a Redis Cluster); empty: ``REDIS_URL``.
    host:
        ``HOST``; the address the web app listens on (``0.0.0.0`` for a wall PC elsewhere).
    osmand_host:
        ``OSMAND_HOST``; the address the OsmAnd listener listens on.
    log_level:
        ``LOG_LEVEL``; the level of every process's log.
    lease_ttl_ms:
        ``CC_LEASE_TTL_MS``; how long a worker's partition lease lives without renewal: a worker
        stalled longer than this loses its partitions to another.
    future_s:
        ``CC_FUTURE_S``; a fix or plate read more than this many seconds ahead of the wall clock is
        dropped (counted as ``dropped:future``) and never advances the event clock. The only place
        where the wall clock meets event time.
    learn_window_s:
        ``CC_LEARN_WINDOW_S``; how far back (event time) travel samples between checkpoints count for
        the intercept model (default 7 days); the worker drops older ones (docs/INTERCEPTS.md).
    input_retention_s:
        ``CC_INPUT_RETENTION_S``; input entries older than this (by entry id time) are trimmed once
        every consumer group has acknowledged them; never an unacknowledged one.
    state_retention_s:
        ``CC_STATE_RETENTION_S``; a subject silent for this long in event time starts afresh (its
        rule state is forgotten, deterministically), and its stored state, latest fix and track go.
    track_retention_s:
        ``CC_TRACK_RETENTION_S``; how long the worker keeps each hour of fixes of units and monitored
        vehicles in Redis (the track store's recent part, core/tracks.py) after the hour's first write;
        older hours live in Parquet files under ``{data_dir}/tracks`` once archived
        (``python -m streams.archive``). Default 48 h; ``0`` turns the track store off.
    coverage_target:
        ``CC_COVERAGE_TARGET``; the share of a patrol zone's cells (0-1) the Coverage tab expects a
        shift to cover: zones at or above it are drawn green, below it amber or red. Default 0.6.
    max_body_bytes:
        ``CC_MAX_BODY_BYTES``; the largest HTTP request body accepted; larger ones get 413 before
        anything parses them.
    rate_device:
        ``CC_RATE_DEVICE``; how often one device may send through the OsmAnd protocol (Flask-Limiter
        notation, e.g. ``10/second``); more gets 429 with ``Retry-After``.
    rate_token:
        ``CC_RATE_TOKEN``; how often one API token may call (e.g. ``100/second``).
    sweep_idle_ms:
        ``CC_SWEEP_IDLE_MS``; an input entry pending this long in any consumer (a stalled or lost
        worker's) is claimed by the partition's owner and processed again.
    escalate_s:
        ``CC_ESCALATE_S``; per severity, the seconds of event time an alert may stay unacknowledged
        before the screens mark it (and its incident) overdue: ``red:300,orange:900,yellow:1800,
        blue:3600`` by default; colors left out keep their default. Alerts stay open until someone
        acknowledges them, however old; this only decides when they escalate.
    incident_window_s:
        ``CC_INCIDENT_WINDOW_S``; alerts of one subject (plate or unit) form one incident on the
        screens while each comes within this many seconds of event time of the previous one
        (default 1800). ``cc:alerts`` keeps one entry per alert; incidents are a view.
    accept_s:
        ``CC_ACCEPT_S``; seconds of event time a dispatch order may wait for the unit's first answer:
        past it the Dispatch tab shows the order overdue and the web process escalates it once
        (audit ``escalate``, the officers told, the next candidate offered). Default 60.
    scene_s:
        ``CC_SCENE_S``; seconds of event time from an order to its unit being on scene before the
        Dispatch tab shows the order's time to scene overdue. Default 900.
    users:
        ``CC_USERS``; path of the users file (JSON list of ``{username, role, unit?, password_hash}``,
        written by ``python -m web.users add``). Unset: the demo accounts ``officer``,
        ``supervisor``, ``wall`` and ``unit-{unit id}``, password ``demo``, with a banner saying so.
    secret_key:
        ``CC_SECRET_KEY``; signs the session cookies. Unset: a random key made once and kept in
        ``{data_dir}/secret_key``, so restarts keep people signed in.
    cookie_secure:
        ``CC_COOKIE_SECURE``; send session cookies only over https (turn on behind TLS; off by
        default because the demo is plain http on localhost).
    rate_sign_in:
        ``CC_RATE_SIGN_IN``; how many sign-in attempts one address may make (default ``20/minute``).
    odd_hours:
        ``CC_ODD_HOURS``; ``"HH:MM-HH:MM"`` of the city's local time (may wrap midnight) in which a
        sign-in, or a failed one, is flagged on the Audit tab (default ``00:00-05:00``).
    recordings_dir:
        ``CC_RECORDINGS_DIR``; the folder of recordings (``*.jsonl``, ``*.jsonl.gz``) the Replay tab
        offers (default ``data/recordings``).
    demo_source:
        ``CC_DEMO_SOURCE``; what feeds the demo when ``CC_DEMO`` is on: ``simulator`` (a live-looking
        city, the default) or ``recording`` (``data/recordings/demo_city.jsonl`` replayed in a loop).
    replay_sandboxes, replay_idle_s:
        ``CC_REPLAY_SANDBOXES`` / ``CC_REPLAY_IDLE_S``; how many people may replay at once (each
        sandbox is a worker process; default 3), and after how many seconds without use a
        person's sandbox is stopped (default 600).
    """

    redis_url: str | None = None
    city_pack: Path = DEMO_CITY
    demo: bool = True
    prefix: str = "cc"
    partitions: int = 4
    api_tokens: dict[str, str] = field(default_factory=dict)
    port: int = 8050
    osmand_port: int = 5055
    tile_url: str = ""
    data_dir: Path = ROOT / "var"
    demo_speed: float = 5.0
    batch: int = 1000
    workers: int = 1
    worker_name: str = ""
    message_queue: bool = False
    message_queue_url: str = ""
    host: str = "127.0.0.1"
    osmand_host: str = "127.0.0.1"
    log_level: str = "INFO"
    lease_ttl_ms: int = 10_000
    sweep_idle_ms: int = 30_000
    future_s: float = 300.0
    learn_window_s: float = DEFAULT_LEARN_WINDOW_S
    input_retention_s: float = 86_400.0
    state_retention_s: float = 86_400.0
    track_retention_s: float = 172_800.0
    coverage_target: float = 0.6
    max_body_bytes: int = 4_194_304
    rate_device: str = "10/second"
    rate_token: str = "100/second"
    escalate_s: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_ESCALATE_S))
    incident_window_s: float = 1800.0
    accept_s: float = 60.0
    scene_s: float = 900.0
    users: Path | None = None
    secret_key: str = ""
    cookie_secure: bool = False
    rate_sign_in: str = "20/minute"
    odd_hours: str = "00:00-05:00"
    recordings_dir: Path = ROOT / "data" / "recordings"
    demo_source: str = "simulator"
    replay_sandboxes: int = 3
    replay_idle_s: float = 600.0

    @property
    def redis_url_file(self) -> Path:
        """Where ``app.py`` notes the URL of the embedded Redis it started (``streams.replay`` and
        ``streams.record`` find the running system there when ``REDIS_URL`` is unset)."""
        return self.data_dir / "redis" / "url"

    @property
    def sandbox_prefix(self) -> str:
        """The key prefix under which the Replay tab's sandboxes live (``{prefix}replay``, each person's
        ``{prefix}replay:{name}-{hash}``): never the live one."""
        return f"{self.prefix}replay"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read settings from ``env`` (default ``os.environ``); raise ``ValueError`` naming the variable."""
        e = dict(os.environ if env is None else env)
        pack = Path(e["CITY_PACK"]).resolve() if e.get("CITY_PACK") else DEMO_CITY
        n = {name: _number(e, var, cast, getattr(cls, name)) for name, (var, cast) in _NUMBERS.items()}
        if n["partitions"] < 1:
            raise ValueError("CC_PARTITIONS must be at least 1")
        if not 0 < n["learn_window_s"] < float("inf"):
            raise ValueError("CC_LEARN_WINDOW_S must be a positive number of seconds")
        if not 0 < n["incident_window_s"] < float("inf"):
            raise ValueError("CC_INCIDENT_WINDOW_S must be a positive number of seconds")
        odd_hours = (e.get("CC_ODD_HOURS") or "00:00-05:00").strip()
        try:
            parse_hours(odd_hours)
        except ValueError as exc:
            raise ValueError(f"CC_ODD_HOURS: {exc} (local time, e.g. 00:00-05:00)") from None
        if not 0 <= n["track_retention_s"] < float("inf"):
            raise ValueError("CC_TRACK_RETENTION_S must be a number of seconds (0 turns the track store off)")
        if not 0 <= n["coverage_target"] <= 1:
            raise ValueError("CC_COVERAGE_TARGET must be a share between 0 and 1")
        if n["replay_sandboxes"] < 1 or not 0 < n["replay_idle_s"] < float("inf"):
            raise ValueError("CC_REPLAY_SANDBOXES must be 1 or more and CC_REPLAY_IDLE_S a positive number of seconds")
        for name, var in (("accept_s", "CC_ACCEPT_S"), ("scene_s", "CC_SCENE_S")):
            if not 0 < n[name] < float("inf"):
                raise ValueError(f"{var} must be a positive number of seconds")
        demo_source = (e.get("CC_DEMO_SOURCE") or "simulator").strip().lower()
        if demo_source not in ("simulator", "recording"):
            raise ValueError(f"CC_DEMO_SOURCE: {demo_source!r} is not simulator or recording")
        return cls(
            redis_url=e.get("REDIS_URL") or None,
            city_pack=pack,
            demo=_flag(e.get("CC_DEMO"), default=pack == DEMO_CITY),
            prefix=e.get("CC_PREFIX") or "cc",
            api_tokens=parse_tokens(e.get("CC_API_TOKENS", "")),
            tile_url=e.get("TILE_URL", ""),
            data_dir=Path(e.get("CC_DATA_DIR") or ROOT / "var"),
            worker_name=(e.get("CC_WORKER_NAME") or "").strip(),
            message_queue=_flag(e.get("CC_MESSAGE_QUEUE"), default=False) or _queue_url(e.get("CC_MESSAGE_QUEUE")) != "",
            message_queue_url=_queue_url(e.get("CC_MESSAGE_QUEUE")),
            host=e.get("HOST") or "127.0.0.1",
            osmand_host=e.get("OSMAND_HOST") or "127.0.0.1",
            log_level=(e.get("LOG_LEVEL") or "INFO").upper(),
            rate_device=e.get("CC_RATE_DEVICE") or "10/second",
            rate_token=e.get("CC_RATE_TOKEN") or "100/second",
            escalate_s=parse_escalation(e.get("CC_ESCALATE_S", "")),
            users=Path(e["CC_USERS"]) if e.get("CC_USERS") else None,
            secret_key=e.get("CC_SECRET_KEY") or "",
            cookie_secure=_flag(e.get("CC_COOKIE_SECURE"), default=False),
            rate_sign_in=e.get("CC_RATE_SIGN_IN") or "20/minute",
            odd_hours=odd_hours,
            recordings_dir=Path(e.get("CC_RECORDINGS_DIR") or ROOT / "data" / "recordings"),
            demo_source=demo_source,
            **n,
        )

    def configure_logging(self) -> None:
        """Every process logs the same way, at ``LOG_LEVEL``."""
        logging.basicConfig(level=self.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
