"""Showing core errors and reports to the user in the language QGIS runs in; small questions."""
import re

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale
from qgis.PyQt.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox

from ..core import store
from ..core.errors import Bilingual, LandEnforcementError
from ..core.imagery import registry as imagery

LOG_TAG = "Land enforcement"  # the plugin's tab in QGIS's Log Messages panel

# A plain report line is "中文 / English"; the Chinese half may itself hold " / " before Chinese.
_HALVES = re.compile(r" / (?=[^\u3000-\u9fff\uff00-\uffef])")


def ui_is_chinese():
    if QgsSettings().value("locale/overrideFlag", False, type=bool):
        return str(QgsSettings().value("locale/userLocale", "")).startswith("zh")
    return QLocale().name().startswith("zh")


def error_text(exc):
    if isinstance(exc, LandEnforcementError):
        return exc.zh if ui_is_chinese() else exc.en
    return str(exc)


def report_text(lines):
    """Lines of a core report (errors.Bilingual, or "中文 / English" text), joined, each in the UI's
    language only."""
    chinese = ui_is_chinese()
    shown = []
    for line in lines:
        if isinstance(line, Bilingual):
            shown.append(line.zh if chinese else line.en)
            continue
        halves = _HALVES.split(line, maxsplit=1)
        shown.append(halves[0] if chinese or len(halves) == 1 else halves[1])
    return "\n".join(shown)


def ask_user_name(parent, again=False):
    """The person's name that the change history (修改记录) records, asked once and kept in the QGIS
    settings (again=True: to change it). Returns the name, or None when none was given."""
    current = store.saved_user_name()
    if current and not again:
        return current
    title = QCoreApplication.translate("UserName", "Your name")
    prompt = QCoreApplication.translate("UserName", "Your name, recorded with each verdict you save or import "
                                                    "(the change history):")
    name, ok = QInputDialog.getText(parent, title, prompt, QLineEdit.EchoMode.Normal, current)
    if not ok or not name.strip():
        return current or None
    store.set_user_name(name)
    return name.strip()


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
