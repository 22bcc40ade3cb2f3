"""Where imagery comes from: raster files (GeoTIFF, …), a folder of tiles as one VRT mosaic with its
overviews, and the tile services (XYZ, WMS/WMTS) saved in QGIS, whose credentials are looked up when
a layer is built and never stored."""
import glob
import os
import re
from urllib.parse import quote

from osgeo import gdal, osr
from qgis.core import QgsDataSourceUri, QgsOwsConnection, QgsRasterLayer, QgsSettings

from ..errors import LandEnforcementError
from ..messages import CANCELLED
from ..store import open_task

RASTER_SUFFIXES = (".tif", ".tiff", ".img", ".jp2", ".vrt")


# -- raster files and tile folders ---------------------------------------------------------------
def raster_date(path):
    """The acquisition date a GeoTIFF states (TIFFTAG_DATETIME, 'YYYY:MM:DD hh:mm:ss'), or None."""
    ds = gdal.OpenEx(path, gdal.OF_RASTER)
    stamp = (ds.GetMetadataItem("TIFFTAG_DATETIME") or ds.GetMetadataItem("ACQUISITIONDATETIME") or "") if ds else ""
    ds = None
    match = re.match(r"(\d{4})[:-](\d{2})[:-](\d{2})", stamp)
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}" if match else None


def working_srs(task_path):
    with open_task(task_path) as store:
        working = store.meta()["working_crs"]
    srs = osr.SpatialReference()
    srs.SetFromUserInput(working)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def raster_facts(path):
    """(projection WKT, band count, (xmin, ymin, xmax, ymax) in its CRS) of a raster file."""
    try:
        ds = gdal.OpenEx(path, gdal.OF_RASTER)
    except RuntimeError:  # GDAL's exceptions are on (core/store.py)
        ds = None
    if ds is None:
        raise LandEnforcementError(f"不是可读取的影像（栅格）文件，如 GeoTIFF：{path}",
                                   f"Not a readable image (raster) file such as a GeoTIFF: {path}")
    try:
        wkt = ds.GetProjection()
        x0, dx, rx, y0, ry, dy = ds.GetGeoTransform(can_return_null=True) or (None,) * 6
        if not wkt or x0 is None:
            raise LandEnforcementError(f"影像没有坐标系或地理参考：{path}",
                                       f"The image has no coordinate system or georeference: {path}")
        xs = [x0, x0 + dx * ds.RasterXSize + rx * ds.RasterYSize]
        ys = [y0, y0 + ry * ds.RasterXSize + dy * ds.RasterYSize]
        return wkt, ds.RasterCount, (min(xs), min(ys), max(xs), max(ys))
    finally:
        ds = None


def to_working(box, wkt, working_srs):
    source = osr.SpatialReference()
    source.ImportFromWkt(wkt)
    source.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    if source.IsSame(working_srs):
        out = box
    else:
        out = osr.CoordinateTransformation(source, working_srs).TransformBounds(*box, 21)
    return [round(value, 2) for value in out]


def tile_paths(folder):
    """The raster tiles in a folder and its subfolders, in name order."""
    found = set()
    for suffix in RASTER_SUFFIXES[:-1]:  # a VRT among tiles would be read twice
        for pattern in (f"*{suffix}", f"*{suffix.upper()}"):
            found.update(glob.glob(os.path.join(glob.escape(folder), "**", pattern), recursive=True))
    return sorted(found)


def build_vrt(folder, vrt_path, feedback=None):
    """One VRT over every tile of a folder, referencing the tiles in place. Returns (tile count,
    extent and per-tile boxes in the tiles' CRS, projection WKT). All tiles must share a CRS and a
    band count; uncovered parts of the mosaic are made transparent."""
    tiles = tile_paths(folder)
    if not tiles:
        raise LandEnforcementError(f"文件夹中没有影像瓦片（{', '.join(RASTER_SUFFIXES[:-1])}）：{folder}",
                                   f"No image tiles ({', '.join(RASTER_SUFFIXES[:-1])}) in the folder: {folder}")
    first_srs, bands, boxes = None, None, []
    for index, tile in enumerate(tiles):
        if feedback is not None:
            if feedback.isCanceled():
                raise CANCELLED.error()
            feedback.setProgress(80.0 * index / len(tiles))
        wkt, count, box = raster_facts(tile)
        srs = osr.SpatialReference()
        srs.ImportFromWkt(wkt)
        if first_srs is None:
            first_srs, bands, first_wkt = srs, count, wkt
        elif not srs.IsSame(first_srs) or count != bands:
            raise LandEnforcementError(
                f"瓦片 {os.path.relpath(tile, folder)} 的坐标系或波段数与 {os.path.relpath(tiles[0], folder)} 不同",
                f"Tile {os.path.relpath(tile, folder)} differs from {os.path.relpath(tiles[0], folder)} "
                "in coordinate system or band count")
        boxes.append(box)
    extent = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    covered = sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes)
    gaps = covered < 0.999 * (extent[2] - extent[0]) * (extent[3] - extent[1])
    os.makedirs(os.path.dirname(vrt_path), exist_ok=True)
    options = gdal.BuildVRTOptions(resolution="highest", addAlpha=gaps and bands in (1, 3))
    ds = gdal.BuildVRT(vrt_path, tiles, options=options)
    if ds is None:
        raise LandEnforcementError(f"无法生成影像镶嵌：{vrt_path}", f"Cannot build the image mosaic: {vrt_path}")
    ds = None
    build_overviews(vrt_path, feedback)
    if feedback is not None:
        feedback.setProgress(100)
    return len(tiles), extent, boxes, first_wkt


OVERVIEWS_FROM_PIXELS = 8192  # a mosaic wider or taller than this gets overviews, unless its tiles have them


def build_overviews(vrt_path, feedback=None, from_pixels=None):
    """External overviews (<mosaic>.vrt.ovr, beside it in the task's imagery folder) for a large
    mosaic whose tiles have none, so that a township or the county seen whole is drawn from them
    instead of from every tile. JPEG for 8-bit RGB, lossless otherwise. Returns whether it built them;
    a cancel leaves no partial file."""
    from_pixels = OVERVIEWS_FROM_PIXELS if from_pixels is None else from_pixels
    ds = gdal.Open(vrt_path)  # read-only: the overviews go to an .ovr file
    try:
        band = ds.GetRasterBand(1)
        size = max(ds.RasterXSize, ds.RasterYSize)
        if size <= from_pixels or band.GetOverviewCount() > 0:
            return False
        levels = [2 ** n for n in range(1, 32) if size / 2 ** n >= 256]
        rgb = ds.RasterCount == 3 and band.DataType == gdal.GDT_Byte
        options = {"COMPRESS_OVERVIEW": "JPEG" if rgb else "DEFLATE", "PHOTOMETRIC_OVERVIEW": "YCBCR" if rgb else "",
                   "INTERLEAVE_OVERVIEW": "PIXEL", "BIGTIFF_OVERVIEW": "IF_SAFER"}

        def progressed(complete, _message, _data):
            if feedback is None:
                return 1
            feedback.setProgress(80.0 + 20.0 * complete)
            return 0 if feedback.isCanceled() else 1

        for key, value in options.items():
            gdal.SetThreadLocalConfigOption(key, value or None)
        try:
            ds.BuildOverviews("AVERAGE", levels, callback=progressed)
        except RuntimeError as exc:
            ds = None
            if os.path.exists(vrt_path + ".ovr"):
                os.remove(vrt_path + ".ovr")
            if feedback is not None and feedback.isCanceled():
                raise CANCELLED.error() from exc
            raise LandEnforcementError(f"无法生成影像金字塔：{vrt_path}（{exc}）",
                                       f"Cannot build the image overviews: {vrt_path} ({exc})") from exc
        finally:
            for key in options:
                gdal.SetThreadLocalConfigOption(key, None)
        return True
    finally:
        ds = None


# -- saved QGIS connections ----------------------------------------------------------------------
def _xyz_settings(name):
    """The saved XYZ connection's values (QGIS 3.30+ settings tree, or the older qgis/connections-xyz)."""
    settings = QgsSettings()
    for base in (f"connections/xyz/items/{name}", f"qgis/connections-xyz/{name}"):
        url = settings.value(f"{base}/url", "")
        if url:
            return {key: settings.value(f"{base}/{key}", "") for key in
                    ("url", "zmin", "zmax", "authcfg", "username", "password", "http-header", "referer")}
    return None


def saved_connections():
    """[(kind, name)] of the tile services saved in QGIS: kind "xyz" or "wms" (WMS and WMTS)."""
    settings = QgsSettings()
    names = set()
    for base in ("connections/xyz/items", "qgis/connections-xyz"):
        settings.beginGroup(base)
        names.update(group for group in settings.childGroups() if settings.value(f"{group}/url", ""))
        settings.endGroup()
    found = [("xyz", name) for name in sorted(names)]
    found += [("wms", name) for name in sorted(QgsOwsConnection.connectionList("wms"))]
    return found


def connection_uri(kind, name, layer=None, tile_matrix_set=None, image_format="image/png", crs=None,
                   credentials=False):
    """The QGIS 'wms' provider URI of a saved connection. XYZ needs nothing more; WMS/WMTS need the
    layer (and for WMTS its tile matrix set). Credentials are left out unless asked for."""
    if kind == "xyz":
        values = _xyz_settings(name)
        if values is None:
            raise LandEnforcementError(f"QGIS 中没有名为“{name}”的 XYZ 连接", f"No saved XYZ connection named '{name}'")
        parts = [("type", "xyz"), ("url", values["url"])]
        parts += [(key, str(values[key])) for key in ("zmin", "zmax") if str(values[key]) != ""]
        if values["authcfg"]:
            parts.append(("authcfg", values["authcfg"]))
        if credentials and values["username"]:
            parts += [("username", values["username"]), ("password", values["password"])]
        return "&".join(f"{key}={quote(value, safe=':/')}" for key, value in parts)
    if kind != "wms":
        raise LandEnforcementError(f"未知的连接类型：{kind}", f"Unknown connection kind: {kind}")
    if name not in QgsOwsConnection.connectionList("wms"):
        raise LandEnforcementError(f"QGIS 中没有名为“{name}”的 WMS/WMTS 连接",
                                   f"No saved WMS/WMTS connection named '{name}'")
    if not layer:
        raise LandEnforcementError("WMS/WMTS 连接需指定图层名", "A WMS/WMTS connection needs a layer name")
    uri = QgsOwsConnection("wms", name).uri()
    if not credentials:
        uri.removeParam("username")
        uri.removeParam("password")
    uri.setParam("layers", layer)
    uri.setParam("styles", "")
    uri.setParam("format", image_format)
    uri.setParam("crs", crs or "EPSG:3857")
    if tile_matrix_set:
        uri.setParam("tileMatrixSet", tile_matrix_set)
    return bytes(uri.encodedUri()).decode()


# -- layers ------------------------------------------------------------------------------------------
def _with_credentials(entry):
    """A service URI with the saved connection's user name and password (looked up, never stored)."""
    connection = entry.get("connection") or ""
    kind, _, name = connection.partition(":")
    if entry.get("provider") != "wms" or kind not in ("xyz", "wms"):
        return entry["source"]
    uri = QgsDataSourceUri()
    uri.setEncodedUri(entry["source"])
    if uri.param("username"):
        return entry["source"]
    if kind == "xyz":
        values = _xyz_settings(name) or {}
        user, password = values.get("username"), values.get("password")
    else:
        saved = QgsOwsConnection("wms", name).uri() if name in QgsOwsConnection.connectionList("wms") else None
        user, password = (saved.param("username"), saved.param("password")) if saved else (None, None)
    if not user:
        return entry["source"]
    uri.setParam("username", user)
    uri.setParam("password", password or "")
    return bytes(uri.encodedUri()).decode()


def raster_layer(entry, name=None):
    """A QgsRasterLayer of an (resolved) entry; check isValid(). Built by the caller's thread."""
    return QgsRasterLayer(_with_credentials(entry), name or entry.get("name") or "", entry.get("provider", "gdal"))
