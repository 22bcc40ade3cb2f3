"""The review dock's photos: the thumbnail strip of the selected patch, attaching by picker, drop or
folder match, the distance beyond which a photo is flagged."""
from qgis.PyQt.QtCore import QCoreApplication, QSize, Qt, pyqtSignal
from qgis.PyQt.QtGui import QBrush, QColor, QIcon, QPixmap
from qgis.PyQt.QtWidgets import QAbstractItemView, QFileDialog, QListView, QListWidget, QListWidgetItem

from ..core.review import photos
from ..core.store import open_task
from .messages import error_text, ui_is_chinese
from .patch_list import list_labels, with_list_rows

# These methods run on a ReviewDock, and Qt's tr() takes its context from the instance's class: their
# strings are looked up under "ReviewDock" (pylupdate5 files translate("Ctx", "text") calls under Ctx).
translate = QCoreApplication.translate

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


class PhotoActions:
    """ReviewDock's photo actions (a mixin of ReviewDock)."""

    def show_photos(self, jcbh):
        with open_task(self.task_path) as store:
            rows = store.photos(jcbh)
            photos.fetch_missing(self.task_path, store, rows)
        self.thumbnails.show_photos(self.task_path, rows)

    def _save_photo_distance(self):
        if not self.task_path:
            return
        with open_task(self.task_path) as store:
            if photos.task_photo_distance(store) != self.photo_distance.value():
                photos.set_task_photo_distance(store, self.photo_distance.value())

    def choose_photos(self):
        if self.selected_jcbh() is None:
            self.message.emit(translate("ReviewDock", "Select a patch first"), 1)
            return
        paths, _ = QFileDialog.getOpenFileNames(
            self, translate("ReviewDock", "Attach photos"), "",
            translate("ReviewDock", "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.heic)"))
        if paths:
            self.attach_files(paths)

    def attach_files(self, paths):
        """Photos picked or dropped: attached to the selected patch."""
        jcbh = self.selected_jcbh()
        if jcbh is None:
            self.message.emit(translate("ReviewDock", "Select a patch first"), 1)
            return
        paths = list(paths)
        self._attach(lambda: {jcbh: paths})

    def choose_photo_folder(self):
        folder = QFileDialog.getExistingDirectory(
            self, translate("ReviewDock", "Folder of photos named by monitoring number"))
        if not folder:
            return
        jcbhs = set(self.model.positions)
        self._attach(lambda: photos.match_folder(folder, jcbhs))

    def _attach(self, matched):
        """Photos attached in the background (matched() gives {jcbh: [paths]}, there too), the list
        read again afterwards."""
        path, labels, sorted_by = self.task_path, list_labels(), self._sorted_by()

        def work(feedback):
            return with_list_rows(path, labels, sorted_by, photos.attach_photos(path, matched(), feedback=feedback))

        self._run(translate("ReviewDock", "Attaching photos"), work, self._attached)

    def _attached(self, outcome, error):
        if error is not None:
            self.message.emit(error_text(error), 2)
            return
        result, listing = outcome
        text = translate("ReviewDock", "{added} photos attached, {skipped} already there").format(
            added=result.added, skipped=result.skipped)
        if result.refused:
            text += translate("ReviewDock", ", {refused} files refused or not matched").format(
                refused=len(result.refused))
        text += "".join("\n" + line for line in result.lines(ui_is_chinese()))
        self.message.emit(text, 1 if result.warnings or result.refused else 0)
        self.refresh(listing)
        self.reload_task_layers()
        if self.selected_jcbh():
            self.show_photos(self.selected_jcbh())
