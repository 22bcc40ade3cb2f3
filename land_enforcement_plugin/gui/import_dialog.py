"""The import dialog: source file, encoding, CRS, batch and the field mapping to confirm."""
from qgis.core import QgsCoordinateReferenceSystem
from qgis.gui import QgsFileWidget, QgsProjectionSelectionWidget
from qgis.PyQt.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QVBoxLayout,
)

from ..core import schema
from ..core.errors import LandEnforcementError
from ..core.intake import importing, profiles
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
        # Several PC values (2023Q1 … 2023Q4): one batch per value, or all into the batch typed.
        self.batch_per_pc = QRadioButton()
        self.batch_all = QRadioButton(self.tr("All into one batch (the batch above)"))
        self._batch_mode = QButtonGroup(self)
        for button in (self.batch_per_pc, self.batch_all):
            self._batch_mode.addButton(button)
            button.setVisible(False)
        self.batch_per_pc.setChecked(True)
        self._batch_mode.buttonClicked.connect(self._show_batch_note)
        self.batch_note = QLabel()
        self.batch_note.setWordWrap(True)
        self._pc_values = []

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
        form.addRow("", self.batch_per_pc)
        form.addRow("", self.batch_all)
        form.addRow("", self.batch_note)

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
        self._mapping_combos[schema.PC.name].activated.connect(self._batch_field_changed)

        self.profile_combo = QComboBox()
        self.profile_combo.currentIndexChanged.connect(self._profile_chosen)
        apply_profile = QPushButton(self.tr("Apply"))
        apply_profile.clicked.connect(self._apply_profile)
        save_profile = QPushButton(self.tr("Save as…"))
        save_profile.clicked.connect(self._save_profile)
        delete_profile = QPushButton(self.tr("Delete"))
        delete_profile.clicked.connect(self._delete_profile)
        self.delete_profile_button = delete_profile
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
        self._fill_mapping(info.mapping)
        if info.profile:
            self.profile_combo.setCurrentText(info.profile)
        self._set_batch_values(info.values_of_batch_field)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    # -- batch -------------------------------------------------------------------------------
    def _batch_field_changed(self, *_):
        if self._info is not None:
            self._set_batch_values(importing.source_batch_values(self._info, self.mapping().get(schema.PC.name)))

    def _set_batch_values(self, values):
        """The batch from the source's PC field: its one value, or the choice between one batch per
        value and all in one, with a note saying where the batch comes from."""
        previous = self._pc_values
        self._pc_values = values
        several = len(values) > 1
        for button in (self.batch_per_pc, self.batch_all):
            button.setVisible(several)
        if several:
            self.batch_per_pc.setText(self.tr("One batch per PC value: {values}").format(values="、".join(values)))
        if len(values) == 1 and (not self.batch_edit.text() or self.batch_edit.text() in previous):
            self.batch_edit.setText(values[0])
        self._show_batch_note()

    def _show_batch_note(self, *_):
        values = self._pc_values
        if len(values) == 1:
            note = self.tr("Filled from the batch field (PC) of the file: every row has {value}.").format(
                value=values[0])
        elif values and self.batch_per_pc.isChecked():
            note = self.tr("The batch field (PC) holds {n} values: each becomes a batch. The batch above is "
                           "only for rows without a PC value.").format(n=len(values))
        elif values:
            note = self.tr("The batch field (PC) holds {n} values: all rows go into the batch above.").format(
                n=len(values))
        else:
            note = self.tr("The file has no batch field (PC): type the batch.")
        self.batch_note.setText(note)

    def batch_mode(self):
        return importing.BATCH_ALL if self.batch_all.isChecked() else importing.BATCH_PER_PC

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
        self.profile_combo.addItems(sorted(profiles.mapping_profiles()))

    def _profile_chosen(self, *_):
        """A bundled profile (a province's format) can be applied, not deleted."""
        self.delete_profile_button.setEnabled(self.profile_combo.currentText() in profiles.saved_mapping_profiles())

    def _apply_profile(self):
        profile = profiles.mapping_profiles().get(self.profile_combo.currentText())
        if profile is not None:
            self._fill_mapping(profile)

    def _save_profile(self):
        ask = QInputDialog(self)
        ask.setWindowTitle(self.tr("Save field mapping"))
        ask.setLabelText(self.tr("Profile name"))
        ask.setTextValue(self.profile_combo.currentText())
        ask.setOkButtonText(self.tr("OK"))
        ask.setCancelButtonText(self.tr("Cancel"))
        name = ask.textValue() if ask.exec() else ""
        if name.strip():
            profiles.save_mapping_profile(name.strip(), self.mapping())
            self._refresh_profiles()
            self.profile_combo.setCurrentText(name.strip())

    def _delete_profile(self):
        name = self.profile_combo.currentText()
        if name and self._ask(self.tr("Delete profile"),
                              self.tr("Delete the field-mapping profile “{name}”?").format(name=name)):
            profiles.delete_mapping_profile(name)
            self._refresh_profiles()

    # -- message boxes in the UI's language ----------------------------------------------------
    # Qt's own button texts ("OK", "Yes") need Qt's translations, which a QGIS install may lack.
    def _warn(self, title, text):
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.button(QMessageBox.StandardButton.Ok).setText(self.tr("OK"))
        box.exec()

    def _ask(self, title, text):
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Yes"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("No"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

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
            batch_mode=self.batch_mode(),
            source_crs=(source_crs.authid() or source_crs.toWkt()) if source_crs.isValid() else None,
            working_crs=working_crs.authid() if self._task_crs is None and working_crs.isValid() else None)

    def _accept(self):
        try:
            profiles.check_mapping(self.mapping(), self._info.fields if self._info else [])
        except LandEnforcementError as exc:
            self._warn(self.tr("Field mapping"), error_text(exc))
            return
        if not self.source_crs.crs().isValid():
            self._warn(self.tr("Source CRS"), self.tr("The file has no CRS: choose it"))
            return
        per_pc = len(self._pc_values) > 1 and self.batch_mode() == importing.BATCH_PER_PC
        if not self.batch_edit.text().strip() and not per_pc:
            self._warn(self.tr("Batch"), self.tr("Enter the batch, e.g. 2024 annual"))
            return
        self.accept()
