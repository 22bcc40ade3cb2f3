"""Run a core function as a QgsTask: progress in the status bar and the dock, cancel, no frozen UI."""
from qgis.core import QgsApplication, QgsFeedback, QgsTask


class CoreTask(QgsTask):
    """Runs work(feedback) in a worker thread; calls done(result, error) back on the main thread.

    Core functions report through a QgsFeedback, so they run the same here as in Processing.
    """

    def __init__(self, description, work, done):
        super().__init__(description, QgsTask.CanCancel)
        self._work = work
        self._done = done
        self.feedback = QgsFeedback()
        self.feedback.progressChanged.connect(self.setProgress)
        self.result = None
        self.error = None

    def run(self):
        try:
            self.result = self._work(self.feedback)
        except Exception as exc:  # handed to the main thread, shown to the user there
            self.error = exc
            return False
        return True

    def cancel(self):
        self.feedback.cancel()
        super().cancel()

    def finished(self, ok):
        self._done(self.result, self.error)


def start(task):
    QgsApplication.taskManager().addTask(task)
    return task
