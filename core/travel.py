"""Travel samples between checkpoints: what the worker records and the intercept model reads.

A sample is one plate read at checkpoint ``b`` after its previous read at checkpoint ``a``, where
``b`` is one of ``a``'s ``next`` checkpoints and the reads are at most ``MAX_GAP_S`` of event time
apart. It is kept in the sorted set ``cc:travel:{a}>{b}`` (``Keys.travel``) as the member
``"{seconds}|{plate}|{ts}"`` with score ``ts`` (event time of the read at ``b``): the same read
gives the same member, so a redelivered read never counts twice. The worker keeps the newest
``KEEP_PER_PAIR`` samples of a pair and none older than the learning window (``CC_LEARN_WINDOW_S``).
"""

from __future__ import annotations

from typing import NamedTuple

from core.model import fmt_ts

__all__ = ["MAX_GAP_S", "KEEP_PER_PAIR", "DEFAULT_LEARN_WINDOW_S", "TravelSample", "seconds_of"]

MAX_GAP_S = 7200.0  # reads further apart than this are two trips, not one hop
KEEP_PER_PAIR = 500  # newest samples kept per ordered pair of checkpoints
DEFAULT_LEARN_WINDOW_S = 7 * 86400.0


class TravelSample(NamedTuple):
    """``plate`` drove from checkpoint ``a`` to ``b`` in ``seconds``, arriving at event time ``ts``.

    A named tuple, not a frozen dataclass: the worker makes one per hop, and this is 8 x cheaper."""

    a: str
    b: str
    seconds: float
    plate: str
    ts: float

    @property
    def member(self) -> str:
        """The sorted-set member: the same read always gives the same text.

        >>> TravelSample("K01", "K02", 61.5, "粤B1", 1700000061.5).member
        '61.500|粤B1|1700000061.500'
        """
        return f"{self.seconds:.3f}|{self.plate}|{fmt_ts(self.ts)}"


def seconds_of(member: str | bytes) -> float | None:
    """The travel time of a stored member; ``None`` when it is not one.

    >>> seconds_of("61.500|粤B1|1700000061.500"), seconds_of(b"12|x|1"), seconds_of("junk")
    (61.5, 12.0, None)
    """
    raw = member.decode("utf-8", "replace") if isinstance(member, bytes) else member
    head, sep, _ = raw.partition("|")
    if not sep:
        return None
    try:
        value = float(head)
    except ValueError:
        return None
    return value if value >= 0 and value == value and value != float("inf") else None
