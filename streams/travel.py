"""The travel-sample recorder (pure): which plate reads make a travel time between checkpoints.

State (``state["hop"]`` of the plate): its newest read as ``[checkpoint, ts]``. A read at a known
checkpoint ``b`` makes a sample ``a -> b`` when the plate's previous read was at ``a`` (another
checkpoint) with ``b`` in ``a``'s ``next``, strictly earlier and at most ``MAX_GAP_S`` before it.
Only hops of the ``next`` chain are kept: they are what the intercept model sums, and they bound
the number of pairs by the city's checkpoint graph. A read older than the state's neither makes a
sample nor replaces the newer read; a read at the same checkpoint or after a longer gap replaces it.
The same reads in the same order always give the same samples (redelivery reproduces them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from city.citypack import Checkpoint
from core.model import Read
from core.travel import MAX_GAP_S, TravelSample

__all__ = ["STATE_KEY", "record_hop"]

STATE_KEY = "hop"


def record_hop(read: Read, state: dict[str, Any], checkpoints: Mapping[str, Checkpoint],
               max_gap_s: float = MAX_GAP_S) -> TravelSample | None:
    """Update the plate's ``state`` in place with ``read``; the travel sample it makes, if any.

    >>> cps = {"A": Checkpoint("A", "a", 22.5, 114.0, False, ("B",)), "B": Checkpoint("B", "b", 22.5, 114.01, True)}
    >>> st = {}
    >>> record_hop(Read("A", "P1", 100.0), st, cps), st
    (None, {'hop': ['A', 100.0]})
    >>> record_hop(Read("B", "P1", 160.0), st, cps)
    TravelSample(a='A', b='B', seconds=60.0, plate='P1', ts=160.0)
    >>> record_hop(Read("A", "P1", 200.0), st, cps), st  # B -> A is no hop of the chain
    (None, {'hop': ['A', 200.0]})
    """
    if read.checkpoint not in checkpoints:
        return None
    last = state.get(STATE_KEY)
    state[STATE_KEY] = [read.checkpoint, read.ts]
    if not last:
        return None
    prev_cp, prev_ts = last
    if read.ts < prev_ts:
        state[STATE_KEY] = last  # late: the newer read stays
        return None
    dt = read.ts - prev_ts
    if prev_cp == read.checkpoint or not 0 < dt <= max_gap_s:
        return None
    here = checkpoints.get(prev_cp)
    if here is None or read.checkpoint not in here.next:
        return None
    return TravelSample(prev_cp, read.checkpoint, dt, read.plate, read.ts)
