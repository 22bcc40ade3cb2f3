"""The review dock: the patch list (filter, sort, counts), next unverified, zoom, the verdict form,
review actions. The list's model is in patch_list.py; the photos and the fieldwork actions (sheets,
QField, assignment) are mixins in review_photos.py and review_fieldwork.py."""

from qgis.core import QgsExpression, QgsProject
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QKeySequence
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QShortcut,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core import schema
from ..core.errors import LandEnforcementError
from ..core.overlay import conformity
from ..core.review import states as review_states
from ..core.store import VerificationConflict, open_task
from . import background
from .case_panel import CasePanel
from .combos import refill_choices
from .messages import error_text, ui_is_chinese
from .patch_list import (
    PatchFilter,
    PatchListing,
    PatchListModel,
    jcbh_width,
    list_labels,
    read_listing,
    rows_with_review,
)
from .review_fieldwork import FieldworkActions
from .review_photos import PhotoActions, PhotoStrip
from .task_layers import task_table
from .verdict_form import VerdictForm


class ReviewDock(PhotoActions, FieldworkActions, QgsDockWidget):
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
        # Sheets, QField and photo work run in the background, one at a time, with progress and cancel.
        self.work_buttons = (export_sheets, import_sheet, export_field, merge_field, attach, match)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        cancel = QPushButton(self.tr("Cancel"))
        cancel.setVisible(False)
        cancel.clicked.connect(lambda: self.runner.cancel())
        self.runner = background.Runner(self.progress, self._update_enabled, (cancel,))
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(cancel)
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
        layout.addLayout(progress_row)
        self.setWidget(body)
        self.loading = None  # the list being read in the background (a CoreTask), or None
        self.case_panel = None  # the open case panel (CasePanel), kept alive while shown

    # -- data --------------------------------------------------------------------------------
    def set_task(self, path):
        self.task_path = path
        self.refresh()

    def refresh(self, listing=None):
        """The list read again from the task in the background, then swapped in whole; `listing`
        (a PatchListing read by background work that changed the task) is swapped in at once."""
        if listing is None:
            self.loading = background.abandoned(self.loading)  # an older read would show an older list
            if not self.task_path:
                return self._show_listing(PatchListing([], list_labels()))
            path, labels, (column, order) = self.task_path, list_labels(), self._sorted_by()
            self.loading = background.start(background.CoreTask(
                self.tr("Reading the patch list"), lambda _feedback: read_listing(path, labels, column, order),
                self._listing_read, hidden=True))
            return self.loading
        return self._show_listing(listing)

    def _sorted_by(self):
        """(column, order) the user sorted the list by."""
        header = self.table.horizontalHeader()
        return header.sortIndicatorSection(), header.sortIndicatorOrder()

    def _listing_read(self, listing, error):
        self.loading = None
        if error is not None:  # shown, not raised: the dock must stay usable
            self.message.emit(error_text(error), 2)
            listing = PatchListing([], list_labels())
        self._show_listing(listing)

    def _show_listing(self, listing):
        """The swap: the model takes the listing's rows in one reset; the choices and the column
        width come with the listing (only its longest monitoring numbers are measured here)."""
        selected = self.selected_jcbh()
        if listing.photo_distance is not None:
            self.photo_distance.setValue(listing.photo_distance)
        self.model.load(listing)
        if listing.sorted_by != self._sorted_by():  # a header clicked meanwhile
            self.model.sort(*self._sorted_by())
        self.table.setColumnWidth(0, jcbh_width(listing.longest, self.table.fontMetrics()))
        refill_choices(self.township, self.tr("All townships"),
                       [(name if unplaced else f"{name} {key}", key) for unplaced, key, name in listing.places])
        refill_choices(self.batch, self.tr("All batches"), [(batch, batch) for batch in listing.batches])
        self._filter()
        if selected:
            self.select_jcbh(selected)
        return None

    def _filter(self, *_):
        selected = self.selected_jcbh()  # kept while it passes the filter (a new filter resets the view)
        self.proxy.update(township=self.township.currentData(), verdict=self.verdict.currentData(),
                          status=self.status.currentData(), priority_only=self.priority.isChecked(),
                          photos_only=self.has_photos.isChecked(), batch=self.batch.currentData(),
                          review_state=self.review_state.currentData(), text=self.search.text().strip())
        shown, verified = self.proxy.rowCount(), self.proxy.verified_shown()
        self.count.setText(self.tr("{shown} shown of {total}; {verified} verified, {left} not yet").format(
            shown=shown, total=len(self.model.rows), verified=verified, left=shown - verified))
        if selected:
            self._syncing = True  # the same patch: nothing to show again
            self.select_jcbh(selected)
            self._syncing = False

    # -- selection ---------------------------------------------------------------------------
    def selected_jcbh(self):
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.model.rows[self.proxy.source_row(rows[0].row())]["jcbh"]

    def select_jcbh(self, jcbh):
        index = self.proxy.index_of(jcbh)
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def step_unverified(self, direction):
        """Move to the previous / next patch without a verdict, in the list's current order."""
        count = self.proxy.rowCount()
        if not count:
            return None
        current = self.table.selectionModel().selectedRows()
        start = current[0].row() if current else (-1 if direction > 0 else count)
        row = start + direction
        while 0 <= row < count:
            if not self.model.rows[self.proxy.source_row(row)].get("verdict"):
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
            layer.selectByExpression(f'"jcbh" = {QgsExpression.quotedValue(jcbh)}')
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

    def abandon_work(self):
        """The plugin unloads: work still running ends without calling back into this dock."""
        self.runner.abandon()
        self.loading = background.abandoned(self.loading)

    @property
    def _running(self):
        """The sheet, QField or photo work running in the background (a CoreTask), or None."""
        return self.runner.task

    def _run(self, description, work, done):
        """work(feedback) in the background, with the dock's progress bar and cancel button;
        done(result, error) after. Returns the running task."""
        self.runner.start(description, work, done)
        return self.runner.task

    def _update_enabled(self):
        for button in self.work_buttons:
            button.setEnabled(self.runner.idle)

    # -- the form ----------------------------------------------------------------------------
    def open_form(self):
        jcbh = self.selected_jcbh()
        if jcbh is None:
            return None
        with open_task(self.task_path) as store:
            values = store.verifications().get(jcbh, {})
            version = store.verification_version(jcbh)
            history = [e for e in store.audit_entries(jcbh) if e["entity"] == "verification"]
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
            (row,) = rows_with_review(store, store.review_rows(jcbh))
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
            (row,) = rows_with_review(store, store.review_rows(jcbh))
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
        with open_task(self.task_path) as store:
            row = conformity.stored_conformity(store).get(jcbh)
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
