"""The evidence sheet a bureau signs: every character of its text extracts (the batch 2023Q2 whole),
the 核查人 / 审核人 / 单位（盖章） / 日期 block, the 处理状态 and planning conformity, human legend
names and no internal file names."""
import re
import subprocess

import pytest
from conftest import SQUARE, patch_row, shift, write_patches
from county_delivery import two_townships
from qgis.core import QgsVectorLayer

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.ellipsoid import AreaMode
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay import conformity
from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs
from land_enforcement_plugin.core.overlay.run import run_overlay
from land_enforcement_plugin.core.reports import evidence
from land_enforcement_plugin.core.review import states as review_states
from land_enforcement_plugin.core.store import open_task

JCBH = "370323202306120017"


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("signed")
    task = str(tmp_path / "task.gpkg")
    rows = [patch_row(JCBH, wkt=shift(SQUARE, 0.01), PC="2023Q2", QSX="202210", HSX="2023-06-12")]
    import_patches(task, ImportOptions(write_patches(str(tmp_path / "wptb.shp"), rows)))
    approvals = write_patches(str(tmp_path / "pzyd.shp"), [{"PZWH": "鲁政土字〔2023〕7号", "PZLX": "农转用",
                                                            "wkt": shift(SQUARE, 0.0105)}], fields=("PZWH", "PZLX"))
    run_overlay(task, OverlayInputs(two_townships(str(tmp_path / "townships.gpkg"), split=118.125),
                                    approvals=[QgsVectorLayer(approvals, "pzyd", "ogr")]))
    allowed = write_patches(str(tmp_path / "yxjsq.shp"), [{"wkt": shift(SQUARE, 0.0105)}], fields=())
    conformity.run_conformity(task, conformity.ZoningInputs(
        zone_layers={schema.PlanningZone.ALLOWED: QgsVectorLayer(allowed, "yxjsq", "ogr")}, area_mode=AreaMode.PLANAR))
    with open_task(task) as store:
        store.apply_verifications({JCBH: {"verdict": "违法", "violation_type": "未批先建", "rect_status": "未整改",
                                          "case_filed": "否", "lead_source": "卫片", "inspector": "张三",
                                          "verify_date": "2023-07-01"}}, schema.CHANNEL_FORM)
        review_states.apply(store, "submit", [JCBH])
        review_states.apply(store, "approve", [JCBH], "同意上报")
        reviewer = store.user
    path = evidence.write_evidence_sheets(task, [JCBH], str(tmp_path / "sheets"))[JCBH]
    return pdf_text(path), reviewer


def test_every_digit_of_the_batch_and_the_jcbh_extracts(sheet):
    text, _ = sheet
    assert "批次：2023Q2" in text  # was "2023Q": digits shaped as Latin had no text mapping
    assert f"监测编号：{JCBH}" in text and "前时相：2022-10" in text and "后时相：2023-06-12" in text


def test_signature_block_names_the_inspector_and_the_reviewer(sheet):
    text, reviewer = sheet
    lines = text.splitlines()
    heading = next(i for i, line in enumerate(lines) if "单位（盖章）" in line)
    assert [word for word in lines[heading].split() if word in evidence.SIGNATURE_HEADINGS][-4:] == list(
        evidence.SIGNATURE_HEADINGS)
    names = " ".join(lines[heading + 1:heading + 4])
    assert "张三" in names and reviewer in names


def test_sheet_shows_review_state_and_planning_conformity(sheet):
    text, _ = sheet
    assert "处理状态" in text and "县级审核通过" in text and "同意上报" in text
    assert "规划符合性：不符合规划" in text  # half the patch lies outside the allowed zone
    assert "允许建设区面积" in text


def test_legend_names_are_human_and_the_footer_names_no_file(sheet):
    text, _ = sheet
    legend = text.split("比对面积")[0]
    assert "农转用" in legend and "pzyd" not in text
    assert "task.gpkg" not in text and "任务库" not in text


def test_before_and_after_images_on_the_first_page_when_the_photo_frames_are_free(tmp_path):
    from test_imagery import register

    task = str(tmp_path / "task.gpkg")
    rows = [patch_row(JCBH, PC="2023Q1", QSX="202210", HSX="202303")]  # where test_imagery's images lie
    import_patches(task, ImportOptions(write_patches(str(tmp_path / "wptb.shp"), rows)))
    register(task, str(tmp_path / "images"), ["2022-10-20", "2023-03-10"])
    path = evidence.write_evidence_sheets(task, [JCBH], str(tmp_path / "sheets"))[JCBH]
    page1 = subprocess.run(["pdftotext", "-l", "1", path, "-"], check=True, capture_output=True, text=True).stdout
    assert re.search(r"前时相影像\s+2022-10-20", page1) and re.search(r"后时相影像\s+2023-03-10", page1)
    images = subprocess.run(["pdfimages", "-list", "-l", "1", path], check=True, capture_output=True,
                            text=True).stdout.strip().splitlines()[2:]
    assert len(images) >= 2
