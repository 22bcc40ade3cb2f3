"""Icons from the compiled Qt resources."""
from qgis.PyQt.QtGui import QIcon

from .. import resources_rc  # noqa: F401  (registers the :/plugins/land_enforcement_plugin resources)

_PREFIX = ":/plugins/land_enforcement_plugin/icons/"


def icon(name):
    return QIcon(_PREFIX + name + ".svg")


def plugin_icon():
    return icon("icon")
