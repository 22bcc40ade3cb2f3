"""QField round-trip: per-township field projects out, returned packages merged, conflicts shown."""
import os
import shutil

import pytest
from conftest import patch_row, write_patches
from county_delivery import five_patches_in_two_townships
from osgeo import ogr
from PIL import Image
from qgis.core import QgsProject

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.review import fieldwork
from land_enforcement_plugin.core.store import GeoPackageTaskStore

DONE = {"verdict": "其他", "land_use": "其他", "lead_source": "巡查", "inspector": "外业张",
        "verify_date": "2024-06-02"}


@pytest.fixture
def task(tmp_path, task_path):
    # Delivered as provinces do: the county's code on every patch; townships by the overlay.
    return five_patches_in_two_townships(tmp_path, task_path, 118.135, {"P2": dict(DONE, inspector="室内李")})


def edit(gpkg, jcbh, **values):
    ds = ogr.Open(gpkg, 1)
    layer = ds.GetLayerByName("patches")
    layer.SetAttributeFilter(f"jcbh = '{jcbh}'")
    feature = layer.GetNextFeature()
    for key, value in values.items():
        feature.SetField(key, value)
    layer.SetFeature(feature)
    ds = None


def test_export_one_project_per_township_with_the_form(task, tmp_path):
    folders = fieldwork.export_field_projects(task, str(tmp_path / "field"))
    assert [os.path.basename(f) for f in folders] == ["370323101000_城关镇", "370323102000_南麻街道"]
    project = QgsProject()
    assert project.read(os.path.join(folders[0], "fieldwork.qgs"))
    (layer,) = project.mapLayers().values()
    assert layer.featureCount() == 3
    verdict = layer.editorWidgetSetup(layer.fields().indexOf("verdict"))
    assert verdict.type() == "ValueMap" and {"违法": "违法"} in verdict.config()["map"]
    assert layer.editorWidgetSetup(layer.fields().indexOf("photo")).type() == "ExternalResource"
    with pytest.raises(Exception, match="already exists"):
        fieldwork.export_field_projects(task, str(tmp_path / "field"))


def test_merge_applies_field_edits_and_photos(task, tmp_path):
    (folder,) = fieldwork.export_field_projects(task, str(tmp_path / "field"), township="370323101000")
    gpkg = os.path.join(folder, "fieldwork.gpkg")
    os.makedirs(os.path.join(folder, "DCIM"))
    Image.new("RGB", (32, 24)).save(os.path.join(folder, "DCIM", "p1.jpg"))
    edit(gpkg, "P1", photo="DCIM/p1.jpg", **DONE)
    edit(gpkg, "P3", verdict="违法")  # incomplete: rejected, named
    result = fieldwork.merge_field_package(task, gpkg)
    assert result.applied == ["P1"] and result.unchanged == 1 and result.photos_added == 1
    assert result.rejected and result.rejected[0][0] == "P3" and "Missing required field" in result.rejected[0][2]
    store = GeoPackageTaskStore.open(task)
    assert store.verifications()["P1"]["inspector"] == "外业张"
    assert {e["channel"] for e in store.audit_entries("P1") if e["entity"] == "verification"} == {"qfield"}
    store.close()
    again = fieldwork.merge_field_package(task, gpkg)
    assert again.applied == [] and again.photos_added == 0  # merging twice changes nothing


def test_same_patch_changed_in_qgis_and_in_the_field_is_a_conflict(task, tmp_path):
    (folder,) = fieldwork.export_field_projects(task, str(tmp_path / "field"), township="370323101000")
    gpkg = os.path.join(folder, "fieldwork.gpkg")
    edit(gpkg, "P2", inspector="外业王")
    store = GeoPackageTaskStore.open(task)
    store.apply_verifications({"P2": dict(DONE, inspector="室内赵")}, schema.CHANNEL_FORM)
    store.close()
    result = fieldwork.merge_field_package(task, gpkg)
    assert result.conflicts == [("P2", "inspector", "室内赵", "外业王")]
    assert any("室内赵" in line and "外业王" in line for line in result.lines())
    store = GeoPackageTaskStore.open(task)
    assert store.verifications()["P2"]["inspector"] == "室内赵"  # not silently resolved
    store.close()


def test_foreign_package_is_refused(task, tmp_path):
    other = write_patches(str(tmp_path / "x.gpkg"), [patch_row("A1")])
    shutil.copy(other, tmp_path / "y.gpkg")
    with pytest.raises(Exception, match="Not a field package"):
        fieldwork.merge_field_package(task, str(tmp_path / "y.gpkg"))


def test_qfield_projects_are_one_per_overlay_township_on_a_county_coded_delivery(season, tmp_path):
    from county_delivery import county_delivered_task, overlay_townships

    task = county_delivered_task(season, str(tmp_path / "task"))
    placed = overlay_townships(task)
    folders = fieldwork.export_field_projects(task, str(tmp_path / "field"))
    assert sorted(os.path.basename(f) for f in folders) == sorted(f"{c}_{n}" for c, n in set(placed.values()))
    for folder in folders:
        ds = ogr.Open(os.path.join(folder, "fieldwork.gpkg"))
        rows = {f.GetField("jcbh"): f.GetField("xzqmc") for f in ds.GetLayerByName("patches")}
        ds = None
        code, name = os.path.basename(folder).split("_", 1)
        assert rows == {jcbh: name for jcbh, township in placed.items() if township == (code, name)}
