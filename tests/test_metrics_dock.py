"""The accountability dashboard on the demo county: table, highlights, click-through, map, refresh."""
import re

import pytest
from conftest import running_plugin, wait_for
from county_delivery import COUNTY_CODE, county_delivered_task, overlay_townships
from qgis.core import QgsGraduatedSymbolRenderer, QgsProject, QgsVectorFileWriter, QgsVectorLayer

import land_enforcement_plugin
from land_enforcement_plugin.core import schema
from land_enforcement_plugin.gui.messages import ui_is_chinese


@pytest.fixture(scope="module")
def demo_task(season, tmp_path_factory):
    """The demo county delivered as provinces do (the county's code on every patch), overlaid and
    verified: (task, the demo's files)."""
    return county_delivered_task(season, str(tmp_path_factory.mktemp("county"))), season


@pytest.fixture
def plugin(plugin_iface, demo_task):
    task, demo = demo_task
    towns = QgsVectorLayer(f"{demo['redlines']}|layername=townships", "townships", "ogr")
    QgsProject.instance().addMapLayer(towns)
    QgsProject.instance().writeEntry("land_enforcement", "overlay/townships", towns.id())
    with running_plugin(plugin_iface, task) as plugin:
        wait_for(lambda: plugin.metrics.runner.idle)  # the figures are computed in the background
        yield plugin


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
    shown = [plugin.review.model.rows[plugin.review.proxy.mapToSource(plugin.review.proxy.index(r, 0)).row()]
             for r in range(plugin.review.proxy.rowCount())]
    # The delivered XZQDM is the county's on every patch: the list follows the overlay's township.
    assert shown and all(row[schema.TOWNSHIP_CODE.name] == code and row["xzqdm"] == COUNTY_CODE for row in shown)
    assert len(shown) == sum(1 for c, _ in overlay_townships(plugin.dock.task_path).values() if c == code)


def test_choropleth_layer(plugin):
    layer = plugin.metrics.add_choropleth()
    assert layer.featureCount() == 6
    assert isinstance(layer.renderer(), QgsGraduatedSymbolRenderer)
    assert all("%" in f["label"] or "-" in f["label"] for f in layer.getFeatures())
    name = layer.name()
    assert plugin.metrics.add_choropleth() is not None
    assert len(QgsProject.instance().mapLayersByName(name)) == 1  # replaced, not stacked


def test_choropleth_is_named_in_the_ui_language_only(plugin):
    from land_enforcement_plugin.gui.metrics_dock import CHOROPLETH_NAMES

    name = plugin.metrics.add_choropleth().name()
    assert name == (CHOROPLETH_NAMES[0] if ui_is_chinese() else CHOROPLETH_NAMES[1])
    assert not (re.search("[A-Za-z]", name) and re.search("[\u4e00-\u9fff]", name))  # one language


def townships_with_code_field(demo_task, tmp_path, name):
    """The demo county's townships copied to a GeoPackage with their XZQDM field renamed `name`."""
    towns = QgsVectorLayer(f"{demo_task[1]['redlines']}|layername=townships", "townships", "ogr")
    path = str(tmp_path / f"towns_{name}.gpkg")
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    QgsVectorFileWriter.writeAsVectorFormatV3(towns, path, QgsProject.instance().transformContext(), options)
    renamed = QgsVectorLayer(path, "乡镇", "ogr")
    code = renamed.fields().indexOf(next(n for n in renamed.fields().names() if n.upper() == "XZQDM"))
    assert renamed.dataProvider().renameAttributes({code: name})
    return QgsVectorLayer(path, "乡镇", "ogr")


def test_townships_layer_with_an_xzdm_code_field(plugin, demo_task, tmp_path):
    """A townships layer spelling its code field XZDM (as the overlay accepts) makes the map too."""
    renamed = townships_with_code_field(demo_task, tmp_path, "XZDM")
    assert "XZDM" in renamed.fields().names()
    layer = plugin.metrics.add_choropleth(renamed)
    assert layer.featureCount() == 6


def test_townships_layer_without_a_code_field_is_named_in_a_message(plugin, demo_task, tmp_path):
    """A townships layer with no code field in any spelling the overlay accepts: no map, and a message
    naming the layer and the spellings looked for (not a traceback)."""
    renamed = townships_with_code_field(demo_task, tmp_path, "DM")
    messages = []
    plugin.metrics.message.connect(lambda text, level: messages.append((text, level)))
    assert plugin.metrics.add_choropleth(renamed) is None
    [(text, level)] = messages
    assert level == 1 and "乡镇" in text and "XZQDM" in text and "XZDM" in text


def test_thresholds_are_blank_before_a_task_is_open(plugin_iface):
    with running_plugin(plugin_iface) as plugin:
        dock = plugin.metrics
        dock.set_task(None)
        for box in (dock.ratio, dock.pbf, dock.general):
            assert box.text() == "—" and not box.isEnabled()  # not 0.00, which would read as a threshold


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
    wait_for(lambda: plugin.review.loading is None)  # the list is read in the background
    assert not plugin.metrics.runner.idle
    plugin.unload()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # the docks are gone now
    wait_for(lambda: QgsApplication.taskManager().countActiveTasks() == 0)
    for _ in range(5):
        QgsApplication.processEvents()  # the finished task's callbacks
    assert plugin.metrics is None
