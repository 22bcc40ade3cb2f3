"""The review dock's patch list: every patch of the task read by background work into a listing
(rows shown as listed, sorted, the filter choices), handed to the model in one swap; the filter is a
list of the rows shown, so the UI thread does no work per row while the list is refilled."""
from qgis.PyQt.QtCore import QAbstractProxyModel, QAbstractTableModel, QModelIndex, Qt
from qgis.PyQt.QtGui import QBrush, QColor

from ..core import schema
from ..core.overlay import conformity
from ..core.review import photos
from ..core.review import states as review_states
from ..core.store import open_task
from .messages import ui_is_chinese

COLUMNS = ("jcbh", "township", "area_mu", "verdict", "suggested_verdict", "high_priority", "photo_count", "rect_status",
            "inspector", "batch", "assignee", "repeat_of", "review_state", "conformity")


def list_labels():
    """What the list says instead of a township or an area, in the UI's language (read on the UI
    thread: the listing is made in a worker)."""
    language = 0 if ui_is_chinese() else 1
    return {labels: labels[language] for labels in (schema.UNPLACED_TOWNSHIP, schema.NOT_OVERLAID,
                                                    schema.NEEDS_OVERLAY)}


def listed(row, labels):
    """The row as listed: the overlay's township (the delivered XZQMC is often the county's), or
    why there is none; no area while the patch needs the overlay."""
    overlaid = row["area_m2"] is not None
    place = row[schema.TOWNSHIP_NAME.name] or labels[schema.UNPLACED_TOWNSHIP if overlaid else schema.NOT_OVERLAID]
    return dict(row, area_mu=row["area_m2"] / schema.M2_PER_MU if overlaid else None, needs_overlay=not overlaid,
                township=place, township_key=row[schema.TOWNSHIP_CODE.name] or place)


def sort_rows(rows, column, order):
    """Rows in the order of a column, the empty cells last (in place)."""
    name = COLUMNS[column]
    rows.sort(key=lambda row: (row.get(name) is None, row.get(name) if row.get(name) is not None else 0),
              reverse=order == Qt.SortOrder.DescendingOrder)


class PatchListing:
    """The review list as background work reads it: rows as listed and sorted, where each patch is,
    the township and batch choices, how many are verified, the task's photo distance."""

    def __init__(self, rows, labels, column=0, order=Qt.SortOrder.AscendingOrder, photo_distance=None):
        self.rows = [listed(row, labels) for row in rows]
        sort_rows(self.rows, column, order)
        self.sorted_by = (column, order)
        self.labels = labels
        self.positions = {row["jcbh"]: number for number, row in enumerate(self.rows)}
        # The overlay's townships by code, then the patches without one (未落乡镇 / 未比对).
        self.places = sorted({(not r[schema.TOWNSHIP_CODE.name], r["township_key"], r["township"]) for r in self.rows})
        self.batches = sorted({r["batch"] for r in self.rows if r.get("batch")})
        self.verified = sum(1 for row in self.rows if row.get("verdict"))
        most = max((len(row["jcbh"]) for row in self.rows), default=0)
        self.longest = [row["jcbh"] for row in self.rows if len(row["jcbh"]) >= most - 2][:200]  # measured on the UI
        self.photo_distance = photo_distance


def read_listing(task_path, labels, column=0, order=Qt.SortOrder.AscendingOrder):
    """The review list of the task (background work: about half a second for 20,000 patches)."""
    with open_task(task_path) as store:
        rows = rows_with_review(store, store.review_rows())
        distance = photos.task_photo_distance(store) if rows else None
    return PatchListing(rows, labels, column, order, distance)


class PatchListModel(QAbstractTableModel):
    """All patches of the task, in the order listed; swapped whole for a new listing."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows = []
        self.positions = {}  # jcbh -> row
        self.verified = 0
        self.labels = list_labels()
        self.headers = [self.tr("Monitoring no."), self.tr("Township"), self.tr("Area (mu)"), self.tr("Verdict"),
                        self.tr("Suggested"), self.tr("Priority"), self.tr("Photos"), self.tr("Rectification"),
                        self.tr("Inspector"), self.tr("Batch"), self.tr("Assignee"), self.tr("Repeat of"),
                        self.tr("Review state"), self.tr("Planning")]

    def load(self, listing):
        """The listing's rows, in one reset (no work per row here)."""
        self.beginResetModel()
        self.rows, self.positions, self.verified, self.labels = (listing.rows, listing.positions, listing.verified,
                                                                 listing.labels)
        self.endResetModel()

    def replace(self, row):
        """One patch's row read again (after its verdict was saved), in place: the list keeps its
        order, filter and scroll position."""
        number = self.positions.get(row["jcbh"])
        if number is None:
            return
        self.verified += bool(row.get("verdict")) - bool(self.rows[number].get("verdict"))
        self.rows[number] = listed(row, self.labels)
        self.dataChanged.emit(self.index(number, 0), self.index(number, len(COLUMNS) - 1))

    def rowCount(self, parent=None):  # noqa: N802 (Qt API)
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent=None):  # noqa: N802 (Qt API)
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 (Qt API)
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        """Sorted here in one Python sort (a few ms for 20,000 rows): a proxy sort would call data()
        ~300,000 times."""
        self.layoutAboutToBeChanged.emit()
        sort_rows(self.rows, column, order)
        self.positions = {row["jcbh"]: number for number, row in enumerate(self.rows)}
        self.layoutChanged.emit()

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        row = self.rows[index.row()]
        column = COLUMNS[index.column()]
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


def jcbh_width(longest, metrics):
    """Pixels the longest monitoring number needs (the distinguishing digits are at its end);
    measured among the longest in characters only: 20,000 measures would hold the UI thread."""
    return metrics.horizontalAdvance(max(longest, key=metrics.horizontalAdvance, default="")) + 16  # cell margins


class PatchFilter(QAbstractProxyModel):
    """The rows that pass the filter, in the model's order: a list of model rows (None: all), so
    that Qt asks Python only about the rows it paints."""

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
        self.shown = None
        self._places = None  # model row -> row here, made when first asked
        self._kept = []

    def setSourceModel(self, model):  # noqa: N802 (Qt API)
        super().setSourceModel(model)
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._reset)
        model.layoutAboutToBeChanged.connect(self._layout_changing)
        model.layoutChanged.connect(self._layout_changed)
        model.dataChanged.connect(self._data_changed)

    def _filtering(self):
        return any((self.township, self.verdict, self.status, self.priority_only, self.photos_only, self.batch,
                    self.review_state, self.text))

    def _refilter(self):
        rows = self.sourceModel().rows
        self.shown = [number for number, row in enumerate(rows) if self.accepts(row)] if self._filtering() else None
        self._places = None

    def _reset(self):
        self._refilter()
        self.endResetModel()

    def _layout_changing(self):
        """The model is sorted: the selection follows its patches (persistent indexes by JCBH)."""
        self.layoutAboutToBeChanged.emit()
        rows = self.sourceModel().rows
        self._kept = [(index, rows[self.source_row(index.row())]["jcbh"]) for index in self.persistentIndexList()]

    def _layout_changed(self):
        self._refilter()
        kept, self._kept = self._kept, []
        self.changePersistentIndexList([index for index, _ in kept],
                                       [self.index_of(jcbh, index.column()) for index, jcbh in kept])
        self.layoutChanged.emit()

    def _data_changed(self, first, last, roles=()):
        row = self.mapFromSource(first).row()
        if row >= 0:
            self.dataChanged.emit(self.index(row, first.column()), self.index(row, last.column()), roles)

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        self.sourceModel().sort(column, order)  # the filter keeps the model's order

    def update(self, **criteria):
        self.beginResetModel()
        for key, value in criteria.items():
            setattr(self, key, value)
        self._refilter()
        self.endResetModel()

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

    def verified_shown(self):
        """How many rows shown have a verdict."""
        model = self.sourceModel()
        if self.shown is None:
            return model.verified
        return sum(1 for number in self.shown if model.rows[number].get("verdict"))

    def source_row(self, row):
        return row if self.shown is None else self.shown[row]

    def index_of(self, jcbh, column=0):
        """The index of a patch's row here (invalid when filtered out or unknown)."""
        number = self.sourceModel().positions.get(jcbh)
        return QModelIndex() if number is None else self.mapFromSource(self.sourceModel().index(number, column))

    # -- Qt's proxy API -----------------------------------------------------------------------------
    def rowCount(self, parent=None):  # noqa: N802 (Qt API)
        if (parent is not None and parent.isValid()) or self.sourceModel() is None:
            return 0
        return len(self.sourceModel().rows) if self.shown is None else len(self.shown)

    def columnCount(self, parent=None):  # noqa: N802 (Qt API)
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def index(self, row, column, parent=None):
        if (parent is not None and parent.isValid()) or not (0 <= row < self.rowCount() and 0 <= column < len(COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, index=None):
        """No row has a parent (a flat list); without an index, the QObject's parent."""
        return super().parent() if index is None else QModelIndex()

    def mapToSource(self, index):  # noqa: N802 (Qt API)
        if not index.isValid():
            return QModelIndex()
        return self.sourceModel().index(self.source_row(index.row()), index.column())

    def mapFromSource(self, index):  # noqa: N802 (Qt API)
        if not index.isValid():
            return QModelIndex()
        if self.shown is None:
            return self.index(index.row(), index.column())
        if self._places is None:
            self._places = {number: row for row, number in enumerate(self.shown)}
        row = self._places.get(index.row())
        return QModelIndex() if row is None else self.index(row, index.column())

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 (Qt API)
        return self.sourceModel().headerData(section, orientation, role)


def with_list_rows(task_path, labels, sorted_by, result):
    """(result, the review list read afterwards): background work hands the dock its list already
    read, so the UI thread only swaps it in."""
    return result, read_listing(task_path, labels, *sorted_by)


def rows_with_review(store, rows):
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
