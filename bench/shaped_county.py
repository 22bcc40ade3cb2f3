"""The bench's second county: the large county with the shapes that made the overlay slow on a real
one (issue 19). Permanent basic farmland as ~64,000 blocks of 60-220 vertices (mean ~77), each the
union of a few adjacent cultivated parcels; ecological red line as 3 huge polygons of 200-300
vertices covering tens of km²; both in EPSG:4490, a CRS other than the task's; the patches as
MultiPolygons (one in five with a second part). The other layers are the large county's."""
import math
import os

import numpy as np
from osgeo import gdal, ogr, osr
from qgis.core import QgsGeometry

from demodata.county import epsg_srs

PBF_BLOCKS = 64000
SEED = 19


def _cultivated_parcels(redlines):
    """(WKB, centre x, centre y) of every cultivated parcel, and the parcels' CRS."""
    ds = ogr.Open(redlines)
    layer = ds.GetLayerByName("cultivated")
    layer.SetAttributeFilter("DLBM IN ('0101','0102','0103')")
    rows = []
    for feature in layer:
        geometry = feature.GetGeometryRef()
        envelope = geometry.GetEnvelope()
        rows.append((geometry.ExportToIsoWkb(), (envelope[0] + envelope[1]) / 2, (envelope[2] + envelope[3]) / 2))
    return rows, layer.GetSpatialRef().Clone()


def _pbf_blocks(rng, parcels, cell):
    """Unions of 2-4 grid-adjacent cultivated parcels, densified to 60-220 vertices (mean ~77)."""
    grid = {}
    for index, (_, x, y) in enumerate(parcels):
        grid[(int(math.floor(x / cell)), int(math.floor(y / cell)))] = index
    used = np.zeros(len(parcels), bool)
    blocks = []
    neighbours = ((1, 0), (0, 1), (1, 1), (-1, 0), (0, -1))
    for index in rng.permutation(len(parcels)):
        if len(blocks) >= PBF_BLOCKS:
            break
        if used[index]:
            continue
        _, x, y = parcels[index]
        i, j = int(math.floor(x / cell)), int(math.floor(y / cell))
        members = [index]
        for di, dj in neighbours:
            other = grid.get((i + di, j + dj))
            if other is not None and not used[other] and len(members) < rng.integers(2, 5):
                members.append(other)
        used[members] = True
        parts = []
        for member in members:
            geometry = QgsGeometry()
            geometry.fromWkb(parcels[member][0])
            parts.append(geometry)
        block = QgsGeometry.unaryUnion(parts)
        target = int(min(220, 60 + rng.gamma(1.0, 17.0)))  # 60-220, mean ~77
        block = block.densifyByDistance(max(block.length() / target, 0.5))
        blocks.append(block)
    return blocks


def _eco_polygons(rng, box):
    """3 large polygons of 200-300 vertices, 3-4 km across, inside the county's box."""
    areas = []
    for _ in range(3):
        x = rng.uniform(box[0] + 5000, box[1] - 5000)
        y = rng.uniform(box[2] + 5000, box[3] - 5000)
        count = int(rng.integers(200, 301))
        angles = (np.arange(count) + rng.uniform(-0.3, 0.3, count)) * 2 * math.pi / count
        radii = rng.uniform(3000, 4000) * (1 + 0.15 * np.sin(angles * 5 + rng.uniform(0, 6)) +
                                           rng.uniform(-0.03, 0.03, count))
        ring = [(x + r * math.cos(a), y + r * math.sin(a)) for a, r in zip(angles, radii)]
        wkt = "POLYGON((" + ",".join(f"{px} {py}" for px, py in ring + ring[:1]) + "))"
        areas.append(QgsGeometry.fromWkt(wkt))
    return areas


def _write(ds, name, geometries, source_srs, fields=()):
    target = epsg_srs(4490)
    transform = osr.CoordinateTransformation(source_srs, target)
    layer = ds.CreateLayer(name, target, ogr.wkbMultiPolygon, options=["GEOMETRY_NAME=geom"])
    for field in fields:
        layer.CreateField(ogr.FieldDefn(field, ogr.OFTString))
    layer.StartTransaction()
    for number, geometry in enumerate(geometries, start=1):
        feature = ogr.Feature(layer.GetLayerDefn())
        ogr_geometry = ogr.ForceToMultiPolygon(ogr.CreateGeometryFromWkb(bytes(geometry.asWkb())))
        ogr_geometry.Transform(transform)
        feature.SetGeometry(ogr_geometry)
        for field in fields:
            feature.SetField(field, f"{name}{number}")
        layer.CreateFeature(feature)
    layer.CommitTransaction()


def write_red_lines(large_redlines, target, cell):
    """The shaped county's red lines in `target` (a GeoPackage): the large county's layers but for
    PBF and the ecological red line."""
    rng = np.random.default_rng(SEED)
    parcels, parcel_srs = _cultivated_parcels(large_redlines)
    blocks = _pbf_blocks(rng, parcels, cell)
    source = ogr.Open(large_redlines)
    eco = _eco_polygons(rng, source.GetLayerByName("cultivated").GetExtent())  # in the parcels' CRS
    partial = target + ".partial"
    if os.path.exists(partial):
        os.remove(partial)
    names = [source.GetLayer(i).GetName() for i in range(source.GetLayerCount())]
    gdal.VectorTranslate(partial, large_redlines, format="GPKG",
                         layers=[n for n in names if n not in ("pbf", "eco_redline")])
    ds = ogr.Open(partial, 1)
    _write(ds, "pbf", blocks, parcel_srs)
    _write(ds, "eco_redline", eco, parcel_srs, ("NAME",))
    ds = None
    os.replace(partial, target)
    vertices = [b.constGet().nCoordinates() for b in blocks]
    return len(blocks), float(np.mean(vertices)), min(vertices), max(vertices)


def write_multipolygon_patches(shapefile, target):
    """The patches as MultiPolygons, one in five with a small second part 30 m east of it (same CRS
    and fields as the delivered shapefile)."""
    rng = np.random.default_rng(SEED)
    source = gdal.OpenEx(shapefile, gdal.OF_VECTOR, open_options=["ENCODING=GBK"])  # delivered GBK, no .cpg
    layer = source.GetLayer(0)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    driver = ogr.GetDriverByName("ESRI Shapefile")
    if os.path.exists(target):
        driver.DeleteDataSource(target)
    ds = driver.CreateDataSource(target)
    out = ds.CreateLayer(layer.GetName(), layer.GetSpatialRef(), ogr.wkbMultiPolygon, options=["ENCODING=UTF-8"])
    definition = layer.GetLayerDefn()
    for i in range(definition.GetFieldCount()):
        out.CreateField(definition.GetFieldDefn(i))
    for feature in layer:
        geometry = ogr.ForceToMultiPolygon(feature.GetGeometryRef().Clone())
        if rng.random() < 0.2:
            minx, maxx, miny, maxy = geometry.GetEnvelope()
            x, y, r = maxx + 0.0003, (miny + maxy) / 2, 0.0001  # degrees: ~30 m east, ~10 m across
            ring = ogr.Geometry(ogr.wkbLinearRing)
            for a in np.linspace(0, 2 * math.pi, 9):
                ring.AddPoint_2D(x + r * math.cos(a), y + r * math.sin(a))
            part = ogr.Geometry(ogr.wkbPolygon)
            part.AddGeometry(ring)
            geometry.AddGeometry(part)
        copy = ogr.Feature(out.GetLayerDefn())
        copy.SetFrom(feature)
        copy.SetGeometry(geometry)
        out.CreateFeature(copy)
    ds = None
    return target
