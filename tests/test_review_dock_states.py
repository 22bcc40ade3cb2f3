"""The review dock's 处理状态: the column with the reason of a return, the filter that gives a
township its returned patches, the review menu's actions, planning conformity in the verdict form."""
import pytest
from conftest import SQUARE, patch_row, running_plugin, shift, write_patches
from county_delivery import two_townships
from qgis.core import QgsVectorLayer
from qgis.PyQt.QtWidgets import QLabel

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.ellipsoid import AreaMode
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay import conformity
from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs
from land_enforcement_plugin.core.overlay.run import run_overlay
from land_enforcement_plugin.core.store import open_task


@pytest.fixture
def plugin(plugin_iface, tmp_path, task_path):
    rows = [patch_row(f"P{i}", wkt=shift(SQUARE, 0.01 * i), xzqdm="370323000000", xzqmc="沂源县") for i in range(1, 4)]
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "p.shp"), rows)))
    run_overlay(task_path, OverlayInputs(two_townships(str(tmp_path / "townships.gpkg"), split=118.125)))
    allowed = write_patches(str(tmp_path / "yxjsq.shp"), [{"wkt": shift(SQUARE, 0.01)}], fields=())
    conformity.run_conformity(task_path, conformity.ZoningInputs(
        zone_layers={schema.PlanningZone.ALLOWED: QgsVectorLayer(allowed, "yxjsq", "ogr")}, area_mode=AreaMode.PLANAR))
    store = open_task(task_path)
    store.apply_verifications({"P1": {"verdict": "违法"}, "P2": {"verdict": "其他"}}, schema.CHANNEL_FORM)
    store.close()
    with running_plugin(plugin_iface, task_path) as plugin:
        yield plugin


def column(review, name):
    from land_enforcement_plugin.gui.patch_list import COLUMNS

    return COLUMNS.index(name)


def shown(review, jcbh, name):
    for row in range(review.proxy.rowCount()):
        if review.proxy.index(row, 0).data() == jcbh:
            return review.proxy.index(row, column(review, name)).data()
    return None


def test_a_returned_patch_shows_its_reason_and_is_found_by_the_filter(plugin):
    review = plugin.review
    review.select_jcbh("P1")
    assert review.review("submit")
    assert shown(review, "P1", "review_state") == "乡镇已核查"
    review.select_jcbh("P1")
    assert review.review("return", "照片不足")
    assert shown(review, "P1", "review_state") == "退回：照片不足"
    review.review_state.setCurrentIndex(review.review_state.findData("退回"))
    assert review.proxy.rowCount() == 1 and review.proxy.index(0, 0).data() == "P1"
    review.review_state.setCurrentIndex(review.review_state.findData("待核查"))
    assert {review.proxy.index(r, 0).data() for r in range(review.proxy.rowCount())} == {"P2", "P3"}


def test_a_refused_move_is_a_message_not_a_traceback(plugin):
    review = plugin.review
    messages = []
    review.message.connect(lambda text, level: messages.append((text, level)))
    review.select_jcbh("P3")  # no verdict yet
    assert not review.review("submit")
    assert messages and messages[-1][1] == 2 and "P3" in messages[-1][0]


def test_verdict_form_and_list_show_planning_conformity(plugin, monkeypatch):
    review = plugin.review
    assert shown(review, "P1", "conformity") == "符合规划" and shown(review, "P2", "conformity") == "不符合规划"
    review.select_jcbh("P1")
    monkeypatch.setattr("land_enforcement_plugin.gui.verdict_form.VerdictForm.exec", lambda self: 0)
    form = review.open_form()
    texts = [label.text() for label in form.findChildren(QLabel)]
    assert any("符合规划" in text and "允许建设区" in text for text in texts)


def test_saving_a_locked_record_from_the_form_is_refused_with_a_message(plugin):
    review = plugin.review
    messages = []
    review.message.connect(lambda text, level: messages.append((text, level)))
    review.select_jcbh("P1")
    review.review("submit")
    review.select_jcbh("P1")
    review.review("approve")
    assert not review.save("P1", {"notes": "改"})
    assert "locked" in messages[-1][0] or "锁定" in messages[-1][0]
