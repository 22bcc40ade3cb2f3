"""The import dialog: source file, encoding, CRS, batch and the field mapping to confirm."""
from qgis.core import QgsCoordinateReferenceSystem
from qgis.gui import QgsFileWidget, QgsProjectionSelectionWidget
from qgis.PyQt.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
                                 QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit,
                                 QMessageBox, QPushButton, QTableWidget, QVBoxLayout)

from ..core import importing, schema
from ..core.errors import LandEnforcementError
from .messages import error_text, ui_is_chinese

_SOURCE_FILTER = ("Vector (*.shp *.gpkg *.geojson *.json *.gdb);;Shapefile (*.shp);;GeoPackage (*.gpkg);;"
                  "GeoJSON (*.geojson *.json);;FileGDB (*.gdb)")


class ImportPatchesDialog(QDialog):
    """Collects ImportOptions. The task's working CRS is fixed once it exists."""

    def __init__(self, task_crs=None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Import change patches"))
        self.setObjectName("LandEnforcementImportDialog")
        self.resize(640, 620)
        self._info = None
        self._task_crs = task_crs

        self.file_widget = QgsFileWidget()
        self.file_widget.setFilter(_SOURCE_FILTER)
        self.file_widget.fileChanged.connect(self._file_changed)
        self.layer_combo = QComboBox()
        self.layer_combo.activated.connect(self._inspect)
        self.encoding_combo = QComboBox()
        for label, value in ((self.tr("Detect"), importing.ENCODING_AUTO), ("UTF-8", importing.UTF8),
                             ("GBK", importing.GBK)):
            self.encoding_combo.addItem(label, value)
        self.encoding_combo.activated.connect(self._inspect)
        self.encoding_label = QLabel()
        self.source_crs = QgsProjectionSelectionWidget()
        self.working_crs = QgsProjectionSelectionWidget()
        self.working_crs.setEnabled(task_crs is None)
        if task_crs is not None:
            self.working_crs.setCrs(QgsCoordinateReferenceSystem(task_crs))
        self.batch_edit = QLineEdit()
        self.batch_edit.setPlaceholderText(self.tr("e.g. 2024 annual, 2025Q2"))

        form = QFormLayout()
        form.addRow(self.tr("Patch file"), self.file_widget)
        form.addRow(self.tr("Layer"), self.layer_combo)
        encoding_row = QHBoxLayout()
        encoding_row.addWidget(self.encoding_combo)
        encoding_row.addWidget(self.encoding_label, 1)
        form.addRow(self.tr("Attribute encoding"), encoding_row)
        form.addRow(self.tr("Source CRS"), self.source_crs)
        form.addRow(self.tr("Working CRS"), self.working_crs)
        form.addRow(self.tr("Batch"), self.batch_edit)

        self.mapping_table = QTableWidget(len(schema.PATCH_SOURCE_FIELDS), 2)
        self.mapping_table.setHorizontalHeaderLabels([self.tr("Task field"), self.tr("Source field")])
        self.mapping_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.mapping_table.verticalHeader().setVisible(False)
        self._mapping_combos = {}
        for row, canonical in enumerate(schema.PATCH_SOURCE_FIELDS):
            required = canonical in schema.REQUIRED_SOURCE_FIELDS
            label = f"{canonical.zh if ui_is_chinese() else canonical.en} ({canonical.name.upper()})"
            self.mapping_table.setCellWidget(row, 0, QLabel(label + (" *" if required else "")))
            combo = QComboBox()
            self._mapping_combos[canonical.name] = combo
            self.mapping_table.setCellWidget(row, 1, combo)

        self.profile_combo = QComboBox()
        apply_profile = QPushButton(self.tr("Apply"))
        apply_profile.clicked.connect(self._apply_profile)
        save_profile = QPushButton(self.tr("Save as…"))
        save_profile.clicked.connect(self._save_profile)
        delete_profile = QPushButton(self.tr("Delete"))
        delete_profile.clicked.connect(self._delete_profile)
        profile_row = QHBoxLayout()
        profile_row.addWidget(QLabel(self.tr("Profile")))
        profile_row.addWidget(self.profile_combo, 1)
        for button in (apply_profile, save_profile, delete_profile):
            profile_row.addWidget(button)
        self._refresh_profiles()

        mapping_box = QGroupBox(self.tr("Field mapping (* required)"))
        mapping_layout = QVBoxLayout(mapping_box)
        mapping_layout.addWidget(self.mapping_table)
        mapping_layout.addLayout(profile_row)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Import"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(mapping_box, 1)
        layout.addWidget(self.buttons)

    # -- source inspection -------------------------------------------------------------------
    def set_source(self, path):
        self.file_widget.setFilePath(path)
        self._file_changed()

    def _file_changed(self, *_):
        """A new file: offer its polygon layers (a GeoPackage may hold several), then inspect."""
        self.layer_combo.clear()
        path = self.file_widget.filePath()
        if path:
            try:
                self.layer_combo.addItems(importing.patch_layer_names(path))
            except LandEnforcementError as exc:
                self.encoding_label.setText(error_text(exc))
                return
        self._inspect()

    def _inspect(self, *_):
        path = self.file_widget.filePath()
        if not path:
            return
        try:
            info = importing.inspect_source(path, self.layer_combo.currentText() or None,
                                            self.encoding_combo.currentData())
        except LandEnforcementError as exc:
            self._info = None
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            self.encoding_label.setText(error_text(exc))
            return
        self._info = info
        self.layer_combo.clear()
        self.layer_combo.addItems(info.layer_names)
        self.layer_combo.setCurrentText(info.layer)
        reasons = {"cpg": self.tr("from the .cpg file"), "ldid": self.tr("from the DBF header"),
                   "bytes": self.tr("detected from the text"), "ascii": self.tr("plain ASCII"),
                   "format": self.tr("format is UTF-8"), "user": self.tr("chosen")}
        self.encoding_label.setText(f"{info.encoding} ({reasons[info.encoding_reason]}), "
                                    + self.tr("{n} features").format(n=info.feature_count))
        if info.crs.isValid():
            self.source_crs.setCrs(info.crs)
        else:
            self.source_crs.setCrs(QgsCoordinateReferenceSystem())
            self.source_crs.setToolTip(self.tr("The file has no CRS: choose it"))
        if self._task_crs is None and info.crs.isValid():
            try:
                self.working_crs.setCrs(importing.suggested_working_crs(info))
            except LandEnforcementError as exc:
                self.encoding_label.setText(error_text(exc))
        if len(info.values_of_batch_field) == 1 and not self.batch_edit.text():
            self.batch_edit.setText(info.values_of_batch_field[0])
        self._fill_mapping(info.mapping)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def _fill_mapping(self, mapping):
        fields = self._info.fields if self._info else []
        for name, combo in self._mapping_combos.items():
            combo.clear()
            combo.addItem(self.tr("(not mapped)"), "")
            for source_field in fields:
                combo.addItem(source_field, source_field)
            index = combo.findData(mapping.get(name, ""))
            combo.setCurrentIndex(max(index, 0))

    def mapping(self):
        return {name: combo.currentData() for name, combo in self._mapping_combos.items() if combo.currentData()}

    # -- profiles ----------------------------------------------------------------------------
    def _refresh_profiles(self):
        self.profile_combo.clear()
        self.profile_combo.addItems(sorted(importing.mapping_profiles()))

    def _apply_profile(self):
        profile = importing.mapping_profiles().get(self.profile_combo.currentText())
        if profile is not None:
            self._fill_mapping(profile)

    def _save_profile(self):
        name, ok = QInputDialog.getText(self, self.tr("Save field mapping"), self.tr("Profile name"),
                                        text=self.profile_combo.currentText())
        if ok and name.strip():
            importing.save_mapping_profile(name.strip(), self.mapping())
            self._refresh_profiles()
            self.profile_combo.setCurrentText(name.strip())

    def _delete_profile(self):
        name = self.profile_combo.currentText()
        if name and QMessageBox.question(self, self.tr("Delete profile"),
                                         self.tr("Delete the field-mapping profile “{name}”?").format(name=name)
                                         ) == QMessageBox.StandardButton.Yes:
            importing.delete_mapping_profile(name)
            self._refresh_profiles()

    # -- result ------------------------------------------------------------------------------
    def options(self):
        source_crs = self.source_crs.crs()
        working_crs = self.working_crs.crs()
        return importing.ImportOptions(
            source_path=self.file_widget.filePath(),
            layer_name=self.layer_combo.currentText() or None,
            encoding=self.encoding_combo.currentData(),
            field_mapping=self.mapping(),
            batch=self.batch_edit.text().strip() or None,
            source_crs=(source_crs.authid() or source_crs.toWkt()) if source_crs.isValid() else None,
            working_crs=working_crs.authid() if self._task_crs is None and working_crs.isValid() else None)

    def _accept(self):
        try:
            importing.check_mapping(self.mapping(), self._info.fields if self._info else [])
        except LandEnforcementError as exc:
            QMessageBox.warning(self, self.tr("Field mapping"), error_text(exc))
            return
        if not self.source_crs.crs().isValid():
            QMessageBox.warning(self, self.tr("Source CRS"), self.tr("The file has no CRS: choose it"))
            return
        if not self.batch_edit.text().strip():
            QMessageBox.warning(self, self.tr("Batch"), self.tr("Enter the batch, e.g. 2024 annual"))
            return
        self.accept()
