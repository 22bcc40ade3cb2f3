"""The GeoPackage task database: transactions, schema version, metadata, audit."""
import os

import pytest
from conftest import SQUARE, patch_row, shift, write_patches
from osgeo import ogr
from qgis.core import QgsVectorLayer

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core import store as store_module
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.store import GeoPackageTaskStore


def test_new_task_is_a_plain_geopackage_with_every_table(task_path):
    store = GeoPackageTaskStore.create(task_path, "EPSG:4548", "370323", "沂源县", "2024年度")
    store.close()
    for table in (schema.PATCHES_LAYER, schema.VERIFICATIONS_TABLE, schema.AUDIT_TABLE, schema.META_TABLE,
                  schema.SOURCE_FILES_TABLE, schema.IMPORT_ISSUES_TABLE):
        layer = QgsVectorLayer(f"{task_path}|layername={table}", table, "ogr")
        assert layer.isValid(), table
    patches = QgsVectorLayer(f"{task_path}|layername=patches", "p", "ogr")
    assert patches.crs().authid() == "EPSG:4548"
    assert {f.name for f in schema.PATCH_FIELDS} <= set(patches.fields().names())
    summary = GeoPackageTaskStore.open(task_path).summary()
    assert (summary.county_code, summary.county_name, summary.batches, summary.schema_version) == (
        "370323", "沂源县", ["2024年度"], schema.SCHEMA_VERSION)


def test_create_refuses_to_overwrite(task_path):
    GeoPackageTaskStore.create(task_path, "EPSG:4548").close()
    with pytest.raises(LandEnforcementError, match="already exists"):
        GeoPackageTaskStore.create(task_path, "EPSG:4548")


def test_open_rejects_foreign_files(tmp_path):
    with pytest.raises(LandEnforcementError, match="not found"):
        GeoPackageTaskStore.open(str(tmp_path / "none.gpkg"))
    other = write_patches(str(tmp_path / "other.gpkg"), [patch_row("A1")])
    with pytest.raises(LandEnforcementError, match="not a land-enforcement task"):
        GeoPackageTaskStore.open(other)
    text = tmp_path / "text.gpkg"
    text.write_text("hello")
    with pytest.raises(LandEnforcementError, match="Cannot open"):
        GeoPackageTaskStore.open(str(text))


def test_newer_schema_is_refused(task_path):
    store = GeoPackageTaskStore.create(task_path, "EPSG:4548")
    store.set_meta(schema_version=schema.SCHEMA_VERSION + 1)
    store.close()
    with pytest.raises(LandEnforcementError, match="newer than the plugin"):
        GeoPackageTaskStore.open(task_path)


def test_failed_import_writes_nothing(tmp_path, task_path, monkeypatch):
    first = write_patches(str(tmp_path / "a.shp"), [patch_row("A1")])
    import_patches(task_path, ImportOptions(first))
    second = write_patches(str(tmp_path / "b.shp"), [patch_row(f"B{i}", wkt=shift(SQUARE, 0.01 * i)) for i in range(1, 6)])

    calls = {"n": 0}
    original = GeoPackageTaskStore._audit

    def failing_audit(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # after two patches were written
            raise OSError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(GeoPackageTaskStore, "_audit", failing_audit)
    with pytest.raises(OSError):
        import_patches(task_path, ImportOptions(second))
    monkeypatch.undo()
    store = GeoPackageTaskStore.open(task_path)
    assert store.summary().patch_count == 1
    assert len(store._query(f"SELECT * FROM {schema.SOURCE_FILES_TABLE}")) == 1
    assert [e["action"] for e in store.audit_entries()] == ["insert", "import"]


def test_failed_first_import_leaves_no_task(tmp_path, task_path, monkeypatch):
    src = write_patches(str(tmp_path / "a.shp"), [patch_row("A1")])

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(GeoPackageTaskStore, "apply_import", broken)
    with pytest.raises(OSError):
        import_patches(task_path, ImportOptions(src))
    assert not os.path.exists(task_path)


def test_meta_changes_are_audited(task_path):
    store = GeoPackageTaskStore.create(task_path, "EPSG:4548", "370323")
    store.set_meta(county_name="沂源县")
    entry = store.audit_entries()[-1]
    assert (entry["action"], entry["field"], entry["old_value"], entry["new_value"]) == (
        "set_meta", "county_name", "", "沂源县")


def test_patch_jcbh_is_unique_in_the_database(task_path):
    store = GeoPackageTaskStore.create(task_path, "EPSG:4548")
    layer = store._ds.GetLayerByName(schema.PATCHES_LAYER)
    with pytest.raises(RuntimeError):
        with store.transaction():
            for _ in range(2):
                feature = ogr.Feature(layer.GetLayerDefn())
                feature.SetField("jcbh", "SAME")
                layer.CreateFeature(feature)
    assert store.summary().patch_count == 0


def test_older_task_is_migrated_without_losing_data(tmp_path, task_path, monkeypatch):
    src = write_patches(str(tmp_path / "a.shp"), [patch_row("A1")])
    # The plugin as it was at schema 1: that version and the patch fields it knew.
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 1)
    monkeypatch.setattr(schema, "PATCH_SOURCE_FIELDS", schema.PATCH_SOURCE_FIELDS_V1)
    monkeypatch.setattr(store_module, "_COMPARED", [f.name for f in schema.PATCH_SOURCE_FIELDS_V1] + ["src_attrs"])
    import_patches(task_path, ImportOptions(src))
    old = QgsVectorLayer(f"{task_path}|layername=patches", "p", "ogr")
    assert "area_m2" not in old.fields().names()
    del old
    monkeypatch.undo()

    store = GeoPackageTaskStore.open(task_path)
    assert store.summary().schema_version == schema.SCHEMA_VERSION
    store.close()
    backup = os.path.splitext(task_path)[0] + "_schema1_backup.gpkg"  # the file as the older plugin left it
    assert QgsVectorLayer(f"{backup}|layername=patches", "b", "ogr").featureCount() == 1
    layer = QgsVectorLayer(f"{task_path}|layername=patches", "p", "ogr")
    assert {f.name for f in schema.OVERLAY_PATCH_FIELDS} <= set(layer.fields().names())
    assert [f["jcbh"] for f in layer.getFeatures()] == ["A1"]
    assert QgsVectorLayer(f"{task_path}|layername={schema.PATCH_TOWNSHIPS_TABLE}", "t", "ogr").isValid()


def test_saving_over_a_newer_record_is_a_conflict_not_a_lost_update(tmp_path, task_path):
    from land_enforcement_plugin.core.store import VerificationConflict

    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "p.shp"), [patch_row("A1")])))
    store = GeoPackageTaskStore.open(task_path)
    try:
        seen = store.verification_version("A1")  # two people open the form on A1
        assert seen == 0
        store.apply_verifications({"A1": {"verdict": "违法"}}, schema.CHANNEL_FORM, expected={"A1": seen})
        with pytest.raises(VerificationConflict) as raised:
            store.apply_verifications({"A1": {"verdict": "合法"}}, schema.CHANNEL_FORM, expected={"A1": seen})
        assert raised.value.conflicts == [("A1", "verdict", "违法", "合法")]
        assert store.verifications()["A1"]["verdict"] == "违法" and store.verification_version("A1") == 1
        again = store.verification_version("A1")  # reopened: the second person sees 违法 and decides
        store.apply_verifications({"A1": {"verdict": "合法"}}, schema.CHANNEL_FORM, expected={"A1": again})
        assert store.verification_version("A1") == 2
    finally:
        store.close()


def test_a_save_waits_for_figures_written_meanwhile(season, tmp_path):
    """A verdict saved while another connection rewrites the township figures (the metrics dock's
    background task) waits its turn instead of failing with "database is locked"."""
    import shutil
    import threading

    from land_enforcement_plugin.core.metrics import township_metrics

    task = str(tmp_path / "task.gpkg")
    shutil.copyfile(season["task"], task)
    stop, failures = threading.Event(), []

    def figures():
        store = GeoPackageTaskStore.open(task)
        try:
            while not stop.is_set():
                township_metrics(store)  # reads everything, then rewrites township_metrics
        except Exception as exc:
            failures.append(exc)
        finally:
            store.close()

    worker = threading.Thread(target=figures)
    worker.start()
    store = GeoPackageTaskStore.open(task)
    try:
        jcbhs = [row["jcbh"] for row in store.review_rows()][:40]
        saved = sum(store.apply_verifications({jcbh: {"notes": f"第{n}次"}}, schema.CHANNEL_FORM)
                    for n, jcbh in enumerate(jcbhs))
    finally:
        stop.set()
        worker.join()
        store.close()
    assert saved == 40 and not failures
