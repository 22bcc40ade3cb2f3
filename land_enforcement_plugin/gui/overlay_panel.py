"""Office comparison (内业比对): pick the red-line layers, run the overlay in the background."""
from qgis.core import QgsMapLayerProxyModel, QgsProject, QgsVectorLayer, QgsWkbTypes
from qgis.gui import QgsCheckableComboBox, QgsMapLayerComboBox
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ..core import schema
from ..core.ellipsoid import AreaMode
from ..core.overlay.engine_local import OverlayInputs

_SCOPE = "land_enforcement"
_ROLES = ("townships", "cultivated", "permanent_farmland", "eco_redline", "nature_reserve", "villages")


class OverlayPanel(QWidget):
    """Layer choices are remembered in the project, so a bureau sets them once per season."""

    run_requested = pyqtSignal(object)  # OverlayInputs, with layers owned by the main thread

    def __init__(self, parent=None):
        super().__init__(parent)
        self.combos = {}
        form = QFormLayout()
        labels = {"townships": self.tr("Townships (XZQDM, XZQMC)"), "cultivated": self.tr("Cultivated land"),
                  "permanent_farmland": self.tr("Permanent basic farmland"),
                  "eco_redline": self.tr("Ecological red line"),
                  "nature_reserve": self.tr("Nature reserves (optional)"), "villages": self.tr("Villages (optional)")}
        for role in _ROLES:
            combo = QgsMapLayerComboBox()
            combo.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
            combo.setAllowEmptyLayer(role != "townships")
            combo.layerChanged.connect(self._remember)
            self.combos[role] = combo
            form.addRow(labels[role], combo)
        self.approvals = QgsCheckableComboBox()
        self.approvals.checkedItemsChanged.connect(self._remember)
        form.addRow(self.tr("Approvals"), self.approvals)
        self.cultivated_codes = QLineEdit(",".join(schema.CULTIVATED_DLBM))
        self.cultivated_codes.setToolTip(self.tr("When the cultivated layer is a full land-use layer (DLBM), "
                                                 "only these codes count"))
        form.addRow(self.tr("Cultivated DLBM codes"), self.cultivated_codes)
        self.area_mode = QComboBox()
        self.area_mode.addItem(self.tr("Ellipsoidal (CGCS2000, official)"), AreaMode.ELLIPSOIDAL)
        self.area_mode.addItem(self.tr("Planar (working CRS)"), AreaMode.PLANAR)
        form.addRow(self.tr("Area"), self.area_mode)
        self.run_button = QPushButton(self.tr("Run office comparison"))
        self.run_button.clicked.connect(self._request_run)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.run_button)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._restoring = False
        QgsProject.instance().layersAdded.connect(self._refresh_approval_choices)
        QgsProject.instance().layersRemoved.connect(self._refresh_approval_choices)
        self.restore_from_project()

    def _polygon_layers(self):
        return [layer for layer in QgsProject.instance().mapLayers().values()
                if isinstance(layer, QgsVectorLayer) and layer.geometryType() == QgsWkbTypes.PolygonGeometry]

    def _refresh_approval_choices(self, *_):
        checked = set(self.approvals.checkedItemsData())
        self._restoring = True
        self.approvals.clear()
        for layer in self._polygon_layers():
            self.approvals.addItemWithCheckState(layer.name(), 2 if layer.id() in checked else 0, layer.id())
        self._restoring = False

    def restore_from_project(self, *_):
        project = QgsProject.instance()
        self._restoring = True
        for role, combo in self.combos.items():
            layer = project.mapLayer(project.readEntry(_SCOPE, f"overlay/{role}", "")[0])
            combo.setLayer(layer)
        self._restoring = False
        self._refresh_approval_choices()
        self._restoring = True
        ids = project.readListEntry(_SCOPE, "overlay/approvals", [])[0]
        self.approvals.setCheckedItems([project.mapLayer(i).name() for i in ids if project.mapLayer(i)])
        self._restoring = False

    def _remember(self, *_):
        if self._restoring:
            return
        project = QgsProject.instance()
        for role, combo in self.combos.items():
            project.writeEntry(_SCOPE, f"overlay/{role}", combo.currentLayer().id() if combo.currentLayer() else "")
        project.writeEntry(_SCOPE, "overlay/approvals", list(self.approvals.checkedItemsData()))

    def inputs(self):
        project = QgsProject.instance()
        return OverlayInputs(
            townships=self.combos["townships"].currentLayer(),
            cultivated=self.combos["cultivated"].currentLayer(),
            permanent_farmland=self.combos["permanent_farmland"].currentLayer(),
            eco_redline=self.combos["eco_redline"].currentLayer(),
            nature_reserve=self.combos["nature_reserve"].currentLayer(),
            approvals=[project.mapLayer(i) for i in self.approvals.checkedItemsData() if project.mapLayer(i)],
            villages=self.combos["villages"].currentLayer(),
            area_mode=self.area_mode.currentData(),
            cultivated_codes=tuple(c.strip() for c in self.cultivated_codes.text().split(",") if c.strip()))

    def _request_run(self):
        self.run_requested.emit(self.inputs())

    def set_running(self, running):
        self.run_button.setEnabled(not running)
