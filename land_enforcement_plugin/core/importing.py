"""Change patches from a delivered file into the task database (导入卫片图斑).

Reads Shapefile (UTF-8 or GBK), GeoPackage, GeoJSON and FileGDB through OGR, so the encoding is
under our control rather than guessed by a provider. Every source row ends up either imported
(possibly with a note) or listed as rejected with its reason: nothing vanishes silently.
"""
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field

from osgeo import gdal, ogr
from qgis.core import (QgsCoordinateReferenceSystem, QgsCoordinateTransform,
                       QgsCoordinateTransformContext, QgsGeometry, QgsSettings, QgsWkbTypes)

from . import schema
from .errors import LandEnforcementError
from .season import link_repeats
from .store import ImportIssue, PatchRecord, SourceFile, create_task, open_task, task_exists
from .dates import parse_date
from .vector_input import GBK, UTF8, detect_shapefile_encoding  # noqa: F401  (GBK: importing.GBK)

gdal.UseExceptions()

ENCODING_AUTO = ""

class ImportCancelled(LandEnforcementError):
    def __init__(self):
        super().__init__("导入已取消，任务库未改动", "Import cancelled; the task database is unchanged")


# -- source inspection ---------------------------------------------------------------------------
@dataclass
class SourceInfo:
    path: str
    layer: str
    layer_names: list
    fields: list
    feature_count: int
    encoding: str
    encoding_reason: str
    crs: QgsCoordinateReferenceSystem  # invalid when the source has none
    mapping: dict  # suggested canonical -> source field
    values_of_batch_field: list = field(default_factory=list)


def _is_shapefile(path):
    return path.lower().endswith(".shp")


def _require_exists(path):
    if not os.path.exists(path):
        raise LandEnforcementError(f"找不到文件：{path}", f"File not found: {path}")


def _open_source(path, encoding):
    _require_exists(path)
    options = [f"ENCODING={encoding}"] if _is_shapefile(path) else []
    try:
        return gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY, open_options=options)
    except RuntimeError as exc:
        raise LandEnforcementError(f"无法读取矢量数据：{path}（{exc}）",
                                   f"Cannot read vector data: {path} ({exc})") from exc


def _polygon_layer_names(ds):
    names = []
    for i in range(ds.GetLayerCount()):
        layer = ds.GetLayerByIndex(i)
        flat = ogr.GT_Flatten(layer.GetGeomType())
        if flat in (ogr.wkbPolygon, ogr.wkbMultiPolygon, ogr.wkbCurvePolygon, ogr.wkbMultiSurface,
                    ogr.wkbUnknown):
            names.append(layer.GetName())
    return names


def patch_layer_names(path):
    """The polygon layers of a source file (several in a GeoPackage or FileGDB), for a choice."""
    _require_exists(path)
    ds = _open_source(path, UTF8)  # the encoding does not matter for layer names
    try:
        return _polygon_layer_names(ds)
    finally:
        ds = None


def _pick_layer(ds, path, layer_name):
    if layer_name:
        layer = ds.GetLayerByName(layer_name)
        if layer is None:
            raise LandEnforcementError(f"数据中没有图层“{layer_name}”：{path}",
                                       f"No layer '{layer_name}' in {path}")
        return layer
    names = _polygon_layer_names(ds)
    if len(names) != 1:
        listed = "、".join(names) or "-"
        raise LandEnforcementError(f"请选择图斑图层（可选：{listed}）",
                                   f"Choose the patch layer (available: {', '.join(names) or '-'})")
    return ds.GetLayerByName(names[0])


def _layer_crs(layer):
    srs = layer.GetSpatialRef()
    if srs is None:
        return QgsCoordinateReferenceSystem()
    return QgsCoordinateReferenceSystem.fromWkt(srs.ExportToWkt())


def suggest_mapping(field_names):
    """Canonical field -> the source field that is one of its known spellings."""
    by_key = {name.strip().upper(): name for name in field_names}
    mapping = {}
    for canonical in schema.PATCH_SOURCE_FIELDS:
        for synonym in canonical.synonyms:
            if synonym.upper() in by_key:
                mapping[canonical.name] = by_key[synonym.upper()]
                break
    return mapping


def inspect_source(path, layer_name=None, encoding=ENCODING_AUTO):
    _require_exists(path)
    reason = "user"
    if _is_shapefile(path) and not encoding:
        encoding, reason = detect_shapefile_encoding(path)
    elif not encoding:
        encoding, reason = UTF8, "format"
    ds = _open_source(path, encoding)
    layer = _pick_layer(ds, path, layer_name)
    defn = layer.GetLayerDefn()
    fields = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    mapping = suggest_mapping(fields)
    batch_values = []
    if schema.PC.name in mapping:
        batch_values = sorted({_text(f.GetField(mapping[schema.PC.name])) for f in layer} - {None})
        layer.ResetReading()
    return SourceInfo(path, layer.GetName(), _polygon_layer_names(ds), fields,
                      layer.GetFeatureCount(), encoding, reason, _layer_crs(layer), mapping, batch_values)


# -- CRS ---------------------------------------------------------------------------------------
def gk3_zone_crs(longitude):
    """CGCS2000 3-degree Gauss-Krüger zone (no zone prefix) whose central meridian is nearest."""
    central = int(round(longitude / 3.0)) * 3
    if not schema.GK3_FIRST_CM <= central <= schema.GK3_LAST_CM:
        raise LandEnforcementError(
            f"数据经度 {longitude:.3f}° 不在中国范围内，请检查坐标系",
            f"Longitude {longitude:.3f}° is outside China; check the coordinate reference system")
    return QgsCoordinateReferenceSystem(f"EPSG:{schema.GK3_FIRST_EPSG + (central - schema.GK3_FIRST_CM) // 3}")


def is_cgcs2000_gk3(crs):
    code = crs.authid()
    if not code.startswith("EPSG:"):
        return False
    number = int(code.split(":")[1])
    return 4513 <= number <= 4554


def suggest_working_crs(source_crs, layer):
    """Keep a CGCS2000 3-degree GK source as it is; otherwise pick the zone from the longitude."""
    if is_cgcs2000_gk3(source_crs):
        return source_crs
    minx, maxx, miny, maxy = layer.GetExtent()
    centre = QgsGeometry.fromWkt(f"POINT({(minx + maxx) / 2} {(miny + maxy) / 2})")
    centre.transform(QgsCoordinateTransform(source_crs, QgsCoordinateReferenceSystem(schema.CGCS2000_GEOGRAPHIC),
                                            QgsCoordinateTransformContext()))
    return gk3_zone_crs(centre.asPoint().x())


def suggested_working_crs(info):
    """The working CRS a new task would get for this source (see suggest_working_crs)."""
    ds = _open_source(info.path, info.encoding)
    return suggest_working_crs(info.crs, ds.GetLayerByName(info.layer))


# -- mapping profiles --------------------------------------------------------------------------
_PROFILE_KEY = "land_enforcement/field_mapping_profiles"


def mapping_profiles():
    """Named field mappings saved in the QGIS profile (a province's format differs from another's)."""
    raw = QgsSettings().value(_PROFILE_KEY, "{}")
    return json.loads(raw or "{}")


def save_mapping_profile(name, mapping):
    profiles = mapping_profiles()
    profiles[name] = mapping
    QgsSettings().setValue(_PROFILE_KEY, json.dumps(profiles, ensure_ascii=False))


def delete_mapping_profile(name):
    profiles = mapping_profiles()
    profiles.pop(name, None)
    QgsSettings().setValue(_PROFILE_KEY, json.dumps(profiles, ensure_ascii=False))


def parse_field_mapping(text):
    """FIELD_MAPPING as given headless: a JSON object, or the name of a saved profile."""
    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            mapping = json.loads(text)
        except ValueError as exc:
            raise LandEnforcementError(f"字段映射不是有效的 JSON：{exc}", f"Field mapping is not valid JSON: {exc}") from exc
    else:
        profiles = mapping_profiles()
        if text not in profiles:
            raise LandEnforcementError(f"没有名为“{text}”的字段映射方案", f"No field-mapping profile named '{text}'")
        mapping = profiles[text]
    known = {f.name for f in schema.PATCH_SOURCE_FIELDS}
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise LandEnforcementError(f"字段映射含未知的目标字段：{', '.join(unknown)}（可用：{', '.join(sorted(known))}）",
                                   f"Unknown target fields in the mapping: {', '.join(unknown)} "
                                   f"(known: {', '.join(sorted(known))})")
    return mapping


def check_mapping(mapping, source_fields):
    missing = [f for f in schema.REQUIRED_SOURCE_FIELDS if not mapping.get(f.name)]
    if missing:
        names = ", ".join(f"{f.zh}({f.name})" for f in missing)
        raise LandEnforcementError(f"字段映射缺少必填字段：{names}", f"The field mapping lacks required fields: {names}")
    absent = sorted(v for v in mapping.values() if v and v not in source_fields)
    if absent:
        raise LandEnforcementError(f"源数据中没有这些字段：{', '.join(absent)}",
                                   f"These fields are not in the source data: {', '.join(absent)}")


# -- values ------------------------------------------------------------------------------------
def _text(value):
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\u3000", " ").strip()
    return text or None


def _date_text(value):
    """Image dates as YYYY-MM-DD (the same rules as verification dates); returns (text, understood)."""
    text = _text(value)
    if text is None:
        return None, True
    try:
        return parse_date(text), True
    except ValueError:
        return text, False


def _number(value):
    if value is None or value == "":
        return None, True
    try:
        return float(value), True
    except (TypeError, ValueError):
        return None, False


def _json_value(value):
    return value if value is None or isinstance(value, (int, float, str)) else str(value)


# -- geometry ----------------------------------------------------------------------------------
@dataclass
class _Geometry:
    working: QgsGeometry = None
    source_wkb: bytes = None
    repaired: bool = False
    area_before: float = None
    area_after: float = None
    notes: list = field(default_factory=list)
    rejection: tuple = None  # (code, zh, en)


def _prepare_geometry(ogr_geometry, transform):
    result = _Geometry()
    if ogr_geometry is None or ogr_geometry.IsEmpty():
        result.rejection = ("empty_geometry", "几何为空", "Empty or missing geometry")
        return result
    geometry = QgsGeometry()
    geometry.fromWkb(ogr_geometry.ExportToIsoWkb())
    if QgsWkbTypes.geometryType(geometry.wkbType()) != QgsWkbTypes.PolygonGeometry:
        result.rejection = ("not_polygon", f"几何类型不是面：{QgsWkbTypes.displayString(geometry.wkbType())}",
                            f"Not a polygon: {QgsWkbTypes.displayString(geometry.wkbType())}")
        return result
    if QgsWkbTypes.isCurvedType(geometry.wkbType()):
        geometry = QgsGeometry(geometry.constGet().segmentize())
        result.notes.append(("curves_segmentized", "曲线已离散化为折线", "Curves segmentized"))
    if geometry.constGet().is3D() or geometry.constGet().isMeasure():
        geometry.get().dropZValue()
        geometry.get().dropMValue()
        result.notes.append(("zm_dropped", "已去除 Z/M 值", "Z/M values dropped"))
    geometry.convertToMultiType()
    result.source_wkb = bytes(geometry.asWkb())
    if geometry.transform(transform) != 0:
        result.rejection = ("transform_failed", "坐标转换失败", "Coordinate transformation failed")
        return result
    if not geometry.isGeosValid():
        result.area_before = geometry.area()
        geometry = geometry.makeValid()
        geometry.convertGeometryCollectionToSubclass(QgsWkbTypes.PolygonGeometry)
        geometry.convertToMultiType()
        result.repaired = True
        result.area_after = geometry.area()
    if geometry.isEmpty() or geometry.area() <= 0:
        result.rejection = ("zero_area", "几何面积为零（修复后为空或退化）",
                            "Geometry has zero area (empty or degenerate after repair)")
        return result
    result.working = geometry
    return result


# -- the import --------------------------------------------------------------------------------
@dataclass
class ImportOptions:
    source_path: str
    layer_name: str = None
    encoding: str = ENCODING_AUTO
    field_mapping: dict = None  # canonical -> source field; None means auto-detect
    batch: str = None
    source_crs: str = None  # used when the source has no CRS (or to override a wrong one)
    working_crs: str = None  # only when the task is created; defaults from the data's longitude
    county_code: str = None


@dataclass
class ImportResult:
    task_path: str
    batch: str
    encoding: str
    source_crs: str
    working_crs: str
    read: int
    inserted: int
    updated: int
    unchanged: int
    issues: list
    kept_absent: list
    file_seen_before: bool
    repeats: dict = field(default_factory=dict)  # jcbh -> the earlier batch's JCBH at the same place

    @property
    def rejected(self):
        return [i for i in self.issues if i.severity == "rejected"]

    @property
    def repaired(self):
        return [i for i in self.issues if i.severity == "repaired"]

    def lines(self):
        """The validation report as bilingual text lines."""
        out = [f"读取 {self.read} 条，新增 {self.inserted}，更新 {self.updated}，未变 {self.unchanged}，"
               f"拒绝 {len(self.rejected)}，修复几何 {len(self.repaired)} / "
               f"read {self.read}, inserted {self.inserted}, updated {self.updated}, unchanged {self.unchanged}, "
               f"rejected {len(self.rejected)}, geometries repaired {len(self.repaired)}"]
        if self.repeats:
            out.append(f"{len(self.repeats)} 个图斑与前批次图斑位置相同，已标记为重复 / "
                       f"{len(self.repeats)} patches are at the place of an earlier batch's patch: marked as repeats")
        for issue in self.issues:
            areas = ""
            if issue.area_before is not None:
                areas = f" [{issue.area_before:.2f} → {issue.area_after:.2f} m²]"
            out.append(f"#{issue.row} {issue.jcbh or '-'} {issue.severity}: {issue.zh} / {issue.en}{areas}")
        if self.kept_absent:
            out.append(f"本批次已有 {len(self.kept_absent)} 个图斑不在此文件中，已保留 / "
                       f"{len(self.kept_absent)} earlier patches of this batch are not in this file and were kept")
        return out


def _sha256(path):
    digest = hashlib.sha256()
    paths = [path]
    if _is_shapefile(path):
        base = os.path.splitext(path)[0]
        paths = [base + ext for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg") if os.path.exists(base + ext)]
    elif os.path.isdir(path):
        paths = sorted(os.path.join(root, name) for root, _, names in os.walk(path) for name in names)
    size = 0
    for p in paths:
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
    return digest.hexdigest(), size


def _resolve_source_crs(info, options):
    if options.source_crs:
        crs = QgsCoordinateReferenceSystem(options.source_crs)
        if not crs.isValid():
            raise LandEnforcementError(f"无法识别指定的坐标系：{options.source_crs}",
                                       f"Unknown coordinate reference system: {options.source_crs}")
        return crs
    if not info.crs.isValid():
        raise LandEnforcementError(
            "源数据没有坐标系（缺少 .prj）或坐标系无法识别，请指定源坐标系（如 EPSG:4490）",
            "The source has no coordinate reference system (missing .prj) or an unknown one; "
            "choose the source CRS (e.g. EPSG:4490)")
    return info.crs


def _resolve_batch(options, info, task_batches):
    if options.batch:
        return options.batch.strip()
    if len(info.values_of_batch_field) == 1:
        return info.values_of_batch_field[0]
    if len(task_batches) == 1:
        return task_batches[0]
    raise LandEnforcementError("请指定批次（如 2024年度、2025Q2）", "Choose the batch (e.g. 2024 annual, 2025Q2)")


def _county_code(options, records):
    if options.county_code:
        return options.county_code
    codes = Counter(r.values[schema.XZQDM.name][:6] for r in records
                    if (r.values.get(schema.XZQDM.name) or "")[:6].isdigit())
    return codes.most_common(1)[0][0] if codes else ""


def _read_records(layer, mapping, transform, feedback):
    """Source rows -> (records, issues). Each row is either a record or a rejection issue."""
    records, issues, first_row_of = [], [], {}
    total = max(layer.GetFeatureCount(), 1)
    defn = layer.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    layer.ResetReading()
    for row, feature in enumerate(layer, start=1):
        if feedback is not None:
            if feedback.isCanceled():
                raise ImportCancelled()
            feedback.setProgress(90.0 * row / total)
        src_attrs = {name: _json_value(feature.GetField(name)) for name in names}
        jcbh = _text(src_attrs.get(mapping[schema.JCBH.name]))
        if jcbh is None:
            issues.append(ImportIssue(row, None, "rejected", "missing_jcbh", "缺少监测编号", "Missing monitoring number (JCBH)"))
            continue
        if jcbh in first_row_of:
            issues.append(ImportIssue(row, jcbh, "rejected", "duplicate_jcbh",
                                      f"监测编号重复（与第 {first_row_of[jcbh]} 行相同）",
                                      f"Duplicate monitoring number (same as row {first_row_of[jcbh]})"))
            continue
        geometry = _prepare_geometry(feature.GetGeometryRef(), transform)
        if geometry.rejection:
            code, zh, en = geometry.rejection
            issues.append(ImportIssue(row, jcbh, "rejected", code, zh, en))
            continue
        first_row_of[jcbh] = row
        values, notes = _canonical_values(src_attrs, mapping)
        notes += geometry.notes
        if geometry.repaired:
            issues.append(ImportIssue(row, jcbh, "repaired", "geometry_repaired", "几何无效，已修复",
                                      "Invalid geometry repaired", geometry.area_before, geometry.area_after))
        issues.extend(ImportIssue(row, jcbh, "note", code, zh, en) for code, zh, en in notes)
        records.append(PatchRecord(jcbh, values, src_attrs, bytes(geometry.working.asWkb()), geometry.source_wkb,
                                   "；".join(zh for _, zh, _ in notes), geometry.repaired))
    return records, issues


def _canonical_values(src_attrs, mapping):
    values, notes = {}, []
    for canonical in schema.PATCH_SOURCE_FIELDS:
        source_name = mapping.get(canonical.name)
        raw = src_attrs.get(source_name) if source_name else None
        if canonical in (schema.QSX, schema.HSX):
            value, ok = _date_text(raw)
            if not ok:
                notes.append(("bad_date", f"{canonical.zh}“{value}”不是日期，按原文保存",
                              f"{canonical.en} '{value}' is not a date; kept as text"))
        elif canonical.kind == "real":
            value, ok = _number(raw)
            if not ok:
                notes.append(("bad_number", f"{canonical.zh}“{raw}”不是数字，已置空",
                              f"{canonical.en} '{raw}' is not a number; left empty"))
        else:
            value = _text(raw)
        if source_name and value is None and canonical is schema.XZQDM:
            notes.append(("missing_xzqdm", "缺少行政区代码", "Missing admin code (XZQDM)"))
        values[canonical.name] = value
    return values, notes


def import_patches(task_path, options, feedback=None):
    """Import one delivered file into the task database at task_path (created if missing)."""
    info = inspect_source(options.source_path, options.layer_name, options.encoding)
    mapping = dict(options.field_mapping) if options.field_mapping else info.mapping
    check_mapping(mapping, info.fields)
    source_crs = _resolve_source_crs(info, options)

    store = open_task(task_path) if task_exists(task_path) else None
    try:
        ds = _open_source(options.source_path, info.encoding)
        layer = ds.GetLayerByName(info.layer)
        if store is not None:
            working_crs = QgsCoordinateReferenceSystem(store.meta()["working_crs"])
            if options.working_crs and QgsCoordinateReferenceSystem(options.working_crs) != working_crs:
                raise LandEnforcementError(
                    f"任务库的工作坐标系是 {working_crs.authid()}，不能改为 {options.working_crs}",
                    f"The task's working CRS is {working_crs.authid()}; it cannot become {options.working_crs}")
        elif options.working_crs:
            working_crs = QgsCoordinateReferenceSystem(options.working_crs)
        else:
            working_crs = suggest_working_crs(source_crs, layer)
        transform = QgsCoordinateTransform(source_crs, working_crs, QgsCoordinateTransformContext())
        records, issues = _read_records(layer, mapping, transform, feedback)
        task_batches = store.summary().batches if store else []
        batch = _resolve_batch(options, info, task_batches)
        sha256, size = _sha256(options.source_path)
        if feedback is not None and feedback.isCanceled():
            raise ImportCancelled()
        created = store is None
        if created:
            store = create_task(task_path, working_crs.authid(), _county_code(options, records), "", batch)
        seen_before = store.source_file_known(sha256)
        source = SourceFile(options.source_path, sha256, size, info.encoding, source_crs.authid() or source_crs.toWkt(),
                            info.layer, mapping, layer.GetFeatureCount())
        try:
            summary = store.apply_import(batch, records, source, issues)
        except BaseException:
            if created:  # a task that never received its first import is not left behind
                store.discard()
                store = None
            raise
        store.close()
        store = None
        repeats = link_repeats(task_path)
        if feedback is not None:
            feedback.setProgress(100)
        return ImportResult(task_path, batch, info.encoding, source.source_crs, working_crs.authid(),
                            layer.GetFeatureCount(), summary.inserted, summary.updated, summary.unchanged,
                            issues, summary.kept_absent, seen_before, repeats)
    finally:
        if store is not None:
            store.close()
