"""The GeoPackage task database: transactions, schema version, metadata, audit."""
import os

import pytest
from conftest import SQUARE, patch_row, shift, write_patches
from osgeo import ogr
from qgis.core import QgsVectorLayer

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.store import GeoPackageTaskStore, create_task, open_task, patch_tables


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
    second = write_patches(str(tmp_path / "b.shp"),
                           [patch_row(f"B{i}", wkt=shift(SQUARE, 0.01 * i)) for i in range(1, 6)])

    calls = {"n": 0}
    original = GeoPackageTaskStore.audit

    def failing_audit(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # after two patches were written
            raise OSError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(GeoPackageTaskStore, "audit", failing_audit)
    with pytest.raises(OSError):
        import_patches(task_path, ImportOptions(second))
    monkeypatch.undo()
    store = GeoPackageTaskStore.open(task_path)
    assert store.summary().patch_count == 1
    assert len(store.query(f"SELECT * FROM {schema.SOURCE_FILES_TABLE}")) == 1
    assert [e["action"] for e in store.audit_entries()] == ["insert", "import"]


def crash_first_import(task, src, monkeypatch):
    """The first import of `src` into `task` failing (the disk full) while it writes the patches."""
    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(GeoPackageTaskStore, "apply_import", crash)
    with pytest.raises(OSError):
        import_patches(task, ImportOptions(src))
    monkeypatch.undo()


def test_failed_first_import_leaves_no_task(tmp_path, task_path, monkeypatch):
    crash_first_import(task_path, write_patches(str(tmp_path / "a.shp"), [patch_row("A1")]), monkeypatch)
    assert not os.path.exists(task_path)


def test_meta_changes_are_audited(task_path):
    store = GeoPackageTaskStore.create(task_path, "EPSG:4548", "370323")
    store.set_meta(county_name="沂源县")
    entry = store.audit_entries()[-1]
    assert (entry["action"], entry["field"], entry["old_value"], entry["new_value"]) == (
        "set_meta", "county_name", "", "沂源县")


def test_patch_jcbh_is_unique_in_the_database(task_path):
    store = GeoPackageTaskStore.create(task_path, "EPSG:4548")
    layer = store.layer(schema.PATCHES_LAYER)
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
    monkeypatch.setattr(patch_tables, "COMPARED", [f.name for f in schema.PATCH_SOURCE_FIELDS_V1] + ["src_attrs"])
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
    with GeoPackageTaskStore.open(task_path) as store:
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


def test_a_save_waits_for_figures_written_meanwhile(season, tmp_path):
    """A verdict saved while another connection rewrites the township figures (the metrics dock's
    background task) waits its turn instead of failing with "database is locked"."""
    import shutil
    import threading

    from land_enforcement_plugin.core.season.metrics import township_metrics

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


def test_failed_first_import_leaves_no_file_at_all(tmp_path, monkeypatch):
    """Not the task, nor the file it was being built in: the folder is as it was."""
    folder = tmp_path / "tasks"
    folder.mkdir()
    task = str(folder / "陵川县_2023.gpkg")
    src = write_patches(str(tmp_path / "a.shp"), [patch_row("A1")])
    crash_first_import(task, src, monkeypatch)
    assert os.listdir(folder) == []
    assert import_patches(task, ImportOptions(src)).inserted == 1  # the same path works at once
    assert os.listdir(folder) == ["陵川县_2023.gpkg"]


def test_an_empty_file_at_the_task_path_is_reported_not_used(tmp_path, task_path):
    open(task_path, "wb").close()  # what a crashed import of an older version left
    src = write_patches(str(tmp_path / "a.shp"), [patch_row("A1")])
    with pytest.raises(LandEnforcementError) as raised:
        import_patches(task_path, ImportOptions(src))
    assert "0 字节" in raised.value.zh and "empty" in raised.value.en
    assert os.path.getsize(task_path) == 0


def _square(x, y, size):
    return f"POLYGON(({x} {y},{x + size} {y},{x + size} {y + size},{x} {y + size},{x} {y}))"


def _township_layer():
    from qgis.core import QgsFeature, QgsGeometry

    layer = QgsVectorLayer("Polygon?crs=EPSG:4548&field=XZQDM:string&field=XZQMC:string", "townships", "memory")
    features = []
    for code, name, x in (("140524101000", "崇文镇", 600000), ("140524102000", "礼义镇", 601000)):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromWkt(_square(x, 4000000, 1000)))
        feature.setAttributes([code, name])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def _overlaid_task(tmp_path, task_path, rows):
    from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs
    from land_enforcement_plugin.core.overlay.run import run_overlay

    src = write_patches(str(tmp_path / "first.gpkg"), rows, fields=("JCBH", "XZQDM", "SSXZ"), epsg=4548)
    import_patches(task_path, ImportOptions(src, batch="2023Q1"))
    return run_overlay(task_path, OverlayInputs(_township_layer()))


@pytest.fixture(params=["gpkg", "postgis"])
def any_task(request, task_path):
    """A new task's location in a GeoPackage, and in a PostGIS schema (when PostGIS is here)."""
    if request.param == "gpkg":
        return task_path
    request.getfixturevalue("pg_cluster")
    return f"pg:service=lep_test/reshape_{os.getpid()}_{len(request.node.name)}"


def test_reshaped_patch_loses_its_areas_and_its_verdict_is_marked_for_recheck(tmp_path, any_task):
    from land_enforcement_plugin.core.store import open_task

    task_path = any_task
    square = {"JCBH": "A1", "XZQDM": "140524000000", "wkt": _square(600100, 4000100, 94.6)}  # ~13.4 亩
    _overlaid_task(tmp_path, task_path, [square, {"JCBH": "A2", "wkt": _square(600500, 4000500, 50)}])
    store = open_task(task_path)
    old_area = store.query("SELECT area_m2 FROM patches WHERE jcbh = 'A1'")[0]["area_m2"]
    store.apply_verifications({"A1": {"verdict": "违法", "inspector": "张三"}}, schema.CHANNEL_FORM)
    store.close()
    assert old_area / schema.M2_PER_MU == pytest.approx(13.4, abs=0.1)

    bigger = dict(square, wkt=_square(600100, 4000100, 151.1))  # re-delivered larger: ~34.2 亩
    src = write_patches(str(tmp_path / "again.gpkg"), [bigger], fields=("JCBH", "XZQDM"), epsg=4548)
    result = import_patches(task_path, ImportOptions(src, batch="2023Q1"))
    assert result.reshaped == ["A1"]
    (note,) = (i for i in result.issues if i.code == "reshaped")
    assert "13.4" in note.zh and "34.2" in note.zh and "需复核" in note.zh

    with open_task(task_path) as store:
        rows = {r["jcbh"]: r for r in store.query(
            "SELECT jcbh, area_m2, cultivated_m2, suggested_verdict, township_name, overlay_fingerprint FROM patches")}
        assert all(value is None for key, value in rows["A1"].items() if key != "jcbh")
        assert rows["A2"]["area_m2"] > 0  # the other patch keeps its areas
        assert store.query("SELECT count(*) AS n FROM patch_townships WHERE jcbh = 'A1'")[0]["n"] == 0
        (mark,) = store.recheck_marks().values()
        assert "13.4" in mark and "34.2" in mark and "亩" in mark
        # Saved again after a look: no longer waiting for a re-check.
        store.apply_verifications({"A1": {"verdict": "违法"}}, schema.CHANNEL_FORM)
        assert store.recheck_marks() == {}


def test_delivered_township_that_differs_from_the_overlay_is_listed(tmp_path, task_path):
    rows = [{"JCBH": "A1", "SSXZ": "崇文镇", "wkt": _square(600100, 4000100, 50)},
            {"JCBH": "A2", "SSXZ": "崇文镇", "wkt": _square(601100, 4000100, 50)}]  # lies in 礼义镇
    run = _overlaid_task(tmp_path, task_path, rows)
    assert run.township_mismatches == [("A2", "崇文镇", "礼义镇")]
    assert any("下发乡镇" in line and "A2" in line for line in run.lines())


def _held_open(path):
    """Whether this process holds `path` open (what keeps Windows from replacing or deleting a task)."""
    held = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            held.add(os.readlink(os.path.join("/proc/self/fd", fd)))
        except OSError:  # the descriptor listdir itself used
            pass
    return os.path.realpath(path) in held


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to see open files")
def test_a_task_used_in_a_with_block_is_closed_when_the_block_ends_even_after_an_error(task_path):
    with create_task(task_path, "EPSG:4548", "370323") as store:
        assert _held_open(task_path)
    assert not _held_open(task_path)
    with pytest.raises(LandEnforcementError, match="interrupted"):
        with open_task(task_path) as store:
            store.set_meta(county_name="沂源县")
            raise LandEnforcementError("中断", "interrupted")
    assert not _held_open(task_path)
    with GeoPackageTaskStore.open(task_path) as store:
        assert store.meta()["county_name"] == "沂源县"
    assert not _held_open(task_path)
