"""Bureau mode on a real PostgreSQL + PostGIS (tests/pg_cluster.py): the same task as the
GeoPackage one, township accounts fenced in by row-level security, conflicts instead of lost
updates, the audit trigger, and a killed client leaving nothing half-written."""
import os
import subprocess
import sys
import threading
import time

import psycopg2
import pytest
from conftest import running_plugin

from demodata.season import redline_inputs
from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay.run import run_overlay
from land_enforcement_plugin.core.reports import package as submission
from land_enforcement_plugin.core.reports.package_verify import verify_package
from land_enforcement_plugin.core.review import verification
from land_enforcement_plugin.core.season import metrics
from land_enforcement_plugin.core.store import GeoPackageTaskStore, VerificationConflict, open_task
from land_enforcement_plugin.core.store.postgis import PostgisTaskStore
from land_enforcement_plugin.core.store.postgis_security import set_up_roles

SERVICE = "service=lep_test"
TOWN_A, TOWN_B = "370323101000", "370323102000"


@pytest.fixture(scope="module")
def bureau(pg_cluster, season):
    """The season's patches, overlay and township sheet in a PostGIS task, with logins."""
    location = f"pg:{SERVICE}/task_370323_2024"
    import_patches(location, ImportOptions(season["patches"]))
    run_overlay(location, redline_inputs(season["redlines"]))
    verification.import_spreadsheet(location, season["verification_xlsx"], accept_partial=True)
    set_up_roles(SERVICE, county=["wang"], townships={"li": TOWN_A, "zhao": TOWN_B}, reviewers=["city"])
    return location


def as_login(location, login):
    return location.replace(SERVICE, f"{SERVICE} user={login}")


def rows(store):
    return {r["jcbh"]: r for r in store.review_rows()}


def save_in_thread(store, jcbh, notes, seen):
    """Starts a thread saving `notes` on the patch through `store` as the verdict form does (expecting
    version `seen`), so that it can wait behind another transaction. Returns the thread and a list
    that receives what the save ended in: "saved", or its conflicts."""
    ended = []

    def save():
        try:
            store.apply_verifications({jcbh: {"notes": notes}}, schema.CHANNEL_FORM, expected={jcbh: seen})
            ended.append("saved")
        except VerificationConflict as conflict:
            ended.append(conflict.conflicts)

    thread = threading.Thread(target=save)
    thread.start()
    return thread, ended


def test_postgis_task_equals_the_geopackage_task(bureau, season):
    pg, gpkg = open_task(bureau), GeoPackageTaskStore.open(season["task"])
    try:
        assert pg.summary().patch_count == gpkg.summary().patch_count == 120
        ours = {v["jcbh"]: v for v, _ in pg.export_patches()}
        theirs = {v["jcbh"]: v for v, _ in gpkg.export_patches()}
        for jcbh, values in theirs.items():
            for spec in schema.OVERLAY_AREA_FIELDS:
                assert ours[jcbh][spec.name] == pytest.approx(values[spec.name], abs=1e-6), (jcbh, spec.name)
            assert ours[jcbh]["suggested_verdict"] == values["suggested_verdict"]
        assert pg.verifications() == {j: {k: v for k, v in r.items()} for j, r in gpkg.verifications().items()}
        pg_metrics = metrics.township_metrics(pg).rows
        # The same facts of each patch (batches, repeats, image dates; no photos in this task): issue 16.
        gpkg_metrics = metrics.compute_metrics(gpkg.township_parts(), gpkg.verifications(), "370323",
                                               facts=metrics.patch_facts(pg)).rows
        assert len(pg_metrics) == len(gpkg_metrics)
        for mine, expected in zip(pg_metrics, gpkg_metrics):
            assert mine == pytest.approx(expected)
    finally:
        pg.close()
        gpkg.close()


def test_township_login_sees_and_edits_only_its_own_township(bureau, pg_cluster):
    li = open_task(as_login(bureau, "li"))
    county = open_task(as_login(bureau, "wang"))
    try:
        everything = rows(county)
        mine = rows(li)
        assert mine and set(mine) < set(everything)
        assert {r["township_code"] for r in mine.values()} == {TOWN_A}
        other = next(j for j, r in everything.items() if r["township_code"] == TOWN_B and not r["verdict"])
        own = next(j for j, r in mine.items() if not r["verdict"])
        with pytest.raises(LandEnforcementError, match=r"This login \(li\) may not edit patch"):
            li.apply_verifications({other: {"verdict": "合法"}}, schema.CHANNEL_FORM)
        assert not (county.verifications().get(other) or {}).get("verdict")
        li.apply_verifications({own: {"verdict": "其他"}}, schema.CHANNEL_FORM)
        assert county.verifications()[own]["verdict"] == "其他"
    finally:
        li.close()
        county.close()
    # The fence is in the database, not in the plugin: plain SQL as li is held to it too.
    with psycopg2.connect(pg_cluster.conninfo(user="li")) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM task_370323_2024.patches WHERE township_code IS DISTINCT FROM %s",
                       (TOWN_A,))
        assert cursor.fetchone()[0] == 0
    for statement in ("UPDATE task_370323_2024.verifications SET notes = 'x' WHERE jcbh = %s",
                      "DELETE FROM task_370323_2024.patches WHERE jcbh = %s"):
        with psycopg2.connect(pg_cluster.conninfo(user="li")) as connection, connection.cursor() as cursor:
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):  # townships write through functions only
                cursor.execute(statement, (other,))


def test_reviewer_reads_everything_and_writes_nothing(bureau):
    with open_task(as_login(bureau, "city")) as city:
        assert len(rows(city)) == 120
        jcbh = next(iter(rows(city)))
        with pytest.raises(LandEnforcementError, match=r"This login \(city\) may not edit patch"):
            city.apply_verifications({jcbh: {"notes": "看过"}}, schema.CHANNEL_FORM)


def test_two_people_saving_one_patch_get_a_conflict_not_a_lost_update(bureau):
    wang, li = open_task(as_login(bureau, "wang")), open_task(as_login(bureau, "li"))
    try:
        jcbh = next(j for j, r in rows(li).items() if r["verdict"] != "违法")
        seen = li.verification_version(jcbh)
        assert wang.verification_version(jcbh) == seen
        with wang.transaction():
            wang.apply_verifications({jcbh: {"notes": "王：未拆除"}}, schema.CHANNEL_FORM, expected={jcbh: seen})
            second, ended = save_in_thread(li, jcbh, "李：已拆除", seen)
            time.sleep(0.5)
            assert second.is_alive()  # li waits for wang's save to end
        second.join(10)
        assert ended == [[(jcbh, "notes", "王：未拆除", "李：已拆除")]]
        assert wang.verifications()[jcbh]["notes"] == "王：未拆除"
        assert wang.verification_version(jcbh) == seen + 1
    finally:
        wang.close()
        li.close()


def test_audit_is_written_by_the_database_even_for_edits_outside_the_plugin(bureau, pg_cluster):
    with open_task(bureau) as county:
        jcbh = next(j for j, r in rows(county).items() if r["township_code"] == TOWN_A)
        before = county.verification_version(jcbh)
    with psycopg2.connect(pg_cluster.conninfo(user="wang")) as connection, connection.cursor() as cursor:
        cursor.execute("UPDATE task_370323_2024.verifications SET inspector = '李四' WHERE jcbh = %s", (jcbh,))
        assert cursor.rowcount == 1
    with open_task(bureau) as county:
        entry = county.audit_entries(jcbh)[-1]
        assert (entry["user_name"], entry["field"], entry["new_value"], entry["channel"]) == (
            "wang", "inspector", "李四", "database")
        assert county.verification_version(jcbh) == before + 1  # a stale form save now conflicts


_KILLED_WRITER = """
import os, signal, sys
sys.path.insert(0, {root!r})
from land_enforcement_plugin.core.store import open_task
store = open_task({location!r})
with store.transaction():
    store.apply_verifications({changes!r}, "form")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_client_killed_mid_transaction_leaves_nothing_half_written(bureau):
    with open_task(bureau) as store:
        unjudged = [j for j, r in rows(store).items() if not r["verdict"]][:5]
        audit_before = len(store.audit_entries())
    changes = {jcbh: {"verdict": "其他", "notes": "killed"} for jcbh in unjudged}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    killed = subprocess.run([sys.executable, "-c", _KILLED_WRITER.format(root=root, location=bureau, changes=changes)],
                            env=dict(os.environ), capture_output=True, text=True, timeout=60)
    assert killed.returncode == -9, killed.stderr
    with open_task(bureau) as store:
        assert all(not (store.verifications().get(j) or {}).get("verdict") for j in unjudged)
        assert len(store.audit_entries()) == audit_before


def test_package_from_a_postgis_task(bureau, tmp_path):
    result = submission.build_package(bureau, str(tmp_path / "p.zip"), submission.PackageOptions(draft=True))
    counts = result.manifest["counts"]
    assert counts["patches"] == 120 and counts["evidence_sheets"] > 10 and verify_package(result.path).ok


def test_bad_locations_say_what_is_wrong(pg_cluster):
    with pytest.raises(LandEnforcementError, match="pg:<connection>/<schema>"):
        open_task("pg:service=lep_test/Bad-Name")
    with pytest.raises(LandEnforcementError, match="No task nothing_here"):
        PostgisTaskStore.open(f"pg:{SERVICE}/nothing_here")


def test_upload_a_geopackage_task(season, pg_cluster):
    from land_enforcement_plugin.core.review.photos import photo_path
    from land_enforcement_plugin.core.season.transfer import upload_task

    location = upload_task(season["task"], f"pg:{SERVICE}/uploaded_2024")
    pg, gpkg = open_task(location), GeoPackageTaskStore.open(season["task"])
    try:
        assert pg.summary().patch_count == gpkg.summary().patch_count
        assert pg.verifications() == gpkg.verifications()
        assert len(pg.audit_entries()) == len(gpkg.audit_entries())  # history kept, nothing added
        assert pg.township_parts() and len(pg.township_parts()) == len(gpkg.township_parts())
        # copied as they are (in bulk, by COPY): geometries and fingerprints exactly, every area to the
        # 15 significant digits that GDAL's PostgreSQL driver writes (the overlay's own writes keep 17)
        assert sorted(pg.patch_geometries()) == sorted(gpkg.patch_geometries())
        key = lambda row: (row["jcbh"], row["xzqdm"])  # noqa: E731
        for copied, original in zip(sorted(pg.township_parts(), key=key), sorted(gpkg.township_parts(), key=key)):
            assert copied == pytest.approx(original, rel=1e-14)
        photo = pg.photos()[0]
        assert os.path.exists(photo_path(location, photo["file"]))
        assert pg.meta()["county_code"] == "370323"
        # the copy is a working task: a new save is audited by the trigger and versioned
        jcbh = next(iter(pg.verifications()))
        version = pg.verification_version(jcbh)
        pg.apply_verifications({jcbh: {"notes": "上传后修改"}}, schema.CHANNEL_FORM, expected={jcbh: version})
        assert pg.audit_entries(jcbh)[-1]["new_value"] == "上传后修改"
    finally:
        pg.close()
        gpkg.close()


# Closing the discarded upload, GDAL's PostgreSQL driver still tries to reset the fid sequence of a
# table that the rolled-back transaction had created: an error from its destructor, after the fact.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_upload_reports_progress_row_by_row_and_a_cancel_leaves_nothing(season, pg_cluster):
    from qgis.core import QgsFeedback

    from land_enforcement_plugin.core.season.transfer import upload_task
    from land_enforcement_plugin.core.store.postgis import list_tasks

    feedback = QgsFeedback()
    seen = []

    def progressed(value):
        seen.append(value)
        if value > 45:  # half-way through the rows: the patches are copied, not everything else
            feedback.cancel()

    feedback.progressChanged.connect(progressed)
    with pytest.raises(LandEnforcementError, match="cancelled"):
        upload_task(season["task"], f"pg:{SERVICE}/cancelled_upload", feedback)
    assert len(seen) > 5 and seen == sorted(seen) and 0 < seen[-1] < 90  # not one step per table
    assert "cancelled_upload" not in [task[0] for task in list_tasks(SERVICE)]


def test_open_a_postgis_task_from_the_dock(bureau, plugin_iface, monkeypatch):
    from qgis.core import QgsProject
    from test_gui import wait_for

    from land_enforcement_plugin.gui.postgis_dialog import PostgisTaskDialog

    try:
        with running_plugin(plugin_iface) as plugin:
            chosen = {}

            def run_dialog(dialog):
                dialog.connection.setEditText(SERVICE)
                dialog.list_tasks()
                wait_for(lambda: dialog.runner.idle)
                names = [dialog.tasks.item(r, 0).text() for r in range(dialog.tasks.rowCount())]
                chosen["names"] = names
                dialog.tasks.selectRow(names.index("task_370323_2024"))
                dialog.accept_location()
                return dialog.result()

            monkeypatch.setattr(PostgisTaskDialog, "exec", run_dialog)
            plugin.dock.choose_postgis_task()
            assert "task_370323_2024" in chosen["names"]
            assert plugin.dock.task_path == bureau
            assert plugin.dock.values["patches"].text() == "120"
            patches = plugin.dock.add_layers_to_map()
            assert patches.isValid() and patches.providerType() == "postgres" and patches.featureCount() == 120
            assert "password" not in patches.source()
            assert plugin.review.patches_layer() is patches
            assert plugin.review.model.rowCount() == 120
    finally:
        QgsProject.instance().removeAllMapLayers()


def test_photos_reach_colleagues_on_other_computers(bureau, season, tmp_path):
    import shutil

    from land_enforcement_plugin.core.review import photos
    from land_enforcement_plugin.core.store import task_files_folder

    li = as_login(bureau, "li")
    with open_task(li) as store:
        jcbh = next(j for j, r in rows(store).items() if r["verdict"] == "违法")
    result = photos.attach_photos(li, {jcbh: [season["photos"][0]["path"]]})
    assert result.added == 1
    shutil.rmtree(task_files_folder(li))  # the county's computer has none of li's files
    package = submission.build_package(as_login(bureau, "wang"), str(tmp_path / "p.zip"),
                                       submission.PackageOptions(draft=True, evidence=False))
    assert any(f"/photos/{jcbh}/" in entry["path"] for entry in package.manifest["files"])
    county, zhao = open_task(bureau), open_task(as_login(bureau, "zhao"))
    try:
        sha = next(r["sha256"] for r in county.photos(jcbh))
        assert county.photo_file(jcbh, sha) is not None
        assert zhao.photo_file(jcbh, sha) is None  # another township's photo stays fenced off
    finally:
        county.close()
        zhao.close()


def test_upload_keeps_the_imagery_where_it_is(season, pg_cluster, tmp_path):
    from osgeo import gdal
    from test_submission import copy_task

    from land_enforcement_plugin.core.imagery import registry as imagery
    from land_enforcement_plugin.core.season.transfer import upload_task

    task = copy_task(season, str(tmp_path / "bureau"))
    tif = str(tmp_path / "bureau" / "after_2024-04-01.tif")  # inside the task folder: recorded relative
    raster = gdal.GetDriverByName("GTiff").Create(tif, 10, 10, 1)
    raster.SetGeoTransform((500000, 2, 0, 4000000, 0, -2))
    srs = gdal.osr.SpatialReference()
    srs.ImportFromEPSG(4548)
    raster.SetProjection(srs.ExportToWkt())
    raster = None
    imagery.add_files(task, [tif], role="after")
    location = upload_task(task, f"pg:{SERVICE}/imagery_upload")
    (entry,) = imagery.entries(location)
    assert entry["source"] == tif and os.path.exists(entry["source"])
