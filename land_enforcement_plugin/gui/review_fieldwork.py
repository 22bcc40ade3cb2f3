"""The review dock's fieldwork actions: township verification sheets out and back, QField projects
out and merged back, assigning a patch to a person of the roster."""
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from ..core.review import fieldwork, templates, verification
from ..core.season import plan as season
from ..core.store import open_task
from .messages import error_text, report_text, sheets_destination
from .patch_list import list_labels, rows_with_review, with_list_rows

# These methods run on a ReviewDock, and Qt's tr() takes its context from the instance's class: their
# strings are looked up under "ReviewDock" (pylupdate5 files translate("Ctx", "text") calls under Ctx).
translate = QCoreApplication.translate

class FieldworkActions:
    """ReviewDock's fieldwork actions (a mixin of ReviewDock)."""

    def export_sheets(self, folder=None, chips=None):
        """One sheet per township, written in the background. When the task has imagery, asks
        whether each row should show the patch's before/after image chips (slower)."""
        chosen = sheets_destination(self, self.task_path, translate("ReviewDock", "Folder for the township sheets"),
                                    folder, chips)
        if chosen is None:
            return None
        (folder, chips), path = chosen, self.task_path

        def written(paths, error):
            if error is not None:
                self.message.emit(error_text(error), 2)
                return
            self.message.emit(translate("ReviewDock", "{n} township sheets written to {folder}").format(
                n=len(paths), folder=folder), 0)

        return self._run(translate("ReviewDock", "Writing township sheets"),
                         lambda feedback: templates.export_templates(path, folder, chips=chips, feedback=feedback),
                         written)

    def choose_sheet(self):
        path, _ = QFileDialog.getOpenFileName(
            self, translate("ReviewDock", "Returned verification sheet"), "",
            translate("ReviewDock", "Spreadsheets (*.xlsx *.xlsm *.csv);;All files (*)"))
        if path:
            self.import_sheet(path)

    def import_sheet(self, path, confirm_partial=None, accept_partial=False):
        """All or nothing, in the background; when rows are rejected the report is shown and the
        user may accept the valid rows (confirm_partial(result) -> bool; by default a question
        box), imported by a second background run. Returns the running task."""
        task_path = self.task_path

        def imported(outcome, error):
            if error is not None:
                self.message.emit(error_text(error), 2)
                return
            result, listing = outcome
            if result.rejected and result.accepted and not accept_partial:
                if (confirm_partial or self._ask_partial)(result):
                    self.import_sheet(path, confirm_partial, accept_partial=True)
                    return
            self.message.emit(report_text(result.lines()[:12]), 1 if result.rejected else 0)
            self.refresh(listing)
            self.reload_task_layers()
            self.saved.emit("")

        labels, sorted_by = list_labels(), self._sorted_by()
        return self._run(translate("ReviewDock", "Importing the verification sheet"), lambda feedback: with_list_rows(
            task_path, labels, sorted_by, verification.import_spreadsheet(
                task_path, path, accept_partial=accept_partial, feedback=feedback)), imported)

    def export_field_projects(self, folder=None):
        """One QField project per township, written in the background. Returns the running task."""
        folder = folder or QFileDialog.getExistingDirectory(self,
                                                            translate("ReviewDock", "Folder for the QField projects"))
        if not folder:
            return None
        task_path = self.task_path

        def written(folders, error):
            if error is not None:
                self.message.emit(error_text(error), 2)
                return
            self.message.emit(translate("ReviewDock", "{n} QField projects written to {folder}").format(
                n=len(folders), folder=folder), 0)

        return self._run(translate("ReviewDock", "Writing QField projects"),
                         lambda feedback: fieldwork.export_field_projects(task_path, folder), written)

    def choose_field_package(self):
        path, _ = QFileDialog.getOpenFileName(self, translate("ReviewDock", "Returned QField package"), "",
                                              translate("ReviewDock", "GeoPackage (*.gpkg)"))
        if path:
            self.merge_field_package(path)

    def merge_field_package(self, path):
        """Merged in the background; conflicts are shown with both values and left as they are in
        the task. Returns the running task."""
        task_path = self.task_path

        def merged(outcome, error):
            if error is not None:
                self.message.emit(error_text(error), 2)
                return
            result, listing = outcome
            if result.conflicts and self.isVisible():
                QMessageBox.warning(self, translate("ReviewDock", "Conflicts"), "\n".join(result.lines()[:30]))
            self.message.emit(report_text(result.lines()[:12]), 1 if result.conflicts or result.rejected else 0)
            self.refresh(listing)
            self.reload_task_layers()
            self.saved.emit("")

        labels, sorted_by = list_labels(), self._sorted_by()
        return self._run(translate("ReviewDock", "Merging the QField package"), lambda feedback: with_list_rows(
            task_path, labels, sorted_by, fieldwork.merge_field_package(task_path, path)), merged)

    def _ask_partial(self, result):
        report = report_text(result.lines()[1:21])
        return QMessageBox.question(
            self, translate("ReviewDock", "Rows rejected"),
            translate("ReviewDock", "{bad} rows were rejected, nothing was written:\n\n{report}\n\n"
                                    "Import the {good} valid rows anyway?").format(
                bad=len(result.rejected), good=len(result.accepted), report=report)) == QMessageBox.StandardButton.Yes

    # -- assignment --------------------------------------------------------------------------
    def choose_assignee(self):
        jcbh = self.selected_jcbh()
        if jcbh is None:
            return None
        with open_task(self.task_path) as store:
            people = store.people()
        if not people:
            self.message.emit(
                translate("ReviewDock", "The roster is empty: add people in the task panel's Season tab"), 1)
            return None
        labels = [f"{p['name']}（{p['role'] or ''} {p['xzqdm'] or ''}）" for p in people]
        label, ok = QInputDialog.getItem(self, translate("ReviewDock", "Assign to"),
                                         translate("ReviewDock", "Who answers for {jcbh}?").format(jcbh=jcbh),
                                         labels, 0, False)
        if ok:
            return self.assign(jcbh, people[labels.index(label)]["name"])
        return None

    def assign(self, jcbh, person):
        try:
            season.assign(self.task_path, [jcbh], person)
            with open_task(self.task_path) as store:
                (row,) = rows_with_review(store, store.review_rows(jcbh))
        except Exception as exc:
            self.message.emit(error_text(exc), 2)
            return False
        self.model.replace(row)  # only this patch changed: the list keeps its order and scroll position
        self._filter()
        self.saved.emit(jcbh)
        return True
