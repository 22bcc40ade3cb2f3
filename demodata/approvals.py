"""Approval layers (农转用, 征收, 供地, 设施农用地备案, 临时用地): some cover a patch, some part of one.

Most patches have no approval at all; a covering approval is the patch's convex hull with a margin
(as a bureau's approved site is usually drawn more generously than what was built); a partial
one is that hull cut by a straight line, which is what 批少占多 looks like on the map.
"""
import datetime
from dataclasses import dataclass

import numpy as np

from . import geo, names, patches as patch_shapes

FULL_SHARE, PARTIAL_SHARE = 0.15, 0.09
EARLIEST, LATEST = datetime.date(2022, 3, 1), datetime.date(2024, 8, 20)  # before any HSX


@dataclass
class Approval:
    kind: str  # key of names.APPROVAL_KINDS
    geometry_gk: object
    date: datetime.date
    pzwh: str = ""


def _date(rng):
    return EARLIEST + datetime.timedelta(days=int(rng.integers(0, (LATEST - EARLIEST).days + 1)))


def _covering(rng, patch):
    return geo.as_multipolygon(patch.geometry_gk.ConvexHull().Buffer(float(rng.uniform(4, 20)), 4))


def _half_plane_cut(rng, patch, polygon):
    """polygon cut by a straight line so that it covers 15–85 % of the patch (or None)."""
    centroid = patch.geometry_gk.Centroid()
    c = np.array([centroid.GetX(), centroid.GetY()])
    area = patch.geometry_gk.GetArea()
    for _ in range(20):
        theta = rng.uniform(0, 2 * np.pi)
        n, d = np.array([np.cos(theta), np.sin(theta)]), np.array([-np.sin(theta), np.cos(theta)])
        t, reach = rng.uniform(-25, 25), 1000.0
        corners = np.array([c + n * t - d * reach, c + n * t + d * reach,
                            c + n * (t + reach) + d * reach, c + n * (t + reach) - d * reach])
        side = geo.multipolygon([[np.vstack([corners, corners[:1]])]])
        cut = geo.as_multipolygon(polygon.Intersection(side))
        if cut is None:
            continue
        covered = geo.as_multipolygon(cut.Intersection(patch.geometry_gk))
        share = covered.GetArea() / area if covered is not None else 0.0
        if 0.15 <= share <= 0.85:
            return cut, share
    return None, 0.0


def _kinds_for(rng, patch):
    """Which approvals a fully covered patch has: facility farmland and temporary land are filed
    alone; construction land goes through conversion, usually expropriation, then supply."""
    if patch.land_use == "1202" or rng.random() < 0.12:
        return ["ssny"]
    if patch.bhlx == names.CHANGE_TYPES[1] and rng.random() < 0.5:
        return ["lsyd"]
    kinds = ["nzy"]
    if rng.random() < 0.7:
        kinds.append("zs")
    if rng.random() < 0.6:
        kinds.append("gd")
    return kinds


def build_approvals(rng, patches, spare_centres, distractors, minimum_full=8, minimum_partial=5):
    """Approvals for a share of the (valid) patches, plus approvals elsewhere; annotates patches."""
    candidates = [p for p in patches if p.kind not in ("invalid",)]
    order = rng.permutation(len(candidates))
    n_full = max(minimum_full, int(FULL_SHARE * len(patches)))
    n_partial = max(minimum_partial, int(PARTIAL_SHARE * len(patches)))
    approvals = []
    for rank, k in enumerate(order[:n_full + n_partial]):
        patch = candidates[k]
        if rank < n_full:
            polygon, share, kinds, status = _covering(rng, patch), 1.0, _kinds_for(rng, patch), "full"
        else:
            polygon, share = _half_plane_cut(rng, patch, _covering(rng, patch))
            if polygon is None:
                continue
            kinds, status = (["nzy", "zs"] if rng.random() < 0.6 else ["nzy"]), "partial"
        # Conversion, expropriation and supply follow each other a month or so apart.
        first = _date(rng) - datetime.timedelta(days=35 * (len(kinds) - 1))
        issued = [Approval(kind, polygon, first + datetime.timedelta(days=35 * n)) for n, kind in enumerate(kinds)]
        approvals += issued
        patch.approval = {"status": status, "kinds": kinds, "approval": issued[-1] if kinds[-1] == "gd" else issued[0],
                          "share": round(share, 3)}

    # Approvals with no patch on them: the bulk of any bureau's approval data.
    for centre in spare_centres[:distractors]:
        area = patch_shapes.patch_area(rng, 2000, 40000)
        ring = patch_shapes.building_lot(rng, centre, area)
        kind = rng.choice(["nzy", "zs", "gd", "ssny", "lsyd"], p=[0.3, 0.2, 0.25, 0.15, 0.1])
        approvals.append(Approval(str(kind), geo.multipolygon([[ring]]), _date(rng)))
    return approvals


def number_approvals(approvals, county_code):
    """Document numbers per kind and year, in date order (as a register is kept)."""
    by_kind = {}
    for approval in sorted(approvals, key=lambda a: (a.kind, a.date)):
        serials = by_kind.setdefault((approval.kind, approval.date.year), [10])
        serials[0] += 1
        approval.pzwh = names.approval_number(county_code, approval.kind, approval.date.year, serials[0])
