"""Small geometry helpers on osgeo.ogr/osr and numpy: CRSs, WKB from arrays, rasterised masks."""
import contextlib
import math
import os
import struct

import numpy as np
from osgeo import gdal, ogr, osr

GEOGRAPHIC_EPSG = 4490  # CGCS2000 lon/lat
MU_M2 = 10000.0 / 15.0  # 1 亩
CGCS2000_A = 6378137.0
CGCS2000_F = 1 / 298.257222101


def srs(epsg):
    ref = osr.SpatialReference()
    ref.ImportFromEPSG(epsg)
    # Always x = lon / easting, whatever the EPSG axis order says.
    ref.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return ref


def gauss_kruger_epsg(lon):
    """The zone-prefixed CGCS2000 3-degree GK CRS for a longitude: EPSG:4513 (zone 25) .. 4533 (zone 45)."""
    zone = int(math.floor(lon / 3.0 + 0.5))
    if not 25 <= zone <= 45:
        raise ValueError(f"longitude {lon} is outside China's 3-degree zones 25..45")
    return 4513 + zone - 25, 3 * zone


def transformer(src_epsg, dst_epsg):
    return osr.CoordinateTransformation(srs(src_epsg), srs(dst_epsg))


def transform_xy(ct, xy):
    """(n, 2) array through a CoordinateTransformation."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if len(xy) == 0:
        return xy
    return np.array(ct.TransformPoints(xy))[:, :2]


@contextlib.contextmanager
def quiet_gdal():
    """GEOS validity checks on deliberately broken shapes print warnings; they are expected here."""
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        yield
    finally:
        gdal.PopErrorHandler()


@contextlib.contextmanager
def config_options(**options):
    """Set GDAL config options for a block, restoring the previous values (QGIS sets some process-wide)."""
    saved = {key: gdal.GetConfigOption(key) for key in options}
    for key, value in options.items():
        gdal.SetConfigOption(key, value)
    try:
        yield
    finally:
        for key, value in saved.items():
            gdal.SetConfigOption(key, value)


# -- WKB from coordinate arrays ----------------------------------------------------------------
def _ring_wkb(ring):
    ring = np.asarray(ring, dtype="<f8")
    if not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])
    return struct.pack("<I", len(ring)) + ring.tobytes()


def polygon_wkb(rings):
    return struct.pack("<BII", 1, ogr.wkbPolygon, len(rings)) + b"".join(_ring_wkb(r) for r in rings)


def multipolygon_wkb(polygons):
    """polygons: [[outer ring, hole, ...], ...] of (n, 2) arrays."""
    return struct.pack("<BII", 1, ogr.wkbMultiPolygon, len(polygons)) + b"".join(polygon_wkb(p) for p in polygons)


def multipolygon(polygons):
    return ogr.CreateGeometryFromWkb(multipolygon_wkb(polygons))


def rings_multipolygon_wkb(rings):
    """Vectorised WKB of many single-ring, single-part multipolygons of the same vertex count.

    rings: (n, k, 2) closed rings. Returns a list of n bytes objects — the fast path for the
    hundreds of thousands of grid parcels."""
    rings = np.ascontiguousarray(rings, dtype="<f8")
    n, k, _ = rings.shape
    record = np.dtype([("mbo", "u1"), ("mtype", "<u4"), ("nparts", "<u4"),
                       ("pbo", "u1"), ("ptype", "<u4"), ("nrings", "<u4"),
                       ("npoints", "<u4"), ("xy", "<f8", (k * 2,))])
    out = np.zeros(n, dtype=record)
    out["mbo"], out["mtype"], out["nparts"] = 1, ogr.wkbMultiPolygon, 1
    out["pbo"], out["ptype"], out["nrings"] = 1, ogr.wkbPolygon, 1
    out["npoints"] = k
    out["xy"] = rings.reshape(n, k * 2)
    raw = out.tobytes()
    size = record.itemsize
    return [raw[i * size:(i + 1) * size] for i in range(n)]


def shoelace(rings):
    """Planar areas of (n, k, 2) closed rings (absolute values).

    Coordinates are taken relative to each ring's first vertex: GK eastings with the zone prefix
    are ~4e7, and the raw products would lose centimetres² to rounding."""
    local = rings - rings[:, :1, :]
    x, y = local[..., 0], local[..., 1]
    return 0.5 * np.abs(np.sum(x[:, :-1] * y[:, 1:] - x[:, 1:] * y[:, :-1], axis=1))


def polygons_of(geometry):
    """The polygon parts of any geometry (an Intersection may return collections with lines)."""
    if geometry is None or geometry.IsEmpty():
        return []
    kind = ogr.GT_Flatten(geometry.GetGeometryType())
    if kind == ogr.wkbPolygon:
        return [geometry]
    if kind in (ogr.wkbMultiPolygon, ogr.wkbGeometryCollection):
        parts = []
        for i in range(geometry.GetGeometryCount()):
            parts.extend(polygons_of(geometry.GetGeometryRef(i)))
        return parts
    return []


def as_multipolygon(geometry):
    """Polygon parts of geometry as one MultiPolygon (None when there is no area)."""
    parts = polygons_of(geometry)
    if not parts:
        return None
    out = ogr.Geometry(ogr.wkbMultiPolygon)
    for part in parts:
        out.AddGeometry(part)
    return out


def rings_of(geometry):
    """[[outer, holes...], ...] numpy arrays of a polygon / multipolygon."""
    out = []
    for polygon in polygons_of(geometry):
        out.append([np.array(polygon.GetGeometryRef(r).GetPoints())[:, :2]
                    for r in range(polygon.GetGeometryCount())])
    return out


def map_coordinates(geometry, func):
    """The same (multi)polygon with every vertex mapped by func((n, 2) array) -> (n, 2) array."""
    return multipolygon([[func(ring) for ring in polygon] for polygon in rings_of(geometry)])


def box(xmin, ymin, xmax, ymax):
    return multipolygon([[np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax], [xmin, ymin]])]])


# -- rasterised masks --------------------------------------------------------------------------
def rasterize(geometry, origin, pixel, shape, all_touched=False):
    """Burn geometry into a (rows, cols) uint8 mask; row 0 is the *lowest* y (origin is the min corner)."""
    rows, cols = shape
    dataset = gdal.GetDriverByName("MEM").Create("", cols, rows, 1, gdal.GDT_Byte)
    x0, y0 = origin
    dataset.SetGeoTransform((x0, pixel[0], 0.0, y0 + rows * pixel[1], 0.0, -pixel[1]))
    layer_ds = ogr.GetDriverByName("Memory").CreateDataSource("")
    layer = layer_ds.CreateLayer("mask", None, ogr.wkbUnknown)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(geometry)
    layer.CreateFeature(feature)
    options = ["ALL_TOUCHED=TRUE"] if all_touched else []
    with quiet_gdal():  # neither side has a CRS: same frame by construction
        gdal.RasterizeLayer(dataset, [1], layer, burn_values=[1], options=options)
    mask = dataset.GetRasterBand(1).ReadAsArray()
    return mask[::-1].astype(bool)  # flip so that row index grows with y


def dilate(mask, radius):
    """Square (Chebyshev) dilation by radius cells."""
    out = mask.copy()
    for _ in range(radius):
        grown = out.copy()
        grown[1:, :] |= out[:-1, :]
        grown[:-1, :] |= out[1:, :]
        grown[:, 1:] |= out[:, :-1]
        grown[:, :-1] |= out[:, 1:]
        out = grown
    return out


def erode(mask, radius):
    return ~dilate(~mask, radius)


# -- areas -------------------------------------------------------------------------------------
def gk_area_scale(easting_from_cm, lat_deg):
    """Areal scale factor of Gauss-Krüger at a point: planar area / ellipsoidal area (≈ 1 + y²/R²).

    The ministry's TBMJ is an ellipsoidal area; dividing the planar area by this factor gets it to
    ~1e-7 relative for patch-sized shapes, without a geodesic library."""
    lat = math.radians(lat_deg)
    e2 = CGCS2000_F * (2 - CGCS2000_F)
    w = 1 - e2 * math.sin(lat) ** 2
    radius2 = CGCS2000_A ** 2 * (1 - e2) / w ** 2  # M * N
    q = easting_from_cm ** 2 / radius2
    linear = 1 + q / 2 + q * q / 24
    return linear * linear


def ensure_removed(*paths):
    for path in paths:
        if os.path.exists(path):
            os.remove(path)


def load_boundary(path):
    """The county outline from a lon/lat file, as one MultiPolygon (CGCS2000 ≈ WGS 84 at this scale)."""
    dataset = ogr.Open(path)
    if dataset is None:
        raise FileNotFoundError(path)
    layer = dataset.GetLayer(0)
    outline = ogr.Geometry(ogr.wkbMultiPolygon)
    for feature in layer:
        geometry = feature.GetGeometryRef()
        for polygon in polygons_of(geometry):
            outline.AddGeometry(polygon)
    return ogr.CreateGeometryFromWkb(outline.ExportToIsoWkb())  # detached from the dataset


def transformed(geometry, ct):
    out = geometry.Clone()
    out.Transform(ct)
    return out


def bow_tie(ring):
    """The closed ring with two neighbouring vertices swapped so that it crosses itself (a classic
    digitising slip). Tries successive vertices until GEOS calls the result invalid."""
    vertices = np.asarray(ring)[:-1]
    for k in list(range(len(vertices) // 3, len(vertices) - 1)) + list(range(0, len(vertices) // 3)):
        broken = vertices.copy()
        broken[[k, k + 1]] = broken[[k + 1, k]]
        closed = np.vstack([broken, broken[:1]])
        with quiet_gdal():
            if not multipolygon([[closed]]).IsValid():
                return closed
    raise ValueError("could not make the ring self-intersect")
