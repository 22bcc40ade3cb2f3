"""QGIS entry points. Imports stay lazy so that a broken environment cannot stop QGIS."""


def classFactory(iface):  # noqa: N802 (QGIS API name)
    from .plugin import LandEnforcementPlugin

    return LandEnforcementPlugin(iface)
