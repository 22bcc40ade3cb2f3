"""The imagery dock's lower part: the task's imagery registry in a table (name, phase, dates edited
in place), adding files, a folder of tiles (one VRT, built in the background), a saved XYZ/WMS/WMTS
connection or a raster layer of the project, and removing an image."""
import os

from qgis.core import QgsMapLayerType, QgsProject
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtGui import QBrush, QColor
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLineEdit,
    QTableWidgetItem,
)

from ..core.imagery import matching, sources
from ..core.imagery import registry as imagery
from . import background
from .messages import error_text, ui_is_chinese

REGISTRY_COLUMNS = ("name", "role", "date_from", "date_to", "source")
NO_IMAGE = QColor(176, 0, 32)  # an image that cannot be shown: its file is missing or unreadable

# These methods run on an ImageryDock, and Qt's tr() takes its context from the instance's class: their
# strings are looked up under "ImageryDock" (pylupdate5 files translate("Ctx", "text") calls under Ctx).
translate = QCoreApplication.translate


class ConnectionDialog(QDialog):
    """A saved XYZ or WMS/WMTS connection of QGIS, and for WMS/WMTS the layer (and tile matrix set)."""

    def __init__(self, connections, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add a saved connection"))
        self.connection = QComboBox()
        for kind, name in connections:
            self.connection.addItem(f"{kind.upper()}: {name}", (kind, name))
        self.layer = QLineEdit()
        self.layer.setPlaceholderText(self.tr("Layer identifier (WMS/WMTS only)"))
        self.matrix_set = QLineEdit()
        self.matrix_set.setPlaceholderText(self.tr("Tile matrix set (WMTS only)"))
        form = QFormLayout(self)
        form.addRow(self.tr("Connection"), self.connection)
        form.addRow(self.tr("Layer"), self.layer)
        form.addRow(self.tr("Tile matrix set"), self.matrix_set)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.connection.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _kind_changed(self, *_):
        kind = (self.connection.currentData() or ("xyz", ""))[0]
        self.layer.setEnabled(kind == "wms")
        self.matrix_set.setEnabled(kind == "wms")


class ImageryRegistryActions:
    """ImageryDock's management of the task's imagery (a mixin of ImageryDock)."""

    def _fill_table(self):
        self._filling = True
        try:
            self.table.setRowCount(len(self.registry))
            roles = (("before", translate("ImageryDock", "Before")), ("after", translate("ImageryDock", "After")),
                     ("any", translate("ImageryDock", "Any")))
            for row, entry in enumerate(self.registry):
                for column, key in enumerate(REGISTRY_COLUMNS):
                    if key == "role":
                        combo = QComboBox()
                        for value, text in roles:
                            combo.addItem(text, value)
                        combo.setCurrentIndex(max(combo.findData(entry.get("role", "any")), 0))
                        combo.currentIndexChanged.connect(lambda _i, combo=combo, source=entry["source"]:
                                                          self._edit(source, role=combo.currentData()))
                        self.table.setCellWidget(row, column, combo)
                        continue
                    item = QTableWidgetItem(str(entry.get(key) or ""))
                    item.setData(Qt.ItemDataRole.UserRole, entry["source"])
                    if key == "source":
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                        item.setToolTip(entry["source"] + (f"\n{entry['folder']}" if entry.get("folder") else ""))
                        if entry.get("provider") == "gdal" and not os.path.exists(entry["source"]):
                            item.setForeground(QBrush(NO_IMAGE))
                            item.setToolTip(translate("ImageryDock", "File not found: {path}").format(
                                path=entry["source"]))
                    if key == "date_from" and not imagery.date_text(entry):
                        item.setBackground(QBrush(QColor(255, 230, 200)))
                        item.setToolTip(translate("ImageryDock", "No date: this image is never matched"))
                    self.table.setItem(row, column, item)
        finally:
            self._filling = False

    def _item_changed(self, item):
        if self._filling:
            return
        key = REGISTRY_COLUMNS[item.column()]
        if key in ("name", "date_from", "date_to"):
            self._edit(item.data(Qt.ItemDataRole.UserRole), **{key: item.text().strip() or None})

    def _edit(self, source, **changes):
        try:
            entry = imagery.update(self.task_path, source, **changes)
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
        else:
            if {"date_from", "date_to"} & set(changes):
                self._warn_dates([entry])
        self.reload_registry()

    def _warn_dates(self, entries):
        """An image dated outside every patch's dates (a mistyped year) is kept, but said so."""
        chinese = ui_is_chinese()
        warnings = [zh if chinese else en for _name, zh, en in matching.date_warnings(self.task_path, entries)]
        if warnings:
            self.message.emit("\n".join(warnings), 1)

    def reload_registry(self):
        """Re-read the registry (after a change here or by a headless run) and redraw the patch."""
        if not self.task_path:
            return
        try:
            self.registry = imagery.entries(self.task_path)
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
            return
        self._drop_unused_rasters()
        self._fill_table()
        if self.jcbh:
            self.show_patch(self.jcbh)

    def _need_task(self):
        if not self.task_path:
            self.message.emit(translate("ImageryDock", "Open a task first"), 1)
            return False
        return True

    def _added(self, entries):
        self.reload_registry()
        undated = [entry["name"] for entry in entries if not imagery.date_text(entry)]
        if undated:
            self.message.emit(translate("ImageryDock", "Set the date of {names} in the table: an image without a date "
                                                       "is never matched").format(names=", ".join(undated)), 1)
        self._warn_dates(entries)

    def add_files(self, paths, role="any", date_from=None, date_to=None):
        if not self._need_task() or not paths:
            return []
        try:
            entries = imagery.add_files(self.task_path, paths, role, date_from, date_to)
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
            return []
        self._added(entries)
        return entries

    def choose_files(self):
        if not self._need_task():
            return
        paths, _ = QFileDialog.getOpenFileNames(
            self, translate("ImageryDock", "Imagery files"), "",
            translate("ImageryDock", "Rasters (*.tif *.tiff *.img *.jp2 *.vrt);;All files (*)"))
        self.add_files(paths)

    def add_folder(self, folder, role="any", date_from=None, date_to=None, wait=False):
        """Build the folder's VRT in the background (thousands of tiles take a while)."""
        if not self._need_task() or not folder:
            return None
        task_path = self.task_path

        def work(feedback):
            return imagery.add_tile_folder(task_path, folder, role, date_from, date_to, feedback=feedback)

        def done(entry, error):
            self._running = None
            if error is not None:
                self.message.emit(error_text(error), 2)
                return
            self.message.emit(translate("ImageryDock", "{tiles} tiles of {folder} registered as one image").format(
                tiles=entry.get("tile_count", 0), folder=folder), 3)
            self._added([entry])

        if wait:  # tests and scripts
            try:
                entry = work(None)
            except Exception as exc:
                done(None, exc)
                return None
            done(entry, None)
            return entry
        self._running = background.start(
            background.CoreTask(translate("ImageryDock", "Building the imagery mosaic"), work, done))
        return self._running

    def choose_folder(self):
        if not self._need_task():
            return
        folder = QFileDialog.getExistingDirectory(self, translate("ImageryDock", "Folder of image tiles"))
        if folder:
            self.add_folder(folder)

    def choose_connection(self):
        if not self._need_task():
            return
        connections = sources.saved_connections()
        if not connections:
            self.message.emit(translate("ImageryDock", "QGIS has no saved XYZ, WMS or WMTS connection: add one in "
                                                       "the Data Source Manager first"), 1)
            return
        dialog = ConnectionDialog(connections, self)
        if not dialog.exec():
            return
        kind, name = dialog.connection.currentData()
        try:
            entry = imagery.add_connection(self.task_path, name, kind, dialog.layer.text().strip() or None,
                                           tile_matrix_set=dialog.matrix_set.text().strip() or None)
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
            return
        self._added([entry])

    def choose_map_layer(self):
        if not self._need_task():
            return
        layers = [layer for layer in QgsProject.instance().mapLayers().values()
                  if layer.type() == QgsMapLayerType.RasterLayer and layer.providerType() in ("gdal", "wms")]
        if not layers:
            self.message.emit(translate("ImageryDock", "The project has no raster layer"), 1)
            return
        names = [layer.name() for layer in layers]
        name, ok = QInputDialog.getItem(self, translate("ImageryDock", "Add map layer"),
                                        translate("ImageryDock", "Raster layer"), names, 0, False)
        if not ok:
            return
        try:
            entry = imagery.add_layer(self.task_path, layers[names.index(name)])
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
            return
        self._added([entry])

    def remove_selected(self):
        rows = self.table.selectionModel().selectedRows()
        if not rows or not self.task_path:
            return
        source = self.registry[rows[0].row()]["source"]
        try:
            imagery.remove(self.task_path, source)
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
        self.reload_registry()
