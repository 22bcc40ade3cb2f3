"""The provincial submission package: checks, contents, safety, reproducibility, verification."""
import json
import os
import shutil
import zipfile

import openpyxl
import pytest
from conftest import SQUARE, patch_row, shift, write_patches
from osgeo import gdal, ogr
from qgis.core import QgsFeedback

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.reports import package as submission
from land_enforcement_plugin.core.reports.package_verify import verify_package
from land_enforcement_plugin.core.review import photos
from land_enforcement_plugin.core.season import metrics
from land_enforcement_plugin.core.store import GeoPackageTaskStore

FAST = dict(evidence=False)


def copy_task(season, folder):
    """A writable copy of the season task (same file name) with its photos."""
    os.makedirs(folder, exist_ok=True)
    task = os.path.join(folder, os.path.basename(season["task"]))
    shutil.copy(season["task"], task)
    shutil.copytree(photos.photo_folder(season["task"]), photos.photo_folder(task))
    return task


@pytest.fixture
def draft_task(season, tmp_path):
    return copy_task(season, str(tmp_path))


@pytest.fixture(scope="module")
def complete_task(season, tmp_path_factory):
    """The season task with every blocking problem fixed the way a bureau would: the rest of the
    patches judged, and a field photo for every unlawful patch."""
    task = copy_task(season, str(tmp_path_factory.mktemp("complete")))
    with GeoPackageTaskStore.open(task) as store:
        records = store.verifications()
        unjudged = {jcbh: {"verdict": "其他", "other_kind": "伪变化", "land_use": "其他", "lead_source": "卫片",
                           "inspector": "王五", "verify_date": "2024-06-01"}
                    for jcbh in store.patch_index() if not (records.get(jcbh) or {}).get("verdict")}
        store.apply_verifications(unjudged, schema.CHANNEL_FORM)
        with_photos = {row["jcbh"] for row in store.photos()}
        bare = [jcbh for jcbh, record in store.verifications().items()
                if record["verdict"] == "违法" and jcbh not in with_photos]
    photo = season["photos"][0]["path"]
    photos.attach_photos(task, {jcbh: [photo] for jcbh in bare})
    assert not [f for f in submission.check_package(task) if f.severity == submission.BLOCKING]
    return task


def members(path):
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_checks_list_blocking_problems_with_jcbh(draft_task):
    findings = submission.check_package(draft_task)
    blocking = {(f.code, f.jcbh) for f in findings if f.severity == submission.BLOCKING}
    with GeoPackageTaskStore.open(draft_task) as store:
        records = store.verifications()
        unverified = {j for j in store.patch_index() if not (records.get(j) or {}).get("verdict")}
        store.apply_verifications({sorted(unverified)[0]: {"verdict": "合法", "lead_source": "卫片"}},
                                  schema.CHANNEL_FORM)
    assert {j for code, j in blocking if code == "unverified"} == unverified
    assert any(code == "photos_missing" for code, _ in blocking)
    after = submission.check_package(draft_task)
    assert ("lawful_without_approval", sorted(unverified)[0]) in {(f.code, f.jcbh) for f in after}
    assert after[0].severity == submission.BLOCKING and after[-1].severity == submission.WARNING


def test_blocking_problems_refuse_a_final_export_but_not_a_draft(draft_task, tmp_path):
    output = str(tmp_path / "out" / "package.zip")
    with pytest.raises(LandEnforcementError, match="阻断"):
        submission.build_package(draft_task, output, submission.PackageOptions(**FAST))
    assert not os.path.exists(os.path.dirname(output)) or not os.listdir(os.path.dirname(output))
    result = submission.build_package(draft_task, output, submission.PackageOptions(draft=True, **FAST))
    assert os.path.basename(result.path) == "package_草稿.zip"
    assert result.manifest["draft"] is True and result.manifest["root"].endswith("_草稿")
    assert {f["code"] for f in result.manifest["findings"]["blocking"]} >= {"unverified", "photos_missing"}
    assert os.listdir(os.path.dirname(output)) == ["package_草稿.zip"]  # no staging left behind


def test_package_contents(complete_task, tmp_path):
    result = submission.build_package(complete_task, str(tmp_path / "p.zip"), submission.PackageOptions(**FAST))
    files = members(result.path)
    root = result.manifest["root"]
    assert root == "370323_2024Q1_2024Q2_2024Q3_2024Q4" and not result.manifest["draft"]
    names = {name[len(root) + 1:] for name in files}
    assert {"manifest.json", "shp/wptb_370323.shp", "shp/wptb_370323.dbf", "shp/wptb_370323.cpg",
            "shp/wptb_370323.prj", "shp/field_dictionary.csv", "gpkg/wptb_370323.gpkg",
            "tables/tables_370323.xlsx"} <= names
    manifest = json.loads(files[f"{root}/manifest.json"])
    assert manifest["counts"]["patches"] == 120 and manifest["counts"]["verified"] == 120
    assert manifest["working_crs"] == "EPSG:4548" and manifest["area_mode"] == ["ellipsoidal"]
    assert manifest["thresholds"]["unlawful_cultivated_ratio"] == 0.15
    listed = {entry["path"] for entry in manifest["files"]}
    assert listed == set(files) - {f"{root}/manifest.json"}
    # photos renamed <JCBH>_<n>, one folder per patch
    photo_names = sorted(n for n in names if n.startswith("photos/"))
    assert photo_names and all(n.split("/")[2].startswith(n.split("/")[1] + "_") for n in photo_names)
    assert manifest["counts"]["photos"] == len(photo_names)
    dictionary = files[f"{root}/shp/field_dictionary.csv"].decode("utf-8-sig").splitlines()
    assert "GDMJ,占耕地面积,Cultivated land,\"数值(平方米,2位小数)\"" in dictionary
    assert all(len(c.dbf) <= 10 for c in schema.EXPORT_COLUMNS)


def test_shapefile_is_gbk_and_reads_back_in_chinese(complete_task, tmp_path):
    result = submission.build_package(complete_task, str(tmp_path / "p.zip"), submission.PackageOptions(**FAST))
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(result.path) as archive:
        archive.extractall(folder)
    shp = next(folder.rglob("*.shp"))
    assert shp.with_suffix(".cpg").read_text() == "GBK"
    raw = shp.with_suffix(".dbf").read_bytes()
    assert "违法".encode("gbk") in raw and "违法".encode() not in raw
    source = gdal.OpenEx(str(shp), gdal.OF_VECTOR, open_options=["ENCODING=CP936"])
    layer = source.GetLayer(0)
    rows = {f.GetField("JCBH"): (f.GetField("XZQMC"), f.GetField("PDJG"), f.GetField("GDMJ")) for f in layer}
    source = None
    with GeoPackageTaskStore.open(complete_task) as store:
        patches = {values["jcbh"]: values for values, _ in store.export_patches()}
        records = store.verifications()
    assert len(rows) == 120
    for jcbh, (township, verdict, cultivated) in rows.items():
        assert township == patches[jcbh]["xzqmc"] and verdict == records[jcbh]["verdict"]
        assert cultivated == pytest.approx(patches[jcbh]["cultivated_m2"], abs=0.005)


def test_utf8_on_request(complete_task, tmp_path):
    result = submission.build_package(complete_task, str(tmp_path / "p.zip"),
                                      submission.PackageOptions(encoding="UTF-8", **FAST))
    files = members(result.path)
    cpg = next(v for k, v in files.items() if k.endswith(".cpg"))
    dbf = next(v for k, v in files.items() if k.endswith(".dbf"))
    assert cpg == b"UTF-8" and "违法".encode() in dbf
    assert result.manifest["shapefile_encoding"] == "UTF-8"


def test_workbook_summary_equals_the_metrics_table(complete_task, tmp_path):
    result = submission.build_package(complete_task, str(tmp_path / "p.zip"), submission.PackageOptions(**FAST))
    folder = tmp_path / "x"
    with zipfile.ZipFile(result.path) as archive:
        archive.extractall(folder)
    book = openpyxl.load_workbook(next(folder.rglob("*.xlsx")))
    assert book.sheetnames == ["汇总表", "明细表", "违法图斑整改台账", "问责线索", "违法案件查处整改情况统计表",
                               "案件办理"]
    with GeoPackageTaskStore.open(complete_task) as store:
        shown = metrics.township_metrics(store).rows  # what the metrics dock shows
        unlawful = sum(1 for r in store.verifications().values() if r["verdict"] == "违法")
    summary = book["汇总表"]
    assert [c.value for c in summary[1]] == [f.zh for f in schema.METRIC_FIELDS]
    for row, expected in zip(summary.iter_rows(min_row=2, values_only=True), shown, strict=True):
        for value, spec in zip(row, schema.METRIC_FIELDS, strict=True):
            assert value == (pytest.approx(expected[spec.name]) if isinstance(value, float) else expected[spec.name])
    assert summary.freeze_panes == "C2" and summary.print_title_rows == "$1:$1"
    detail = book["明细表"]
    assert detail.max_row == 121 and detail["A1"].value == "监测编号" and detail["D2"].number_format == "0.00"
    assert all(isinstance(v, (int, float)) and round(v, 2) == v for v in next(detail.iter_cols(min_col=4, max_col=4,
                                                                                       min_row=2, values_only=True)))
    assert book["违法图斑整改台账"].max_row == unlawful + 1
    assert book["问责线索"]["A1"].value == "类别"


def test_text_that_looks_like_a_formula_stays_text(complete_task, tmp_path):
    task = str(tmp_path / "task.gpkg")
    shutil.copy(complete_task, task)
    shutil.copytree(photos.photo_folder(complete_task), photos.photo_folder(task))
    store = GeoPackageTaskStore.open(task)
    jcbh = sorted(store.patch_index())[0]
    store.apply_verifications({jcbh: {"notes": "=HYPERLINK(\"http://x\")", "inspector": "@SUM(A1)"}},
                              schema.CHANNEL_FORM)
    store.close()
    result = submission.build_package(task, str(tmp_path / "p.zip"), submission.PackageOptions(**FAST))
    with zipfile.ZipFile(result.path) as archive:
        archive.extractall(tmp_path / "x")
    sheet = openpyxl.load_workbook(next((tmp_path / "x").rglob("*.xlsx")))["明细表"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == jcbh)
    cells = {sheet.cell(1, c.column).value: c for c in row}
    assert cells["备注"].data_type == "s" and cells["备注"].value == "=HYPERLINK(\"http://x\")"
    assert cells["核查人"].data_type == "s" and cells["核查人"].value == "@SUM(A1)"
    assert cells["备注"].quotePrefix


def test_same_task_same_bytes_but_the_export_time(complete_task, tmp_path):
    first = submission.build_package(complete_task, str(tmp_path / "a.zip"), submission.PackageOptions(**FAST))
    second = submission.build_package(complete_task, str(tmp_path / "b.zip"), submission.PackageOptions(**FAST))
    a, b = members(first.path), members(second.path)
    assert a.keys() == b.keys()
    manifest = f"{first.manifest['root']}/manifest.json"
    assert all(a[name] == b[name] for name in a if name != manifest)
    one, two = json.loads(a[manifest]), json.loads(b[manifest])
    one.pop("exported_at"), two.pop("exported_at")
    assert one == two


def test_existing_package_is_kept_unless_overwrite_is_asked(complete_task, tmp_path):
    output = tmp_path / "p.zip"
    output.write_bytes(b"the bureau's earlier package")
    with pytest.raises(LandEnforcementError, match="已存在"):
        submission.build_package(complete_task, str(output), submission.PackageOptions(**FAST))
    assert output.read_bytes() == b"the bureau's earlier package"
    submission.build_package(complete_task, str(output), submission.PackageOptions(overwrite=True, **FAST))
    assert zipfile.is_zipfile(output)


def test_cancelled_export_leaves_nothing(complete_task, tmp_path):
    feedback = QgsFeedback()
    feedback.progressChanged.connect(lambda p: p >= 15 and feedback.cancel())
    result = submission.build_package(str(complete_task), str(tmp_path / "p.zip"),
                                      submission.PackageOptions(**FAST), feedback)
    assert result.path is None and os.listdir(tmp_path) == []


def test_zip_paths_come_from_sanitised_jcbh(tmp_path, season):
    task = str(tmp_path / "task.gpkg")
    rows = [patch_row("../../evil", wkt=SQUARE), patch_row("C:\\abs", wkt=shift(SQUARE, 0.01))]
    import_patches(task, ImportOptions(write_patches(str(tmp_path / "p.shp"), rows, encoding="UTF-8")))
    photos.attach_photos(task, {"../../evil": [season["photos"][0]["path"]]})
    result = submission.build_package(task, str(tmp_path / "p.zip"), submission.PackageOptions(draft=True, **FAST))
    names = list(members(result.path))
    assert any("/photos/" in n for n in names)
    assert not [n for n in names if ".." in n.split("/") or n.startswith("/") or "\\" in n or ":" in n]


def test_verify_accepts_an_intact_package_and_finds_tampering(complete_task, tmp_path):
    result = submission.build_package(complete_task, str(tmp_path / "p.zip"), submission.PackageOptions(**FAST))
    report = verify_package(result.path)
    assert report.ok and report.checked_files == len(result.manifest["files"])
    files = members(result.path)
    dbf = next(n for n in files if n.endswith(".dbf"))
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data.replace("违法".encode("gbk"), "合法".encode("gbk"), 1) if name == dbf else data)
        archive.writestr(f"{result.manifest['root']}/extra.txt", b"added later")
    report = verify_package(str(tampered))
    assert not report.ok
    problems = [en for _, en in report.problems]
    assert f"File changed: {dbf}" in problems and any("not in the manifest" in p for p in problems)


def test_verify_rereads_the_shapefile_and_workbook(complete_task, tmp_path):
    """A package whose manifest was rewritten to match altered files still fails the re-read."""
    result = submission.build_package(complete_task, str(tmp_path / "p.zip"), submission.PackageOptions(**FAST))
    files = members(result.path)
    manifest_name = f"{result.manifest['root']}/manifest.json"
    manifest = json.loads(files[manifest_name])
    manifest["counts"]["patches"] = 119
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, json.dumps(manifest).encode() if name == manifest_name else data)
    report = verify_package(str(forged))
    assert not report.ok and any("Shapefile has 120 patches" in en for _, en in report.problems)


def test_processing_algorithms(complete_task, tmp_path, qgis_processing):
    import processing
    from qgis.core import QgsApplication, QgsProcessingException

    from land_enforcement_plugin.processing.provider import LandEnforcementProvider

    provider = LandEnforcementProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    try:
        output = str(tmp_path / "pkg.zip")
        result = processing.run("landenforcement:exportpackage", {"DATABASE": complete_task, "OUTPUT": output,
                                                                  "EVIDENCE": False})
        assert result["OUTPUT"] == output and result["BLOCKING"] == 0 and result["FILES"] > 10
        with pytest.raises(QgsProcessingException, match="已存在"):
            processing.run("landenforcement:exportpackage", {"DATABASE": complete_task, "OUTPUT": output})
        checked = processing.run("landenforcement:verifypackage", {"INPUT": output})
        assert checked["FILES"] == result["FILES"] - 1
        with zipfile.ZipFile(output, "a") as archive:
            archive.writestr("370323_2024Q1_2024Q2_2024Q3_2024Q4/extra.txt", b"x")
        with pytest.raises(QgsProcessingException, match="manifest"):
            processing.run("landenforcement:verifypackage", {"INPUT": output})
    finally:
        QgsApplication.processingRegistry().removeProvider(provider)


def test_geopackage_holds_patches_and_township_metrics(complete_task, tmp_path):
    result = submission.build_package(complete_task, str(tmp_path / "p.zip"), submission.PackageOptions(**FAST))
    with zipfile.ZipFile(result.path) as archive:
        archive.extractall(tmp_path / "x")
    source = ogr.Open(str(next((tmp_path / "x").rglob("*.gpkg"))))
    patches = source.GetLayerByName("wptb_370323")
    assert patches.GetFeatureCount() == 120 and patches.GetSpatialRef().GetAuthorityCode(None) == "4548"
    assert source.GetLayerByName(schema.TOWNSHIP_METRICS_TABLE).GetFeatureCount() == 7  # 6 townships + county
    source = None


@pytest.fixture(scope="module")
def county_coded(season, tmp_path_factory):
    """The demo delivered with the county's code and name on every patch, overlaid and verified;
    its package (draft) unzipped: (task, folder, manifest)."""
    from county_delivery import COUNTY_NAME, county_delivered_task

    out = tmp_path_factory.mktemp("county_coded")
    task = county_delivered_task(season, str(out / "task"))
    with GeoPackageTaskStore.open(task) as store:
        store.set_meta(county_name=COUNTY_NAME)  # as the import records it from the delivery
    result = submission.build_package(task, str(out / "p.zip"), submission.PackageOptions(draft=True, **FAST))
    with zipfile.ZipFile(result.path) as archive:
        archive.extractall(out / "x")
    return task, out / "x", result.manifest


def test_package_shapefile_has_the_overlays_township_and_keeps_the_delivered_county(county_coded):
    from county_delivery import COUNTY_CODE, COUNTY_NAME, overlay_townships

    task, folder, manifest = county_coded
    shp = next(folder.rglob("*.shp"))
    source = gdal.OpenEx(str(shp), gdal.OF_VECTOR, open_options=["ENCODING=CP936"])
    layer = source.GetLayer(0)
    names = [layer.GetLayerDefn().GetFieldDefn(i).GetName() for i in range(layer.GetLayerDefn().GetFieldCount())]
    rows = {f.GetField("JCBH"): {name: f.GetField(name) for name in ("XZQDM", "XZQMC", "SSXZDM", "SSXZMC", "MJSF")}
            for f in layer}
    source = None
    assert {"SSXZDM", "SSXZMC"} <= set(names) and all(len(name) <= 10 for name in names)
    placed = overlay_townships(task)
    assert {jcbh: (row["SSXZDM"], row["SSXZMC"]) for jcbh, row in rows.items()} == placed
    assert {(row["XZQDM"], row["XZQMC"]) for row in rows.values()} == {(COUNTY_CODE, COUNTY_NAME)}  # as delivered
    assert {row["MJSF"] for row in rows.values()} == {"椭球面积"}
    dictionary = next(folder.rglob("field_dictionary.csv")).read_text(encoding="utf-8-sig").splitlines()
    assert "SSXZDM,所属乡镇代码,Township code,文本" in dictionary and "SSXZMC,所属乡镇,Township,文本" in dictionary
    assert manifest["county_name"] == COUNTY_NAME


def test_package_workbook_sheets_use_the_overlays_township(county_coded):
    from county_delivery import overlay_townships

    task, folder, _ = county_coded
    placed = overlay_townships(task)
    book = openpyxl.load_workbook(next(folder.rglob("*.xlsx")))
    detail = {row[0]: (row[1], row[2]) for row in book["明细表"].iter_rows(min_row=2, values_only=True)}
    assert detail == placed
    ledger = list(book["违法图斑整改台账"].iter_rows(min_row=2, values_only=True))
    assert ledger and all((row[1], row[2]) == placed[row[0]] for row in ledger)
    townships = {name for _, name in placed.values()}
    assert {row[1] for row in book["汇总表"].iter_rows(min_row=2, values_only=True)} == townships | {"全县"}
    leads = [row for row in book["问责线索"].iter_rows(min_row=2, values_only=True)]
    assert leads and {row[2] for row in leads} <= townships


def test_package_check_blocks_patches_without_overlay_areas_naming_them(season, tmp_path):
    from county_delivery import county_delivered_task

    task = county_delivered_task(season, str(tmp_path / "never"), overlay=False)
    blocking = [f for f in submission.check_package(task) if f.code == "no_overlay"]
    assert len(blocking) == 120 and all(f.severity == submission.BLOCKING and f.jcbh in f.zh and f.jcbh in f.en
                                        for f in blocking)
    task = county_delivered_task(season, str(tmp_path / "changed"))
    with GeoPackageTaskStore.open(task) as store:
        changed = sorted(store.patch_index())[5]
        # What a re-import does to a patch delivered with another shape: its old areas are dropped.
        store.execute(f"UPDATE patches SET area_m2 = NULL WHERE jcbh = '{changed}'")
    assert [f.jcbh for f in submission.check_package(task) if f.code == "no_overlay"] == [changed]
    with pytest.raises(LandEnforcementError, match=changed):
        submission.build_package(task, str(tmp_path / "p.zip"), submission.PackageOptions(**FAST))
