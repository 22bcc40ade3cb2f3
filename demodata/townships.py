"""Townships as Voronoi cells of random seats clipped to the county (lon/lat, EPSG:4490).

Cells are built in lon/lat with longitude scaled by cos(latitude), so they look isotropic on the
ground; a point's township is then simply its nearest seat in the same scaled space, which lets the
patch generator assign XZQDM without any polygon test. Each cell is a convex polygon intersected
with the county, so the townships tile the county up to floating-point noise.
"""
import itertools
from dataclasses import dataclass, field

import numpy as np
from osgeo import ogr

from . import geo, names


@dataclass
class Townships:
    county_code: str
    seats: np.ndarray  # (n, 2) lon/lat
    kx: float  # longitude scale
    codes: list  # 12-digit XZQDM
    names: list
    geometries: list  # ogr MultiPolygon, EPSG:4490
    triple_points: list = field(default_factory=list)  # lon/lat points where three townships meet

    def index_of(self, lonlat):
        """Township index (0..n-1) of each lon/lat point: the nearest seat."""
        lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        scaled = lonlat * [self.kx, 1.0]
        seats = self.seats * [self.kx, 1.0]
        d2 = ((scaled[:, None, :] - seats[None, :, :]) ** 2).sum(axis=2)
        return np.argmin(d2, axis=1)


def _clip_half_plane(polygon, normal, offset):
    """Convex polygon (k, 2) ∩ {p : p·normal <= offset} (Sutherland–Hodgman, one edge)."""
    out = []
    k = len(polygon)
    for i in range(k):
        p, q = polygon[i], polygon[(i + 1) % k]
        dp, dq = p @ normal - offset, q @ normal - offset
        if dp <= 0:
            out.append(p)
        if dp * dq < 0:
            out.append(p + (q - p) * (dp / (dp - dq)))
    return np.array(out)


def voronoi_cell(seats, i, frame):
    """Voronoi cell of seat i within the frame rectangle, all in scaled coordinates."""
    xmin, ymin, xmax, ymax = frame
    cell = np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]], dtype=float)
    for j in range(len(seats)):
        if j == i or len(cell) == 0:
            continue
        normal = seats[j] - seats[i]
        offset = normal @ (seats[i] + seats[j]) / 2.0
        cell = _clip_half_plane(cell, normal, offset)
    return cell


def _sample_seats(rng, county, count, kx):
    """Seats inside the county, spread out (rejection sampling with a shrinking spacing)."""
    xmin, xmax, ymin, ymax = county.GetEnvelope()
    area = county.GetArea() * kx
    spacing = 0.75 * np.sqrt(area / count)
    seats = []
    point = ogr.Geometry(ogr.wkbPoint)
    attempts = 0
    while len(seats) < count:
        attempts += 1
        if attempts % 200 == 0:
            spacing *= 0.9
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        point.SetPoint_2D(0, x, y)
        if not county.Contains(point):
            continue
        if all(np.hypot((x - sx) * kx, y - sy) >= spacing for sx, sy in seats):
            seats.append((x, y))
    return np.array(seats)


def _triple_points(seats, kx):
    """Voronoi vertices: circumcentres of seat triples with no seat nearer (scaled space)."""
    scaled = seats * [kx, 1.0]
    points = []
    for a, b, c in itertools.combinations(range(len(seats)), 3):
        pa, pb, pc = scaled[a], scaled[b], scaled[c]
        d = 2 * (pa[0] * (pb[1] - pc[1]) + pb[0] * (pc[1] - pa[1]) + pc[0] * (pa[1] - pb[1]))
        if abs(d) < 1e-18:
            continue
        sa, sb, sc = pa @ pa, pb @ pb, pc @ pc
        centre = np.array([sa * (pb[1] - pc[1]) + sb * (pc[1] - pa[1]) + sc * (pa[1] - pb[1]),
                           sa * (pc[0] - pb[0]) + sb * (pa[0] - pc[0]) + sc * (pb[0] - pa[0])]) / d
        radius = np.hypot(*(centre - pa))
        others = np.hypot(*(scaled - centre).T)
        if np.all(others >= radius * (1 - 1e-9)):
            points.append(centre / [kx, 1.0])
    return points


def build_townships(rng, county_ll, county_code, count, interior_check):
    """Townships of the county: codes 100, 101, … from the centre outwards.

    interior_check(lonlat) -> bool tells whether a point is well inside the county (for the
    three-township meeting points patches are placed on). Seats are redrawn until every township
    has a fair share of the county and at least one meeting point lies well inside."""
    centroid = county_ll.Centroid()
    kx = float(np.cos(np.radians(centroid.GetY())))
    xmin, xmax, ymin, ymax = county_ll.GetEnvelope()
    pad = max(xmax - xmin, ymax - ymin)
    frame = ((xmin - pad) * kx, ymin - pad, (xmax + pad) * kx, ymax + pad)
    total = county_ll.GetArea()
    for _ in range(50):
        seats = _sample_seats(rng, county_ll, count, kx)
        order = np.argsort(np.hypot((seats[:, 0] - centroid.GetX()) * kx, seats[:, 1] - centroid.GetY()))
        seats = seats[order]
        geometries = []
        for i in range(count):
            cell = voronoi_cell(seats * [kx, 1.0], i, frame) / [kx, 1.0]
            clipped = geo.as_multipolygon(geo.multipolygon([[cell]]).Intersection(county_ll))
            geometries.append(clipped)
        if any(g is None or g.GetArea() < 0.25 * total / count for g in geometries):
            continue
        triples = [p for p in _triple_points(seats, kx) if interior_check(p)]
        if triples:
            break
    else:
        raise RuntimeError("could not place township seats")
    codes = [f"{county_code}{100 + i:03d}000" for i in range(count)]
    return Townships(county_code, seats, kx, codes, names.township_names(county_code, count), geometries, triples)


def boundary_points(rng, townships, count, interior_check, max_tries=5000):
    """Points on the boundary between exactly two townships, well inside the county (lon/lat)."""
    kx = townships.kx
    scaled_seats = townships.seats * [kx, 1.0]
    xmin, xmax, ymin, ymax = _envelope(townships)
    points, pairs = [], set()
    for _ in range(max_tries):
        if len(points) >= count:
            break
        p = np.array([rng.uniform(xmin, xmax) * kx, rng.uniform(ymin, ymax)])
        d = np.hypot(*(scaled_seats - p).T)
        a, b = np.argsort(d)[:2]
        # Move p onto the bisector of its two nearest seats, along the line joining them.
        direction = scaled_seats[b] - scaled_seats[a]
        direction /= np.linalg.norm(direction)
        mid = (scaled_seats[a] + scaled_seats[b]) / 2
        p = p - ((p - mid) @ direction) * direction
        d = np.hypot(*(scaled_seats - p).T)
        nearest = np.argsort(d)
        # Still those two, and clearly nearer than a third (not at a triple point).
        if set(nearest[:2]) != {a, b} or d[nearest[2]] - d[nearest[0]] < 0.004:
            continue
        key = tuple(sorted((int(a), int(b))))
        if key in pairs and len(pairs) < len(townships.codes) - 1:
            continue  # prefer different township pairs first
        lonlat = p / [kx, 1.0]
        if interior_check(lonlat):
            pairs.add(key)
            points.append(lonlat)
    return points


def _envelope(townships):
    xs, ys = [], []
    for geometry in townships.geometries:
        x0, x1, y0, y1 = geometry.GetEnvelope()
        xs += [x0, x1]
        ys += [y0, y1]
    return min(xs), max(xs), min(ys), max(ys)
