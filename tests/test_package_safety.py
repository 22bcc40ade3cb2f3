"""Received packages that are broken or forged, staging folders left by killed exports, and a task
opened while another process writes it: each a clear message, never a traceback or a leftover."""
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile

import pytest
from test_submission import copy_task

from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.reports import package as submission
from land_enforcement_plugin.core.reports.package_verify import verify_package
from land_enforcement_plugin.core.store import GeoPackageTaskStore

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def package(season, tmp_path_factory):
    """A draft package of the demo county, as a bureau sends it (photos, Shapefile, workbook)."""
    folder = tmp_path_factory.mktemp("package")
    task = copy_task(season, str(folder / "task"))
    result = submission.build_package(task, str(folder / "p.zip"), submission.PackageOptions(draft=True, evidence=False))
    assert verify_package(result.path).ok
    return result.path


def _members(path):
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _forge(source, target, change, fix_manifest=True):
    """A copy of the package with `change(members)` applied; with fix_manifest the manifest is
    rewritten so every listed hash and size matches the altered files (what a forger does)."""
    files = _members(source)
    manifest_name = next(n for n in files if n.endswith("/manifest.json"))
    manifest = json.loads(files.pop(manifest_name))
    change(files)
    if fix_manifest:
        manifest["files"] = [{"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                             for name, data in sorted(files.items())]
    files[manifest_name] = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return str(target)


def _only(files, suffix):
    return next(name for name in files if name.endswith(suffix))


def _verify_algorithm(path):
    """Run landenforcement:verifypackage; the message of its failure (None when the package is fine)."""
    import processing
    from qgis.core import QgsApplication, QgsProcessingException

    from land_enforcement_plugin.processing.provider import LandEnforcementProvider

    provider = LandEnforcementProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    try:
        processing.run("landenforcement:verifypackage", {"INPUT": path})
    except QgsProcessingException as exc:
        return str(exc)
    finally:
        QgsApplication.processingRegistry().removeProvider(provider)
    return None


def test_package_without_its_dbf_is_a_message(package, tmp_path, qgis_processing):
    forged = _forge(package, tmp_path / "no_dbf.zip", lambda files: files.pop(_only(files, ".dbf")))
    report = verify_package(forged)
    assert not report.ok
    assert [en for _, en in report.problems] == [
        "The Shapefile is incomplete (no .dbf); its patches cannot be read"]
    message = _verify_algorithm(forged)
    assert "Shapefile 不完整" in message and "Traceback" not in message and "KeyError" not in message


def test_garbage_workbook_and_shapefile_with_matching_hashes_are_refused(package, tmp_path, qgis_processing):
    def garbage(files):
        files[_only(files, ".xlsx")] = os.urandom(30000)
        files[_only(files, ".shp")] = b"\x00" * 5000
        files[_only(files, ".dbf")] = b"not a dbf at all"

    forged = _forge(package, tmp_path / "garbage.zip", garbage)
    problems = [en for _, en in verify_package(forged).problems]
    xlsx, shp = _only(_members(forged), ".xlsx"), _only(_members(forged), ".shp")
    assert f"The file's content is not Excel (.xlsx) (its extension says so): {xlsx}" in problems
    assert f"The file's content is not Shapefile (its extension says so): {shp}" in problems
    assert "The package has no readable workbook" in problems
    assert not [p for p in problems if "File changed" in p]  # the hashes were forged to match
    message = _verify_algorithm(forged)
    assert message and "Traceback" not in message


def test_a_member_damaged_in_transit_is_a_message(package, tmp_path):
    """Bytes flipped inside a compressed photo (a bad copy over a network share): zlib's error
    becomes a line of the report."""
    data = bytearray(open(package, "rb").read())
    with zipfile.ZipFile(package) as archive:
        photo = sorted((i for i in archive.infolist() if "/photos/" in i.filename), key=lambda i: i.filename)[0]
    start = photo.header_offset + 30 + len(photo.filename.encode("utf-8")) + len(photo.extra)
    for offset in range(start + 10, start + 60):
        data[offset] ^= 0x5A
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    report = verify_package(str(damaged))
    assert [en.startswith("File cannot be extracted (Error -3 while decompressing data") for _, en in report.problems] \
        == [True]
    assert photo.filename in report.problems[0][1]


def test_invalid_manifest_entries_are_messages(package, tmp_path):
    forged = _forge(package, tmp_path / "entries.zip", lambda files: None)
    files = _members(forged)
    manifest_name = _only(files, "/manifest.json")
    manifest = json.loads(files[manifest_name])
    del manifest["files"][0]["size"]
    manifest["files"][1]["sha256"] = None
    files[manifest_name] = json.dumps(manifest).encode()
    with zipfile.ZipFile(tmp_path / "entries2.zip", "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    problems = [en for _, en in verify_package(str(tmp_path / "entries2.zip")).problems]
    assert "Manifest entry 1 is invalid (path, sha256 and size needed)" in problems
    assert "Manifest entry 2 is invalid (path, sha256 and size needed)" in problems


def test_an_all_zero_photo_is_refused_and_hashed_without_reading_it_whole(package, tmp_path):
    zeros = 24 * 1024 * 1024  # stands for the 200 MB of the report: the same, smaller

    def zero_photo(files):
        photo = sorted(name for name in files if "/photos/" in name)[0]
        files[photo] = b"\x00" * zeros

    forged = _forge(package, tmp_path / "zeros.zip", zero_photo)
    photo = sorted(name for name in _members(forged) if "/photos/" in name)[0]
    tracemalloc.start()
    try:
        report = verify_package(forged)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [en for _, en in report.problems if photo in en] == [
        f"The file's content is not a readable image (damaged photo or renamed file?): {photo}"]
    assert peak < zeros / 4  # streamed in chunks, never held whole


def test_member_sizes_are_checked_against_the_manifest_before_extracting(package, tmp_path):
    files = _members(package)
    manifest_name = _only(files, "/manifest.json")
    manifest = json.loads(files[manifest_name])
    photo = next(entry for entry in manifest["files"] if "/photos/" in entry["path"])
    real_size = photo["size"]
    photo["size"] = 1000
    files[manifest_name] = json.dumps(manifest).encode()
    with zipfile.ZipFile(tmp_path / "sizes.zip", "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    problems = [en for _, en in verify_package(str(tmp_path / "sizes.zip")).problems]
    assert problems == [f"File size differs from the manifest ({real_size} bytes; the manifest says 1000): "
                        f"{photo['path']}"]


def test_members_that_are_not_what_their_extension_says_are_refused(package, tmp_path):
    def disguised(files):
        root = _only(files, ".xlsx").split("/")[0]
        files[f"{root}/evidence/{root}_1.pdf"] = b"<html>evidence</html>"
        files[f"{root}/evidence/{root}_2.pdf"] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        files[_only(files, ".gpkg")] = b"PK\x03\x04 not a geopackage"
        photo = sorted(name for name in files if "/photos/" in name)[0]
        files[photo] = "现场照片".encode() * 100

    forged = _forge(package, tmp_path / "disguised.zip", disguised)
    problems = [en for _, en in verify_package(forged).problems]
    root = _only(_members(forged), ".xlsx").split("/")[0]
    assert f"The file's content is not PDF (its extension says so): {root}/evidence/{root}_1.pdf" in problems
    assert not [p for p in problems if p.endswith("_2.pdf")]
    assert any(p.startswith("The file's content is not GeoPackage") for p in problems)
    assert any(p.startswith("The file's content is not a readable image") for p in problems)
    assert len(problems) == 3


_PAUSED_EXPORT = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from qgis.core import QgsApplication, QgsFeedback
    app = QgsApplication([], False)
    app.initQgis()
    from land_enforcement_plugin.core.reports import package as submission
    feedback = QgsFeedback()
    def paused(percent):
        print("staging", flush=True)
        time.sleep(600)  # killed here, as a user or the system kills a long export
    feedback.progressChanged.connect(paused)
    submission.build_package({task!r}, {output!r}, submission.PackageOptions(draft=True, evidence=False), feedback)
""")


def test_staging_of_a_killed_export_is_removed_by_the_next_export(season, tmp_path):
    task = copy_task(season, str(tmp_path / "task"))
    out = tmp_path / "out"
    out.mkdir()
    script = tmp_path / "export.py"
    script.write_text(_PAUSED_EXPORT.format(root=ROOT, task=task, output=str(out / "p.zip")), encoding="utf-8")
    exporter = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                                env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    try:
        assert exporter.stdout.readline().strip() == "staging"
        staging = [str(path) for path in out.iterdir() if path.name.startswith(".package-")]
        assert len(staging) == 1
        day_before = time.time() - 2 * 24 * 3600
        for path in (staging[0], *[os.path.join(staging[0], n) for n in os.listdir(staging[0])]):
            os.utime(path, (day_before, day_before))
        fresh = out / ".package-fresh"  # another export that started an hour ago, from another program
        fresh.mkdir()
        os.utime(fresh, (time.time() - 3600,) * 2)
        # Still exporting (days, in this test): its staging is in use and stays.
        result = submission.build_package(task, str(out / "q.zip"), submission.PackageOptions(draft=True, evidence=False))
        assert result.stale_removed == [] and os.path.isdir(staging[0])
    finally:
        exporter.kill()
        exporter.wait()
    result = submission.build_package(task, str(out / "r.zip"), submission.PackageOptions(draft=True, evidence=False))
    assert result.stale_removed == staging
    assert sorted(path.name for path in out.iterdir()) == [".package-fresh", "q_草稿.zip", "r_草稿.zip"]
    assert any("interrupted export" in en for _, en in result.stale_lines())


_WRITER = textwrap.dedent("""
    import sqlite3, sys, time
    connection = sqlite3.connect(sys.argv[1], isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")  # another process in its write phase (commit)
    connection.execute("UPDATE gpkg_contents SET table_name = table_name WHERE 0")
    print("writing", flush=True)
    time.sleep(float(sys.argv[2]))
    connection.execute("COMMIT")
""")


def _writer(task, seconds):
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, task, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "writing"
    return writer


@pytest.mark.slow  # a second process holds the write lock for seconds
def test_opening_a_task_while_another_process_writes_waits_its_turn(season, tmp_path):
    task = copy_task(season, str(tmp_path / "task"))
    writer = _writer(task, 8)  # longer than GDAL's own wait when opening (5 s)
    try:
        started = time.monotonic()
        store = GeoPackageTaskStore.open(task)
        waited = time.monotonic() - started
        try:
            assert len(store.patch_index()) == 120
        finally:
            store.close()
    finally:
        writer.kill()
        writer.wait()
    assert waited > 5


@pytest.mark.slow  # a second process holds the write lock for seconds
def test_a_task_still_busy_after_the_timeout_says_so(season, tmp_path, monkeypatch):
    task = copy_task(season, str(tmp_path / "task"))
    monkeypatch.setattr(GeoPackageTaskStore, "busy_timeout_s", 2)
    writer = _writer(task, 60)
    try:
        with pytest.raises(LandEnforcementError) as raised:
            GeoPackageTaskStore.open(task)
    finally:
        writer.kill()
        writer.wait()
    assert "任务库正忙" in raised.value.zh and "is busy" in raised.value.en and "GeoPackage" not in str(raised.value)
    GeoPackageTaskStore.open(task).close()  # the writer gone, the task opens


def test_the_export_dialog_says_which_stale_staging_it_removed(plugin_iface, season, tmp_path):
    from test_gui import wait_for

    import land_enforcement_plugin

    task = copy_task(season, str(tmp_path / "task"))
    # Left by an export killed three days ago (before staging folders had a lock file).
    stale = tmp_path / "task" / ".package-k1l2m3"
    (stale / "shp").mkdir(parents=True)
    (stale / "shp" / "wptb_370323.dbf").write_bytes(b"\x03" * 100)
    os.utime(stale, (time.time() - 3 * 24 * 3600,) * 2)
    plugin = land_enforcement_plugin.classFactory(plugin_iface)
    plugin.initGui()
    try:
        plugin.dock.set_task(task)
        wait_for(lambda: plugin.review.loading is None)  # the list is read in the background
        dialog = plugin.export_package()
        wait_for(lambda: dialog.runner.idle)
        dialog.evidence.setChecked(False)
        dialog.draft.setChecked(True)
        dialog.export()
        wait_for(lambda: dialog.runner.idle, timeout=60)
        status = dialog.status.text()
    finally:
        plugin.unload()
    assert not stale.exists()
    assert status.splitlines()[-1] in (f"已删除中断导出遗留的临时文件夹：{stale}",
                                        f"Removed the staging folder of an interrupted export: {stale}")
