"""Moving a season's task to where the bureau shares it: a GeoPackage task, with its history,
photos and case attachments, copied into a new PostGIS task."""
import json
import os
import re
import shutil

from osgeo import gdal, ogr

from .. import schema
from ..errors import LandEnforcementError
from ..imagery import registry as imagery
from ..messages import cancelled
from ..review import cases
from ..review.photos import photo_folder, photo_path
from ..store import GeoPackageTaskStore, PostgisTaskStore
from ..store.postgis_security import TRIGGERED_TABLES
from ..store.sql import sql_ident, sql_quote


def upload_task(gpkg_path, location, feedback=None):
    """Copy a GeoPackage task (every table, its history, its photo copies and case attachments)
    into a new PostGIS task. The GeoPackage is left as it is; a failed or cancelled upload leaves no schema behind."""
    with GeoPackageTaskStore.open(gpkg_path) as source:
        meta = source.meta()
        target = PostgisTaskStore.create(location, meta["working_crs"], meta.get("county_code", ""),
                                         meta.get("county_name", ""))
        try:
            names = [name for name in source.layer_names() if name != schema.META_TABLE]
            for name in names:  # a table name reaches SQL: only the task's own tables are copied
                if target.layer(name) is None and not re.fullmatch(
                        rf"{schema.PATCHES_SOURCE_LAYER}_(\d+|custom)", name):
                    raise LandEnforcementError(f"任务库中有插件不会建立的表“{name}”，未上传",
                                               f"The task holds a table the plugin never makes ('{name}'); "
                                               "nothing was uploaded")
            total = max(sum(source.layer(name).GetFeatureCount() for name in names), 1)
            copied, every = 0, max(1, min(500, total // 200))  # about 200 steps: a big county takes a while
            # Rows come with their fids: COPY (in this thread only), far faster than INSERT row by row.
            gdal.SetThreadLocalConfigOption("PG_USE_COPY", "YES")
            with target.transaction():
                # The copied audit log already holds the history; the trigger must not add to it.
                for table in TRIGGERED_TABLES:
                    target.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                for name in names:
                    layer = source.layer(name)
                    into = target.layer(name)
                    if into is None:  # patches_source_<EPSG>: made the way an import makes it
                        into = target.source_layer(layer.GetSpatialRef().ExportToWkt())
                    layer.ResetReading()
                    for feature in layer:
                        if copied % every == 0 and feedback is not None:
                            if feedback.isCanceled():
                                raise cancelled("上传", "Upload").error()
                            feedback.setProgress(90.0 * copied / total)
                        copy = ogr.Feature(into.GetLayerDefn())
                        copy.SetFrom(feature)
                        copy.SetFID(feature.GetFID())
                        into.CreateFeature(copy)
                        copied += 1
                    qualified = f"{sql_ident(target.schema)}.{sql_ident(into.GetName())}"
                    target.execute(f"SELECT setval(pg_get_serial_sequence({sql_quote(qualified)}, 'fid'), "
                                   f"greatest((SELECT max(fid) FROM {qualified}), 1))")
                kept = {k: v for k, v in meta.items() if k not in ("schema_version", "bureau_version")}
                if meta.get(imagery.META_KEY):  # imagery stays where it is: point at it, not beside the task
                    kept[imagery.META_KEY] = json.dumps([imagery.resolved(gpkg_path, entry) for entry in
                                                         json.loads(meta[imagery.META_KEY])], ensure_ascii=False)
                target.write_meta(kept)
                for table in TRIGGERED_TABLES:
                    target.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                target.secure()
        except BaseException:
            target.discard()
            raise
        finally:
            gdal.SetThreadLocalConfigOption("PG_USE_COPY", None)
        target.close()
    for folder in (photo_folder, cases.folder):
        if os.path.isdir(folder(gpkg_path)):
            shutil.copytree(folder(gpkg_path), folder(location), dirs_exist_ok=True)
    with PostgisTaskStore.open(location) as store:
        for row in store.photos():
            path = photo_path(location, row["file"])
            if os.path.exists(path):
                with open(path, "rb") as f:
                    store.put_photo_file(row["jcbh"], row["sha256"], f.read())
        for row in store.case_attachments():
            path = cases.attachment_path(location, row["file"])
            if os.path.exists(path):
                with open(path, "rb") as f:
                    store.put_case_file(row["case_key"], row["sha256"], f.read())
    if feedback is not None:
        feedback.setProgress(100)
    return location
