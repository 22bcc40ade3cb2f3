"""The task dock: which task is open, what it holds, and what the last import reported."""
import os

from qgis.core import QgsProject, QgsVectorLayer, QgsVectorLayerJoinInfo
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core import schema
from ..core.intake import importing
from ..core.overlay.run import detached_inputs, run_overlay
from ..core.store import is_postgis, open_task, task_exists
from ..resources import icon
from . import background, styles
from .import_dialog import ImportPatchesDialog
from .messages import error_text, report_text, ui_is_chinese
from .overlay_panel import OverlayPanel
from .postgis_dialog import PostgisTaskDialog
from .season_panel import SeasonPanel

_PROJECT_SCOPE = "land_enforcement"
_PROJECT_TASK_KEY = "task_path"


class TaskDock(QgsDockWidget):
    """Shows the open task; starts imports as background tasks with progress and cancel."""

    task_changed = pyqtSignal(str)
    message = pyqtSignal(str, int)  # text, Qgis.MessageLevel; the plugin shows it in the message bar

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("LandEnforcementTaskDock")
        self.setWindowTitle(self.tr("Land enforcement task"))
        self.task_path = None
        self._exists = False

        self.path_label = QLabel(self.tr("No task open"))
        self.path_label.setWordWrap(True)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton(icon("task"), self.tr("Open task…"))
        self.open_button.clicked.connect(self.choose_task)
        self.import_button = QPushButton(icon("import"), self.tr("Import patches…"))
        self.import_button.clicked.connect(self.import_patches)
        self.postgis_button = QPushButton(self.tr("PostGIS…"))
        self.postgis_button.setToolTip(self.tr("Open a task in a shared PostGIS database, or upload this one to it"))
        self.postgis_button.clicked.connect(self.choose_postgis_task)
        self.layers_button = QPushButton(self.tr("Add to map"))
        self.layers_button.clicked.connect(self.add_layers_to_map)
        buttons = QHBoxLayout()
        for button in (self.open_button, self.postgis_button, self.import_button, self.layers_button):
            buttons.addWidget(button)

        self.values = {}
        summary_box = QGroupBox(self.tr("Task"))
        form = QFormLayout(summary_box)
        for key, label in (("county", self.tr("County")), ("batches", self.tr("Batches")),
                           ("crs", self.tr("Working CRS")), ("patches", self.tr("Patches")),
                           ("verified", self.tr("Verified")), ("version", self.tr("Schema version"))):
            self.values[key] = QLabel("-")
            form.addRow(label, self.values[key])

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_running)
        self.runner = background.Runner(self.progress, self._update_enabled, (self.cancel_button,))
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)

        report_box = QGroupBox(self.tr("Last import: validation report"))
        report_layout = QVBoxLayout(report_box)
        self.report_summary = QLabel("-")
        self.report_summary.setWordWrap(True)
        self.report_table = QTableWidget(0, 5)
        self.report_table.setHorizontalHeaderLabels(
            [self.tr("Row"), self.tr("Monitoring no."), self.tr("Result"), self.tr("Reason"),
             self.tr("Area m² before → after")])
        self.report_table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.report_table.verticalHeader().setVisible(False)
        self.report_table.setSortingEnabled(True)
        self.report_table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # file order first
        report_layout.addWidget(self.report_summary)
        report_layout.addWidget(self.report_table)

        task_page = QWidget()
        layout = QVBoxLayout(task_page)
        layout.addWidget(summary_box)
        layout.addWidget(report_box, 1)
        self.overlay_panel = OverlayPanel()
        self.overlay_panel.run_requested.connect(self.run_overlay)
        self.tabs = QTabWidget()
        self.tabs.addTab(task_page, self.tr("Task"))
        self.tabs.addTab(self.overlay_panel, self.tr("Office comparison"))
        self.season_panel = SeasonPanel()
        self.season_panel.message.connect(self.message)
        self.season_panel.changed.connect(lambda: self.task_changed.emit(self.task_path))
        self.tabs.addTab(self.season_panel, self.tr("Season"))

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.path_label)
        layout.addLayout(buttons)
        layout.addLayout(progress_row)
        layout.addWidget(self.tabs, 1)
        self.setWidget(body)
        self._update_enabled()

    # -- task --------------------------------------------------------------------------------
    def choose_task(self):
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Open or create a task database"), self.task_path or "",
            self.tr("Task database (*.gpkg)"), options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            if not path.lower().endswith(".gpkg"):
                path += ".gpkg"
            self.set_task(path)

    def choose_postgis_task(self):
        dialog = PostgisTaskDialog(self.task_path, self)
        if dialog.exec() and dialog.location:
            self.set_task(dialog.location)
        return dialog

    def set_task(self, path):
        """Open a task (an absent file becomes a new task on the first import)."""
        self.task_path = path
        QgsProject.instance().writeEntry(_PROJECT_SCOPE, _PROJECT_TASK_KEY, path)
        self.refresh()
        # A new task has nothing to show until its first import: the other docks show no task
        # rather than "task database not found" (they hear of it when the import is done).
        self.task_changed.emit(path if self._exists else "")

    def restore_from_project(self, *_):
        path, ok = QgsProject.instance().readEntry(_PROJECT_SCOPE, _PROJECT_TASK_KEY, "")
        if ok and path:
            self.task_path = path
            self.refresh()

    def refresh(self):
        self.path_label.setText(self.task_path or self.tr("No task open"))
        self.season_panel.set_task(self.task_path)
        for label in self.values.values():
            label.setText("-")
        self.report_table.setRowCount(0)
        self.report_summary.setText("-")
        self._exists = False
        if self.task_path and self._task_exists():
            try:
                store = open_task(self.task_path)
            except Exception as exc:  # shown, not raised: the dock must stay usable
                self.path_label.setText(f"{self.task_path}\n{error_text(exc)}")
                self._update_enabled()
                return
            try:
                summary = store.summary()
                issues = store.latest_import_issues()
            finally:
                store.close()
            self.values["county"].setText(" ".join(filter(None, (summary.county_code, summary.county_name))) or "-")
            self.values["batches"].setText("、".join(summary.batches) or "-")
            self.values["crs"].setText(summary.working_crs)
            self.values["patches"].setText(str(summary.patch_count))
            self.values["verified"].setText(f"{summary.verified_count} / {summary.patch_count}")
            self.values["version"].setText(str(summary.schema_version))
            self.show_issues(issues)
            counts = {kind: sum(1 for i in issues if i.severity == kind) for kind in ("rejected", "repaired", "note")}
            self.report_summary.setText(
                self.tr("{rejected} rejected, {repaired} repaired, {note} notes").format(**counts))
        elif self.task_path and not is_postgis(self.task_path) and not os.path.exists(self.task_path):
            self.path_label.setText(f"{self.task_path}\n" + self.tr("New task: created by its first import"))
        self._update_enabled()

    def _update_enabled(self):
        idle = self.runner.idle
        exists = bool(self.task_path) and self._exists
        self.open_button.setEnabled(idle)
        self.postgis_button.setEnabled(idle)
        self.import_button.setEnabled(idle and bool(self.task_path))
        self.overlay_panel.set_running(not (idle and exists))
        self.layers_button.setEnabled(exists)

    def _task_exists(self):
        """Whether the task is there yet (a new GeoPackage appears with its first import); kept
        for the buttons, since asking a PostGIS server on every repaint would be slow."""
        try:
            self._exists = task_exists(self.task_path)
        except Exception as exc:  # an unreachable server: said in the dock, not raised
            self.path_label.setText(f"{self.task_path}\n{error_text(exc)}")
            self._exists = False
        return self._exists

    def _task_crs(self):
        if not (self.task_path and self._exists):
            return None
        with open_task(self.task_path) as store:
            return store.meta()["working_crs"]

    # -- import ------------------------------------------------------------------------------
    def import_patches(self, source_path=None):
        dialog = ImportPatchesDialog(self._task_crs(), self)
        if source_path:
            dialog.set_source(source_path)
        if dialog.exec():
            self.run_import(dialog.options())

    def run_import(self, options):
        path = self.task_path

        def work(feedback):
            return importing.import_patches(path, options, feedback)

        self._start(self.tr("Importing change patches"), work, self._import_done)

    def _import_done(self, result, error):
        if error is not None:
            self.message.emit(error_text(error), 2)
            return
        self.refresh()
        self.report_summary.setText(self._summary_text(result))
        level = 1 if result.rejected else 0
        self.message.emit(self._summary_text(result), level)
        self.task_changed.emit(self.task_path)

    def _summary_text(self, result):
        return self.tr("Read {read}: {inserted} new, {updated} updated, {unchanged} unchanged, "
                       "{rejected} rejected, {repaired} geometries repaired").format(
            read=result.read, inserted=result.inserted, updated=result.updated, unchanged=result.unchanged,
            rejected=len(result.rejected), repaired=len(result.repaired))

    def show_issues(self, issues):
        zh = ui_is_chinese()
        severities = {"rejected": self.tr("Rejected"), "repaired": self.tr("Repaired"), "note": self.tr("Note")}
        self.report_table.setSortingEnabled(False)
        self.report_table.setRowCount(len(issues))
        for row, issue in enumerate(issues):
            areas = "" if issue.area_before is None else f"{issue.area_before:.2f} → {issue.area_after:.2f}"
            cells = [issue.row, issue.jcbh or "", severities.get(issue.severity, issue.severity),
                     issue.zh if zh else issue.en, areas]
            for column, value in enumerate(cells):
                item = QTableWidgetItem()
                item.setData(Qt.ItemDataRole.DisplayRole, value)
                self.report_table.setItem(row, column, item)
        self.report_table.setSortingEnabled(True)
        self.report_table.resizeColumnsToContents()

    # -- overlay -----------------------------------------------------------------------------
    def run_overlay(self, inputs):
        if inputs.townships is None:
            self.message.emit(self.tr("Choose the townships layer"), 1)
            return
        # The worker thread reads its own copies of the layers; project layers stay on this thread.
        own = detached_inputs(inputs)
        path = self.task_path

        def work(feedback):
            return run_overlay(path, own, feedback)

        self._start(self.tr("Office comparison"), work, self._overlay_done)

    def _overlay_done(self, result, error):
        if error is not None:
            self.message.emit(error_text(error), 2)
            return
        if result is None:
            self.overlay_panel.status.setText(self.tr("Cancelled: the task database is unchanged"))
            return
        self.overlay_panel.status.setText(report_text(result.lines()))
        self.message.emit(self.tr("Office comparison: {n} patches recomputed, {m} unchanged").format(
            n=result.recomputed, m=result.reused), 0)
        self.task_changed.emit(self.task_path)

    # -- running work ------------------------------------------------------------------------
    def _start(self, description, work, done):
        self.runner.start(description, work, done)

    def cancel_running(self):
        self.runner.cancel()

    # -- map ---------------------------------------------------------------------------------
    def add_layers_to_map(self):
        """The task's patches (styled by verdict, with the verdict joined in) and photo points."""
        with open_task(self.task_path) as store:
            uris = {name: store.uri(name) for name in (schema.PATCHES_LAYER, schema.PHOTOS_LAYER,
                                                       schema.VERIFICATIONS_TABLE)}
            provider = store.provider
        patches = QgsVectorLayer(uris[schema.PATCHES_LAYER], self.tr("Change patches"), provider)
        if not patches.isValid():
            self.message.emit(self.tr("Cannot load the patches layer from {path}").format(path=self.task_path), 2)
            return None
        verifications = QgsVectorLayer(uris[schema.VERIFICATIONS_TABLE], self.tr("Verification records"), provider)
        photos = styles.style_photos(QgsVectorLayer(uris[schema.PHOTOS_LAYER], self.tr("Field photos"), provider))
        QgsProject.instance().addMapLayers([verifications, photos], False)
        QgsProject.instance().addMapLayer(patches)
        join = QgsVectorLayerJoinInfo()
        join.setJoinLayer(verifications)
        join.setJoinFieldName("jcbh")
        join.setTargetFieldName("jcbh")
        join.setJoinFieldNamesSubset(["verdict"])
        join.setPrefix("")
        patches.addJoin(join)
        styles.style_patches(patches)
        QgsProject.instance().layerTreeRoot().insertLayer(0, photos)
        return patches
