"""Bureau mode: a task in a PostGIS schema, shared by the county staff and every township.

The tables and the SQL are the GeoPackage store's (OgrTaskStore, through OGR's PostgreSQL
driver); what a shared database adds is enforced by the database itself (postgis_security), and
how a location names a database is postgis_connection's.
"""
import os
import re

from .. import schema
from ..errors import LandEnforcementError
from .base import OgrTaskStore
from .postgis_connection import layer_uri, location_for, open_database, parse_location, scalar
from .postgis_security import BUREAU_VERSION, CASE_FILES_TABLE, PHOTO_FILES_TABLE, BureauAccess
from .records import new_task_meta
from .sql import chunks, sql_ident, sql_quote, sql_value


def _task_schema_exists(ds, schema_name):
    return bool(scalar(ds, "SELECT count(*) FROM information_schema.tables "
                           f"WHERE table_schema = {sql_quote(schema_name)} AND table_name = '{schema.META_TABLE}'"))


def list_tasks(connection):
    """(schema, county code, batches) of every task in the database of `connection`."""
    ds = open_database(connection)
    try:
        result = ds.ExecuteSQL("SELECT table_schema FROM information_schema.tables "
                               f"WHERE table_name = '{schema.META_TABLE}' ORDER BY table_schema")
        schemas = [feature.GetField(0) for feature in result]
        ds.ReleaseResultSet(result)
    finally:
        ds = None
    tasks = []
    for name in schemas:
        try:
            store = PostgisTaskStore.open(location_for(connection, name))
        except LandEnforcementError:  # e.g. awaiting its owner: listed, and opening it says why
            tasks.append((name, "", "[]"))
            continue
        with store:
            meta = store.meta()
            tasks.append((name, meta.get("county_code", ""), meta.get("batches", "[]")))
    return tasks


class PostgisTaskStore(BureauAccess, OgrTaskStore):
    """A task in one schema of a PostGIS database."""

    provider = "postgres"

    def __init__(self, location, ds, connection, schema_name):
        super().__init__(location, ds)
        self.connection = connection
        self.schema = schema_name
        self.user = scalar(ds, "SELECT session_user")
        # A lock held by someone else (or a runaway statement) makes a save fail with a message
        # instead of hanging every window of the bureau.
        ds.ExecuteSQL(f"SET lock_timeout = '{int(self.lock_timeout_s * 1000)}ms'")
        ds.ExecuteSQL(f"SET statement_timeout = '{int(self.statement_timeout_s * 1000)}ms'")

    lock_timeout_s = 20
    statement_timeout_s = 600

    @classmethod
    def exists(cls, location):
        connection, schema_name = parse_location(location)
        ds = open_database(connection)
        try:
            return _task_schema_exists(ds, schema_name)
        finally:
            ds = None

    @staticmethod
    def files_folder(location):
        """Where a PostGIS task keeps its files (photo copies) on this computer: one folder per task
        under the user's home."""
        connection, schema_name = parse_location(location)
        return os.path.join(os.path.expanduser("~"), "land_enforcement_tasks",
                            re.sub(r"[^0-9A-Za-z_-]", "_", connection) + "_" + schema_name)

    @staticmethod
    def task_name(location):
        return location.rpartition("/")[2]

    @classmethod
    def create(cls, location, working_crs, county_code="", county_name="", batch=""):
        connection, schema_name = parse_location(location)
        ds = open_database(connection)
        try:
            if scalar(ds, "SELECT count(*) FROM information_schema.schemata "
                          f"WHERE schema_name = {sql_quote(schema_name)}"):
                raise LandEnforcementError(f"模式 {schema_name} 已存在", f"The schema {schema_name} already exists")
            ds.ExecuteSQL(f"CREATE SCHEMA {sql_ident(schema_name)}")
        finally:
            ds = None
        store = cls(location, open_database(connection, schema_name), connection, schema_name)
        try:
            store.initialise(new_task_meta(working_crs, county_code, county_name, batch))
            store.create_file_tables()
            store.secure()
        except Exception:
            store.discard()
            raise
        return store

    @classmethod
    def open(cls, location):
        connection, schema_name = parse_location(location)
        ds = open_database(connection, schema_name)
        if not _task_schema_exists(ds, schema_name):
            raise LandEnforcementError(f"数据库中没有任务 {schema_name}（{connection}）",
                                       f"No task {schema_name} in the database ({connection})")
        store = cls(location, ds, connection, schema_name)
        if store.migrate() or store.meta().get("bureau_version") != BUREAU_VERSION:
            if not store.owns_schema():
                raise LandEnforcementError(
                    f"任务 {schema_name} 需由其所有者（创建或上传它的局管理员登录）打开一次以更新权限设置",
                    f"The task {schema_name} must be opened once by its owner (the bureau administrator login "
                    "that created or uploaded it) to bring its access rules up to date")
            store.create_file_tables()
            store.secure()  # tables a migration added get their grants and policies
        return store

    def owns_schema(self):
        return bool(scalar(self._ds, "SELECT pg_has_role(session_user, n.nspowner, 'MEMBER') FROM pg_namespace n "
                                     f"WHERE n.nspname = {sql_quote(self.schema)}"))

    def discard(self):
        ds = self._ds
        self._ds = None
        ds.ExecuteSQL(f"DROP SCHEMA IF EXISTS {sql_ident(self.schema)} CASCADE")
        ds = None

    def uri(self, table):
        geometry = "geom" if table in (schema.PATCHES_LAYER, schema.PHOTOS_LAYER) or table.startswith(
            schema.PATCHES_SOURCE_LAYER) else None
        return layer_uri(self.connection, self.schema, table, geometry)

    def apply_import(self, batch, records, source, issues):
        with self.transaction():
            summary = super().apply_import(batch, records, source, issues)
            self.secure()  # a new source CRS adds a patches_source_<EPSG> table
        return summary

    # -- overlay results in bulk: a statement per thousand patches, not two per patch ----------
    def _write_overlay_rows(self, patch_values, township_rows):
        items = list(patch_values.items())
        if items:
            names = list(items[0][1])
            casts = {f.name: _SQL_TYPES.get(f.kind, "text")
                     for f in schema.OVERLAY_PATCH_FIELDS + schema.OVERLAY_PLACE_FIELDS}
            assignments = ", ".join(f"{name} = s.{name}::{casts.get(name, 'text')}" for name in names)
            for chunk in chunks(items):
                rows = ", ".join("(" + ", ".join([sql_value(jcbh)] + [sql_value(values[n]) for n in names]) + ")"
                                 for jcbh, values in chunk)
                self._ds.ExecuteSQL(f"UPDATE {schema.PATCHES_LAYER} AS p SET {assignments} FROM (VALUES {rows}) "
                                    f"AS s(jcbh, {', '.join(names)}) WHERE p.jcbh = s.jcbh")
                listed = ", ".join(sql_value(jcbh) for jcbh, _ in chunk)
                self._ds.ExecuteSQL(f"DELETE FROM {schema.PATCH_TOWNSHIPS_TABLE} WHERE jcbh IN ({listed})")
        self.insert_rows(schema.PATCH_TOWNSHIPS_TABLE, township_rows)

    # -- photo files: every computer of the bureau sees the same photos ------------------------
    keeps_photo_files = True

    def create_file_tables(self):
        """The photo files (by patch) and case attachment files (by case), made by the task's owner
        (a task from before gets case_files when its owner opens it: BUREAU_VERSION)."""
        for table, owner in ((PHOTO_FILES_TABLE, "jcbh"), (CASE_FILES_TABLE, "case_key")):
            self._ds.ExecuteSQL(f"CREATE TABLE IF NOT EXISTS {sql_ident(self.schema)}.{table} (fid serial PRIMARY KEY, "
                                f"{owner} text NOT NULL, sha256 text NOT NULL, data bytea NOT NULL, "
                                f"UNIQUE ({owner}, sha256))")

    def _put_kept_file(self, function, owner, sha256, data):
        """Bytes kept for every computer through `function`, which checks the login and the digest."""
        with self.transaction():
            self.call(f"{function}({sql_quote(owner)}, {sql_quote(sha256)}, decode('{data.hex()}', 'hex'))")

    def _kept_file(self, table, owner_column, owner, sha256):
        rows = self.query(f"SELECT encode(data, 'hex') AS hex FROM {table} "
                          f"WHERE {owner_column} = {sql_quote(owner)} AND sha256 = {sql_quote(sha256)}")
        return bytes.fromhex(rows[0]["hex"]) if rows else None

    def put_photo_file(self, jcbh, sha256, data):
        self._put_kept_file("lep_put_photo_file", jcbh, sha256, data)

    def photo_file(self, jcbh, sha256):
        return self._kept_file(PHOTO_FILES_TABLE, "jcbh", jcbh, sha256)

    def put_case_file(self, case_key, sha256, data):
        """Keep a case attachment's bytes for every computer (county logins only: the function
        refuses others, and bytes that do not match `sha256`)."""
        self._put_kept_file("lep_put_case_file", case_key, sha256, data)

    def case_file(self, case_key, sha256):
        return self._kept_file(CASE_FILES_TABLE, "case_key", case_key, sha256)


_SQL_TYPES = {"real": "double precision", "int": "integer"}
