"""The task's imagery (卫片影像): before / after rasters or tile services, matched to a patch by its dates.

The province ships imagery with each batch: GeoTIFF files, folders of tiles, or a WMTS/XYZ service.
The task keeps a registry of them in task_meta["imagery"] (JSON, no schema change): a list of

    {"source": path or provider URI, "provider": "gdal" | "wms" (XYZ/WMTS/WMS), "name": shown name,
     "role": "before" | "after" | "any", "date_from": "YYYY-MM-DD" or a month "YYYY-MM", "date_to": the same,
     optional: "kind" (file/folder/connection/layer), "folder" (the tiles of a VRT), "connection"
     (a saved QGIS connection whose credentials are looked up when the layer is built, never stored),
     "extent" [xmin, ymin, xmax, ymax] and "tiles" [[...], ...] in the working CRS (coverage)}

A folder of tiles becomes one GDAL VRT beside the task that references the tiles where they are
(nothing is copied). match() picks, for a patch, the nearest image on or before its earlier date
(QSX) and the nearest on or after its later date (HSX), a month (as provinces deliver QSX/HSX)
standing for its days; render_chip() draws an image around a patch (no widgets, any thread);
export_chips() writes a patch's chips as PNG files.
"""
import datetime
import glob
import json
import math
import os
import re
from typing import NamedTuple
from urllib.parse import quote

from osgeo import gdal, osr
from qgis.core import (QgsCoordinateReferenceSystem, QgsDataSourceUri, QgsFeature, QgsFillSymbol, QgsGeometry,
                       QgsMapRendererCustomPainterJob, QgsMapSettings, QgsOwsConnection, QgsRasterLayer,
                       QgsRectangle, QgsSettings, QgsSingleSymbolRenderer, QgsVectorLayer)
from qgis.PyQt.QtCore import QPointF, QRectF, QSize, Qt
from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter, QPen

from .. import schema
from ..errors import LandEnforcementError
from ..review.photos import safe_name
from ..store import open_task, task_files_folder, task_name
from ..store.sql import sql_quote
from ..dates import parse_image_date, period, period_or_none

META_KEY = "imagery"
ROLES = ("before", "after", "any")
ROLE_ZH = {"before": "前时相", "after": "后时相", "any": "前后均可"}
PROVIDERS = ("gdal", "wms")
RASTER_SUFFIXES = (".tif", ".tiff", ".img", ".jp2", ".vrt")
MARGIN = 0.6  # a chip or view frames the patch grown by 60% (as the evidence sheet's map does)
MIN_FRAME_M = 120.0  # ... and never narrower than this: a 20 m patch still shows its surroundings
MAX_TILE_FOOTPRINTS = 2000  # more tiles than this: coverage by the mosaic's extent only
CHIP_SIZE = 600
FONT_FAMILY = "Noto Sans CJK SC"
OUTLINE_COLOUR = "255,0,0"
REDLINE_OUTLINES = {  # the red lines over imagery: outlines only, so the ground stays visible
    "cultivated": {"style": "no", "outline_color": "240,220,90", "outline_width": "0.2"},
    "permanent_farmland": {"style": "no", "outline_color": "80,230,60", "outline_width": "0.5"},
    "eco_redline": {"style": "no", "outline_color": "230,0,150", "outline_width": "0.6", "outline_style": "dash"},
    "townships": {"style": "no", "outline_color": "255,255,255", "outline_width": "0.6", "outline_style": "dash dot"},
    "approvals": {"style": "no", "outline_color": "0,170,255", "outline_width": "0.5"},
}
_DATE_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.年]?(0[1-9]|1[0-2])[-_.月]?(0[1-9]|[12]\d|3[01])(?!\d)")
_MONTH_IN_TEXT = re.compile(r"(?<!\d)(?:19|20)\d{2}(?:[-_.]?(?:0[1-9]|1[0-2])|年(?:0?[1-9]|1[0-2])月)(?!\d)")
_ROLE_WORDS = {"before": ("before", "前时相", "qsx", "_pre", "pre_"),
               "after": ("after", "后时相", "hsx", "_post", "post_")}


class Reason(NamedTuple):
    """Why a side has no image (side "before" / "after"), or a note on the patch (side None)."""

    side: str
    zh: str
    en: str


class Match(NamedTuple):
    """What match() found: the before and after entries (or None) and the reasons (Reason) a side
    has none. Unpacks as (before, after, reasons)."""

    before: dict
    after: dict
    reasons: list


# -- dates --------------------------------------------------------------------------------------
def shown_date(value):
    """A patch or image date as shown: '2024-03-15', a month as '2022-10'; unreadable text as it is."""
    if value is None or str(value).strip() in ("", "NULL"):
        return ""
    try:
        return parse_image_date(value)
    except ValueError:
        return str(value).strip()


def _clean_date(value, what):
    """An entry's date as stored: 'YYYY-MM-DD', or 'YYYY-MM' for a month (kept as a month)."""
    if value is None or str(value).strip() == "":
        return None
    try:
        return parse_image_date(value)
    except ValueError:
        raise LandEnforcementError(f"无法识别的{what}日期：{value}（应为 2024-03-15 或月份 2024-03 之类）",
                                   f"Unreadable {what} date: {value} (expected e.g. 2024-03-15, "
                                   "or a month such as 2024-03)") from None


def span(entry):
    """(first, last) day an entry stands for (a month stands for all its days), or None when it has
    no date (it never matches)."""
    first, last = period_or_none(entry.get("date_from")), period_or_none(entry.get("date_to"))
    if first is None and last is None:
        return None
    first, last = first or last, last or first
    return min(first[0], last[0]), max(first[1], last[1])


def date_text(entry):
    """'2024-03-15', '2022-10', '2023-09-01～2023-10-31' or '' for display."""
    if span(entry) is None:
        return ""
    shown = [shown_date(entry.get(key)) for key in ("date_from", "date_to") if shown_date(entry.get(key))]
    return shown[0] if len(set(shown)) == 1 else "～".join(shown)


def guess_date(text):
    """The first plausible date in a file or folder name ('GF2_20240315_...' -> '2024-03-15'), else the
    first month ('前时相_202210' -> '2022-10'), or None."""
    name = os.path.basename(str(text).rstrip("/\\"))
    for match in _DATE_IN_TEXT.finditer(name):
        try:
            return datetime.date(*(int(g) for g in match.groups())).isoformat()
        except ValueError:
            continue
    month = _MONTH_IN_TEXT.search(name)
    return parse_image_date(month.group().replace("_", "-")) if month else None


def guess_role(text):
    """'before' / 'after' from words in a name (前时相, after, hsx, …), else 'any'."""
    lowered = os.path.basename(str(text).rstrip("/\\")).lower()
    found = [role for role, words in _ROLE_WORDS.items() if any(word in lowered for word in words)]
    return found[0] if len(found) == 1 else "any"


def _raster_date(path):
    """The acquisition date a GeoTIFF states (TIFFTAG_DATETIME, 'YYYY:MM:DD hh:mm:ss'), or None."""
    ds = gdal.OpenEx(path, gdal.OF_RASTER)
    stamp = (ds.GetMetadataItem("TIFFTAG_DATETIME") or ds.GetMetadataItem("ACQUISITIONDATETIME") or "") if ds else ""
    ds = None
    match = re.match(r"(\d{4})[:-](\d{2})[:-](\d{2})", stamp)
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}" if match else None


# -- matching ----------------------------------------------------------------------------------
def _covers(entry, bbox):
    """Whether an entry's imagery reaches the patch's bounding box (working CRS). An entry that does
    not know its footprint (a tile service) covers everything."""
    if bbox is None or not entry.get("extent"):
        return True
    xmin, ymin, xmax, ymax = bbox

    def touches(box):
        return box[0] <= xmax and box[2] >= xmin and box[1] <= ymax and box[3] >= ymin

    if not touches(entry["extent"]):
        return False
    tiles = entry.get("tiles")
    return not tiles or any(touches(tile) for tile in tiles)


def match(patch_qsx, patch_hsx, entries, bbox=None) -> Match:
    """The before image: the entry (role before or any) whose period is nearest on or before QSX's
    period; the after image: the nearest on or after HSX's. A date is a day or a month (its days), an
    entry's a day, a month or a range: periods that overlap count as "on" (exact). Ties go to the
    shorter range, then to the entry listed first. An image after QSX's period never stands for
    "before" (it may show the change already), nor one before HSX's period for "after". bbox: the
    patch's (xmin, ymin, xmax, ymax) in the working CRS; entries whose recorded footprint misses it
    are left out. The same image is never both."""
    qsx, hsx = period_or_none(patch_qsx), period_or_none(patch_hsx)
    reasons = []
    dated = [(index, entry, span(entry)) for index, entry in enumerate(entries) if span(entry) is not None]
    covering = [(index, entry, dates) for index, entry, dates in dated if _covers(entry, bbox)]

    def candidates(role, patch_period, before_side):
        start, end = patch_period
        found = []
        for index, entry, (first, last) in covering:
            if entry.get("role", "any") not in (role, "any"):
                continue
            if before_side and first <= end:
                found.append(((max((start - last).days, 0), (last - first).days, index), entry))
            elif not before_side and last >= start:
                found.append(((max((first - end).days, 0), (last - first).days, index), entry))
        return [entry for _, entry in sorted(found, key=lambda item: item[0])]

    def explain(side_zh, side_en, field, patch_period, value, before_side):
        side = "before" if before_side else "after"
        if patch_period is None:
            if value is None or str(value).strip() in ("", "NULL"):
                return Reason(side, f"图斑没有{side_zh}日期（{field}），无法匹配{side_zh}影像",
                              f"The patch has no {side_en} date ({field}): no {side_en} image can be matched")
            return Reason(side, f"图斑的{field}“{value}”不是日期，无法匹配{side_zh}影像",
                          f"The patch's {field} '{value}' is not a date: no {side_en} image can be matched")
        where, where_en = ("当时或之前", "on or before") if before_side else ("当时或之后", "on or after")
        if not entries:
            return Reason(side, "任务尚未登记影像", "The task has no imagery registered")
        if not dated:
            return Reason(side, "已登记的影像都没有日期，请在影像列表中填写", "No registered image has a date: fill them in")
        if not covering:
            return Reason(side, "已登记的影像都不覆盖该图斑", "No registered image covers this patch")
        date = shown_date(value)
        return Reason(side, f"没有{field} {date} {where}的{side_zh}影像覆盖该图斑",
                      f"No {side_en} image {where_en} {field} {date} covers this patch")

    before = after = None
    if qsx is not None:
        found = candidates("before", qsx, True)
        before = found[0] if found else None
    if before is None:
        reasons.append(explain("前时相", "before", "QSX", qsx, patch_qsx, True))
    if hsx is not None:
        found = [entry for entry in candidates("after", hsx, False) if entry is not before]
        after = found[0] if found else None
    if after is None:
        reasons.append(explain("后时相", "after", "HSX", hsx, patch_hsx, False))
    if qsx is not None and hsx is not None and qsx[0] > hsx[1]:
        reasons.append(Reason(None, f"图斑的前时相 {shown_date(patch_qsx)} 晚于后时相 {shown_date(patch_hsx)}",
                              f"The patch's QSX {shown_date(patch_qsx)} is later than its HSX {shown_date(patch_hsx)}"))
    return Match(before, after, reasons)


def date_warnings(task_path, new_entries):
    """[(entry name, zh, en)] for images dated after every patch's later date (HSX) or before every
    earlier date (QSX) of the task: most often a mistyped date (2030 for 2023). They are registered
    all the same; a task without patches warns of nothing."""
    store = open_task(task_path)
    try:
        rows = store.query(f"SELECT DISTINCT {schema.QSX.name} AS qsx, {schema.HSX.name} AS hsx "
                           f"FROM {schema.PATCHES_LAYER}")
    finally:
        store.close()
    qsx = [(period_or_none(row["qsx"]), row["qsx"]) for row in rows]
    hsx = [(period_or_none(row["hsx"]), row["hsx"]) for row in rows]
    earliest = min(((dates, value) for dates, value in qsx if dates), key=lambda item: item[0][0], default=None)
    latest = max(((dates, value) for dates, value in hsx if dates), key=lambda item: item[0][1], default=None)
    warnings = []
    for entry in new_entries:
        dates = span(entry)
        if dates is None:
            continue
        if latest is not None and dates[0] > latest[0][1]:
            warnings.append((entry["name"], f"影像“{entry['name']}”的日期 {date_text(entry)} 晚于所有图斑的后时相"
                                            f"（最晚 {shown_date(latest[1])}），请核对日期",
                             f"The date {date_text(entry)} of the image '{entry['name']}' is after every patch's "
                             f"later image date (HSX, latest {shown_date(latest[1])}): check the date"))
        elif earliest is not None and dates[1] < earliest[0][0]:
            warnings.append((entry["name"], f"影像“{entry['name']}”的日期 {date_text(entry)} 早于所有图斑的前时相"
                                            f"（最早 {shown_date(earliest[1])}），请核对日期",
                             f"The date {date_text(entry)} of the image '{entry['name']}' is before every patch's "
                             f"earlier image date (QSX, earliest {shown_date(earliest[1])}): check the date"))
    return warnings


def gap_days(entry, patch_date, side):
    """Days between a matched image and the patch date it stands for (0 when their periods overlap)."""
    dates, patch = span(entry), period_or_none(patch_date)
    if dates is None or patch is None:
        return None
    return max((patch[0] - dates[1]).days, 0) if side == "before" else max((dates[0] - patch[1]).days, 0)


# -- the registry --------------------------------------------------------------------------------
def imagery_folder(task_path):
    """Where the task's VRT mosaics go: <task>_imagery/ beside the task (as <task>_photos/)."""
    return os.path.join(task_files_folder(task_path), task_name(task_path) + "_imagery")


def load(store):
    """The registry as stored (sources as recorded)."""
    text = store.meta().get(META_KEY) or "[]"
    try:
        entries = json.loads(text)
    except ValueError:
        raise LandEnforcementError("任务库中的影像登记已损坏", "The task's imagery registry is damaged") from None
    return [dict(entry) for entry in entries if isinstance(entry, dict) and entry.get("source")]


def save(store, entries):
    store.set_meta(**{META_KEY: json.dumps(entries, ensure_ascii=False, sort_keys=True)})


def resolved(task_path, entry):
    """The entry with a file source relative to the task folder made absolute."""
    source = entry["source"]
    if entry.get("provider", "gdal") == "gdal" and not os.path.isabs(source):
        return dict(entry, source=os.path.normpath(os.path.join(task_files_folder(task_path), source)))
    return dict(entry)


def entries(task_path):
    """The task's imagery, sources resolved, in registry order."""
    store = open_task(task_path)
    try:
        return [resolved(task_path, entry) for entry in load(store)]
    finally:
        store.close()


def _stored_source(task_path, path):
    """A file inside the task folder is recorded relative to it: the folder can move as a whole."""
    path = os.path.abspath(path)
    base = os.path.abspath(task_files_folder(task_path))
    try:
        inside = os.path.commonpath([path, base]) == base
    except ValueError:  # another drive
        inside = False
    return os.path.relpath(path, base).replace("\\", "/") if inside else path


def make_entry(source, provider="gdal", name=None, role="any", date_from=None, date_to=None, **extra):
    """A checked registry entry (dates normalised to YYYY-MM-DD, a month to YYYY-MM)."""
    if provider not in PROVIDERS:
        raise LandEnforcementError(f"未知的影像类型：{provider}", f"Unknown imagery provider: {provider}")
    if role not in ROLES:
        raise LandEnforcementError(f"时相应为 before、after 或 any，而不是“{role}”",
                                   f"Role must be before, after or any, not '{role}'")
    first, last = _clean_date(date_from, "起始"), _clean_date(date_to, "截止")
    if first and last and period(last)[1] < period(first)[0]:
        raise LandEnforcementError(f"截止日期 {last} 早于起始日期 {first}", f"End date {last} is before start date {first}")
    entry = {"source": source, "provider": provider, "name": name or _default_name(source, provider), "role": role,
             "date_from": first, "date_to": last if last != first else None}
    entry.update({key: value for key, value in extra.items() if value is not None})
    return entry


def _default_name(source, provider):
    if provider == "gdal":
        return os.path.splitext(os.path.basename(source.rstrip("/\\")))[0]
    uri = QgsDataSourceUri()
    uri.setEncodedUri(source)
    return uri.param("layers") or uri.param("url") or source


def _add(task_path, new_entries):
    store = open_task(task_path)
    try:
        current = load(store)
        known = {entry["source"] for entry in current}
        for entry in new_entries:
            if entry["source"] in known:
                raise LandEnforcementError(f"影像已登记：{entry['name']}", f"Imagery already registered: {entry['name']}")
            known.add(entry["source"])
        save(store, current + new_entries)
    finally:
        store.close()
    return [resolved(task_path, entry) for entry in new_entries]


def _working_srs(task_path):
    store = open_task(task_path)
    try:
        working = store.meta()["working_crs"]
    finally:
        store.close()
    srs = osr.SpatialReference()
    srs.SetFromUserInput(working)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _raster_facts(path):
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


def _to_working(box, wkt, working_srs):
    source = osr.SpatialReference()
    source.ImportFromWkt(wkt)
    source.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    if source.IsSame(working_srs):
        out = box
    else:
        out = osr.CoordinateTransformation(source, working_srs).TransformBounds(*box, 21)
    return [round(value, 2) for value in out]


def add_files(task_path, paths, role="any", date_from=None, date_to=None):
    """Register raster files (GeoTIFF, …) as they are. A date left empty is read from the file name
    or the GeoTIFF's TIFFTAG_DATETIME; a role left "any" from words in the name (前时相, after, …).
    Returns the new entries."""
    working = _working_srs(task_path)
    new = []
    for path in paths:
        path = os.path.abspath(path)
        wkt, _, box = _raster_facts(path)
        extent = _to_working(box, wkt, working)
        first = date_from or guess_date(path) or _raster_date(path)
        new.append(make_entry(_stored_source(task_path, path), "gdal", role=role if role != "any" else guess_role(path),
                              date_from=first, date_to=date_to, kind="file", extent=extent))
    return _add(task_path, new)


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
                raise LandEnforcementError("已取消", "Cancelled")
            feedback.setProgress(80.0 * index / len(tiles))
        wkt, count, box = _raster_facts(tile)
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
                raise LandEnforcementError("已取消", "Cancelled") from exc
            raise LandEnforcementError(f"无法生成影像金字塔：{vrt_path}（{exc}）",
                                       f"Cannot build the image overviews: {vrt_path} ({exc})") from exc
        finally:
            for key in options:
                gdal.SetThreadLocalConfigOption(key, None)
        return True
    finally:
        ds = None


def add_tile_folder(task_path, folder, role="any", date_from=None, date_to=None, name=None, feedback=None):
    """Register a folder of tiles as one image: a VRT in <task>_imagery/ that references the tiles
    where they are (nothing copied). Returns the new entry."""
    folder = os.path.abspath(folder)
    name = name or os.path.basename(folder.rstrip("/\\"))
    # A VRT the registry still uses keeps its name; one left over (a task made again) is rebuilt.
    registered = entries(task_path)
    same = [entry["name"] for entry in registered if entry.get("folder") == folder]
    if same:
        raise LandEnforcementError(f"该文件夹已登记为“{same[0]}”：{folder}",
                                   f"The folder is already registered as '{same[0]}': {folder}")
    used = {os.path.abspath(entry["source"]) for entry in registered}
    stem = os.path.join(imagery_folder(task_path), safe_name(name))
    vrt, number = stem + ".vrt", 2
    while os.path.abspath(vrt) in used:
        vrt, number = f"{stem}_{number}.vrt", number + 1
    working = _working_srs(task_path)
    if os.path.exists(vrt + ".ovr"):  # a left-over mosaic's overviews would be drawn for this one
        os.remove(vrt + ".ovr")
    try:
        count, extent, boxes, wkt = build_vrt(folder, vrt, feedback)
        tiles = [_to_working(box, wkt, working) for box in boxes] if len(boxes) <= MAX_TILE_FOOTPRINTS else None
        entry = make_entry(_stored_source(task_path, vrt), "gdal", name=name,
                           role=role if role != "any" else guess_role(folder),
                           date_from=date_from or guess_date(folder), date_to=date_to, kind="folder", folder=folder,
                           tile_count=count, extent=_to_working(extent, wkt, working), tiles=tiles)
        return _add(task_path, [entry])[0]
    except BaseException:  # failed or cancelled: no mosaic and no overviews left behind
        for built in (vrt, vrt + ".ovr"):
            if os.path.exists(built):
                os.remove(built)
        raise


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
        raise LandEnforcementError(f"QGIS 中没有名为“{name}”的 WMS/WMTS 连接", f"No saved WMS/WMTS connection named '{name}'")
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


def add_connection(task_path, name, kind="xyz", layer=None, role="any", date_from=None, date_to=None,
                   tile_matrix_set=None, image_format="image/png", crs=None, display_name=None):
    """Register a saved QGIS connection (XYZ, WMS or WMTS). A tile service rarely knows its footprint:
    it covers every patch as far as matching goes. Returns the new entry."""
    source = connection_uri(kind, name, layer, tile_matrix_set, image_format, crs)
    entry = make_entry(source, "wms", name=display_name or (f"{name} {layer}" if layer else name),
                       role=role if role != "any" else guess_role(name),
                       date_from=date_from or guess_date(name), date_to=date_to, kind="connection",
                       connection=f"{kind}:{name}")
    return _add(task_path, [entry])[0]


def add_layer(task_path, layer, role="any", date_from=None, date_to=None):
    """Register a raster layer already in QGIS (a file, or a service added through QGIS's own
    dialogs): its source and provider are recorded. Returns the new entry."""
    provider = layer.providerType()
    if provider == "gdal":
        return add_files(task_path, [layer.source()], role, date_from or guess_date(layer.name()), date_to)[0]
    if provider != "wms":
        raise LandEnforcementError(f"不支持的影像图层类型：{provider}", f"Unsupported imagery layer type: {provider}")
    uri = QgsDataSourceUri()
    uri.setEncodedUri(layer.source())
    uri.removeParam("password")  # never into the task database
    entry = make_entry(bytes(uri.encodedUri()).decode(), "wms", name=layer.name(),
                       role=role if role != "any" else guess_role(layer.name()),
                       date_from=date_from or guess_date(layer.name()), date_to=date_to, kind="layer")
    return _add(task_path, [entry])[0]


def _same_source(task_path, entry, source):
    """source names entry, as recorded or as resolved."""
    return source in (entry["source"], resolved(task_path, entry)["source"])


def update(task_path, source, **changes):
    """Change an entry's name, role or dates (the table in the imagery dock); source as recorded or
    resolved. Returns the entry."""
    allowed = {"name", "role", "date_from", "date_to"}
    unknown = set(changes) - allowed
    if unknown:
        raise LandEnforcementError(f"不能修改：{', '.join(sorted(unknown))}", f"Cannot change: {', '.join(sorted(unknown))}")
    store = open_task(task_path)
    try:
        current = load(store)
        for index, entry in enumerate(current):
            if _same_source(task_path, entry, source):
                merged = dict(entry, **changes)
                extra = {k: v for k, v in merged.items() if k not in ("source", "provider", "name", "role",
                                                                          "date_from", "date_to")}
                current[index] = make_entry(merged["source"], merged["provider"], merged.get("name") or None,
                                            merged.get("role") or "any", merged.get("date_from"),
                                            merged.get("date_to"), **extra)
                save(store, current)
                return resolved(task_path, current[index])
    finally:
        store.close()
    raise LandEnforcementError(f"影像未登记：{source}", f"Imagery not registered: {source}")


def remove(task_path, source):
    """Unregister an entry; a VRT this task built for a tile folder goes too (never the tiles)."""
    store = open_task(task_path)
    try:
        current = load(store)
        kept = [entry for entry in current if not _same_source(task_path, entry, source)]
        if len(kept) == len(current):
            return False
        save(store, kept)
    finally:
        store.close()
    gone = next(entry for entry in current if _same_source(task_path, entry, source))
    if gone.get("kind") == "folder":
        path = resolved(task_path, gone)["source"]
        ours = os.path.abspath(os.path.dirname(path)) == os.path.abspath(imagery_folder(task_path))
        for built in (path, path + ".ovr"):  # the mosaic and its overviews
            if ours and os.path.exists(built):
                os.remove(built)
    return True


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


def outline_layer(geometry, crs, colour=OUTLINE_COLOUR, width="0.7"):
    """A memory layer holding one outline (the patch), for chips."""
    layer = QgsVectorLayer(f"MultiPolygon?crs={crs.authid() or crs.toWkt()}", "patch", "memory")
    feature = QgsFeature()
    feature.setGeometry(geometry)
    layer.dataProvider().addFeatures([feature])
    layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
        {"style": "no", "outline_color": colour, "outline_width": width})))
    return layer


def redline_layers(redlines):
    """Outline-only vector layers of an overlay run's red lines ({role: uri, "approvals": [uri]}), top first."""
    layers = []
    for role in ("townships", "eco_redline", "permanent_farmland", "cultivated", "approvals"):
        uris = redlines.get(role) or []
        for uri in ([uris] if isinstance(uris, str) else uris):
            if role == "cultivated":
                from ..reports.evidence import _cultivated_uri

                uri = _cultivated_uri(uri)
            layer = QgsVectorLayer(uri, role, "ogr")
            if layer.isValid():
                layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(REDLINE_OUTLINES[role])))
                layers.append(layer)
    return layers


def frame(box, width_px, height_px, margin=MARGIN, minimum=MIN_FRAME_M):
    """The extent showing box (a QgsRectangle) in the middle, grown by margin, at the view's aspect."""
    aspect = width_px / float(height_px)
    half_width = max(box.width() * (1 + margin), box.height() * (1 + margin) * aspect, minimum) / 2
    half_height = half_width / aspect
    centre = box.center()
    return QgsRectangle(centre.x() - half_width, centre.y() - half_height, centre.x() + half_width,
                        centre.y() + half_height)


def nice_length(metres):
    """The round length (1, 2 or 5 × 10ⁿ m) at or below metres."""
    power = 10 ** math.floor(math.log10(max(metres, 1e-6)))
    return max(step * power for step in (1, 2, 5) if step * power <= metres)


def chip_caption(entry, role):
    """'前时相 2023-09-01～2023-10-31  name' for a chip or a view's label."""
    return f"{ROLE_ZH.get(role, '')} {date_text(entry)}  {entry.get('name', '')}".strip()


def render_chip(entry, patch_geometry_wkb, working_crs, size_px=CHIP_SIZE, outline=True, redlines=(), caption=None,
                margin=MARGIN):
    """The image of entry around a patch, as a QImage: framed on the patch with a margin, the patch
    outline on top (outline=True), red lines as outlines (redlines: a {role: uri} dict of the
    overlay run, or vector layer URIs), the caption (default: the entry's date and name) and a
    scale bar. Builds its own layers, so it runs in any thread. entry=None draws the frame with a
    'no imagery' notice. size_px: an int (square) or (width, height)."""
    width, height = (size_px, size_px) if isinstance(size_px, int) else size_px
    crs = working_crs if isinstance(working_crs, QgsCoordinateReferenceSystem) else \
        QgsCoordinateReferenceSystem(working_crs)
    geometry = QgsGeometry()
    geometry.fromWkb(bytes(patch_geometry_wkb))
    extent = frame(geometry.boundingBox(), width, height, margin)
    layers = []
    if outline:
        layers.append(outline_layer(geometry, crs))
    if isinstance(redlines, dict):
        layers += redline_layers(redlines)
    else:
        layers += [layer for layer in (QgsVectorLayer(uri, "", "ogr") for uri in redlines) if layer.isValid()]
        for layer in layers[1 if outline else 0:]:
            layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(REDLINE_OUTLINES["townships"])))
    raster = raster_layer(entry) if entry is not None else None
    notice = None
    if raster is not None and raster.isValid():
        layers.append(raster)
    else:
        notice = "无匹配影像 No matching imagery" if entry is None else "影像无法读取 Image cannot be read"
    settings = QgsMapSettings()
    settings.setDestinationCrs(crs)
    settings.setOutputSize(QSize(width, height))
    settings.setOutputDpi(96)
    settings.setExtent(extent)
    settings.setLayers(layers)
    settings.setBackgroundColor(QColor(225, 225, 225))
    settings.setFlag(QgsMapSettings.Antialiasing, True)
    image = QImage(width, height, QImage.Format_ARGB32_Premultiplied)
    image.fill(QColor(225, 225, 225))
    painter = QPainter(image)
    try:
        job = QgsMapRendererCustomPainterJob(settings, painter)
        job.renderSynchronously()
        _annotate(painter, width, height, settings.extent().width(),
                  caption if caption is not None else (chip_caption(entry, entry.get("role")) if entry else ""),
                  notice)
    finally:
        painter.end()
    del layers, raster
    return image


def _annotate(painter, width, height, extent_width_m, caption, notice):
    """Caption (top left, on a dark band), scale bar (bottom left), notice (middle)."""
    font = QFont(FONT_FAMILY)
    font.setPixelSize(max(11, height // 32))
    painter.setFont(font)
    line = painter.fontMetrics().height()
    if caption:
        band = QRectF(0, 0, width, line + 8)
        painter.fillRect(band, QColor(0, 0, 0, 150))
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(band.adjusted(6, 0, -6, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         caption)
    metres = nice_length(extent_width_m / 4)
    bar = metres * width / extent_width_m
    x, y = 10.0, height - 12.0
    label = f"{metres:g} 米" if metres < 1000 else f"{metres / 1000:g} 千米"
    painter.fillRect(QRectF(x - 4, y - line - 6, bar + 8 + painter.fontMetrics().horizontalAdvance(label) + 8,
                            line + 14), QColor(255, 255, 255, 190))
    painter.setPen(QPen(QColor(0, 0, 0), 2))
    painter.drawLine(QPointF(x, y), QPointF(x + bar, y))
    for tick in (x, x + bar):
        painter.drawLine(QPointF(tick, y), QPointF(tick, y - 6))
    painter.drawText(QPointF(x + bar + 6, y), label)
    if notice:
        painter.setPen(QColor(176, 0, 32))
        painter.drawText(QRectF(0, 0, width, height), int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                         notice)


# -- per patch -----------------------------------------------------------------------------------------
def patch_facts(task_path, jcbh):
    """(WKB in the working CRS, QSX, HSX, working CRS authid, redlines {role: uri}) of a patch."""
    store = open_task(task_path)
    try:
        rows = store.query(f"SELECT {schema.QSX.name} AS qsx, {schema.HSX.name} AS hsx FROM {schema.PATCHES_LAYER} "
                           f"WHERE jcbh = {sql_quote(jcbh)}")
        geometry = store.patch_geometry(jcbh)
        if not rows or geometry is None:
            raise LandEnforcementError(f"任务库中没有监测编号“{jcbh}”", f"Unknown monitoring number '{jcbh}'")
        return geometry[0], rows[0]["qsx"], rows[0]["hsx"], store.meta()["working_crs"], store.last_overlay_layers()
    finally:
        store.close()


def bbox_of(wkb):
    geometry = QgsGeometry()
    geometry.fromWkb(bytes(wkb))
    box = geometry.boundingBox()
    return box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum()


def match_patch(task_path, jcbh, registry=None):
    """match() for a patch of the task (its dates and footprint)."""
    wkb, qsx, hsx, _, _ = patch_facts(task_path, jcbh)
    return match(qsx, hsx, entries(task_path) if registry is None else registry, bbox_of(wkb))


def export_chips(task_path, jcbh, out_dir, size_px=CHIP_SIZE, redlines=False, dates_only=False, registered=None):
    """The patch's before and after chips as out_dir/<JCBH>_before.png and <JCBH>_after.png (only
    the sides that have matching imagery). Returns the paths written, before first. dates_only: the
    caption is only the image's date (small chips in a sheet, under a column saying which side);
    registered: the task's imagery entries when the caller has read them already (many patches)."""
    wkb, qsx, hsx, working, overlay = patch_facts(task_path, jcbh)
    found = match(qsx, hsx, entries(task_path) if registered is None else registered, bbox_of(wkb))
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for side, entry in (("before", found.before), ("after", found.after)):
        if entry is None:
            continue
        image = render_chip(entry, wkb, working, size_px, redlines=overlay if redlines else (),
                            caption=date_text(entry) if dates_only else None)
        path = os.path.join(out_dir, f"{safe_name(jcbh)}_{side}.png")
        if not image.save(path, "PNG"):
            raise LandEnforcementError(f"无法写入影像截图：{path}", f"Cannot write the image chip: {path}")
        written.append(path)
    return written
