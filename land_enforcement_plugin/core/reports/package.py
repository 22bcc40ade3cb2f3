"""The provincial submission package (成果上报包): what leaves the bureau by the deadline.

One zip: the patches with their overlay areas and verdicts (Shapefile and GeoPackage, with a
field dictionary), the workbook (汇总表 / 明细表 / 整改台账 / 问责线索, the same figures as the
metrics dock), the photos renamed by JCBH, an evidence sheet PDF per unlawful or high-priority
patch, and manifest.json with every file's SHA-256.

Safety: the package is assembled in a staging folder beside the output and moved into place in
one step, so a cancelled or failed export leaves nothing half-written; an existing package is
replaced only when asked. Every file's bytes depend on the task alone (see reproducible.py), so
two exports of an unchanged task differ only in the manifest's export time.
"""
import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field

from osgeo import gdal, ogr, osr
from qgis.core import Qgis, QgsFeedback

from ..review import cases
from ..season import metrics
from .. import schema, workbook
from ..errors import LandEnforcementError
from ..files import safe_name
from ..review.photos import PHOTO_SUFFIXES, fetch_missing, image_problem, photo_path
from ..reproducible import file_sha256, parse_stamp, stamp_dbf, write_zip
from ..store import now_iso, open_task, task_files_folder
from ..review.verification import missing_required, township_of

BLOCKING = "blocking"
WARNING = "warning"
MANIFEST = "manifest.json"
FORMAT = "land-enforcement-package"
FORMAT_VERSION = 1
DRAFT_MARK = "草稿"
_V = schema.Verdict


@dataclass
class Finding:
    """Something to fix before filing: blocking ones stop a final export."""

    severity: str
    jcbh: str
    code: str
    zh: str
    en: str


@dataclass
class PackageOptions:
    encoding: str = "GBK"  # of the Shapefile: "GBK" (what provincial tools expect) or "UTF-8"
    draft: bool = False  # export despite blocking findings; marked in the name and manifest
    evidence: bool = True  # evidence sheet PDFs
    overwrite: bool = False  # replace an existing package at the output path
    imagery: tuple = ()  # QgsRasterLayer objects for the evidence maps
    batch: str = None  # only this batch's patches (a quarterly submission); None: every batch


@dataclass
class PackageResult:
    path: str  # None when cancelled
    manifest: dict = None
    findings: list = field(default_factory=list)
    stale_removed: list = field(default_factory=list)  # staging folders of killed exports, removed

    def stale_lines(self):
        """What was cleaned up beside the package, (zh, en) per line."""
        return [(f"已删除中断导出遗留的临时文件夹：{path}", f"Removed the staging folder of an interrupted export: {path}")
                for path in self.stale_removed]


# -- reading the task ------------------------------------------------------------------------------
@dataclass
class _Task:
    """Everything the package is made of, read once."""

    path: str
    meta: dict
    patches: list  # [(values, wkb)] in JCBH order
    verifications: dict
    photos: dict  # jcbh -> photo rows, in file order
    parts: list
    metrics: object  # metrics.MetricsResult
    stamp: object  # datetime: the task's "as of" time
    cases: list = field(default_factory=list)  # cases.case_views of the cases on these patches


def _read_task(task_path, batch=None):
    """The task, or only the patches of one `batch` (with their records, photos and parts)."""
    store = open_task(task_path)
    try:
        meta = store.meta()
        patches = store.export_patches()
        records = store.verifications()
        photos = {}
        photo_rows = store.photos()
        fetch_missing(task_path, store, photo_rows)
        for row in photo_rows:
            photos.setdefault(row["jcbh"], []).append(row)
        parts = store.township_parts()
        profile = metrics.task_profile(store)
        facts = metrics.patch_facts(store)
        stamp = parse_stamp(store.last_change())
        case_views = cases.case_views(store)
    finally:
        store.close()
    if batch is not None:
        patches = [(values, wkb) for values, wkb in patches if values.get(schema.BATCH.name) == batch]
        kept = {values["jcbh"] for values, _ in patches}
        records = {jcbh: record for jcbh, record in records.items() if jcbh in kept}
        photos = {jcbh: rows for jcbh, rows in photos.items() if jcbh in kept}
        parts = [part for part in parts if part["jcbh"] in kept]
        case_views = [view for view in case_views if set(view["jcbhs"]) & kept]
        meta = dict(meta, batches=json.dumps([batch], ensure_ascii=False))  # names the package
    if not patches:
        raise LandEnforcementError(f"任务库中没有{'批次“' + batch + '”的' if batch else ''}图斑：{task_path}",
                                   f"The task has no patches{' of batch ' + batch if batch else ''}: {task_path}")
    result = metrics.compute_metrics(parts, records, meta.get("county_code", ""), profile, facts)
    return _Task(task_path, meta, patches, records, photos, parts, result, stamp, case_views)


def _batch_label(meta):
    batches = json.loads(meta.get("batches") or "[]")
    return "+".join(batches) or "未命名批次"


def _package_root(meta, draft):
    name = f"{meta.get('county_code') or '000000'}_{_batch_label(meta)}"
    return safe_name(name + (f"_{DRAFT_MARK}" if draft else ""))


def default_package_name(task_path, draft=False, batch=None):
    """<county code>_<batch>_成果包[_草稿].zip, beside the task database."""
    store = open_task(task_path)
    try:
        meta = store.meta()
    finally:
        store.close()
    if batch is not None:
        meta = dict(meta, batches=json.dumps([batch], ensure_ascii=False))
    name = f"{meta.get('county_code') or '000000'}_{_batch_label(meta)}_成果包"
    return os.path.join(task_files_folder(task_path), safe_name(name + (f"_{DRAFT_MARK}" if draft else "")) + ".zip")


def draft_named(path):
    """A draft says so in its file name."""
    stem, ext = os.path.splitext(path)
    base = os.path.basename(stem)
    if DRAFT_MARK in base or "draft" in base.lower():
        return path
    return f"{stem}_{DRAFT_MARK}{ext}"


# -- checks ----------------------------------------------------------------------------------------
def _column_value(column, values, record, photo_count):
    if column.field is schema.PHOTO_COUNT:
        return photo_count
    if isinstance(column.field, schema.VerificationField):
        return record.get(column.field.name)
    if column.field is schema.OVERLAY_MODE:  # stored as an AreaMode value, filed in Chinese
        mode = values.get(column.field.name)
        return schema.AREA_MODE_LABELS[mode][0] if mode in schema.AREA_MODE_LABELS else mode
    return values.get(column.field.name)


def _findings(task, encoding):
    findings = []

    def add(severity, jcbh, code, zh, en):
        findings.append(Finding(severity, jcbh, code, zh, en))

    for values, _ in task.patches:
        jcbh = values["jcbh"]
        record = task.verifications.get(jcbh, {})
        verdict = record.get(schema.V_VERDICT.name)
        photos = task.photos.get(jcbh, [])
        if values.get(schema.AREA_M2.name) is None:
            add(BLOCKING, jcbh, "no_overlay",
                f"图斑 {jcbh} 尚无内业比对面积（未做叠加分析，或重新下发后形状已变），请先运行叠加分析",
                f"Patch {jcbh} has no overlay areas (never overlaid, or its shape changed when delivered "
                "again); run the overlay first")
        if not verdict:
            add(BLOCKING, jcbh, "unverified", "未核查（无判定结果）", "Not verified (no verdict)")
        elif verdict == _V.LAWFUL.value and not record.get(schema.V_APPROVAL_NO.name):
            add(BLOCKING, jcbh, "lawful_without_approval", "判定合法但缺少批准文号",
                "Lawful but no approval number")
        elif verdict == _V.UNLAWFUL.value and not record.get(schema.V_RECT_STATUS.name):
            add(BLOCKING, jcbh, "unlawful_without_rectification", "判定违法但缺少整改状态",
                "Unlawful but no rectification status")
        required = schema.PHOTOS_REQUIRED_BY_VERDICT.get(_V(verdict)) if verdict else None
        if required and len(photos) < required:
            add(BLOCKING, jcbh, "photos_missing", f"判定为{verdict}，须有至少 {required} 张现场照片",
                f"{_V(verdict).en} patches need at least {required} field photo(s)")
        if verdict:
            blocking_fields = {schema.V_APPROVAL_NO.name, schema.V_RECT_STATUS.name}
            for problem in missing_required(record):
                if problem.field.name not in blocking_fields:
                    add(WARNING, jcbh, "incomplete", problem.zh, problem.en)
        for photo in photos:
            if not os.path.isfile(photo_path(task.path, photo["file"])):
                add(BLOCKING, jcbh, "photo_file_missing", f"照片文件不存在：{photo['file']}",
                    f"Photo file not found: {photo['file']}")
            elif photo["warnings"]:
                add(WARNING, jcbh, "photo_warning", f"照片 {os.path.basename(photo['file'])}：{photo['warnings']}",
                    f"Photo {os.path.basename(photo['file'])}: check its position and time")
        if encoding.upper() == "GBK":
            for column in schema.EXPORT_COLUMNS:
                value = _column_value(column, values, record, len(photos))
                if isinstance(value, str):
                    try:
                        value.encode("gbk")
                    except UnicodeEncodeError:
                        add(BLOCKING, jcbh, "not_gbk", f"“{column.zh}”含 GBK 无法表示的字符，请改用 UTF-8 编码导出",
                            f"'{column.en}' has characters GBK cannot hold; export the Shapefile as UTF-8")
    for part in task.parts:
        if not part["xzqdm"]:
            add(WARNING, part["jcbh"], "outside_townships", "图斑有部分在乡镇界外",
                "Part of the patch lies outside every township")
    return findings


def check_package(task_path, encoding="GBK", batch=None):
    """The findings a package of this task would have, blocking first, then by JCBH."""
    findings = _findings(_read_task(task_path, batch), encoding)
    return sorted(findings, key=lambda f: (f.severity != BLOCKING, f.jcbh or "", f.code))


# -- the files -------------------------------------------------------------------------------------
def _srs(meta):
    srs = osr.SpatialReference()
    srs.SetFromUserInput(meta["working_crs"])
    return srs


def _export_rows(task):
    """(jcbh, [values of EXPORT_COLUMNS], wkb) per patch."""
    rows = []
    for values, wkb in task.patches:
        record = task.verifications.get(values["jcbh"], {})
        photo_count = len(task.photos.get(values["jcbh"], []))
        row = []
        for column in schema.EXPORT_COLUMNS:
            value = _column_value(column, values, record, photo_count)
            if column.kind == "area" and value is not None:
                value = round(float(value), 2)
            row.append(value)
        rows.append((values["jcbh"], row, wkb))
    return rows


def _ogr_field(column, width=None):
    kind = {"area": ogr.OFTReal, "int": ogr.OFTInteger}.get(column.kind, ogr.OFTString)
    definition = ogr.FieldDefn(column.dbf, kind)
    if column.kind == "area":
        definition.SetWidth(18)
        definition.SetPrecision(2)
    elif width:
        definition.SetWidth(width)
    return definition


def _write_features(layer, rows):
    definition = layer.GetLayerDefn()
    for _, values, wkb in rows:
        feature = ogr.Feature(definition)
        for index, value in enumerate(values):
            if value is not None:
                feature.SetField(index, value)
        feature.SetGeometry(ogr.CreateGeometryFromWkb(wkb))
        layer.CreateFeature(feature)


@contextmanager
def _gdal_config(name, value):
    saved = gdal.GetConfigOption(name)
    gdal.SetConfigOption(name, value)
    try:
        yield
    finally:
        gdal.SetConfigOption(name, saved)


def _shapefile_encoding_honoured():
    # QGIS sets SHAPE_ENCODING="" process-wide, which makes OGR ignore ENCODING and the .cpg.
    return _gdal_config("SHAPE_ENCODING", None)


def _write_shapefile(path, task, rows, encoding):
    with _shapefile_encoding_honoured():
        source = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(path)
        layer = source.CreateLayer(os.path.splitext(os.path.basename(path))[0], _srs(task.meta),
                                   ogr.wkbMultiPolygon, options=[f"ENCODING={encoding}"])
        codec = "gbk" if encoding.upper() == "GBK" else "utf-8"
        for index, column in enumerate(schema.EXPORT_COLUMNS):
            # DBF text widths are bytes in the file's encoding: wide enough for the longest value.
            longest = max((len(str(r[1][index]).encode(codec, "replace")) for r in rows
                           if r[1][index] is not None), default=1)
            layer.CreateField(_ogr_field(column, min(max(longest, 1), 254)))
        _write_features(layer, rows)
        source = None
    stamp_dbf(os.path.splitext(path)[0] + ".dbf", task.stamp)
    return [os.path.splitext(path)[0] + ext for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")]


def _write_geopackage(path, task, rows):
    # gpkg_contents.last_change would otherwise be the export time.
    with _gdal_config("OGR_CURRENT_DATE", task.stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z")):
        source = ogr.GetDriverByName("GPKG").CreateDataSource(path)
        layer = source.CreateLayer(os.path.splitext(os.path.basename(path))[0], _srs(task.meta),
                                   ogr.wkbMultiPolygon, options=["FID=fid", "GEOMETRY_NAME=geom"])
        for column in schema.EXPORT_COLUMNS:
            layer.CreateField(_ogr_field(column))
        layer.StartTransaction()
        _write_features(layer, rows)
        layer.CommitTransaction()
        table = source.CreateLayer(schema.TOWNSHIP_METRICS_TABLE, geom_type=ogr.wkbNone, options=["FID=fid"])
        kinds = {"int": ogr.OFTInteger, "real": ogr.OFTReal}
        for spec in schema.METRIC_FIELDS:
            table.CreateField(ogr.FieldDefn(spec.name, kinds.get(spec.kind, ogr.OFTString)))
        for row in task.metrics.rows:
            feature = ogr.Feature(table.GetLayerDefn())
            for spec in schema.METRIC_FIELDS:
                if row[spec.name] is not None:
                    feature.SetField(spec.name, row[spec.name])
            table.CreateFeature(feature)
        source = None
    return [path]


def _field_dictionary():
    """The DBF names and what they mean (UTF-8 with a BOM, so Excel opens it in Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["字段名", "中文名称", "English", "类型"])
    kinds = {"area": "数值(平方米,2位小数)", "int": "整数", "str": "文本"}
    for column in schema.EXPORT_COLUMNS:
        writer.writerow([column.dbf, column.zh, column.en, kinds[column.kind]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


_MU_COLUMNS = (schema.AREA_M2, schema.CULTIVATED_M2, schema.PBF_M2, schema.GENERAL_CULTIVATED_M2,
               schema.ECO_M2, schema.APPROVED_M2)
_DETAIL_VERIFICATION = (schema.V_VERDICT, schema.V_LAND_USE, schema.V_LAWFUL_KIND, schema.V_VIOLATION,
                        schema.V_OTHER_KIND, schema.V_APPROVAL_NO, schema.V_RECT_STATUS, schema.V_MEASURES,
                        schema.V_CASE_FILED, schema.V_LEAD_SOURCE, schema.V_INSPECTOR, schema.V_DATE, schema.V_NOTES)
_LEDGER_VERIFICATION = (schema.V_VIOLATION, schema.V_RECT_STATUS, schema.V_MEASURES, schema.V_CASE_FILED,
                        schema.V_LEAD_SOURCE, schema.V_INSPECTOR, schema.V_DATE, schema.V_NOTES)


def _mu2(m2):
    return None if m2 is None else round(metrics.mu(m2), 2)


def _write_workbook(path, task):
    book = workbook.new_workbook()
    metrics.add_summary_sheet(book, task.metrics, "汇总表")
    area_headers = [f"{spec.zh}(亩)" for spec in _MU_COLUMNS]
    detail, ledger = [], []
    for values, _ in task.patches:
        jcbh = values["jcbh"]
        code, name = township_of(values.get(schema.TOWNSHIP_CODE.name), values.get(schema.TOWNSHIP_NAME.name))
        record = task.verifications.get(jcbh, {})
        areas = [_mu2(values.get(spec.name)) for spec in _MU_COLUMNS]
        detail.append([jcbh, code, name, *areas, values.get(schema.SUGGESTED_VERDICT.name),
                       *[record.get(spec.name) for spec in _DETAIL_VERIFICATION],
                       len(task.photos.get(jcbh, []))])
        if record.get(schema.V_VERDICT.name) == _V.UNLAWFUL.value:
            ledger.append([jcbh, code, name, areas[0], areas[1], areas[2],
                           *[record.get(spec.name) for spec in _LEDGER_VERIFICATION]])
    mu_format = workbook.MU_FORMAT
    workbook.add_table(book, "明细表", ["监测编号", "乡镇代码", "乡镇名称", *area_headers, schema.SUGGESTED_VERDICT.zh,
                                       *[spec.zh for spec in _DETAIL_VERIFICATION], schema.PHOTO_COUNT.zh],
                       detail, {3 + i: mu_format for i in range(len(_MU_COLUMNS))})
    workbook.add_table(book, "违法图斑整改台账", ["监测编号", "乡镇代码", "乡镇名称", *area_headers[:3],
                                                  *[spec.zh for spec in _LEDGER_VERIFICATION]],
                       ledger, {3: mu_format, 4: mu_format, 5: mu_format})
    metrics.add_accountability_sheet(book, task.metrics, "问责线索")
    cases.add_statistics_sheet(book, cases.statistics(task.cases, task.meta.get("county_code", ""),
                                                      task.meta.get("county_name", "")))
    cases.add_case_sheet(book, task.cases)
    workbook.save(book, path, task.stamp)
    return [path]


def _photo_entries(task, root):
    """(name inside the zip, source path): photos/<JCBH>/<JCBH>_<n>.<ext>, by time taken."""
    entries = []
    for jcbh, rows in sorted(task.photos.items()):
        safe = safe_name(jcbh)
        ordered = sorted(rows, key=lambda r: (r["taken_at"] or "", r["file"]))
        for number, row in enumerate(ordered, start=1):
            source = photo_path(task.path, row["file"])
            if os.path.isfile(source):
                ext = os.path.splitext(source)[1].lower()
                entries.append((f"{root}/photos/{safe}/{safe}_{number}{ext}", source))
    return entries


def _evidence_patches(task):
    """Unlawful patches and the overlay's high-priority ones get an evidence sheet."""
    chosen = []
    for values, _ in task.patches:
        record = task.verifications.get(values["jcbh"], {})
        if record.get(schema.V_VERDICT.name) == _V.UNLAWFUL.value or values.get(schema.PRIORITY.name):
            chosen.append(values["jcbh"])
    return chosen


class _Steps:
    """Maps each stage's own 0-100 progress onto its share of the whole export."""

    def __init__(self, feedback):
        self.feedback = feedback or QgsFeedback()

    def at(self, percent):
        self.feedback.setProgress(percent)
        if self.feedback.isCanceled():
            raise _Cancelled()

    def child(self, start, end):
        """A QgsFeedback for a stage running from start to end percent."""
        child = QgsFeedback()
        child.progressChanged.connect(lambda p: self.feedback.setProgress(start + (end - start) * p / 100.0))
        self.feedback.canceled.connect(child.cancel)
        if self.feedback.isCanceled():
            child.cancel()
        return child


class _Cancelled(Exception):
    pass


def _manifest(task, options, root, files, findings, evidence_count):
    verdicts = [r.get(schema.V_VERDICT.name) for r in task.verifications.values()]
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "software": {"name": "land_enforcement_plugin", "version": _plugin_version(), "qgis": Qgis.version()},
        "county_code": task.meta.get("county_code", ""), "county_name": task.meta.get("county_name", ""),
        "batch": _batch_label(task.meta), "root": root, "draft": options.draft,
        "working_crs": task.meta["working_crs"],
        "area_mode": sorted({v.get(schema.OVERLAY_MODE.name) or "" for v, _ in task.patches}),
        "shapefile_encoding": options.encoding.upper(),
        "thresholds": {name: getattr(task.metrics.thresholds, name)
                       for name in schema.Thresholds.__dataclass_fields__},
        "counts": {"patches": len(task.patches), "verified": sum(1 for v in verdicts if v),
                   "lawful": verdicts.count(_V.LAWFUL.value), "unlawful": verdicts.count(_V.UNLAWFUL.value),
                   "other": verdicts.count(_V.OTHER.value), "townships": len(task.metrics.rows) - 1,
                   "photos": sum(1 for name, _, _ in files if "/photos/" in name),
                   "evidence_sheets": evidence_count, "cases": len(task.cases),
                   "case_attachments": sum(1 for name, _, _ in files if "/cases/" in name)},
        "findings": {"blocking": [f.__dict__ for f in findings if f.severity == BLOCKING],
                     "warnings": len([f for f in findings if f.severity == WARNING])},
        "as_of": task.stamp.isoformat(),
        "files": [{"path": name, "sha256": digest, "size": size} for name, digest, size in sorted(files)],
        "exported_at": now_iso(),
    }


def _plugin_version():
    from ...dependencies import plugin_version

    return plugin_version()


# -- the staging folder ------------------------------------------------------------------------------
STAGING_PREFIX = ".package-"
_STAGING_LOCK = "export.lock"
STALE_STAGING_AFTER_S = 24 * 3600  # no export takes a day: an older staging folder was left by a killed one


def _lock_file(handle):
    """Lock an open file for as long as this process keeps it open (the system drops the lock when
    the process dies, however it dies); OSError when another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _new_staging(folder):
    """(path, open lock file) of a hidden folder beside the output for assembling the package,
    locked until the lock file is closed (its text names the process, for a person looking)."""
    staging = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder)
    lock = open(os.path.join(staging, _STAGING_LOCK), "w", encoding="utf-8")
    lock.write(f"exporting process {os.getpid()}\n")
    lock.flush()
    _lock_file(lock)
    return staging, lock


def _staging_in_use(staging):
    lock_path = os.path.join(staging, _STAGING_LOCK)
    if not os.path.exists(lock_path):
        return False
    try:
        with open(lock_path, "a", encoding="utf-8") as handle:
            _lock_file(handle)
    except OSError:
        return True
    return False


def remove_stale_staging(folder):
    """Remove the staging folders that exports killed mid-way left in `folder`: older than a day and
    not locked by a running export. Returns the paths removed."""
    removed = []
    now = time.time()
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        path = os.path.join(folder, name)
        if not name.startswith(STAGING_PREFIX) or os.path.islink(path) or not os.path.isdir(path):
            continue
        lock_path = os.path.join(path, _STAGING_LOCK)
        started = os.path.getmtime(lock_path if os.path.exists(lock_path) else path)
        if now - started < STALE_STAGING_AFTER_S or _staging_in_use(path):
            continue
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path):
            removed.append(path)
    return removed


def build_package(task_path, output, options=None, feedback=None):
    """Write the package to `output` (a .zip; a draft gets 草稿 in its name).

    Raises LandEnforcementError when blocking findings remain and this is not a draft (the
    findings are in the message), or when `output` exists and overwrite is not set.
    """
    options = options or PackageOptions()
    if options.encoding.upper() not in schema.SHAPEFILE_ENCODINGS:
        raise LandEnforcementError(f"不支持的编码：{options.encoding}（可选 GBK、UTF-8）",
                                   f"Unsupported encoding: {options.encoding} (GBK or UTF-8)")
    output = os.path.abspath(output if output.lower().endswith(".zip") else output + ".zip")
    if options.draft:
        output = draft_named(output)
    if os.path.exists(output) and not options.overwrite:
        raise LandEnforcementError(f"成果包已存在，未覆盖：{output}",
                                   f"The package already exists and was not overwritten: {output}")
    steps = _Steps(feedback)
    task = _read_task(task_path, options.batch)
    findings = sorted(_findings(task, options.encoding),
                      key=lambda f: (f.severity != BLOCKING, f.jcbh or "", f.code))
    blocking = [f for f in findings if f.severity == BLOCKING]
    if blocking and not options.draft:
        shown = "；".join(f"{f.jcbh} {f.zh}" for f in blocking[:5])
        raise LandEnforcementError(
            f"有 {len(blocking)} 个阻断性问题，未导出（可导出草稿）：{shown}",
            f"{len(blocking)} blocking problems; nothing exported (a draft can be): "
            + "; ".join(f"{f.jcbh} {f.en}" for f in blocking[:5]))
    os.makedirs(os.path.dirname(output), exist_ok=True)
    stale = remove_stale_staging(os.path.dirname(output))
    staging, lock = _new_staging(os.path.dirname(output))
    try:
        steps.at(5)
        root = _package_root(task.meta, options.draft)
        county = task.meta.get("county_code") or "000000"
        rows = _export_rows(task)
        files = []  # (name inside the zip, path)

        def stage(folder, paths):
            files.extend((f"{root}/{folder}/{os.path.basename(p)}", p) for p in paths)

        os.makedirs(os.path.join(staging, "shp"))
        stage("shp", _write_shapefile(os.path.join(staging, "shp", f"wptb_{county}.shp"), task, rows,
                                      options.encoding.upper()))
        dictionary = os.path.join(staging, "shp", "field_dictionary.csv")
        with open(dictionary, "wb") as f:
            f.write(_field_dictionary())
        stage("shp", [dictionary])
        steps.at(15)
        os.makedirs(os.path.join(staging, "gpkg"))
        stage("gpkg", _write_geopackage(os.path.join(staging, "gpkg", f"wptb_{county}.gpkg"), task, rows))
        steps.at(25)
        os.makedirs(os.path.join(staging, "tables"))
        stage("tables", _write_workbook(os.path.join(staging, "tables", f"tables_{county}.xlsx"), task))
        steps.at(35)
        files += _photo_entries(task, root)
        files += cases.package_entries(task_path, task.cases, root)
        evidence = {}
        if options.evidence:
            from .evidence import write_evidence_sheets

            out_dir = os.path.join(staging, "evidence")
            evidence = write_evidence_sheets(task_path, _evidence_patches(task), out_dir, options.imagery,
                                             steps.child(35, 90))
            steps.at(90)
            stage("evidence", [evidence[jcbh] for jcbh in sorted(evidence)])
        listed = []
        for name, path in files:
            digest, size = file_sha256(path)
            listed.append((name, digest, size))
        manifest = _manifest(task, options, root, listed, findings, len(evidence))
        entries = files + [(f"{root}/{MANIFEST}",
                            json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))]
        steps.at(95)
        partial = os.path.join(staging, "package.zip")
        write_zip(partial, entries, task.stamp)
        steps.at(99)
        os.replace(partial, output)
        steps.feedback.setProgress(100)
        return PackageResult(output, manifest, findings, stale)
    except _Cancelled:
        return PackageResult(None, None, findings, stale)
    finally:
        lock.close()
        shutil.rmtree(staging, ignore_errors=True)


# -- verifying a received package ------------------------------------------------------------------
@dataclass
class VerifyReport:
    ok: bool
    problems: list  # (zh, en)
    manifest: dict = None
    checked_files: int = 0

    def lines(self):
        if self.ok:
            return [f"成果包完整：{self.checked_files} 个文件与清单一致 / "
                    f"Package intact: {self.checked_files} files match the manifest"]
        return [f"{zh} / {en}" for zh, en in self.problems]


_UNSAFE = re.compile(r"(^/|^[A-Za-z]:|(^|/)\.\.(/|$)|\\)")
_MANIFEST_MAX_BYTES = 50 * 1024 * 1024  # a real manifest lists thousands of files in well under 1 MB
_CHUNK = 1 << 20
_SHAPEFILE_MAGIC = b"\x00\x00\x27\x0a"  # file code 9994, big-endian, of .shp and .shx
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf")
# What reading a damaged or odd zip member raises: bad CRC, corrupt deflate data, cut-off file,
# an unsupported compression method, encryption.
_ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError)


def _read_zip_manifest(archive):
    names = [n for n in archive.namelist() if n.endswith("/" + MANIFEST) or n == MANIFEST]
    if len(names) != 1:
        raise LandEnforcementError("成果包中没有唯一的 manifest.json", "The package has no single manifest.json")
    if archive.getinfo(names[0]).file_size > _MANIFEST_MAX_BYTES:
        raise LandEnforcementError("manifest.json 大得不合理，不是本插件导出的清单",
                                   "manifest.json is implausibly large; not a manifest this plugin wrote")
    try:
        manifest = json.loads(archive.read(names[0]).decode("utf-8"))
    except (ValueError, *_ZIP_READ_ERRORS) as exc:
        raise LandEnforcementError("manifest.json 无法解析", "manifest.json cannot be parsed") from exc
    if not isinstance(manifest, dict):
        raise LandEnforcementError("manifest.json 无法解析", "manifest.json cannot be parsed")
    return manifest, names[0]


def _listed_files(manifest, problems):
    """{path: {"sha256", "size"}} of the manifest's file list; entries it cannot hold are problems."""
    listed = {}
    entries = manifest.get("files")
    if not isinstance(entries, list):
        problems.append(("清单中没有文件列表", "The manifest has no file list"))
        return listed
    for number, entry in enumerate(entries, start=1):
        valid = (isinstance(entry, dict) and isinstance(entry.get("path"), str)
                 and isinstance(entry.get("sha256"), str) and re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
                 and isinstance(entry.get("size"), int) and entry["size"] >= 0)
        if valid:
            listed[entry["path"]] = entry
        else:
            problems.append((f"清单第 {number} 项无效（须有 path、sha256、size）",
                             f"Manifest entry {number} is invalid (path, sha256 and size needed)"))
    return listed


def _extract_member(archive, info, entry, target):
    """Stream one member to `target`, hashing it, never reading more than the manifest's size.
    (zh, en) when it differs from the manifest or cannot be read; None when it matches."""
    name = info.filename
    if info.file_size != entry["size"]:
        return (f"文件大小与清单不符（{info.file_size} 字节，清单记为 {entry['size']}）：{name}",
                f"File size differs from the manifest ({info.file_size} bytes; the manifest says "
                f"{entry['size']}): {name}")
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(info) as source, open(target, "wb") as out:
            for chunk in iter(lambda: source.read(_CHUNK), b""):
                size += len(chunk)
                if size > entry["size"]:
                    return f"文件大小与清单不符：{name}", f"File size differs from the manifest: {name}"
                digest.update(chunk)
                out.write(chunk)
    except _ZIP_READ_ERRORS as exc:
        return f"文件无法解压（{exc}）：{name}", f"File cannot be extracted ({exc}): {name}"
    if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
        return f"文件已被改动：{name}", f"File changed: {name}"
    return None


def _kind_problem(name, path):
    """(zh, en) when the extracted member at `path` is not what its extension says; None when it is."""
    ext = os.path.splitext(name)[1].lower()
    with open(path, "rb") as f:
        head = f.read(16)
    if ext in PHOTO_SUFFIXES:
        problem = image_problem(path)
        return (f"{problem[0]}：{name}", f"{problem[1]}: {name}") if problem else None
    expected = {".pdf": (head.startswith(b"%PDF-"), "PDF"),
                ".xlsx": (zipfile.is_zipfile(path), "Excel (.xlsx)"),
                ".shp": (head.startswith(_SHAPEFILE_MAGIC), "Shapefile"),
                ".shx": (head.startswith(_SHAPEFILE_MAGIC), "Shapefile"),
                ".gpkg": (head.startswith(b"SQLite format 3\x00"), "GeoPackage")}.get(ext)
    if expected and not expected[0]:
        return (f"文件内容不是 {expected[1]}（与扩展名不符）：{name}",
                f"The file's content is not {expected[1]} (its extension says so): {name}")
    return None


def _read_shapefile(paths, problems):
    """The JCBH values of the package's Shapefile (paths: {extension: extracted path}), or None."""
    missing = [ext for ext in _SHAPEFILE_PARTS if ext not in paths]
    if missing:
        problems.append((f"Shapefile 不完整，缺少 {'、'.join(missing)}，无法读取图斑",
                         f"The Shapefile is incomplete (no {', '.join(missing)}); its patches cannot be read"))
        return None
    try:
        with _shapefile_encoding_honoured():
            source = ogr.Open(paths[".shp"])
            layer = source.GetLayer(0)
            if layer.GetLayerDefn().GetFieldIndex("JCBH") < 0:
                problems.append(("Shapefile 没有 JCBH 字段", "The Shapefile has no JCBH field"))
                return None
            jcbhs = [feature.GetField("JCBH") for feature in layer]
            source = None
    except (RuntimeError, AttributeError) as exc:  # OGR's errors; None for a file it cannot open
        problems.append((f"Shapefile 无法读取（{exc}）", f"The Shapefile cannot be read ({exc})"))
        return None
    return jcbhs


def _check_contents(extracted, manifest, problems):
    """Re-read the Shapefile and the workbook (extracted: {name in the zip: path}): counts as the
    manifest says, JCBH readable."""
    counts = manifest.get("counts") if isinstance(manifest.get("counts"), dict) else {}
    shp = sorted(n for n in extracted if n.lower().endswith(".shp"))
    if shp:
        stem = shp[0][:-4]
        parts = {name[len(stem):].lower(): path for name, path in extracted.items() if name.startswith(stem + ".")}
        jcbhs = _read_shapefile(parts, problems)
        if jcbhs is not None:
            if len(jcbhs) != counts.get("patches"):
                problems.append((f"Shapefile 有 {len(jcbhs)} 个图斑，清单记为 {counts.get('patches')}",
                                 f"The Shapefile has {len(jcbhs)} patches; the manifest says {counts.get('patches')}"))
            if len(set(jcbhs)) != len(jcbhs) or not all(jcbhs):
                problems.append(("Shapefile 的监测编号为空或重复", "The Shapefile has empty or repeated JCBH values"))
    else:
        problems.append(("成果包中没有可读取的 Shapefile", "The package has no readable Shapefile"))
    books = sorted(n for n in extracted if n.lower().endswith(".xlsx"))
    if books:
        _check_workbook(extracted[books[0]], counts, problems)
    else:
        problems.append(("成果包中没有可读取的工作簿", "The package has no readable workbook"))


def _check_workbook(path, counts, problems):
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        problems.append((f"工作簿无法读取（{type(exc).__name__}）", f"The workbook cannot be read ({type(exc).__name__})"))
        return
    try:
        missing = [s for s in ("汇总表", "明细表", "违法图斑整改台账", "问责线索") if s not in book.sheetnames]
        if missing:
            problems.append((f"工作簿缺少工作表：{'、'.join(missing)}",
                             f"The workbook lacks sheets: {', '.join(missing)}"))
        else:
            detail_rows = book["明细表"].max_row - 1
            if detail_rows != counts.get("patches"):
                problems.append((f"明细表有 {detail_rows} 行，清单记为 {counts.get('patches')} 个图斑",
                                 f"明细表 has {detail_rows} rows; the manifest says {counts.get('patches')} patches"))
    finally:
        book.close()


def verify_package(path, feedback=None):
    """Check a received package against its manifest: every file present, unchanged (size first,
    then SHA-256, read in chunks), nothing extra, safe paths, each file what its extension says;
    then re-read its Shapefile and workbook. Every problem is reported; none is a traceback."""
    if not zipfile.is_zipfile(path):
        raise LandEnforcementError(f"不是 zip 文件：{path}", f"Not a zip file: {path}")
    problems = []
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LandEnforcementError(f"zip 文件已损坏：{path}", f"The zip file is damaged: {path}") from exc
    with archive, tempfile.TemporaryDirectory() as folder:
        manifest, manifest_name = _read_zip_manifest(archive)
        if manifest.get("format") != FORMAT:
            raise LandEnforcementError("不是卫片执法成果包（manifest 格式不符）",
                                       "Not a land-enforcement package (manifest format differs)")
        listed = _listed_files(manifest, problems)
        present = {info.filename: info for info in archive.infolist() if not info.is_dir()}
        for name in sorted(set(present) | set(listed)):
            if _UNSAFE.search(name):
                problems.append((f"不安全的路径：{name}", f"Unsafe path: {name}"))
        for name in sorted(set(present) - set(listed) - {manifest_name}):
            problems.append((f"清单外的文件：{name}", f"File not in the manifest: {name}"))
        extracted, stems = {}, {}
        for index, (name, entry) in enumerate(sorted(listed.items())):
            if feedback is not None:
                feedback.setProgress(80.0 * index / max(len(listed), 1))
            if name not in present:
                problems.append((f"缺少文件：{name}", f"Missing file: {name}"))
                continue
            # Named by number, never by the zip's path (nothing can land outside the folder); the
            # parts of one Shapefile share their number.
            stem, ext = os.path.splitext(name)
            target = os.path.join(folder, f"{stems.setdefault(stem, len(stems)):06d}{ext.lower()[:8]}")
            problem = _extract_member(archive, present[name], entry, target)
            if problem is None:
                problem = _kind_problem(name, target)
            if problem:
                problems.append(problem)
                if os.path.exists(target):
                    os.remove(target)
                continue
            if ext.lower() in _SHAPEFILE_PARTS + (".xlsx", ".cpg", ".prj"):
                extracted[name] = target  # re-read below
            else:
                os.remove(target)  # checked: the folder never holds more than the files re-read
        _check_contents(extracted, manifest, problems)
    return VerifyReport(not problems, problems, manifest, len(listed))
