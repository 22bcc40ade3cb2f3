"""The review dock: the patch list (filter, sort, counts), next unverified, zoom, the verdict form."""

from qgis.core import QgsProject
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, QSize, QSortFilterProxyModel, Qt, pyqtSignal
from qgis.PyQt.QtGui import QBrush, QColor, QIcon, QKeySequence, QPixmap
from qgis.PyQt.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QHBoxLayout, QLabel,
                                 QInputDialog, QLineEdit, QListView, QListWidget, QListWidgetItem, QMenu, QMessageBox,
                                 QPushButton,
                                 QShortcut,
                                 QTableView, QToolButton, QVBoxLayout, QWidget)

from ..core.overlay import conformity
from ..core.review import fieldwork, photos, states as review_states, templates, verification
from ..core import schema
from ..core.season import plan as season
from ..core.errors import LandEnforcementError
from ..core.store import VerificationConflict, open_task
from . import background
from .case_panel import CasePanel
from .combos import refill_choices
from .messages import error_text, report_text, sheets_destination, ui_is_chinese
from .task_layers import task_table
from .verdict_form import VerdictForm

_COLUMNS = ("jcbh", "township", "area_mu", "verdict", "suggested_verdict", "high_priority", "photo_count", "rect_status",
            "inspector", "batch", "assignee", "repeat_of", "review_state", "conformity")


class PatchListModel(QAbstractTableModel):
    """All patches of the task, read once per refresh: sorting and filtering stay in memory,
    so 20,000 rows scroll smoothly."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows = []
        self.labels = {}  # what is said instead of a township or an area, in the UI's language (per load)
        self.headers = [self.tr("Monitoring no."), self.tr("Township"), self.tr("Area (mu)"), self.tr("Verdict"),
                        self.tr("Suggested"), self.tr("Priority"), self.tr("Photos"), self.tr("Rectification"),
                        self.tr("Inspector"), self.tr("Batch"), self.tr("Assignee"), self.tr("Repeat of"),
                        self.tr("Review state"), self.tr("Planning")]

    def load(self, rows):
        self.beginResetModel()
        language = 0 if ui_is_chinese() else 1
        self.labels = {labels: labels[language] for labels in (schema.UNPLACED_TOWNSHIP, schema.NOT_OVERLAID,
                                                                 schema.NEEDS_OVERLAY)}
        self.rows = [self._shown(r) for r in rows]
        self.endResetModel()

    def replace(self, row):
        """One patch's row read again (after its verdict was saved), in place: the list keeps its
        order, filter and scroll position."""
        number = next((i for i, old in enumerate(self.rows) if old["jcbh"] == row["jcbh"]), None)
        if number is None:
            return
        self.rows[number] = self._shown(row)
        self.dataChanged.emit(self.index(number, 0), self.index(number, len(_COLUMNS) - 1))

    def _shown(self, row):
        """The row as listed: the overlay's township (the delivered XZQMC is often the county's),
        or why there is none; no area while the patch needs the overlay."""
        overlaid = row["area_m2"] is not None
        place = row[schema.TOWNSHIP_NAME.name] or self.labels[schema.UNPLACED_TOWNSHIP if overlaid
                                                             else schema.NOT_OVERLAID]
        return dict(row, area_mu=row["area_m2"] / schema.M2_PER_MU if overlaid else None, needs_overlay=not overlaid,
                    township=place, township_key=row[schema.TOWNSHIP_CODE.name] or place)

    def rowCount(self, parent=QModelIndex()):  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802 (Qt API)
        return len(_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 (Qt API)
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        """Sorted here in one Python sort: a proxy sort would call data() ~300,000 times for 20,000 rows."""
        name = _COLUMNS[column]
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(key=lambda row: (row.get(name) is None, row.get(name) if row.get(name) is not None else 0),
                       reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        row = self.rows[index.row()]
        column = _COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = row.get(column)
            if column == "area_mu":
                return self.labels[schema.NEEDS_OVERLAY] if value is None else f"{value:.2f}"
            if column == "high_priority":
                return "★" if value else ""
            return value
        if role == Qt.ItemDataRole.ToolTipRole and column == "jcbh":
            return row["jcbh"]  # whole, however narrow the column
        if role == Qt.ItemDataRole.ToolTipRole and column == "review_state":
            return row.get("review_opinion")  # the county's reason for a return, its opinion on approval
        if role == Qt.ItemDataRole.BackgroundRole and row.get("verdict") == schema.Verdict.UNLAWFUL.value:
            return QBrush(QColor(250, 225, 225))
        if role == Qt.ItemDataRole.BackgroundRole and row["needs_overlay"]:
            return QBrush(QColor(255, 242, 204))
        return None

    def jcbh_width(self, metrics):
        """Pixels the longest monitoring number needs (the distinguishing digits are at its end)."""
        # Measured only among the longest in characters: 20,000 measures would hold the UI thread.
        most = max((len(row["jcbh"]) for row in self.rows), default=0)
        longest = max((row["jcbh"] for row in self.rows if len(row["jcbh"]) >= most - 2),
                      key=metrics.horizontalAdvance, default="")
        return metrics.horizontalAdvance(longest) + 16  # the cell's margins


class PatchFilter(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.township = None
        self.verdict = None
        self.status = None  # "verified" / "unverified"
        self.priority_only = False
        self.photos_only = False
        self.batch = None
        self.review_state = None
        self.text = ""

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        self.sourceModel().sort(column, order)  # the proxy keeps the model's order

    def update(self, **criteria):
        for key, value in criteria.items():
            setattr(self, key, value)
        self.invalidateFilter()

    def filterAcceptsRow(self, source_row, source_parent):  # noqa: N802 (Qt API)
        return self.accepts(self.sourceModel().rows[source_row])

    def accepts(self, row):
        if self.township and row["township_key"] != self.township:
            return False
        if self.batch and row.get("batch") != self.batch:
            return False
        if self.verdict and row.get("verdict") != self.verdict:
            return False
        if self.status == "verified" and not row.get("verdict"):
            return False
        if self.status == "unverified" and row.get("verdict"):
            return False
        if self.priority_only and not row.get("high_priority"):
            return False
        if self.photos_only and not row.get("photo_count"):
            return False
        if self.review_state and row.get("review_state_value") != self.review_state:
            return False
        return not self.text or self.text.upper() in row["jcbh"].upper()


class PhotoStrip(QListWidget):
    """Thumbnails of the selected patch's photos; photo files dropped here are attached to it."""

    files_dropped = pyqtSignal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(96, 72))
        self.setMaximumHeight(120)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)

    def show_photos(self, task_path, rows):
        self.clear()
        for row in rows:
            path = photos.photo_path(task_path, row["file"])
            item = QListWidgetItem(QIcon(QPixmap(path).scaled(96, 72, Qt.AspectRatioMode.KeepAspectRatio)),
                                   (row["taken_at"] or "")[:16].replace("T", " "))
            item.setToolTip("\n".join(filter(None, [row["file"], row["warnings"]])))
            if row["warnings"]:
                item.setForeground(QBrush(QColor(176, 0, 32)))
            self.addItem(item)

    def dragEnterEvent(self, event):  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event):  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):  # noqa: N802 (Qt API)
        paths = [url.toLocalFile() for url in event.mimeData().urls()
                 if url.toLocalFile().lower().endswith(photos.PHOTO_SUFFIXES)]
        if paths:
            self.files_dropped.emit(paths)
            event.acceptProposedAction()


def _with_rows(task_path, result):
    """(result, the review list's rows read afterwards, with their 处理状态 and conformity):
    background work hands the dock its list already read, so the UI thread only shows it."""
    store = open_task(task_path)
    try:
        return result, _with_review(store, store.review_rows())
    finally:
        store.close()


class ReviewDock(QgsDockWidget):
    message = pyqtSignal(str, int)
    patch_selected = pyqtSignal(str)
    saved = pyqtSignal(str)

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.iface = iface
        self.setObjectName("LandEnforcementReviewDock")
        self.setWindowTitle(self.tr("Patch review"))
        self.task_path = None
        self._syncing = False
        self.model = PatchListModel(self)
        self.proxy = PatchFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # Qt's default would be descending
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # 1405…0123, not 1405242023…
        self.table.selectionModel().selectionChanged.connect(self._list_selection_changed)
        self.table.doubleClicked.connect(lambda _: self.open_form())

        self.township = QComboBox()
        self.batch = QComboBox()
        self.batch.currentIndexChanged.connect(self._filter)
        self.verdict = QComboBox()
        self.verdict.addItem(self.tr("All verdicts"), None)
        for member in schema.Verdict:
            self.verdict.addItem(member.zh, member.value)
        self.status = QComboBox()
        for label, value in ((self.tr("All"), None), (self.tr("Not verified"), "unverified"),
                             (self.tr("Verified"), "verified")):
            self.status.addItem(label, value)
        self.review_state = QComboBox()
        self.review_state.addItem(self.tr("All review states"), None)
        for member in schema.ReviewState:
            self.review_state.addItem(member.zh, member.value)
        self.review_state.currentIndexChanged.connect(self._filter)
        self.priority = QCheckBox(self.tr("High priority"))
        self.has_photos = QCheckBox(self.tr("Has photos"))
        self.has_photos.toggled.connect(self._filter)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Monitoring no. contains…"))
        self.township.currentIndexChanged.connect(self._filter)
        self.verdict.currentIndexChanged.connect(self._filter)
        self.status.currentIndexChanged.connect(self._filter)
        self.priority.toggled.connect(self._filter)
        self.search.textChanged.connect(self._filter)
        self.count = QLabel()

        buttons = QHBoxLayout()
        for label, slot, key in ((self.tr("◀ Previous unverified"), lambda: self.step_unverified(-1), "Ctrl+Alt+Left"),
                                 (self.tr("Next unverified ▶"), lambda: self.step_unverified(1), "Ctrl+Alt+Right"),
                                 (self.tr("Zoom"), self.zoom_to_selected, "Ctrl+Alt+Z"),
                                 (self.tr("Verdict…"), self.open_form, "Ctrl+Alt+V"),
                                 (self.tr("Case…"), self.open_case_panel, "Ctrl+Alt+C")):
            button = QPushButton(label)
            button.setToolTip(key)
            button.clicked.connect(slot)
            QShortcut(QKeySequence(key), self, slot)
            buttons.addWidget(button)

        filters = QHBoxLayout()
        for widget in (self.township, self.batch, self.verdict, self.status, self.review_state, self.priority,
                       self.has_photos):
            filters.addWidget(widget)
        self.thumbnails = PhotoStrip()
        self.thumbnails.files_dropped.connect(self.attach_files)
        attach = QPushButton(self.tr("Attach photos…"))
        attach.clicked.connect(self.choose_photos)
        match = QPushButton(self.tr("Match a photo folder…"))
        match.clicked.connect(self.choose_photo_folder)
        self.photo_distance = QDoubleSpinBox()
        self.photo_distance.setRange(1, 100000)
        self.photo_distance.setSuffix(" m")
        self.photo_distance.setToolTip(self.tr("Photos farther than this from their patch are flagged"))
        self.photo_distance.editingFinished.connect(self._save_photo_distance)
        photo_buttons = QHBoxLayout()
        photo_buttons.addWidget(attach)
        photo_buttons.addWidget(match)
        photo_buttons.addWidget(QLabel(self.tr("Flag beyond")))
        photo_buttons.addWidget(self.photo_distance)
        export_sheets = QPushButton(self.tr("Export township sheets…"))
        export_sheets.clicked.connect(self.export_sheets)
        import_sheet = QPushButton(self.tr("Import returned sheet…"))
        import_sheet.clicked.connect(self.choose_sheet)
        export_field = QPushButton(self.tr("Export QField projects…"))
        export_field.clicked.connect(self.export_field_projects)
        merge_field = QPushButton(self.tr("Merge QField package…"))
        merge_field.clicked.connect(self.choose_field_package)
        assign = QPushButton(self.tr("Assign to…"))
        assign.setToolTip(self.tr("Assign the selected patch to a person of the roster (an exception to the "
                                  "township rule); recorded in the audit log"))
        assign.clicked.connect(self.choose_assignee)
        sheet_buttons = QHBoxLayout()
        for button in (export_sheets, import_sheet, export_field, merge_field, assign, self._review_button()):
            sheet_buttons.addWidget(button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(filters)
        layout.addWidget(self.search)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addWidget(self.thumbnails)
        layout.addLayout(photo_buttons)
        layout.addLayout(sheet_buttons)
        self.setWidget(body)
        self._running = None
        self.case_panel = None  # the open case panel (CasePanel), kept alive while shown

    # -- data --------------------------------------------------------------------------------
    def set_task(self, path):
        self.task_path = path
        self.refresh()

    def refresh(self, rows=None):
        """The list read again from the task; `rows` (_with_rows: read by background work) spares
        the UI thread the read."""
        if rows is None:
            rows = self._read_rows()
        selected = self.selected_jcbh()
        if self.task_path and rows:
            store = open_task(self.task_path)
            try:
                self.photo_distance.setValue(photos.task_photo_distance(store))
            finally:
                store.close()
        self.model.load(rows)
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())  # keep the user's order
        self.table.setColumnWidth(0, self.model.jcbh_width(self.table.fontMetrics()))
        # The overlay's townships by code, then the patches without one (未落乡镇 / 未比对).
        places = {(not r[schema.TOWNSHIP_CODE.name], r["township_key"], r["township"]) for r in self.model.rows}
        refill_choices(self.township, self.tr("All townships"),
                       [(name if unplaced else f"{name} {key}", key) for unplaced, key, name in sorted(places)])
        refill_choices(self.batch, self.tr("All batches"),
                [(batch, batch) for batch in sorted({r["batch"] for r in rows if r.get("batch")})])
        self._filter()
        if selected:
            self.select_jcbh(selected)

    def _read_rows(self):
        if not self.task_path:
            return []
        try:
            store = open_task(self.task_path)
        except Exception as exc:  # shown, not raised: the dock must stay usable
            self.message.emit(error_text(exc), 2)
            return []
        try:
            return _with_review(store, store.review_rows())
        finally:
            store.close()

    def _filter(self, *_):
        self.proxy.update(township=self.township.currentData(), verdict=self.verdict.currentData(),
                          status=self.status.currentData(), priority_only=self.priority.isChecked(),
                          photos_only=self.has_photos.isChecked(), batch=self.batch.currentData(),
                          review_state=self.review_state.currentData(), text=self.search.text().strip())
        shown_rows = [row for row in self.model.rows if self.proxy.accepts(row)]
        shown = len(shown_rows)
        verified = sum(1 for row in shown_rows if row.get("verdict"))
        self.count.setText(self.tr("{shown} shown of {total}; {verified} verified, {left} not yet").format(
            shown=shown, total=len(self.model.rows), verified=verified, left=shown - verified))

    # -- selection ---------------------------------------------------------------------------
    def selected_jcbh(self):
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.model.rows[self.proxy.mapToSource(rows[0]).row()]["jcbh"]

    def select_jcbh(self, jcbh):
        for proxy_row in range(self.proxy.rowCount()):
            source = self.proxy.mapToSource(self.proxy.index(proxy_row, 0)).row()
            if self.model.rows[source]["jcbh"] == jcbh:
                self.table.selectRow(proxy_row)
                self.table.scrollTo(self.proxy.index(proxy_row, 0))
                return True
        return False

    def step_unverified(self, direction):
        """Move to the previous / next patch without a verdict, in the list's current order."""
        count = self.proxy.rowCount()
        if not count:
            return None
        current = self.table.selectionModel().selectedRows()
        start = current[0].row() if current else (-1 if direction > 0 else count)
        row = start + direction
        while 0 <= row < count:
            if not self.model.rows[self.proxy.mapToSource(self.proxy.index(row, 0)).row()].get("verdict"):
                self.table.selectRow(row)
                self.table.scrollTo(self.proxy.index(row, 0))
                return self.selected_jcbh()
            row += direction
        self.message.emit(self.tr("No more unverified patches in this direction"), 0)
        return None

    def patches_layer(self):
        """The task's patches layer if it is in the project."""
        for layer in QgsProject.instance().mapLayers().values():
            if task_table(layer, self.task_path) == schema.PATCHES_LAYER:
                return layer
        return None

    def _list_selection_changed(self, *_):
        jcbh = self.selected_jcbh()
        if jcbh is None or self._syncing:
            return
        self.show_photos(jcbh)
        self._select_on_map(jcbh)
        self.patch_selected.emit(jcbh)

    def _select_on_map(self, jcbh):
        layer = self.patches_layer()
        if layer is not None:
            self._syncing = True
            layer.selectByExpression(f"\"jcbh\" = '{jcbh}'")
            self._syncing = False

    def map_selection_changed(self, layer):
        """Selecting a patch on the map selects it in the list."""
        if self._syncing or layer is not self.patches_layer():
            return
        features = layer.selectedFeatures()
        if features:
            jcbh = features[0]["jcbh"]
            self._syncing = True
            self.select_jcbh(jcbh)
            self._syncing = False
            self.show_photos(jcbh)  # photos and imagery follow a patch picked on the map too
            self.patch_selected.emit(jcbh)

    def zoom_to_selected(self):
        layer = self.patches_layer()
        if layer is None or self.iface is None or not layer.selectedFeatureIds():
            return
        canvas = self.iface.mapCanvas()
        canvas.zoomToSelected(layer)
        canvas.zoomByFactor(1.5)
        canvas.flashFeatureIds(layer, layer.selectedFeatureIds())

    # -- photos ------------------------------------------------------------------------------
    def show_photos(self, jcbh):
        store = open_task(self.task_path)
        try:
            rows = store.photos(jcbh)
            photos.fetch_missing(self.task_path, store, rows)
        finally:
            store.close()
        self.thumbnails.show_photos(self.task_path, rows)

    def _save_photo_distance(self):
        if not self.task_path:
            return
        store = open_task(self.task_path)
        try:
            if photos.task_photo_distance(store) != self.photo_distance.value():
                photos.set_task_photo_distance(store, self.photo_distance.value())
        finally:
            store.close()

    def choose_photos(self):
        if self.selected_jcbh() is None:
            self.message.emit(self.tr("Select a patch first"), 1)
            return
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Attach photos"), "",
                                                self.tr("Photos (*.jpg *.jpeg *.png *.tif *.tiff *.heic)"))
        if paths:
            self.attach_files(paths)

    def attach_files(self, paths):
        """Photos picked or dropped: attached to the selected patch."""
        jcbh = self.selected_jcbh()
        if jcbh is None:
            self.message.emit(self.tr("Select a patch first"), 1)
            return
        self._attach({jcbh: list(paths)})

    def choose_photo_folder(self):
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder of photos named by monitoring number"))
        if not folder:
            return
        jcbhs = {row["jcbh"] for row in self.model.rows}

        def work(feedback):
            return photos.attach_photos(self.task_path, photos.match_folder(folder, jcbhs), feedback=feedback)

        self._run(self.tr("Attaching photos"), work)

    def abandon_work(self):
        """The plugin unloads: work still running ends without calling back into this dock."""
        self._running = background.abandoned(self._running)

    def _attach(self, by_jcbh):
        path = self.task_path
        self._run(self.tr("Attaching photos"), lambda feedback: photos.attach_photos(path, by_jcbh, feedback=feedback))

    def _run(self, description, work, done=None):
        """work(feedback) in the background; done(result, error) (by default: photos attached) after."""
        task = background.CoreTask(description, work, done or self._attached)
        self._running = task
        return background.start(task)

    def _attached(self, result, error):
        self._running = None
        if error is not None:
            self.message.emit(error_text(error), 2)
            return
        text = self.tr("{added} photos attached, {skipped} already there").format(
            added=result.added, skipped=result.skipped)
        if result.refused:
            text += self.tr(", {refused} files refused or not matched").format(refused=len(result.refused))
        text += "".join("\n" + line for line in result.lines(ui_is_chinese()))
        self.message.emit(text, 1 if result.warnings or result.refused else 0)
        self.refresh()
        self.reload_task_layers()
        if self.selected_jcbh():
            self.show_photos(self.selected_jcbh())

    # -- spreadsheets ------------------------------------------------------------------------
    def export_sheets(self, folder=None, chips=None):
        """One sheet per township, written in the background. When the task has imagery, asks
        whether each row should show the patch's before/after image chips (slower)."""
        chosen = sheets_destination(self, self.task_path, self.tr("Folder for the township sheets"), folder, chips)
        if chosen is None:
            return None
        (folder, chips), path = chosen, self.task_path

        def written(paths, error):
            self._running = None
            if error is not None:
                self.message.emit(error_text(error), 2)
                return
            self.message.emit(self.tr("{n} township sheets written to {folder}").format(n=len(paths), folder=folder), 0)

        return self._run(self.tr("Writing township sheets"),
                         lambda feedback: templates.export_templates(path, folder, chips=chips, feedback=feedback),
                         written)

    def choose_sheet(self):
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Returned verification sheet"), "",
                                              self.tr("Spreadsheets (*.xlsx *.xlsm *.csv);;All files (*)"))
        if path:
            self.import_sheet(path)

    def import_sheet(self, path, confirm_partial=None, accept_partial=False):
        """All or nothing, in the background; when rows are rejected the report is shown and the
        user may accept the valid rows (confirm_partial(result) -> bool; by default a question
        box), imported by a second background run. Returns the running task."""
        task_path = self.task_path

        def imported(outcome, error):
            self._running = None
            if error is not None:
                self.message.emit(error_text(error), 2)
                return
            result, rows = outcome
            if result.rejected and result.accepted and not accept_partial:
                if (confirm_partial or self._ask_partial)(result):
                    self.import_sheet(path, confirm_partial, accept_partial=True)
                    return
            self.message.emit(report_text(result.lines()[:12]), 1 if result.rejected else 0)
            self.refresh(rows)
            self.reload_task_layers()
            self.saved.emit("")

        return self._run(self.tr("Importing the verification sheet"), lambda feedback: _with_rows(
            task_path, verification.import_spreadsheet(task_path, path, accept_partial=accept_partial,
                                                       feedback=feedback)), imported)

    def export_field_projects(self, folder=None):
        """One QField project per township, written in the background. Returns the running task."""
        folder = folder or QFileDialog.getExistingDirectory(self, self.tr("Folder for the QField projects"))
        if not folder:
            return None
        task_path = self.task_path

        def written(folders, error):
            self._running = None
            if error is not None:
                self.message.emit(error_text(error), 2)
                return
            self.message.emit(self.tr("{n} QField projects written to {folder}").format(n=len(folders), folder=folder),
                              0)

        return self._run(self.tr("Writing QField projects"),
                         lambda feedback: fieldwork.export_field_projects(task_path, folder), written)

    def choose_field_package(self):
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Returned QField package"), "",
                                              self.tr("GeoPackage (*.gpkg)"))
        if path:
            self.merge_field_package(path)

    def merge_field_package(self, path):
        """Merged in the background; conflicts are shown with both values and left as they are in
        the task. Returns the running task."""
        task_path = self.task_path

        def merged(outcome, error):
            self._running = None
            if error is not None:
                self.message.emit(error_text(error), 2)
                return
            result, rows = outcome
            if result.conflicts and self.isVisible():
                QMessageBox.warning(self, self.tr("Conflicts"), "\n".join(result.lines()[:30]))
            self.message.emit(report_text(result.lines()[:12]), 1 if result.conflicts or result.rejected else 0)
            self.refresh(rows)
            self.reload_task_layers()
            self.saved.emit("")

        return self._run(self.tr("Merging the QField package"),
                         lambda feedback: _with_rows(task_path, fieldwork.merge_field_package(task_path, path)), merged)

    def _ask_partial(self, result):
        report = report_text(result.lines()[1:21])
        return QMessageBox.question(
            self, self.tr("Rows rejected"),
            self.tr("{bad} rows were rejected, nothing was written:\n\n{report}\n\n"
                    "Import the {good} valid rows anyway?").format(
                bad=len(result.rejected), good=len(result.accepted), report=report)) == QMessageBox.StandardButton.Yes

    # -- assignment --------------------------------------------------------------------------
    def choose_assignee(self):
        jcbh = self.selected_jcbh()
        if jcbh is None:
            return None
        store = open_task(self.task_path)
        try:
            people = store.people()
        finally:
            store.close()
        if not people:
            self.message.emit(self.tr("The roster is empty: add people in the task panel's Season tab"), 1)
            return None
        labels = [f"{p['name']}（{p['role'] or ''} {p['xzqdm'] or ''}）" for p in people]
        label, ok = QInputDialog.getItem(self, self.tr("Assign to"), self.tr("Who answers for {jcbh}?").format(
            jcbh=jcbh), labels, 0, False)
        if ok:
            return self.assign(jcbh, people[labels.index(label)]["name"])
        return None

    def assign(self, jcbh, person):
        try:
            season.assign(self.task_path, [jcbh], person)
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
            return False
        self.refresh()
        self.saved.emit(jcbh)
        return True

    # -- the form ----------------------------------------------------------------------------
    def open_form(self):
        jcbh = self.selected_jcbh()
        if jcbh is None:
            return None
        store = open_task(self.task_path)
        try:
            values = store.verifications().get(jcbh, {})
            version = store.verification_version(jcbh)
            history = [e for e in store.audit_entries(jcbh) if e["entity"] == "verification"]
        finally:
            store.close()
        form = VerdictForm(jcbh, values, history, self)
        planning = self._planning_text(jcbh)
        if planning:  # 规划符合性 decides whether 补办手续 is possible at all
            form.layout().insertWidget(1, QLabel(planning))
        if form.exec():
            self.save(jcbh, form.values(), version)
        return form

    def open_case_panel(self):
        """The enforcement case of the selected patch (or the form to open one), beside the dock."""
        jcbh = self.selected_jcbh()
        if jcbh is None:
            self.message.emit(self.tr("Select a patch first"), 1)
            return None
        self.case_panel = CasePanel(self.task_path, jcbh, self)
        self.case_panel.show()
        return self.case_panel

    def save(self, jcbh, values, version=None):
        """Save a verdict; `version` is the record's version when editing began, so that a colleague's
        save in between (shared PostGIS task) is shown as a conflict instead of being overwritten."""
        store = open_task(self.task_path)
        try:
            store.apply_verifications({jcbh: values}, schema.CHANNEL_FORM,
                                      expected=None if version is None else {jcbh: version})
            (row,) = _with_review(store, store.review_rows(jcbh))
        except VerificationConflict as conflict:
            zh = ui_is_chinese()
            template = self.tr("{field}: theirs “{theirs}”, yours “{mine}”")
            lines = [template.format(field=field, theirs=theirs or "", mine=mine or "")
                     for _jcbh, field, theirs, mine in conflict.conflicts]
            QMessageBox.warning(self, self.tr("Saved by someone else"),
                                (conflict.zh if zh else conflict.en) + "\n\n" + "\n".join(lines))
            self.refresh()
            return False
        except LandEnforcementError as exc:  # e.g. locked: approved by the county or reported
            self.message.emit(error_text(exc), 2)
            return False
        finally:
            store.close()
        self.model.replace(row)
        self._filter()  # the counts, and whether the row still passes the filter
        self.reload_task_layers()
        self.saved.emit(jcbh)
        return True

    # -- review and return (处理状态), spot checks, planning conformity ---------------------------
    def _review_button(self):
        button = QToolButton()
        button.setText(self.tr("Review"))
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        labels = {"submit": self.tr("Submit to the county"), "approve": self.tr("Approve"),
                  "return": self.tr("Return to the township…"), "report": self.tr("Mark reported"),
                  "reopen": self.tr("Reopen a reported patch…")}
        for name, label in labels.items():
            menu.addAction(label, lambda name=name: self.review(name))
        menu.addSeparator()
        for algorithm, label in (("planningconformity", self.tr("Planning conformity…")),
                                 ("spotcheckdraw", self.tr("Draw a spot-check sample…")),
                                 ("spotcheckrecord", self.tr("Record a spot-check re-check…")),
                                 ("spotcheckscore", self.tr("Spot-check results and cross-checks…"))):
            menu.addAction(label, lambda algorithm=algorithm: self.run_algorithm(algorithm))
        button.setMenu(menu)
        return button

    def review(self, action, opinion=None):
        """Move the selected patch by a review action; a return or reopening asks for its reason."""
        jcbh = self.selected_jcbh()
        if jcbh is None:
            self.message.emit(self.tr("Select a patch first"), 1)
            return False
        if review_states.ACTIONS[action].needs_opinion and opinion is None:
            opinion, ok = QInputDialog.getText(self, self.tr("Reason"), self.tr("Why is {jcbh} sent back?").format(
                jcbh=jcbh))
            if not ok:
                return False
        store = open_task(self.task_path)
        try:
            review_states.apply(store, action, [jcbh], opinion)
            (row,) = _with_review(store, store.review_rows(jcbh))
        except Exception as exc:  # shown, not raised
            self.message.emit(error_text(exc), 2)
            return False
        finally:
            store.close()
        self.model.replace(row)
        self._filter()
        self.saved.emit(jcbh)
        return True

    def run_algorithm(self, name):
        """The Processing dialog of one of the plugin's algorithms, the task filled in."""
        from processing import execAlgorithmDialog

        execAlgorithmDialog(f"landenforcement:{name}", {"DATABASE": self.task_path} if self.task_path else {})
        self.refresh()

    def _planning_text(self, jcbh):
        store = open_task(self.task_path)
        try:
            row = conformity.stored_conformity(store).get(jcbh)
        finally:
            store.close()
        if not row:
            return ""
        zones = "，".join(f"{spec.zh} {row[spec.name] / schema.M2_PER_MU:.2f} 亩"
                         for spec in (*schema.ZONE_AREA_FIELDS.values(), schema.OUTSIDE_ZONES_M2) if row[spec.name])
        return self.tr("Planning conformity: {flag}").format(flag=row[schema.CONFORMITY.name]) + (
            f"（{zones}）" if zones else "")

    def reload_task_layers(self):
        """Layers of the task in the project show what was just written (styles follow verdicts)."""
        for layer in QgsProject.instance().mapLayers().values():
            if task_table(layer, self.task_path) is not None:
                layer.reload()
                layer.triggerRepaint()
        if self.selected_jcbh():  # a reload drops the map selection
            self._select_on_map(self.selected_jcbh())



def _with_review(store, rows):
    """The list's rows with each patch's 处理状态 (and the county's opinion) and planning conformity."""
    states = review_states.states(store)
    planning = conformity.stored_conformity(store)
    for row in rows:
        state = states.get(row["jcbh"]) or {}
        opinion = state.get("opinion") or ""
        shown = state.get("state") or schema.ReviewState.PENDING.value
        row["review_state"] = f"{shown}：{opinion}" if shown == schema.ReviewState.RETURNED.value and opinion else shown
        row["review_state_value"] = shown
        row["review_opinion"] = opinion or None
        row["conformity"] = (planning.get(row["jcbh"]) or {}).get(schema.CONFORMITY.name)
    return rows
