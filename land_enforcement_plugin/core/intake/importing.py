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
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsGeometry,
    QgsProviderRegistry,
)

from .. import schema
from ..dates import parse_image_date
from ..ellipsoid import AreaCalculator
from ..errors import LandEnforcementError
from ..messages import IMPORT_CANCELLED, MISSING_JCBH, duplicate_jcbh, file_not_found
from ..store import ImportIssue, PatchRecord, SourceFile, create_task, is_postgis, open_task, task_exists
from ..vector_input import GBK, UTF8, detect_shapefile_encoding  # noqa: F401  (GBK: importing.GBK)
from .geometry import prepare_geometry
from .jcbh import jcbh_rules, normalise_jcbh
from .profiles import bundled_county_name, check_mapping, matching_profile, suggest_mapping
from .repeats import link_repeats

gdal.UseExceptions()

ENCODING_AUTO = ""

class ImportCancelled(LandEnforcementError):
    def __init__(self):
        super().__init__(*IMPORT_CANCELLED)


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
    profile: str = None  # the bundled or saved mapping profile whose fields this source has, if any


def _is_shapefile(path):
    return path.lower().endswith(".shp")


def _require_exists(path):
    if not os.path.exists(path):
        raise file_not_found(path).error()


def split_layer_source(source):
    """(file path, layer name or None) of a source given as QGIS writes it: `file.gpkg|layername=x`."""
    if "|" not in source:
        return source, None
    parts = QgsProviderRegistry.instance().decodeUri("ogr", source)
    return parts.get("path") or source.split("|")[0], parts.get("layerName") or None


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
    path = split_layer_source(path)[0]
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


def inspect_source(path, layer_name=None, encoding=ENCODING_AUTO):
    path, layer_in_path = split_layer_source(path)
    layer_name = layer_name or layer_in_path
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
    profile, profile_mapping = matching_profile(fields)
    mapping = dict(suggest_mapping(fields), **profile_mapping)
    return SourceInfo(path, layer.GetName(), _polygon_layer_names(ds), fields,
                      layer.GetFeatureCount(), encoding, reason, _layer_crs(layer), mapping,
                      batch_field_values(layer, mapping.get(schema.PC.name)), profile)


def batch_field_values(layer, pc_field):
    """The distinct values of the batch field (PC) of an open source layer, sorted (2023Q1 … 2023Q4)."""
    if not pc_field:
        return []
    values = sorted({_text(f.GetField(pc_field)) for f in layer} - {None})
    layer.ResetReading()
    return values


def source_batch_values(info, pc_field):
    """batch_field_values of an inspected source for the PC field the user mapped."""
    ds = _open_source(info.path, info.encoding)
    return batch_field_values(ds.GetLayerByName(info.layer), pc_field)


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


# -- values ------------------------------------------------------------------------------------
def _text(value):
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\u3000", " ").strip()
    return text or None


def _date_text(value):
    """Image dates as 'YYYY-MM-DD', or 'YYYY-MM' for a month (core/dates); returns (text, understood)."""
    text = _text(value)
    if text is None:
        return None, True
    try:
        return parse_image_date(value), True
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


# -- the import --------------------------------------------------------------------------------
BATCH_PER_PC = "per_pc"  # several PC values (2023Q1 … 2023Q4): one batch per value
BATCH_ALL = "all"  # every row into the one batch given


@dataclass
class ImportOptions:
    source_path: str  # a file, or QGIS's `file.gpkg|layername=x`
    layer_name: str = None
    encoding: str = ENCODING_AUTO
    field_mapping: dict = None  # canonical -> source field; None means auto-detect
    batch: str = None
    source_crs: str = None  # used when the source has no CRS (or to override a wrong one)
    working_crs: str = None  # only when the task is created; defaults from the data's longitude
    county_code: str = None
    batch_mode: str = BATCH_PER_PC  # what to do when the PC field holds several values


@dataclass
class ImportResult:
    task_path: str
    batch: str  # the batch, or the batches joined by 、
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
    batches: dict = field(default_factory=dict)  # batch -> patches of this file put in it
    unmapped: list = field(default_factory=list)  # source fields left unmapped (kept in src_attrs)
    reshaped: list = field(default_factory=list)  # JCBH of patches re-delivered with another shape
    county_name: str = ""

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
        if self.reshaped:
            out.append(f"{len(self.reshaped)} 个图斑形状已变，比对面积已清空，请重新运行内业比对 / "
                       f"{len(self.reshaped)} patches changed shape: their overlay areas were cleared, "
                       "run the office comparison again")
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


def _resolve_batch(options, pc_values, task_batches):
    if options.batch:
        return options.batch.strip()
    if len(pc_values) == 1:
        return pc_values[0]
    if len(task_batches) == 1 and not pc_values:
        return task_batches[0]
    raise LandEnforcementError("请指定批次（如 2024年度、2025Q2）", "Choose the batch (e.g. 2024 annual, 2025Q2)")


def _assign_batches(options, records, task_batches):
    """(batch of the file, file-level notes). When PC holds several values, each record goes to its
    PC value's batch (rows without one to the batch given), unless all are asked into one batch."""
    pc_values = sorted({r.values.get(schema.PC.name) for r in records} - {None})
    if len(pc_values) < 2:
        return _resolve_batch(options, pc_values, task_batches), []
    listed = "、".join(pc_values)
    if options.batch_mode == BATCH_ALL:
        batch = _resolve_batch(options, pc_values, task_batches)
        return batch, [("batches_merged",
                        f"批次字段 PC 有 {len(pc_values)} 个值（{listed}），按选择全部导入批次“{batch}”",
                        f"The batch field PC holds {len(pc_values)} values ({listed}); as chosen, all were "
                        f"imported into batch '{batch}'")]
    fallback = (options.batch or "").strip() or None
    without = [r.row for r in records if not r.values.get(schema.PC.name)]
    if without and not fallback:
        raise LandEnforcementError(
            f"批次字段 PC 有 {len(without)} 行为空（如第 {without[0]} 行）：请指定批次，这些行将归入该批次",
            f"The batch field PC is empty on {len(without)} rows (e.g. row {without[0]}): choose a batch for them")
    for record in records:
        record.batch = record.values.get(schema.PC.name) or fallback
    counts = Counter(r.batch for r in records)
    each = "、".join(f"{b}（{n} 个）" for b, n in sorted(counts.items()))
    each_en = ", ".join(f"{b} ({n})" for b, n in sorted(counts.items()))
    return fallback or pc_values[0], [(
        "batches_from_pc", f"批次字段 PC 有 {len(pc_values)} 个值，按值分为 {len(counts)} 个批次导入：{each}",
        f"The batch field PC holds {len(pc_values)} values: imported as {len(counts)} batches, one per value: "
        f"{each_en}")]


def _county_code(options, records):
    if options.county_code:
        return options.county_code
    codes = Counter(r.values[schema.XZQDM.name][:6] for r in records
                    if (r.values.get(schema.XZQDM.name) or "")[:6].isdigit())
    return codes.most_common(1)[0][0] if codes else ""


def _is_county_level(code):
    """A county's own code: 6 digits, or 12 ending in 000000 (not a township's)."""
    code = code or ""
    return code.isdigit() and (len(code) == 6 or (len(code) == 12 and code.endswith("000000"))) \
        and code[4:6] != "00"


def _county_name(records, county_code):
    """The county's name as the delivery writes it on county-level rows (XZQMC, or SSXS mapped to
    it), else the bundled list's name of its code."""
    names = Counter(r.values.get(schema.XZQMC.name) for r in records
                    if r.values.get(schema.XZQMC.name) and _is_county_level(r.values.get(schema.XZQDM.name)))
    return names.most_common(1)[0][0] if names else bundled_county_name(county_code)


def _unmapped_note(fields, mapping):
    unmapped = [name for name in fields if name not in set(mapping.values())]
    if not unmapped:
        return unmapped, []
    return unmapped, [("unmapped_fields", f"未映射的源字段（原样保存在源属性中）：{'、'.join(unmapped)}",
                       f"Source fields left unmapped (kept as they are in the source attributes): "
                       f"{', '.join(unmapped)}")]


def _read_records(layer, mapping, transform, rules, calculator, feedback):
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
        jcbh, problem = normalise_jcbh(feature.GetField(mapping[schema.JCBH.name]))
        if jcbh is None:
            issues.append(ImportIssue(row, None, "rejected", "missing_jcbh", *MISSING_JCBH))
            continue
        problem = problem or rules.problem(jcbh)
        if problem:
            issues.append(ImportIssue(row, jcbh, "rejected", *problem))
            continue
        if jcbh in first_row_of:
            issues.append(ImportIssue(row, jcbh, "rejected", "duplicate_jcbh", *duplicate_jcbh(first_row_of[jcbh])))
            continue
        geometry = prepare_geometry(feature.GetGeometryRef(), transform)
        if geometry.rejection:
            code, zh, en = geometry.rejection
            issues.append(ImportIssue(row, jcbh, "rejected", code, zh, en))
            continue
        first_row_of[jcbh] = row
        values, notes = _canonical_values(src_attrs, mapping)
        values[schema.JCBH.name] = jcbh
        notes += geometry.notes
        if geometry.repaired:
            issues.append(ImportIssue(row, jcbh, "repaired", "geometry_repaired", "几何无效，已修复",
                                      "Invalid geometry repaired", geometry.area_before, geometry.area_after))
        issues.extend(ImportIssue(row, jcbh, "note", code, zh, en) for code, zh, en in notes)
        records.append(PatchRecord(jcbh, values, src_attrs, bytes(geometry.working.asWkb()), geometry.source_wkb,
                                   "；".join(zh for _, zh, _ in notes), geometry.repaired, row=row,
                                   area_m2=calculator.area(geometry.working)))
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


def _staging_path(task_path):
    """Where a new GeoPackage task is built: beside its place, moved there only once its first
    import has landed, so that a failure or a crash never leaves a file at the task's path."""
    folder, name = os.path.split(os.path.abspath(task_path))
    return os.path.join(folder, f".{os.path.splitext(name)[0]}.importing-{os.getpid()}.gpkg")


def import_patches(task_path, options, feedback=None):
    """Import one delivered file into the task database at task_path (created if missing)."""
    path, layer_in_path = split_layer_source(options.source_path)
    info = inspect_source(path, options.layer_name or layer_in_path, options.encoding)
    mapping = dict(options.field_mapping) if options.field_mapping else info.mapping
    check_mapping(mapping, info.fields)
    source_crs = _resolve_source_crs(info, options)

    store = open_task(task_path) if task_exists(task_path) else None
    created = store is None
    try:
        ds = _open_source(info.path, info.encoding)
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
        rules = jcbh_rules(store, layer, mapping[schema.JCBH.name], options.county_code)
        records, issues = _read_records(layer, mapping, transform, rules, AreaCalculator(working_crs), feedback)
        meta = store.meta() if store is not None else {}
        batch, file_notes = _assign_batches(options, records, json.loads(meta.get("batches", "[]")))
        unmapped, unmapped_notes = _unmapped_note(info.fields, mapping)
        issues = [ImportIssue(0, None, "note", code, zh, en) for code, zh, en in file_notes + unmapped_notes] + issues
        county_code = meta.get("county_code") or _county_code(options, records)
        county_name = meta.get("county_name") or _county_name(records, county_code)
        sha256, size = _sha256(info.path)
        if feedback is not None and feedback.isCanceled():
            raise ImportCancelled()
        location = task_path if is_postgis(task_path) or not created else _staging_path(task_path)
        if created:
            if os.path.exists(location):  # left by a crashed import of this process id
                os.remove(location)
            store = create_task(location, working_crs.authid(), county_code, county_name, batch)
        seen_before = store.source_file_known(sha256)
        source = SourceFile(info.path, sha256, size, info.encoding, source_crs.authid() or source_crs.toWkt(),
                            info.layer, mapping, layer.GetFeatureCount())
        try:
            with store.transaction():
                summary = store.apply_import(batch, records, source, issues)
                missing = {key: value for key, value in (("county_code", county_code), ("county_name", county_name))
                           if value and not created and not meta.get(key)}
                if missing:  # a task made before the county was known learns it now
                    store.set_meta(**missing)
        except BaseException:
            if created:  # a task that never received its first import is not left behind
                store.discard()
                store = None
            raise
        store.close()
        store = None
        if location != task_path:
            if task_exists(task_path):
                os.remove(location)
                raise LandEnforcementError(f"导入期间有其他程序在此位置创建了文件，未覆盖：{task_path}",
                                           f"Another program created a file at the task's path meanwhile; "
                                           f"it was not overwritten: {task_path}")
            os.replace(location, task_path)
        repeats = link_repeats(task_path)
        if feedback is not None:
            feedback.setProgress(100)
        batches = Counter(r.batch or batch for r in records)
        return ImportResult(task_path, "、".join(sorted(batches)) or batch, info.encoding, source.source_crs,
                            working_crs.authid(), layer.GetFeatureCount(), summary.inserted, summary.updated,
                            summary.unchanged, issues, summary.kept_absent, seen_before, repeats, dict(batches),
                            unmapped, summary.reshaped, county_name)
    finally:
        if store is not None:
            store.close()
