"""Choosing a task in a shared PostGIS database (bureau mode), or uploading the open GeoPackage
task to one."""
import json
import os

from qgis.core import QgsProviderRegistry
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ..core.season.transfer import upload_task
from ..core.store import is_postgis
from ..core.store import postgis as postgis_store
from ..core.store.postgis_connection import location_for, parse_location
from . import background
from .messages import error_text


def saved_connections():
    """Names of the PostgreSQL connections saved in QGIS (Browser ▸ PostgreSQL)."""
    metadata = QgsProviderRegistry.instance().providerMetadata("postgres")
    return sorted(metadata.connections().keys()) if metadata is not None else []


class PostgisTaskDialog(QDialog):
    """`location` holds the chosen pg:<connection>/<schema> after exec()."""

    def __init__(self, current_task=None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("PostGIS task (bureau mode)"))
        self.setObjectName("LandEnforcementPostgisDialog")
        self.resize(620, 460)
        self.current_task = current_task
        self.location = None

        self.connection = QComboBox()
        self.connection.setEditable(True)
        self.connection.addItems(saved_connections())
        self.connection.setToolTip(self.tr("A PostgreSQL connection saved in QGIS, or service=<name> from the "
                                           "PostgreSQL service file. Passwords stay in QGIS's authentication "
                                           "database or the service file, never in the project."))
        self.list_button = QPushButton(self.tr("List tasks"))
        self.list_button.clicked.connect(self.list_tasks)
        self.tasks = QTableWidget(0, 3)
        self.tasks.setHorizontalHeaderLabels([self.tr("Schema"), self.tr("County code"), self.tr("Batches")])
        self.tasks.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.tasks.verticalHeader().setVisible(False)
        self.tasks.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tasks.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tasks.itemSelectionChanged.connect(self._task_selected)
        self.tasks.cellDoubleClicked.connect(lambda *_: self.accept_location())
        self.schema = QLineEdit()
        self.schema.setPlaceholderText(self.tr("e.g. task_370323_2024 (a new one is created by the first import)"))
        self.upload_button = QPushButton(self.tr("Upload the open GeoPackage task here"))
        self.upload_button.clicked.connect(self.upload)
        self.upload_button.setEnabled(bool(current_task) and not is_postgis(current_task)
                                      and os.path.exists(current_task or ""))
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.runner = background.Runner(self.progress, self._update_enabled)

        connection_row = QHBoxLayout()
        connection_row.addWidget(self.connection, 1)
        connection_row.addWidget(self.list_button)
        form = QFormLayout()
        form.addRow(self.tr("Connection"), connection_row)
        form.addRow(self.tr("Task schema"), self.schema)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept_location)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.tasks, 1)
        layout.addWidget(self.upload_button)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _update_enabled(self):
        idle = self.runner.idle
        for widget in (self.list_button, self.buttons, self.connection, self.schema):
            widget.setEnabled(idle)
        self.upload_button.setEnabled(idle and bool(self.current_task) and not is_postgis(self.current_task))

    def _connection(self):
        return self.connection.currentText().strip()

    def list_tasks(self):
        connection = self._connection()
        self.status.setText(self.tr("Connecting…"))
        self.runner.start(self.tr("Listing PostGIS tasks"),
                          lambda feedback: postgis_store.list_tasks(connection), self._listed)

    def _listed(self, tasks, error):
        if error is not None:
            self.status.setText(error_text(error))
            return
        self.tasks.setRowCount(len(tasks))
        for row, (name, county, batches) in enumerate(tasks):
            for column, text in enumerate((name, county, "、".join(json.loads(batches or "[]")))):
                self.tasks.setItem(row, column, QTableWidgetItem(text))
        self.status.setText(self.tr("{n} tasks in this database").format(n=len(tasks)))

    def _task_selected(self):
        rows = self.tasks.selectionModel().selectedRows()
        if rows:
            self.schema.setText(self.tasks.item(rows[0].row(), 0).text())

    def _location(self):
        try:
            location = location_for(self._connection(), self.schema.text().strip())
            parse_location(location)
        except Exception as exc:
            self.status.setText(error_text(exc))
            return None
        return location

    def accept_location(self):
        location = self._location()
        if location:
            self.location = location
            self.accept()

    def upload(self):
        location = self._location()
        if not location:
            return
        source = self.current_task
        self.status.setText(self.tr("Uploading {task}…").format(task=source))
        self.runner.start(self.tr("Uploading the task to PostGIS"),
                          lambda feedback: upload_task(source, location, feedback), self._uploaded)

    def _uploaded(self, location, error):
        if error is not None:
            self.status.setText(error_text(error))
            return
        self.location = location
        self.accept()
