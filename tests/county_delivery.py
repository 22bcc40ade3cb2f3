"""The demo county delivered the way provinces deliver it: the county's code and name on every
patch (the township is only known from the overlay), GBK without a .cpg. Built from the `season`
fixture's patches; imported, overlaid and verified like the demo."""
import os

from conftest import SQUARE, patch_row, shift, write_patches
from osgeo import gdal
from qgis.core import QgsVectorLayer

from demodata.season import redline_inputs
from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs
from land_enforcement_plugin.core.overlay.run import run_overlay
from land_enforcement_plugin.core.review import photos, verification
from land_enforcement_plugin.core.store import GeoPackageTaskStore

COUNTY_CODE = "370323000000"
COUNTY_NAME = "沂源县"
FIELDS = ("JCBH", "XZQDM", "XZQMC", "TBMJ", "QSX", "HSX", "BHLX", "PC")


def county_coded_patches(season, path):
    """The demo's patches rewritten with the county's code and name on every row: the file a
    province delivers."""
    saved = gdal.GetConfigOption("SHAPE_ENCODING")
    gdal.SetConfigOption("SHAPE_ENCODING", None)  # QGIS's "" would ignore the encoding asked for
    try:
        source = gdal.OpenEx(season["patches"], gdal.OF_VECTOR, open_options=["ENCODING=CP936"])
        layer = source.GetLayer(0)
        rows = [dict({name: feature.GetField(name) for name in FIELDS}, XZQDM=COUNTY_CODE, XZQMC=COUNTY_NAME,
                     wkt=feature.GetGeometryRef().ExportToWkt()) for feature in layer]
        source = None
    finally:
        gdal.SetConfigOption("SHAPE_ENCODING", saved)
    return write_patches(path, rows, fields=FIELDS)


def county_delivered_task(season, out_dir, overlay=True):
    """A task of the county-coded delivery: imported, overlaid (unless not `overlay`), the township
    sheet's verdicts and the photos attached. Returns the task's path."""
    os.makedirs(out_dir, exist_ok=True)
    task = os.path.join(out_dir, "task.gpkg")
    import_patches(task, ImportOptions(county_coded_patches(season, os.path.join(out_dir, "wptb.shp"))))
    if not overlay:
        return task
    run_overlay(task, redline_inputs(season["redlines"]))
    verification.import_spreadsheet(task, season["verification_xlsx"], accept_partial=True)
    with GeoPackageTaskStore.open(task) as store:
        jcbhs = list(store.patch_index())
    photos.attach_photos(task, photos.match_folder(season["photos_dir"], jcbhs))
    return task


def overlay_townships(task):
    """jcbh -> (township code, township name) the overlay stored on each patch."""
    with GeoPackageTaskStore.open(task) as store:
        return store.patch_index()


def two_townships(path, split):
    """城关镇 (370323101000) west of longitude `split`, 南麻街道 (370323102000) east of it, over the
    hand-made patches of conftest (shift(SQUARE, 0.01 * i))."""
    def box(west, east):
        return f"POLYGON(({west} 36.09,{east} 36.09,{east} 36.11,{west} 36.11,{west} 36.09))"

    rows = [{"XZQDM": "370323101000", "XZQMC": "城关镇", "wkt": box(118.09, split)},
            {"XZQDM": "370323102000", "XZQMC": "南麻街道", "wkt": box(split, 118.20)}]
    return QgsVectorLayer(write_patches(path, rows, fields=("XZQDM", "XZQMC")), "townships", "ogr")


def five_patches_in_two_townships(tmp_path, task_path, split, verdicts):
    """P1..P5 (conftest's SQUARE shifted east), delivered with the county's code and name on every
    row, overlaid on two_townships(split), with `verdicts` ({jcbh: record}) saved in the form."""
    rows = [patch_row(f"P{i}", wkt=shift(SQUARE, 0.01 * i), xzqdm="370323000000", xzqmc="沂源县")
            for i in range(1, 6)]
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "p.shp"), rows)))
    run_overlay(task_path, OverlayInputs(two_townships(str(tmp_path / "townships.gpkg"), split=split)))
    with GeoPackageTaskStore.open(task_path) as store:
        store.apply_verifications(verdicts, schema.CHANNEL_FORM)
    return task_path
