"""Official areas: ellipsoidal on the CGCS2000 ellipsoid (椭球面积), planar only when chosen.

`AreaCalculator` is what the overlay uses (QgsDistanceArea, C++, fast). `gauss_plane_area` is
the Ministry's method of 国土调查办发〔2008〕32号, implemented from its formulas as a reference:
the tests check that both agree on real patch shapes.
"""
import math
from enum import Enum

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsDistanceArea,
    QgsEllipsoidUtils,
    QgsPointXY,
)

from . import schema

# Look the ellipsoid up once, on the thread that imports this module (QGIS's main thread): QGIS
# caches the lookup with the PROJ context of the thread that made it first, and when that was a
# worker thread which has ended, every later QgsDistanceArea measures NaN.
QgsEllipsoidUtils.ellipsoidParameters(schema.CGCS2000_ELLIPSOID)


class AreaMode(Enum):
    ELLIPSOIDAL = "ellipsoidal"
    PLANAR = "planar"


class AreaCalculator:
    """Area in m² of geometries in the working CRS."""

    def __init__(self, working_crs, mode=AreaMode.ELLIPSOIDAL):
        self.mode = mode
        self._distance_area = QgsDistanceArea()
        self._distance_area.setSourceCrs(working_crs, QgsCoordinateTransformContext())
        if mode is AreaMode.ELLIPSOIDAL:
            # GRS 1980 and CGCS2000 share a and 1/f to the precision that matters (1/f differs ~1e-10).
            self._distance_area.setEllipsoid(schema.CGCS2000_ELLIPSOID)

    def area(self, geometry):
        """0 for None, a null or an empty geometry (measured by QGIS alone: one call, not two, for
        each of the overlay's tens of thousands of areas)."""
        if geometry is None:
            return 0.0
        if self.mode is AreaMode.PLANAR:
            return max(geometry.area(), 0.0)  # QGIS answers -1 for a null geometry
        return self._distance_area.measureArea(geometry)


# -- 国土调查办发〔2008〕32号: ellipsoidal area of a Gauss-plane polygon ----------------------------
_A = schema.CGCS2000_A
_F = 1.0 / schema.CGCS2000_INV_F
_E2 = _F * (2 - _F)
_B_AXIS = _A * (1 - _F)


def _series_coefficients():
    """The A..E coefficients of the document's trapezoid formula (expansion in e²)."""
    e2 = _E2
    a = 1 + 3 / 6 * e2 + 30 / 80 * e2 ** 2 + 35 / 112 * e2 ** 3 + 630 / 2304 * e2 ** 4
    b = 1 / 6 * e2 + 15 / 80 * e2 ** 2 + 21 / 112 * e2 ** 3 + 420 / 2304 * e2 ** 4
    c = 3 / 80 * e2 ** 2 + 7 / 112 * e2 ** 3 + 180 / 2304 * e2 ** 4
    d = 1 / 112 * e2 ** 3 + 45 / 2304 * e2 ** 4
    e = 5 / 2304 * e2 ** 4
    return a, b, c, d, e


_COEFFICIENTS = _series_coefficients()


def trapezoid_area(dl, b1, b2):
    """Area on the ellipsoid between parallels b1 < b2 (radians) over a longitude span dl (radians)."""
    a, b, c, d, e = _COEFFICIENTS
    dB = b2 - b1
    bm = (b1 + b2) / 2
    return 2 * _B_AXIS ** 2 * dl * (
        a * math.sin(dB / 2) * math.cos(bm)
        - b * math.sin(3 * dB / 2) * math.cos(3 * bm)
        + c * math.sin(5 * dB / 2) * math.cos(5 * bm)
        - d * math.sin(7 * dB / 2) * math.cos(7 * bm)
        + e * math.sin(9 * dB / 2) * math.cos(9 * bm))


def _ring_area(ring, to_geographic):
    """Signed ellipsoidal area of one ring: the sum, edge by edge, of the trapezoid between the
    edge and the equator, with corners inverse-projected to (B, L). Edges are densified so that
    the straight Gauss-plane edge is followed closely on the ellipsoid."""
    points = []
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        steps = max(1, int(math.hypot(x2 - x1, y2 - y1) / 5.0))
        for k in range(steps):
            points.append((x1 + (x2 - x1) * k / steps, y1 + (y2 - y1) * k / steps))
    points.append(ring[-1])
    geographic = [to_geographic.transform(QgsPointXY(x, y)) for x, y in points]
    total = 0.0
    for p, q in zip(geographic, geographic[1:]):
        l1, b1 = math.radians(p.x()), math.radians(p.y())
        l2, b2 = math.radians(q.x()), math.radians(q.y())
        # Trapezoid between the edge and the equator, with the mean latitude's span in longitude.
        total += trapezoid_area(l2 - l1, 0.0, (b1 + b2) / 2)
    return total


def gauss_plane_area(geometry, working_crs):
    """Ellipsoidal area (m²) of a polygon given in a CGCS2000 Gauss-Krüger CRS, per 2008-32号."""
    to_geographic = QgsCoordinateTransform(working_crs, QgsCoordinateReferenceSystem(schema.CGCS2000_GEOGRAPHIC),
                                           QgsCoordinateTransformContext())
    total = 0.0
    polygons = geometry.asMultiPolygon() if geometry.isMultipart() else [geometry.asPolygon()]
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            area = abs(_ring_area([(p.x(), p.y()) for p in ring], to_geographic))
            total += area if index == 0 else -area
    return total
