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
import io
import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field

from osgeo import gdal, ogr, osr
from qgis.core import Qgis, QgsFeedback

from .. import schema, workbook
from ..errors import LandEnforcementError
from ..files import safe_name
from ..metadata import plugin_version
from ..reproducible import file_sha256, parse_stamp, stamp_dbf, write_zip
from ..review import cases
from ..review.photos import fetch_missing, photo_path
from ..review.verification import missing_required, township_of
from ..season import metrics
from ..store import now_iso, open_task, task_files_folder
from .evidence import write_evidence_sheets
from .staging import new_staging, remove_stale_staging

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
        return [(f"已删除中断导出遗留的临时文件夹：{path}",
                 f"Removed the staging folder of an interrupted export: {path}")
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
    with open_task(task_path) as store:
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
    with open_task(task_path) as store:
        meta = store.meta()
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


def shapefile_encoding_honoured():
    # QGIS sets SHAPE_ENCODING="" process-wide, which makes OGR ignore ENCODING and the .cpg.
    return _gdal_config("SHAPE_ENCODING", None)


def _write_shapefile(path, task, rows, encoding):
    with shapefile_encoding_honoured():
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
        "software": {"name": "land_enforcement_plugin", "version": plugin_version(), "qgis": Qgis.version()},
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
    staging, lock = new_staging(os.path.dirname(output))
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
