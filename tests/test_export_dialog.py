"""The export dialog in the plugin: problems listed with their JCBH, draft, background export,
consent before replacing a package, verifying one."""
import os
import zipfile

import pytest
from conftest import running_plugin, wait_for
from qgis.PyQt.QtWidgets import QMessageBox
from test_submission import copy_task

from land_enforcement_plugin.core.reports import package as submission
from land_enforcement_plugin.core.reports.package_verify import verify_package


@pytest.fixture
def plugin(plugin_iface, season, tmp_path):
    with running_plugin(plugin_iface, copy_task(season, str(tmp_path))) as plugin:
        yield plugin


def open_dialog(plugin):
    dialog = plugin.export_package()
    wait_for(lambda: dialog.runner.idle)
    dialog.evidence.setChecked(False)  # the evidence sheets have their own tests
    return dialog


def test_problems_block_export_until_draft(plugin):
    dialog = open_dialog(plugin)
    blocking = dialog.blocking_count()
    assert blocking == 52 and dialog.table.rowCount() == len(dialog.findings)
    assert {dialog.table.item(r, 1).text() for r in range(blocking)} == {f.jcbh for f in dialog.findings[:blocking]}
    assert not dialog.export_button.isEnabled()
    dialog.draft.setChecked(True)
    assert dialog.export_button.isEnabled()
    # every quarter of the delivery
    assert dialog.output.filePath().endswith("370323_2024Q1_2024Q2_2024Q3_2024Q4_成果包_草稿.zip")
    dialog.export()
    wait_for(lambda: dialog.runner.idle, timeout=60)
    path = dialog.output.filePath()
    assert zipfile.is_zipfile(path) and path in dialog.status.text()
    dialog.verify(path)
    wait_for(lambda: dialog.runner.idle)
    assert "与清单一致" in dialog.status.text() or "match the manifest" in dialog.status.text()


def test_double_click_shows_the_patch_in_the_review_dock(plugin):
    dialog = open_dialog(plugin)
    jcbh = dialog.table.item(0, 1).text()
    dialog.table.cellDoubleClicked.emit(0, 1)
    assert plugin.review.selected_jcbh() == jcbh


def test_replacing_a_package_needs_consent(plugin, monkeypatch, tmp_path):
    dialog = open_dialog(plugin)
    dialog.draft.setChecked(True)
    target = tmp_path / "earlier_草稿.zip"
    target.write_bytes(b"earlier")
    dialog.output.setFilePath(str(target))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    dialog.export()
    assert dialog.runner.idle and target.read_bytes() == b"earlier"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.export()
    wait_for(lambda: dialog.runner.idle, timeout=60)
    assert verify_package(str(target)).ok


def test_saving_a_verdict_rechecks(plugin):
    dialog = open_dialog(plugin)
    before = dialog.blocking_count()
    jcbh = next(f.jcbh for f in dialog.findings if f.code == "unverified")
    plugin.review.save(jcbh, {"verdict": "其他", "other_kind": "伪变化", "land_use": "其他", "lead_source": "卫片",
                              "inspector": "王五", "verify_date": "2024-06-01"})
    wait_for(lambda: dialog.runner.idle and dialog.blocking_count() != before)
    assert dialog.blocking_count() == before - 1
    assert not os.path.exists(submission.default_package_name(plugin.dock.task_path))
