"""Write input messages exactly as an outside producer does (contract section 3).

A message is a flat ``dict[str, str]``: ``type=gps`` with ``id lat lon ts`` and optional
``speed heading accuracy``; ``type=anpr`` with ``checkpoint plate ts`` and optional
``confidence lane``. An optional field that is ``None`` is left out, never sent empty.
Each message goes to ``cc:in:{crc32(subject) % N}``, the subject being the unit id or plate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import redis

from core.keys import Keys, partition_of
from core.model import fmt_ts

__all__ = ["encode_gps", "encode_anpr", "subject_of", "Producer"]


def encode_gps(subject: str, lat: float, lon: float, ts: float, speed: float | None = None,
               heading: float | None = None, accuracy: float | None = None) -> dict[str, str]:
    """A ``type=gps`` message: lat/lon to 6 decimals (~0.1 m), speed km/h to 0.1, heading whole
    degrees in 0..359, accuracy whole metres.

    >>> encode_gps("P01", 22.5, 114.0, 1700000000, speed=31.25, heading=359.7)
    {'type': 'gps', 'id': 'P01', 'lat': '22.500000', 'lon': '114.000000', 'ts': '1700000000', \
'speed': '31.2', 'heading': '0'}
    """
    fields = {"type": "gps", "id": subject, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "ts": fmt_ts(ts)}
    if speed is not None:
        fields["speed"] = f"{speed:.1f}"
    if heading is not None:
        fields["heading"] = str(round(heading) % 360)
    if accuracy is not None:
        fields["accuracy"] = f"{accuracy:.0f}"
    return fields


def encode_anpr(checkpoint: str, plate: str, ts: float, confidence: float | None = None,
                lane: str | None = None) -> dict[str, str]:
    """A ``type=anpr`` message; confidence to 2 decimals.

    >>> encode_anpr("K01", "粤B12345", 1700000000.5, confidence=0.934)
    {'type': 'anpr', 'checkpoint': 'K01', 'plate': '粤B12345', 'ts': '1700000000.500', 'confidence': '0.93'}
    """
    fields = {"type": "anpr", "checkpoint": checkpoint, "plate": plate, "ts": fmt_ts(ts)}
    if confidence is not None:
        fields["confidence"] = f"{confidence:.2f}"
    if lane is not None:
        fields["lane"] = str(lane)
    return fields


def subject_of(fields: Mapping[str, str]) -> str:
    """The partition key of a message: ``plate`` for ``type=anpr``, else ``id``, trimmed of
    surrounding whitespace (contract 7.2: the worker keeps state under the trimmed subject).

    >>> subject_of({"type": "anpr", "plate": " 粤B1 ", "checkpoint": "A"}), subject_of({"type": "gps", "id": "P01"})
    ('粤B1', 'P01')
    """
    return (fields.get("plate", "") if fields.get("type") == "anpr" else fields.get("id", "")).strip()


class Producer:
    """Sends messages to their partitions ``cc:in:{crc32(subject) % partitions}``.

    Parameters
    ----------
    client:
        A redis-py client.
    keys:
        Key names (``Keys(settings.prefix)``).
    partitions:
        ``CC_PARTITIONS``: must match the workers'.
    """

    def __init__(self, client: redis.Redis, keys: Keys, partitions: int) -> None:
        if partitions < 1:
            raise ValueError(f"partitions must be at least 1, got {partitions}")
        self.client, self.keys, self.partitions = client, keys, partitions

    def send(self, messages: Iterable[Mapping[str, str]], atomic: bool = False) -> list[str]:
        """``XADD`` each message in order, all in one pipeline; the entry ids.

        ``atomic`` wraps them in MULTI/EXEC, so a reader sees all of them or none: for a backlog
        whose first half alone would move the workers' event clock hours back.
        """
        with self.client.pipeline(transaction=atomic) as pipe:
            for fields in messages:
                pipe.xadd(self.keys.input(partition_of(subject_of(fields), self.partitions)), dict(fields))
            return [i.decode() if isinstance(i, bytes) else str(i) for i in pipe.execute()]
