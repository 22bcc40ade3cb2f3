"""The tables of a task as OGR makes them: columns of the tables without geometry, and how a
table or a geometry layer is created (the same under GeoPackage and PostgreSQL)."""
from osgeo import ogr

from .. import schema

# Columns of the tables that carry no geometry: name -> OGR field type.
VERIFICATION_COLUMNS = {
    "jcbh": ogr.OFTString, "verdict": ogr.OFTString, "land_use": ogr.OFTString,
    "lawful_kind": ogr.OFTString, "violation_type": ogr.OFTString, "other_kind": ogr.OFTString,
    "approval_no": ogr.OFTString, "rect_status": ogr.OFTString, "rect_measures": ogr.OFTString,
    "case_filed": ogr.OFTString, "lead_source": ogr.OFTString, "inspector": ogr.OFTString,
    "verify_date": ogr.OFTString, "notes": ogr.OFTString, "updated_at": ogr.OFTString,
    "updated_by": ogr.OFTString,
}
AUDIT_COLUMNS = {
    "ts": ogr.OFTString, "user_name": ogr.OFTString, "action": ogr.OFTString,
    "entity": ogr.OFTString, "jcbh": ogr.OFTString, "field": ogr.OFTString,
    "old_value": ogr.OFTString, "new_value": ogr.OFTString, "channel": ogr.OFTString,
    "detail": ogr.OFTString,
}
META_COLUMNS = {"key": ogr.OFTString, "value": ogr.OFTString}
SOURCE_FILE_COLUMNS = {
    "path": ogr.OFTString, "file_name": ogr.OFTString, "sha256": ogr.OFTString,
    "size_bytes": ogr.OFTInteger64, "batch": ogr.OFTString, "layer": ogr.OFTString,
    "encoding": ogr.OFTString, "source_crs": ogr.OFTString, "mapping": ogr.OFTString,
    "feature_count": ogr.OFTInteger, "imported_at": ogr.OFTString,
}
ISSUE_COLUMNS = {
    "source_file_id": ogr.OFTInteger64, "row_no": ogr.OFTInteger, "jcbh": ogr.OFTString,
    "severity": ogr.OFTString, "code": ogr.OFTString, "message_zh": ogr.OFTString,
    "message_en": ogr.OFTString, "area_before_m2": ogr.OFTReal, "area_after_m2": ogr.OFTReal,
}
OGR_TYPES = {"str": ogr.OFTString, "int": ogr.OFTInteger, "real": ogr.OFTReal,
             "date": ogr.OFTString, "datetime": ogr.OFTString}
# Compared to decide whether a re-imported patch changed.
COMPARED = [f.name for f in schema.PATCH_SOURCE_FIELDS] + [schema.SRC_ATTRS.name]


def geometry_layer_options(ds):
    # The same spatial index under each driver's own word for it.
    driver = ds.GetDriver()  # a gdal.Driver (opened) or an ogr.Driver (created)
    name = driver.ShortName if hasattr(driver, "ShortName") else driver.GetName()
    index = "GIST" if name == "PostgreSQL" else "YES"
    return ["FID=fid", "GEOMETRY_NAME=geom", f"SPATIAL_INDEX={index}"]


def create_table(ds, name, columns):
    layer = ds.CreateLayer(name, geom_type=ogr.wkbNone, options=["FID=fid"])
    for column, kind in columns.items():
        layer.CreateField(ogr.FieldDefn(column, kind))
    return layer

