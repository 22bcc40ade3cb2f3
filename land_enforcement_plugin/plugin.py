"""Wiring only: translations, Processing provider, toolbar, menu, dock. No domain logic here."""
import os

from qgis.core import Qgis, QgsApplication, QgsExpression, QgsMessageLog, QgsProject, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, Qt, QTranslator
from qgis.PyQt.QtWidgets import QAction

from . import dependencies
from .core.overlay.engine_local import township_code_field
from .gui.city_dialog import open_city_dialog
from .gui.export_dialog import ExportPackageDialog
from .gui.imagery_dock import ImageryDock
from .gui.messages import LOG_TAG, ask_user_name
from .gui.metrics_dock import MetricsDock
from .gui.review_dock import ReviewDock
from .gui.task_dock import TaskDock
from .processing.provider import LandEnforcementProvider
from .resources import icon, plugin_icon

PLUGIN_DIR = os.path.dirname(__file__)
FIRST_LAYOUT_KEY = "land_enforcement/docks_arranged"  # set once the docks had their first arrangement


def tr(text):
    # pylupdate files module-level tr() calls under @default: translate in that context.
    return QCoreApplication.translate("@default", text)


def menu_name():
    return tr("&Land enforcement")


def _translation_name(locale):
    """QGIS names Simplified Chinese zh_CN, zh-Hans or plain zh: all take the zh_CN translation."""
    locale = locale.replace("-", "_")
    if locale.startswith("zh") and not locale.startswith(("zh_TW", "zh_HK", "zh_Hant")):
        return "zh_CN"
    return locale[:5]


def _install_translator():
    """Follow QGIS's locale (its override setting first), as QGIS itself does."""
    if QgsSettings().value("locale/overrideFlag", False, type=bool):
        locale = str(QgsSettings().value("locale/userLocale", ""))
    else:
        locale = QLocale().name()
    path = os.path.join(PLUGIN_DIR, "i18n", f"land_enforcement_plugin_{_translation_name(locale)}.qm")
    if not os.path.exists(path):
        return None
    translator = QTranslator()
    if translator.load(path):
        QCoreApplication.installTranslator(translator)
        return translator
    return None


class LandEnforcementPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.translator = _install_translator()
        self.provider = None
        self.dock = None
        self.review = None
        self.metrics = None
        self.imagery = None
        self.export_dialog = None
        self.actions = []
        self.toolbar = None
        self._awaiting_start_up = False  # for QGIS's initializationCompleted, to arrange the docks once

    # Called by qgis_process too (with no iface): only the provider, nothing graphical.
    def initProcessing(self):  # noqa: N802 (QGIS API name)
        self.provider = LandEnforcementProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802 (QGIS API name)
        missing = dependencies.missing_message()
        if missing:
            # Say exactly what is missing; the features that do not need it still load.
            self.iface.messageBar().pushMessage(tr("Land enforcement"), missing, Qgis.Warning, 0)
            QgsMessageLog.logMessage(missing, LOG_TAG, Qgis.Warning)
        self.initProcessing()

        self.dock = TaskDock(self.iface.mainWindow())
        self.dock.message.connect(self._show_message)
        self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.review = ReviewDock(self.iface, self.iface.mainWindow())
        self.review.message.connect(self._show_message)
        self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.review)
        self.metrics = MetricsDock(self.iface.mainWindow())
        self.metrics.message.connect(self._show_message)
        self.iface.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.metrics)
        self.imagery = ImageryDock(self.iface.mainWindow())
        self.imagery.message.connect(self._show_message)
        self.iface.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.imagery)
        self._awaiting_start_up = not self.iface.mainWindow().isVisible()
        if self._awaiting_start_up:  # at start-up QGIS restores the saved window layout after loading plugins
            self.iface.initializationCompleted.connect(self._first_layout)
        else:  # enabled from the plugin manager: no layout is restored now
            self._first_layout()
        self.dock.task_changed.connect(self.imagery.set_task)
        self.review.patch_selected.connect(self.imagery.show_patch)
        self.dock.task_changed.connect(self.review.set_task)
        self.dock.task_changed.connect(self.metrics.set_task)
        self.review.saved.connect(lambda _jcbh: self.dock.refresh())
        self.review.saved.connect(self.metrics.recompute)
        self.review.saved.connect(self._recheck_export)
        self.metrics.township_clicked.connect(self._show_township)
        self.iface.mapCanvas().selectionChanged.connect(self.review.map_selection_changed)
        self._restore_task()
        QgsProject.instance().readProject.connect(self._restore_task)

        self.toolbar = self.iface.addToolBar(tr("Land enforcement"))
        self.toolbar.setObjectName("LandEnforcementToolbar")
        dock_action = self.dock.toggleViewAction()
        dock_action.setIcon(plugin_icon())
        dock_action.setText(tr("Land enforcement task panel"))
        self._add_action(dock_action)
        self._add_action(QAction(icon("task"), tr("Open task…"), self.iface.mainWindow()), self.dock.choose_task)
        self._add_action(QAction(icon("import"), tr("Import change patches…"), self.iface.mainWindow()),
                         self.dock.import_patches)
        review_action = self.review.toggleViewAction()
        review_action.setText(tr("Patch review panel"))
        review_action.setIcon(icon("review"))
        self._add_action(review_action)
        metrics_action = self.metrics.toggleViewAction()
        metrics_action.setText(tr("Township metrics panel"))
        metrics_action.setIcon(icon("metrics"))
        self._add_action(metrics_action)
        imagery_action = self.imagery.toggleViewAction()
        imagery_action.setText(tr("Before / after imagery panel"))
        imagery_action.setIcon(icon("imagery"))
        self._add_action(imagery_action)
        self._add_action(QAction(icon("next"), tr("Next unverified patch"), self.iface.mainWindow()),
                         lambda: self.review.step_unverified(1) and self.review.zoom_to_selected())
        self._add_action(QAction(icon("verdict"), tr("Verdict form…"), self.iface.mainWindow()), self.review.open_form)
        self._add_action(QAction(icon("package"), tr("Export submission package…"), self.iface.mainWindow()),
                         self.export_package)
        self._add_action(QAction(icon("metrics"), tr("City summary of county packages…"), self.iface.mainWindow()),
                         lambda: open_city_dialog(self.iface.mainWindow()))
        # A setting, in the menu only: the name the change history records (asked at the first save).
        name_action = QAction(tr("Your name in the change history…"), self.iface.mainWindow())
        name_action.triggered.connect(lambda _checked=False: ask_user_name(self.iface.mainWindow(), again=True))
        self.iface.addPluginToMenu(menu_name(), name_action)
        self.actions.append(name_action)

    def export_package(self):
        """The export dialog, left open (not modal) so that problems can be fixed while it shows them."""
        if not self.dock.task_path:
            self._show_message(tr("Open a task first"), Qgis.Warning)
            return None
        if self.export_dialog is not None:
            self.export_dialog.close()
        self.export_dialog = ExportPackageDialog(self.dock.task_path, self.iface.mainWindow())
        self.export_dialog.jcbh_activated.connect(self._show_patch)
        self.export_dialog.exported.connect(
            lambda path: self._show_message(tr("Submission package written: {path}").format(path=path), Qgis.Success))
        self.export_dialog.show()
        return self.export_dialog

    def _recheck_export(self, *_):
        dialog = self.export_dialog
        if dialog is not None and dialog.isVisible() and dialog.runner.idle:
            dialog.check()

    def _show_patch(self, jcbh):
        """From the export dialog's problem list: the patch in the review dock and on the map."""
        self.review.show()
        self.review.select_jcbh(jcbh)
        self.review.zoom_to_selected()

    def _restore_task(self, *_):
        self.dock.restore_from_project()
        self.review.set_task(self.dock.task_path)
        self.metrics.set_task(self.dock.task_path)
        self.imagery.set_task(self.dock.task_path)

    def _show_township(self, code):
        """From the metrics table: the township's patches in the list, the township on the map."""
        self.review.township.setCurrentIndex(max(self.review.township.findData(code), 0))
        project = QgsProject.instance()
        layer = project.mapLayer(project.readEntry("land_enforcement", "overlay/townships", "")[0])
        if layer is None:
            return
        code_field = township_code_field(layer)  # as the overlay found it (XZQDM, XZDM, …)
        if code_field is None:
            return
        layer.selectByExpression(f"{QgsExpression.quotedColumnRef(code_field)} = {QgsExpression.quotedValue(code)}")
        canvas = self.iface.mapCanvas()
        canvas.zoomToSelected(layer)
        canvas.flashFeatureIds(layer, layer.selectedFeatureIds())

    def _add_action(self, action, slot=None):
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        self.toolbar.addAction(action)
        self.iface.addPluginToMenu(menu_name(), action)
        self.actions.append(action)

    def _show_message(self, text, level):
        """The bar shows one line; a longer report goes whole to the Log Messages panel."""
        first, _, rest = text.partition("\n")
        if rest:
            QgsMessageLog.logMessage(text, LOG_TAG, Qgis.MessageLevel(level))
            first += " " + tr("(the full report is in the Log Messages panel, tab “{tag}”)").format(tag=LOG_TAG)
        self.iface.messageBar().pushMessage(tr("Land enforcement"), first, Qgis.MessageLevel(level), 10)

    def _first_layout(self):
        """The docks' first arrangement, once per profile (later QGIS restores the user's own): the
        task and review docks as tabs on the right, so that the patch list has the whole height;
        metrics and imagery as tabs at the bottom."""
        self._stop_awaiting_start_up()
        settings = QgsSettings()
        if settings.value(FIRST_LAYOUT_KEY, False, type=bool):
            return
        window = self.iface.mainWindow()
        for first, second in ((self.dock, self.review), (self.metrics, self.imagery)):
            if window.dockWidgetArea(first) == window.dockWidgetArea(second):
                window.tabifyDockWidget(first, second)
        self.dock.raise_()
        self.metrics.raise_()
        settings.setValue(FIRST_LAYOUT_KEY, True)

    def _stop_awaiting_start_up(self):
        if self._awaiting_start_up:
            self.iface.initializationCompleted.disconnect(self._first_layout)
            self._awaiting_start_up = False

    def unload(self):
        self._stop_awaiting_start_up()
        for action in self.actions:
            self.iface.removePluginMenu(menu_name(), action)
        self.actions = []
        # Work still running must not call back into deleted widgets.
        for panel in (self.dock, self.metrics, self.export_dialog):
            if panel is not None:
                panel.runner.abandon()
        for panel in (self.review, self.imagery, self.dock and self.dock.season_panel):
            if panel is not None:
                panel.abandon_work()
        if self.export_dialog is not None:
            self.export_dialog.close()
            self.export_dialog.deleteLater()
            self.export_dialog = None
        if self.toolbar is not None:
            self.toolbar.deleteLater()
            self.toolbar = None
        if self.dock is not None:
            QgsProject.instance().readProject.disconnect(self._restore_task)
            self.iface.mapCanvas().selectionChanged.disconnect(self.review.map_selection_changed)
            self.imagery.release()  # no layer outlives the plugin
            for dock in (self.dock, self.review, self.metrics, self.imagery):
                self.iface.removeDockWidget(dock)
                dock.deleteLater()
            self.dock = self.review = self.metrics = self.imagery = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
