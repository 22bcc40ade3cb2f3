"""The city summary dialog (市级汇总): load the counties' packages, summarise them in the
background (progress, cancel), show the ranking, and put the counties on the map as a choropleth
of their unlawful cultivated ratio."""
import os

from qgis.core import QgsClassificationQuantile, QgsGraduatedSymbolRenderer, QgsProject, QgsStyle, QgsVectorLayer
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtGui import QBrush, QColor
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ..core.reports import city
from . import background
from .messages import error_text, ui_is_chinese

_FLAG_COLOR = QColor("#f8cbad")
_COLUMNS = ("rank", "county_code", "county_name", "patch_count", "unlawful_count", "unlawful_mu",
            "unlawful_cultivated_ratio", "ratio_flag", "interview_flag")


class CitySummaryDialog(QDialog):
    summarised = pyqtSignal(str)  # path of the city GeoPackage

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("City summary of county packages"))
        self.setObjectName("LandEnforcementCityDialog")
        self.resize(820, 640)
        self.summary = None

        self.packages = QListWidget()
        self.packages.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        add_files = QPushButton(self.tr("Add packages…"))
        add_files.clicked.connect(self.choose_packages)
        add_folder = QPushButton(self.tr("Add a folder…"))
        add_folder.clicked.connect(self.choose_folder)
        remove = QPushButton(self.tr("Remove"))
        remove.clicked.connect(self.remove_selected)
        buttons = QVBoxLayout()
        for button in (add_files, add_folder, remove):
            buttons.addWidget(button)
        buttons.addStretch(1)
        package_row = QHBoxLayout()
        package_row.addWidget(self.packages, 1)
        package_row.addLayout(buttons)

        self.output = QgsFileWidget()
        self.output.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.output.setFilter("GeoPackage (*.gpkg)")
        self.output.fileChanged.connect(lambda _path: self._update_enabled())
        form = QFormLayout()
        form.addRow(self.tr("City GeoPackage (the workbook is written beside it)"), self.output)

        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr("Rank"), self.tr("County code"), self.tr("County"),
                                              self.tr("Patches"), self.tr("Unlawful"), self.tr("Unlawful (mu)"),
                                              self.tr("Unlawful cultivated ratio"), self.tr("Over ratio"),
                                              self.tr("Warning interview")])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.runner = background.Runner(self.progress, self._update_enabled)
        self.buttons = QDialogButtonBox()
        self.run_button = self.buttons.addButton(self.tr("Summarise"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.clicked.connect(self.cancel_or_close)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("County packages (each is verified first; one that fails is listed, "
                                        "not merged)")))
        layout.addLayout(package_row, 1)
        layout.addLayout(form)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._update_enabled()

    # -- the packages -------------------------------------------------------------------------
    def add_packages(self, paths):
        present = set(self.package_paths())
        for path in paths:
            if path not in present:
                self.packages.addItem(path)
                present.add(path)
        if paths and not self.output.filePath():
            folder = paths[0] if os.path.isdir(paths[0]) else os.path.dirname(paths[0])
            self.output.setFilePath(os.path.join(folder, "city_summary.gpkg"))
        self._update_enabled()

    def package_paths(self):
        return [self.packages.item(i).text() for i in range(self.packages.count())]

    def choose_packages(self):
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("County packages"), "", "Zip (*.zip)")
        self.add_packages(paths)

    def choose_folder(self):
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder of county packages"))
        if folder:
            self.add_packages([folder])

    def remove_selected(self):
        for item in self.packages.selectedItems():
            self.packages.takeItem(self.packages.row(item))
        self._update_enabled()

    # -- the run ----------------------------------------------------------------------------------
    def _update_enabled(self):
        idle = self.runner.idle
        self.run_button.setEnabled(idle and bool(self.package_paths()) and bool(self.output.filePath()))
        self.cancel_button.setText(self.tr("Cancel") if not idle else self.tr("Close"))

    def run(self):
        gpkg = self.output.filePath()
        if not gpkg.lower().endswith(".gpkg"):
            gpkg += ".gpkg"
        xlsx = gpkg[:-5] + ".xlsx"
        paths = self.package_paths()
        self.status.setText(self.tr("Verifying and summarising {count} inputs…").format(count=len(paths)))
        self.runner.start(self.tr("City summary"),
                          lambda feedback: city.run_city_summary(paths, gpkg, xlsx, feedback=feedback),
                          lambda result, error: self._done(result, error, gpkg, xlsx))

    def _done(self, summary, error, gpkg, xlsx):
        if error is not None:
            self.status.setText(error_text(error))
            return
        if summary is None:  # cancelled before it began
            self.status.setText(self.tr("City summary cancelled; nothing was written."))
            return
        self.summary = summary
        self._fill_table(summary)
        self.status.setText(self.tr("{counties} counties merged, {failed} packages failed verification, "
                                    "{conflicts} conflicts. Written: {gpkg} and {xlsx}").format(
            counties=len(summary.county_rows()), failed=len(summary.failed), conflicts=len(summary.conflicts),
            gpkg=gpkg, xlsx=xlsx)
            + "".join(f"\n✗ {os.path.basename(f.path)}: {f.problems[0][0 if ui_is_chinese() else 1]}"
                      for f in summary.failed))
        self.show_on_map(gpkg)
        self.summarised.emit(gpkg)

    def _fill_table(self, summary):
        rows = summary.county_rows() + [summary.city_row()]
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            for column, name in enumerate(_COLUMNS):
                value = row[name]
                if name == "unlawful_cultivated_ratio":
                    text = "-" if value is None else f"{value:.1%}"
                elif name == "unlawful_mu":
                    text = f"{value:.2f}"
                elif name in ("ratio_flag", "interview_flag"):
                    text = "●" if value else ""
                else:
                    text = "" if value is None else str(value)
                item = QTableWidgetItem(text)
                if name in ("ratio_flag", "interview_flag") and value:
                    item.setBackground(QBrush(_FLAG_COLOR))
                self.table.setItem(number, column, item)
        self.table.resizeColumnsToContents()

    def show_on_map(self, gpkg):
        """The counties as a choropleth of their unlawful cultivated ratio, above every county's patches."""
        project = QgsProject.instance()
        group = project.layerTreeRoot().insertGroup(0, self.tr("City summary"))
        patches = QgsVectorLayer(f"{gpkg}|layername={city.PATCHES_LAYER}", self.tr("City patches"), "ogr")
        counties = QgsVectorLayer(f"{gpkg}|layername={city.COUNTIES_LAYER}", self.tr("Counties by unlawful "
                                                                                     "cultivated ratio"), "ogr")
        counties.setRenderer(county_choropleth(counties))
        counties.setOpacity(0.6)
        for layer in (counties, patches):
            project.addMapLayer(layer, False)
            group.addLayer(layer)
        return counties

    def cancel_or_close(self):
        if self.runner.idle:
            self.close()
        else:
            self.runner.cancel()

    def closeEvent(self, event):  # noqa: N802 (Qt API name)
        self.runner.abandon()
        super().closeEvent(event)


def open_city_dialog(parent):
    """The dialog, left open beside the map (its parent keeps it; it is deleted when closed)."""
    from qgis.PyQt.QtCore import Qt

    dialog = CitySummaryDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def county_choropleth(layer, classes=5):
    """Graduated colours (quantiles, yellow to red) of the counties' unlawful cultivated ratio."""
    renderer = QgsGraduatedSymbolRenderer("unlawful_cultivated_ratio")
    renderer.setClassificationMethod(QgsClassificationQuantile())
    renderer.updateClasses(layer, classes)
    renderer.updateColorRamp(QgsStyle.defaultStyle().colorRamp("Reds"))
    return renderer
