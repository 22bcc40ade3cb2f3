"""Permanent basic farmland (永久基本农田) blocks and ecological protection red lines (生态保护红线)."""
from dataclasses import dataclass

import numpy as np

from . import geo, names

PBF_SHARE = 0.65  # share of the all-cultivated 2 × 2 blocks designated
PBF_MIXED_SHARE = 0.08  # blocks with one non-cultivated cell: "mostly" on cultivated land
PBF_OVERLAP_SHARE = 0.03  # blocks digitised twice, shifted by a cell: the double-count trap


@dataclass
class PbfBlocks:
    wkb: list  # MultiPolygon WKB, GK
    areas: np.ndarray
    centres: np.ndarray  # (n, 2) GK
    cells: np.ndarray  # (n, 2) lower-left cell (j, i) of each 2 × 2 block
    overlapping: list  # [(index, index)] of blocks drawn over each other
    cell_block: np.ndarray  # (nv, nu) index of a block covering the cell, or -1


def _block_rings(nodes, j, i):
    """Outline of the 2 × 2 cells from (j, i), through the shared grid nodes (8 vertices)."""
    return np.stack([nodes[j, i], nodes[j, i + 1], nodes[j, i + 2], nodes[j + 1, i + 2], nodes[j + 2, i + 2],
                     nodes[j + 2, i + 1], nodes[j + 2, i], nodes[j + 1, i], nodes[j, i]], axis=1)


def build_pbf(rng, grid):
    """PBF as 2 × 2 blocks of grid cells, mostly all-cultivated, a few drawn twice overlapping."""
    nv, nu = grid.shape
    cultivated = grid.is_cultivated() & grid.interior
    inside = grid.interior
    j, i = np.meshgrid(np.arange(0, nv - 1, 2), np.arange(0, nu - 1, 2), indexing="ij")
    j, i = j.ravel(), i.ravel()
    count = (cultivated[j, i].astype(int) + cultivated[j, i + 1] + cultivated[j + 1, i] + cultivated[j + 1, i + 1])
    all_inside = inside[j, i] & inside[j, i + 1] & inside[j + 1, i] & inside[j + 1, i + 1]
    draw = rng.random(len(j))
    chosen = all_inside & (((count == 4) & (draw < PBF_SHARE)) | ((count == 3) & (draw < PBF_MIXED_SHARE)))
    j, i = j[chosen], i[chosen]

    # Some blocks are digitised a second time one cell to the right: the two overlap by half.
    fits = (i + 3 < nu)
    fits[fits] &= inside[j[fits], i[fits] + 2] & inside[j[fits] + 1, i[fits] + 2]
    twice = np.flatnonzero(fits & (rng.random(len(j)) < PBF_OVERLAP_SHARE))
    if len(twice) == 0 and fits.any():
        twice = np.flatnonzero(fits)[:1]
    j_all = np.concatenate([j, j[twice]])
    i_all = np.concatenate([i, i[twice] + 1])
    overlapping = [(int(t), len(j) + k) for k, t in enumerate(twice)]

    rings = grid.to_gk(_block_rings(grid.nodes, j_all, i_all))
    cell_block = np.full((nv, nu), -1, dtype=np.int64)
    for dj in (0, 1):
        for di in (0, 1):
            cell_block[j + dj, i + di] = np.arange(len(j))
    return PbfBlocks(geo.rings_multipolygon_wkb(rings), geo.shoelace(rings), rings[:, :-1].mean(axis=1),
                     np.stack([j_all, i_all], axis=1), overlapping, cell_block)


# -- ecological protection red line ------------------------------------------------------------
@dataclass
class EcoArea:
    name: str
    code: str
    geometry_gk: object  # ogr MultiPolygon
    valid: bool
    geometry_ll: object = None


def blob(rng, centre, radius, vertices=48, roughness=0.25):
    """A smooth irregular closed ring around centre (star-shaped, so simple)."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, vertices))
    harmonics = np.zeros(vertices)
    for k in range(1, 5):
        harmonics += rng.normal() / k * np.cos(k * angles + rng.uniform(0, 2 * np.pi))
    r = radius * np.clip(1 + roughness * harmonics, 0.55, 1.45)
    ring = centre + np.stack([r * np.cos(angles), r * np.sin(angles)], axis=1)
    return np.vstack([ring, ring[:1]])


def build_eco(rng, county_code, county_gk, centres, count):
    """count red-line areas around the given centres (hill country); the last one is invalid."""
    county = names.county_name(county_code)
    places = list(names.ECO_PLACES)
    rng.shuffle(places)
    areas = []
    for n, centre in enumerate(centres[:count]):
        radius = rng.uniform(1800, 3800)
        ring = blob(rng, centre, radius)
        function = names.ECO_FUNCTIONS[n % len(names.ECO_FUNCTIONS)]
        name = f"{county}{places[n % len(places)]}{function}生态保护红线"
        code = f"{county_code}-ST-{n + 1:02d}"
        if n == count - 1:
            # Kept whole (not clipped, which would repair it): its centre is far enough inside.
            geometry = geo.multipolygon([[geo.bow_tie(blob(rng, centre, 1200))]])
            areas.append(EcoArea(name, code, geometry, False))
        else:
            geometry = geo.as_multipolygon(geo.multipolygon([[ring]]).Intersection(county_gk))
            areas.append(EcoArea(name, code, geometry, True))
    return areas
