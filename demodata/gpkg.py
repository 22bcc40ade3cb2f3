"""Writing layers into the red-line GeoPackage: one OGR transaction per layer, fixed timestamps."""
from osgeo import ogr

from . import geo

FIXED_DATE = "2024-12-31T00:00:00Z"  # gpkg_contents.last_change, so that files are reproducible

STRING, REAL, DATE = ogr.OFTString, ogr.OFTReal, ogr.OFTDate


def write_geopackage(path, layers):
    """Write a new GeoPackage; layers: [(name, title, epsg, fields, rows)]. Returns {name: count}."""
    geo.ensure_removed(path, path + "-journal", path + "-wal", path + "-shm")
    counts = {}
    with geo.config_options(OGR_CURRENT_DATE=FIXED_DATE):
        dataset = ogr.GetDriverByName("GPKG").CreateDataSource(path)
        if dataset is None:
            raise OSError(f"cannot create {path}")
        for name, title, epsg, fields, rows in layers:
            counts[name] = write_layer(dataset, name, title, epsg, fields, rows)
        dataset = None  # closes the file while the fixed date is still set
    return counts


def write_layer(dataset, name, title, epsg, fields, rows):
    """fields: [(name, type, width, precision)]; rows: iterable of (values tuple, MultiPolygon WKB).

    Returns the number of features written."""
    layer = dataset.CreateLayer(name, geo.srs(epsg), ogr.wkbMultiPolygon,
                                options=["FID=fid", "GEOMETRY_NAME=geom", f"IDENTIFIER={title}"])
    for field_name, kind, width, precision in fields:
        definition = ogr.FieldDefn(field_name, kind)
        definition.SetWidth(width)
        definition.SetPrecision(precision)
        layer.CreateField(definition)
    defn = layer.GetLayerDefn()
    count = 0
    dataset.StartTransaction()
    for values, wkb in rows:
        feature = ogr.Feature(defn)
        for index, value in enumerate(values):
            if value is not None:
                feature.SetField(index, value)
        feature.SetGeometryDirectly(ogr.CreateGeometryFromWkb(wkb))
        if layer.CreateFeature(feature) != 0:
            dataset.RollbackTransaction()
            raise OSError(f"cannot write feature {count} of {name}")
        count += 1
    dataset.CommitTransaction()
    return count
