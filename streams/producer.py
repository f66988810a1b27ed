"""Write input messages exactly as an outside producer does (contract section 3)."""

from __future__ import annotations

from collections.abc import Iterable

import redis

from streams.keys import Keys, partition_of
from streams.model import fmt_ts

__all__ = ["encode_gps", "encode_anpr", "subject_of", "Producer"]


def _opt(fields: dict[str, str], name: str, value: float | str | None, fmt: str = "{:g}") -> None:
    if value is not None:
        fields[name] = fmt.format(value) if not isinstance(value, str) else value


def encode_gps(subject: str, lat: float, lon: float, ts: float, speed: float | None = None,
               heading: float | None = None, accuracy: float | None = None) -> dict[str, str]:
    """A ``type=gps`` message.

    >>> encode_gps("P01", 22.5, 114.0, 1700000000, speed=31.25)
    {'type': 'gps', 'id': 'P01', 'lat': '22.500000', 'lon': '114.000000', 'ts': '1700000000', 'speed': '31.2'}
    """
    fields = {"type": "gps", "id": subject, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "ts": fmt_ts(ts)}
    _opt(fields, "speed", speed, "{:.1f}")
    _opt(fields, "heading", heading, "{:.0f}")
    _opt(fields, "accuracy", accuracy, "{:.0f}")
    return fields


def encode_anpr(checkpoint: str, plate: str, ts: float, confidence: float | None = None,
                lane: str | None = None) -> dict[str, str]:
    """A ``type=anpr`` message."""
    fields = {"type": "anpr", "checkpoint": checkpoint, "plate": plate, "ts": fmt_ts(ts)}
    _opt(fields, "confidence", confidence, "{:.2f}")
    _opt(fields, "lane", lane)
    return fields


def subject_of(fields: dict[str, str]) -> str:
    """The partition key of a message: the unit id or plate."""
    return fields.get("id") or fields.get("plate") or ""


class Producer:
    """Sends messages to their partitions ``cc:in:{crc32(subject) % N}`` in one round trip."""

    def __init__(self, client: redis.Redis, keys: Keys, partitions: int) -> None:
        self.client, self.keys, self.partitions = client, keys, partitions

    def send(self, messages: Iterable[dict[str, str]]) -> list[str]:
        with self.client.pipeline(transaction=False) as pipe:
            for fields in messages:
                pipe.xadd(self.keys.input(partition_of(subject_of(fields), self.partitions)), fields)
            return [i.decode() if isinstance(i, bytes) else str(i) for i in pipe.execute()]
