"""The accountability dashboard on the demo county: table, highlights, click-through, map, refresh."""
import pytest
from qgis.core import QgsGraduatedSymbolRenderer, QgsProject, QgsVectorLayer

import land_enforcement_plugin
from demodata.county import generate_county
from land_enforcement_plugin.core import schema, verification
from land_enforcement_plugin.core.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.office_comparison import OverlayInputs
from land_enforcement_plugin.core.overlay_run import run_overlay
from test_gui import wait_for


@pytest.fixture(scope="module")
def demo_task(tmp_path_factory):
    out = tmp_path_factory.mktemp("county")
    demo = generate_county(str(out), size="small", seed=1)
    task = str(out / "task.gpkg")
    import_patches(task, ImportOptions(demo["patches"]))
    towns = QgsVectorLayer(f"{demo['redlines']}|layername=townships", "townships", "ogr")
    cultivated = QgsVectorLayer(f"{demo['redlines']}|layername=cultivated", "cultivated", "ogr")
    pbf = QgsVectorLayer(f"{demo['redlines']}|layername=pbf", "pbf", "ogr")
    run_overlay(task, OverlayInputs(towns, cultivated, pbf))
    verification.import_spreadsheet(task, demo["verification_xlsx"], accept_partial=True)
    return task, demo


@pytest.fixture
def plugin(plugin_iface, demo_task):
    task, demo = demo_task
    towns = QgsVectorLayer(f"{demo['redlines']}|layername=townships", "townships", "ogr")
    QgsProject.instance().addMapLayer(towns)
    QgsProject.instance().writeEntry("land_enforcement", "overlay/townships", towns.id())
    plugin = land_enforcement_plugin.classFactory(plugin_iface)
    plugin.initGui()
    plugin.dock.set_task(task)
    wait_for(lambda: plugin.metrics.runner.idle)  # the figures are computed in the background
    yield plugin
    plugin.unload()


def test_table_highlights_and_chart(plugin):
    dock = plugin.metrics
    rows = dock.result.rows
    assert dock.table.rowCount() == 7 and rows[-1]["xzqdm"] == "370323000000"
    ratio_column = 7
    for row in range(dock.table.rowCount()):
        code = dock.table.item(row, 0).data(0x0100)
        source = next(r for r in rows if r["xzqdm"] == code)
        highlighted = dock.table.item(row, ratio_column).background().color().name() == "#f8cbad"
        assert highlighted == bool(source["ratio_flag"])
    assert any(r["ratio_flag"] for r in rows[:-1]) and not all(r["ratio_flag"] for r in rows[:-1])
    assert len(dock.chart.bars) == 6


def test_click_filters_the_patch_list(plugin):
    dock = plugin.metrics
    row = next(r for r in range(dock.table.rowCount())
               if not dock.table.item(r, 0).data(0x0100).endswith("000000"))
    code = dock.table.item(row, 0).data(0x0100)
    dock.table.cellClicked.emit(row, 0)
    assert plugin.review.township.currentData() == code
    assert all(plugin.review.model.rows[plugin.review.proxy.mapToSource(plugin.review.proxy.index(r, 0)).row()]
               ["xzqdm"] == code for r in range(plugin.review.proxy.rowCount()))


def test_choropleth_layer(plugin):
    layer = plugin.metrics.add_choropleth()
    assert layer.featureCount() == 6
    assert isinstance(layer.renderer(), QgsGraduatedSymbolRenderer)
    assert all("%" in f["label"] or "-" in f["label"] for f in layer.getFeatures())
    name = layer.name()
    assert plugin.metrics.add_choropleth() is not None
    assert len(QgsProject.instance().mapLayersByName(name)) == 1  # replaced, not stacked


def test_figures_follow_saved_verdicts_and_thresholds(plugin):
    dock, review = plugin.metrics, plugin.review
    before = dock.result.rows[-1]["verified_count"]
    review.status.setCurrentIndex(review.status.findData("unverified"))
    jcbh = review.step_unverified(1)
    review.save(jcbh, {"verdict": "其他", "land_use": "其他", "lead_source": "卫片", "inspector": "测试",
                       "verify_date": "2024-06-01"})
    assert not dock.runner.idle  # the save returned at once; the figures follow in the background
    wait_for(lambda: dock.runner.idle)
    assert dock.result.rows[-1]["verified_count"] == before + 1
    dock.ratio.setValue(99.0)
    dock.save_thresholds_and_recompute()
    wait_for(lambda: dock.runner.idle)
    assert dock.result.thresholds.unlawful_cultivated_ratio == pytest.approx(0.99)
    assert not any(r["ratio_flag"] for r in dock.result.rows)
    dock.ratio.setValue(schema.UNLAWFUL_CULTIVATED_RATIO_LIMIT * 100)
    dock.save_thresholds_and_recompute()
    wait_for(lambda: dock.runner.idle)


def test_unloading_while_the_figures_are_computed(plugin_iface, demo_task):
    """The background computation outlives the dock: when it ends it must touch nothing (a deleted
    widget would crash QGIS)."""
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QCoreApplication, QEvent

    plugin = land_enforcement_plugin.classFactory(plugin_iface)
    plugin.initGui()
    plugin.dock.set_task(demo_task[0])
    assert not plugin.metrics.runner.idle
    plugin.unload()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # the docks are gone now
    wait_for(lambda: QgsApplication.taskManager().countActiveTasks() == 0)
    for _ in range(5):
        QgsApplication.processEvents()  # the finished task's callbacks
    assert plugin.metrics is None
