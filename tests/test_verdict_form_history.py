"""The verdict form's change history (修改记录) and the message bar, as a Chinese (or English) user reads
them: field labels, the channel in words, local time, the person's name asked once; one language only."""
import getpass
import os
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from conftest import SQUARE, patch_row, shift, write_patches
from qgis.core import Qgis, QgsSettings
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QInputDialog
from test_gui import wait_for

import land_enforcement_plugin
from land_enforcement_plugin.core import schema, store
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.review import templates
from land_enforcement_plugin.core.store import GeoPackageTaskStore
from land_enforcement_plugin.gui.verdict_form import VerdictForm

COMPLETE = {"verdict": "违法", "land_use": "建设用地", "violation_type": "未批先建", "rect_status": "未整改",
            "case_filed": "否", "lead_source": "巡查", "inspector": "张三", "verify_date": "2023-06-02"}


def set_ui_language(chinese):
    settings = QgsSettings()
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "zh_CN" if chinese else "en_US")


@pytest.fixture
def settings_restored():
    """The locale and the user's name as they were: these tests change QGIS user settings."""
    settings = QgsSettings()
    keys = ("locale/overrideFlag", "locale/userLocale", store.USER_NAME_SETTING)
    saved = {key: settings.value(key) for key in keys if settings.contains(key)}
    settings.remove(store.USER_NAME_SETTING)
    yield
    for key in keys:
        if key in saved:
            settings.setValue(key, saved[key])
        else:
            settings.remove(key)


@pytest.fixture
def time_zone():
    """Sets this process's time zone (the computer's, as the form shows times in it); restored after."""
    saved = os.environ.get("TZ")

    def set_zone(name):
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def make_plugin(plugin_iface, tmp_path):
    """The plugin on a task delivered as provinces deliver it: GBK, county code on every row, month dates."""
    rows = [patch_row(f"14052420230000{i:02d}", wkt=shift(SQUARE, 0.01 * i), xzqdm="140524000000", xzqmc="陵川县",
                      QSX="202210", HSX="202303", PC="2023Q1") for i in range(1, 4)]
    task = str(tmp_path / "task.gpkg")
    import_patches(task, ImportOptions(write_patches(str(tmp_path / "wptb.shp"), rows)))
    plugin = land_enforcement_plugin.classFactory(plugin_iface)
    plugin.initGui()
    plugin.dock.set_task(task)
    wait_for(lambda: plugin.review.loading is None)  # the list is read in the background
    return plugin


def answer_next_dialog(text, asked):
    """Types text into the next modal input dialog and presses OK (records that it was asked)."""
    def answer():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QInputDialog):
            asked.append(dialog.labelText())
            dialog.setTextValue(text)
            dialog.accept()
        else:
            QTimer.singleShot(20, answer)

    QTimer.singleShot(20, answer)


def save_through_form(plugin, jcbh, values, qgis_parent):
    form = VerdictForm(jcbh, {}, [], qgis_parent)
    form.accept()
    plugin.review.save(jcbh, values)


def history(task, jcbh):
    with GeoPackageTaskStore.open(task) as store_:
        return [e for e in store_.audit_entries(jcbh) if e["entity"] == "verification"]


def test_form_history_shows_chinese_labels_local_time_and_the_name_asked_at_the_first_save(
        plugin_iface, tmp_path, qgis_parent, settings_restored, time_zone):
    set_ui_language(chinese=True)
    time_zone("UTC")
    plugin = make_plugin(plugin_iface, tmp_path)
    try:
        task, jcbh = plugin.dock.task_path, "1405242023000001"
        asked = []
        answer_next_dialog("  王建国 ", asked)
        save_through_form(plugin, jcbh, COMPLETE, qgis_parent)
        assert len(asked) == 1 and store.saved_user_name() == "王建国"
        # Asked once: the next save records the same name without a question.
        save_through_form(plugin, jcbh, dict(COMPLETE, rect_status="整改中", rect_measures="拆除复耕、罚款"), qgis_parent)
        assert len(asked) == 1
        # A returned sheet, imported on this computer, records the same person.
        store_ = GeoPackageTaskStore.open(task)
        store_.apply_verifications({jcbh: {"notes": "复核无误"}}, schema.CHANNEL_SPREADSHEET)
        store_.close()
        entries = history(task, jcbh)
        assert {e["user_name"] for e in entries} == {"王建国"} and getpass.getuser() not in {e["user_name"]
                                                                                          for e in entries}
        time_zone("Asia/Shanghai")  # the bureau's computer: UTC+8
        form = VerdictForm(jcbh, COMPLETE, entries, qgis_parent)
        lines = [form.history.item(row).text() for row in range(form.history.count())]
        newest = entries[-1]
        local = datetime.fromisoformat(newest["ts"]).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
        assert lines[0] == f"{local} 王建国 [核查表] 备注: ∅ → 复核无误"
        assert any(line.endswith("王建国 [表单] 核查日期: ∅ → 2023-06-02") for line in lines)
        assert any("[表单] 核查人: ∅ → 张三" in line for line in lines)
        assert any("[表单] 整改状态: 未整改 → 整改中" in line for line in lines)
        text = "\n".join(lines)
        assert "verify_date" not in text and "inspector" not in text and "spreadsheet" not in text
        assert "+00:00" not in text and "T0" not in text and "T1" not in text and "T2" not in text
        # The settings entry in the plugin menu changes the name.
        (menu,) = plugin_iface.plugin_menus.values()
        answer_next_dialog("李四", asked)
        menu[-1].trigger()
        assert store.saved_user_name() == "李四" and len(asked) == 2
    finally:
        plugin.unload()


def test_form_history_in_the_english_ui_shows_english_labels(plugin_iface, tmp_path, qgis_parent,
                                                                        settings_restored):
    set_ui_language(chinese=False)
    store.set_user_name("Wang Jianguo")
    plugin = make_plugin(plugin_iface, tmp_path)
    try:
        jcbh = "1405242023000002"
        plugin.review.save(jcbh, dict(COMPLETE, rect_status="整改中", rect_measures="拆除复耕、罚款"))
        form = VerdictForm(jcbh, COMPLETE, history(plugin.dock.task_path, jcbh), qgis_parent)
        text = "\n".join(form.history.item(row).text() for row in range(form.history.count()))
        assert "Wang Jianguo [Form] Verification date: ∅ → 2023-06-02" in text
        assert "[Form] Verdict: ∅ → 违法" in text  # values as recorded (the labels staff type)
        assert "[Form] Rectification measures: ∅ → 拆除复耕、罚款" in text
        assert "核查日期" not in text and "表单" not in text and "verify_date" not in text
    finally:
        plugin.unload()


def returned_sheet(task, folder):
    """The township sheet as it comes back: one row filled in, one with a verdict nobody allows."""
    (path,) = templates.export_templates(task, folder)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["核查结果"]
    headers = [cell.value for cell in sheet[1]]
    for name, value in (("判定结果", "其他"), ("线索来源", "卫片"), ("核查人", "赵六"), ("核查日期", "2023-06-01")):
        sheet.cell(2, headers.index(name) + 1).value = value
    sheet.cell(3, headers.index("判定结果") + 1).value = "乱填"
    workbook.save(path)
    return path


@pytest.mark.parametrize("chinese", [True, False], ids=["chinese_ui", "english_ui"])
def test_message_bar_after_a_sheet_import_speaks_only_the_ui_language(plugin_iface, tmp_path, settings_restored,
                                                                       chinese):
    set_ui_language(chinese)
    plugin = make_plugin(plugin_iface, tmp_path)
    try:
        path = returned_sheet(plugin.dock.task_path, str(tmp_path / "sheets"))
        bar = plugin_iface.messageBar()
        before = len(bar.get_messages(Qgis.Warning))
        from test_gui import wait_for

        plugin.review.import_sheet(path, confirm_partial=lambda _result: True)
        wait_for(lambda: plugin.review._running is None)
        (message,) = bar.get_messages(Qgis.Warning)[before:]
        name = os.path.basename(path)
        if chinese:
            assert f"{name} [核查结果]: 接受 1，未变 0，拒绝 1，已写入 1" in message
            assert "accepted" not in message and "written" not in message
        else:
            assert f"{name} [核查结果]: accepted 1, unchanged 0, rejected 1, written (1)" in message
            assert "接受" not in message and "已写入" not in message
    finally:
        plugin.unload()
