"""The 三调-style land-use layer: a jittered, rotated grid of parcels tiling the county without gaps.

Neighbouring cells share their perturbed corner points, so the interior parcels meet exactly;
only cells crossing the county boundary are clipped (GEOS), against a small piece of the county
so that the clipping stays fast for hundreds of thousands of parcels. Everything else is numpy.
"""
from dataclasses import dataclass

import numpy as np

from . import geo, names

JITTER = 0.22  # node jitter as a share of the cell size: small enough that quads stay simple
ASPECT = 1.4  # field strips are longer than wide
CLIP_BLOCK = 24  # cells per side of the county pieces used for clipping
_BAND_TOPS = np.array([0.09, 0.30, 0.58, 0.68, 0.90, 0.975])  # upper elevation-rank quantile of each band in assign_land_use


@dataclass
class ParcelGrid:
    """Cells (j, i) of nominal size a × b in a frame rotated by `angle` around `centre` (GK metres)."""
    centre: np.ndarray
    angle: float
    a: float
    b: float
    u0: float
    v0: float
    nodes: np.ndarray  # (nv + 1, nu + 1, 2) node positions in the rotated frame
    interior: np.ndarray  # (nv, nu) bool: cell entirely inside the county
    clipped: np.ndarray  # (nv, nu) bool: cell crossing the county boundary
    classes: np.ndarray  # (nv, nu) index into names.LAND_USE_CODES

    @property
    def shape(self):
        return self.interior.shape

    def to_gk(self, uv):
        c, s = np.cos(self.angle), np.sin(self.angle)
        uv = np.asarray(uv, dtype=float)
        x = uv[..., 0] * c - uv[..., 1] * s
        y = uv[..., 0] * s + uv[..., 1] * c
        return np.stack([x, y], axis=-1) + self.centre

    def to_uv(self, xy):
        c, s = np.cos(self.angle), np.sin(self.angle)
        d = np.asarray(xy, dtype=float) - self.centre
        return np.stack([d[..., 0] * c + d[..., 1] * s, -d[..., 0] * s + d[..., 1] * c], axis=-1)

    def cell_of(self, xy):
        """(j, i) nominal cell indices of GK points (clamped to the grid)."""
        uv = self.to_uv(xy)
        i = np.clip(np.floor((uv[..., 0] - self.u0) / self.a).astype(int), 0, self.shape[1] - 1)
        j = np.clip(np.floor((uv[..., 1] - self.v0) / self.b).astype(int), 0, self.shape[0] - 1)
        return j, i

    def cell_centres(self):
        nv, nu = self.shape
        u = self.u0 + (np.arange(nu) + 0.5) * self.a
        v = self.v0 + (np.arange(nv) + 0.5) * self.b
        uu, vv = np.meshgrid(u, v)
        return self.to_gk(np.stack([uu, vv], axis=-1))

    def is_cultivated(self):
        cultivated = [names.LAND_USE_CODES.index(c) for c in names.CULTIVATED_CODES]
        return np.isin(self.classes, cultivated)


@dataclass
class Parcels:
    wkb: list  # MultiPolygon WKB, GK
    classes: np.ndarray  # index into names.LAND_USE_CODES
    areas: np.ndarray  # planar m²


def build_grid(rng, county_gk, target_parcels):
    """The jittered grid over the county, its cell classification and land-use classes."""
    centroid = county_gk.Centroid()
    centre = np.array([centroid.GetX(), centroid.GetY()])
    angle = np.radians(rng.uniform(-35, 35))
    cell = np.sqrt(county_gk.GetArea() / target_parcels)
    a, b = cell * ASPECT, cell / ASPECT
    frame = ParcelGrid(centre, angle, a, b, 0.0, 0.0, None, None, None, None)
    county_uv = geo.map_coordinates(county_gk, frame.to_uv)
    umin, umax, vmin, vmax = county_uv.GetEnvelope()
    u0, v0 = np.floor(umin / a) * a - a, np.floor(vmin / b) * b - b
    nu, nv = int(np.ceil((umax - u0) / a)) + 1, int(np.ceil((vmax - v0) / b)) + 1

    iu, iv = np.meshgrid(np.arange(nu + 1), np.arange(nv + 1))
    nodes = np.stack([u0 + iu * a + rng.uniform(-JITTER, JITTER, iu.shape) * a,
                      v0 + iv * b + rng.uniform(-JITTER, JITTER, iv.shape) * b], axis=-1)

    inside = geo.rasterize(county_uv, (u0, v0), (a, b), (nv, nu))
    boundary = geo.rasterize(county_uv.GetBoundary(), (u0, v0), (a, b), (nv, nu), all_touched=True)
    # A jittered cell stays within its 3 × 3 nominal neighbourhood: if none of those is touched by
    # the boundary, the whole cell lies on one side of it.
    near_boundary = geo.dilate(boundary, 1)
    grid = ParcelGrid(centre, angle, a, b, u0, v0, nodes, inside & ~near_boundary, near_boundary, None)
    grid.classes = assign_land_use(rng, grid, county_gk.GetArea())
    return grid


# -- land use ----------------------------------------------------------------------------------
def smooth_field(rng, xy, wavelength, waves=10):
    """A smooth random field (sum of plane waves) at points xy, roughly N(0, 1)."""
    angles = rng.uniform(0, 2 * np.pi, waves)
    lengths = wavelength * rng.uniform(0.6, 1.6, waves)
    k = np.stack([np.cos(angles), np.sin(angles)], axis=1) * (2 * np.pi / lengths)[:, None]
    phases = rng.uniform(0, 2 * np.pi, waves)
    rel = xy - xy.reshape(-1, 2).mean(axis=0)
    total = np.zeros(xy.shape[:-1])
    for w in range(waves):
        total += np.cos(rel @ k[w] + phases[w])
    return total * np.sqrt(2.0 / waves)


def _distance_to_lines(xy, lines):
    best = np.full(xy.shape[:-1], np.inf)
    for p, q in lines:
        d = q - p
        t = np.clip(((xy - p) @ d) / (d @ d), 0, 1)
        best = np.minimum(best, np.linalg.norm(xy - (p + t[..., None] * d), axis=-1))
    return best


def assign_land_use(rng, grid, county_area):
    """Spatially coherent classes: valleys farmed, hills forested, rivers, roads and villages."""
    code = names.LAND_USE_CODES.index
    xy = grid.cell_centres()
    nv, nu = grid.shape
    elevation = smooth_field(rng, xy, 14000) + 0.5 * smooth_field(rng, xy, 4000) + 0.35 * rng.normal(size=(nv, nu))
    rank = np.argsort(np.argsort(elevation, axis=None)).reshape(nv, nu) / elevation.size
    # Elevation bands, lowest first: paddy by the water, irrigated, dry land, orchards, forest, grass, bare.
    bands = np.array([code(c) for c in ("0101", "0102", "0103", "0201", "0301", "0404", "1206")], dtype=np.int16)
    classes = bands[np.searchsorted(_BAND_TOPS, rank, side="right")]
    # Scattered greenhouses and bare plots among the fields.
    speckle = rng.random((nv, nu))
    classes[(speckle < 0.012) & (rank < 0.58)] = code("1202")
    classes[(speckle > 0.995)] = code("1206")
    # A river: the zero line of a broad smooth field, widest where it is lowest.
    river = np.abs(smooth_field(rng, xy, 30000, waves=6))
    classes[river < np.quantile(river, 0.015)] = code("1101")
    # Roads: a few straight lines across the county.
    span = np.sqrt(county_area)
    lines = [(grid.centre + rng.uniform(-0.5, 0.5, 2) * span, grid.centre + rng.uniform(-0.5, 0.5, 2) * span)
             for _ in range(4)]
    classes[_distance_to_lines(xy, lines) < max(0.45 * min(grid.a, grid.b), 12.0)] = code("1003")
    # Villages: one per ~4 km², a few hundred metres across, on the lower ground; fewer when the
    # cells are coarse, so that homesteads stay a few per cent of the parcels.
    radii = rng.uniform(120, 320, max(3, int(county_area / 4e6)))
    radii = np.maximum(radii, 0.6 * max(grid.a, grid.b))
    cells_per_village = max(1.0, np.pi * np.mean(radii) ** 2 / (grid.a * grid.b))
    count = int(min(len(radii), max(3, 0.03 * county_area / (grid.a * grid.b) / cells_per_village)))
    low = np.flatnonzero(rank.ravel() < 0.6)
    seats = xy.reshape(-1, 2)[rng.choice(low, size=min(count, len(low)), replace=False)]
    radii = radii[:len(seats)]
    village = np.zeros((nv, nu), dtype=bool)
    for seat, radius in zip(seats, radii):
        j, i = grid.cell_of(seat)
        rj, ri = int(radius / grid.b) + 2, int(radius / grid.a) + 2
        window = (slice(max(j - rj, 0), j + rj + 1), slice(max(i - ri, 0), i + ri + 1))
        village[window] |= np.linalg.norm(xy[window] - seat, axis=-1) < radius
    classes[village] = code("0702")
    return classes


# -- parcels -----------------------------------------------------------------------------------
def interior_merges(rng, grid, share=0.2):
    """(nv, nu) bool: cell (j, i) (i even) merged with (j, i + 1) into one parcel."""
    nv, nu = grid.shape
    merged = np.zeros((nv, nu), dtype=bool)
    left = grid.interior[:, 0:nu - 1:2] & grid.interior[:, 1:nu:2]
    same = grid.classes[:, 0:nu - 1:2] == grid.classes[:, 1:nu:2]
    merged[:, 0:nu - 1:2] = left & same & (rng.random(left.shape) < share)
    return merged


def _quad_rings(nodes, j, i):
    return np.stack([nodes[j, i], nodes[j, i + 1], nodes[j + 1, i + 1], nodes[j + 1, i], nodes[j, i]], axis=1)


def _pair_rings(nodes, j, i):
    return np.stack([nodes[j, i], nodes[j, i + 1], nodes[j, i + 2], nodes[j + 1, i + 2],
                     nodes[j + 1, i + 1], nodes[j + 1, i], nodes[j, i]], axis=1)


def build_parcels(rng, grid, county_gk):
    """All parcels: interior quads and merged pairs (vectorised), then clipped boundary cells."""
    merged = interior_merges(rng, grid)
    absorbed = np.zeros_like(merged)
    absorbed[:, 1:] = merged[:, :-1]
    single = grid.interior & ~merged & ~absorbed

    wkb, classes, areas = [], [], []
    for mask, ring_builder in ((single, _quad_rings), (merged, _pair_rings)):
        j, i = np.nonzero(mask)
        rings = grid.to_gk(ring_builder(grid.nodes, j, i))
        wkb += geo.rings_multipolygon_wkb(rings)
        classes.append(grid.classes[j, i])
        areas.append(geo.shoelace(rings))

    clipped_wkb, clipped_classes, clipped_areas = clip_boundary_cells(grid, county_gk)
    wkb += clipped_wkb
    classes.append(np.array(clipped_classes, dtype=np.int16))
    areas.append(np.array(clipped_areas))
    return Parcels(wkb, np.concatenate(classes), np.concatenate(areas))


def clip_boundary_cells(grid, county_gk):
    """Cells crossing the county boundary, cut to the county, in row order."""
    pieces = {}
    wkb, classes, areas = [], [], []
    for j, i in zip(*np.nonzero(grid.clipped)):
        block = (j // CLIP_BLOCK, i // CLIP_BLOCK)
        if block not in pieces:
            pieces[block] = _county_piece(grid, county_gk, *block)
        piece = pieces[block]
        if piece is None:
            continue
        quad = geo.multipolygon([[grid.to_gk(_quad_rings(grid.nodes, np.array([j]), np.array([i]))[0])]])
        cut = geo.as_multipolygon(quad.Intersection(piece))
        if cut is None or cut.GetArea() <= 0:
            continue
        wkb.append(bytes(cut.ExportToIsoWkb()))
        classes.append(grid.classes[j, i])
        areas.append(cut.GetArea())
    return wkb, classes, areas


def _county_piece(grid, county_gk, bj, bi):
    """The county cut to one block of cells plus a one-cell margin (covers any jittered cell in it)."""
    u_lo = grid.u0 + (bi * CLIP_BLOCK - 1) * grid.a
    v_lo = grid.v0 + (bj * CLIP_BLOCK - 1) * grid.b
    u_hi = u_lo + (CLIP_BLOCK + 2) * grid.a
    v_hi = v_lo + (CLIP_BLOCK + 2) * grid.b
    corners = np.array([[u_lo, v_lo], [u_hi, v_lo], [u_hi, v_hi], [u_lo, v_hi], [u_lo, v_lo]])
    frame = geo.multipolygon([[grid.to_gk(corners)]])
    return geo.as_multipolygon(frame.Intersection(county_gk))
