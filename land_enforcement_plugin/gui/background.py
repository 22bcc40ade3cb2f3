"""Run a core function as a QgsTask: progress in the status bar and the dock, cancel, no frozen UI."""
import time
import traceback

from qgis.core import Qgis, QgsApplication, QgsFeedback, QgsMessageLog, QgsTask
from qgis.PyQt.QtCore import QTimer

from ..core.collector import FROZEN_HEAP
from .messages import LOG_TAG

HAND_OVER_EVERY = 0.02  # seconds of background work between two turns of the UI thread


class _Feedback(QgsFeedback):
    """Core work asks for cancellation and reports progress per row; here both are also the UI
    thread's turns at Python's interpreter lock. A UI thread waiting for the lock gets it only when
    the lock has not changed hands for 5 ms, and background work that calls into QGIS or GDAL more
    often than that lets it go and takes it straight back every time: the UI waited 400 ms while a
    staff sheet was imported. So at most every HAND_OVER_EVERY the work sleeps a millisecond, in
    which the UI thread (woken when the lock was let go) takes it. Both are answered in Python, and
    a progress is passed on only when its whole percent changes (each is an event for the UI)."""

    def __init__(self):
        super().__init__()
        self._percent = 0
        self._cancelled = False
        self._next_turn = 0.0
        self.canceled.connect(self._note_cancel)  # however it was cancelled

    def _note_cancel(self):
        self._cancelled = True

    def _give_turn(self):
        now = time.monotonic()
        if now >= self._next_turn:
            time.sleep(0.001)
            self._next_turn = time.monotonic() + HAND_OVER_EVERY

    def isCanceled(self):  # noqa: N802 (Qt API)
        self._give_turn()
        return self._cancelled

    def setProgress(self, progress):  # noqa: N802 (Qt API)
        self._give_turn()
        if int(progress) != self._percent:
            self._percent = int(progress)
            super().setProgress(progress)


class CoreTask(QgsTask):
    """Runs work(feedback) in a worker thread; calls done(result, error) back on the main thread.

    Core functions report through a QgsFeedback, so they run the same here as in Processing. When
    the work fails, the panel shows the error in one line; the whole traceback goes to the QGIS log
    (Log Messages panel, the plugin's tab), where a bug can be reported from.
    """

    def __init__(self, description, work, done, hidden=False):
        flags = QgsTask.Flag.CanCancel
        if hidden:  # routine work (figures refreshed after a save) stays out of QGIS's task list
            flags |= QgsTask.Flag.Hidden
        super().__init__(description, flags)
        self._work = work
        self._done = done
        self.feedback = _Feedback()
        self.feedback.progressChanged.connect(self.setProgress)
        self.result = None
        self.error = None
        self.error_traceback = None

    def run(self):
        try:
            with FROZEN_HEAP:
                self.result = self._work(self.feedback)
        except Exception as exc:  # handed to the main thread, shown to the user there
            self.error = exc
            self.error_traceback = traceback.format_exc()
            return False
        return True

    def cancel(self):
        self.feedback.cancel()
        super().cancel()

    def abandon(self):
        self._done = lambda result, error: None
        self.cancel()

    def finished(self, ok):
        if self.error is not None:  # logged even when the panel is gone (abandoned)
            QgsMessageLog.logMessage(f"{self.description()}:\n{self.error_traceback}", LOG_TAG,
                                     Qgis.MessageLevel.Critical)
        self._done(self.result, self.error)


def abandoned(task):
    """None, after `task` (a CoreTask or None) was abandoned: for a panel's running work when the
    plugin unloads."""
    if task is not None:
        task.abandon()


def start(task):
    QgsApplication.taskManager().addTask(task)
    return task


class Runner:
    """One background task at a time for a panel: its progress bar (and any widgets shown only
    while work runs) follow the task; `changed` is called when work starts and when it ends, so the
    panel can enable or disable its buttons."""

    def __init__(self, progress_bar, changed, shown_while_running=(), hidden=False):
        self.progress_bar = progress_bar
        self.changed = changed
        self.shown_while_running = shown_while_running
        self.hidden = hidden
        self.task = None
        # The bar reads the task's progress ten times a second: a Python slot on every progress
        # signal (core work reports per row) would wait for the interpreter lock each time, and the
        # UI thread with it, while the work runs Python.
        self._poll = QTimer(progress_bar)
        self._poll.setInterval(100)
        self._poll.timeout.connect(self._show_progress)

    def _show_progress(self):
        if self.task is not None:
            self.progress_bar.setValue(int(self.task.progress()))

    @property
    def idle(self):
        return self.task is None

    def start(self, description, work, done):
        """done(result, error) runs on the main thread after the bar is hidden again."""
        def finished(result, error):
            self.task = None
            self._poll.stop()
            for widget in (self.progress_bar, *self.shown_while_running):
                widget.setVisible(False)
            done(result, error)
            self.changed()

        self.task = CoreTask(description, work, finished, self.hidden)
        self.progress_bar.setValue(0)
        self._poll.start()
        for widget in (self.progress_bar, *self.shown_while_running):
            widget.setVisible(True)
        self.changed()
        start(self.task)

    def cancel(self):
        if self.task is not None:
            self.task.cancel()

    def abandon(self):
        """The panel goes away (the plugin unloads): its task is cancelled and, whenever it ends,
        touches nothing of the panel."""
        self._poll.stop()
        self.task = abandoned(self.task)
