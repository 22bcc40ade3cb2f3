"""The review, spot-check and planning-conformity algorithms through Processing, headless."""
import pytest
from conftest import SQUARE, patch_row, shift, write_patches
from county_delivery import two_townships
from qgis.core import QgsVectorLayer

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs
from land_enforcement_plugin.core.overlay.run import run_overlay
from land_enforcement_plugin.core.review import states as review_states
from land_enforcement_plugin.core.store import open_task


@pytest.fixture
def task(tmp_path):
    rows = [patch_row(f"P{i}", wkt=shift(SQUARE, 0.01 * i), xzqdm="370323000000", xzqmc="沂源县") for i in range(1, 7)]
    path = str(tmp_path / "task.gpkg")
    import_patches(path, ImportOptions(write_patches(str(tmp_path / "p.shp"), rows)))
    run_overlay(path, OverlayInputs(two_townships(str(tmp_path / "townships.gpkg"), split=118.135)))
    with open_task(path) as store:
        store.apply_verifications({f"P{i}": {"verdict": ("合法", "违法", "其他")[i % 3]} for i in range(1, 7)},
                                  schema.CHANNEL_FORM)
    return path


def test_review_and_spot_check_algorithms(provider, task):
    import processing

    moved = processing.run("landenforcement:reviewstate", {"DATABASE": task, "ACTION": 0, "JCBH": "P1，P2"})["MOVED"]
    assert moved == 2
    processing.run("landenforcement:reviewstate", {"DATABASE": task, "ACTION": 2, "JCBH": "P2", "OPINION": "照片不清"})
    with open_task(task) as store:
        assert review_states.returned(store) == [("P2", "照片不清")]
    draw = processing.run("landenforcement:spotcheckdraw", {"DATABASE": task, "SEED": 42, "MARGIN": 0.3,
                                                            "MIN_PER_STRATUM": 1})
    assert draw["SAMPLED"] >= 1
    with open_task(task) as store:
        first = store.query(f"SELECT jcbh, verdict FROM {schema.SPOT_CHECKS_TABLE} ORDER BY jcbh")[0]
    other = next(i for i, v in enumerate(schema.Verdict.values()) if v != first["verdict"])
    processing.run("landenforcement:spotcheckrecord", {"DATABASE": task, "DRAW_ID": draw["DRAW_ID"],
                                                       "JCBH": first["jcbh"], "VERDICT": other})
    score = processing.run("landenforcement:spotcheckscore", {"DATABASE": task})
    assert score["DISAGREEMENTS"] == 1 and first["jcbh"] in score["REPORT"]


def test_planning_conformity_algorithm(provider, task, tmp_path):
    import processing

    zoning = write_patches(str(tmp_path / "gzq.shp"), [{"GZQLXDM": "010", "wkt": shift(SQUARE, 0.01)},
                                                       {"GZQLXDM": "030", "wkt": shift(SQUARE, 0.02)}],
                           fields=("GZQLXDM",))
    result = processing.run("landenforcement:planningconformity", {
        "DATABASE": task, "ZONING": QgsVectorLayer(zoning, "gzq", "ogr"), "CODE_FIELD": "GZQLXDM"})
    assert (result["CONFORMS"], result["CONDITIONAL"], result["NONCONFORMING"]) == (1, 0, 5)


def test_package_carries_review_states_and_planning_conformity(provider, task, tmp_path):
    import zipfile

    import processing
    from osgeo import gdal

    from land_enforcement_plugin.core.reports import package as submission

    zoning = write_patches(str(tmp_path / "gzq.shp"), [{"GZQLXDM": "010", "wkt": shift(SQUARE, 0.01)}],
                           fields=("GZQLXDM",))
    processing.run("landenforcement:planningconformity", {
        "DATABASE": task, "ZONING": QgsVectorLayer(zoning, "gzq", "ogr"), "CODE_FIELD": "GZQLXDM", "AREA_MODE": 1})
    processing.run("landenforcement:reviewstate", {"DATABASE": task, "ACTION": 0, "JCBH": "P1"})
    processing.run("landenforcement:reviewstate", {"DATABASE": task, "ACTION": 1, "JCBH": "P1"})
    result = submission.build_package(task, str(tmp_path / "p.zip"),
                                      submission.PackageOptions(draft=True, evidence=False))
    with zipfile.ZipFile(result.path) as archive:
        archive.extractall(tmp_path / "unzipped")
    shp = next((tmp_path / "unzipped").rglob("*.shp"))
    source = gdal.OpenEx(str(shp), gdal.OF_VECTOR, open_options=["ENCODING=CP936"])
    rows = {f.GetField("JCBH"): (f.GetField("CLZT"), f.GetField("GHFH"), f.GetField("YXJSMJ"))
            for f in source.GetLayer(0)}
    source = None
    assert rows["P1"][:2] == ("县级审核通过", "符合规划") and rows["P1"][2] > 9000
    assert rows["P2"][:2] == ("待核查", "不符合规划") and rows["P2"][2] == 0
