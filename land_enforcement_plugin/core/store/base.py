"""The task database behind one narrow interface: `TaskStore` is what the rest of the plugin
talks to, `OgrTaskStore` its implementation through OGR for both backends.

Every write happens inside `transaction()`: either all of an import lands, or none of it.
"""
import json
from abc import ABC, abstractmethod
from contextlib import contextmanager

from osgeo import gdal, ogr, osr

from .. import schema
from ..errors import LandEnforcementError
from .migrations import MIGRATIONS
from .patch_tables import PatchTables
from .records import MergeSummary, TaskSummary, now_iso, user_name
from .review_tables import ReviewTables
from .season_tables import SeasonTables
from .sql import chunks, plain, sql_quote, sql_value

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()


class TaskStore(ABC):
    """What the plugin needs from a task database, whatever holds it. Opened stores close on
    leaving a `with` block."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

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

    # The rows of the task's tables, for the features whose tables the store does not wrap
    # (review states, spot checks, planning conformity, imagery dates):
    @abstractmethod
    def transaction(self):
        """A context: all writes inside land together or not at all."""

    @abstractmethod
    def query(self, sql) -> list:
        """Rows of a SELECT as dicts."""

    @abstractmethod
    def insert(self, table, values) -> int:
        """A new row; its fid."""

    @abstractmethod
    def insert_rows(self, table, rows):
        """New rows (dicts with the same keys), together."""

    @abstractmethod
    def upsert(self, table, key, row, exists): ...

    @abstractmethod
    def execute(self, sql): ...

    @abstractmethod
    def audit(self, action, entity, jcbh, field_name=None, old=None, new=None, detail=None, channel=None):
        """One audit log entry (who and when are the store's)."""

    @abstractmethod
    def close(self): ...

    @abstractmethod
    def discard(self):
        """Close and delete the whole task (only for one that never got its first import)."""


class OgrTaskStore(PatchTables, ReviewTables, SeasonTables, TaskStore):
    """The task database through OGR: the same tables and SQL whether they live in a GeoPackage
    file (geopackage.GeoPackageTaskStore) or a PostGIS schema (postgis.PostgisTaskStore). The
    connection, transactions, metadata and audit log are here; what each feature reads and
    writes is in the mixins (patch_tables, review_tables, season_tables)."""

    def __init__(self, path, ds):
        self.path = path  # the task's location: a file path, or pg:<connection>/<schema>
        self._ds = ds
        self._in_transaction = False
        self._pending_audit = []  # audit rows of the open transaction, written at its commit
        self._transaction_ts = None
        self.user = user_name()

    def initialise(self, meta):
        """Create the tables of a new task and bring it to the current schema version."""
        with self.transaction():
            MIGRATIONS[1](self._ds, meta)
            self.write_meta(meta)
            self._set_version(1)
            self.migrate()

    def migrate(self):
        """Bring the task to the plugin's schema version, one transaction per step; how many ran."""
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
        self.write_meta({"schema_version": str(version)})

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
        self._transaction_ts = now_iso()  # the time of every audit row it writes
        try:
            self._take_write_lock()
            yield
        except BaseException:
            self._ds.RollbackTransaction()
            raise
        else:
            self._write_pending_audit()
            self._ds.CommitTransaction()
        finally:
            self._in_transaction = False
            self._pending_audit = []

    def _take_write_lock(self):
        """At the start of a transaction (a database with row locks and MVCC needs nothing)."""

    def query(self, sql):
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
                columns = [[plain(v) for v in batch[name].tolist()] for name in names if name in batch]
                present = [name for name in names if name in batch]
                rows += [dict(zip(present, values)) for values in zip(*columns)]
            return rows
        finally:
            self._ds.ReleaseResultSet(result)

    def insert(self, table, values):
        layer = self._ds.GetLayerByName(table)
        definition = layer.GetLayerDefn()
        feat = ogr.Feature(definition)
        for key, value in values.items():
            if value is not None:
                feat.SetField(definition.GetFieldIndex(key), value)  # by index: OGR's name lookup is a scan
        layer.CreateFeature(feat)
        return feat.GetFID()

    def insert_rows(self, table, rows):
        """Rows (dicts with the same keys), a thousand a statement: row by row, OGR's dozen calls a row,
        each letting go of Python's lock, keep a UI thread waiting for the lock (a lock convoy)."""
        columns = list(rows[0]) if rows else []
        for chunk in chunks(rows):
            values = ", ".join("(" + ", ".join(sql_value(row[c]) for c in columns) + ")" for row in chunk)
            self.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}")

    def upsert(self, table, key, row, exists):
        """Insert `row` with its `key` columns, or update the row that `key` names."""
        if not exists:
            self.insert(table, dict(row, **key))
            return
        assignments = ", ".join(f"{k} = {sql_value(v)}" for k, v in row.items())
        where = " AND ".join(f"{k} = {sql_quote(v)}" for k, v in key.items())
        self._ds.ExecuteSQL(f"UPDATE {table} SET {assignments} WHERE {where}")

    def execute(self, sql):
        """Run one statement whose rows, if any, nobody reads (inside transaction() to write)."""
        result = self._ds.ExecuteSQL(sql)
        if result is not None:
            self._ds.ReleaseResultSet(result)

    def layer(self, name):
        """The OGR layer of a table of the task, or None."""
        return self._ds.GetLayerByName(name)

    def layer_names(self):
        return [self._ds.GetLayer(i).GetName() for i in range(self._ds.GetLayerCount())]

    # -- metadata --------------------------------------------------------------------------
    def meta(self):
        return {row["key"]: row["value"] for row in self.query(f"SELECT key, value FROM {schema.META_TABLE}")}

    def write_meta(self, values):
        for key, value in values.items():
            self._ds.ExecuteSQL(
                f"INSERT INTO {schema.META_TABLE}(key, value) VALUES ({sql_quote(key)}, {sql_quote(value)}) "
                f"ON CONFLICT(key) DO UPDATE SET value = excluded.value")

    def set_meta(self, **values):
        with self.transaction():
            old = self.meta()
            self.write_meta(values)
            for key, value in values.items():
                if old.get(key) != str(value):
                    self.audit("set_meta", "task", None, key, old.get(key), value)

    def summary(self):
        meta = self.meta()
        patch_count = self.query(f"SELECT count(*) AS n FROM {schema.PATCHES_LAYER}")[0]["n"]
        verified = self.query(
            f"SELECT count(*) AS n FROM {schema.VERIFICATIONS_TABLE} "
            "WHERE verdict IS NOT NULL AND verdict <> ''")[0]["n"]
        return TaskSummary(self.path, meta.get("county_code", ""), meta.get("county_name", ""),
                           json.loads(meta.get("batches", "[]")), meta["working_crs"],
                           patch_count, verified, int(meta["schema_version"]))

    # -- audit -----------------------------------------------------------------------------
    def audit(self, action, entity, jcbh, field_name=None, old=None, new=None, detail=None, channel=None):
        row = {"ts": self._transaction_ts if self._in_transaction else now_iso(), "user_name": self.user,
               "action": action, "entity": entity, "jcbh": jcbh, "field": field_name,
               "old_value": None if old is None else str(old),
               "new_value": None if new is None else str(new), "channel": channel, "detail": detail}
        if self._in_transaction:
            self._pending_audit.append(row)
        else:
            self.insert(schema.AUDIT_TABLE, row)

    def _write_pending_audit(self):
        """The transaction's audit rows, together: one OGR feature each kept QGIS's UI thread waiting
        while a 20,000-row sheet was imported in the background (see insert_rows)."""
        self.insert_rows(schema.AUDIT_TABLE, self._pending_audit)

    def audit_entries(self, jcbh=None):
        where = f" WHERE jcbh = {sql_quote(jcbh)}" if jcbh is not None else ""
        return self.query(f"SELECT * FROM {schema.AUDIT_TABLE}{where} ORDER BY fid")

    def last_change(self):
        """When anything in the task last changed (the newest audit entry): the package's
        "as of" time, so exports of an unchanged task are identical."""
        return self.query(f"SELECT max(ts) AS ts FROM {schema.AUDIT_TABLE}")[0]["ts"] or self.meta()["created_at"]
