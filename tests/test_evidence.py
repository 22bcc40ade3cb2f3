"""Evidence sheets (举证材料): one A4 PDF per patch, readable, reproducible, headless and off the main thread."""
import datetime
import os
import re
import shutil
import subprocess
import time

import pytest
from osgeo import gdal, ogr
from qgis.core import QgsApplication, QgsFeedback, QgsRasterLayer, QgsTask
from qgis.PyQt.QtCore import QCoreApplication, QThread
from qgis.PyQt.QtGui import QImage

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.files import safe_name
from land_enforcement_plugin.core.overlay.layer_uris import cultivated_uri
from land_enforcement_plugin.core.reports import evidence
from land_enforcement_plugin.core.store import GeoPackageTaskStore

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def chosen(season):
    """An unlawful patch with photos, another patch with photos, a verified one without, and what the
    task records of them."""
    with GeoPackageTaskStore.open(season["task"]) as store:
        verifications = store.verifications()
        with_photos = {row["jcbh"] for row in store.photos()}
        unlawful = sorted(j for j in with_photos if verifications.get(j, {}).get("verdict") == "违法")[0]
        bare = sorted(j for j in verifications if j not in with_photos)[0]
        second = sorted(with_photos - {unlawful})[0]
        return {"unlawful": unlawful, "second": second, "bare": bare, "verification": verifications[unlawful],
                "photos": store.photos(unlawful), "redlines": store.last_overlay_layers(),
                "stamp": max(row["ts"] for row in store.audit_entries(unlawful))}


@pytest.fixture(scope="module")
def sheets(season, chosen, tmp_path_factory):
    """The chosen patches' sheets, written once on the main thread (the reference for the other tests)."""
    out = str(tmp_path_factory.mktemp("sheets"))
    return evidence.write_evidence_sheets(season["task"], [chosen["unlawful"], chosen["second"], chosen["bare"]], out)


def page_image(pdf, tmp_path):
    """The first page at 50 dpi, as pdftoppm draws it."""
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", pdf, str(tmp_path / "page")], check=True)
    image = QImage(str(tmp_path / "page-1.png"))
    assert not image.isNull()
    return image


def pixels(image, test, region=None):
    """How many pixels of the region (mm rectangle; whole page by default) pass test(r, g, b)."""
    per_mm = image.width() / 210.0
    left, top, width, height = region or (0, 0, 210, 297)
    count = total = 0
    for y in range(int(top * per_mm), int((top + height) * per_mm)):
        for x in range(int(left * per_mm), int((left + width) * per_mm)):
            colour = image.pixelColor(x, y)
            total += 1
            count += bool(test(colour.red(), colour.green(), colour.blue()))
    return count, total


def patch_facts(task, jcbh):
    """(overlay areas, envelope, CRS as WKT) of one patch, read with OGR; nothing OGR leaves here."""
    ds = ogr.Open(task)
    layer = ds.GetLayerByName("patches")
    layer.SetAttributeFilter(f"jcbh = '{jcbh}'")
    feature = layer.GetNextFeature()
    areas = {field.name: feature.GetField(field.name) for field in schema.OVERLAY_AREA_FIELDS}
    envelope = feature.GetGeometryRef().GetEnvelope()
    crs = layer.GetSpatialRef().ExportToWkt()
    feature = layer = ds = None
    return areas, envelope, crs


def pdf_text(pdf):
    return subprocess.run(["pdftotext", "-layout", pdf, "-"], check=True, capture_output=True, text=True).stdout


def is_red(r, g, b):
    return r > 200 and g < 70 and b < 70


def is_blue(r, g, b):
    return b > r + 40 and b > g + 20


def test_sheet_keeps_the_notes_row_when_the_discovery_date_is_known(chosen, sheets):
    assert chosen["verification"]["discovery_date"]
    assert schema.V_NOTES.zh in pdf_text(sheets[chosen["unlawful"]])


def test_sheet_shows_the_patch_its_areas_verdict_and_photos(season, chosen, sheets, tmp_path):
    unlawful, bare = chosen["unlawful"], chosen["bare"]
    assert set(sheets) == {unlawful, chosen["second"], bare}
    assert all(os.path.basename(path) == safe_name(j) + ".pdf" for j, path in sheets.items())
    image = page_image(sheets[unlawful], tmp_path)
    assert abs(image.width() - 413) <= 1 and abs(image.height() - 585) <= 1  # A4 portrait at 50 dpi
    inked, total = pixels(image, lambda r, g, b: r + g + b < 720)
    assert inked / total > 0.05
    red, _ = pixels(image, is_red, evidence.MAP_RECT)
    assert red > 30  # the patch's outline, inside the map frame (mm on the page)

    text = pdf_text(sheets[unlawful])
    assert "卫片执法举证材料" in text and unlawful in text  # Chinese text extracts as typed
    areas, _, _ = patch_facts(season["task"], unlawful)
    for field in schema.OVERLAY_AREA_FIELDS_V2:
        m2 = areas[field.name]
        assert re.search(rf"{re.escape(field.zh)}\s+{m2 / schema.M2_PER_MU:.2f}\s+{m2:.2f}", text), field.name
    assert areas[schema.NATURE_RESERVE_M2.name] == 0 and schema.NATURE_RESERVE_M2.zh not in text  # no reserve here
    assert chosen["verification"]["discovery_date"]  # the demo's 群众举报 lead was found on a known day
    for field in schema.VERIFICATION_FIELDS:
        if field is not schema.V_NOTES:  # the row that no longer fits: see the test below
            assert field.zh in text
    assert chosen["verification"]["discovery_date"] in text
    assert re.search(r"判定结果\s+违法", text)
    assert chosen["verification"]["inspector"] in text and "建议判定" in text
    photo = chosen["photos"][0]
    assert photo["taken_at"].replace("T", " ") in text
    assert f"方向 {photo['direction']:.0f}°（{evidence.compass_word(photo['direction'])}）" in text
    images = subprocess.run(["pdfimages", "-list", sheets[unlawful]], check=True, capture_output=True,
                            text=True).stdout.splitlines()[2:]
    assert len(images) == min(len(chosen["photos"]), evidence.MAX_PHOTOS)
    assert all(" 300 " in line for line in images)  # photos embedded at print size, not as shot


def embedded_images(pdf, folder):
    """The contents of the images a PDF embeds."""
    folder.mkdir()
    subprocess.run(["pdfimages", "-png", pdf, str(folder / "image")], check=True)
    return {(folder / name).read_bytes() for name in os.listdir(folder)}


def test_each_sheet_shows_its_own_photos(chosen, sheets, tmp_path):
    first = embedded_images(sheets[chosen["unlawful"]], tmp_path / "first")
    second = embedded_images(sheets[chosen["second"]], tmp_path / "second")
    assert first and second and not first & second


def test_patch_without_photos_still_renders(chosen, sheets, tmp_path):
    text = pdf_text(sheets[chosen["bare"]])
    assert chosen["bare"] in text and "现场照片：无" in text
    red, _ = pixels(page_image(sheets[chosen["bare"]], tmp_path), is_red, evidence.MAP_RECT)
    assert red > 30
    assert subprocess.run(["pdfimages", "-list", sheets[chosen["bare"]]], capture_output=True,
                          text=True).stdout.count("\n") == 2  # the header only: no image


def xref_is_sound(pdf):
    """Every object the cross-reference table lists starts where it says."""
    with open(pdf, "rb") as f:
        data = f.read()
    start = int(re.search(rb"startxref\s+(\d+)", data[-64:]).group(1))
    assert data[start:start + 4] == b"xref"
    entries = re.findall(rb"(\d{10}) \d{5} n", data[start:])
    assert entries
    return all(re.match(rb"%d 0 obj" % number, data[int(offset):])
               for number, offset in enumerate(entries, start=1))


def test_same_task_same_bytes(season, chosen, sheets, tmp_path, monkeypatch):
    """Qt stamps the export time (in local time) and a random id: neither may reach the file.
    Another time zone makes Qt's date longer, so the offsets are checked too."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        again = evidence.write_evidence_sheets(season["task"], sorted(sheets, reverse=True), str(tmp_path / "a"))
        alone = evidence.write_evidence_sheets(season["task"], [chosen["unlawful"]], str(tmp_path / "b"))
    finally:
        monkeypatch.undo()
        time.tzset()
    for jcbh, path in sheets.items():
        with open(path, "rb") as first, open(again[jcbh], "rb") as second:
            assert first.read() == second.read(), jcbh
        assert xref_is_sound(path)
    with open(sheets[chosen["unlawful"]], "rb") as batch, open(alone[chosen["unlawful"]], "rb") as single:
        assert batch.read() == single.read()  # a sheet does not depend on the others exported with it
    info = subprocess.run(["pdfinfo", "-isodates", sheets[chosen["unlawful"]]], check=True, capture_output=True,
                          text=True).stdout
    expected = datetime.datetime.fromisoformat(chosen["stamp"]).astimezone(datetime.timezone.utc)
    assert re.search(rf"CreationDate:\s+{expected:%Y-%m-%dT%H:%M:%S}", info)  # the patch's last change


def write_imagery(task, jcbh, path):
    """A plain blue GeoTIFF around the patch, in the task's working CRS."""
    _, (xmin, xmax, ymin, ymax), srs = patch_facts(task, jcbh)
    raster = gdal.GetDriverByName("GTiff").Create(path, 60, 60, 3, gdal.GDT_Byte)
    raster.SetGeoTransform((xmin - 2000, 4000 / 60, 0, ymax + 2000, 0, -4000 / 60))
    raster.SetProjection(srs)
    for band, (value, interpretation) in enumerate(((0, gdal.GCI_RedBand), (0, gdal.GCI_GreenBand),
                                                    (255, gdal.GCI_BlueBand)), start=1):
        raster.GetRasterBand(band).Fill(value)
        raster.GetRasterBand(band).SetColorInterpretation(interpretation)
    raster = None
    return path


def test_imagery_under_the_red_lines(season, chosen, sheets, tmp_path):
    tif = write_imagery(season["task"], chosen["bare"], str(tmp_path / "imagery.tif"))
    with_imagery = evidence.write_evidence_sheets(season["task"], [chosen["bare"]], str(tmp_path / "out"),
                                                  imagery=[QgsRasterLayer(tif, "影像")])
    image = page_image(with_imagery[chosen["bare"]], tmp_path)
    blue, total = pixels(image, is_blue, evidence.MAP_RECT)
    assert blue / total > 0.5
    assert pixels(image, is_red, evidence.MAP_RECT)[0] > 30  # the patch stays on top
    (tmp_path / "plain").mkdir()
    plain = page_image(sheets[chosen["bare"]], tmp_path / "plain")
    assert pixels(plain, is_blue, evidence.MAP_RECT)[0] / total < 0.05


def test_moved_red_lines_and_photos_are_left_out(season, chosen, tmp_path):
    """The task copied without its photo folder, its overlay's red-line file gone: the sheets still render."""
    task = str(tmp_path / "task.gpkg")
    shutil.copy(season["task"], task)
    ds = gdal.OpenEx(task, gdal.OF_VECTOR | gdal.OF_UPDATE)
    ds.ExecuteSQL("UPDATE overlay_runs SET layers = replace(layers, '/redlines', '/moved_away')")
    ds = None
    written = evidence.write_evidence_sheets(task, [chosen["bare"], chosen["unlawful"]], str(tmp_path / "out"))
    red, _ = pixels(page_image(written[chosen["bare"]], tmp_path), is_red, evidence.MAP_RECT)
    assert red > 30
    assert "永久基本农田" not in pdf_text(written[chosen["bare"]]).split("比对面积")[0]  # not in the legend
    text = pdf_text(written[chosen["unlawful"]])
    assert text.count("照片文件缺失或无法读取") == min(len(chosen["photos"]), evidence.MAX_PHOTOS)
    assert subprocess.run(["pdfimages", "-list", written[chosen["unlawful"]]], capture_output=True,
                          text=True).stdout.count("\n") == 2  # the header only: no image


def test_cultivated_land_is_drawn_by_dlbm(chosen):
    def counts(uri):
        from qgis.core import QgsVectorLayer

        layer = QgsVectorLayer(uri, "", "ogr")
        codes = {feature["DLBM"] for feature in layer.getFeatures()}
        count = layer.featureCount()
        del layer
        return count, codes

    uri = chosen["redlines"]["cultivated"]
    all_count, all_codes = counts(uri)
    cultivated_count, cultivated_codes = counts(cultivated_uri(uri))
    assert all_codes - set(schema.CULTIVATED_DLBM)  # the demo layer is a full land-use layer
    assert 0 < cultivated_count < all_count and cultivated_codes <= set(schema.CULTIVATED_DLBM)


def test_cancel_stops_early(season, chosen, tmp_path):
    feedback = QgsFeedback()
    progress = []
    feedback.progressChanged.connect(progress.append)
    feedback.progressChanged.connect(lambda _: feedback.cancel())
    jcbhs = sorted([chosen["unlawful"], chosen["bare"]])
    written = evidence.write_evidence_sheets(season["task"], jcbhs, str(tmp_path), feedback=feedback)
    assert list(written) == jcbhs[:1] and os.listdir(tmp_path) == [safe_name(jcbhs[0]) + ".pdf"]
    assert progress == [50.0]


def test_bad_input_is_refused(season, chosen, tmp_path):
    with pytest.raises(LandEnforcementError, match="Unknown monitoring number 'NOPE'"):
        evidence.write_evidence_sheets(season["task"], [chosen["bare"], "NOPE"], str(tmp_path))
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(LandEnforcementError, match="Cannot create the output folder"):
        evidence.write_evidence_sheets(season["task"], [chosen["bare"]], str(tmp_path / "a_file" / "out"))
    assert evidence.write_evidence_sheets(season["task"], [], str(tmp_path / "none")) == {}


class SheetTask(QgsTask):
    """The sheets as a background task, the way the export dialog runs the package."""

    def __init__(self, task_path, jcbhs, out_dir):
        super().__init__("evidence", QgsTask.CanCancel)
        self.args = (task_path, jcbhs, out_dir)
        self.feedback = QgsFeedback()
        self.feedback.progressChanged.connect(self.setProgress)
        self.written = self.error = self.on_worker = self.ok = None

    def run(self):
        self.on_worker = QThread.currentThread() != QCoreApplication.instance().thread()
        try:
            self.written = evidence.write_evidence_sheets(*self.args, feedback=self.feedback)
        except Exception as exc:  # reported by the test
            self.error = exc
            return False
        return True

    def finished(self, ok):
        self.ok = ok  # kept in Python: the task manager deletes the task itself soon after


def test_runs_in_a_worker_thread(season, sheets, tmp_path):
    task = SheetTask(season["task"], list(sheets), str(tmp_path))
    QgsApplication.taskManager().addTask(task)
    deadline = time.time() + 60
    while task.ok is None and time.time() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    assert task.ok, task.error
    assert task.on_worker  # it did run off the main thread
    for jcbh, path in sheets.items():
        with open(path, "rb") as main, open(task.written[jcbh], "rb") as worker:
            assert main.read() == worker.read()


ALGORITHM = '''
import sys
sys.path.insert(0, {root!r})
from qgis.core import QgsProcessingAlgorithm, QgsProcessingParameterFile, QgsProcessingParameterString


class EvidenceSheets(QgsProcessingAlgorithm):
    def name(self):
        return "evidencesheets"

    def displayName(self):
        return "evidence sheets"

    def createInstance(self):
        return EvidenceSheets()

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile("TASK", "task"))
        self.addParameter(QgsProcessingParameterString("JCBH", "jcbh"))
        self.addParameter(QgsProcessingParameterString("OUT", "out"))

    def processAlgorithm(self, parameters, context, feedback):
        from land_enforcement_plugin.core.reports.evidence import write_evidence_sheets
        written = write_evidence_sheets(parameters["TASK"], [parameters["JCBH"]], parameters["OUT"], feedback=feedback)
        return {{"written": len(written)}}
'''


@pytest.mark.skipif(shutil.which("qgis_process") is None, reason="qgis_process is not installed")
def test_runs_inside_qgis_process(season, chosen, sheets, tmp_path):
    """No display, no iface, QGIS's own Python: as the submission package's Processing run will call it."""
    script = tmp_path / "evidence_sheets.py"
    script.write_text(ALGORITHM.format(root=ROOT))
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "profile"))
    completed = subprocess.run(["qgis_process", "run", str(script), "--", f"TASK={season['task']}",
                                f"JCBH={chosen['unlawful']}", f"OUT={out}"], env=env, capture_output=True,
                               text=True, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    written = out / (safe_name(chosen["unlawful"]) + ".pdf")
    with open(sheets[chosen["unlawful"]], "rb") as main, open(written, "rb") as headless:
        assert main.read() == headless.read()


def test_compass_words():
    assert [evidence.compass_word(d) for d in (0, 22.4, 45, 90, 135, 180, 225, 270, 315, 337.6, 359.9, -45)] == \
        ["北", "北", "东北", "东", "东南", "南", "西南", "西", "西北", "北", "北", "西北"]


def test_sheet_header_names_county_township_and_village_from_the_overlay(season, tmp_path):
    """Deliveries carry the county's code and name on every patch: the header shows the county from
    the task, and 乡镇 (and 村, when the overlay had a village layer) as the overlay placed the patch."""
    from county_delivery import COUNTY_NAME, county_delivered_task, overlay_townships

    task = county_delivered_task(season, str(tmp_path / "task"))
    placed = overlay_townships(task)
    first, second = sorted(placed)[:2]
    with GeoPackageTaskStore.open(task) as store:
        store.set_meta(county_name=COUNTY_NAME)  # as the import records it from the delivery
        # What the overlay stores when given a village layer.
        store.execute(f"UPDATE patches SET {schema.VILLAGE_NAME.name} = '东坡村' WHERE jcbh = '{first}'")
    sheets = evidence.write_evidence_sheets(task, [first, second], str(tmp_path / "sheets"))
    header = pdf_text(sheets[first]).split("\n")
    line = next(text for text in header if first in text and "监测编号" in text)
    assert COUNTY_NAME in line and f"乡镇：{placed[first][1]}" in line and "村：东坡村" in line
    line = next(text for text in pdf_text(sheets[second]).split("\n") if second in text and "监测编号" in text)
    assert f"乡镇：{placed[second][1]}" in line and "村：" not in line


def test_sheet_header_says_not_overlaid_instead_of_the_county(season, tmp_path):
    from county_delivery import county_delivered_task

    task = county_delivered_task(season, str(tmp_path / "task"), overlay=False)
    with GeoPackageTaskStore.open(task) as store:
        jcbh = sorted(store.patch_index())[0]
    sheets = evidence.write_evidence_sheets(task, [jcbh], str(tmp_path / "sheets"))
    line = next(text for text in pdf_text(sheets[jcbh]).split("\n") if jcbh in text and "监测编号" in text)
    assert "乡镇：未比对" in line
