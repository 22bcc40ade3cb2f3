"""The review workbench: patch list filters and counts, next unverified, map sync, the verdict form."""
import pytest
from conftest import SQUARE, patch_row, running_plugin, shift, write_patches
from county_delivery import five_patches_in_two_townships
from qgis.core import QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QDialogButtonBox

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.store import GeoPackageTaskStore
from land_enforcement_plugin.gui.verdict_form import VerdictForm


@pytest.fixture
def plugin(plugin_iface, tmp_path, task_path):
    # Delivered as provinces do: the county's code and name on every patch; townships by the overlay.
    task = five_patches_in_two_townships(tmp_path, task_path, 118.125, {"P2": {"verdict": "违法"}})
    with running_plugin(plugin_iface, task) as plugin:
        yield plugin


def test_list_filters_and_counts(plugin):
    review = plugin.review
    assert review.model.rowCount() == 5
    review.status.setCurrentIndex(review.status.findData("unverified"))
    assert review.proxy.rowCount() == 4
    review.township.setCurrentIndex(review.township.findData("370323102000"))
    assert review.proxy.rowCount() == 3
    assert review.count.text().startswith("3 ") or "3" in review.count.text()
    review.search.setText("p4")
    assert review.proxy.rowCount() == 1
    review.status.setCurrentIndex(0)
    review.township.setCurrentIndex(0)
    review.search.setText("")
    review.verdict.setCurrentIndex(review.verdict.findData("违法"))
    assert review.proxy.rowCount() == 1


def test_next_unverified_skips_verified_and_selects_on_the_map(plugin):
    review = plugin.review
    layer = QgsVectorLayer(f"{plugin.dock.task_path}|layername=patches", "卫片图斑", "ogr")
    QgsProject.instance().addMapLayer(layer)
    assert review.step_unverified(1) == "P1"
    assert review.step_unverified(1) == "P3"  # P2 has a verdict
    assert [f["jcbh"] for f in layer.selectedFeatures()] == ["P3"]
    assert review.step_unverified(-1) == "P1"
    # And the other way round: a selection on the map selects the row.
    picked = []
    review.patch_selected.connect(picked.append)  # the imagery dock listens to this
    layer.selectByExpression("\"jcbh\" = 'P5'")
    review.map_selection_changed(layer)
    assert review.selected_jcbh() == "P5" and set(picked) == {"P5"}


def test_form_names_missing_fields_and_saves_only_when_complete(plugin, qgis_parent):
    form = VerdictForm("P1", {}, [], qgis_parent)
    save = form.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled() and ("判定结果" in form.missing.text() or "verdict" in form.missing.text())
    verdict = form.widgets[schema.V_VERDICT]
    verdict.setCurrentIndex(verdict.findData("违法"))
    assert not save.isEnabled()
    assert "Violation" in form.missing.text() or "违法类型" in form.missing.text()
    # 用地类型 is required for 违法 too (issue 16: it decides the ratio's denominator).
    for spec, value in ((schema.V_VIOLATION, "未批先建"), (schema.V_RECT_STATUS, "整改中"), (schema.V_CASE_FILED, "是"),
                        (schema.V_LEAD_SOURCE, "巡查"), (schema.V_LAND_USE, "建设用地")):
        form.widgets[spec].setCurrentIndex(form.widgets[spec].findData(value))
    form.widgets[schema.V_INSPECTOR].setText("张三")
    assert not save.isEnabled()  # measures are required once rectification started
    form.widgets[schema.V_MEASURES].setCheckedItems([form.widgets[schema.V_MEASURES].itemText(0)])
    assert save.isEnabled()
    values = form.values()
    assert values["rect_measures"] == "拆除复耕" and values["verdict"] == "违法"

    plugin.review.save("P1", values)
    store = GeoPackageTaskStore.open(plugin.dock.task_path)
    assert store.verifications()["P1"]["violation_type"] == "未批先建"
    channels = {e["channel"] for e in store.audit_entries("P1") if e["entity"] == "verification"}
    store.close()
    assert channels == {"form"}
    assert plugin.dock.values["verified"].text() == "2 / 5"  # the task dock follows


def test_form_shows_history(plugin, qgis_parent):
    store = GeoPackageTaskStore.open(plugin.dock.task_path)
    history = [e for e in store.audit_entries("P2") if e["entity"] == "verification"]
    store.close()
    form = VerdictForm("P2", {"verdict": "违法"}, history, qgis_parent)
    assert form.history.count() == 1 and "违法" in form.history.item(0).text()


def test_dropped_photos_are_attached_and_shown(plugin, tmp_path):
    from test_gui import wait_for


    review = plugin.review
    review.select_jcbh("P1")
    source = tmp_path / "photo.jpg"
    from PIL import Image
    Image.new("RGB", (64, 48), (10, 120, 10)).save(source)
    messages = []
    review.message.connect(lambda text, level: messages.append((text, level)))
    review.thumbnails.files_dropped.emit([str(source)])
    wait_for(lambda: review._running is None)
    assert review.thumbnails.count() == 1
    assert "GPS" in messages[-1][0] and messages[-1][1] == 1  # no position: warned, still attached
    assert review.model.rows[0]["photo_count"] == 1
    review.has_photos.setChecked(True)
    assert review.proxy.rowCount() == 1


def test_sheets_round_trip_from_the_dock(plugin, tmp_path):
    import openpyxl

    review = plugin.review
    from land_enforcement_plugin.core.review import templates
    paths = templates.export_templates(plugin.dock.task_path, str(tmp_path / "out"))
    assert len(paths) == 2  # one per township
    workbook = openpyxl.load_workbook(paths[0])
    sheet = workbook["核查结果"]
    headers = [c.value for c in sheet[1]]
    sheet.cell(2, headers.index("判定结果") + 1).value = "其他"
    for name, value in (("线索来源", "卫片"), ("核查人", "赵六"), ("核查日期", "2024-06-01")):
        sheet.cell(2, headers.index(name) + 1).value = value
    sheet.cell(3, headers.index("判定结果") + 1).value = "乱填"
    workbook.save(paths[0])
    from test_gui import wait_for

    asked = []
    running = review.import_sheet(paths[0], confirm_partial=lambda result: asked.append(result) or False)
    assert review._running is running and not asked  # returned at once, the sheet read in the background
    wait_for(lambda: review._running is None)
    assert len(asked) == 1 and not asked[0].applied
    assert plugin.dock.values["verified"].text() == "1 / 5"  # refused: nothing written
    review.import_sheet(paths[0], confirm_partial=lambda result: True)
    wait_for(lambda: review._running is None)
    assert plugin.dock.values["verified"].text() == "2 / 5"


def test_qfield_round_trip_from_the_dock(plugin, tmp_path):
    import os

    from osgeo import ogr

    from land_enforcement_plugin.core.review import fieldwork

    folders = fieldwork.export_field_projects(plugin.dock.task_path, str(tmp_path / "field"))
    gpkg = os.path.join(folders[0], "fieldwork.gpkg")
    ds = ogr.Open(gpkg, 1)
    layer = ds.GetLayerByName("patches")
    feature = layer.GetNextFeature()
    for key, value in (("verdict", "其他"), ("land_use", "其他"), ("lead_source", "卫片"), ("inspector", "外业"),
                       ("verify_date", "2024-06-03")):
        feature.SetField(key, value)
    layer.SetFeature(feature)
    ds = None
    from test_gui import wait_for

    messages = []
    plugin.review.message.connect(lambda text, level: messages.append(text))
    running = plugin.review.merge_field_package(gpkg)
    assert plugin.review._running is running and not messages  # returned at once, merged in the background
    wait_for(lambda: plugin.review._running is None)
    assert "写入 1" in messages[-1] or "written 1" in messages[-1]
    assert plugin.dock.values["verified"].text() == "2 / 5"


def test_qfield_projects_are_written_in_the_background_from_the_dock(plugin, tmp_path):
    from test_gui import wait_for

    review = plugin.review
    messages = []
    review.message.connect(lambda text, level: messages.append((text, level)))
    running = review.export_field_projects(str(tmp_path / "field"))
    assert review._running is running and not messages  # returned at once
    wait_for(lambda: review._running is None)
    assert messages[-1][1] == 0 and str(tmp_path / "field") in messages[-1][0]
    assert len(list((tmp_path / "field").glob("*/fieldwork.gpkg"))) == 2  # one per township


def test_saving_keeps_the_patch_selected_on_the_map(plugin):
    layer = QgsVectorLayer(f"{plugin.dock.task_path}|layername=patches", "卫片图斑", "ogr")
    QgsProject.instance().addMapLayer(layer)
    review = plugin.review
    jcbh = review.step_unverified(1)
    review.save(jcbh, {"verdict": "其他", "land_use": "其他", "lead_source": "卫片", "inspector": "a",
                       "verify_date": "2024-06-01"})
    assert [f["jcbh"] for f in layer.selectedFeatures()] == [jcbh]


def _shown_column(review, column):
    return {review.model.rows[review.proxy.mapToSource(review.proxy.index(r, 0)).row()]["jcbh"]:
            review.proxy.index(r, column).data() for r in range(review.proxy.rowCount())}


def test_list_shows_and_filters_the_overlays_township_not_the_delivered_county(plugin):
    review = plugin.review
    assert _shown_column(review, 1) == {"P1": "城关镇", "P2": "城关镇", "P3": "南麻街道", "P4": "南麻街道",
                                        "P5": "南麻街道"}
    choices = [review.township.itemText(i) for i in range(1, review.township.count())]
    assert choices == ["城关镇 370323101000", "南麻街道 370323102000"]  # never 沂源县 370323000000
    review.township.setCurrentIndex(review.township.findData("370323101000"))
    assert set(_shown_column(review, 1)) == {"P1", "P2"}


def test_list_says_not_overlaid_and_marks_patches_needing_the_overlay(plugin_iface, tmp_path, task_path):
    rows = [patch_row(f"P{i}", wkt=shift(SQUARE, 0.01 * i), xzqdm="370323000000", xzqmc="沂源县") for i in (1, 2)]
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "p.shp"), rows)))
    with running_plugin(plugin_iface, task_path) as plugin:
        review = plugin.review
        assert set(_shown_column(review, 1).values()) <= set(schema.NOT_OVERLAID)  # not the county's name
        assert set(_shown_column(review, 2).values()) <= set(schema.NEEDS_OVERLAY)  # no area, and why
        assert review.proxy.index(0, 2).data(Qt.ItemDataRole.BackgroundRole).color().name() == "#fff2cc"
        choices = [review.township.itemText(i) for i in range(1, review.township.count())]
        assert len(choices) == 1 and choices[0] in schema.NOT_OVERLAID
        review.township.setCurrentIndex(1)
        assert review.proxy.rowCount() == 2


def test_monitoring_numbers_are_shown_whole_or_elided_in_the_middle(plugin_iface, tmp_path, task_path):
    numbers = ["370323202400000123", "370323202400000124"]  # the same but for the last digits
    rows = [patch_row(jcbh, wkt=shift(SQUARE, 0.01 * i)) for i, jcbh in enumerate(numbers)]
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "p.shp"), rows)))
    with running_plugin(plugin_iface, task_path) as plugin:
        table = plugin.review.table
        metrics = table.fontMetrics()
        width = table.columnWidth(0)
        assert width >= metrics.horizontalAdvance(numbers[0]) + 8  # whole at the default width
        assert table.textElideMode() == Qt.TextElideMode.ElideMiddle  # narrowed: the end stays
        assert metrics.elidedText(numbers[1], table.textElideMode(), width // 2).endswith("124")
