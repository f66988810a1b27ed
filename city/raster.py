"""The zones as a raster: most points' zone membership by array arithmetic, no geometry.

A regular grid of square cells covers the zones' bounds (and a little around them). A cell is *pure* when its closed
rectangle, grown by a margin (``MARGIN`` of a cell), meets no edge of any zone (exterior or hole
ring): every point of it then has the membership of the cell's centre, the empty set included.
The margin is far wider than the rounding of a point's cell index (``(x - x0) / cell``) or of the
build's own arithmetic, so a point never lands in a pure cell whose answer is not its own.
``lookup`` answers a batch with a few numpy operations: the index of the point's set in ``sets``,
or ``-1`` for a point outside the grid or in an impure cell (a cell an edge passes through or
touches), which the caller answers exactly (``ZoneIndex.membership``).

The build rasterises every edge segment (the columns it spans, the rows of its part in each
column, marked as runs along each column), then asks ``membership`` once per run of pure cells
along a row (a run crosses no edge, so it is in one set of zones). The cell is chosen so that
edges touch about ``IMPURE`` of the area, within ``MAX_CELLS``; the origin is half a cell below
the bounds, so that edges on round coordinates (a city tiled by a grid) run through the middle
of a column of cells rather than along a line between two.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["ZoneRaster", "MAX_CELLS", "MARGIN", "IMPURE", "MIN_CELL", "PAD"]

MAX_CELLS = 1 << 22  # at most ~4 M cells (16 MB of int32)
MARGIN = 1e-3  # of a cell: how far a pure cell stays from every edge
IMPURE = 0.02  # the share of the area edges should touch, if MAX_CELLS allows
MIN_CELL = 1e-7  # degrees (~1 cm): a cell index's rounding stays well below MARGIN
PAD = 1 / 16  # of the zones' extent, around them: a point just outside every zone needs no geometry either

Membership = Callable[[np.ndarray, np.ndarray], list[frozenset[str]]]


class ZoneRaster:
    """Pure cells of a grid over ``geoms`` and the set of zones each is in.

    >>> from shapely.geometry import box
    >>> geoms = [box(0, 0, 2, 2), box(2, 0, 4, 2)]
    >>> def membership(xs, ys):
    ...     return [frozenset(k for k, g in zip("AB", geoms) if g.intersects(shapely.Point(x, y)))
    ...             for x, y in zip(xs, ys)]
    >>> r = ZoneRaster(geoms, membership)
    >>> [sorted(r.sets[k]) if k >= 0 else "exact" for k in r.lookup(np.array([1.0, 3.0, 4.1, 2.0, 9.0]),
    ...                                                               np.array([1.0, 1.0, 1.0, 1.0, 1.0]))]
    [['A'], ['B'], [], 'exact', 'exact']
    """

    def __init__(self, geoms: Sequence[BaseGeometry], membership: Membership, *,
                 cell: float | None = None, offset: float = 0.5) -> None:
        """``cell`` (degrees) and ``offset`` (in cells, added to the whole cells of the pad) for tests only."""
        if not len(geoms):
            raise ValueError("a raster of zones needs at least one zone")
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(list(geoms)))
        extent = max(x1 - x0, y1 - y0)
        self.cell = cell if cell is not None else _cell_size(geoms, x1 - x0 + 2 * PAD * extent,
                                                               y1 - y0 + 2 * PAD * extent)
        pad = (math.ceil(PAD * extent / self.cell) + offset) * self.cell  # whole cells, and the offset
        x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
        self.x0, self.y0 = x0, y0
        self.inv = 1.0 / self.cell
        self.nx = int(math.floor((x1 - self.x0) * self.inv)) + 1
        self.ny = int(math.floor((y1 - self.y0) * self.inv)) + 1
        impure = self._edges(geoms)
        self.cells, self.sets = self._label(~impure, membership)
        self.pure_share = float(np.count_nonzero(~impure)) / impure.size

    def lookup(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Per point, the index of its set of zones in ``sets``; ``-1``: answer it exactly."""
        with np.errstate(over="ignore"):  # a far point's overflow is outside too
            fx = (lons - self.x0) * self.inv
            fy = (lats - self.y0) * self.inv
        inside = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)  # NaN: outside
        if not inside.all():
            fx, fy = np.where(inside, fx, 0.0), np.where(inside, fy, 0.0)
        found = self.cells[fy.astype(np.intp) * self.nx + fx.astype(np.intp)]
        return found if inside.all() else np.where(inside, found, -1)

    def _edges(self, geoms: Sequence[BaseGeometry]) -> np.ndarray:
        """The impure cells, ``(ny, nx)``: each segment marks, column by column, its rows there."""
        rings = shapely.get_rings(shapely.get_parts(np.asarray(geoms, dtype=object)))
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        same = ring[1:] == ring[:-1]
        gx, gy = (xy[:, 0] - self.x0) * self.inv, (xy[:, 1] - self.y0) * self.inv  # in cells
        ax, ay, bx, by = gx[:-1][same], gy[:-1][same], gx[1:][same], gy[1:][same]
        swap = bx < ax
        ax, bx = np.where(swap, bx, ax), np.where(swap, ax, bx)
        ay, by = np.where(swap, by, ay), np.where(swap, ay, by)
        m = MARGIN
        first = np.clip(np.floor(ax - m), 0, self.nx - 1).astype(np.intp)
        last = np.clip(np.floor(bx + m), 0, self.nx - 1).astype(np.intp)
        count = last - first + 1
        seg = np.repeat(np.arange(len(ax)), count)
        col = first[seg] + np.arange(len(seg)) - np.repeat(np.cumsum(count) - count, count)
        ax, ay, bx, by = ax[seg], ay[seg], bx[seg], by[seg]
        dx = bx - ax
        # the segment's part over the column grown by the margin; a segment under a cell wide is taken
        # whole (its slope's rounding could exceed the margin), at most three columns of it
        steep = dx < 1.0
        span = np.where(steep, 1.0, dx)
        u0 = np.where(steep, 0.0, np.clip((col - m - ax) / span, 0.0, 1.0))
        u1 = np.where(steep, 1.0, np.clip((col + 1 + m - ax) / span, 0.0, 1.0))
        ya, yb = ay + u0 * (by - ay), ay + u1 * (by - ay)
        low = np.clip(np.floor(np.minimum(ya, yb) - m), 0, self.ny - 1).astype(np.intp)
        high = np.clip(np.floor(np.maximum(ya, yb) + m), 0, self.ny - 1).astype(np.intp)
        runs = np.zeros((self.nx, self.ny + 1), dtype=np.int32)  # +1 where a run starts, -1 after it
        np.add.at(runs, (col, low), 1)
        np.add.at(runs, (col, high + 1), -1)
        return np.ascontiguousarray((np.cumsum(runs[:, :-1], axis=1, dtype=np.int32) > 0).T)

    def _label(self, pure: np.ndarray, membership: Membership) -> tuple[np.ndarray, tuple[frozenset[str], ...]]:
        """Each cell's set index (``-1``: impure) and the sets: one ``membership`` per run of a row."""
        starts = pure.copy()
        starts[:, 1:] &= ~pure[:, :-1]
        flat, begin = pure.ravel(), starts.ravel()
        at = np.flatnonzero(begin)
        row, column = np.divmod(at, self.nx)
        found = membership(self.x0 + (column + 0.5) * self.cell, self.y0 + (row + 0.5) * self.cell)
        index: dict[frozenset[str], int] = {}
        of_run = np.array([index.setdefault(s, len(index)) for s in found], dtype=np.int32)
        run = np.cumsum(begin, dtype=np.int32)  # of a pure cell: its run's number, from 1
        cells = np.where(flat, of_run[run - 1] if len(at) else -1, -1).astype(np.int32)
        return cells, tuple(index)


def _cell_size(geoms: Sequence[BaseGeometry], width: float, height: float) -> float:
    """A cell whose edges touch about ``IMPURE`` of the area (a segment marks ~2 cells per cell of
    length), no smaller than ``MAX_CELLS`` or ``MIN_CELL`` allow."""
    area = max(width, MIN_CELL) * max(height, MIN_CELL)
    length = float(shapely.length(np.asarray(geoms, dtype=object)).sum())
    wanted = IMPURE * area / (2.0 * length) if length > 0 else math.inf
    return max(min(wanted, math.sqrt(area)), math.sqrt(area / MAX_CELLS), MIN_CELL)
