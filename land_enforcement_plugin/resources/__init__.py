"""The plugin's icons, loaded from their files: no compiled Qt resources (pyrcc5 is gone in Qt 6)."""
import os

from qgis.PyQt.QtGui import QIcon

ICONS_DIR = os.path.join(os.path.dirname(__file__), "icons")


def icon_path(name):
    """The file of the named icon (`icon`, `task`, `review`, …)."""
    return os.path.join(ICONS_DIR, name + ".svg")


def icon(name):
    return QIcon(icon_path(name))


def plugin_icon():
    return icon("icon")
