"""Showing core errors to the user in the language QGIS runs in."""
from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QLocale

from ..core.errors import LandEnforcementError


def ui_is_chinese():
    if QgsSettings().value("locale/overrideFlag", False, type=bool):
        return str(QgsSettings().value("locale/userLocale", "")).startswith("zh")
    return QLocale().name().startswith("zh")


def error_text(exc):
    if isinstance(exc, LandEnforcementError):
        return exc.zh if ui_is_chinese() else exc.en
    return str(exc)
