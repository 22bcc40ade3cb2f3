"""Red-line layers as the overlay recorded them (a file or a PostGIS table), drawn as it counted them."""
from qgis.core import QgsProviderRegistry, QgsVectorLayer

from .. import schema
from ..store.sql import sql_quote
from .engine_local import find_field


def redline_provider(uri):
    """Red lines recorded by the overlay are files (ogr) or PostGIS tables (postgres)."""
    return "postgres" if "table=" in uri and ("dbname=" in uri or "service=" in uri) else "ogr"


def cultivated_uri(uri):
    """A full land-use layer (with DLBM) is drawn as cultivated land only, as the overlay counted it.
    The filter goes into the URI: setSubsetString on a layer of a GeoPackage that has another layer
    open breaks the layers opened after it ("unable to open database file", QGIS 3.40)."""
    provider = redline_provider(uri)
    probe = QgsVectorLayer(uri, "", provider)
    dlbm = find_field(probe, schema.DLBM_FIELDS)
    del probe
    if dlbm is None:
        return uri
    parts = QgsProviderRegistry.instance().decodeUri(provider, uri)
    key = "sql" if provider == "postgres" else "subset"
    condition = f'"{dlbm}" IN ({", ".join(sql_quote(code) for code in schema.CULTIVATED_DLBM)})'
    parts[key] = f"({parts[key]}) AND {condition}" if parts.get(key) else condition
    return QgsProviderRegistry.instance().encodeUri(provider, parts)
