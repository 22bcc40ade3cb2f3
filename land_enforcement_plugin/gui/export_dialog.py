"""The export dialog: what blocks filing (with the JCBH to go and fix), the options, and the
package built in the background with progress and cancel."""
import os

from qgis.core import QgsProject, QgsRasterLayer
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QBrush, QColor
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ..core import schema
from ..core.reports import package as submission
from ..core.reports.package_verify import verify_package
from ..core.store import open_task
from . import background
from .messages import error_text, report_text, ui_is_chinese

_BLOCKING_COLOR = QColor("#f8cbad")


class ExportPackageDialog(QDialog):
    """Checks the task, then writes the package; double-clicking a problem asks the review dock
    to show that patch (jcbh_activated)."""

    jcbh_activated = pyqtSignal(str)
    exported = pyqtSignal(str)  # path of the written package

    def __init__(self, task_path, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export submission package"))
        self.setObjectName("LandEnforcementExportDialog")
        self.resize(760, 620)
        self.task_path = task_path
        self.findings = []
        self._last_batch = None

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("Kind"), self.tr("Monitoring number"), self.tr("Problem")])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.cellDoubleClicked.connect(self._activate)
        self.recheck_button = QPushButton(self.tr("Check again"))
        self.recheck_button.clicked.connect(self.check)

        self.batch = QComboBox()
        self.batch.addItem(self.tr("Every batch"), None)
        with open_task(task_path) as store:
            for batch in store.summary().batches:
                self.batch.addItem(batch, batch)
        self.batch.currentIndexChanged.connect(self._batch_changed)
        self.encoding = QComboBox()
        for value in schema.SHAPEFILE_ENCODINGS:
            self.encoding.addItem(value, value)
        self.encoding.currentIndexChanged.connect(self.check)
        self.draft = QCheckBox(self.tr("Draft (草稿): export despite blocking problems, marked as draft"))
        self.draft.toggled.connect(self._draft_toggled)
        self.evidence = QCheckBox(self.tr("Evidence sheet PDFs for unlawful and high-priority patches"))
        self.evidence.setChecked(True)
        self.output = QgsFileWidget()
        self.output.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.output.setFilter("Zip (*.zip)")
        self.output.setFilePath(submission.default_package_name(task_path))
        self.output.fileChanged.connect(lambda _path: self._update_enabled())

        form = QFormLayout()
        form.addRow(self.tr("Batch"), self.batch)
        form.addRow(self.tr("Shapefile encoding"), self.encoding)
        form.addRow("", self.draft)
        form.addRow("", self.evidence)
        form.addRow(self.tr("Package file"), self.output)

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.runner = background.Runner(self.progress, self._update_enabled)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(self.tr("Export"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.clicked.connect(self.export)
        self.verify_button = self.buttons.addButton(self.tr("Verify a package…"),
                                                    QDialogButtonBox.ButtonRole.ActionRole)
        self.verify_button.clicked.connect(self.choose_package_to_verify)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.clicked.connect(self.cancel_or_close)

        check_row = QHBoxLayout()
        check_row.addWidget(self.summary, 1)
        check_row.addWidget(self.recheck_button)
        layout = QVBoxLayout(self)
        layout.addLayout(check_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.check()

    # -- checks ------------------------------------------------------------------------------
    def check(self):
        """Re-run the checks in the background (reading a large task takes a moment)."""
        encoding, batch = self.encoding.currentData(), self.batch.currentData()
        self.summary.setText(self.tr("Checking the task…"))
        self.runner.start(self.tr("Checking the submission package"),
                          lambda feedback: submission.check_package(self.task_path, encoding, batch), self._checked)

    def _checked(self, findings, error):
        if error is not None:
            self.summary.setText(error_text(error))
            self.findings = []
        else:
            self.findings = findings
            self._show_findings()

    def _show_findings(self):
        zh = ui_is_chinese()
        blocking = [f for f in self.findings if f.severity == submission.BLOCKING]
        self.table.setRowCount(len(self.findings))
        for row, finding in enumerate(self.findings):
            kind = self.tr("Blocking") if finding.severity == submission.BLOCKING else self.tr("Warning")
            items = [QTableWidgetItem(kind), QTableWidgetItem(finding.jcbh or ""),
                     QTableWidgetItem(finding.zh if zh else finding.en)]
            for column, item in enumerate(items):
                if finding.severity == submission.BLOCKING:
                    item.setBackground(QBrush(_BLOCKING_COLOR))
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        warnings = len(self.findings) - len(blocking)
        if blocking:
            self.summary.setText(self.tr("{b} blocking problems and {w} warnings: fix them (double-click a row to "
                                         "show the patch) or export a draft.").format(b=len(blocking), w=warnings))
        else:
            self.summary.setText(self.tr("No blocking problems; {w} warnings. Ready to export.").format(w=warnings))

    def blocking_count(self):
        return sum(1 for f in self.findings if f.severity == submission.BLOCKING)

    def _activate(self, row, _column):
        jcbh = self.table.item(row, 1).text()
        if jcbh:
            self.jcbh_activated.emit(jcbh)

    def _draft_toggled(self, draft):
        self._rename_default(not draft, self.batch.currentData())
        self._update_enabled()

    def _batch_changed(self, _index):
        self._rename_default(self.draft.isChecked(), self._last_batch)
        self._last_batch = self.batch.currentData()
        self.check()

    def _rename_default(self, old_draft, old_batch):
        """The default file name follows draft and batch unless the user typed another one."""
        if self.output.filePath() == submission.default_package_name(self.task_path, old_draft, old_batch):
            self.output.setFilePath(submission.default_package_name(self.task_path, self.draft.isChecked(),
                                                                    self.batch.currentData()))

    def _update_enabled(self):
        idle = self.runner.idle
        self.export_button.setEnabled(idle and (self.draft.isChecked() or self.blocking_count() == 0)
                                      and bool(self.output.filePath()))
        for widget in (self.batch, self.encoding, self.draft, self.evidence, self.output, self.recheck_button,
                       self.verify_button):
            widget.setEnabled(idle)
        self.cancel_button.setText(self.tr("Cancel") if not idle else self.tr("Close"))

    # -- export ------------------------------------------------------------------------------
    def options(self, overwrite=False):
        imagery = tuple(layer.clone() for layer in QgsProject.instance().mapLayers().values()
                        if isinstance(layer, QgsRasterLayer) and layer.isValid())
        return submission.PackageOptions(encoding=self.encoding.currentData(), draft=self.draft.isChecked(),
                                         evidence=self.evidence.isChecked(), overwrite=overwrite, imagery=imagery,
                                         batch=self.batch.currentData())

    def target_path(self):
        path = self.output.filePath()
        path = path if path.lower().endswith(".zip") else path + ".zip"
        return submission.draft_named(path) if self.draft.isChecked() else path

    def export(self):
        target = self.target_path()
        overwrite = False
        if os.path.exists(target):
            answer = QMessageBox.question(
                self, self.windowTitle(), self.tr("{path} exists. Replace it?").format(path=target),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
            overwrite = True
        options = self.options(overwrite)
        self.status.setText(self.tr("Writing {path}…").format(path=target))
        self.runner.start(self.tr("Exporting the submission package"),
                          lambda feedback: submission.build_package(self.task_path, target, options, feedback),
                          self._exported)

    def _exported(self, result, error):
        if error is not None:
            self.status.setText(error_text(error))
        elif result.path is None:
            self.status.setText(self.tr("Cancelled: nothing was written."))
        else:
            manifest = result.manifest
            self.status.setText(self.tr("Written {path}: {files} files, {photos} photos, {sheets} evidence sheets.")
                                .format(path=result.path, files=len(manifest["files"]) + 1,
                                        photos=manifest["counts"]["photos"],
                                        sheets=manifest["counts"]["evidence_sheets"]))
            for zh, en in result.stale_lines():  # what an interrupted export had left beside the package
                self.status.setText(self.status.text() + "\n" + (zh if ui_is_chinese() else en))
            self.exported.emit(result.path)

    # -- verify ------------------------------------------------------------------------------
    def choose_package_to_verify(self):
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Verify a submission package"),
                                              os.path.dirname(self.output.filePath()), "Zip (*.zip)")
        if path:
            self.verify(path)

    def verify(self, path):
        self.status.setText(self.tr("Verifying {path}…").format(path=path))
        self.runner.start(self.tr("Verifying the submission package"),
                          lambda feedback: verify_package(path, feedback), self._verified)

    def _verified(self, report, error):
        if error is not None:
            self.status.setText(error_text(error))
        else:
            self.status.setText(report_text(report.lines()))

    # -- running work ------------------------------------------------------------------------
    def cancel_or_close(self):
        if self.runner.idle:
            self.reject()
        else:
            self.runner.cancel()

    def closeEvent(self, event):  # noqa: N802 (Qt API name)
        self.runner.cancel()  # the task stops at its next step and leaves nothing behind
        super().closeEvent(event)

    def keyPressEvent(self, event):  # noqa: N802 (Qt API name)
        if event.key() == Qt.Key.Key_Escape and not self.runner.idle:
            self.runner.cancel()
            return
        super().keyPressEvent(event)
