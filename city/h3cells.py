"""The H3 cells of many points at once: exactly what ``h3.latlng_to_cell`` answers, with few calls to it.

A lookup costs about half a microsecond, and a day of a city's tracks has millions of points. Around
any place the cells of one resolution are a hexagonal lattice, so the points are cut into tiles of
``TILE_DEG``; in each tile the lattice is read off one cell and its neighbours (their centres, in
local coordinates), every point is rounded to its nearest lattice centre, and each distinct centre is
looked up once. That proposes a cell for every point; the proposal is then tested, and a point whose
proposal fails is looked up on its own. So a lookup per cell visited, not per point.

The test is exact: within one icosahedron face H3 assigns a point to the hexagon of the face's grid
in its gnomonic projection, which maps great circles to straight lines, so a cell is the spherical
polygon bounded by the great circles through consecutive vertices of ``cell_to_boundary``. A point
inside that polygon by more than ``MARGIN_RAD`` (about 6 cm, far above the rounding of H3's own
arithmetic) from every edge is in the cell: first the cell's inscribed circle is tried (one dot
product), then its six edges. Cells that cross a face edge (more than six vertices) and pentagons
are never proposed: their points are looked up.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np
from h3.api import basic_int as h3i

__all__ = ["TILE_DEG", "MARGIN_RAD", "latlng_to_cells"]

TILE_DEG = 0.05  # about 5 km: the lattice read off one cell stays true to a few metres across a tile
MARGIN_RAD = 1e-8
_SMALL = 64  # fewer points than this: look each one up
_MAX_CACHED = 1_000_000


def _xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    c = np.cos(la)
    return np.stack([c * np.cos(lo), c * np.sin(lo), np.sin(la)], axis=-1)


def _lookup(lat: np.ndarray, lon: np.ndarray, res: int) -> np.ndarray:
    return np.fromiter(map(h3i.latlng_to_cell, lat.tolist(), lon.tolist(), repeat(res)), dtype=np.int64,
                       count=len(lat))  # H3 indexes use 63 bits


class _Cells:
    """The cells met so far, sorted: centre, inscribed-circle threshold and inward edge normals."""

    def __init__(self) -> None:
        self.ids = np.empty(0, dtype=np.int64)
        self.centre = np.empty((0, 3))
        self.cos_in = np.empty(0)  # a point whose dot product with the centre exceeds it is inside
        self.normals = np.empty((0, 6, 3))

    def rows(self, cells: np.ndarray) -> np.ndarray:
        """The row of each cell, adding the ones not met yet."""
        pos = np.searchsorted(self.ids, cells)
        known = self.ids[np.minimum(pos, len(self.ids) - 1)] == cells if len(self.ids) else np.zeros(len(cells), bool)
        if not known.all():
            self._add(np.unique(cells[~known]))
            pos = np.searchsorted(self.ids, cells)
        return pos

    def _add(self, new: np.ndarray) -> None:
        if len(self.ids) + len(new) > _MAX_CACHED:
            self.__init__()  # type: ignore[misc]
        cells = new.tolist()
        centre = _xyz(*np.array([h3i.cell_to_latlng(c) for c in cells]).reshape(-1, 2).T)
        bounds = [h3i.cell_to_boundary(c) for c in cells]
        hexagon = np.array([len(b) == 6 and not h3i.is_pentagon(c) for c, b in zip(cells, bounds, strict=True)],
                           dtype=bool)
        corners = np.array([b if len(b) == 6 else b[:1] * 6 for b in bounds], dtype=float).reshape(-1, 6, 2)
        v = _xyz(corners[..., 0], corners[..., 1])
        n = np.cross(v, np.roll(v, -1, axis=1))
        n /= np.maximum(np.linalg.norm(n, axis=2, keepdims=True), 1e-300)
        n *= np.sign(np.einsum("kej,kj->ke", n, centre))[..., None]
        n[~hexagon] = 0.0  # a pentagon or a cell across a face edge never holds a point: look it up
        inradius = np.arcsin(np.clip(np.einsum("kej,kj->ke", n, centre), -1.0, 1.0)).min(axis=1)
        cos_in = np.where(hexagon, np.cos(inradius - MARGIN_RAD), 2.0)
        ids = np.concatenate([self.ids, new])
        order = np.argsort(ids, kind="stable")
        self.ids = ids[order]
        self.centre = np.concatenate([self.centre, centre])[order]
        self.cos_in = np.concatenate([self.cos_in, cos_in])[order]
        self.normals = np.concatenate([self.normals, n])[order]

    def holds(self, xyz: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Whether each point (unit vector) lies in the cell of its row by more than the margin."""
        inside = np.einsum("kj,kj->k", xyz, self.centre[rows]) > self.cos_in[rows]
        edge = np.flatnonzero(~inside)
        if len(edge):
            dots = np.einsum("kj,kej->ke", xyz[edge], self.normals[rows[edge]])
            inside[edge] = (dots > MARGIN_RAD).all(axis=1)
        return inside


_TABLES: dict[int, _Cells] = {}


def _propose(lat: np.ndarray, lon: np.ndarray, res: int) -> tuple[np.ndarray, np.ndarray]:
    """A cell for each point of one tile, as (distinct cells, index of each point's): its nearest
    centre on the lattice read off the first point's cell and two adjacent neighbours of it (no cell,
    -1, where there is no plain lattice to read)."""
    seed = h3i.latlng_to_cell(float(lat[0]), float(lon[0]), res)
    try:
        ring = h3i.grid_ring(seed, 1)
    except Exception:  # noqa: BLE001 - near a pentagon there is no plain lattice: look the points up
        ring = []
    if len(ring) != 6:
        return np.array([-1], dtype=np.int64), np.zeros(len(lat), dtype=np.intp)
    lat0, lon0 = h3i.cell_to_latlng(seed)
    k = float(np.cos(np.radians(lat0)))
    (a_lat, a_lon), (b_lat, b_lon) = h3i.cell_to_latlng(ring[0]), h3i.cell_to_latlng(ring[1])
    basis = np.array([[(a_lon - lon0) * k, (b_lon - lon0) * k], [a_lat - lat0, b_lat - lat0]])
    inv = np.linalg.inv(basis)
    x, y = (lon - lon0) * k, lat - lat0
    q, r = inv[0, 0] * x + inv[0, 1] * y, inv[1, 0] * x + inv[1, 1] * y
    # the nearest lattice centre: round in cube coordinates (q, r, -q-r) and mend the worst-rounded one
    s = -q - r
    rq, rr, rs = np.round(q), np.round(r), np.round(s)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
    fix_q = (dq > dr) & (dq > ds)
    rq = np.where(fix_q, -rr - rs, rq)
    rr = np.where(~fix_q & (dr > ds), -rq - rs, rr)
    iq, ir = rq.astype(np.int64), rr.astype(np.int64)
    q0, r0 = int(iq.min()), int(ir.min())
    span = int(ir.max()) - r0 + 1
    key = (iq - q0) * span + (ir - r0)
    present = np.zeros((int(iq.max()) - q0 + 1) * span, dtype=bool)
    present[key] = True
    slots = np.flatnonzero(present)
    index = np.cumsum(present) - 1
    uq, ur = (slots // span + q0).astype(float), (slots % span + r0).astype(float)
    cx, cy = basis[0, 0] * uq + basis[0, 1] * ur, basis[1, 0] * uq + basis[1, 1] * ur
    return _lookup(lat0 + cy, lon0 + cx / k, res), index[key]


def latlng_to_cells(lat: np.ndarray, lon: np.ndarray, res: int) -> np.ndarray:
    """``h3.latlng_to_cell`` of each point (degrees) as integers.

    >>> lat, lon = np.linspace(22.5, 22.52, 300), np.linspace(114.0, 114.03, 300)
    >>> latlng_to_cells(lat, lon, 9).tolist() == [h3i.latlng_to_cell(a, b, 9) for a, b in zip(lat, lon)]
    True
    """
    n = len(lat)
    if n < _SMALL:
        return _lookup(lat, lon, res)
    table = _TABLES.setdefault(res, _Cells())
    tile = np.floor(lat / TILE_DEG).astype(np.int64) * 10_000 + np.floor(lon / TILE_DEG).astype(np.int64)
    out = np.empty(n, dtype=np.int64)
    rows = np.empty(n, dtype=np.intp)
    parts = [np.arange(n)]
    if tile.min() != tile.max():
        order = np.argsort(tile, kind="stable")
        parts = np.split(order, np.flatnonzero(np.diff(tile[order])) + 1)
    proposed = [(part, *_propose(lat[part], lon[part], res)) for part in parts]
    found = [cells for _, cells, _ in proposed if cells[0] >= 0]
    if found:
        table.rows(np.concatenate(found))  # meet every proposed cell first: rows stay put after this
    for part, cells, index in proposed:
        if cells[0] < 0:  # no lattice in this tile
            out[part], rows[part] = -1, 0
        else:
            out[part], rows[part] = cells[index], table.rows(cells)[index]
    ok = out >= 0
    good = np.flatnonzero(ok)
    if len(good) == n:
        ok = table.holds(_xyz(lat, lon), rows)
    elif len(good):
        ok[good] = table.holds(_xyz(lat[good], lon[good]), rows[good])
    left = np.flatnonzero(~ok)
    out[left] = _lookup(lat[left], lon[left], res)
    return out
