"""The docks keep the UI thread free: the review list is read in the background and swapped in whole,
sorting and filtering keep the selected patch, background work passes on its progress per percent."""
import pytest
from conftest import running_plugin, wait_for
from county_delivery import five_patches_in_two_townships
from qgis.core import QgsApplication
from qgis.PyQt.QtCore import Qt

from land_enforcement_plugin.gui import background


@pytest.fixture
def overlaid_task(tmp_path, task_path):
    return five_patches_in_two_townships(tmp_path, task_path, 118.125, {"P2": {"verdict": "违法"}})


@pytest.fixture
def plugin(plugin_iface):
    with running_plugin(plugin_iface) as plugin:
        yield plugin


def shown_jcbhs(review):
    return [review.proxy.index(row, 0).data() for row in range(review.proxy.rowCount())]


def test_opening_a_task_returns_before_the_list_is_read_and_shows_it_whole(plugin, overlaid_task):
    review = plugin.review
    plugin.dock.set_task(overlaid_task)
    assert review.loading is not None and review.model.rowCount() == 0  # read in the background
    wait_for(lambda: review.loading is None)
    assert shown_jcbhs(review) == ["P1", "P2", "P3", "P4", "P5"]
    assert review.count.text().startswith("5 ") and "1 " in review.count.text()  # 1 verified
    assert review.township.count() == 3  # all, and the two townships of the overlay


def test_sorting_and_filtering_keep_the_selected_patch(plugin, overlaid_task):
    review = plugin.review
    plugin.dock.set_task(overlaid_task)
    wait_for(lambda: review.loading is None)
    assert review.select_jcbh("P3")
    review.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert shown_jcbhs(review) == ["P5", "P4", "P3", "P2", "P1"] and review.selected_jcbh() == "P3"
    review.status.setCurrentIndex(review.status.findData("unverified"))
    assert shown_jcbhs(review) == ["P5", "P4", "P3", "P1"] and review.selected_jcbh() == "P3"
    review.search.setText("p1")
    assert shown_jcbhs(review) == ["P1"] and review.selected_jcbh() is None  # filtered out
    assert not review.select_jcbh("P3")


def test_a_list_read_again_meanwhile_replaces_an_older_read(plugin, overlaid_task):
    review = plugin.review
    plugin.dock.set_task(overlaid_task)
    first = review.loading
    review.refresh()  # e.g. a verdict saved by a Processing algorithm while the list was read
    assert review.loading is not first
    wait_for(lambda: review.loading is None)
    assert review.model.rowCount() == 5


def test_background_work_reporting_every_row_passes_on_each_whole_percent_once():
    progress, done = [], []

    def rows(feedback):
        for row in range(20000):
            feedback.setProgress(100.0 * (row + 1) / 20000)
        return "written"

    task = background.CoreTask("rows", rows, lambda result, error: done.append((result, error)))
    task.progressChanged.connect(progress.append)
    background.start(task)
    wait_for(lambda: done)
    QgsApplication.processEvents()
    assert done == [("written", None)]
    assert 90 <= len(progress) <= 101 and max(progress) == 100  # not 20,000 events for the UI thread
