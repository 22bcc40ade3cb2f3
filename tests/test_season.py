"""Season control: batches and repeats, milestones and overdue patches, assignment with its audit
trail, progress, per-person task lists for every township in one call."""
import datetime
import os

import openpyxl
import pytest
from conftest import SQUARE, patch_row, running_plugin, shift, wait_for, write_patches
from county_delivery import two_townships
from test_submission import copy_task

from land_enforcement_plugin.core import rules, schema
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs
from land_enforcement_plugin.core.overlay.run import run_overlay
from land_enforcement_plugin.core.season import metrics
from land_enforcement_plugin.core.season import plan as control
from land_enforcement_plugin.core.store import GeoPackageTaskStore

TODAY = datetime.date(2025, 6, 1)


@pytest.fixture
def two_batches(tmp_path, task_path):
    """2024年度: A1, A2; 2025Q1: B1 on A1's place (shifted a little), B2 somewhere new. Delivered with
    the county's code on every patch; the overlay puts A1 and B1 in 城关镇, A2 and B2 in 南麻街道."""
    county = dict(xzqdm="370323000000", xzqmc="沂源县")
    first = [patch_row("A1", **county), patch_row("A2", wkt=shift(SQUARE, 0.01), **county)]
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "a.shp"), first), batch="2024年度"))
    second = [patch_row("B1", wkt=shift(SQUARE, 0.0002), PC="2025Q1", **county),
              patch_row("B2", wkt=shift(SQUARE, 0.05), PC="2025Q1", **county)]
    result = import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "b.shp"), second), batch="2025Q1"))
    run_overlay(task_path, OverlayInputs(two_townships(str(tmp_path / "townships.gpkg"), split=118.105)))
    return task_path, result


def test_a_patch_back_in_a_later_batch_is_linked_to_its_earlier_record(two_batches):
    task, result = two_batches
    assert result.repeats == {"B1": "A1"}
    assert any("repeats" in line for line in result.lines())
    with GeoPackageTaskStore.open(task) as store:
        batches = store.patch_batches()
        assert batches["B1"][:2] == ("2025Q1", "A1") and batches["B2"][1] is None and batches["A1"][1] is None
        assert store.summary().batches == ["2024年度", "2025Q1"]
    status = control.patch_status(task, batch="2025Q1", today=TODAY)
    assert set(status) == {"B1", "B2"} and status["B1"]["repeat_of"] == "A1"


def test_milestones_from_the_template_and_overdue_patches(two_batches):
    task, _ = two_batches
    assert control.batch_kind("2025年第二季度") == (2025, "Q2") and control.batch_kind("2024年度") == (2024, "annual")
    assert control.template_dates("2025Q4")["核查完成"] == "2026-01-10"
    control.apply_template(task, "2024年度")
    control.apply_template(task, "2025Q1")
    with GeoPackageTaskStore.open(task) as store:
        due = {(m["batch"], m["kind"]): m["due_date"] for m in store.milestones()}
        # The annual batch of 2024's images is worked in 2025 (yiyuan_2019 四(一)).
        assert due[("2024年度", "核查完成")] == "2025-05-08" and due[("2025Q1", "核查完成")] == "2025-04-10"
        store.apply_verifications({"A1": {"verdict": "违法", "rect_status": "整改中"}}, schema.CHANNEL_FORM)
        store.set_milestone("2025Q1", "核查完成", "2025-07-10")  # moved: not due yet on TODAY
        audit = [e for e in store.audit_entries() if e["entity"] == "milestone"]
        assert audit[-1]["field"] == "2025Q1/核查完成/due_date" and audit[-1]["old_value"] == "2025-04-10"
        states = {(s.batch, s.kind): s for s in control.milestone_states(store.milestones(), TODAY)}
    assert states[("2024年度", "核查完成")].overdue and states[("2024年度", "核查完成")].days_left < 0
    assert not states[("2025Q1", "核查完成")].overdue and states[("2025Q1", "核查完成")].days_left == 39
    status = control.patch_status(task, today=TODAY)
    # A2 is unverified after 8 May 2025: overdue. A1 is judged; B1/B2's check date is still ahead.
    assert {j for j, s in status.items() if s["overdue"]} == {"A2"}
    assert status["A1"]["rectification_overdue"]  # unlawful, not rectified after 31 May 2025
    assert not control.patch_status(task, today=datetime.date(2024, 12, 1))["A1"]["rectification_overdue"]


def test_assignment_by_boundary_and_by_hand_is_audited(two_batches):
    task, _ = two_batches
    store = GeoPackageTaskStore.open(task)
    store.set_people([{"name": "张田长", "role": "村级田长", "xzqdm": "370323101000", "is_default": 1},
                      {"name": "李核查", "role": "核查员", "xzqdm": "370323101000"},
                      {"name": "王田长", "role": "村级田长", "xzqdm": "370323102000", "is_default": 1}])
    store.close()
    assert control.auto_assign(task) == 4
    store = GeoPackageTaskStore.open(task)
    assigned = store.assignments()
    store.close()
    assert assigned["A1"]["assignee"] == "张田长" and assigned["A2"]["assignee"] == "王田长"
    assert control.assign(task, ["A1"], "李核查") == 1
    assert control.auto_assign(task, reassign=True) == 0  # a hand-made assignment survives
    with pytest.raises(LandEnforcementError, match="roster"):
        control.assign(task, ["A1"], "不存在")
    with GeoPackageTaskStore.open(task) as store:
        entries = [e for e in store.audit_entries("A1") if e["entity"] == "assignment"]
        assert [(e["old_value"], e["new_value"], e["detail"]) for e in entries] == [
            (None, "370323101000/张田长", "automatic"), ("370323101000/张田长", "370323101000/李核查", "manual")]
        assert store.assignments()["A1"]["manual"] == 1
    rows = control.progress(task, today=TODAY)
    by_key = {(r["xzqdm"], r["assignee"]): r for r in rows}
    assert by_key[("370323101000", "李核查")]["assigned"] == 1
    assert by_key[("", "")]["xzqmc"] == "全县" and by_key[("", "")]["assigned"] == 4


def test_per_person_lists_for_every_township_in_one_call(season, tmp_path):
    task = copy_task(season, str(tmp_path))
    store = GeoPackageTaskStore.open(task)
    towns = sorted({(p["xzqdm"], p["xzqmc"]) for p in store.township_parts() if p["xzqdm"]})
    store.set_people([{"name": f"{name}田长", "role": "村级田长", "xzqdm": code, "is_default": 1}
                      for code, name in towns])
    store.close()
    control.auto_assign(task)
    out = tmp_path / "lists"
    written = control.export_assignee_lists(task, str(out))
    sheets = [p for p in written if p.endswith(".xlsx")]
    folders = [p for p in written if os.path.isdir(p)]
    assert len(sheets) == len(folders) == len(towns)
    groups = control.assignee_groups(task)
    for (code, name, person), jcbhs in groups.items():
        sheet = openpyxl.load_workbook(out / f"核查表_{code}_{name}_{person}.xlsx")["核查结果"]
        assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == sorted(jcbhs)
        assert os.path.exists(out / f"{code}_{name}_{person}" / "fieldwork.qgs")
    report = control.write_progress_report(task, str(tmp_path / "progress.xlsx"), today=TODAY)
    book = openpyxl.load_workbook(report)
    assert book.sheetnames == ["时间节点", "进度"] and book["进度"]["A1"].value == "乡镇代码"


def test_metrics_for_one_batch(two_batches, tmp_path):
    from qgis.core import QgsVectorLayer

    from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs
    from land_enforcement_plugin.core.overlay.run import run_overlay

    task, _ = two_batches
    townships = write_patches(str(tmp_path / "towns.gpkg"), [
        {"XZQDM": "370323101000", "XZQMC": "城关镇", "wkt": "POLYGON((118 36,118.2 36,118.2 36.2,118 36.2,118 36))"}],
        fields=("XZQDM", "XZQMC"))
    layer = QgsVectorLayer(f"{townships}|layername=wptb", "towns", "ogr")
    run_overlay(task, OverlayInputs(layer))
    del layer
    with GeoPackageTaskStore.open(task) as store:
        assert metrics.township_metrics(store, batch="2025Q1").rows[-1]["patch_count"] == 2
        # B1 is A1's place come back: the two batches count it once (issue 16).
        assert metrics.township_metrics(store).rows[-1]["patch_count"] == 3
    # A quarterly submission: the package of one batch only, named after it.
    from land_enforcement_plugin.core.reports import package as submission

    result = submission.build_package(task, submission.default_package_name(task, True, "2025Q1"),
                                      submission.PackageOptions(draft=True, evidence=False, batch="2025Q1"))
    assert os.path.basename(result.path) == "370323_2025Q1_成果包_草稿.zip"
    assert result.manifest["batch"] == "2025Q1" and result.manifest["counts"]["patches"] == 2
    assert {f["jcbh"] for f in result.manifest["findings"]["blocking"]} == {"B1", "B2"}


def test_season_tab_review_and_metrics_docks(two_batches, plugin_iface, tmp_path):
    task, _ = two_batches
    with running_plugin(plugin_iface, task) as plugin:
        panel = plugin.dock.season_panel
        assert panel.milestones.rowCount() == 2 * len(schema.MilestoneKind)
        panel.batch.setCurrentText("2024年度")
        panel.apply_template()
        cells = {(panel.milestones.item(r, 0).text(), panel.milestones.item(r, 1).text()): r
                 for r in range(panel.milestones.rowCount())}
        row = cells[("2024年度", "核查完成")]
        assert panel.milestones.item(row, 2).text() == "2025-05-08"  # worked the following year
        panel.milestones.item(row, 2).setText("2024-05-20")  # edited in the table: saved and audited
        with GeoPackageTaskStore.open(task) as store:
            assert any(e["entity"] == "milestone" and e["new_value"] == "2024-05-20" for e in store.audit_entries())
        panel._add_roster_row({"name": "张田长", "role": "村级田长", "xzqdm": "370323101000", "is_default": 1})
        panel._add_roster_row({"name": "王田长", "role": "村级田长", "xzqdm": "370323102000", "is_default": 1})
        assert panel.save_roster()
        assert panel.auto_assign() == 4
        review = plugin.review
        review.refresh()
        wait_for(lambda: review.loading is None)
        assignees = {r["jcbh"]: r["assignee"] for r in review.model.rows}
        assert assignees["A1"] == "张田长" and assignees["A2"] == "王田长"
        review.batch.setCurrentIndex(review.batch.findData("2025Q1"))
        assert review.proxy.rowCount() == 2
        assert review.assign("B2", "王田长")
        assert {r["jcbh"]: r["assignee"] for r in review.model.rows}["B2"] == "王田长"
        running = panel.export_lists(str(tmp_path / "lists"))
        assert panel._running is running  # returned at once: written in the background
        wait_for(lambda: panel._running is None)
        assert len(list((tmp_path / "lists").glob("**/*.xlsx"))) == 2
        metrics_dock = plugin.metrics
        # Each year's enforcement first (annual and quarterly batches, a repeat once: issue 16), then each batch.
        assert [metrics_dock.batch.itemData(i) for i in range(metrics_dock.batch.count())] == [
            None, "year:2024", "year:2025", "2024年度", "2025Q1"]
        metrics_dock._fill_progress(control.progress(task, today=TODAY))
        names = {metrics_dock.progress.item(r, 2).text() for r in range(metrics_dock.progress.rowCount())}
        assert {"张田长", "王田长"} <= names


def test_season_algorithms_headless(season, tmp_path, qgis_processing):
    import processing
    from qgis.core import QgsApplication

    from land_enforcement_plugin.processing.provider import LandEnforcementProvider

    task = copy_task(season, str(tmp_path))
    store = GeoPackageTaskStore.open(task)
    towns = sorted({(p["xzqdm"], p["xzqmc"]) for p in store.township_parts() if p["xzqdm"]})
    store.close()
    roster = tmp_path / "roster.csv"
    roster.write_text("姓名,角色,乡镇代码,村,电话,默认\n" + "".join(
        f"{name}田长,村级田长,{code},,,是\n" for code, name in towns), encoding="utf-8-sig")
    provider = LandEnforcementProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    try:
        assigned = processing.run("landenforcement:assignpatches", {"DATABASE": task, "ROSTER": str(roster)})
        lists = processing.run("landenforcement:exportassignments", {"DATABASE": task, "OUTPUT": str(tmp_path / "l")})
        report = processing.run("landenforcement:progressreport", {"DATABASE": task,
                                                                    "OUTPUT": str(tmp_path / "progress.xlsx")})
    finally:
        QgsApplication.processingRegistry().removeProvider(provider)
    assert assigned["ASSIGNED"] == 120 and lists["FILES"] == 2 * len(towns)
    with GeoPackageTaskStore.open(task) as store:
        # The demo's batches are quarterly: their template has no 总结上报 (an annual batch's milestone).
        assert {m["kind"] for m in store.milestones()} == set(rules.bundled()["calendar"]["Q1"])
    assert report["OVERDUE"] == 28  # the 28 unverified patches, past 8 May 2024
    assert openpyxl.load_workbook(report["OUTPUT"])["进度"].max_row > len(towns)


def test_roster_sheet_saved_by_excel_in_gbk(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes("姓名,角色,乡镇代码,默认\n张田长,村级田长,370323101000,是\n李核查,核查员,370323101000,\n".encode("gbk"))
    people = control.read_roster(str(path))
    assert [(p["name"], p["role"], p["is_default"]) for p in people] == [("张田长", "村级田长", 1),
                                                                         ("李核查", "核查员", 0)]
    path.write_text("姓名,角色\n王五,县长\n", encoding="utf-8")
    with pytest.raises(LandEnforcementError, match="role"):
        control.read_roster(str(path))


def test_assignment_lists_and_progress_follow_the_overlays_township_on_a_county_coded_delivery(season, tmp_path):
    """Deliveries carry the county's code on every patch: patches are assigned, listed and counted
    by the township the overlay stored; assigned before the overlay, they follow it afterwards."""
    from county_delivery import county_delivered_task, overlay_townships

    from demodata.season import redline_inputs

    task = county_delivered_task(season, str(tmp_path / "task"), overlay=False)
    assert control.auto_assign(task) == 120
    store = GeoPackageTaskStore.open(task)
    assert {(a["xzqdm"], a["xzqmc"]) for a in store.assignments().values()} == {("", "未落乡镇")}
    store.close()
    run_overlay(task, redline_inputs(season["redlines"]))
    placed = overlay_townships(task)
    first_code, first_name = min(placed.values())
    store = GeoPackageTaskStore.open(task)
    store.set_people([{"name": "张田长", "role": "村级田长", "xzqdm": first_code, "is_default": 1}])
    store.close()
    assert control.auto_assign(task) == 120  # every automatic assignment follows the overlay
    with GeoPackageTaskStore.open(task) as store:
        assigned = store.assignments()
    assert {jcbh: (a["xzqdm"], a["xzqmc"]) for jcbh, a in assigned.items()} == placed
    assert {jcbh for jcbh, a in assigned.items() if a["assignee"] == "张田长"} == {
        jcbh for jcbh, (code, _) in placed.items() if code == first_code}
    rows = control.progress(task, today=TODAY)
    assert {r["xzqmc"] for r in rows if not r["assignee"]} == {name for _, name in placed.values()} | {"全县"}
    written = control.export_assignee_lists(task, str(tmp_path / "lists"))
    sheets = {os.path.basename(p) for p in written if p.endswith(".xlsx")}
    assert sheets == {f"核查表_{code}_{name}{'_张田长' if code == first_code else ''}.xlsx"
                      for code, name in set(placed.values())}
    assert f"核查表_{first_code}_{first_name}_张田长.xlsx" in sheets
