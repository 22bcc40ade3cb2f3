"""The city roll-up (市级汇总): a city bureau's check, merge and ranking of its counties' packages.

Each county package is verified first (package_verify.verify_package); one that fails is listed with
its problems and left out. From the others, the patch layer of each package's GeoPackage is read
back (the verdict and the overlay areas are columns of it) and the figures are computed by the
county metrics' own function (metrics.compute_metrics), so a county row here says what the
county's own table says under the same rules. A package carries each patch's main township but
not the overlay's split of a straddling patch, so such a patch counts wholly to its main township
here (county and city totals are unaffected).

Conflicts between packages are listed, never resolved: the same JCBH in two packages, one county
in two packages, and patches of different counties that overlap (a county border drawn twice).

The same roll-up runs on a city database that keeps every county task in its own schema
(city_postgis.summarise_postgis): the merging and the conflict search run in SQL, the figures through the
same function.
"""
import dataclasses
import os
import shutil
import tempfile
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from osgeo import ogr, osr
from qgis.core import QgsRectangle, QgsSpatialIndex

from .. import schema, workbook
from ..errors import LandEnforcementError
from ..messages import cancelled
from ..review.verification import township_of
from ..season import metrics
from .package import DRAFT_MARK
from .package_verify import verify_package

CITY_ROW_NAME = "全市"
COUNTY_LEVEL, TOWNSHIP_LEVEL, CITY_LEVEL = "county", "township", "city"
PATCHES_LAYER = "city_patches"
COUNTIES_LAYER = "counties"
METRICS_TABLE = "city_metrics"
CONFLICTS_TABLE = "conflicts"
FAILED_TABLE = "failed_packages"
DUPLICATE_JCBH, SAME_COUNTY, OVERLAP = "duplicate_jcbh", "same_county", "overlap"
CONFLICT_LABELS = {DUPLICATE_JCBH: "监测编号重复", SAME_COUNTY: "同一县重复上报", OVERLAP: "跨县图斑重叠"}
# Overlaps smaller than this are two borders digitised a hair apart, not a patch counted twice.
MIN_OVERLAP_M2 = 1.0
_COLUMN_OF = {c.field.name: c.dbf for c in schema.EXPORT_COLUMNS}
AREA_NAMES = [f.name for f in schema.OVERLAY_AREA_FIELDS]
RECORD_NAMES = [f.name for f in schema.VERIFICATION_FIELDS if f.name in _COLUMN_OF]
# What the figures need besides parts and records (metrics.PatchFacts): a place that came back in
# a later batch is counted once, and daily enforcement compares the discovery date with HSX.
FACT_NAMES = [schema.BATCH.name, schema.REPEAT_OF.name, schema.HSX.name]


def patch_facts(values, key):
    return metrics.PatchFacts(values.get(schema.BATCH.name),
                              key(values[schema.REPEAT_OF.name]) if values.get(schema.REPEAT_OF.name) else None,
                              values.get(schema.HSX.name))


@dataclass
class CountyPackage:
    """One verified package, read back: its patches as [(values by canonical field name, WKB)]."""

    path: str
    county_code: str
    county_name: str
    working_crs: str
    batch: str
    draft: bool
    patches: list


@dataclass
class FailedPackage:
    path: str
    problems: list  # (zh, en)


@dataclass
class Conflict:
    kind: str
    county_a: str
    jcbh_a: str
    county_b: str
    jcbh_b: str
    area_m2: float = None


@dataclass
class CitySummary:
    counties: list  # CountyPackage, by county code
    failed: list  # FailedPackage
    rows: list  # dicts: level, county_code, county_name, rank, then metrics.METRIC_FIELDS names
    conflicts: list
    thresholds: schema.Thresholds
    crs: str  # of the city layer and the overlap areas
    city_code: str = ""
    hulls: dict = field(default_factory=dict)  # county code -> WKB of its patches' extent polygon
    geometries: list = field(default_factory=list)  # per county package: its patches' ogr geometries, city CRS

    def county_rows(self):
        return sorted((r for r in self.rows if r["level"] == COUNTY_LEVEL), key=lambda r: r["rank"])

    def city_row(self):
        return next(r for r in self.rows if r["level"] == CITY_LEVEL)


# -- reading packages --------------------------------------------------------------------------------
def package_paths(inputs):
    """The .zip packages named by `inputs` (files, or folders whose .zip files are taken), sorted,
    each once."""
    paths = []
    for item in inputs:
        if os.path.isdir(item):
            paths += [os.path.join(item, name) for name in os.listdir(item) if name.lower().endswith(".zip")]
        elif os.path.isfile(item):
            paths.append(item)
        else:
            raise LandEnforcementError(f"找不到成果包：{item}", f"No such package: {item}")
    paths = sorted({os.path.abspath(p) for p in paths})
    if not paths:
        raise LandEnforcementError("没有可汇总的成果包（.zip）", "No packages (.zip) to summarise")
    return paths


def read_package(path, feedback=None):
    """A verified package read back (CountyPackage), or FailedPackage with every problem found."""
    try:
        report = verify_package(path, feedback)
    except LandEnforcementError as exc:
        return FailedPackage(path, [(exc.zh, exc.en)])
    if not report.ok:
        return FailedPackage(path, report.problems)
    manifest = report.manifest
    member = next((e["path"] for e in manifest["files"] if e["path"].lower().endswith(".gpkg")), None)
    if member is None:
        return FailedPackage(path, [("成果包中没有 GeoPackage 图斑图层", "The package has no GeoPackage patch layer")])
    folder = tempfile.mkdtemp(prefix="city-")
    try:
        target = os.path.join(folder, "patches.gpkg")
        with zipfile.ZipFile(path) as archive, archive.open(member) as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out)
        patches = _read_patch_layer(target, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return CountyPackage(path, manifest.get("county_code", ""), manifest.get("county_name", ""),
                         manifest.get("working_crs", ""), manifest.get("batch", ""), bool(manifest.get("draft")),
                         patches)


def _read_patch_layer(gpkg, package):
    source = ogr.Open(gpkg)
    try:
        layer = next((source.GetLayer(i) for i in range(source.GetLayerCount())
                      if source.GetLayer(i).GetGeomType() != ogr.wkbNone), None)
        if layer is None:
            raise LandEnforcementError(f"成果包的 GeoPackage 中没有图斑图层：{package}",
                                       f"The package's GeoPackage has no patch layer: {package}")
        present = {layer.GetLayerDefn().GetFieldDefn(i).GetName() for i in range(layer.GetLayerDefn().GetFieldCount())}
        missing = sorted({_COLUMN_OF[name] for name in ["jcbh", schema.TOWNSHIP_CODE.name, *AREA_NAMES,
                                                          *RECORD_NAMES]} - present)
        if missing:
            raise LandEnforcementError(f"成果包图斑图层缺少字段 {'、'.join(missing)}：{package}",
                                       f"The package's patch layer lacks the fields {', '.join(missing)}: {package}")
        # By index: OGR's Python GetField(name) looks the name up field by field, every call.
        definition = layer.GetLayerDefn()
        wanted = [(name, definition.GetFieldIndex(dbf)) for name, dbf in _COLUMN_OF.items() if dbf in present]
        return [({name: feature.GetField(index) for name, index in wanted}, feature.GetGeometryRef().ExportToIsoWkb())
                for feature in layer]
    finally:
        source = None


# -- the figures --------------------------------------------------------------------------------------
def parts_and_records(patches, key=lambda jcbh: jcbh):
    """compute_metrics' inputs from package patch values: one part per patch at its main township,
    the verification values and the PatchFacts. `key` makes a JCBH unique beyond one county."""
    parts, records, facts = [], {}, {}
    for values, _ in patches:
        jcbh = key(values["jcbh"])
        code, name = township_of(values.get(schema.TOWNSHIP_CODE.name), values.get(schema.TOWNSHIP_NAME.name))
        parts.append({"jcbh": jcbh, "xzqdm": code, "xzqmc": name,
                      **{area: float(values.get(area) or 0.0) for area in AREA_NAMES}})
        records[jcbh] = {name: values.get(name) for name in RECORD_NAMES if values.get(name) is not None}
        facts[jcbh] = patch_facts(values, key)
    return parts, records, facts


def city_code_of(county_codes):
    cities = {code[:4] for code in county_codes}
    return f"{cities.pop()}00" if len(cities) == 1 else ""


def _rank_key(row):
    ratio = row["unlawful_cultivated_ratio"]
    return (ratio is None, -(ratio or 0.0), -row["unlawful_mu"], row["county_code"])


def city_rows(county_inputs, thresholds, city_code="", city_name=CITY_ROW_NAME):
    """Metric rows of every county (ranked: highest unlawful cultivated ratio first) and its
    townships, and the city row. county_inputs: [(code, name, parts, records, facts)]."""
    rows, every_part, every_record, every_fact = [], [], {}, {}
    for code, name, parts, records, facts in county_inputs:
        result = metrics.compute_metrics(parts, records, code, thresholds, facts)
        *townships, county = result.rows
        rows.append({"level": COUNTY_LEVEL, "county_code": code, "county_name": name, **county, "xzqmc": name})
        rows += [{"level": TOWNSHIP_LEVEL, "county_code": code, "county_name": name, "rank": None, **row}
                 for row in townships]
        every_part += [dict(part, jcbh=f"{code}:{part['jcbh']}",
                            xzqdm=f"{code}:{part['xzqdm']}") for part in parts]
        every_record.update({f"{code}:{jcbh}": record for jcbh, record in records.items()})
        every_fact.update({f"{code}:{jcbh}": dataclasses.replace(
            fact, repeat_of=f"{code}:{fact.repeat_of}" if fact.repeat_of else None) for jcbh, fact in facts.items()})
    counties = sorted((r for r in rows if r["level"] == COUNTY_LEVEL), key=_rank_key)
    for rank, row in enumerate(counties, start=1):
        row["rank"] = rank
    city = metrics.compute_metrics(every_part, every_record, city_code, thresholds, every_fact).rows[-1]
    rows.append({"level": CITY_LEVEL, "county_code": city_code, "county_name": city_name, "rank": None,
                 **city, "xzqdm": city["xzqdm"] if city_code else "", "xzqmc": city_name})
    return rows


# -- conflicts ------------------------------------------------------------------------------------------
def city_crs(counties):
    crs = Counter(c.working_crs for c in counties if c.working_crs)
    return min(crs, key=lambda name: (-crs[name], name)) if crs else "EPSG:4490"


def _geometries(county, crs):
    """ogr geometries of the county's patches in the city CRS."""
    source, target = osr.SpatialReference(), osr.SpatialReference()
    source.SetFromUserInput(county.working_crs or crs)
    target.SetFromUserInput(crs)
    for srs in (source, target):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = None if source.IsSame(target) else osr.CoordinateTransformation(source, target)
    geometries = []
    for _, wkb in county.patches:
        geometry = ogr.CreateGeometryFromWkb(wkb)
        if transform is not None:
            geometry.Transform(transform)
        geometries.append(geometry)
    return geometries


def _envelopes_meet(a, b):
    return a[0] <= b[1] and b[0] <= a[1] and a[2] <= b[3] and b[2] <= a[3]


def find_conflicts(counties, geometries):
    """Duplicate JCBH, one county twice, overlapping patches of different counties (areas in the
    city CRS). geometries: {county index: [ogr geometry per patch]}."""
    conflicts = []
    owners = defaultdict(list)
    for county in counties:
        for values, _ in county.patches:
            owners[values["jcbh"]].append(county.county_code)
    for jcbh in sorted(owners):
        codes = owners[jcbh]
        for other in codes[1:]:
            conflicts.append(Conflict(DUPLICATE_JCBH, codes[0], jcbh, other, jcbh))
    seen = {}
    for county in counties:
        if county.county_code in seen:
            conflicts.append(Conflict(SAME_COUNTY, county.county_code, os.path.basename(seen[county.county_code]),
                                      county.county_code, os.path.basename(county.path)))
        seen.setdefault(county.county_code, county.path)
    extents = {i: _extent(g) for i, g in geometries.items()}
    indexes = {}  # built once per county, only for counties whose extent meets another's
    for i in range(len(counties)):
        for j in range(i + 1, len(counties)):
            if counties[i].county_code == counties[j].county_code or not _envelopes_meet(extents[i], extents[j]):
                continue
            if j not in indexes:
                indexes[j] = _spatial_index(geometries[j])
            conflicts += _overlaps(counties[i], geometries[i], counties[j], geometries[j], extents[j], indexes[j])
    return conflicts


def _extent(geometries):
    envelopes = [g.GetEnvelope() for g in geometries] or [(0, 0, 0, 0)]
    return (min(e[0] for e in envelopes), max(e[1] for e in envelopes),
            min(e[2] for e in envelopes), max(e[3] for e in envelopes))


def _spatial_index(geometries):
    index = QgsSpatialIndex()
    for number, geometry in enumerate(geometries):
        x0, x1, y0, y1 = geometry.GetEnvelope()
        index.addFeature(number, QgsRectangle(x0, y0, x1, y1))
    return index


def _overlaps(county_a, geometries_a, county_b, geometries_b, extent_b, index):
    """Only patches of A inside B's extent are compared, through B's spatial index."""
    found = []
    for number, geometry in enumerate(geometries_a):
        envelope = geometry.GetEnvelope()
        if not _envelopes_meet(envelope, extent_b):
            continue
        x0, x1, y0, y1 = envelope
        for other in index.intersects(QgsRectangle(x0, y0, x1, y1)):
            if not geometry.Intersects(geometries_b[other]):
                continue
            overlap = geometry.Intersection(geometries_b[other])
            area = overlap.GetArea() if overlap is not None else 0.0
            if area >= MIN_OVERLAP_M2:
                found.append(Conflict(OVERLAP, county_a.county_code, county_a.patches[number][0]["jcbh"],
                                      county_b.county_code, county_b.patches[other][0]["jcbh"], area))
    return found


# -- the roll-up ------------------------------------------------------------------------------------------
def summarise_packages(inputs, thresholds=None, city_name=CITY_ROW_NAME, feedback=None):
    """Verify and read every package of `inputs` (zips or folders of zips), then figures, ranking
    and conflicts (CitySummary). Raises when no package could be merged."""
    thresholds = thresholds or schema.Thresholds()
    paths = package_paths(inputs)
    counties, failed = [], []
    for number, path in enumerate(paths):
        if feedback is not None:
            if feedback.isCanceled():
                raise cancelled("市级汇总", "City summary").error()
            feedback.setProgress(60.0 * number / len(paths))
        package = read_package(path)
        (failed if isinstance(package, FailedPackage) else counties).append(package)
    if not counties:
        raise LandEnforcementError(
            f"{len(failed)} 个成果包均未通过校验，无可汇总："
            + "；".join(f"{os.path.basename(f.path)} {f.problems[0][0]}" for f in failed[:5]),
            f"None of the {len(failed)} packages passed verification; nothing to summarise")
    counties.sort(key=lambda c: (c.county_code, c.path))
    crs = city_crs(counties)
    geometries = {i: _geometries(county, crs) for i, county in enumerate(counties)}
    if feedback is not None:
        feedback.setProgress(70)
    merged = _distinct_counties(counties)
    inputs = [(c.county_code, c.county_name, *parts_and_records(c.patches)) for c in merged]
    city_code = city_code_of([c.county_code for c in counties])
    rows = city_rows(inputs, thresholds, city_code, city_name)
    drafts = {c.county_code for c in merged if c.draft}
    for row in rows:
        row["draft"] = int(row["level"] == COUNTY_LEVEL and row["county_code"] in drafts)
    conflicts = find_conflicts(counties, geometries)
    if feedback is not None:
        feedback.setProgress(90)
    hulls = {}
    for i, county in enumerate(counties):
        if county.county_code not in hulls:
            collection = ogr.Geometry(ogr.wkbGeometryCollection)
            for geometry in geometries[i]:
                collection.AddGeometry(geometry)
            hulls[county.county_code] = collection.ConvexHull().ExportToIsoWkb()
    return CitySummary(counties, failed, rows, conflicts, thresholds, crs, city_code, hulls,
                       [geometries[i] for i in range(len(counties))])


def _distinct_counties(counties):
    """A county delivered twice is counted once (its first package by path); the second is a conflict."""
    kept = {}
    for county in counties:
        kept.setdefault(county.county_code, county)
    return list(kept.values())


# -- writing --------------------------------------------------------------------------------------------
_METRIC_KINDS = {"int": ogr.OFTInteger, "real": ogr.OFTReal}
ROW_FIELDS = [("level", ogr.OFTString), ("county_code", ogr.OFTString), ("county_name", ogr.OFTString),
               ("rank", ogr.OFTInteger)] + [(f.name, _METRIC_KINDS.get(f.kind, ogr.OFTString))
                                            for f in schema.METRIC_FIELDS]


def _create_table(source, name, fields, geometry=ogr.wkbNone, srs=None):
    layer = source.CreateLayer(name, srs, geometry, options=["FID=fid"] + (["GEOMETRY_NAME=geom"] if srs else []))
    for field_name, kind in fields:
        layer.CreateField(ogr.FieldDefn(field_name, kind))
    return layer


def _add(layer, values, wkb=None):
    feature = ogr.Feature(layer.GetLayerDefn())
    for name, value in values.items():
        if value is not None:
            feature.SetField(name, value)
    if wkb is not None:
        feature.SetGeometry(ogr.CreateGeometryFromWkb(wkb))
    layer.CreateFeature(feature)


def _conflict_values(conflict):
    return {"kind": conflict.kind, "label": CONFLICT_LABELS[conflict.kind], "county_a": conflict.county_a,
            "jcbh_a": conflict.jcbh_a, "county_b": conflict.county_b, "jcbh_b": conflict.jcbh_b,
            "area_m2": conflict.area_m2}


_CONFLICT_FIELDS = [("kind", ogr.OFTString), ("label", ogr.OFTString), ("county_a", ogr.OFTString),
                    ("jcbh_a", ogr.OFTString), ("county_b", ogr.OFTString), ("jcbh_b", ogr.OFTString),
                    ("area_m2", ogr.OFTReal)]


def write_geopackage(summary, path, feedback=None):
    """city_patches (every merged county's patches with their county, in the city CRS), counties
    (the extent of each county's patches with its figures and rank: the choropleth), city_metrics,
    conflicts, failed_packages."""
    # Written beside the target and moved into place at the end: a cancel or failure leaves the old file.
    partial = f"{path}.partial.gpkg"
    if os.path.exists(partial):
        os.remove(partial)
    srs = osr.SpatialReference()
    srs.SetFromUserInput(summary.crs)
    try:
        source = ogr.GetDriverByName("GPKG").CreateDataSource(partial)
    except RuntimeError as exc:
        raise LandEnforcementError(f"无法创建市级汇总库：{path}", f"Cannot create the city GeoPackage: {path}") from exc
    try:
        columns = schema.EXPORT_COLUMNS
        kinds = {"area": ogr.OFTReal, "int": ogr.OFTInteger}
        patches = _create_table(source, PATCHES_LAYER, [("XZDM", ogr.OFTString), ("XZMC", ogr.OFTString)]
                                + [(c.dbf, kinds.get(c.kind, ogr.OFTString)) for c in columns],
                                ogr.wkbMultiPolygon, srs)
        patches.StartTransaction()
        definition = patches.GetLayerDefn()
        indexes = [(definition.GetFieldIndex(c.dbf), c.field.name) for c in columns]
        for county, geometries in zip(summary.counties, summary.geometries):
            for (values, _), geometry in zip(county.patches, geometries):
                feature = ogr.Feature(definition)
                feature.SetField(0, county.county_code)
                feature.SetField(1, county.county_name)
                for index, name in indexes:
                    value = values.get(name)
                    if value is not None:
                        feature.SetField(index, value)
                feature.SetGeometry(ogr.ForceToMultiPolygon(geometry))
                patches.CreateFeature(feature)
            if feedback is not None and feedback.isCanceled():
                raise cancelled("市级汇总", "City summary").error()
        patches.CommitTransaction()
        hulls = _create_table(source, COUNTIES_LAYER, ROW_FIELDS, ogr.wkbPolygon, srs)
        for row in summary.county_rows():
            _add(hulls, {name: row.get(name) for name, _ in ROW_FIELDS}, summary.hulls.get(row["county_code"]))
        table = _create_table(source, METRICS_TABLE, ROW_FIELDS)
        for row in summary.rows:
            _add(table, {name: row.get(name) for name, _ in ROW_FIELDS})
        table = _create_table(source, CONFLICTS_TABLE, _CONFLICT_FIELDS)
        for conflict in summary.conflicts:
            _add(table, _conflict_values(conflict))
        table = _create_table(source, FAILED_TABLE, [("package", ogr.OFTString), ("problems", ogr.OFTString)])
        for failed in summary.failed:
            _add(table, {"package": failed.path, "problems": "\n".join(f"{zh} / {en}" for zh, en in failed.problems)})
        source = None
        os.replace(partial, path)
    except BaseException:
        source = None
        if os.path.exists(partial):
            os.remove(partial)
        raise
    return path


def _metric_formats(offset):
    formats = {}
    for i, spec in enumerate(schema.METRIC_FIELDS):
        if spec.name.endswith("_mu"):
            formats[offset + i] = workbook.MU_FORMAT
        elif spec.name.endswith(("_ratio", "_rate", "_share")):
            formats[offset + i] = workbook.PERCENT_FORMAT
    return formats


def write_workbook(summary, path):
    """县区排名 (counties by rank, then the city row), 乡镇统计 (townships with their county), 冲突
    (conflicts between packages), 未汇总成果包 (packages that failed verification); flags highlighted."""
    book = workbook.new_workbook()
    names = [f.name for f in schema.METRIC_FIELDS]
    headers = [f.zh for f in schema.METRIC_FIELDS]

    def table(title, rows, first_headers, first_values, first=False):
        sheet = workbook.add_table(book, title, first_headers + headers,
                                   [first_values(row) + [row[n] for n in names] for row in rows],
                                   _metric_formats(len(first_headers)), first=first)
        for row_no, row in enumerate(rows, start=2):
            for flag in ("ratio_flag", "interview_flag"):
                if row[flag]:
                    workbook.highlight(sheet, row_no, len(first_headers) + names.index(flag) + 1)

    table("县区排名", summary.county_rows() + [summary.city_row()], ["排名"], lambda r: [r["rank"]], first=True)
    table("乡镇统计", [r for r in summary.rows if r["level"] == TOWNSHIP_LEVEL], ["县级代码", "县级名称"],
          lambda r: [r["county_code"], r["county_name"]])
    workbook.add_table(book, "冲突", ["类别", "县级代码A", "监测编号A", "县级代码B", "监测编号B", "重叠面积(平方米)"],
                       [[CONFLICT_LABELS[c.kind], c.county_a, c.jcbh_a, c.county_b, c.jcbh_b, c.area_m2]
                        for c in summary.conflicts], {5: workbook.MU_FORMAT})
    workbook.add_table(book, "未汇总成果包", ["成果包", "问题"],
                       [[f.path, "\n".join(zh for zh, _ in f.problems)] for f in summary.failed])
    workbook.save(book, path)
    return path


def run_city_summary(inputs, gpkg_path, xlsx_path=None, thresholds=None, city_name=CITY_ROW_NAME, feedback=None):
    """summarise_packages, then the city GeoPackage and (when given) the workbook."""
    summary = summarise_packages(inputs, thresholds, city_name, feedback)
    write_geopackage(summary, gpkg_path, feedback)
    if xlsx_path:
        write_workbook(summary, xlsx_path)
    if feedback is not None:
        feedback.setProgress(100)
    return summary


def _percent(value):
    return "-" if value is None else f"{value:.1%}"


def ranking_lines(summary):
    """One line per county by rank, then the city: what the log and the dialog's status show."""
    lines = []
    for row in summary.county_rows() + [summary.city_row()]:
        flags = ("[>比例] " if row["ratio_flag"] else "") + ("[约谈] " if row["interview_flag"] else "") + (
            f"[{DRAFT_MARK}] " if row.get("draft") else "")
        lines.append(f"{row['rank'] or '-'} {row['county_code']} {row['county_name']}: {row['patch_count']} 图斑, "
                     f"{row['unlawful_count']} 违法, "
                     f"违法占用耕地比例 {_percent(row['unlawful_cultivated_ratio'])} {flags}".rstrip())
    return lines
