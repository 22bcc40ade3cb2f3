"""The township staff's photo folders as they really arrive: files that are not photos, EXIF that
cannot be used, names that match no patch, clocks set wrong. Each is a clear outcome in the task."""
import datetime
import io
import os

import piexif
import pytest
from PIL import Image
from qgis.core import QgsFeedback, QgsVectorLayer
from test_submission import copy_task

from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.reports import package as submission
from land_enforcement_plugin.core.review import photos
from land_enforcement_plugin.core.store import GeoPackageTaskStore


@pytest.fixture
def task(season, tmp_path):
    return copy_task(season, str(tmp_path / "task"))


def _unlawful_without_photos(task, count=1):
    with GeoPackageTaskStore.open(task) as store:
        with_photos = {row["jcbh"] for row in store.photos()}
        return sorted(jcbh for jcbh, record in store.verifications().items()
                      if record.get("verdict") == "违法" and jcbh not in with_photos)[:count]


def _photo_rows(task, jcbh=None):
    with GeoPackageTaskStore.open(task) as store:
        return store.photos(jcbh)


def _jpeg(path, gps=None, taken="2024:06:01 10:00:00"):
    """A field photo as a phone writes it, with the given EXIF GPS block."""
    exif = {"0th": {piexif.ImageIFD.Make: b"PhoneCam"},
            "Exif": {piexif.ExifIFD.DateTimeOriginal: taken.encode()}, "GPS": gps or {}}
    image = Image.frombytes("RGB", (320, 240), os.urandom(320 * 240 * 3))  # detail, like a real scene
    image.save(path, "JPEG", quality=85, exif=piexif.dump(exif))
    return str(path)


def _files_in(folder):
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, _, names in os.walk(folder) for name in names) if os.path.isdir(folder) else []


def test_text_empty_and_heic_files_are_refused_and_do_not_count_as_photos(task, season, tmp_path):
    jcbh = _unlawful_without_photos(task)[0]
    folder = tmp_path / "staff"
    folder.mkdir()
    (folder / f"{jcbh}_1.jpg").write_text("现场照片见微信群", encoding="utf-8")
    (folder / f"{jcbh}_2.jpg").write_bytes(b"")
    (folder / f"{jcbh}_3.heic").write_bytes(os.urandom(4096))
    good = _jpeg(folder / f"{jcbh}_4.jpg")
    with open(good, "rb") as f:
        whole = f.read()
    (folder / f"{jcbh}_5.jpg").write_bytes(whole[:len(whole) // 2])  # a photo cut off while copying
    store = GeoPackageTaskStore.open(task)
    jcbhs = set(store.patch_index())
    store.close()
    before = _files_in(photos.photo_folder(task))

    result = photos.attach_photos(task, photos.match_folder(str(folder), jcbhs))

    refused = {name: en for _, name, _, en in result.refused}
    assert sorted(refused) == [f"{jcbh}_1.jpg", f"{jcbh}_2.jpg", f"{jcbh}_3.heic", f"{jcbh}_5.jpg"]
    assert "0 bytes" in refused[f"{jcbh}_2.jpg"] and "not a readable image" in refused[f"{jcbh}_1.jpg"]
    assert any("HEIC 照片请先转为 JPEG" in line for line in result.lines(chinese=True))
    assert result.added == 1
    rows = _photo_rows(task, jcbh)
    assert [os.path.basename(r["file"]).split("_", 1)[1] for r in rows] == [f"{jcbh}_4.jpg"]
    assert len(_files_in(photos.photo_folder(task))) == len(before) + 1  # only the real photo copied
    # Without the real photo, nothing counts as the evidence an unlawful patch needs.
    bare = _unlawful_without_photos(task, 2)
    other = next(j for j in bare if j != jcbh)
    (folder / f"{other}_1.jpg").write_text("not a photo")
    photos.attach_photos(task, {other: [str(folder / f"{other}_1.jpg")]})
    assert ("photos_missing", other) in {(f.code, f.jcbh) for f in submission.check_package(task)}


def test_unusable_gps_is_a_warning_and_the_batch_goes_on(task, tmp_path):
    jcbh = _unlawful_without_photos(task)[0]
    folder = tmp_path / "staff"
    folder.mkdir()
    gps = piexif.GPSIFD
    single = _jpeg(folder / f"{jcbh}_1.jpg", {gps.GPSLatitudeRef: b"N", gps.GPSLatitude: ((36, 1),),
                                               gps.GPSLongitudeRef: b"E", gps.GPSLongitude: ((118, 1),)})
    zero = _jpeg(folder / f"{jcbh}_2.jpg", {gps.GPSLatitudeRef: b"N", gps.GPSLatitude: ((0, 0), (0, 0), (0, 0)),
                                             gps.GPSLongitudeRef: b"E", gps.GPSLongitude: ((0, 0), (0, 0), (0, 0)),
                                             gps.GPSImgDirectionRef: b"T", gps.GPSImgDirection: (0, 0)})
    off_globe = _jpeg(folder / f"{jcbh}_3.jpg", {gps.GPSLatitudeRef: b"N", gps.GPSLatitude: ((36, 1), (6, 1), (0, 1)),
                                                  gps.GPSLongitudeRef: b"W",
                                                  gps.GPSLongitude: ((1673, 1), (0, 1), (0, 1))})
    result = photos.attach_photos(task, {jcbh: [single, zero, off_globe]})

    assert result.added == 3 and not result.refused
    rows = _photo_rows(task, jcbh)
    assert len(rows) == 3 and all(r["distance_m"] is None and "没有 GPS 位置" in r["warnings"] for r in rows)
    by_file = {}
    for _, name, _, en in result.warnings:
        by_file.setdefault(name, []).append(en)
    assert any("GPS position cannot be read (36.0)" in w for w in by_file[f"{jcbh}_1.jpg"])
    assert any("GPS position cannot be read ((nan" in w for w in by_file[f"{jcbh}_2.jpg"])
    assert any("off the globe (longitude -1673, latitude 36.1)" in w for w in by_file[f"{jcbh}_3.jpg"])
    assert [r["direction"] for r in rows] == [None, None, None]
    layer = QgsVectorLayer(f"{task}|layername=photos", "photos", "ogr")
    mine = [f for f in layer.getFeatures() if f["jcbh"] == jcbh]
    assert len(mine) == 3 and all(not f.hasGeometry() or f.geometry().isEmpty() for f in mine)


def test_a_cancelled_batch_leaves_no_copies_and_no_rows(task, tmp_path):
    jcbhs = _unlawful_without_photos(task, 3)
    paths = {jcbh: [_jpeg(tmp_path / f"{jcbh}_{n}.jpg", taken=f"2024:06:0{n} 10:00:00") for n in (1, 2)]
             for jcbh in jcbhs}
    before_files, before_rows = _files_in(photos.photo_folder(task)), _photo_rows(task)
    feedback = QgsFeedback()
    # Cancelled while the photos are being copied (after the checks: progress past 80 %).
    feedback.progressChanged.connect(lambda percent: percent > 85 and feedback.cancel())
    with pytest.raises(LandEnforcementError, match="no photo was attached"):
        photos.attach_photos(task, paths, feedback=feedback)
    assert _files_in(photos.photo_folder(task)) == before_files
    assert _photo_rows(task) == before_rows
    # The same batch run again attaches everything.
    assert photos.attach_photos(task, paths).added == 6


def test_unmatched_and_unknown_files_are_listed_by_attachphotos(task, season, tmp_path, qgis_processing):
    import processing
    from qgis.core import QgsApplication

    from land_enforcement_plugin.processing.provider import LandEnforcementProvider

    jcbh = _unlawful_without_photos(task)[0]
    folder = tmp_path / "乡镇照片"
    (folder / "第二批").mkdir(parents=True)
    _jpeg(folder / f"{jcbh}_1.jpg")
    unknown = season["county_code"] + "2024999999"
    _jpeg(folder / f"{unknown}_1.jpg")
    _jpeg(folder / "第二批" / "IMG_20240601_101500.jpg")
    (folder / "说明.docx").write_bytes(b"PK\x03\x04")
    (folder / "Thumbs.db").write_bytes(b"\x00" * 64)
    provider = LandEnforcementProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    try:
        result = processing.run("landenforcement:attachphotos", {"INPUT": str(folder), "DATABASE": task})
    finally:
        QgsApplication.processingRegistry().removeProvider(provider)
    assert (result["ATTACHED"], result["REFUSED"]) == (1, 3)
    report = result["REPORT"].splitlines()
    assert any(line.startswith(f"{unknown}_1.jpg: 任务库中没有监测编号“{unknown}”") for line in report)
    assert any(line.startswith(os.path.join("第二批", "IMG_20240601_101500.jpg") + ":") and "<JCBH>_1.jpg" in line
               for line in report)
    assert any(line.startswith("说明.docx: 不是照片文件") for line in report)
    assert not [line for line in report if "Thumbs.db" in line]
    assert [r["jcbh"] for r in _photo_rows(task, jcbh)] == [jcbh]


def test_photo_taken_after_today_is_warned(task, tmp_path):
    jcbh = _unlawful_without_photos(task)[0]
    future = (datetime.date.today() + datetime.timedelta(days=400)).strftime("%Y:%m:%d 09:30:00")
    result = photos.attach_photos(task, {jcbh: [_jpeg(tmp_path / f"{jcbh}_1.jpg", taken=future)]})
    assert result.added == 1
    assert [w[3] for w in result.warnings if "after today" in w[3]] == [
        f"Taken {future[:10].replace(':', '-')}, after today (is the camera's clock wrong?)"]
    assert "晚于今天" in _photo_rows(task, jcbh)[0]["warnings"]


def test_the_dock_lists_refused_files(plugin_iface, task, tmp_path, monkeypatch):
    from qgis.PyQt.QtWidgets import QFileDialog
    from test_gui import wait_for

    import land_enforcement_plugin

    jcbh = _unlawful_without_photos(task)[0]
    folder = tmp_path / "staff"
    folder.mkdir()
    _jpeg(folder / f"{jcbh}_1.jpg")
    (folder / f"{jcbh}_2.jpg").write_text("not a photo")
    (folder / "现场.jpg").write_bytes(io.BytesIO(open(folder / f"{jcbh}_1.jpg", "rb").read()).getvalue())
    plugin = land_enforcement_plugin.classFactory(plugin_iface)
    plugin.initGui()
    try:
        plugin.dock.set_task(task)
        wait_for(lambda: plugin.review.loading is None)  # the list is read in the background
        review = plugin.review
        messages = []
        review.message.connect(lambda text, level: messages.append((text, level)))
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(folder))
        review.choose_photo_folder()
        wait_for(lambda: review._running is None)
    finally:
        plugin.unload()
    text, level = messages[-1]
    assert level == 1 and text.splitlines()[0].startswith("1 photos attached, 0 already there, 2 files refused")
    assert any(line.startswith(f"{jcbh} {jcbh}_2.jpg: ") for line in text.splitlines())
    assert any(line.startswith("现场.jpg: ") for line in text.splitlines())


def _unverified(task):
    with GeoPackageTaskStore.open(task) as store:
        records = store.verifications()
        return sorted(jcbh for jcbh in store.patch_index() if not (records.get(jcbh) or {}).get("verdict"))[0]


def test_a_verification_date_in_2099_is_imported_with_a_warning_naming_it(task, tmp_path):
    import openpyxl

    from land_enforcement_plugin.core import schema
    from land_enforcement_plugin.core.review import templates, verification

    jcbh = _unverified(task)
    sheet_path = next(path for path in templates.export_templates(task, str(tmp_path / "sheets"))
                      if jcbh in {cell.value for row in openpyxl.load_workbook(path).active.iter_rows() for cell in row})
    book = openpyxl.load_workbook(sheet_path)
    sheet = book.active
    header_row = next(row[0].row for row in sheet.iter_rows() if any(c.value == schema.V_JCBH.zh for c in row))
    column = {cell.value: cell.column for cell in sheet[header_row] if cell.value}
    row = next(cells[0].row for cells in sheet.iter_rows(min_row=header_row + 1)
               if cells[column[schema.V_JCBH.zh] - 1].value == jcbh)
    typed = {schema.V_VERDICT: "违法", schema.V_LAND_USE: "建设用地", schema.V_VIOLATION: "未批先建",
             schema.V_RECT_STATUS: "未整改",
             schema.V_CASE_FILED: "否", schema.V_LEAD_SOURCE: "卫片", schema.V_INSPECTOR: "李强",
             schema.V_DATE: "2099-05-08"}
    for spec, value in typed.items():
        sheet.cell(row, column[spec.zh]).value = value
    book.save(sheet_path)

    result = verification.import_spreadsheet(task, sheet_path)

    assert [r.jcbh for r in result.accepted] == [jcbh] and not result.rejected
    today = datetime.date.today().isoformat()
    assert f"第 {row} 行 {jcbh}：警告 核查日期 2099-05-08 晚于今天（{today}），请核对 / row {row} {jcbh}: warning: The " \
           f"verification date 2099-05-08 is after today ({today}); please check it" in result.lines()
    with GeoPackageTaskStore.open(task) as store:
        assert store.verifications()[jcbh]["verify_date"] == "2099-05-08"  # warned, kept as typed


def test_the_verdict_form_warns_of_a_date_after_today(qgis_parent):
    from qgis.PyQt.QtCore import QDate
    from qgis.PyQt.QtWidgets import QDialogButtonBox

    from land_enforcement_plugin.core import schema
    from land_enforcement_plugin.gui.verdict_form import VerdictForm

    values = {"verdict": "其他", "other_kind": "伪变化", "land_use": "其他", "lead_source": "卫片",
              "inspector": "王五", "verify_date": "2024-06-01"}
    form = VerdictForm("3703232024000001", values, [], qgis_parent)
    assert form.warning.text() == ""
    form.widgets[schema.V_DATE].setDate(QDate(2099, 5, 8))
    assert "2099-05-08" in form.warning.text() and ("晚于今天" in form.warning.text() or "after today" in form.warning.text())
    assert form.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()  # a warning, not a refusal
