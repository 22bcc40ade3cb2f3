"""Bureau mode: a task in a PostGIS schema, shared by the county staff and every township.

The tables and the SQL are the GeoPackage store's (OgrTaskStore, through OGR's PostgreSQL
driver); what a shared database adds is enforced by the database itself, not by the plugin:

- roles (scripts/postgis_roles.py creates them once per database): `lep_county` sees and edits
  everything, a member of `lep_township` sees and edits only the patches (and their verification
  records, photos and township parts) of the township that `public.lep_township_accounts` maps
  its login to — row-level security, so a township login in plain QGIS or psql sees no more —
  and `lep_reviewer` (the city bureau) reads everything and writes nothing;
- the audit log of verification records is written by a trigger, so edits made outside the plugin
  (QGIS attribute table, SQL) are recorded too, with the login that made them; the same trigger
  moves the record's version on, so such edits also turn a stale save into a conflict;
- saving the same patch is serialised by a transaction-scoped advisory lock, so of two people
  who began from the same version the second gets a conflict, never a lost update.

A location reads pg:<connection>/<schema>, where <connection> is `service=<name>` (a libpq
service, passwords in ~/.pgpass or the service file) or the name of a PostgreSQL connection saved
in QGIS (its authentication configuration is resolved at run time). Passwords are never written
into locations, layer sources, projects or logs.
"""
import json
import os
import re

from osgeo import gdal

from . import schema
from .errors import LandEnforcementError
from .store import POSTGIS_PREFIX, OgrTaskStore, _sql_value, new_task_meta

COUNTY_ROLE = "lep_county"
TOWNSHIP_ROLE = "lep_township"
REVIEWER_ROLE = "lep_reviewer"
ACCOUNTS_TABLE = "public.lep_township_accounts"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Tables whose rows belong to one patch (a jcbh column) and so to one township.
PHOTO_FILES_TABLE = "photo_files"
_PATCH_ROWS = ("patches", "verifications", "photos", PHOTO_FILES_TABLE, "patch_townships", "assignments",
               "patches_source_%", schema.REVIEW_STATES_TABLE, schema.SPOT_CHECKS_TABLE,
               schema.PLANNING_CONFORMITY_TABLE)
BUREAU_VERSION = "1"


def parse_location(location):
    """pg:<connection>/<schema> -> (connection, schema)."""
    body = location[len(POSTGIS_PREFIX):]
    connection, _, schema_name = body.rpartition("/")
    if not connection or not _SCHEMA_NAME.match(schema_name):
        raise LandEnforcementError(
            f"PostGIS 任务位置应为 pg:<连接>/<模式名>（模式名为小写字母、数字、下划线）：{location}",
            f"A PostGIS task location reads pg:<connection>/<schema> (schema: lower-case letters, digits, "
            f"underscores): {location}")
    return connection, schema_name


def location_for(connection, schema_name):
    return f"{POSTGIS_PREFIX}{connection}/{schema_name}"


def _qgis_connection_uri(name):
    """The QgsDataSourceUri of a PostgreSQL connection saved in QGIS, or None."""
    from qgis.core import QgsDataSourceUri, QgsProviderRegistry

    metadata = QgsProviderRegistry.instance().providerMetadata("postgres")
    try:
        connection = metadata.findConnection(name)
    except Exception:  # QgsProviderConnectionException: no such connection
        return None
    return QgsDataSourceUri(connection.uri()) if connection is not None else None


def conninfo(connection):
    """A libpq connection string, credentials included (kept in memory, never logged)."""
    if connection.startswith("service="):
        return connection
    uri = _qgis_connection_uri(connection)
    if uri is None:
        raise LandEnforcementError(f"QGIS 中没有名为“{connection}”的 PostgreSQL 连接，也不是 service=名称",
                                   f"No PostgreSQL connection named '{connection}' in QGIS, and not service=<name>")
    return uri.connectionInfo(True)  # expands an authentication configuration


def layer_uri(connection, schema_name, table, geometry_column=None):
    """A QGIS 'postgres' provider source for a task table, without any password."""
    from qgis.core import QgsDataSourceUri

    if connection.startswith("service="):
        uri = QgsDataSourceUri()
        uri.setConnection(connection.split("=", 1)[1], "", "", "")
    else:
        uri = _qgis_connection_uri(connection) or QgsDataSourceUri()
        uri.setPassword("")
    uri.setDataSource(schema_name, table, geometry_column, "", "fid")
    return uri.uri(False)


def _open(connection, schema_name=None):
    # COPY would not give new rows their fid back; the store needs them (source_files -> issues).
    gdal.SetConfigOption("PG_USE_COPY", "NO")
    options = [f"ACTIVE_SCHEMA={schema_name}", f"SCHEMAS={schema_name}"] if schema_name else []
    try:
        return gdal.OpenEx("PG:" + conninfo(connection), gdal.OF_VECTOR | gdal.OF_UPDATE,
                           allowed_drivers=["PostgreSQL"], open_options=options)
    except RuntimeError as exc:
        # GDAL's message may carry the connection string: say which connection, not its secrets.
        raise LandEnforcementError(f"无法连接 PostGIS 数据库（{connection}）：{_first_line(exc)}",
                                   f"Cannot connect to the PostGIS database ({connection}): {_first_line(exc)}") from exc


def _first_line(exc):
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return re.sub(r"password\s*=\s*\S+", "password=***", text)


def _scalar(ds, sql):
    result = ds.ExecuteSQL(sql)
    try:
        feature = result.GetNextFeature()
        return feature.GetField(0) if feature is not None else None
    finally:
        ds.ReleaseResultSet(result)


def _task_schema_exists(ds, schema_name):
    return bool(_scalar(ds, "SELECT count(*) FROM information_schema.tables "
                            f"WHERE table_schema = '{schema_name}' AND table_name = '{schema.META_TABLE}'"))


def list_tasks(connection):
    """(schema, county code, batches) of every task in the database of `connection`."""
    ds = _open(connection)
    try:
        result = ds.ExecuteSQL("SELECT table_schema FROM information_schema.tables "
                               f"WHERE table_name = '{schema.META_TABLE}' ORDER BY table_schema")
        schemas = [feature.GetField(0) for feature in result]
        ds.ReleaseResultSet(result)
    finally:
        ds = None
    tasks = []
    for name in schemas:
        store = PostgisTaskStore.open(location_for(connection, name))
        try:
            meta = store.meta()
            tasks.append((name, meta.get("county_code", ""), meta.get("batches", "[]")))
        finally:
            store.close()
    return tasks


class PostgisTaskStore(OgrTaskStore):
    """A task in one schema of a PostGIS database."""

    provider = "postgres"

    def __init__(self, location, ds, connection, schema_name):
        super().__init__(location, ds)
        self.connection = connection
        self.schema = schema_name
        self.user = _scalar(ds, "SELECT session_user")

    @classmethod
    def exists(cls, location):
        connection, schema_name = parse_location(location)
        ds = _open(connection)
        try:
            return _task_schema_exists(ds, schema_name)
        finally:
            ds = None

    @classmethod
    def create(cls, location, working_crs, county_code="", county_name="", batch=""):
        connection, schema_name = parse_location(location)
        ds = _open(connection)
        try:
            if _scalar(ds, f"SELECT count(*) FROM information_schema.schemata WHERE schema_name = '{schema_name}'"):
                raise LandEnforcementError(f"模式 {schema_name} 已存在", f"The schema {schema_name} already exists")
            ds.ExecuteSQL(f"CREATE SCHEMA {schema_name}")
        finally:
            ds = None
        store = cls(location, _open(connection, schema_name), connection, schema_name)
        try:
            store._initialise(new_task_meta(working_crs, county_code, county_name, batch))
            store._create_photo_files()
            store.secure()
        except Exception:
            store.discard()
            raise
        return store

    @classmethod
    def open(cls, location):
        connection, schema_name = parse_location(location)
        ds = _open(connection, schema_name)
        if not _task_schema_exists(ds, schema_name):
            raise LandEnforcementError(f"数据库中没有任务 {schema_name}（{connection}）",
                                       f"No task {schema_name} in the database ({connection})")
        store = cls(location, ds, connection, schema_name)
        if store._migrate():
            store._create_photo_files()
            store.secure()  # tables a migration added get their grants and policies
        return store

    def discard(self):
        ds = self._ds
        self._ds = None
        ds.ExecuteSQL(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        ds = None

    def uri(self, table):
        geometry = "geom" if table in (schema.PATCHES_LAYER, schema.PHOTOS_LAYER) or table.startswith(
            schema.PATCHES_SOURCE_LAYER) else None
        return layer_uri(self.connection, self.schema, table, geometry)

    # -- what the database enforces ------------------------------------------------------------
    def secure(self):
        """Grants, row-level security and the audit trigger on every table of the task
        (idempotent: run after creation and after anything that adds a table)."""
        with self.transaction():
            self._ds.ExecuteSQL(_roles_sql())
            tables = [row["table_name"] for row in self._query(
                "SELECT table_name FROM information_schema.tables "
                f"WHERE table_schema = '{self.schema}' AND table_type = 'BASE TABLE'")]
            self._ds.ExecuteSQL(_grants_sql(self.schema, tables))
            for table in tables:
                self._ds.ExecuteSQL(_policies_sql(self.schema, table))
            self._ds.ExecuteSQL(_audit_trigger_sql(self.schema))
            self._write_meta({"bureau_version": BUREAU_VERSION})

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
            casts = {f.name: _SQL_TYPES.get(f.kind, "text") for f in schema.OVERLAY_PATCH_FIELDS + schema.OVERLAY_PLACE_FIELDS}
            assignments = ", ".join(f"{name} = s.{name}::{casts.get(name, 'text')}" for name in names)
            for chunk in _chunks(items):
                rows = ", ".join("(" + ", ".join([_sql_value(jcbh)] + [_sql_value(values[n]) for n in names]) + ")"
                                 for jcbh, values in chunk)
                self._ds.ExecuteSQL(f"UPDATE {schema.PATCHES_LAYER} AS p SET {assignments} FROM (VALUES {rows}) "
                                    f"AS s(jcbh, {', '.join(names)}) WHERE p.jcbh = s.jcbh")
                listed = ", ".join(_sql_value(jcbh) for jcbh, _ in chunk)
                self._ds.ExecuteSQL(f"DELETE FROM {schema.PATCH_TOWNSHIPS_TABLE} WHERE jcbh IN ({listed})")
        if township_rows:
            columns = list(township_rows[0])
            for chunk in _chunks(township_rows):
                rows = ", ".join("(" + ", ".join(_sql_value(row[c]) for c in columns) + ")" for row in chunk)
                self._ds.ExecuteSQL(f"INSERT INTO {schema.PATCH_TOWNSHIPS_TABLE}({', '.join(columns)}) VALUES {rows}")

    # -- photo files: every computer of the bureau sees the same photos ------------------------
    keeps_photo_files = True

    def _create_photo_files(self):
        self._ds.ExecuteSQL(f"CREATE TABLE IF NOT EXISTS {self.schema}.{PHOTO_FILES_TABLE} "
                            "(fid serial PRIMARY KEY, jcbh text NOT NULL, sha256 text NOT NULL, data bytea NOT NULL, "
                            "UNIQUE (jcbh, sha256))")

    def put_photo_file(self, jcbh, sha256, data):
        with self.transaction():
            self._ds.ExecuteSQL(f"INSERT INTO {PHOTO_FILES_TABLE}(jcbh, sha256, data) VALUES "
                                f"({_quote(jcbh)}, {_quote(sha256)}, decode('{data.hex()}', 'hex')) "
                                "ON CONFLICT (jcbh, sha256) DO NOTHING")

    def photo_file(self, jcbh, sha256):
        rows = self._query(f"SELECT encode(data, 'hex') AS hex FROM {PHOTO_FILES_TABLE} "
                           f"WHERE jcbh = {_quote(jcbh)} AND sha256 = {_quote(sha256)}")
        return bytes.fromhex(rows[0]["hex"]) if rows else None

    def _lock_verifications(self, jcbhs):
        # Advisory locks need no privilege beyond connecting, and also cover records not yet
        # inserted; taken in a fixed order so that two savers cannot deadlock.
        for jcbh in sorted(jcbhs):
            _scalar(self._ds, f"SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext("
                              f"{_quote(self.schema + ':' + jcbh)}))) AS locked")

    def _audit_verification(self, jcbh, name, old, new, detail, channel, inserted):
        """The trigger writes it (with the login's name), from the channel set for this transaction."""
        _scalar(self._ds, f"SELECT set_config('lep.channel', {_quote(channel or '')}, true), "
                          f"set_config('lep.detail', {_quote(detail or '')}, true)")


_SQL_TYPES = {"real": "double precision", "int": "integer"}


def _chunks(items, size=1000):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _quote(value):
    return "'" + str(value).replace("'", "''") + "'"


def _roles_sql():
    """The three group roles and the township mapping, created once per database."""
    return f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{COUNTY_ROLE}') THEN CREATE ROLE {COUNTY_ROLE} NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{TOWNSHIP_ROLE}') THEN CREATE ROLE {TOWNSHIP_ROLE} NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{REVIEWER_ROLE}') THEN CREATE ROLE {REVIEWER_ROLE} NOLOGIN; END IF;
END $$;
CREATE TABLE IF NOT EXISTS {ACCOUNTS_TABLE} (role_name text PRIMARY KEY, xzqdm text NOT NULL);
GRANT SELECT ON {ACCOUNTS_TABLE} TO {COUNTY_ROLE}, {TOWNSHIP_ROLE}, {REVIEWER_ROLE};
"""


def _grants_sql(schema_name, tables):
    everyone = f"{COUNTY_ROLE}, {TOWNSHIP_ROLE}, {REVIEWER_ROLE}"
    writable = [t for t in (schema.VERIFICATIONS_TABLE, schema.PHOTOS_LAYER, PHOTO_FILES_TABLE, schema.AUDIT_TABLE,
                            schema.REVIEW_STATES_TABLE) if t in tables]
    return f"""
GRANT USAGE ON SCHEMA {schema_name} TO {everyone};
GRANT ALL ON ALL TABLES IN SCHEMA {schema_name} TO {COUNTY_ROLE};
GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema_name} TO {COUNTY_ROLE};
GRANT SELECT ON ALL TABLES IN SCHEMA {schema_name} TO {TOWNSHIP_ROLE}, {REVIEWER_ROLE};
GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema_name} TO {TOWNSHIP_ROLE};
GRANT INSERT, UPDATE ON {", ".join(f"{schema_name}.{t}" for t in writable)} TO {TOWNSHIP_ROLE};
"""


# The township of the login: session_user, because the audit trigger runs as the schema's owner.
_OWN_TOWNSHIP = f"(SELECT a.xzqdm FROM {ACCOUNTS_TABLE} a WHERE a.role_name = session_user)"


def _policies_sql(schema_name, table):
    """County: everything; reviewer: read everything; township: its own patches' rows only."""
    qualified = f"{schema_name}.{table}"
    own = _OWN_TOWNSHIP
    # A patch belongs to the township the overlay placed it in: deliveries carry the county's code.
    if table == schema.PATCHES_LAYER:
        township_rows = f"{schema.TOWNSHIP_CODE.name} = {own}"
    elif table == schema.PATCH_TOWNSHIPS_TABLE:
        township_rows = f"xzqdm = {own}"
    elif any(re.fullmatch(p.replace("%", ".*"), table) for p in _PATCH_ROWS):
        township_rows = (f"jcbh IN (SELECT p.jcbh FROM {schema_name}.{schema.PATCHES_LAYER} p "
                         f"WHERE p.{schema.TOWNSHIP_CODE.name} = {own})")
    elif table == schema.AUDIT_TABLE:
        township_rows = (f"jcbh IS NULL OR jcbh IN (SELECT p.jcbh FROM {schema_name}.{schema.PATCHES_LAYER} p "
                         f"WHERE p.{schema.TOWNSHIP_CODE.name} = {own})")
    else:
        township_rows = "true"  # task metadata, runs, metrics: shared figures, read-only for townships
    township_write = "user_name = session_user" if table == schema.AUDIT_TABLE else township_rows
    township_update = township_check = township_rows
    if table == schema.REVIEW_STATES_TABLE:  # a township submits; approving, returning, reporting: the county's
        township_update = f"({township_rows}) AND state IN ({_states(schema.TOWNSHIP_REVIEW_FROM)})"
        township_write = township_check = f"({township_rows}) AND state IN ({_states(schema.TOWNSHIP_REVIEW_TO)})"
    elif table == schema.VERIFICATIONS_TABLE:  # locked once approved or reported
        township_update = (f"({township_rows}) AND jcbh NOT IN (SELECT r.jcbh FROM {schema_name}."
                           f"{schema.REVIEW_STATES_TABLE} r WHERE r.state IN ({_states(schema.REVIEW_LOCKED_STATES)}))")
    return f"""
ALTER TABLE {qualified} ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lep_county_all ON {qualified};
CREATE POLICY lep_county_all ON {qualified} TO {COUNTY_ROLE} USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS lep_reviewer_read ON {qualified};
CREATE POLICY lep_reviewer_read ON {qualified} FOR SELECT TO {REVIEWER_ROLE} USING (true);
DROP POLICY IF EXISTS lep_township_read ON {qualified};
CREATE POLICY lep_township_read ON {qualified} FOR SELECT TO {TOWNSHIP_ROLE} USING ({township_rows});
DROP POLICY IF EXISTS lep_township_insert ON {qualified};
CREATE POLICY lep_township_insert ON {qualified} FOR INSERT TO {TOWNSHIP_ROLE} WITH CHECK ({township_write});
DROP POLICY IF EXISTS lep_township_update ON {qualified};
CREATE POLICY lep_township_update ON {qualified} FOR UPDATE TO {TOWNSHIP_ROLE} USING ({township_update})
  WITH CHECK ({township_check});
"""


def _states(states):
    return ", ".join(_quote(state.value) for state in states)


def _audit_trigger_sql(schema_name):
    columns = ", ".join(f"'{f.name}'" for f in schema.VERIFICATION_FIELDS)
    return f"""
CREATE OR REPLACE FUNCTION {schema_name}.lep_audit_verification() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema_name}, pg_temp AS $$
DECLARE
  col text; old_value text; new_value text;
  channel text := nullif(current_setting('lep.channel', true), '');
  detail text := nullif(current_setting('lep.detail', true), '');
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.version IS NOT DISTINCT FROM OLD.version THEN
    NEW.version := coalesce(OLD.version, 0) + 1;  -- an edit from outside the plugin moves it on too
  ELSIF TG_OP = 'INSERT' AND NEW.version IS NULL THEN
    NEW.version := 1;
  END IF;
  FOREACH col IN ARRAY ARRAY[{columns}] LOOP
    IF TG_OP = 'UPDATE' THEN EXECUTE format('SELECT ($1).%I::text', col) INTO old_value USING OLD; END IF;
    EXECUTE format('SELECT ($1).%I::text', col) INTO new_value USING NEW;
    IF old_value IS DISTINCT FROM new_value THEN
      INSERT INTO {schema.AUDIT_TABLE}(ts, user_name, action, entity, jcbh, field, old_value, new_value, channel, detail)
      VALUES (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00', session_user,
              lower(TG_OP), 'verification', NEW.jcbh, col, old_value, new_value, coalesce(channel, 'database'), detail);
    END IF;
    old_value := NULL;
  END LOOP;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS lep_audit_verification ON {schema_name}.{schema.VERIFICATIONS_TABLE};
CREATE TRIGGER lep_audit_verification BEFORE INSERT OR UPDATE ON {schema_name}.{schema.VERIFICATIONS_TABLE}
  FOR EACH ROW EXECUTE FUNCTION {schema_name}.lep_audit_verification();
"""


def task_files_folder(location):
    """Where a PostGIS task keeps its files (photo copies) on this computer: one folder per task
    under the user's home."""
    connection, schema_name = parse_location(location)
    return os.path.join(os.path.expanduser("~"), "land_enforcement_tasks",
                        re.sub(r"[^0-9A-Za-z_-]", "_", connection) + "_" + schema_name)



def set_up_roles(connection, county=(), townships=None, reviewers=()):
    """Create the group roles and the township mapping (once per database), and grant logins:
    county staff, township staff ({login: township XZQDM}) and reviewers. Logins that do not
    exist yet are created without a password (set one with ALTER ROLE … PASSWORD, or use
    certificates / pg_hba); nothing here ever handles a password."""
    townships = townships or {}
    ds = _open(connection)
    try:
        ds.StartTransaction(force=True)
        ds.ExecuteSQL(_roles_sql())
        for group, logins in ((COUNTY_ROLE, county), (TOWNSHIP_ROLE, townships), (REVIEWER_ROLE, reviewers)):
            for login in logins:
                if not _SCHEMA_NAME.match(login):
                    raise LandEnforcementError(f"登录名只能用小写字母、数字、下划线：{login}",
                                               f"Logins may only use lower-case letters, digits, underscores: {login}")
                ds.ExecuteSQL(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{login}') "
                              f"THEN CREATE ROLE {login} LOGIN; END IF; END $$")
                ds.ExecuteSQL(f"GRANT {group} TO {login}")
        for login, xzqdm in townships.items():
            ds.ExecuteSQL(f"INSERT INTO {ACCOUNTS_TABLE}(role_name, xzqdm) VALUES ({_quote(login)}, {_quote(xzqdm)}) "
                          "ON CONFLICT (role_name) DO UPDATE SET xzqdm = excluded.xzqdm")
        ds.CommitTransaction()
    finally:
        ds = None


def upload_task(gpkg_path, location, feedback=None):
    """Copy a GeoPackage task (every table, its history and its photo copies) into a new PostGIS
    task. The GeoPackage is left as it is; a failed or cancelled upload leaves no schema behind."""
    import shutil

    from osgeo import ogr

    from . import imagery
    from .photos import photo_folder, photo_path
    from .store import GeoPackageTaskStore

    source = GeoPackageTaskStore.open(gpkg_path)
    try:
        meta = source.meta()
        target = PostgisTaskStore.create(location, meta["working_crs"], meta.get("county_code", ""),
                                         meta.get("county_name", ""))
        try:
            names = [source._ds.GetLayer(i).GetName() for i in range(source._ds.GetLayerCount())]
            names = [name for name in names if name != schema.META_TABLE]
            total = max(sum(source._ds.GetLayerByName(name).GetFeatureCount() for name in names), 1)
            copied, every = 0, max(1, min(500, total // 200))  # about 200 steps: a big county takes a while
            # Rows come with their fids: COPY (in this thread only), far faster than INSERT row by row.
            gdal.SetThreadLocalConfigOption("PG_USE_COPY", "YES")
            with target.transaction():
                # The copied audit log already holds the history; the trigger must not add to it.
                target._ds.ExecuteSQL(f"ALTER TABLE {schema.VERIFICATIONS_TABLE} DISABLE TRIGGER lep_audit_verification")
                for name in names:
                    layer = source._ds.GetLayerByName(name)
                    into = target._ds.GetLayerByName(name)
                    if into is None:  # patches_source_<EPSG>: made the way an import makes it
                        into = target._source_layer(layer.GetSpatialRef().ExportToWkt())
                    layer.ResetReading()
                    for feature in layer:
                        if copied % every == 0 and feedback is not None:
                            if feedback.isCanceled():
                                raise LandEnforcementError("上传已取消", "Upload cancelled")
                            feedback.setProgress(90.0 * copied / total)
                        copy = ogr.Feature(into.GetLayerDefn())
                        copy.SetFrom(feature)
                        copy.SetFID(feature.GetFID())
                        into.CreateFeature(copy)
                        copied += 1
                    target._ds.ExecuteSQL(f"SELECT setval(pg_get_serial_sequence('{target.schema}.{name}', 'fid'), "
                                          f"greatest((SELECT max(fid) FROM {target.schema}.{name}), 1))")
                kept = {k: v for k, v in meta.items() if k not in ("schema_version", "bureau_version")}
                if meta.get(imagery.META_KEY):  # imagery stays where it is: point at it, not beside the task
                    kept[imagery.META_KEY] = json.dumps([imagery.resolved(gpkg_path, entry) for entry in
                                                         json.loads(meta[imagery.META_KEY])], ensure_ascii=False)
                target._write_meta(kept)
                target._ds.ExecuteSQL(f"ALTER TABLE {schema.VERIFICATIONS_TABLE} ENABLE TRIGGER lep_audit_verification")
                target.secure()
        except BaseException:
            target.discard()
            raise
        finally:
            gdal.SetThreadLocalConfigOption("PG_USE_COPY", None)
        target.close()
    finally:
        source.close()
    if os.path.isdir(photo_folder(gpkg_path)):
        shutil.copytree(photo_folder(gpkg_path), photo_folder(location), dirs_exist_ok=True)
    store = PostgisTaskStore.open(location)
    try:  # the photos themselves, for colleagues on other computers
        for row in store.photos():
            path = photo_path(location, row["file"])
            if os.path.exists(path):
                with open(path, "rb") as f:
                    store.put_photo_file(row["jcbh"], row["sha256"], f.read())
    finally:
        store.close()
    if feedback is not None:
        feedback.setProgress(100)
    return location
