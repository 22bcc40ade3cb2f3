"""The import dialog on real deliveries: the batch from PC (quarters), the province's field
profile, and message boxes in the UI's language."""
import pytest
from conftest import SQUARE, running_plugin, shift, wait_for, write_patches
from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QTimer
from qgis.PyQt.QtWidgets import QApplication

from land_enforcement_plugin.core.intake import importing
from land_enforcement_plugin.gui.import_dialog import ImportPatchesDialog


def delivery(tmp_path, pcs, fields=("JCBH", "XZQDM", "XZQMC", "QSX", "HSX", "PC")):
    rows = [{"JCBH": f"1405242023{n:06d}", "XZQDM": "140524000000", "XZQMC": "陵川县", "QSX": "202210",
             "HSX": "202303", "PC": pc, "wkt": shift(SQUARE, 0.01 * n)} for n, pc in enumerate(pcs)]
    return write_patches(str(tmp_path / "wptb.shp"), rows, fields=fields)


def test_four_quarters_offer_one_batch_each_or_all_in_one(qgis_parent, tmp_path):
    dialog = ImportPatchesDialog(None, qgis_parent)
    dialog.set_source(delivery(tmp_path, ["2023Q1", "2023Q2", "2023Q3", "2023Q4"]))
    assert not dialog.batch_per_pc.isHidden() and dialog.batch_per_pc.isChecked()
    assert "2023Q1、2023Q2、2023Q3、2023Q4" in dialog.batch_per_pc.text()
    assert "4" in dialog.batch_note.text() and "PC" in dialog.batch_note.text()
    assert dialog.options().batch_mode == importing.BATCH_PER_PC
    dialog.batch_all.click()
    dialog.batch_edit.setText("2023年度")
    options = dialog.options()
    assert (options.batch_mode, options.batch) == (importing.BATCH_ALL, "2023年度")


def test_one_pc_value_fills_the_batch_with_a_note(qgis_parent, tmp_path):
    dialog = ImportPatchesDialog(None, qgis_parent)
    dialog.set_source(delivery(tmp_path, ["2023Q2", "2023Q2"]))
    assert dialog.batch_edit.text() == "2023Q2"
    assert dialog.batch_per_pc.isHidden()
    assert "PC" in dialog.batch_note.text() and "2023Q2" in dialog.batch_note.text()


def test_the_province_profile_is_chosen_for_its_fields(qgis_parent, tmp_path):
    fields = ("JCBH", "XZQDM", "SSXS", "SSXZ", "AREA", "QSX", "HSX", "HLX")
    row = {"JCBH": "330106202300001", "XZQDM": "330106", "SSXS": "西湖区", "SSXZ": "转塘街道", "AREA": "3.5",
           "QSX": "2022-10-01", "HSX": "2023-03-01", "HLX": "建设用地", "wkt": SQUARE}
    dialog = ImportPatchesDialog(None, qgis_parent)
    dialog.set_source(write_patches(str(tmp_path / "zj.gpkg"), [row], fields=fields))
    assert dialog.profile_combo.currentText().startswith("浙江")
    assert not dialog.delete_profile_button.isEnabled()  # bundled: applied, never deleted
    mapping = dialog.options().field_mapping
    assert (mapping["tbmj"], mapping["bhlx"], mapping["delivered_township"]) == ("AREA", "HLX", "SSXZ")


@pytest.fixture
def chinese_ui():
    from land_enforcement_plugin.plugin import _install_translator

    settings = QgsSettings()
    saved = {key: settings.value(key) for key in ("locale/overrideFlag", "locale/userLocale")}
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "zh_CN")
    translator = _install_translator()
    assert translator is not None
    QCoreApplication.processEvents()  # the language change is announced now, as at QGIS's start-up
    yield
    QCoreApplication.removeTranslator(translator)
    for key, value in saved.items():
        if value is None:
            settings.remove(key)
        else:
            settings.setValue(key, value)


def test_refusal_in_the_chinese_ui_has_a_chinese_button(chinese_ui, qgis_parent, tmp_path):
    dialog = ImportPatchesDialog(None, qgis_parent)
    dialog.set_source(delivery(tmp_path, [None, None]))  # no batch anywhere: refused until typed
    seen = []

    def read_and_close():
        box = QApplication.activeModalWidget()
        seen.append((box.windowTitle(), box.text(), [button.text() for button in box.buttons()]))
        box.accept()

    QTimer.singleShot(0, read_and_close)
    dialog._accept()
    ((title, text, buttons),) = seen
    assert (title, buttons) == ("批次", ["确定"])
    assert "批次" in text
    assert not dialog.result()  # not accepted


@pytest.fixture
def plugin(plugin_iface):
    with running_plugin(plugin_iface) as plugin:
        yield plugin


def test_a_new_task_name_is_a_new_task_not_an_error(plugin, plugin_iface, tmp_path):
    from qgis.core import Qgis

    bar = plugin_iface.messageBar()
    before = {level: len(bar.get_messages(level)) for level in (Qgis.Critical, Qgis.Warning)}
    new_task = str(tmp_path / "陵川县_2023.gpkg")
    plugin.dock.set_task(new_task)
    wait_for(lambda: plugin.review.loading is None)  # the list is read in the background
    QApplication.processEvents()
    assert {level: len(bar.get_messages(level)) for level in (Qgis.Critical, Qgis.Warning)} == before
    assert plugin.review.task_path == ""  # nothing to list before the first import
    assert plugin.dock.import_button.isEnabled()
    assert new_task in plugin.dock.path_label.text()


def test_saving_a_profile_asks_in_chinese(chinese_ui, qgis_parent):
    from qgis.PyQt.QtWidgets import QDialogButtonBox

    dialog = ImportPatchesDialog(None, qgis_parent)
    seen = []

    def read_and_cancel():
        box = QApplication.activeModalWidget()
        seen.append(sorted(b.text() for b in box.findChild(QDialogButtonBox).buttons()))
        box.reject()

    QTimer.singleShot(0, read_and_cancel)
    dialog._save_profile()
    assert seen == [sorted(["确定", "取消"])]
