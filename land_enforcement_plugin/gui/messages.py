"""Showing core errors to the user in the language QGIS runs in."""
from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale
from qgis.PyQt.QtWidgets import QFileDialog, QMessageBox

from ..core import imagery
from ..core.errors import LandEnforcementError


def ui_is_chinese():
    if QgsSettings().value("locale/overrideFlag", False, type=bool):
        return str(QgsSettings().value("locale/userLocale", "")).startswith("zh")
    return QLocale().name().startswith("zh")


def error_text(exc):
    if isinstance(exc, LandEnforcementError):
        return exc.zh if ui_is_chinese() else exc.en
    return str(exc)


def sheets_destination(parent, task_path, caption, folder=None, chips=None):
    """(folder, chips) for verification sheets about to be written: the folder chosen unless given,
    whether to show image chips asked unless given; None when the user cancels either."""
    folder = folder or QFileDialog.getExistingDirectory(parent, caption)
    if not folder:
        return None
    chips = ask_for_chips(parent, task_path) if chips is None else chips
    return None if chips is None else (folder, chips)


def ask_for_chips(parent, task_path):
    """Whether sheets about to be written should show each patch's before/after image chips: asked
    only when the task has imagery (False otherwise); None when the user cancels."""
    if not imagery.entries(task_path):
        return False
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent, QCoreApplication.translate("Sheets", "Verification sheets"),
        QCoreApplication.translate("Sheets", "Show each patch's before and after images in its row? Township staff "
                                             "then see the change without QGIS (about 0.1 s a patch)."),
        buttons.Yes | buttons.No | buttons.Cancel, buttons.No)
    return None if answer == buttons.Cancel else answer == buttons.Yes
