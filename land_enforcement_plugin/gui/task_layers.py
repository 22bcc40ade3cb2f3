"""Which project layers show the open task, whether it is a GeoPackage or a PostGIS schema."""
from qgis.core import QgsDataSourceUri, QgsVectorLayer

from ..core.store import is_postgis, task_name


def task_table(layer, task_path):
    """The task table a project layer shows, or None when it is not one of the task's."""
    if not task_path or not isinstance(layer, QgsVectorLayer):
        return None
    source = layer.source()
    if is_postgis(task_path):
        if layer.providerType() != "postgres":
            return None
        uri = QgsDataSourceUri(source)
        return uri.table() if uri.schema() == task_name(task_path) else None
    if layer.providerType() != "ogr" or not source.startswith(task_path):
        return None
    _, _, table = source.partition("|layername=")
    return table.split("|")[0] or None
