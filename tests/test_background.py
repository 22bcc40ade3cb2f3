"""Background work (gui/background.py): cancelled however QGIS cancels it, and leaving the UI thread
its turns at Python's interpreter lock."""
import time

from conftest import wait_for
from qgis.core import QgsApplication, QgsTask

from land_enforcement_plugin.gui import background


def test_cancelling_from_qgis_task_manager_reaches_the_work(qgis_app):
    """The work's feedback answers isCanceled in Python (no call into QGIS per row): a cancel from
    QGIS's task list (C++) must still reach it."""
    done = {}

    def work(feedback):
        rows = 0
        while not feedback.isCanceled():
            rows += 1
        return rows

    task = background.start(background.CoreTask("rows", work, lambda result, error: done.update(result=result)))
    wait_for(lambda: task.status() == QgsTask.TaskStatus.Running)
    QgsApplication.taskManager().cancelAll()
    wait_for(lambda: "result" in done)
    assert done["result"] > 0


def test_feedback_gives_the_ui_thread_a_turn_every_20_ms(qgis_app, monkeypatch):
    """Work reporting per row sleeps a moment every HAND_OVER_EVERY (the UI thread, waiting for the
    lock, takes it then; see background._Feedback), however often it reports: eleven turns in 0.2 s
    (the first at once), not one per row."""
    turns = []
    monkeypatch.setattr(background.time, "sleep", turns.append)
    feedback = background.CoreTask("rows", None, None).feedback
    rows, end = 0, time.monotonic() + 0.2
    while time.monotonic() < end:
        feedback.isCanceled()
        feedback.setProgress(rows % 100)
        rows += 1
    assert rows > 1000 and 9 <= len(turns) <= 12
