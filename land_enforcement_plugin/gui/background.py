"""Run a core function as a QgsTask: progress in the status bar and the dock, cancel, no frozen UI."""
import traceback

from qgis.core import Qgis, QgsApplication, QgsFeedback, QgsMessageLog, QgsTask

from .messages import LOG_TAG


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
        self.feedback = QgsFeedback()
        self.feedback.progressChanged.connect(self.setProgress)
        self.result = None
        self.error = None
        self.error_traceback = None

    def run(self):
        try:
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

    @property
    def idle(self):
        return self.task is None

    def start(self, description, work, done):
        """done(result, error) runs on the main thread after the bar is hidden again."""
        def finished(result, error):
            self.task = None
            for widget in (self.progress_bar, *self.shown_while_running):
                widget.setVisible(False)
            done(result, error)
            self.changed()

        self.task = CoreTask(description, work, finished, self.hidden)
        self.task.progressChanged.connect(lambda value: self.progress_bar.setValue(int(value)))
        self.progress_bar.setValue(0)
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
        if self.task is not None:
            self.task.progressChanged.disconnect()
        self.task = abandoned(self.task)
