"""The task database behind one narrow interface.

A task is one county + batch season of enforcement work. `TaskStore` is what the rest of the
plugin talks to; `GeoPackageTaskStore` keeps it in one GeoPackage file that also opens in plain
QGIS. A PostGIS store will implement the same interface for multi-user bureaus.

Every write happens inside `transaction()`: either all of an import lands, or none of it.
"""
import getpass
import hashlib
import json
import os
import shutil
import sqlite3
import time
import unicodedata
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

from osgeo import gdal, ogr, osr

from .. import schema
from ..errors import LandEnforcementError

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()


def now_iso():
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


USER_NAME_SETTING = "land_enforcement/user_name"


def saved_user_name():
    """The person's name the plugin asked for (QGIS user settings, shared by the desktop and
    qgis_process of the same profile), or ''."""
    from qgis.core import QgsSettings

    return QgsSettings().value(USER_NAME_SETTING, "", type=str).strip()


def user_name():
    """Who the audit log names: the saved name, else the computer's login."""
    return saved_user_name() or getpass.getuser()


def set_user_name(name):
    from qgis.core import QgsSettings

    QgsSettings().setValue(USER_NAME_SETTING, name.strip())


@dataclass
class PatchRecord:
    """One patch ready to be written: canonical values, geometries as WKB."""

    jcbh: str
    values: dict  # canonical field name -> value (schema.PATCH_SOURCE_FIELDS)
    src_attrs: dict
    wkb: bytes  # repaired MultiPolygon in the working CRS
    source_wkb: bytes  # as delivered, in the source CRS
    note: str = ""
    repaired: bool = False
    row: int = 0  # 1-based feature order in the source
    area_m2: float = None  # ellipsoidal area of the new shape (for a re-check mark when it changed)
    batch: str = None  # its own batch (one per PC value); None: the import's batch


@dataclass
class SourceFile:
    path: str
    sha256: str
    size: int
    encoding: str
    source_crs: str
    layer: str
    mapping: dict
    feature_count: int


@dataclass
class ImportIssue:
    row: int  # 1-based feature order in the source; 0 for a file-level issue
    jcbh: str
    severity: str  # "rejected", "repaired", "note"
    code: str
    zh: str
    en: str
    area_before: float = None
    area_after: float = None


@dataclass
class MergeSummary:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_absent: list = field(default_factory=list)  # earlier patches of the batch not in this file
    reshaped: list = field(default_factory=list)  # JCBH of patches re-delivered with another shape


@dataclass
class TaskSummary:
    path: str
    county_code: str
    county_name: str
    batches: list
    working_crs: str
    patch_count: int
    verified_count: int
    schema_version: int


class TaskStore(ABC):
    """What the plugin needs from a task database, whatever holds it."""

    @abstractmethod
    def meta(self) -> dict: ...

    @abstractmethod
    def set_meta(self, **values): ...

    @abstractmethod
    def summary(self) -> TaskSummary: ...

    @abstractmethod
    def source_file_known(self, sha256) -> bool: ...

    @abstractmethod
    def apply_import(self, batch, records, source, issues) -> MergeSummary: ...

    @abstractmethod
    def latest_import_issues(self) -> list: ...

    @abstractmethod
    def audit_entries(self, jcbh=None) -> list: ...

    @abstractmethod
    def patch_index(self) -> dict: ...

    @abstractmethod
    def review_rows(self) -> list: ...

    @abstractmethod
    def verifications(self) -> dict: ...

    @abstractmethod
    def apply_verifications(self, changes, channel, detail=None) -> int: ...

    @abstractmethod
    def patch_geometries(self) -> list:
        """(jcbh, WKB in the working CRS, overlay fingerprint or None) of every patch."""

    @abstractmethod
    def write_overlay(self, patch_values, township_rows, run): ...

    @abstractmethod
    def township_parts(self) -> list: ...

    @abstractmethod
    def write_township_metrics(self, rows): ...

    @abstractmethod
    def uri(self, table) -> str:
        """A QGIS data source URI for a layer or table of the task."""

    @abstractmethod
    def close(self): ...

    @abstractmethod
    def discard(self):
        """Close and delete the whole task (only for one that never got its first import)."""


# Columns of the tables that carry no geometry: name -> OGR field type.
_VERIFICATION_COLUMNS = {
    "jcbh": ogr.OFTString, "verdict": ogr.OFTString, "land_use": ogr.OFTString,
    "lawful_kind": ogr.OFTString, "violation_type": ogr.OFTString, "other_kind": ogr.OFTString,
    "approval_no": ogr.OFTString, "rect_status": ogr.OFTString, "rect_measures": ogr.OFTString,
    "case_filed": ogr.OFTString, "lead_source": ogr.OFTString, "inspector": ogr.OFTString,
    "verify_date": ogr.OFTString, "notes": ogr.OFTString, "updated_at": ogr.OFTString,
    "updated_by": ogr.OFTString,
}
_AUDIT_COLUMNS = {
    "ts": ogr.OFTString, "user_name": ogr.OFTString, "action": ogr.OFTString,
    "entity": ogr.OFTString, "jcbh": ogr.OFTString, "field": ogr.OFTString,
    "old_value": ogr.OFTString, "new_value": ogr.OFTString, "channel": ogr.OFTString,
    "detail": ogr.OFTString,
}
_META_COLUMNS = {"key": ogr.OFTString, "value": ogr.OFTString}
_SOURCE_FILE_COLUMNS = {
    "path": ogr.OFTString, "file_name": ogr.OFTString, "sha256": ogr.OFTString,
    "size_bytes": ogr.OFTInteger64, "batch": ogr.OFTString, "layer": ogr.OFTString,
    "encoding": ogr.OFTString, "source_crs": ogr.OFTString, "mapping": ogr.OFTString,
    "feature_count": ogr.OFTInteger, "imported_at": ogr.OFTString,
}
_ISSUE_COLUMNS = {
    "source_file_id": ogr.OFTInteger64, "row_no": ogr.OFTInteger, "jcbh": ogr.OFTString,
    "severity": ogr.OFTString, "code": ogr.OFTString, "message_zh": ogr.OFTString,
    "message_en": ogr.OFTString, "area_before_m2": ogr.OFTReal, "area_after_m2": ogr.OFTReal,
}
_OGR_TYPES = {"str": ogr.OFTString, "int": ogr.OFTInteger, "real": ogr.OFTReal,
              "date": ogr.OFTString, "datetime": ogr.OFTString}
# Compared to decide whether a re-imported patch changed.
_COMPARED = [f.name for f in schema.PATCH_SOURCE_FIELDS] + [schema.SRC_ATTRS.name]


def _geometry_layer_options(ds):
    # The same spatial index under each driver's own word for it.
    driver = ds.GetDriver()  # a gdal.Driver (opened) or an ogr.Driver (created)
    name = driver.ShortName if hasattr(driver, "ShortName") else driver.GetName()
    index = "GIST" if name == "PostgreSQL" else "YES"
    return ["FID=fid", "GEOMETRY_NAME=geom", f"SPATIAL_INDEX={index}"]


def _create_table(ds, name, columns):
    layer = ds.CreateLayer(name, geom_type=ogr.wkbNone, options=["FID=fid"])
    for column, kind in columns.items():
        layer.CreateField(ogr.FieldDefn(column, kind))
    return layer


def _migrate_to_1(ds, meta):
    srs = osr.SpatialReference()
    srs.SetFromUserInput(meta["working_crs"])
    patches = ds.CreateLayer(schema.PATCHES_LAYER, srs, ogr.wkbMultiPolygon,
                             options=_geometry_layer_options(ds))
    for f in schema.PATCH_FIELDS_V1:
        patches.CreateField(ogr.FieldDefn(f.name, _OGR_TYPES[f.kind]))
    patches.CreateField(ogr.FieldDefn("geom_sha256", ogr.OFTString))
    _create_table(ds, schema.VERIFICATIONS_TABLE, _VERIFICATION_COLUMNS)
    _create_table(ds, schema.AUDIT_TABLE, _AUDIT_COLUMNS)
    _create_table(ds, schema.META_TABLE, _META_COLUMNS)
    _create_table(ds, schema.SOURCE_FILES_TABLE, _SOURCE_FILE_COLUMNS)
    _create_table(ds, schema.IMPORT_ISSUES_TABLE, _ISSUE_COLUMNS)
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_patches_jcbh ON {schema.PATCHES_LAYER}(jcbh)")
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_verif_jcbh ON {schema.VERIFICATIONS_TABLE}(jcbh)")
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_meta_key ON {schema.META_TABLE}(key)")
    ds.ExecuteSQL(f"CREATE INDEX idx_audit_jcbh ON {schema.AUDIT_TABLE}(jcbh)")


def _migrate_to_2(ds, meta):
    """Overlay results: areas and the pre-judgement on each patch, the township split, the runs."""
    patches = ds.GetLayerByName(schema.PATCHES_LAYER)
    for f in schema.OVERLAY_PATCH_FIELDS_V2:
        patches.CreateField(ogr.FieldDefn(f.name, _OGR_TYPES[f.kind]))
    columns = {"jcbh": ogr.OFTString, "xzqdm": ogr.OFTString, "xzqmc": ogr.OFTString}
    columns.update({f.name: ogr.OFTReal for f in schema.OVERLAY_AREA_FIELDS_V2})
    _create_table(ds, schema.PATCH_TOWNSHIPS_TABLE, columns)
    ds.ExecuteSQL(f"CREATE INDEX idx_patch_townships_jcbh ON {schema.PATCH_TOWNSHIPS_TABLE}(jcbh)")
    _create_table(ds, schema.OVERLAY_RUNS_TABLE, {
        "started_at": ogr.OFTString, "area_mode": ogr.OFTString, "layers": ogr.OFTString,
        "recomputed": ogr.OFTInteger, "reused": ogr.OFTInteger, "repairs": ogr.OFTString})


def _migrate_to_3(ds, meta):
    """Township metrics, one row per township plus the county row."""
    _create_table(ds, schema.TOWNSHIP_METRICS_TABLE, {f.name: _OGR_TYPES[f.kind] for f in schema.METRIC_FIELDS_V3})


def _migrate_to_4(ds, meta):
    """Field photos: a point layer (position, time, direction) whose rows point at the copied files."""
    srs = osr.SpatialReference()
    srs.SetFromUserInput(meta["working_crs"])
    layer = ds.CreateLayer(schema.PHOTOS_LAYER, srs, ogr.wkbPoint,
                           options=_geometry_layer_options(ds))
    for name, kind in (("jcbh", ogr.OFTString), ("file", ogr.OFTString), ("sha256", ogr.OFTString),
                       ("taken_at", ogr.OFTString), ("direction", ogr.OFTReal), ("distance_m", ogr.OFTReal),
                       ("warnings", ogr.OFTString), ("added_at", ogr.OFTString), ("added_by", ogr.OFTString)):
        layer.CreateField(ogr.FieldDefn(name, kind))
    ds.ExecuteSQL(f"CREATE INDEX idx_photos_jcbh ON {schema.PHOTOS_LAYER}(jcbh)")
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_photos_sha ON {schema.PHOTOS_LAYER}(jcbh, sha256)")


# version -> function bringing a database from version-1 to version. Append, never edit.
def _migrate_to_5(ds, meta):
    """A version on every verification record, so that two people saving the same patch see a
    conflict instead of one silently overwriting the other."""
    ds.GetLayerByName(schema.VERIFICATIONS_TABLE).CreateField(ogr.FieldDefn("version", ogr.OFTInteger))
    ds.ExecuteSQL(f"UPDATE {schema.VERIFICATIONS_TABLE} SET version = 1")


def _migrate_to_6(ds, meta):
    """Season control: milestones per batch, the people who answer for patches, assignments, and
    the link from a patch to its earlier record when the same place comes back in a later batch."""
    _create_table(ds, schema.MILESTONES_TABLE, {"batch": ogr.OFTString, "kind": ogr.OFTString,
                                                "due_date": ogr.OFTString, "done_date": ogr.OFTString,
                                                "note": ogr.OFTString})
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_milestones_batch_kind ON {schema.MILESTONES_TABLE}(batch, kind)")
    _create_table(ds, schema.PEOPLE_TABLE, {"name": ogr.OFTString, "role": ogr.OFTString, "xzqdm": ogr.OFTString,
                                            "village": ogr.OFTString, "phone": ogr.OFTString,
                                            "is_default": ogr.OFTInteger})
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_people_name ON {schema.PEOPLE_TABLE}(name)")
    _create_table(ds, schema.ASSIGNMENTS_TABLE, {"jcbh": ogr.OFTString, "xzqdm": ogr.OFTString,
                                                 "xzqmc": ogr.OFTString, "assignee": ogr.OFTString,
                                                 "manual": ogr.OFTInteger, "assigned_at": ogr.OFTString,
                                                 "assigned_by": ogr.OFTString})
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_assignments_jcbh ON {schema.ASSIGNMENTS_TABLE}(jcbh)")
    ds.GetLayerByName(schema.PATCHES_LAYER).CreateField(ogr.FieldDefn(schema.REPEAT_OF.name, ogr.OFTString))


def _migrate_to_7(ds, meta):
    """Real deliveries: the township of a patch from the overlay (deliveries carry the county code),
    the township the delivery names, and a re-check mark on a verification record whose patch
    changed shape. Tasks already overlaid get their main township from the stored split."""
    patches = ds.GetLayerByName(schema.PATCHES_LAYER)
    for f in (schema.DELIVERED_TOWNSHIP,) + schema.OVERLAY_PLACE_FIELDS:
        patches.CreateField(ogr.FieldDefn(f.name, _OGR_TYPES[f.kind]))
    ds.GetLayerByName(schema.VERIFICATIONS_TABLE).CreateField(ogr.FieldDefn(schema.RECHECK.name, ogr.OFTString))
    main = (f"(SELECT t.{{}} FROM {schema.PATCH_TOWNSHIPS_TABLE} t WHERE t.jcbh = {schema.PATCHES_LAYER}.jcbh "
            "ORDER BY t.area_m2 DESC, t.xzqdm LIMIT 1)")
    ds.ExecuteSQL(f"UPDATE {schema.PATCHES_LAYER} SET {schema.TOWNSHIP_CODE.name} = {main.format('xzqdm')}, "
                  f"{schema.TOWNSHIP_NAME.name} = {main.format('xzqmc')}")


def _migrate_to_8(ds, meta):
    """Enforcement cases: the case and its 违法主体, its patches (a patch is in one case at most),
    its acts (append-only, details as JSON) and their attachments (copied beside the task, hashed)."""
    _create_table(ds, schema.CASES_TABLE, dict({"case_key": ogr.OFTString},
                                               **{f.name: ogr.OFTString for f in schema.CASE_FIELDS},
                                               created_at=ogr.OFTString, created_by=ogr.OFTString))
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_cases_key ON {schema.CASES_TABLE}(case_key)")
    _create_table(ds, schema.CASE_PATCHES_TABLE, {"case_key": ogr.OFTString, "jcbh": ogr.OFTString})
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_case_patches_jcbh ON {schema.CASE_PATCHES_TABLE}(jcbh)")
    _create_table(ds, schema.CASE_ACTS_TABLE, {"case_key": ogr.OFTString, "kind": ogr.OFTString,
                                               "act_date": ogr.OFTString, "details": ogr.OFTString,
                                               "recorded_at": ogr.OFTString, "recorded_by": ogr.OFTString})
    ds.ExecuteSQL(f"CREATE INDEX idx_case_acts_key ON {schema.CASE_ACTS_TABLE}(case_key)")
    _create_table(ds, schema.CASE_ATTACHMENTS_TABLE, {"case_key": ogr.OFTString, "act_id": ogr.OFTInteger64,
                                                      "file": ogr.OFTString, "name": ogr.OFTString,
                                                      "sha256": ogr.OFTString, "added_at": ogr.OFTString,
                                                      "added_by": ogr.OFTString})
    ds.ExecuteSQL(f"CREATE INDEX idx_case_attachments_key ON {schema.CASE_ATTACHMENTS_TABLE}(case_key)")


def _migrate_to_9(ds, meta):
    """Accountability rules as the documents write them (issue 16): the nature-reserve areas of
    the overlay (on patches and their township split; NULL until the overlay runs again), the
    cultivated area the delivery states, the discovery date of a lead, the new township figures."""
    area_fields = (schema.NATURE_RESERVE_M2, schema.PBF_OR_RESERVE_M2)
    patches = ds.GetLayerByName(schema.PATCHES_LAYER)
    for f in area_fields + (schema.DELIVERED_CULTIVATED,):
        patches.CreateField(ogr.FieldDefn(f.name, _OGR_TYPES[f.kind]))
    for f in area_fields:
        ds.GetLayerByName(schema.PATCH_TOWNSHIPS_TABLE).CreateField(ogr.FieldDefn(f.name, ogr.OFTReal))
    ds.GetLayerByName(schema.VERIFICATIONS_TABLE).CreateField(
        ogr.FieldDefn(schema.V_DISCOVERY_DATE.name, _OGR_TYPES[schema.V_DISCOVERY_DATE.kind]))
    metrics = ds.GetLayerByName(schema.TOWNSHIP_METRICS_TABLE)
    for f in schema.METRIC_FIELDS_V9:
        metrics.CreateField(ogr.FieldDefn(f.name, _OGR_TYPES[f.kind]))


def _migrate_to_10(ds, meta):
    """Review and return, spot checks, planning conformity: the 处理状态 of each patch (none yet:
    待核查), the county's spot-check draws with their re-checks, and each patch's area per
    planning zone."""
    S = ogr.OFTString
    _create_table(ds, schema.REVIEW_STATES_TABLE, {
        "jcbh": S, "state": S, "opinion": S, "submitted_by": S, "submitted_at": S, "reviewed_by": S,
        "reviewed_at": S})
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_review_states_jcbh ON {schema.REVIEW_STATES_TABLE}(jcbh)")
    _create_table(ds, schema.SPOT_CHECK_DRAWS_TABLE, {
        "draw_id": S, "seed": ogr.OFTInteger64, "confidence": ogr.OFTReal, "margin": ogr.OFTReal,
        "expected_rate": ogr.OFTReal, "population": ogr.OFTInteger, "sample_size": ogr.OFTInteger,
        "design": S, "drawn_at": S, "drawn_by": S})
    _create_table(ds, schema.SPOT_CHECKS_TABLE, {
        "draw_id": S, "jcbh": S, "township_code": S, "township_name": S, "verdict": S, "approval_no": S,
        "recheck_verdict": S, "recheck_approval_no": S, "recheck_notes": S, "checked_by": S, "checked_at": S})
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_spot_checks ON {schema.SPOT_CHECKS_TABLE}(draw_id, jcbh)")
    columns = {"jcbh": S}
    columns.update({f.name: ogr.OFTReal for f in (*schema.ZONE_AREA_FIELDS.values(), schema.OUTSIDE_ZONES_M2)})
    columns.update({schema.CONFORMITY.name: S, "zoning": S, "computed_at": S})
    _create_table(ds, schema.PLANNING_CONFORMITY_TABLE, columns)
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_planning_conformity_jcbh ON {schema.PLANNING_CONFORMITY_TABLE}(jcbh)")


MIGRATIONS = {1: _migrate_to_1, 2: _migrate_to_2, 3: _migrate_to_3, 4: _migrate_to_4, 5: _migrate_to_5,
              6: _migrate_to_6, 7: _migrate_to_7, 8: _migrate_to_8, 9: _migrate_to_9,
              10: _migrate_to_10}
assert max(MIGRATIONS) == schema.SCHEMA_VERSION


def _plain(value):
    """Arrow values as Python ones: text arrives as UTF-8 bytes."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _sql_quote(value):
    return "'" + str(value).replace("'", "''") + "'"


def _field_indexes(layer, names):
    """The index of each of `names` in the layer's fields (reading by index is what keeps reading
    20,000 features linear in their fields)."""
    definition = layer.GetLayerDefn()
    return [definition.GetFieldIndex(name) for name in names]


def _sql_value(value):
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return repr(value)  # full precision
    if isinstance(value, int):  # bool too
        return str(int(value))
    return _sql_quote(value)


class VerificationConflict(LandEnforcementError):
    """Someone else saved the same patch since this edit began: their values and ours."""

    def __init__(self, conflicts):
        self.conflicts = conflicts  # (jcbh, field, theirs, mine)
        first = conflicts[0]
        super().__init__(
            f"图斑 {first[0]} 已被他人修改：{len(conflicts)} 个字段不同（如 {first[1]}：对方为“{first[2]}”，"
            f"您为“{first[3]}”），未保存",
            f"Patch {first[0]} was changed by someone else: {len(conflicts)} fields differ (e.g. {first[1]}: "
            f"theirs '{first[2]}', yours '{first[3]}'); nothing was saved")


class OgrTaskStore(TaskStore):
    """The task database through OGR: the same tables and SQL whether they live in a GeoPackage
    file (GeoPackageTaskStore) or a PostGIS schema (postgis_store.PostgisTaskStore)."""

    def __init__(self, path, ds):
        self.path = path  # the task's location: a file path, or pg:<connection>/<schema>
        self._ds = ds
        self._in_transaction = False
        self.user = user_name()

    def _initialise(self, meta):
        """Create the tables of a new task and bring it to the current schema version."""
        with self.transaction():
            _migrate_to_1(self._ds, meta)
            self._write_meta(meta)
            self._set_version(1)
            self._migrate()

    def _migrate(self):
        version = int(self.meta().get("schema_version", 0))
        if version > schema.SCHEMA_VERSION:
            raise LandEnforcementError(
                f"任务库版本 {version} 比插件新（{schema.SCHEMA_VERSION}），请升级插件",
                f"Task database version {version} is newer than the plugin's "
                f"({schema.SCHEMA_VERSION}); please upgrade the plugin")
        for target in range(version + 1, schema.SCHEMA_VERSION + 1):
            with self.transaction():
                MIGRATIONS[target](self._ds, self.meta())
                self._set_version(target)
        return schema.SCHEMA_VERSION - version  # how many migrations ran

    def _set_version(self, version):
        self._write_meta({"schema_version": str(version)})

    def close(self):
        self._ds = None

    # -- transactions ----------------------------------------------------------------------
    @contextmanager
    def transaction(self):
        """All writes inside land together or not at all."""
        if self._in_transaction:
            yield
            return
        self._ds.StartTransaction(force=True)
        self._in_transaction = True
        try:
            self._take_write_lock()
            yield
        except BaseException:
            self._ds.RollbackTransaction()
            raise
        else:
            self._ds.CommitTransaction()
        finally:
            self._in_transaction = False

    def _take_write_lock(self):
        """At the start of a transaction (a database with row locks and MVCC needs nothing)."""

    def _query(self, sql):
        """Rows of a SELECT as dicts, read column-wise through OGR's Arrow stream (several times
        faster than feature by feature: metrics over 20,000 patches read ~60,000 rows)."""
        result = self._ds.ExecuteSQL(sql)
        if result is None:
            return []
        try:
            fid_column = result.GetFIDColumn()
            defn = result.GetLayerDefn()
            names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
            if fid_column:  # OGR turns a selected primary key into the feature id
                names.append(fid_column)
            rows = []
            for batch in result.GetArrowStreamAsNumPy():
                columns = [[_plain(v) for v in batch[name].tolist()] for name in names if name in batch]
                present = [name for name in names if name in batch]
                rows += [dict(zip(present, values)) for values in zip(*columns)]
            return rows
        finally:
            self._ds.ReleaseResultSet(result)

    def _insert(self, table, values):
        layer = self._ds.GetLayerByName(table)
        definition = layer.GetLayerDefn()
        feat = ogr.Feature(definition)
        for key, value in values.items():
            if value is not None:
                feat.SetField(definition.GetFieldIndex(key), value)  # by index: OGR's name lookup is a scan
        layer.CreateFeature(feat)
        return feat.GetFID()

    def _upsert(self, table, key, row, exists):
        """Insert `row` with its `key` columns, or update the row that `key` names."""
        if not exists:
            self._insert(table, dict(row, **key))
            return
        assignments = ", ".join(f"{k} = {_sql_value(v)}" for k, v in row.items())
        where = " AND ".join(f"{k} = {_sql_quote(v)}" for k, v in key.items())
        self._ds.ExecuteSQL(f"UPDATE {table} SET {assignments} WHERE {where}")

    # -- metadata --------------------------------------------------------------------------
    def meta(self):
        return {row["key"]: row["value"] for row in self._query(f"SELECT key, value FROM {schema.META_TABLE}")}

    def _write_meta(self, values):
        for key, value in values.items():
            self._ds.ExecuteSQL(
                f"INSERT INTO {schema.META_TABLE}(key, value) VALUES ({_sql_quote(key)}, {_sql_quote(value)}) "
                f"ON CONFLICT(key) DO UPDATE SET value = excluded.value")

    def set_meta(self, **values):
        with self.transaction():
            old = self.meta()
            self._write_meta(values)
            for key, value in values.items():
                if old.get(key) != str(value):
                    self._audit("set_meta", "task", None, key, old.get(key), value)

    def summary(self):
        meta = self.meta()
        patch_count = self._query(f"SELECT count(*) AS n FROM {schema.PATCHES_LAYER}")[0]["n"]
        verified = self._query(
            f"SELECT count(*) AS n FROM {schema.VERIFICATIONS_TABLE} WHERE verdict IS NOT NULL AND verdict <> ''")[0]["n"]
        return TaskSummary(self.path, meta.get("county_code", ""), meta.get("county_name", ""),
                           json.loads(meta.get("batches", "[]")), meta["working_crs"],
                           patch_count, verified, int(meta["schema_version"]))

    # -- audit -----------------------------------------------------------------------------
    def _audit(self, action, entity, jcbh, field_name=None, old=None, new=None, detail=None, channel=None):
        self._insert(schema.AUDIT_TABLE, {
            "ts": now_iso(), "user_name": self.user, "action": action, "entity": entity,
            "jcbh": jcbh, "field": field_name,
            "old_value": None if old is None else str(old),
            "new_value": None if new is None else str(new), "channel": channel, "detail": detail})

    def audit_entries(self, jcbh=None):
        where = f" WHERE jcbh = {_sql_quote(jcbh)}" if jcbh is not None else ""
        return self._query(f"SELECT * FROM {schema.AUDIT_TABLE}{where} ORDER BY fid")

    # -- patches ---------------------------------------------------------------------------
    def source_file_known(self, sha256):
        return bool(self._query(
            f"SELECT fid FROM {schema.SOURCE_FILES_TABLE} WHERE sha256 = {_sql_quote(sha256)}"))

    def _existing_patches(self):
        columns = ", ".join(_COMPARED + ["geom_sha256", "batch"])
        return {row["jcbh"]: row for row in self._query(f"SELECT fid, {columns} FROM {schema.PATCHES_LAYER}")}

    def _source_layer(self, source_crs):
        """The layer keeping delivered geometries in their own CRS: one per source CRS."""
        srs = osr.SpatialReference()
        srs.SetFromUserInput(source_crs)
        code = srs.GetAuthorityCode(None) or ""
        # The code ends up in a table and an index name: only an integer may (a crafted SRS could
        # otherwise carry SQL into CREATE INDEX).
        code = str(int(code)) if code.isascii() and code.isdigit() else "custom"
        name = f"{schema.PATCHES_SOURCE_LAYER}_{code}"
        layer = self._ds.GetLayerByName(name)
        if layer is None:
            layer = self._ds.CreateLayer(name, srs, ogr.wkbUnknown,
                                         options=["FID=fid", "GEOMETRY_NAME=geom"])
            for column in ("jcbh", "batch"):
                layer.CreateField(ogr.FieldDefn(column, ogr.OFTString))
            self._ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_{name}_jcbh ON {name}(jcbh)")
        return layer

    def apply_import(self, batch, records, source, issues):
        """Merge patches by JCBH into `batch` (or each record's own batch). Verification records
        are keyed by JCBH in their own table and are never lost or duplicated here. A patch whose
        shape changed loses its overlay results until the overlay runs again, its verification
        record (if any) is marked for re-check, and a note for it is added to `issues`."""
        summary = MergeSummary()
        with self.transaction():
            existing = self._existing_patches()
            patches = self._ds.GetLayerByName(schema.PATCHES_LAYER)
            source_layer = self._source_layer(source.source_crs)
            imported_at = now_iso()
            batches = list(dict.fromkeys(record.batch or batch for record in records)) or [batch]
            for record in records:
                row = self._patch_row(record, record.batch or batch, imported_at)
                old = existing.get(record.jcbh)
                if old is None:
                    self._write_patch(patches, None, row, record.wkb)
                    self._audit("insert", "patch", record.jcbh, detail=f"batch={row[schema.BATCH.name]}")
                    summary.inserted += 1
                elif self._patch_changed(old, row):
                    if old["geom_sha256"] != row["geom_sha256"]:
                        issues.append(self._reshaped(record))
                        summary.reshaped.append(record.jcbh)
                    self._write_patch(patches, old["fid"], row, record.wkb)
                    for name in _COMPARED + ["geom_sha256"]:
                        if old.get(name) != row.get(name):
                            self._audit("update", "patch", record.jcbh, name, old.get(name), row.get(name))
                    summary.updated += 1
                else:
                    summary.unchanged += 1
                self._replace_source_geometry(source_layer, record, row[schema.BATCH.name])
            imported = {r.jcbh for r in records}
            summary.kept_absent = sorted(j for j, row in existing.items()
                                         if row["batch"] in batches and j not in imported)
            source_id = self._insert(schema.SOURCE_FILES_TABLE, {
                "path": source.path, "file_name": os.path.basename(source.path),
                "sha256": source.sha256, "size_bytes": source.size, "batch": "、".join(batches),
                "layer": source.layer, "encoding": source.encoding, "source_crs": source.source_crs,
                "mapping": json.dumps(source.mapping, ensure_ascii=False),
                "feature_count": source.feature_count, "imported_at": imported_at})
            for issue in issues:
                self._insert(schema.IMPORT_ISSUES_TABLE, {
                    "source_file_id": source_id, "row_no": issue.row, "jcbh": issue.jcbh,
                    "severity": issue.severity, "code": issue.code, "message_zh": issue.zh,
                    "message_en": issue.en, "area_before_m2": issue.area_before,
                    "area_after_m2": issue.area_after})
            known = json.loads(self.meta().get("batches", "[]"))
            if any(b not in known for b in batches):
                self._write_meta({"batches": json.dumps(known + [b for b in batches if b not in known],
                                                        ensure_ascii=False)})
            self._audit("import", "source_file", None, detail=json.dumps(
                {"file": source.path, "sha256": source.sha256, "batch": "、".join(batches),
                 "inserted": summary.inserted, "updated": summary.updated,
                 "unchanged": summary.unchanged, "rejected": sum(i.severity == "rejected" for i in issues)},
                ensure_ascii=False))
        return summary

    def _reshaped(self, record):
        """A patch re-delivered with another shape: no areas until the overlay runs again (its
        old ones would be exported as if they were its own), its verdict marked for re-check.
        Returns the report's note."""
        where = f"WHERE jcbh = {_sql_quote(record.jcbh)}"
        old_area = self._query(f"SELECT {schema.AREA_M2.name} AS a FROM {schema.PATCHES_LAYER} {where}")[0]["a"]
        verified = bool(self._query(f"SELECT fid FROM {schema.VERIFICATIONS_TABLE} {where}"))
        cleared = ", ".join(f"{f.name} = NULL" for f in schema.OVERLAY_PATCH_FIELDS + schema.OVERLAY_PLACE_FIELDS)
        self._ds.ExecuteSQL(f"UPDATE {schema.PATCHES_LAYER} SET {cleared} {where}")
        self._ds.ExecuteSQL(f"DELETE FROM {schema.PATCH_TOWNSHIPS_TABLE} {where}")
        new = f"{record.area_m2:.2f} m²（{record.area_m2 / schema.M2_PER_MU:.2f} 亩）"
        new_en = f"{record.area_m2:.2f} m² ({record.area_m2 / schema.M2_PER_MU:.2f} mu)"
        if old_area is None:
            old, old_en = "未比对", "not computed"
        else:
            old = f"{old_area:.2f} m²（{old_area / schema.M2_PER_MU:.2f} 亩）"
            old_en = f"{old_area:.2f} m² ({old_area / schema.M2_PER_MU:.2f} mu)"
        zh = f"重新下发的图斑形状已变：面积 {old} → {new}，比对结果已清空，请重新运行内业比对"
        en = (f"Re-delivered with another shape: area {old_en} → {new_en}; overlay results cleared, "
              "run the office comparison again")
        if verified:
            mark = f"图斑形状已变（{now_iso()[:10]} 重新导入）：面积 {old} → {new}，核查结论需复核"
            self._ds.ExecuteSQL(f"UPDATE {schema.VERIFICATIONS_TABLE} SET {schema.RECHECK.name} = "
                                f"{_sql_quote(mark)} {where}")
            self._audit_verification(record.jcbh, schema.RECHECK.name, None, mark, None, schema.CHANNEL_IMPORT, False)
            zh += "；核查记录已标记需复核"
            en += "; its verification record is marked for re-check"
        return ImportIssue(record.row, record.jcbh, "note", "reshaped", zh, en)

    def recheck_marks(self):
        """jcbh -> the re-check text of every verification record made on a shape since replaced."""
        return {r["jcbh"]: r[schema.RECHECK.name] for r in self._query(
            f"SELECT jcbh, {schema.RECHECK.name} FROM {schema.VERIFICATIONS_TABLE} "
            f"WHERE {schema.RECHECK.name} IS NOT NULL")}

    def delivered_township_mismatches(self):
        """[(jcbh, delivered township, overlay's township)] of the patches whose township as the
        delivery names it (SSXZ and the like) is not the overlay's main township: a cross-check,
        the overlay's is the one used."""
        rows = self._query(f"SELECT jcbh, {schema.DELIVERED_TOWNSHIP.name} AS delivered, "
                           f"{schema.TOWNSHIP_CODE.name} AS code, {schema.TOWNSHIP_NAME.name} AS name "
                           f"FROM {schema.PATCHES_LAYER} WHERE {schema.DELIVERED_TOWNSHIP.name} IS NOT NULL "
                           f"AND {schema.TOWNSHIP_NAME.name} IS NOT NULL ORDER BY jcbh")
        out = []
        for row in rows:
            delivered = "".join(unicodedata.normalize("NFKC", row["delivered"]).split())
            same = (row["code"] or "").startswith(delivered) if delivered.isdigit() else \
                delivered == "".join(unicodedata.normalize("NFKC", row["name"]).split())
            if delivered and not same:
                out.append((row["jcbh"], row["delivered"], row["name"]))
        return out

    @staticmethod
    def _patch_row(record, batch, imported_at):
        row = {f.name: record.values.get(f.name) for f in schema.PATCH_SOURCE_FIELDS}
        row.update({
            schema.BATCH.name: batch,
            schema.SRC_ATTRS.name: json.dumps(record.src_attrs, ensure_ascii=False, sort_keys=True),
            schema.IMPORT_NOTE.name: record.note or None,
            schema.REPAIRED.name: int(record.repaired),
            schema.IMPORTED_AT.name: imported_at,
            "geom_sha256": hashlib.sha256(record.wkb).hexdigest(),
        })
        return row

    @staticmethod
    def _patch_changed(old, row):
        return any(old.get(name) != row.get(name) for name in _COMPARED + ["geom_sha256"])

    @staticmethod
    def _write_patch(layer, fid, row, wkb):
        feat = ogr.Feature(layer.GetLayerDefn())
        for key, value in row.items():
            if value is not None:
                feat.SetField(key, value)
        feat.SetGeometry(ogr.CreateGeometryFromWkb(wkb))
        if fid is None:
            layer.CreateFeature(feat)
        else:
            feat.SetFID(fid)
            layer.SetFeature(feat)

    def _replace_source_geometry(self, layer, record, batch):
        self._ds.ExecuteSQL(f"DELETE FROM {layer.GetName()} WHERE jcbh = {_sql_quote(record.jcbh)}")
        feat = ogr.Feature(layer.GetLayerDefn())
        feat.SetField("jcbh", record.jcbh)
        feat.SetField("batch", batch)
        feat.SetGeometry(ogr.CreateGeometryFromWkb(record.source_wkb))
        layer.CreateFeature(feat)

    def latest_import_issues(self):
        last = self._query(f"SELECT max(fid) AS id FROM {schema.SOURCE_FILES_TABLE}")[0]["id"]
        if last is None:
            return []
        rows = self._query(f"SELECT * FROM {schema.IMPORT_ISSUES_TABLE} WHERE source_file_id = {last} ORDER BY fid")
        return [ImportIssue(r["row_no"], r["jcbh"], r["severity"], r["code"], r["message_zh"],
                            r["message_en"], r["area_before_m2"], r["area_after_m2"]) for r in rows]

    # -- verification ----------------------------------------------------------------------
    def patch_index(self):
        """jcbh -> (township code, township name) of every patch: the overlay's main township,
        (None, None) before the overlay or outside every township (never the delivered XZQDM,
        which is often the county's)."""
        code, name = schema.TOWNSHIP_CODE.name, schema.TOWNSHIP_NAME.name
        return {r["jcbh"]: (r[code], r[name])
                for r in self._query(f"SELECT jcbh, {code}, {name} FROM {schema.PATCHES_LAYER} ORDER BY jcbh")}

    def review_rows(self, jcbh=None):
        """One row per patch for the review list (or only patch `jcbh`'s): where it is (the
        delivered XZQDM/XZQMC and the overlay's township and village), what the overlay says (area_m2
        NULL: not overlaid since its shape was delivered), its verdict."""
        where = f"WHERE p.jcbh = {_sql_quote(jcbh)} " if jcbh is not None else ""
        return self._query(
            f"SELECT p.fid AS patch_fid, p.jcbh, p.xzqdm, p.xzqmc, p.{schema.TOWNSHIP_CODE.name}, "
            f"p.{schema.TOWNSHIP_NAME.name}, p.{schema.VILLAGE_NAME.name}, p.area_m2, p.high_priority, "
            f"p.suggested_verdict, p.batch, p.{schema.REPEAT_OF.name}, a.assignee, "
            f"v.verdict, v.rect_status, v.inspector, v.verify_date, "
            f"(SELECT count(*) FROM {schema.PHOTOS_LAYER} ph WHERE ph.jcbh = p.jcbh) AS photo_count "
            f"FROM {schema.PATCHES_LAYER} p LEFT JOIN {schema.VERIFICATIONS_TABLE} v ON v.jcbh = p.jcbh "
            f"LEFT JOIN {schema.ASSIGNMENTS_TABLE} a ON a.jcbh = p.jcbh "
            f"{where}ORDER BY p.jcbh")

    def verifications(self):
        """jcbh -> {verification field: value} of every recorded verification."""
        return {jcbh: values for jcbh, (values, _) in self._verifications_with_versions().items()}

    def _verifications_with_versions(self, jcbhs=None):
        """jcbh -> ({verification field: value}, version), in one read: of every record, or of those
        of `jcbhs` when they are a few (a verdict saved from the form, not a returned sheet)."""
        names = ["jcbh", "version"] + [f.name for f in schema.VERIFICATION_FIELDS]
        where = ""
        if jcbhs is not None and len(jcbhs) <= 100:
            where = f" WHERE jcbh IN ({', '.join(_sql_quote(jcbh) for jcbh in jcbhs) or 'NULL'})"
        rows = self._query(f"SELECT {', '.join(names)} FROM {schema.VERIFICATIONS_TABLE}{where}")
        return {row.pop("jcbh"): (row, int(row.pop("version") or 0)) for row in rows}

    def _recheck_marked(self, jcbhs):
        """jcbh -> re-check text, of those of `jcbhs` whose record carries one."""
        marks = self.recheck_marks()
        return {jcbh: marks[jcbh] for jcbh in jcbhs if jcbh in marks}

    def verification_version(self, jcbh):
        """The version of a patch's verification record (0 when there is none yet): what an editor
        read, handed back to apply_verifications(expected=...) when saving."""
        rows = self._query(f"SELECT version FROM {schema.VERIFICATIONS_TABLE} WHERE jcbh = {_sql_quote(jcbh)}")
        return int(rows[0]["version"] or 0) if rows else 0

    def _lock_verifications(self, jcbhs):
        """Hold the records until commit (a multi-user backend locks the rows; a file is locked whole)."""

    def _audit_verification(self, jcbh, name, old, new, detail, channel, inserted):
        self._audit("insert" if inserted else "update", "verification", jcbh, name, old, new, detail, channel)

    def apply_verifications(self, changes, channel, detail=None, expected=None):
        """Write verification values (jcbh -> {field: value}); every changed field is audited.

        expected: jcbh -> the version the user started from (verification_version). When a
        record has moved on since, nothing is written and VerificationConflict names the fields
        with both values. Returns the number of patches whose record changed. Values equal to the
        stored ones change nothing, so applying the same input twice is harmless.
        """
        self._refuse_locked(changes)
        changed = 0
        with self.transaction():
            self._lock_verifications(list(changes))
            recorded = self._verifications_with_versions(list(changes))
            current = {jcbh: values for jcbh, (values, _) in recorded.items()}
            versions = {jcbh: version for jcbh, (_, version) in recorded.items()}
            conflicts = []
            for jcbh, seen in (expected or {}).items():
                if jcbh in changes and versions.get(jcbh, 0) != seen:
                    theirs = current.get(jcbh) or {}
                    conflicts += [(jcbh, name, theirs.get(name), value) for name, value in changes[jcbh].items()
                                  if theirs.get(name) != value]
            # Raised after the (read-only) transaction ends: a rollback here would cost GeoPackage
            # its feature-count triggers.
            stamp = now_iso()
            marked = self._recheck_marked(list(changes))
            for jcbh, values in ([] if conflicts else changes.items()):
                old = current.get(jcbh)
                diffs = {k: v for k, v in values.items() if (old or {}).get(k) != v}
                if old is not None and not diffs and jcbh not in marked:
                    continue
                for name, value in diffs.items():
                    self._audit_verification(jcbh, name, (old or {}).get(name), value, detail, channel, old is None)
                row = dict(values, updated_at=stamp, updated_by=self.user, version=versions.get(jcbh, 0) + 1)
                if jcbh in marked:  # saved again after the shape changed: looked at anew
                    row[schema.RECHECK.name] = None
                    self._audit_verification(jcbh, schema.RECHECK.name, marked[jcbh], None, detail, channel, False)
                self._save_verification(jcbh, row, old is not None, versions.get(jcbh, 0))
                changed += 1
        if conflicts:
            raise VerificationConflict(conflicts)
        return changed

    def _save_verification(self, jcbh, row, exists, version):
        """Write one record read at `version` (under _lock_verifications)."""
        self._upsert(schema.VERIFICATIONS_TABLE, {"jcbh": jcbh}, row, exists)

    def _refuse_locked(self, changes):
        """A record approved by the county or reported changes only after the county returns or
        reopens it (review_states): checked before anything is written. Values equal to the stored
        ones (a returned sheet listing the township's approved patches again) are no change."""
        states = ", ".join(_sql_quote(state.value) for state in schema.REVIEW_LOCKED_STATES)
        locked = [row for row in self._query(f"SELECT jcbh, state FROM {schema.REVIEW_STATES_TABLE} "
                                             f"WHERE state IN ({states}) ORDER BY jcbh") if row["jcbh"] in changes]
        stored = self._verifications_with_versions([row["jcbh"] for row in locked]) if locked else {}
        locked = [row for row in locked if any(stored.get(row["jcbh"], ({}, 0))[0].get(name) != value
                                               for name, value in changes[row["jcbh"]].items())]
        if locked:
            first = locked[0]
            raise LandEnforcementError(
                f"图斑 {first['jcbh']} 处理状态为“{first['state']}”，核查结果已锁定（共 {len(locked)} 个）："
                "须县级退回或重新打开后才能修改",
                f"Patch {first['jcbh']} is {schema.ReviewState(first['state']).en.lower()}: its record is locked "
                f"({len(locked)} in all); the county must return or reopen it first")

    # -- photos ----------------------------------------------------------------------------
    def patch_geometry(self, jcbh):
        """(WKB in the working CRS, later image date) of one patch, or None."""
        rows = self._query(f"SELECT jcbh, hsx FROM {schema.PATCHES_LAYER} WHERE jcbh = {_sql_quote(jcbh)}")
        if not rows:
            return None
        layer = self._ds.GetLayerByName(schema.PATCHES_LAYER)
        layer.SetAttributeFilter(f"jcbh = {_sql_quote(jcbh)}")
        feature = layer.GetNextFeature()
        layer.SetAttributeFilter(None)
        return feature.GetGeometryRef().ExportToIsoWkb(), rows[0]["hsx"]

    def photos(self, jcbh=None):
        where = f" WHERE jcbh = {_sql_quote(jcbh)}" if jcbh is not None else ""
        return self._query(f"SELECT jcbh, file, sha256, taken_at, direction, distance_m, warnings "
                           f"FROM {schema.PHOTOS_LAYER}{where} ORDER BY jcbh, file")

    # Photo files stay beside a GeoPackage; a shared database keeps them too (PostgisTaskStore).
    keeps_photo_files = False

    def put_photo_file(self, jcbh, sha256, data):
        """Keep a photo's bytes in the task (only where keeps_photo_files)."""

    def photo_file(self, jcbh, sha256):
        """A photo's bytes kept in the task, or None."""
        return None

    def add_photos(self, rows):
        """rows: dicts with the photo fields and 'wkb' (a point in the working CRS, or None).
        A photo already attached to the same patch (same content) is skipped."""
        added = 0
        with self.transaction():
            known = {(r["jcbh"], r["sha256"]) for r in self.photos()}
            for row in rows:
                if (row["jcbh"], row["sha256"]) in known:
                    continue
                self._insert_photo(row)
                known.add((row["jcbh"], row["sha256"]))
                added += 1
        return added

    def _insert_photo(self, row):
        """One photos row, stamped and audited."""
        layer = self._ds.GetLayerByName(schema.PHOTOS_LAYER)
        feature = ogr.Feature(layer.GetLayerDefn())
        for key, value in row.items():
            if key != "wkb" and value is not None:
                feature.SetField(key, value)
        feature.SetField("added_at", now_iso())
        feature.SetField("added_by", self.user)
        if row.get("wkb"):
            feature.SetGeometry(ogr.CreateGeometryFromWkb(row["wkb"]))
        layer.CreateFeature(feature)
        self._audit("insert", "photo", row["jcbh"], "file", None, row["file"])

    # -- cases -----------------------------------------------------------------------------
    def cases(self):
        """Every case: {case_key, case facts, created_at, created_by, jcbhs: [...]} in key order."""
        rows = self._query(f"SELECT * FROM {schema.CASES_TABLE} ORDER BY case_key")
        patches = {}
        for row in self._query(f"SELECT case_key, jcbh FROM {schema.CASE_PATCHES_TABLE} ORDER BY jcbh"):
            patches.setdefault(row["case_key"], []).append(row["jcbh"])
        for row in rows:
            row.pop("fid", None)
            row["jcbhs"] = patches.get(row["case_key"], [])
        return rows

    def case_patch_facts(self, jcbhs=None):
        """jcbh -> {area_m2, cultivated_m2, pbf_m2, township_code, township_name, verdict} of the
        patches `jcbhs` (or all): what a case's rules and figures need of its patches."""
        names = [schema.AREA_M2.name, schema.CULTIVATED_M2.name, schema.PBF_M2.name, schema.TOWNSHIP_CODE.name,
                 schema.TOWNSHIP_NAME.name]
        where = f" WHERE p.jcbh IN ({', '.join(_sql_quote(j) for j in jcbhs) or 'NULL'})" if jcbhs is not None else ""
        rows = self._query(f"SELECT p.jcbh, {', '.join('p.' + n for n in names)}, v.verdict "
                           f"FROM {schema.PATCHES_LAYER} p LEFT JOIN {schema.VERIFICATIONS_TABLE} v "
                           f"ON v.jcbh = p.jcbh{where}")
        return {row.pop("jcbh"): row for row in rows}

    def case_acts(self, case_key=None):
        """The acts (of one case, or all) in the order recorded, details decoded."""
        where = f" WHERE case_key = {_sql_quote(case_key)}" if case_key is not None else ""
        rows = self._query(f"SELECT fid AS act_id, case_key, kind, act_date, details, recorded_at, recorded_by "
                           f"FROM {schema.CASE_ACTS_TABLE}{where} ORDER BY fid")
        for row in rows:
            row["act_id"] = row.pop("fid", row.get("act_id"))
            row["details"] = json.loads(row["details"] or "{}")
        return rows

    def case_attachments(self, case_key=None):
        where = f" WHERE case_key = {_sql_quote(case_key)}" if case_key is not None else ""
        return self._query(f"SELECT case_key, act_id, file, name, sha256, added_at, added_by "
                           f"FROM {schema.CASE_ATTACHMENTS_TABLE}{where} ORDER BY act_id, file")

    def create_case(self, case_key, facts, jcbhs):
        """A new case over `jcbhs` (none of them in another case); audited per patch."""
        with self.transaction():
            taken = self._query(f"SELECT jcbh, case_key FROM {schema.CASE_PATCHES_TABLE} WHERE jcbh IN "
                                f"({', '.join(_sql_quote(j) for j in jcbhs)})")
            if taken:
                raise LandEnforcementError(
                    f"图斑 {taken[0]['jcbh']} 已在案件 {taken[0]['case_key']} 中",
                    f"Patch {taken[0]['jcbh']} is already in case {taken[0]['case_key']}")
            self._insert(schema.CASES_TABLE, dict(facts, case_key=case_key, created_at=now_iso(),
                                                  created_by=self.user))
            for jcbh in jcbhs:
                self._insert(schema.CASE_PATCHES_TABLE, {"case_key": case_key, "jcbh": jcbh})
                self._audit("insert", "case", jcbh, "case_key", None, case_key,
                            json.dumps(facts, ensure_ascii=False, sort_keys=True))

    def update_case_facts(self, case_key, facts):
        """Correct the case's own facts (违法主体, 项目名称, 实际用途); each changed one is audited."""
        with self.transaction():
            old = next(c for c in self.cases() if c["case_key"] == case_key)
            diffs = {k: v for k, v in facts.items() if old.get(k) != v}
            if diffs:
                self._upsert(schema.CASES_TABLE, {"case_key": case_key}, diffs, True)
            for name, value in diffs.items():
                self._audit("update", "case", None, f"{case_key}/{name}", old.get(name), value)
            return len(diffs)

    def append_case_act(self, case_key, kind, act_date, details, attachments=(), channel=None):
        """Append one act (never changed afterwards) and its attachments (dicts: file, name,
        sha256); audited. Returns the act's id."""
        with self.transaction():
            text = json.dumps(details, ensure_ascii=False, sort_keys=True)
            act_id = self._insert(schema.CASE_ACTS_TABLE, {
                "case_key": case_key, "kind": kind, "act_date": act_date, "details": text,
                "recorded_at": now_iso(), "recorded_by": self.user})
            for attachment in attachments:
                self._insert(schema.CASE_ATTACHMENTS_TABLE, dict(attachment, case_key=case_key, act_id=act_id,
                                                                  added_at=now_iso(), added_by=self.user))
            self._audit("insert", "case_act", None, f"{case_key}/{kind}", None, act_date,
                        json.dumps(dict(details, attachments=[a["name"] for a in attachments]),
                                   ensure_ascii=False, sort_keys=True), channel)
            return act_id

    # -- overlay ---------------------------------------------------------------------------
    def patch_geometries(self):
        layer = self._ds.GetLayerByName(schema.PATCHES_LAYER)
        layer.ResetReading()
        # Fields by index: OGR's lookup by name scans every field definition, per feature.
        jcbh, fingerprint = _field_indexes(layer, ("jcbh", schema.OVERLAY_FINGERPRINT.name))
        out = [(f.GetField(jcbh), f.GetGeometryRef().ExportToIsoWkb(), f.GetField(fingerprint)) for f in layer]
        layer.ResetReading()
        return out

    def write_overlay(self, patch_values, township_rows, run):
        """Store recomputed patches' areas and suggestions and their township split in one go.

        patch_values: jcbh -> {overlay field: value}; township_rows: dicts for patch_townships,
        replacing every earlier row of those patches; run: what the overlay_runs row records.
        """
        with self.transaction():
            self._write_overlay_rows(patch_values, township_rows)
            self._insert(schema.OVERLAY_RUNS_TABLE, run)
            self._audit("overlay", "task", None, detail=json.dumps(
                {k: run[k] for k in ("area_mode", "recomputed", "reused")}, ensure_ascii=False))

    def _write_overlay_rows(self, patch_values, township_rows):
        for jcbh, values in patch_values.items():
            assignments = ", ".join(f"{name} = {_sql_value(value)}" for name, value in values.items())
            self._ds.ExecuteSQL(f"UPDATE {schema.PATCHES_LAYER} SET {assignments} WHERE jcbh = {_sql_quote(jcbh)}")
        recomputed = list(patch_values)
        for start in range(0, len(recomputed), 500):
            listed = ", ".join(_sql_quote(jcbh) for jcbh in recomputed[start:start + 500])
            self._ds.ExecuteSQL(f"DELETE FROM {schema.PATCH_TOWNSHIPS_TABLE} WHERE jcbh IN ({listed})")
        for row in township_rows:
            self._insert(schema.PATCH_TOWNSHIPS_TABLE, row)

    def last_overlay_layers(self):
        """The red-line layer URIs of the newest overlay run ({"townships": uri, ..., "approvals":
        [uri, ...]}), or {} before the first run."""
        rows = self._query(f"SELECT fid, layers FROM {schema.OVERLAY_RUNS_TABLE} ORDER BY fid DESC LIMIT 1")
        return json.loads(rows[0]["layers"]) if rows and rows[0]["layers"] else {}

    def township_parts(self):
        """Every patch_townships row (the overlay's split of each patch by township)."""
        columns = ["jcbh", "xzqdm", "xzqmc"] + [f.name for f in schema.OVERLAY_AREA_FIELDS]
        return self._query(f"SELECT {', '.join(columns)} FROM {schema.PATCH_TOWNSHIPS_TABLE}")

    # -- metrics ---------------------------------------------------------------------------
    def write_township_metrics(self, rows):
        with self.transaction():
            self._ds.ExecuteSQL(f"DELETE FROM {schema.TOWNSHIP_METRICS_TABLE}")
            for row in rows:
                self._insert(schema.TOWNSHIP_METRICS_TABLE, row)

    # -- season ----------------------------------------------------------------------------
    def milestones(self):
        return self._query(f"SELECT batch, kind, due_date, done_date, note FROM {schema.MILESTONES_TABLE} "
                           "ORDER BY batch, kind")

    def set_milestone(self, batch, kind, due_date=None, done_date=None, note=None):
        """One milestone of a batch (kind: a MilestoneKind label); every change is audited."""
        with self.transaction():
            old = next((m for m in self.milestones() if (m["batch"], m["kind"]) == (batch, kind)), None)
            values = {"due_date": due_date, "done_date": done_date, "note": note}
            self._upsert(schema.MILESTONES_TABLE, {"batch": batch, "kind": kind}, values, old is not None)
            for name, value in values.items():
                if (old or {}).get(name) != value:
                    self._audit("update" if old else "insert", "milestone", None, f"{batch}/{kind}/{name}",
                                (old or {}).get(name), value)

    def people(self):
        return self._query(f"SELECT name, role, xzqdm, village, phone, is_default FROM {schema.PEOPLE_TABLE} "
                           "ORDER BY xzqdm, name")

    def set_people(self, rows):
        """Replace the roster (dicts with name, role, xzqdm, village, phone, is_default); audited."""
        columns = ("name", "role", "xzqdm", "village", "phone", "is_default")
        with self.transaction():
            old = {p["name"]: {k: p[k] for k in columns} for p in self.people()}
            self._ds.ExecuteSQL(f"DELETE FROM {schema.PEOPLE_TABLE}")
            new = {}
            for row in rows:
                person = {k: row.get(k) or None for k in columns}
                person["is_default"] = int(bool(row.get("is_default")))
                self._insert(schema.PEOPLE_TABLE, person)
                new[person["name"]] = person
            for name in sorted(set(old) | set(new)):
                before, after = old.get(name), new.get(name)
                if before != after:
                    action = "insert" if before is None else ("delete" if after is None else "update")
                    self._audit(action, "person", None, name,
                                None if before is None else json.dumps(before, ensure_ascii=False, sort_keys=True),
                                None if after is None else json.dumps(after, ensure_ascii=False, sort_keys=True))

    def assignments(self):
        """jcbh -> {xzqdm, xzqmc, assignee, manual, assigned_at, assigned_by}."""
        rows = self._query(f"SELECT jcbh, xzqdm, xzqmc, assignee, manual, assigned_at, assigned_by "
                           f"FROM {schema.ASSIGNMENTS_TABLE}")
        return {row.pop("jcbh"): row for row in rows}

    def write_assignments(self, changes, manual):
        """jcbh -> (xzqdm, xzqmc, assignee): who answers for each patch; every change is audited."""
        written = 0
        with self.transaction():
            current = self.assignments()
            stamp = now_iso()
            for jcbh, (xzqdm, xzqmc, assignee) in changes.items():
                old = current.get(jcbh)
                if old is not None and (old["xzqdm"], old["assignee"]) == (xzqdm, assignee):
                    continue
                row = {"xzqdm": xzqdm, "xzqmc": xzqmc, "assignee": assignee, "manual": int(manual),
                       "assigned_at": stamp, "assigned_by": self.user}
                self._upsert(schema.ASSIGNMENTS_TABLE, {"jcbh": jcbh}, row, old is not None)
                before = None if old is None else f"{old['xzqdm']}/{old['assignee'] or ''}"
                self._audit("update" if old else "insert", "assignment", jcbh, "assignee", before,
                            f"{xzqdm}/{assignee or ''}", "manual" if manual else "automatic")
                written += 1
        return written

    def set_repeats(self, links):
        """jcbh -> the earlier batch's JCBH at the same place (None to clear)."""
        with self.transaction():
            for jcbh, earlier in links.items():
                self._ds.ExecuteSQL(f"UPDATE {schema.PATCHES_LAYER} SET {schema.REPEAT_OF.name} = "
                                    f"{_sql_value(earlier)} WHERE jcbh = {_sql_quote(jcbh)}")
                self._audit("update", "patch", jcbh, schema.REPEAT_OF.name, None, earlier)

    def delivered_cultivated(self):
        """jcbh -> the cultivated area the delivery states (m²), for the patches that have one."""
        name = schema.DELIVERED_CULTIVATED.name
        return {r["jcbh"]: r[name] for r in self._query(
            f"SELECT jcbh, {name} FROM {schema.PATCHES_LAYER} WHERE {name} IS NOT NULL")}

    def patch_batches(self):
        """jcbh -> (batch, repeat_of, hsx) of every patch."""
        return {r["jcbh"]: (r["batch"], r[schema.REPEAT_OF.name], r["hsx"]) for r in self._query(
            f"SELECT jcbh, batch, {schema.REPEAT_OF.name}, hsx FROM {schema.PATCHES_LAYER}")}

    # -- submission ------------------------------------------------------------------------
    def export_patches(self):
        """Every patch's attributes (source and overlay fields) and its geometry as ISO WKB in
        the working CRS, in JCBH order: [(values, wkb)]."""
        names = [f.name for f in schema.PATCH_SOURCE_FIELDS + schema.OVERLAY_PATCH_FIELDS + schema.OVERLAY_PLACE_FIELDS
                 + (schema.BATCH, schema.REPEAT_OF)]
        layer = self._ds.GetLayerByName(schema.PATCHES_LAYER)
        layer.ResetReading()
        indexed = list(zip(names, _field_indexes(layer, names)))
        rows = [({name: feature.GetField(index) for name, index in indexed}, feature.GetGeometryRef().ExportToIsoWkb())
                for feature in layer]
        layer.ResetReading()
        # The review state (none: 待核查) and the planning conformity of the last run, when there was one.
        states = {r["jcbh"]: r["state"] for r in self._query(f"SELECT jcbh, state FROM {schema.REVIEW_STATES_TABLE}")}
        zones = [f.name for f in (*schema.ZONE_AREA_FIELDS.values(), schema.OUTSIDE_ZONES_M2, schema.CONFORMITY)]
        planning = {r.pop("jcbh"): r for r in self._query(
            f"SELECT jcbh, {', '.join(zones)} FROM {schema.PLANNING_CONFORMITY_TABLE}")}
        for values, _ in rows:
            values[schema.REVIEW_STATE.name] = states.get(values["jcbh"], schema.ReviewState.PENDING.value)
            values.update(planning.get(values["jcbh"], dict.fromkeys(zones)))
        return sorted(rows, key=lambda row: row[0]["jcbh"])

    def last_change(self):
        """When anything in the task last changed (the newest audit entry): the package's
        "as of" time, so exports of an unchanged task are identical."""
        return self._query(f"SELECT max(ts) AS ts FROM {schema.AUDIT_TABLE}")[0]["ts"] or self.meta()["created_at"]


class GeoPackageTaskStore(OgrTaskStore):
    """A task database in one GeoPackage file."""

    provider = "ogr"  # the QGIS data provider of its layers
    busy_timeout_s = 20  # how long opening or writing waits for another connection's write lock

    def __init__(self, path, ds):
        super().__init__(path, ds)
        # Every connection waits (up to 20 s) for another one's lock instead of failing with
        # "database is locked": a verdict saved while the figures are written in the background,
        # or while QGIS draws the task's layers, is then written a moment later.
        ds.ExecuteSQL(f"PRAGMA busy_timeout = {self.busy_timeout_s * 1000}")

    @classmethod
    def create(cls, path, working_crs, county_code="", county_name="", batch=""):
        if os.path.exists(path):
            raise LandEnforcementError(f"任务库已存在：{path}", f"Task database already exists: {path}")
        ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
        store = cls(path, ds)
        ds = None
        try:
            store._initialise(new_task_meta(working_crs, county_code, county_name, batch))
        except Exception:
            store.discard()
            raise
        return store

    def discard(self):
        """Remove a task that never got its first import (creation is undone, not left behind)."""
        self.close()
        os.remove(self.path)

    @classmethod
    def open(cls, path):
        if not os.path.exists(path):
            raise LandEnforcementError(f"任务库不存在：{path}", f"Task database not found: {path}")
        if os.path.isfile(path) and os.path.getsize(path) == 0:
            raise LandEnforcementError(
                f"此位置的文件是空的（0 字节，可能是中断的导入留下的），不是任务库：{path}。请删除它或另选文件名",
                f"The file at this path is empty (0 bytes, perhaps left by an interrupted import), not a task "
                f"database: {path}. Delete it or choose another name")
        ds = cls._open_waiting(path)
        if ds.GetLayerByName(schema.META_TABLE) is None:
            raise LandEnforcementError(f"该 GeoPackage 不是卫片执法任务库：{path}",
                                       f"This GeoPackage is not a land-enforcement task database: {path}")
        store = cls(path, ds)
        version = int(store.meta().get("schema_version", 0))
        if version < schema.SCHEMA_VERSION:
            # An upgraded task no longer opens in an older plugin: keep the file as it was.
            backup = f"{os.path.splitext(path)[0]}_schema{version}_backup.gpkg"
            if not os.path.exists(backup):
                shutil.copy2(path, backup)
        store._migrate()
        return store

    @classmethod
    def _open_waiting(cls, path):
        """The GeoPackage opened for update. While another process is in its write phase (it holds
        SQLite's exclusive lock, so not even the header can be read), wait for it like a save does."""
        deadline = time.monotonic() + cls.busy_timeout_s
        while True:
            try:
                return gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_UPDATE, allowed_drivers=["GPKG"])
            except RuntimeError as exc:
                busy = _locked_by_another(path)
                if busy and time.monotonic() < deadline:
                    time.sleep(0.2)  # GDAL itself already waited a few seconds
                    continue
                if busy:
                    raise LandEnforcementError(
                        f"任务库正忙：另一个程序正在写入，等待 {cls.busy_timeout_s} 秒后仍未结束，请稍后再试：{path}",
                        f"The task database is busy: another program is writing to it and had not finished "
                        f"after {cls.busy_timeout_s} s; try again shortly: {path}") from exc
                raise LandEnforcementError(f"无法打开任务库（不是 GeoPackage？）：{path}",
                                           f"Cannot open the task database (not a GeoPackage?): {path}") from exc

    def uri(self, table):
        return f"{self.path}|layername={table}"

    def _take_write_lock(self):
        """SQLite's write lock taken first, before any read (what BEGIN IMMEDIATE does; OGR begins
        deferred): a transaction that read first and then wants to write, while another connection
        writes, fails with "database is locked" at once instead of waiting its turn."""
        self._ds.ExecuteSQL("UPDATE gpkg_contents SET table_name = table_name WHERE 0")  # in every GeoPackage


def _locked_by_another(path):
    """Whether the SQLite file at `path` cannot be read now because another connection holds its
    write lock (rather than not being a database at all)."""
    try:
        connection = sqlite3.connect(path, timeout=0)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc) or "busy" in str(exc)
    except sqlite3.DatabaseError:
        return False  # "file is not a database"
    return False


def new_task_meta(working_crs, county_code="", county_name="", batch=""):
    return {"working_crs": working_crs, "county_code": county_code, "county_name": county_name,
            "batches": json.dumps([batch] if batch else [], ensure_ascii=False),
            "created_at": now_iso(), "schema_version": "0"}


POSTGIS_PREFIX = "pg:"


def is_postgis(location):
    return str(location).startswith(POSTGIS_PREFIX)


def open_task(location):
    """The task at `location`: a GeoPackage path, or pg:<connection>/<schema> for PostGIS."""
    if is_postgis(location):
        from .postgis import PostgisTaskStore

        return PostgisTaskStore.open(location)
    return GeoPackageTaskStore.open(location)


def task_files_folder(location):
    """The folder holding a task's files (photo copies, default package): beside a GeoPackage."""
    if is_postgis(location):
        from .postgis import task_files_folder as postgis_folder

        return postgis_folder(location)
    return os.path.dirname(os.path.abspath(location))


def task_name(location):
    if is_postgis(location):
        return location.rpartition("/")[2]
    return os.path.splitext(os.path.basename(location))[0]


def task_exists(location):
    if is_postgis(location):
        from .postgis import PostgisTaskStore

        return PostgisTaskStore.exists(location)
    return os.path.exists(location)


def create_task(location, working_crs, county_code="", county_name="", batch=""):
    if is_postgis(location):
        from .postgis import PostgisTaskStore

        return PostgisTaskStore.create(location, working_crs, county_code, county_name, batch)
    return GeoPackageTaskStore.create(location, working_crs, county_code, county_name, batch)
