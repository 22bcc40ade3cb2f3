"""The review dock's patch list: every patch of the task in memory, sorted and filtered there, with
each patch's 处理状态 and planning conformity."""
from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from qgis.PyQt.QtGui import QBrush, QColor

from ..core import schema
from ..core.overlay import conformity
from ..core.review import states as review_states
from ..core.store import open_task
from .messages import ui_is_chinese

COLUMNS = ("jcbh", "township", "area_mu", "verdict", "suggested_verdict", "high_priority", "photo_count", "rect_status",
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
        self.dataChanged.emit(self.index(number, 0), self.index(number, len(COLUMNS) - 1))

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
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 (Qt API)
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        """Sorted here in one Python sort: a proxy sort would call data() ~300,000 times for 20,000 rows."""
        name = COLUMNS[column]
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(key=lambda row: (row.get(name) is None, row.get(name) if row.get(name) is not None else 0),
                       reverse=order == Qt.SortOrder.DescendingOrder)
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


def with_list_rows(task_path, result):
    """(result, the review list's rows read afterwards, with their 处理状态 and conformity):
    background work hands the dock its list already read, so the UI thread only shows it."""
    with open_task(task_path) as store:
        return result, rows_with_review(store, store.review_rows())


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
