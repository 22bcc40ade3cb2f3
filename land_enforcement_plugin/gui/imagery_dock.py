"""Before / after imagery: the selected patch on its two images, in two synchronised map views.

The views show the patch outline and the red lines over the image nearest on or before the
patch's QSX (left) and nearest on or after its HSX (right), as core/imagery/matching.py matches them.
Panning or zooming one moves the other. F flips both views to the after image and back to the
before image (blink comparison); S overlays the two with a swipe line ([ and ] move it); Esc
returns to before | after. The raster layers are built once per task and reused from patch to
patch, so moving through the list redraws without reopening files.

The lower part manages the task's imagery (its actions are a mixin in imagery_registry.py): add
files, a folder of tiles (one VRT, tiles left in place), a saved XYZ/WMS/WMTS connection or a raster
layer of the project; edit name, role and dates in the table; remove.
"""
import time

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsFillSymbol,
    QgsRuleBasedRenderer,
    QgsVectorLayer,
)
from qgis.gui import QgsDockWidget, QgsMapCanvas, QgsMapToolPan
from qgis.PyQt.QtCore import QCoreApplication, Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor, QKeySequence, QRegion
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QShortcut,
    QSlider,
    QSplitter,
    QTableWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core import schema
from ..core.imagery import matching, render, sources
from ..core.imagery import registry as imagery
from ..core.store import open_task, task_exists
from ..core.store.sql import sql_quote
from . import background
from .imagery_registry import NO_IMAGE, REGISTRY_COLUMNS, ImageryRegistryActions
from .messages import error_text, ui_is_chinese

_SIDES = ("before", "after")


class _Views(QWidget):
    """The two canvases: side by side (equal sizes, so one extent means one scale), or stacked for
    the swipe, the after view on top showing only right of the swipe line."""

    arranged = pyqtSignal()
    GAP = 4

    def __init__(self, before, after, parent=None):
        super().__init__(parent)
        self.before, self.after = before, after
        before.setParent(self)
        after.setParent(self)
        self.line = QFrame(self)
        self.line.setStyleSheet("background-color: rgb(255, 220, 0);")
        self.line.hide()
        self.swipe = False
        self.position = 0.5
        self.setMinimumHeight(160)

    def set_swipe(self, on):
        self.swipe = bool(on)
        self.arrange()

    def set_position(self, fraction):
        self.position = min(max(fraction, 0.0), 1.0)
        if self.swipe:
            self.arrange()

    def resizeEvent(self, event):  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self.arrange()

    def arrange(self):
        width, height = self.width(), self.height()
        if self.swipe:
            self.before.setGeometry(0, 0, width, height)
            self.after.setGeometry(0, 0, width, height)
            x = min(max(round(width * self.position), 1), max(width - 1, 1))
            self.after.setMask(QRegion(x, 0, max(width - x, 1), height))
            self.after.raise_()
            self.line.setGeometry(x - 1, 0, 3, height)
            self.line.show()
            self.line.raise_()
        else:
            half = max((width - self.GAP) // 2, 1)
            self.after.clearMask()
            self.before.setGeometry(0, 0, half, height)
            self.after.setGeometry(width - half, 0, half, height)
            self.line.hide()
        self.arranged.emit()


class ImageryDock(ImageryRegistryActions, QgsDockWidget):
    message = pyqtSignal(str, int)
    patch_shown = pyqtSignal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("LandEnforcementImageryDock")
        self.setWindowTitle(self.tr("Before / after imagery"))
        self.task_path = None
        self.jcbh = None
        self.pending = None  # a patch selected while the dock was hidden
        self.registry = []
        self.rasters = {}  # source -> QgsRasterLayer, reused from patch to patch
        self.patch_layer = None
        self.redlines = []
        self.found = matching.Match(None, None, [])
        self.flipped = None  # None: before | after; "before" / "after": that image in both views
        self.last_show_seconds = None
        self.box = self.qsx = self.hsx = None
        self._syncing = False
        self._filling = False
        self._running = None
        self._opening_redlines = None  # the red lines opened in the background (a CoreTask), or None

        self.canvases = {side: self._canvas() for side in _SIDES}
        self.pan_tools = {side: QgsMapToolPan(canvas) for side, canvas in self.canvases.items()}
        for side, canvas in self.canvases.items():
            canvas.setMapTool(self.pan_tools[side])
        # Bound methods, not lambdas: PyQt drops them with the dock instead of calling a stale closure.
        self.canvases["before"].extentsChanged.connect(self._before_moved)
        self.canvases["after"].extentsChanged.connect(self._after_moved)
        self.views = _Views(self.canvases["before"], self.canvases["after"])
        self.views.arranged.connect(self._before_moved)
        self.patch_label = QLabel()
        self.labels = {side: QLabel() for side in _SIDES}
        for label in self.labels.values():
            label.setWordWrap(True)
        labels = QHBoxLayout()
        labels.addWidget(self.labels["before"], 1)
        labels.addWidget(self.labels["after"], 1)

        keys = self.tr("F: flip both views between the after and the before image; S: swipe; "
                       "[ and ]: move the swipe line; Esc: before | after; Z: frame the patch")
        self.flip_button = QToolButton()
        self.flip_button.setText(self.tr("Flip"))
        self.flip_button.setToolTip(self.tr("Show the after image in both views, then the before image, "
                                            "and so on (F, or Ctrl+Alt+F anywhere)"))
        self.flip_button.clicked.connect(self.flip)
        self.swipe_button = QToolButton()
        self.swipe_button.setText(self.tr("Swipe"))
        self.swipe_button.setCheckable(True)
        self.swipe_button.setToolTip(self.tr("One view: the before image left of the line, the after image right "
                                             "of it; drag the slider or press [ and ] (S, or Ctrl+Alt+S anywhere)"))
        self.swipe_button.toggled.connect(self.set_swipe)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 1000)
        self.slider.setValue(500)
        self.slider.setToolTip(self.tr("Where the after image starts ([ and ] move it)"))
        self.slider.valueChanged.connect(lambda value: self.views.set_position(value / 1000.0))
        self.slider.setVisible(False)
        self.zoom_button = QToolButton()
        self.zoom_button.setText(self.tr("Frame patch"))
        self.zoom_button.setToolTip(self.tr("Zoom both views back to the patch (Z)"))
        self.zoom_button.clicked.connect(self.frame_patch)
        self.chips_button = QToolButton()
        self.chips_button.setText(self.tr("Save chips…"))
        self.chips_button.setToolTip(self.tr("The patch's before and after images with outline, date and scale bar "
                                             "as PNG files (<JCBH>_before.png, <JCBH>_after.png)"))
        self.chips_button.clicked.connect(self.choose_chip_folder)
        tools = QHBoxLayout()
        for widget in (self.flip_button, self.swipe_button, self.zoom_button, self.chips_button):
            tools.addWidget(widget)
        tools.addWidget(self.slider, 1)
        tools.addStretch()
        self.views.setToolTip(keys)

        for key, slot in (("F", self.flip), ("S", self.toggle_swipe), ("Esc", self.reset_view), ("Z", self.frame_patch),
                          ("[", lambda: self.move_swipe(-0.05)), ("]", lambda: self.move_swipe(0.05))):
            QShortcut(QKeySequence(key), self.views, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for key, slot in (("Ctrl+Alt+F", self.flip), ("Ctrl+Alt+S", self.toggle_swipe)):
            QShortcut(QKeySequence(key), self, slot)

        view_part = QWidget()
        view_layout = QVBoxLayout(view_part)
        view_layout.setContentsMargins(0, 0, 0, 0)
        view_layout.addWidget(self.patch_label)
        view_layout.addLayout(labels)
        view_layout.addWidget(self.views, 1)
        view_layout.addLayout(tools)

        self.table = QTableWidget(0, len(REGISTRY_COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr("Image name"), self.tr("Phase"), self.tr("Date (from)"),
                                              self.tr("Date to (range)"), self.tr("Source")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setToolTip(self.tr("Double-click a name or a date to edit it; dates as 2024-03-15. "
                                      "An image without a date is never matched."))
        self.table.itemChanged.connect(self._item_changed)
        buttons = QHBoxLayout()
        self.add_buttons = []
        for label, slot, tip in (
                (self.tr("Add files…"), self.choose_files, self.tr("GeoTIFF or other raster files, used in place")),
                (self.tr("Add tile folder…"), self.choose_folder,
                 self.tr("A folder of tiles becomes one mosaic (VRT) beside the task; the tiles are not copied")),
                (self.tr("Add saved connection…"), self.choose_connection,
                 self.tr("An XYZ, WMS or WMTS connection saved in QGIS")),
                (self.tr("Add map layer…"), self.choose_map_layer, self.tr("A raster layer of the current project")),
                (self.tr("Unregister"), self.remove_selected, self.tr("Forget the selected image (files stay)"))):
            button = QPushButton(label)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.add_buttons.append(button)
        manage = QWidget()
        manage_layout = QVBoxLayout(manage)
        manage_layout.setContentsMargins(0, 0, 0, 0)
        manage_layout.addWidget(QLabel(self.tr("Task imagery")))
        manage_layout.addWidget(self.table, 1)
        manage_layout.addLayout(buttons)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(view_part)
        splitter.addWidget(manage)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        self.setWidget(splitter)
        self.visibilityChanged.connect(self._visibility_changed)
        self._show_labels()

    def _canvas(self):
        canvas = QgsMapCanvas()
        canvas.setCanvasColor(QColor(225, 225, 225))
        canvas.enableAntiAliasing(True)
        canvas.setCachingEnabled(True)  # flipping back and forth redraws from the cache
        canvas.setParallelRenderingEnabled(True)
        canvas.setPreviewJobsEnabled(False)
        return canvas

    # -- task ----------------------------------------------------------------------------------
    def set_task(self, path):
        """The task whose imagery and patches the views show (None: nothing)."""
        path = path or None
        if path != self.task_path:
            self.release()
            self.task_path = path
        self.jcbh = self.jcbh if path else None
        if not path or not task_exists(path):  # a new task before its first import: nothing to show yet
            self._fill_table()
            self._show_labels()
            return
        try:
            with open_task(path) as store:
                working = store.meta()["working_crs"]
                patches_uri, provider = store.uri(schema.PATCHES_LAYER), store.provider
                redlines = store.last_overlay_layers()
            self.registry = imagery.entries(path)
        except Exception as exc:  # shown, not raised: the dock must stay usable
            self.message.emit(error_text(exc), 2)
            return
        for canvas in self.canvases.values():
            canvas.setDestinationCrs(QgsCoordinateReferenceSystem(working))
        if self.patch_layer is None:
            self.patch_layer = QgsVectorLayer(patches_uri, "patches", provider)
            self._style_patches(None)
        self._open_redlines(redlines)
        self._drop_unused_rasters()
        self._fill_table()
        if self.jcbh:
            self.show_patch(self.jcbh)
        else:
            self._apply_layers()
            self._show_labels()

    def _open_redlines(self, uris):
        """The overlay's red lines as outline layers, opened in the background (the county's
        cultivated land alone takes a tenth of a second) and drawn when they are ready."""
        self._opening_redlines = background.abandoned(self._opening_redlines)
        main = QCoreApplication.instance().thread()

        def work(_feedback):
            layers = render.redline_layers(uris)
            for layer in layers:  # made here, used by the canvases of the UI thread
                layer.moveToThread(main)
            return layers

        self._opening_redlines = background.start(background.CoreTask(
            self.tr("Opening the red lines"), work, self._redlines_opened, hidden=True))

    def _redlines_opened(self, layers, error):
        self._opening_redlines = None
        if error is not None:
            self.message.emit(error_text(error), 2)
            return
        self.redlines = layers
        self._apply_layers()

    def release(self):
        """Let go of every layer (before the plugin unloads, or for another task)."""
        for canvas in self.canvases.values():
            canvas.setLayers([])
        self.rasters = {}
        self.redlines = []
        self.patch_layer = None
        self.registry = []
        self.found = matching.Match(None, None, [])
        self.jcbh = None

    def _drop_unused_rasters(self):
        wanted = {entry["source"] for entry in self.registry}
        for source in [s for s in self.rasters if s not in wanted]:
            del self.rasters[source]

    def _raster(self, entry):
        if entry is None:
            return None
        layer = self.rasters.get(entry["source"])
        if layer is None:
            layer = sources.raster_layer(entry)
            self.rasters[entry["source"]] = layer
        return layer if layer.isValid() else None

    def _style_patches(self, jcbh):
        """This patch a thick red outline, the others thin orange dashes (one renderer, both views)."""
        if self.patch_layer is None:
            return
        root = QgsRuleBasedRenderer.Rule(None)
        quoted = sql_quote(jcbh or "")
        for expression, props in ((f'"jcbh" = {quoted}',
                                   {"style": "no", "outline_color": render.OUTLINE_COLOUR, "outline_width": "0.8"}),
                                  ("ELSE", {"style": "no", "outline_color": "255,140,0", "outline_width": "0.4",
                                            "outline_style": "dash"})):
            root.appendChild(QgsRuleBasedRenderer.Rule(QgsFillSymbol.createSimple(props), 0, 0, expression))
        self.patch_layer.setRenderer(QgsRuleBasedRenderer(root))
        self.patch_layer.triggerRepaint()

    # -- a patch ---------------------------------------------------------------------------------
    def show_patch(self, jcbh):
        """Frame the patch in both views over its matched before and after images."""
        if not jcbh:
            return
        if self.isHidden():
            self.pending = jcbh
            return
        self.pending = None
        start = time.perf_counter()
        self.jcbh = jcbh
        feature = self._feature(jcbh)
        if feature is None:
            self.found = matching.Match(None, None, [])
            self._apply_layers()
            self._show_labels()
            return
        box = feature.geometry().boundingBox()
        self.qsx, self.hsx = feature["qsx"], feature["hsx"]
        self.found = matching.match(self.qsx, self.hsx, self.registry,
                                   (box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum()))
        self.box = box
        self._style_patches(jcbh)
        self._apply_layers()
        self.frame_patch()
        self._show_labels()
        self.last_show_seconds = time.perf_counter() - start
        self.patch_shown.emit(jcbh)

    def _feature(self, jcbh):
        if self.patch_layer is None or not self.patch_layer.isValid():
            return None
        quoted = sql_quote(jcbh)
        request = QgsFeatureRequest().setFilterExpression(f'"jcbh" = {quoted}')
        return next(self.patch_layer.getFeatures(request), None)

    def frame_patch(self):
        if self.jcbh is None or self.box is None:
            return
        canvas = self.canvases["before"]
        extent = render.frame(self.box, max(canvas.width(), 1), max(canvas.height(), 1))
        self._syncing = True
        try:
            for view in self.canvases.values():
                view.setExtent(extent)
        finally:
            self._syncing = False
        self._follow("before")
        for view in self.canvases.values():
            view.refresh()

    def shown_side(self, side):
        """Which image the view of side shows now (flip shows one image in both)."""
        return self.flipped or side

    def _apply_layers(self):
        images = {"before": self._raster(self.found.before), "after": self._raster(self.found.after)}
        vectors = ([self.patch_layer] if self.patch_layer is not None else []) + self.redlines
        for side, canvas in self.canvases.items():
            image = images[self.shown_side(side)]
            canvas.setLayers(vectors + ([image] if image is not None else []))

    def _show_labels(self):
        chinese = ui_is_chinese()
        if self.jcbh is None:
            self.patch_label.setText(self.tr("Select a patch in the patch review list") if self.task_path
                                     else self.tr("Open a task first"))
        else:
            self.patch_label.setText(self.tr("Patch {jcbh}: QSX {qsx}, HSX {hsx}").format(
                jcbh=self.jcbh, qsx=imagery.shown_date(self.qsx), hsx=imagery.shown_date(self.hsx)))
        for side in _SIDES:
            label = self.labels[side]
            shown = self.shown_side(side)
            entry = self.found.before if shown == "before" else self.found.after
            title = self.tr("Before") if shown == "before" else self.tr("After")
            if self.jcbh is None:
                label.setText(title)
                label.setStyleSheet("")
                continue
            if entry is None:
                date = imagery.shown_date(self.qsx if shown == "before" else self.hsx)
                text = (self.tr("No matching imagery for QSX {date}") if shown == "before"
                        else self.tr("No matching imagery for HSX {date}")).format(date=date)
                reasons = [reason.zh if chinese else reason.en for reason in self.found.reasons
                           if reason.side in (shown, None)]
                label.setText(f"{title} — {text}" + (f"\n{reasons[0]}" if reasons else ""))
                label.setStyleSheet(f"color: {NO_IMAGE.name()};")
                continue
            date = imagery.date_text(entry)
            gap = matching.gap_days(entry, self.qsx if shown == "before" else self.hsx, shown)
            text = f"{title} — {entry.get('name', '')}  {date}"
            if gap:
                text += "  " + (self.tr("({days} days before QSX)") if shown == "before"
                                else self.tr("({days} days after HSX)")).format(days=gap)
            if self._raster(entry) is None:
                text += "  " + self.tr("(cannot be read)")
            label.setText(text)
            label.setStyleSheet("font-weight: bold;" if self.flipped else "")

    # -- keeping the views together --------------------------------------------------------------
    def _before_moved(self):
        self._follow("before")

    def _after_moved(self):
        self._follow("after")

    def _follow(self, side):
        """The other view takes this one's extent (equal sizes: equal scale too)."""
        if self._syncing:
            return
        source = self.canvases[side]
        other = self.canvases["after" if side == "before" else "before"]
        if other.extent() == source.extent():
            return
        self._syncing = True
        try:
            other.setExtent(source.extent())
            other.refresh()
        finally:
            self._syncing = False

    # -- flip and swipe --------------------------------------------------------------------------
    def flip(self):
        """Both views show the after image, then the before image, and so on."""
        self.flipped = "after" if self.flipped != "after" else "before"
        self._apply_layers()
        self._show_labels()

    def reset_view(self):
        """Back to before | after, side by side."""
        self.flipped = None
        self.swipe_button.setChecked(False)
        self._apply_layers()
        self._show_labels()

    def toggle_swipe(self):
        self.swipe_button.setChecked(not self.swipe_button.isChecked())

    def set_swipe(self, on):
        self.views.set_swipe(on)
        self.slider.setVisible(on)
        self.views.set_position(self.slider.value() / 1000.0)

    def move_swipe(self, step):
        if not self.views.swipe:
            self.swipe_button.setChecked(True)
        self.slider.setValue(round(self.slider.value() + step * 1000))

    def export_chips(self, out_dir):
        """The shown patch's chips as PNG files in out_dir; returns their paths."""
        if not self.task_path or not self.jcbh:
            self.message.emit(self.tr("Select a patch in the patch review list"), 1)
            return []
        try:
            written = render.export_chips(self.task_path, self.jcbh, out_dir)
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
            return []
        if written:
            self.message.emit(self.tr("{count} image chips written to {folder}").format(count=len(written),
                                                                                       folder=out_dir), 3)
        else:
            self.message.emit(self.tr("No matching imagery for this patch: no chip written"), 1)
        return written

    def choose_chip_folder(self):
        if not self.jcbh:
            self.message.emit(self.tr("Select a patch in the patch review list"), 1)
            return
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for the image chips"))
        if folder:
            self.export_chips(folder)

    def _visibility_changed(self, visible):
        if visible and self.pending:
            self.show_patch(self.pending)

    def abandon_work(self):
        """The plugin unloads: work still running ends without calling back into this dock."""
        self._running = background.abandoned(self._running)
        self._opening_redlines = background.abandoned(self._opening_redlines)
