"""The plugin in a (pytest-qgis) QGIS: toolbar, dock, an import run as a background task."""

import pytest
from conftest import BOWTIE, SQUARE, patch_row, running_plugin, shift, wait_for, write_patches
from qgis.core import Qgis, QgsApplication, QgsProject, QgsSettings
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QDockWidget

import land_enforcement_plugin
from land_enforcement_plugin.core.intake import importing
from land_enforcement_plugin.gui.import_dialog import ImportPatchesDialog
from land_enforcement_plugin.plugin import FIRST_LAYOUT_KEY


@pytest.fixture
def plugin(plugin_iface):
    with running_plugin(plugin_iface) as plugin:
        yield plugin


def test_plugin_registers_dock_toolbar_menu_and_provider(plugin, plugin_iface):
    assert plugin.dock in plugin_iface.mainWindow().findChildren(QDockWidget, "LandEnforcementTaskDock")
    assert plugin.review in plugin_iface.mainWindow().findChildren(QDockWidget, "LandEnforcementReviewDock")
    assert len(plugin.toolbar.actions()) == 10
    (menu_actions,) = plugin_iface.plugin_menus.values()
    assert menu_actions[:-1] == plugin.toolbar.actions()  # the menu also holds a setting: the user's name
    assert menu_actions[-1].text() in ("Your name in the change history…", "修改记录中的姓名…")
    assert QgsApplication.processingRegistry().providerById("landenforcement") is not None


def test_unload_removes_everything(plugin_iface):
    plugin = land_enforcement_plugin.classFactory(plugin_iface)
    plugin.initGui()
    plugin.unload()
    assert all(not actions for actions in plugin_iface.plugin_menus.values())
    assert QgsApplication.processingRegistry().providerById("landenforcement") is None
    assert plugin.dock is None and plugin.toolbar is None


def test_dock_imports_in_background_and_shows_report(plugin, tmp_path, task_path):
    src = write_patches(str(tmp_path / "wptb.shp"),
                        [patch_row("A1"), patch_row("BOW", wkt=BOWTIE), patch_row("A1", wkt=shift(SQUARE, 0.01))])
    dock = plugin.dock
    dock.set_task(task_path)
    assert QgsProject.instance().readEntry("land_enforcement", "task_path")[0] == task_path
    dock.run_import(importing.ImportOptions(src))
    assert not dock.progress.isHidden() and not dock.import_button.isEnabled()
    wait_for(lambda: dock.runner.idle)
    assert dock.values["patches"].text() == "2"
    assert dock.values["batches"].text() == "2024年度"
    assert dock.values["crs"].text() == "EPSG:4548"
    assert dock.report_table.rowCount() == 2
    reasons = {dock.report_table.item(r, 1).text(): dock.report_table.item(r, 2).text()
               for r in range(dock.report_table.rowCount())}
    assert set(reasons) == {"BOW", "A1"}
    assert "1 rejected" in dock.report_summary.text() or "拒绝 1" in dock.report_summary.text()
    layer = dock.add_layers_to_map()
    assert layer.featureCount() == 2


def test_dock_reports_errors_without_raising(plugin, tmp_path, task_path):
    src = write_patches(str(tmp_path / "noprj.shp"), [patch_row("A1")], epsg=None)
    messages = []
    plugin.dock.message.connect(lambda text, level: messages.append((text, level)))
    plugin.dock.set_task(task_path)
    wait_for(lambda: plugin.review.loading is None)  # the list is read in the background
    plugin.dock.run_import(importing.ImportOptions(src))
    wait_for(lambda: plugin.dock.runner.idle)
    assert messages and messages[-1][1] == 2
    assert "CRS" in messages[-1][0] or "坐标系" in messages[-1][0]


def test_import_dialog_detects_encoding_mapping_and_crs(qgis_parent, tmp_path):
    src = write_patches(str(tmp_path / "wptb.shp"), [patch_row("A1", xzqmc="南麻街道")])
    dialog = ImportPatchesDialog(None, qgis_parent)
    dialog.set_source(src)
    options = dialog.options()
    assert options.encoding == importing.ENCODING_AUTO
    assert "CP936" in dialog.encoding_label.text()
    assert options.field_mapping["jcbh"] == "JCBH" and options.field_mapping["xzqmc"] == "XZQMC"
    assert options.source_crs == "EPSG:4490"
    assert options.working_crs == "EPSG:4548"
    assert options.batch == "2024年度"
    dialog._mapping_combos["jcbh"].setCurrentIndex(0)  # (not mapped)
    assert "jcbh" not in dialog.options().field_mapping


def test_import_dialog_keeps_task_crs(qgis_parent, tmp_path):
    src = write_patches(str(tmp_path / "wptb.shp"), [patch_row("A1")])
    dialog = ImportPatchesDialog("EPSG:4527", qgis_parent)
    dialog.set_source(src)
    assert not dialog.working_crs.isEnabled()
    assert dialog.options().working_crs is None


def test_overlay_panel_remembers_layers_and_runs_in_background(plugin, tmp_path):
    from qgis.core import QgsVectorLayer

    from demodata.county import generate_county

    demo = generate_county(str(tmp_path / "demo"), size="small", seed=2)
    task = str(tmp_path / "task.gpkg")
    importing.import_patches(task, importing.ImportOptions(demo["patches"]))
    project = QgsProject.instance()
    layers = {name: QgsVectorLayer(f"{demo['redlines']}|layername={name}", name, "ogr")
              for name in ("townships", "cultivated", "pbf", "eco_redline", "approvals_nzy")}
    project.addMapLayers(list(layers.values()))
    panel = plugin.dock.overlay_panel
    panel.combos["townships"].setLayer(layers["townships"])
    panel.combos["cultivated"].setLayer(layers["cultivated"])
    panel.combos["permanent_farmland"].setLayer(layers["pbf"])
    panel.approvals.setCheckedItems(["approvals_nzy"])
    # Remembered in the project: a fresh panel restores the same choice.
    assert project.readEntry("land_enforcement", "overlay/townships")[0] == layers["townships"].id()
    panel.restore_from_project()
    assert panel.combos["permanent_farmland"].currentLayer() is layers["pbf"]
    assert panel.inputs().approvals == [layers["approvals_nzy"]]

    plugin.dock.set_task(task)
    wait_for(lambda: plugin.review.loading is None)  # the list is read in the background
    panel.run_button.click()
    assert not panel.run_button.isEnabled()
    wait_for(lambda: plugin.dock.runner.idle, timeout=60)
    assert "120" in panel.status.text() and ("亩" in panel.status.text() or " mu" in panel.status.text())
    patches = QgsVectorLayer(f"{task}|layername=patches", "p", "ogr")
    assert all(f["area_m2"] > 0 for f in patches.getFeatures())


def test_missing_package_is_named_in_the_message_bar_and_the_plugin_still_loads(plugin_iface, monkeypatch):
    from qgis.core import Qgis

    from land_enforcement_plugin import dependencies

    monkeypatch.setattr(dependencies, "read_requirements",
                        lambda path=None: ["openpyxl>=3.0", "no-such-package-xyz>=1"])
    before = len(plugin_iface.messageBar().get_messages(Qgis.Warning))
    with running_plugin(plugin_iface) as plugin:
        (message,) = plugin_iface.messageBar().get_messages(Qgis.Warning)[before:]
        assert "no-such-package-xyz" in message and "pip install" in message and "openpyxl" not in message
        assert plugin.dock is not None
        assert QgsApplication.processingRegistry().providerById("landenforcement") is not None


def test_import_dialog_offers_the_layers_of_a_multi_layer_geopackage(qgis_parent, tmp_path):
    from osgeo import ogr, osr

    path = str(tmp_path / "delivery.gpkg")
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4490)
    for name in ("wptb_2024", "wptb_2025q1"):
        layer = ds.CreateLayer(name, srs, ogr.wkbPolygon)
        layer.CreateField(ogr.FieldDefn("JCBH", ogr.OFTString))
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("JCBH", name)
        feature.SetGeometry(ogr.CreateGeometryFromWkt(SQUARE))
        layer.CreateFeature(feature)
    ds = None
    dialog = ImportPatchesDialog(None, qgis_parent)
    dialog.set_source(path)
    assert [dialog.layer_combo.itemText(i) for i in range(dialog.layer_combo.count())] == ["wptb_2024", "wptb_2025q1"]
    dialog.layer_combo.setCurrentText("wptb_2025q1")
    dialog._inspect()
    assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    assert dialog.options().layer_name == "wptb_2025q1"


def test_docks_first_arranged_as_tabs_then_left_to_the_user(plugin, plugin_iface):
    window = plugin_iface.mainWindow()
    settings = QgsSettings()
    settings.remove(FIRST_LAYOUT_KEY)
    try:
        plugin_iface.initializationCompleted.emit()  # QGIS's start-up done, its saved layout restored
        assert plugin.review in window.tabifiedDockWidgets(plugin.dock)
        assert plugin.imagery in window.tabifiedDockWidgets(plugin.metrics)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, plugin.review)  # the user moves it
        plugin._first_layout()  # a later start-up: QGIS restored the user's layout, left alone
        assert window.dockWidgetArea(plugin.review) == Qt.DockWidgetArea.LeftDockWidgetArea
        assert plugin.review not in window.tabifiedDockWidgets(plugin.dock)
    finally:
        settings.remove(FIRST_LAYOUT_KEY)


def test_failed_background_import_shows_one_line_and_logs_the_whole_traceback(plugin, plugin_iface, tmp_path,
                                                                               task_path):
    """The message bar says what went wrong in one line; the QGIS log (the plugin's tab) holds the
    traceback of the background work, to report a bug from."""
    from land_enforcement_plugin.gui.messages import LOG_TAG

    src = write_patches(str(tmp_path / "noprj.shp"), [patch_row("A1")], epsg=None)
    logged = []

    def received(message, tag, level):
        logged.append((message, tag, level))

    def tracebacks():
        return [message for message, tag, level in logged
                if tag == LOG_TAG and level == Qgis.MessageLevel.Critical and "Traceback" in message]

    shown_before = len(plugin_iface.messageBar().get_messages(Qgis.Critical))
    QgsApplication.processEvents()  # the log delivers messages queued: none of an earlier test's
    QgsApplication.messageLog().messageReceived.connect(received)
    try:
        plugin.dock.set_task(task_path)
        wait_for(lambda: plugin.review.loading is None)  # the list is read in the background
        plugin.dock.run_import(importing.ImportOptions(src))
        wait_for(lambda: plugin.dock.runner.idle and tracebacks())
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(received)
    (traceback_text,) = tracebacks()
    assert traceback_text.startswith("Importing change patches:\nTraceback (most recent call last):")
    assert "importing.py" in traceback_text and "LandEnforcementError" in traceback_text
    (shown,) = plugin_iface.messageBar().get_messages(Qgis.Critical)[shown_before:]
    assert "\n" not in shown and ("CRS" in shown or "坐标系" in shown)
