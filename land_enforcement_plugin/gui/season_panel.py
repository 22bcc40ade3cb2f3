"""The task dock's Season tab: milestones per batch with days left, the roster of people who
answer for patches (田长制), assignment, per-person task lists and the progress report."""
import datetime
import os

from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QBrush, QColor
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core import rules, schema
from ..core.season import plan as season
from ..core.store import open_task, task_files_folder
from . import background
from .messages import error_text, sheets_destination

_OVERDUE = QColor("#f8cbad")
_SOON = QColor("#fff2cc")
_ROSTER_COLUMNS = ("name", "role", "xzqdm", "village", "phone", "is_default")


class SeasonPanel(QWidget):
    message = pyqtSignal(str, int)
    changed = pyqtSignal()  # assignments or milestones changed: lists and progress follow

    def __init__(self, parent=None):
        super().__init__(parent)
        self.task_path = None
        self._loading = False

        self.milestones = QTableWidget(0, 6)
        self.milestones.setHorizontalHeaderLabels([self.tr("Batch"), self.tr("Milestone"), self.tr("Due"),
                                                   self.tr("Done on"), self.tr("Days left"), self.tr("State")])
        self.milestones.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.milestones.verticalHeader().setVisible(False)
        self.milestones.setToolTip(self.tr("Edit a due or done date (YYYY-MM-DD); every change is audited"))
        self.milestones.itemChanged.connect(self._milestone_edited)
        self.batch = QComboBox()
        apply_button = QPushButton(self.tr("Apply template"))
        apply_button.setToolTip(self.tr("Set the batch's due dates from the template (dates already set are kept)"))
        apply_button.clicked.connect(self.apply_template)
        save_template = QPushButton(self.tr("Save as my template"))
        save_template.setToolTip(self.tr("Keep this batch's due dates (month and day) as the calendar of the task's "
                                         "rules profile and of the bureau's own, for new batches"))
        save_template.clicked.connect(self.save_template)
        milestone_buttons = QHBoxLayout()
        for widget in (self.batch, apply_button, save_template):
            milestone_buttons.addWidget(widget)
        milestone_box = QGroupBox(self.tr("Milestones"))
        milestone_layout = QVBoxLayout(milestone_box)
        milestone_layout.addWidget(self.milestones, 1)
        milestone_layout.addLayout(milestone_buttons)

        self.roster = QTableWidget(0, len(_ROSTER_COLUMNS))
        self.roster.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Role"), self.tr("Township code"),
                                               self.tr("Village"), self.tr("Phone"), self.tr("Default")])
        self.roster.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.roster.verticalHeader().setVisible(False)
        self.roster.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        add_person = QPushButton(self.tr("Add person"))
        add_person.clicked.connect(lambda: self._add_roster_row({}))
        remove_person = QPushButton(self.tr("Remove"))
        remove_person.clicked.connect(self._remove_roster_rows)
        load_roster = QPushButton(self.tr("Load roster sheet…"))
        load_roster.setToolTip(self.tr("A sheet (.xlsx or .csv) with 姓名, 角色, 乡镇代码, 村, 电话, 默认; "
                                       "shown here to check, then saved with Save roster"))
        load_roster.clicked.connect(self.load_roster)
        save_roster = QPushButton(self.tr("Save roster"))
        save_roster.clicked.connect(self.save_roster)
        roster_buttons = QHBoxLayout()
        for button in (add_person, remove_person, load_roster, save_roster):
            roster_buttons.addWidget(button)
        roster_box = QGroupBox(self.tr("Roster (field chiefs and inspectors)"))
        roster_layout = QVBoxLayout(roster_box)
        roster_layout.addWidget(self.roster, 1)
        roster_layout.addLayout(roster_buttons)

        assign = QPushButton(self.tr("Assign by township"))
        assign.setToolTip(self.tr("Each patch to its township (the overlay's boundary) and the township's default "
                                  "person; assignments made by hand are kept"))
        assign.clicked.connect(lambda: self.auto_assign(self.reassign.isChecked()))
        self.reassign = QCheckBox(self.tr("Redo automatic assignments"))
        self.reassign.setToolTip(self.tr("Assign again the patches assigned automatically before (after the roster "
                                         "changed); assignments made by hand are always kept"))
        lists = QPushButton(self.tr("Per-person task lists…"))
        lists.setToolTip(self.tr("Verification sheet and QField project for every person of every township"))
        lists.clicked.connect(self.export_lists)
        report = QPushButton(self.tr("Progress report…"))
        report.clicked.connect(self.export_report)
        action_buttons = QHBoxLayout()
        for button in (assign, self.reassign, lists, report):
            action_buttons.addWidget(button)
        # The per-person lists are written in the background, with progress and cancel.
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        cancel = QPushButton(self.tr("Cancel"))
        cancel.setVisible(False)
        cancel.clicked.connect(lambda: self.runner.cancel())
        self.runner = background.Runner(self.progress, lambda: lists.setEnabled(self.runner.idle), (cancel,))
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(cancel)

        layout = QVBoxLayout(self)
        layout.addWidget(milestone_box, 1)
        layout.addWidget(roster_box, 1)
        layout.addLayout(action_buttons)
        layout.addLayout(progress_row)

    # -- loading -----------------------------------------------------------------------------
    def set_task(self, path):
        self.task_path = path
        self.refresh()

    def refresh(self, today=None):
        self._loading = True
        chosen = self.batch.currentText()  # kept: a date just edited is in the batch the user works on
        self.milestones.setRowCount(0)
        self.roster.setRowCount(0)
        self.batch.clear()
        try:
            if not self.task_path:
                return
            try:
                store = open_task(self.task_path)
            except Exception:  # the task may not exist yet (a new GeoPackage before its first import)
                return
            try:
                batches = store.summary().batches
                milestones = store.milestones()
                people = store.people()
            finally:
                store.close()
            self.batch.addItems(batches)
            if chosen in batches:
                self.batch.setCurrentText(chosen)
            self._show_milestones(batches, milestones, today)
            for person in people:
                self._add_roster_row(person)
        finally:
            self._loading = False

    def _show_milestones(self, batches, milestones, today):
        known = {(m["batch"], m["kind"]): m for m in milestones}
        rows = [known.get((batch, kind.value)) or {"batch": batch, "kind": kind.value, "due_date": None,
                                                   "done_date": None, "note": None}
                for batch in batches for kind in schema.MilestoneKind]
        states = season.milestone_states(rows, today)
        self.milestones.setRowCount(len(rows))
        for index, state in enumerate(states):
            if state.done_date:
                text = self.tr("Completed")
            elif state.overdue:
                text = self.tr("Overdue by {n} days").format(n=-state.days_left)
            elif state.days_left is not None:
                text = self.tr("{n} days left").format(n=state.days_left)
            else:
                text = self.tr("No date")
            cells = [state.batch, state.kind, state.due_date or "", state.done_date or "",
                     "" if state.days_left is None or state.done_date else str(state.days_left), text]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column not in (2, 3):
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if state.overdue:
                    item.setBackground(QBrush(_OVERDUE))
                elif not state.done_date and state.days_left is not None and state.days_left <= 14:
                    item.setBackground(QBrush(_SOON))
                self.milestones.setItem(index, column, item)

    def _add_roster_row(self, person):
        row = self.roster.rowCount()
        self.roster.insertRow(row)
        for column, name in enumerate(_ROSTER_COLUMNS[:-1]):
            if name == "role":
                combo = QComboBox()
                combo.addItems(schema.PersonRole.values())
                combo.setCurrentIndex(max(combo.findText(person.get("role") or ""), 0))
                self.roster.setCellWidget(row, column, combo)
            else:
                self.roster.setItem(row, column, QTableWidgetItem(person.get(name) or ""))
        default = QTableWidgetItem()
        default.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        default.setCheckState(Qt.CheckState.Checked if person.get("is_default") else Qt.CheckState.Unchecked)
        self.roster.setItem(row, len(_ROSTER_COLUMNS) - 1, default)

    def _remove_roster_rows(self):
        for row in sorted({index.row() for index in self.roster.selectedIndexes()}, reverse=True):
            self.roster.removeRow(row)

    def roster_rows(self):
        rows = []
        for row in range(self.roster.rowCount()):
            person = {}
            for column, name in enumerate(_ROSTER_COLUMNS):
                if name == "role":
                    person[name] = self.roster.cellWidget(row, column).currentText()
                elif name == "is_default":
                    person[name] = int(self.roster.item(row, column).checkState() == Qt.CheckState.Checked)
                else:
                    item = self.roster.item(row, column)
                    person[name] = (item.text() if item else "").strip()
            if person["name"]:
                rows.append(person)
        return rows

    # -- editing -----------------------------------------------------------------------------
    def _milestone_edited(self, item):
        if self._loading or item.column() not in (2, 3):
            return
        row = item.row()
        batch, kind = self.milestones.item(row, 0).text(), self.milestones.item(row, 1).text()
        due, done = (self.milestones.item(row, c).text().strip() or None for c in (2, 3))
        try:
            for value in (due, done):
                if value:
                    datetime.date.fromisoformat(value)
        except ValueError:
            self.message.emit(self.tr("Dates are written YYYY-MM-DD, e.g. 2025-05-08"), 1)
            self.refresh()
            return

        def save():
            with open_task(self.task_path) as store:
                store.set_milestone(batch, kind, due, done)

        self._change(save)

    def apply_template(self):
        batch = self.batch.currentText()
        if batch:
            self._change(lambda: season.apply_template(self.task_path, batch))

    def _change(self, work):
        """Run a change of the task, say what went wrong, and show the task as it now is."""
        try:
            work()
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
        self.refresh()
        self.changed.emit()

    def save_template(self):
        """This batch's due dates (month and day) become the calendar of its kind of batch: in the
        task's rules profile (audited) and in the bureau's own profile, for its other tasks."""
        batch = self.batch.currentText()
        if not batch:
            return
        try:
            year, kind = season.batch_kind(batch)
            dates = {}
            for row in range(self.milestones.rowCount()):
                due = self.milestones.item(row, 2).text()
                if self.milestones.item(row, 0).text() == batch and due:
                    day = datetime.date.fromisoformat(due)
                    offset = day.year - year
                    milestone = self.milestones.item(row, 1).text()
                    dates[milestone] = (f"+{offset}-" if offset else "") + day.strftime("%m-%d")
            with open_task(self.task_path) as store:
                calendar = dict(season.task_calendar(store), **{kind: dates})
                rules.set_task_calendar(store, calendar)
            bureau = rules.saved_profile()
            rules.save_profile(bureau.with_values(calendar=dict(bureau["calendar"], **{kind: dates})))
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
            return
        self.message.emit(self.tr("Template saved for {kind} batches").format(kind=kind), 0)

    def save_roster(self):
        rows = self.roster_rows()
        names = [r["name"] for r in rows]
        if len(set(names)) != len(names):
            self.message.emit(self.tr("Each person's name must be unique in the roster"), 1)
            return False
        store = open_task(self.task_path)
        try:
            store.set_people(rows)
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
            return False
        finally:
            store.close()
        self.message.emit(self.tr("Roster saved: {n} people").format(n=len(rows)), 0)
        return True

    def load_roster(self, path=None):
        path = path or QFileDialog.getOpenFileName(self, self.tr("Roster sheet"), "", "Roster (*.xlsx *.csv)")[0]
        if not path:
            return None
        try:
            people = season.read_roster(path)
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
            return None
        self.roster.setRowCount(0)
        for person in people:
            self._add_roster_row(person)
        self.message.emit(self.tr("{n} people read: check them and press Save roster").format(n=len(people)), 0)
        return people

    def auto_assign(self, reassign=False):
        try:
            changed = season.auto_assign(self.task_path, reassign)
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
            return None
        self.message.emit(self.tr("{n} patches assigned").format(n=changed), 0)
        self.changed.emit()
        return changed

    def export_lists(self, out_dir=None, chips=None):
        """Sheets and QField projects for every person, written in the background (with image
        chips, asked when the task has imagery, about 0.1 s a patch more). Returns the running task."""
        chosen = sheets_destination(self, self.task_path, self.tr("Folder for the per-person task lists"), out_dir,
                                    chips)
        if chosen is None:
            return None
        (out_dir, chips), path = chosen, self.task_path

        def written(paths, error):
            if error is not None:
                QMessageBox.warning(self, self.tr("Per-person task lists"), error_text(error))
                return
            self.message.emit(self.tr("{n} sheets and QField projects written to {dir}").format(
                n=len(paths), dir=out_dir), 0)

        self.runner.start(self.tr("Per-person task lists"), lambda feedback: season.export_assignee_lists(
            path, out_dir, chips=chips, feedback=feedback), written)
        return self.runner.task

    @property
    def _running(self):
        """The per-person lists being written in the background (a CoreTask), or None."""
        return self.runner.task

    def abandon_work(self):
        """The plugin unloads: work still running ends without calling back into this panel."""
        self.runner.abandon()

    def export_report(self, path=None):
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Progress report"), os.path.join(
                task_files_folder(self.task_path), f"进度_{datetime.date.today().isoformat()}.xlsx"), "Excel (*.xlsx)")
        if not path:
            return None
        try:
            season.write_progress_report(self.task_path, path)
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
            return None
        self.message.emit(self.tr("Progress report written: {path}").format(path=path), 0)
        return path
