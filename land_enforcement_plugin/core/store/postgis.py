"""Bureau mode: a task in a PostGIS schema, shared by the county staff and every township.

The tables and the SQL are the GeoPackage store's (OgrTaskStore, through OGR's PostgreSQL
driver); what a shared database adds is enforced by the database itself, not by the plugin:

- roles (scripts/postgis_roles.py creates them once per database): `lep_county` sees and edits
  everything but the audit log, a member of `lep_township` reads only the patches (and their
  records, photos, parts, cases and case attachments, audit rows) and the people of the township that
  `public.lep_township_accounts` maps its login to — row-level security, so a township login in
  plain QGIS or psql sees no more — and `lep_reviewer` (the city bureau) reads everything and
  writes nothing. The task's owner (the administrator login that created or uploaded it) alone
  may rewrite the audit log;
- townships write only through the task's SECURITY DEFINER functions (lep_save_verification,
  lep_add_photo, lep_put_photo_file, lep_audit, lep_submit_review), which check that the login may
  edit the patch and set user and time themselves; with no table-level write privilege a township
  can neither lock a table nor hold rows of another township. A township submits its patches'
  review states (lep_submit_review: 待核查 or 退回 → 乡镇已核查, with a verdict); approving,
  returning, reporting and reopening are the county's; lep_save_verification refuses to change a
  record approved or reported (review_states) until the county returns or reopens it. Cases are
  the county's: a case attachment's bytes (case_files) come only through lep_put_case_file,
  which refuses any other login and bytes that do not match their SHA-256;
- triggers write the audit log of verification records, photos, photo and case files, whoever edits
  them and however (QGIS attribute table, SQL), and own the records' versions: a save locks the
  patch's rows (lep_lock_patches), reads what was committed and writes only over the version it
  read, so a stale save is a conflict, never a lost update.

A location reads pg:<connection>/<schema>, where <connection> is `service=<name>` (a libpq
service, passwords in ~/.pgpass or the service file) or the name of a PostgreSQL connection saved
in QGIS (its authentication configuration is resolved at run time). A password in a location is
refused, and passwords are never written into layer sources, projects or messages. A server on
another computer is asked for a verified TLS connection (sslmode=verify-full) unless the
connection says otherwise.
"""
import json
import os
import re

from osgeo import gdal

from .. import schema
from ..errors import LandEnforcementError
from . import POSTGIS_PREFIX, OgrTaskStore, _sql_value, new_task_meta

COUNTY_ROLE = "lep_county"
TOWNSHIP_ROLE = "lep_township"
REVIEWER_ROLE = "lep_reviewer"
ACCOUNTS_TABLE = "public.lep_township_accounts"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Tables whose rows belong to one patch (a jcbh column) and so to one township.
PHOTO_FILES_TABLE = "photo_files"
# Case attachments' bytes (PDF, photos, scans), kept like photo files: every computer sees them.
CASE_FILES_TABLE = "case_files"
_PATCH_ROWS = ("patches", "verifications", "photos", PHOTO_FILES_TABLE, "patch_townships", "assignments",
               "patches_source_%", schema.REVIEW_STATES_TABLE, schema.SPOT_CHECKS_TABLE,
               schema.PLANNING_CONFORMITY_TABLE, schema.CASE_PATCHES_TABLE)
# Tables whose rows belong to one case (a case_key column): a township reads its patches' cases.
_CASE_ROWS = (schema.CASES_TABLE, schema.CASE_ACTS_TABLE, schema.CASE_ATTACHMENTS_TABLE, CASE_FILES_TABLE)
# Tables with audit triggers (an upload copies their history instead).
_TRIGGERED = (schema.VERIFICATIONS_TABLE, schema.PHOTOS_LAYER, PHOTO_FILES_TABLE)
BUREAU_VERSION = "4"


def parse_location(location):
    """pg:<connection>/<schema> -> (connection, schema). A password is refused: a location ends up
    in layer sources, projects, messages and a folder name."""
    body = location[len(POSTGIS_PREFIX):]
    connection, _, schema_name = body.rpartition("/")
    if _PASSWORD.search(connection) or _URI_PASSWORD.search(connection):
        raise LandEnforcementError(
            f"任务位置中不能写密码：{redact(location)}。请把密码放在 PostgreSQL 服务文件（pg_service.conf）、"
            ".pgpass 或 QGIS 的认证配置中，位置只写 service=<名称> 或 QGIS 连接名",
            f"A task location may not hold a password: {redact(location)}. Keep the password in the PostgreSQL "
            "service file (pg_service.conf), .pgpass or QGIS's authentication configuration, and write only "
            "service=<name> or the name of a QGIS connection in the location")
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
    """A libpq connection string, credentials included (kept in memory, never logged), asking for
    a verified TLS connection (sslmode=verify-full) to any host other than this computer unless
    the connection or its service says otherwise."""
    if connection.startswith("service="):
        return with_tls(connection)
    uri = _qgis_connection_uri(connection)
    if uri is None:
        raise LandEnforcementError(f"QGIS 中没有名为“{connection}”的 PostgreSQL 连接，也不是 service=名称",
                                   f"No PostgreSQL connection named '{connection}' in QGIS, and not service=<name>")
    from qgis.core import QgsDataSourceUri

    info = uri.connectionInfo(True)  # expands an authentication configuration
    if uri.sslMode() == QgsDataSourceUri.SslMode.SslPrefer:  # QGIS's default, libpq's silent fall-back
        info = re.sub(r"\s*\bsslmode=\S+", "", info)
    return with_tls(info)


_CONNINFO_PAIR = re.compile(r"(\w+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))")
_LOOPBACK = {"", "localhost", "127.0.0.1", "::1"}


def _conninfo_values(text):
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _CONNINFO_PAIR.finditer(text)}


def _service_values(name):
    """The settings of a libpq service (the user's service file, then the system one)."""
    import configparser

    for path in (os.environ.get("PGSERVICEFILE") or os.path.expanduser("~/.pg_service.conf"),
                 os.path.join(os.environ.get("PGSYSCONFDIR", "/etc/postgresql-common"), "pg_service.conf")):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (OSError, configparser.Error, UnicodeDecodeError):
            continue
        if parser.has_section(name):
            return {key.lower(): value for key, value in parser.items(name)}
    return {}


def with_tls(info):
    """`info` with sslmode=verify-full added when it names no sslmode (nor its service, nor
    PGSSLMODE) and the server is not on this computer: libpq's default (prefer) falls back to plain
    text without a word, and would accept any certificate."""
    values = _conninfo_values(info)
    if "service" in values:
        values = dict(_service_values(values["service"]), **values)
    if "sslmode" in values or os.environ.get("PGSSLMODE"):
        return info
    hosts = (values.get("hostaddr") or values.get("host") or os.environ.get("PGHOST", "")).split(",")
    if all(host.strip() in _LOOPBACK or host.strip().startswith("/") for host in hosts):
        return info
    return f"{info} sslmode=verify-full"


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
        if re.search(r"SSL|certificate", str(exc)):
            raise LandEnforcementError(
                f"无法与 PostGIS 数据库（{connection}）建立经验证的加密连接（sslmode=verify-full）：{_first_line(exc)}。"
                "服务器需配置 TLS 证书，本机需有签发它的根证书（~/.postgresql/root.crt），见 README“局里的共享数据库”；"
                "仅在可信内网中才可在服务文件中写 sslmode=require 或 disable",
                f"Cannot open a verified encrypted connection (sslmode=verify-full) to the PostGIS database "
                f"({connection}): {_first_line(exc)}. The server needs a TLS certificate and this computer the root "
                "certificate that signed it (~/.postgresql/root.crt); see the README's bureau-mode section. Only on "
                "a trusted network set sslmode=require or disable in the service file") from exc
        raise LandEnforcementError(f"无法连接 PostGIS 数据库（{connection}）：{_first_line(exc)}",
                                   f"Cannot connect to the PostGIS database ({connection}): {_first_line(exc)}") from exc


_PASSWORD = re.compile(r"""(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|"[^"]*"?|\S*)""")
_URI_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def redact(text):
    """`text` with every password in it (key=value quoted or not, or in a URI) replaced by ***."""
    return _URI_PASSWORD.sub(r"\1***@", _PASSWORD.sub(r"\1***", text))


def _first_line(exc):
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return redact(text)


def _scalar(ds, sql):
    result = ds.ExecuteSQL(sql)
    try:
        feature = result.GetNextFeature()
        return feature.GetField(0) if feature is not None else None
    finally:
        ds.ReleaseResultSet(result)


def _task_schema_exists(ds, schema_name):
    return bool(_scalar(ds, "SELECT count(*) FROM information_schema.tables "
                            f"WHERE table_schema = {_quote(schema_name)} AND table_name = '{schema.META_TABLE}'"))


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
        try:
            store = PostgisTaskStore.open(location_for(connection, name))
        except LandEnforcementError:  # e.g. awaiting its owner: listed, and opening it says why
            tasks.append((name, "", "[]"))
            continue
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
        # A lock held by someone else (or a runaway statement) makes a save fail with a message
        # instead of hanging every window of the bureau.
        ds.ExecuteSQL(f"SET lock_timeout = '{int(self.lock_timeout_s * 1000)}ms'")
        ds.ExecuteSQL(f"SET statement_timeout = '{int(self.statement_timeout_s * 1000)}ms'")

    lock_timeout_s = 20
    statement_timeout_s = 600

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
            if _scalar(ds, f"SELECT count(*) FROM information_schema.schemata WHERE schema_name = {_quote(schema_name)}"):
                raise LandEnforcementError(f"模式 {schema_name} 已存在", f"The schema {schema_name} already exists")
            ds.ExecuteSQL(f"CREATE SCHEMA {_ident(schema_name)}")
        finally:
            ds = None
        store = cls(location, _open(connection, schema_name), connection, schema_name)
        try:
            store._initialise(new_task_meta(working_crs, county_code, county_name, batch))
            store._create_file_tables()
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
        if store._migrate() or store.meta().get("bureau_version") != BUREAU_VERSION:
            if not store._owns_schema():
                raise LandEnforcementError(
                    f"任务 {schema_name} 需由其所有者（创建或上传它的局管理员登录）打开一次以更新权限设置",
                    f"The task {schema_name} must be opened once by its owner (the bureau administrator login "
                    "that created or uploaded it) to bring its access rules up to date")
            store._create_file_tables()
            store.secure()  # tables a migration added get their grants and policies
        return store

    def _owns_schema(self):
        return bool(_scalar(self._ds, "SELECT pg_has_role(session_user, n.nspowner, 'MEMBER') FROM pg_namespace n "
                                      f"WHERE n.nspname = {_quote(self.schema)}"))

    def discard(self):
        ds = self._ds
        self._ds = None
        ds.ExecuteSQL(f"DROP SCHEMA IF EXISTS {_ident(self.schema)} CASCADE")
        ds = None

    def uri(self, table):
        geometry = "geom" if table in (schema.PATCHES_LAYER, schema.PHOTOS_LAYER) or table.startswith(
            schema.PATCHES_SOURCE_LAYER) else None
        return layer_uri(self.connection, self.schema, table, geometry)

    # -- what the database enforces ------------------------------------------------------------
    def secure(self):
        """Grants, row-level security, the write functions and the audit triggers of the task
        (idempotent: run by the task's owner after creation and after anything that adds a table)."""
        with self.transaction():
            roles = _scalar(self._ds, "SELECT count(*) FROM pg_roles WHERE rolname IN "
                                      f"('{COUNTY_ROLE}', '{TOWNSHIP_ROLE}', '{REVIEWER_ROLE}')")
            if roles < 3 or not _scalar(self._ds, f"SELECT to_regclass('{ACCOUNTS_TABLE}') IS NOT NULL"):
                self._ds.ExecuteSQL(_roles_sql())  # needs the right to create roles: the first time only
            tables = [row["table_name"] for row in self._query(
                "SELECT table_name FROM information_schema.tables "
                f"WHERE table_schema = {_quote(self.schema)} AND table_type = 'BASE TABLE'")]
            postgis = _scalar(self._ds, "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                                        "ON n.oid = e.extnamespace WHERE e.extname = 'postgis'")
            self._ds.ExecuteSQL(_functions_sql(self.schema, postgis))
            self._ds.ExecuteSQL(_grants_sql(self.schema))
            for table in tables:
                self._ds.ExecuteSQL(_policies_sql(self.schema, table))
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

    def _create_file_tables(self):
        """The photo files (by patch) and case attachment files (by case), made by the task's owner
        (a task from before gets case_files when its owner opens it: BUREAU_VERSION)."""
        for table, owner in ((PHOTO_FILES_TABLE, "jcbh"), (CASE_FILES_TABLE, "case_key")):
            self._ds.ExecuteSQL(f"CREATE TABLE IF NOT EXISTS {_ident(self.schema)}.{table} (fid serial PRIMARY KEY, "
                                f"{owner} text NOT NULL, sha256 text NOT NULL, data bytea NOT NULL, "
                                f"UNIQUE ({owner}, sha256))")

    def _put_kept_file(self, function, owner, sha256, data):
        """Bytes kept for every computer through `function`, which checks the login and the digest."""
        with self.transaction():
            self._call(f"{function}({_quote(owner)}, {_quote(sha256)}, decode('{data.hex()}', 'hex'))")

    def _kept_file(self, table, owner_column, owner, sha256):
        rows = self._query(f"SELECT encode(data, 'hex') AS hex FROM {table} "
                           f"WHERE {owner_column} = {_quote(owner)} AND sha256 = {_quote(sha256)}")
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

    def _call(self, call):
        """SELECT one of the task's lep_* functions; its refusals as messages, not tracebacks."""
        try:
            return _scalar(self._ds, f"SELECT {_ident(self.schema)}.{call}")
        except RuntimeError as exc:
            refusal = database_refusal(exc)
            if refusal is None:
                raise
            raise refusal from exc

    def _lock_verifications(self, jcbhs):
        # Row locks on the patches (every patch has one, a record may not yet) and their records,
        # taken by a function that first checks the login may edit each: a township cannot hold
        # a lock on another township's patch.
        for chunk in _chunks(sorted(jcbhs)):
            self._call(f"lep_lock_patches(ARRAY[{', '.join(_quote(j) for j in chunk)}]::text[])")

    def _save_verification(self, jcbh, row, exists, version):
        values = {k: v for k, v in row.items() if k not in ("version", "updated_at", "updated_by")}
        self._call(f"lep_save_verification({_quote(jcbh)}, {_quote(json.dumps(values, ensure_ascii=False))}::jsonb, "
                   f"{int(version)})")

    def _audit(self, action, entity, jcbh, field_name=None, old=None, new=None, detail=None, channel=None):
        """Through the task's function: the server writes the login's name and the time."""
        values = [action, entity, jcbh, field_name, None if old is None else str(old),
                  None if new is None else str(new), detail, channel]
        self._call(f"lep_audit({', '.join('NULL' if v is None else _quote(v) for v in values)})")

    def _insert_photo(self, row):
        values = {k: v for k, v in row.items() if k != "wkb"}
        wkb = _quote(bytes(row["wkb"]).hex()) if row.get("wkb") else "NULL"
        self._call(f"lep_add_photo({_quote(json.dumps(values, ensure_ascii=False))}::jsonb, {wkb})")

    def submit_review(self, jcbhs, note=None):
        """A township login's submission (待核查 or 退回 → 乡镇已核查): it has no write grant on
        review_states, so the task's function checks the login, state and verdict of each patch and
        writes the state and its audit rows with the server's user and time."""
        for chunk in _chunks(sorted(jcbhs)):
            self._call(f"lep_submit_review(ARRAY[{', '.join(_quote(j) for j in chunk)}]::text[], "
                       f"{'NULL' if note is None else _quote(note)})")

    def _audit_verification(self, jcbh, name, old, new, detail, channel, inserted):
        """The trigger writes it (with the login's name), from the channel set for this transaction."""
        _scalar(self._ds, f"SELECT set_config('lep.channel', {_quote(channel or '')}, true), "
                          f"set_config('lep.detail', {_quote(detail or '')}, true)")


_SQL_TYPES = {"real": "double precision", "int": "integer"}


def database_refusal(exc):
    """A database error from one of the lep_* functions or the row-level security as what the
    user may not do; None for anything else."""
    lines = str(exc).splitlines() or [type(exc).__name__]  # OGR puts the server's ERROR: line second
    text = re.sub(r"^ERROR:\s*", "", redact(next((line for line in lines if line.startswith("ERROR:")), lines[0])))
    message = text.split("lep: ", 1)[1] if "lep: " in text else text
    if "may not" in text:
        return LandEnforcementError(f"此登录无权进行该操作：{message}", message[0].upper() + message[1:])
    if "permission denied" in text or "row-level security" in text:
        return LandEnforcementError(f"此登录无权进行该操作：{message}", f"This login may not do this: {message}")
    if "lock timeout" in text:
        return LandEnforcementError("图斑正被他人保存，等待超时，请稍后重试",
                                    f"Someone else is saving the same patch; waiting timed out, try again ({message})")
    if "no longer at version" in text or "match its SHA-256" in text:
        return LandEnforcementError(f"未保存：{message}", f"Not saved: {message}")
    if "(locked)" in text:
        return LandEnforcementError(f"未保存：核查结果已锁定（县级审核通过或已上报），须县级退回或重新打开后才能修改（{message}）",
                                    f"Not saved: {message}")
    if "cannot be submitted" in text:
        return LandEnforcementError(f"未提交：{message}", f"Not submitted: {message}")
    return None


def _chunks(items, size=1000):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _quote(value):
    return "'" + str(value).replace("'", "''") + "'"


def _ident(name):
    """A quoted SQL identifier (table names come from the database, schema names from a location)."""
    return '"' + str(name).replace('"', '""') + '"'


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


def _grants_sql(schema_name):
    """Everyone reads (row-level security fences townships in); only the county writes tables
    directly, and nobody but the task's owner writes the audit log. Township logins change
    verification records and photos through the lep_* functions only: without table-level
    write privileges they cannot LOCK a table nor SELECT … FOR UPDATE rows."""
    everyone = f"{COUNTY_ROLE}, {TOWNSHIP_ROLE}, {REVIEWER_ROLE}"
    qualified = _ident(schema_name)
    audit = f"{qualified}.{_ident(schema.AUDIT_TABLE)}"
    return f"""
GRANT USAGE ON SCHEMA {qualified} TO {everyone};
REVOKE ALL ON ALL TABLES IN SCHEMA {qualified} FROM {everyone};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA {qualified} FROM {everyone};
GRANT ALL ON ALL TABLES IN SCHEMA {qualified} TO {COUNTY_ROLE};
GRANT ALL ON ALL SEQUENCES IN SCHEMA {qualified} TO {COUNTY_ROLE};
GRANT SELECT ON ALL TABLES IN SCHEMA {qualified} TO {TOWNSHIP_ROLE}, {REVIEWER_ROLE};
REVOKE ALL ON {audit} FROM {COUNTY_ROLE};
GRANT SELECT ON {audit} TO {COUNTY_ROLE};
"""


# The township of the login: session_user, because the functions run as the schema's owner.
_OWN_TOWNSHIP = f"(SELECT a.xzqdm FROM {ACCOUNTS_TABLE} a WHERE a.role_name = session_user)"


def _policies_sql(schema_name, table):
    """County: everything; reviewer: read everything; township: read its own patches' rows (and
    its own people). Townships write nothing directly."""
    qualified = f"{_ident(schema_name)}.{_ident(table)}"
    own = _OWN_TOWNSHIP
    own_patches = (f"SELECT p.jcbh FROM {_ident(schema_name)}.{schema.PATCHES_LAYER} p "
                   f"WHERE p.{schema.TOWNSHIP_CODE.name} = {own}")
    # A patch belongs to the township the overlay placed it in: deliveries carry the county's code.
    if table == schema.PATCHES_LAYER:
        township_rows = f"{schema.TOWNSHIP_CODE.name} = {own}"
    elif table in (schema.PATCH_TOWNSHIPS_TABLE, schema.PEOPLE_TABLE):
        township_rows = f"xzqdm = {own}"
    elif any(re.fullmatch(p.replace("%", ".*"), table) for p in _PATCH_ROWS):
        township_rows = f"jcbh IN ({own_patches})"
    elif table in _CASE_ROWS:  # a case is its patches' townships' (case_patches is fenced by jcbh)
        township_rows = (f"case_key IN (SELECT c.case_key FROM {_ident(schema_name)}.{schema.CASE_PATCHES_TABLE} c "
                         f"WHERE c.jcbh IN ({own_patches}))")
    elif table == schema.AUDIT_TABLE:  # a roster change is about one township's person
        township_rows = (f"jcbh IN ({own_patches}) OR (jcbh IS NULL AND entity IS DISTINCT FROM 'person') "
                         f"OR (entity = 'person' AND {own} IN ({_ident(schema_name)}.lep_json_text(old_value, 'xzqdm'), "
                         f"{_ident(schema_name)}.lep_json_text(new_value, 'xzqdm')))")
    else:
        township_rows = "true"  # task metadata, runs, metrics: shared figures, read-only for townships
    county = f"CREATE POLICY lep_county_all ON {qualified} TO {COUNTY_ROLE} USING (true) WITH CHECK (true);"
    if table == schema.AUDIT_TABLE:
        county = f"CREATE POLICY lep_county_all ON {qualified} FOR SELECT TO {COUNTY_ROLE} USING (true);"
    return f"""
ALTER TABLE {qualified} ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lep_county_all ON {qualified};
{county}
DROP POLICY IF EXISTS lep_reviewer_read ON {qualified};
CREATE POLICY lep_reviewer_read ON {qualified} FOR SELECT TO {REVIEWER_ROLE} USING (true);
DROP POLICY IF EXISTS lep_township_read ON {qualified};
CREATE POLICY lep_township_read ON {qualified} FOR SELECT TO {TOWNSHIP_ROLE} USING ({township_rows});
DROP POLICY IF EXISTS lep_township_insert ON {qualified};
DROP POLICY IF EXISTS lep_township_update ON {qualified};
"""


_SERVER_TIME = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+00:00'"


def _functions_sql(schema_name, postgis_schema):
    """The SECURITY DEFINER functions through which logins write, each checking the login may
    edit the patch and setting user and time itself, and the triggers that keep the audit log
    and the versions (whatever wrote the row)."""
    s = _ident(schema_name)
    gis = _ident(postgis_schema)
    header = f"SECURITY DEFINER SET search_path = {s}, pg_temp"
    fields = ", ".join(f"'{f.name}'" for f in schema.VERIFICATION_FIELDS + (schema.RECHECK,))
    columns = ", ".join(f"'{f.name}'" for f in schema.VERIFICATION_FIELDS)
    may_not = "USING ERRCODE = 'insufficient_privilege'"
    locked = ", ".join(_quote(state.value) for state in schema.REVIEW_LOCKED_STATES)
    submit_from = ", ".join(_quote(state.value) for state in schema.TOWNSHIP_REVIEW_FROM)
    submitted = _quote(schema.ReviewState.SUBMITTED.value)
    return f"""
CREATE OR REPLACE FUNCTION {s}.lep_json_text(value text, key text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN RETURN value::jsonb ->> key; EXCEPTION WHEN others THEN RETURN NULL; END $$;

CREATE OR REPLACE FUNCTION {s}.lep_is_county() RETURNS boolean LANGUAGE sql STABLE {header} AS $$
  SELECT pg_has_role(session_user, '{COUNTY_ROLE}', 'MEMBER')
      OR pg_has_role(session_user, (SELECT n.nspowner FROM pg_namespace n WHERE n.nspname = '{schema_name}'), 'MEMBER')
$$;

CREATE OR REPLACE FUNCTION {s}.lep_may_edit(patch text) RETURNS boolean LANGUAGE sql STABLE {header} AS $$
  SELECT {s}.lep_is_county() OR (pg_has_role(session_user, '{TOWNSHIP_ROLE}', 'MEMBER') AND EXISTS (
    SELECT 1 FROM {s}.patches p WHERE p.jcbh = patch AND p.{schema.TOWNSHIP_CODE.name} = {_OWN_TOWNSHIP}))
$$;

CREATE OR REPLACE FUNCTION {s}.lep_check_may_edit(patches text[]) RETURNS void LANGUAGE plpgsql STABLE {header} AS $$
DECLARE patch text;
BEGIN
  FOREACH patch IN ARRAY patches LOOP
    IF NOT {s}.lep_may_edit(patch) THEN
      RAISE EXCEPTION 'lep: this login (%) may not edit patch %', session_user, patch {may_not};
    END IF;
  END LOOP;
END $$;

-- Row locks, not advisory keys: only on patches the login may edit; a save waits for any other
-- writer of the record (plugin or plain SQL) and then reads what it committed.
CREATE OR REPLACE FUNCTION {s}.lep_lock_patches(patches text[]) RETURNS integer LANGUAGE plpgsql {header} AS $$
BEGIN
  PERFORM {s}.lep_check_may_edit(patches);
  PERFORM 1 FROM {s}.patches p WHERE p.jcbh = ANY(patches) ORDER BY p.jcbh FOR NO KEY UPDATE;
  PERFORM 1 FROM {s}.{schema.VERIFICATIONS_TABLE} v WHERE v.jcbh = ANY(patches) ORDER BY v.jcbh FOR UPDATE;
  RETURN cardinality(patches);
END $$;

CREATE OR REPLACE FUNCTION {s}.lep_save_verification(patch text, vals jsonb, expected integer) RETURNS integer
LANGUAGE plpgsql {header} AS $$
DECLARE assignments text; names text; saved integer; locked text;
BEGIN
  PERFORM {s}.lep_check_may_edit(ARRAY[patch]);
  -- Approved or reported: locked until the county returns or reopens it (values repeated unchanged,
  -- or a re-check mark cleared, change nothing of the verdict).
  SELECT r.state INTO locked FROM {s}.{schema.REVIEW_STATES_TABLE} r WHERE r.jcbh = patch AND r.state IN ({locked});
  IF locked IS NOT NULL AND EXISTS (
      SELECT 1 FROM jsonb_object_keys(vals) k LEFT JOIN {s}.{schema.VERIFICATIONS_TABLE} v ON v.jcbh = patch
      WHERE k = ANY(ARRAY[{columns}]) AND to_jsonb(v) ->> k IS DISTINCT FROM vals ->> k) THEN
    RAISE EXCEPTION 'lep: patch % is % (locked): its record changes only after the county returns or reopens it',
      patch, locked USING ERRCODE = 'check_violation';
  END IF;
  SELECT string_agg(format('%I = r.%I', k, k), ', '), string_agg(format('%I', k), ', ')
    INTO assignments, names FROM jsonb_object_keys(vals) k WHERE k = ANY(ARRAY[{fields}]);
  IF EXISTS (SELECT 1 FROM {s}.{schema.VERIFICATIONS_TABLE} WHERE jcbh = patch) THEN
    EXECUTE format('UPDATE {s}.{schema.VERIFICATIONS_TABLE} v SET %s FROM jsonb_populate_record('
                   'NULL::{s}.{schema.VERIFICATIONS_TABLE}, $1) r WHERE v.jcbh = $2 AND coalesce(v.version, 0) = $3',
                   coalesce(assignments, 'jcbh = v.jcbh')) USING vals, patch, expected;
    GET DIAGNOSTICS saved = ROW_COUNT;
  ELSIF expected = 0 THEN
    EXECUTE format('INSERT INTO {s}.{schema.VERIFICATIONS_TABLE}(jcbh%s) SELECT $2%s FROM jsonb_populate_record('
                   'NULL::{s}.{schema.VERIFICATIONS_TABLE}, $1) r',
                   coalesce(', ' || names, ''), coalesce(', r.' || replace(names, ', ', ', r.'), '')) USING vals, patch;
    saved := 1;
  ELSE
    saved := 0;
  END IF;
  IF saved = 0 THEN
    RAISE EXCEPTION 'lep: the record of patch % is no longer at version %', patch, expected
      USING ERRCODE = 'serialization_failure';
  END IF;
  RETURN saved;
END $$;

CREATE OR REPLACE FUNCTION {s}.lep_audit(action text, entity text, patch text, field text, old_value text,
                                          new_value text, detail text, channel text) RETURNS integer
LANGUAGE plpgsql {header} AS $$
BEGIN
  IF (patch IS NULL AND NOT {s}.lep_is_county()) OR (patch IS NOT NULL AND NOT {s}.lep_may_edit(patch)) THEN
    RAISE EXCEPTION 'lep: this login (%) may not write this audit entry', session_user {may_not};
  END IF;
  INSERT INTO {s}.{schema.AUDIT_TABLE}(ts, user_name, action, entity, jcbh, field, old_value, new_value, channel, detail)
  VALUES ({_SERVER_TIME}, session_user, action, entity, patch, field, old_value, new_value, channel, detail);
  RETURN 1;
END $$;

CREATE OR REPLACE FUNCTION {s}.lep_add_photo(vals jsonb, wkb text) RETURNS integer LANGUAGE plpgsql {header} AS $$
BEGIN
  PERFORM {s}.lep_check_may_edit(ARRAY[vals ->> 'jcbh']);
  INSERT INTO {s}.{schema.PHOTOS_LAYER}(jcbh, file, sha256, taken_at, direction, distance_m, warnings, added_at,
                                        added_by, geom)
  SELECT r.jcbh, r.file, r.sha256, r.taken_at, r.direction, r.distance_m, r.warnings, {_SERVER_TIME}, session_user,
         CASE WHEN wkb IS NULL THEN NULL ELSE {gis}.st_geomfromwkb(decode(wkb, 'hex'),
           {gis}.find_srid('{schema_name}', '{schema.PHOTOS_LAYER}', 'geom')) END
  FROM jsonb_populate_record(NULL::{s}.{schema.PHOTOS_LAYER}, vals) r;
  RETURN 1;
END $$;

CREATE OR REPLACE FUNCTION {s}.lep_put_photo_file(patch text, digest text, data bytea) RETURNS integer
LANGUAGE plpgsql {header} AS $$
BEGIN
  PERFORM {s}.lep_check_may_edit(ARRAY[patch]);
  IF encode(sha256(data), 'hex') <> digest THEN
    RAISE EXCEPTION 'lep: the photo''s bytes do not match its SHA-256 %', digest USING ERRCODE = 'data_exception';
  END IF;
  INSERT INTO {s}.{PHOTO_FILES_TABLE}(jcbh, sha256, data) VALUES (patch, digest, data)
    ON CONFLICT (jcbh, sha256) DO NOTHING;
  RETURN 1;
END $$;

-- Case attachments: cases are the county's (townships read their patches' cases only).
CREATE OR REPLACE FUNCTION {s}.lep_put_case_file(the_case text, digest text, data bytea) RETURNS integer
LANGUAGE plpgsql {header} AS $$
BEGIN
  IF NOT {s}.lep_is_county() THEN
    RAISE EXCEPTION 'lep: this login (%) may not write case attachments', session_user {may_not};
  END IF;
  IF NOT EXISTS (SELECT 1 FROM {s}.{schema.CASES_TABLE} c WHERE c.case_key = the_case) THEN
    RAISE EXCEPTION 'lep: no case %', the_case USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF encode(sha256(data), 'hex') <> digest THEN
    RAISE EXCEPTION 'lep: the attachment''s bytes do not match its SHA-256 %', digest USING ERRCODE = 'data_exception';
  END IF;
  INSERT INTO {s}.{CASE_FILES_TABLE}(case_key, sha256, data) VALUES (the_case, digest, data)
    ON CONFLICT (case_key, sha256) DO NOTHING;
  RETURN 1;
END $$;

-- Review and return: a township submits its verified patches (the county writes review_states
-- directly: approving, returning, reporting, reopening are its alone).
CREATE OR REPLACE FUNCTION {s}.lep_submit_review(patches text[], note text) RETURNS integer
LANGUAGE plpgsql {header} AS $$
DECLARE patch text; current text;
BEGIN
  PERFORM {s}.lep_check_may_edit(patches);
  FOREACH patch IN ARRAY patches LOOP
    current := NULL;
    SELECT r.state INTO current FROM {s}.{schema.REVIEW_STATES_TABLE} r WHERE r.jcbh = patch FOR UPDATE;
    current := coalesce(current, {_quote(schema.ReviewState.PENDING.value)});
    IF current NOT IN ({submit_from}) THEN
      RAISE EXCEPTION 'lep: patch % is %: it cannot be submitted', patch, current USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM {s}.{schema.VERIFICATIONS_TABLE} v
                   WHERE v.jcbh = patch AND coalesce(v.{schema.V_VERDICT.name}, '') <> '') THEN
      RAISE EXCEPTION 'lep: patch % has no verdict yet and cannot be submitted', patch USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO {s}.{schema.REVIEW_STATES_TABLE}(jcbh, state, submitted_by, submitted_at)
    VALUES (patch, {submitted}, session_user, {_SERVER_TIME})
    ON CONFLICT (jcbh) DO UPDATE SET state = excluded.state, submitted_by = excluded.submitted_by,
                                     submitted_at = excluded.submitted_at;
    INSERT INTO {s}.{schema.AUDIT_TABLE}(ts, user_name, action, entity, jcbh, field, old_value, new_value, detail)
    VALUES ({_SERVER_TIME}, session_user, 'review', 'review_state', patch, 'state', current, {submitted},
            'submit' || coalesce(': ' || nullif(note, ''), ''));
  END LOOP;
  RETURN cardinality(patches);
END $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {s} FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {s}.lep_json_text(text, text), {s}.lep_is_county(), {s}.lep_may_edit(text),
  {s}.lep_check_may_edit(text[]) TO {COUNTY_ROLE}, {TOWNSHIP_ROLE}, {REVIEWER_ROLE};
GRANT EXECUTE ON FUNCTION {s}.lep_lock_patches(text[]), {s}.lep_save_verification(text, jsonb, integer),
  {s}.lep_audit(text, text, text, text, text, text, text, text), {s}.lep_add_photo(jsonb, text),
  {s}.lep_put_photo_file(text, text, bytea), {s}.lep_put_case_file(text, text, bytea),
  {s}.lep_submit_review(text[], text) TO {COUNTY_ROLE}, {TOWNSHIP_ROLE}, {REVIEWER_ROLE};

-- Verification records: the version and who/when are the server's; every changed field is audited.
CREATE OR REPLACE FUNCTION {s}.lep_audit_verification() RETURNS trigger LANGUAGE plpgsql {header} AS $$
DECLARE
  col text; old_value text; new_value text;
  channel text := nullif(current_setting('lep.channel', true), '');
  detail text := nullif(current_setting('lep.detail', true), '');
BEGIN
  NEW.version := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE coalesce(OLD.version, 0) + 1 END;
  NEW.updated_by := session_user;
  NEW.updated_at := {_SERVER_TIME};
  FOREACH col IN ARRAY ARRAY[{columns}] LOOP
    IF TG_OP = 'UPDATE' THEN EXECUTE format('SELECT ($1).%I::text', col) INTO old_value USING OLD; END IF;
    EXECUTE format('SELECT ($1).%I::text', col) INTO new_value USING NEW;
    IF old_value IS DISTINCT FROM new_value THEN
      INSERT INTO {s}.{schema.AUDIT_TABLE}(ts, user_name, action, entity, jcbh, field, old_value, new_value, channel, detail)
      VALUES ({_SERVER_TIME}, session_user, lower(TG_OP), 'verification', NEW.jcbh, col, old_value, new_value,
              coalesce(channel, 'database'), detail);
    END IF;
    old_value := NULL;
  END LOOP;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS lep_audit_verification ON {s}.{schema.VERIFICATIONS_TABLE};
CREATE TRIGGER lep_audit_verification BEFORE INSERT OR UPDATE ON {s}.{schema.VERIFICATIONS_TABLE}
  FOR EACH ROW EXECUTE FUNCTION {s}.lep_audit_verification();

-- Photos and their bytes: a photo added, changed or removed, and bytes replaced or removed, leave
-- a row (bytes are checked against their SHA-256 on the way in and on the way out).
CREATE OR REPLACE FUNCTION {s}.lep_audit_photo() RETURNS trigger LANGUAGE plpgsql {header} AS $$
DECLARE
  before text; after text;
  patch text := CASE WHEN TG_OP = 'DELETE' THEN OLD.jcbh ELSE NEW.jcbh END;
BEGIN
  IF TG_TABLE_NAME = '{PHOTO_FILES_TABLE}' THEN  -- the bytes by their hash, not the bytes
    IF TG_OP <> 'INSERT' THEN before := OLD.sha256 || ' data:' || encode(sha256(OLD.data), 'hex'); END IF;
    IF TG_OP <> 'DELETE' THEN after := NEW.sha256 || ' data:' || encode(sha256(NEW.data), 'hex'); END IF;
  ELSIF TG_OP = 'INSERT' THEN
    after := NEW.file;
  ELSE
    before := (to_jsonb(OLD) - 'geom')::text;
    IF TG_OP = 'UPDATE' THEN after := (to_jsonb(NEW) - 'geom')::text; END IF;
  END IF;
  INSERT INTO {s}.{schema.AUDIT_TABLE}(ts, user_name, action, entity, jcbh, field, old_value, new_value, channel)
  VALUES ({_SERVER_TIME}, session_user, lower(TG_OP), CASE WHEN TG_TABLE_NAME = '{PHOTO_FILES_TABLE}'
          THEN 'photo_file' ELSE 'photo' END, patch, CASE WHEN TG_TABLE_NAME = '{PHOTO_FILES_TABLE}' THEN 'data'
          ELSE 'file' END, before, after, coalesce(nullif(current_setting('lep.channel', true), ''), 'database'));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS lep_audit_photo ON {s}.{schema.PHOTOS_LAYER};
CREATE TRIGGER lep_audit_photo AFTER INSERT OR UPDATE OR DELETE ON {s}.{schema.PHOTOS_LAYER}
  FOR EACH ROW EXECUTE FUNCTION {s}.lep_audit_photo();
DROP TRIGGER IF EXISTS lep_audit_photo_file ON {s}.{PHOTO_FILES_TABLE};
CREATE TRIGGER lep_audit_photo_file AFTER UPDATE OR DELETE ON {s}.{PHOTO_FILES_TABLE}
  FOR EACH ROW EXECUTE FUNCTION {s}.lep_audit_photo();

-- Case attachment bytes replaced or removed leave a row too (by their hash, not the bytes).
CREATE OR REPLACE FUNCTION {s}.lep_audit_case_file() RETURNS trigger LANGUAGE plpgsql {header} AS $$
DECLARE after text;
BEGIN
  IF TG_OP = 'UPDATE' THEN after := NEW.sha256 || ' data:' || encode(sha256(NEW.data), 'hex'); END IF;
  INSERT INTO {s}.{schema.AUDIT_TABLE}(ts, user_name, action, entity, jcbh, field, old_value, new_value, channel)
  VALUES ({_SERVER_TIME}, session_user, lower(TG_OP), 'case_file', NULL, OLD.case_key || '/data',
          OLD.sha256 || ' data:' || encode(sha256(OLD.data), 'hex'), after,
          coalesce(nullif(current_setting('lep.channel', true), ''), 'database'));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS lep_audit_case_file ON {s}.{CASE_FILES_TABLE};
CREATE TRIGGER lep_audit_case_file AFTER UPDATE OR DELETE ON {s}.{CASE_FILES_TABLE}
  FOR EACH ROW EXECUTE FUNCTION {s}.lep_audit_case_file();
"""


def task_files_folder(location):
    """Where a PostGIS task keeps its files (photo copies) on this computer: one folder per task
    under the user's home."""
    connection, schema_name = parse_location(location)
    return os.path.join(os.path.expanduser("~"), "land_enforcement_tasks",
                        re.sub(r"[^0-9A-Za-z_-]", "_", connection) + "_" + schema_name)



def set_up_roles(connection, county=(), townships=None, reviewers=(), admins=()):
    """Create the group roles and the township mapping (once per database), and grant logins:
    county staff, township staff ({login: township XZQDM}), reviewers, and bureau administrators
    (`admins`: may create task schemas in the database — they create and upload tasks and own
    them — without being superusers). Logins that do not exist yet are created without a password
    (set one with psql's \\password, or use certificates / pg_hba); nothing here ever handles a
    password."""
    townships = townships or {}
    ds = _open(connection)
    try:
        ds.StartTransaction(force=True)
        ds.ExecuteSQL(_roles_sql())
        for group, logins in ((COUNTY_ROLE, county), (TOWNSHIP_ROLE, townships), (REVIEWER_ROLE, reviewers),
                              (None, admins)):
            for login in logins:
                if not _SCHEMA_NAME.match(login):
                    raise LandEnforcementError(f"登录名只能用小写字母、数字、下划线：{login}",
                                               f"Logins may only use lower-case letters, digits, underscores: {login}")
                ds.ExecuteSQL(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{login}') "
                              f"THEN CREATE ROLE {login} LOGIN; END IF; END $$")
                if group is None:
                    ds.ExecuteSQL(f"DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO {login}', "
                                  "current_database()); END $$")
                    ds.ExecuteSQL(f"GRANT SELECT ON {ACCOUNTS_TABLE} TO {login}")  # its tasks' checks read it
                else:
                    ds.ExecuteSQL(f"GRANT {group} TO {login}")
        for login, xzqdm in townships.items():
            ds.ExecuteSQL(f"INSERT INTO {ACCOUNTS_TABLE}(role_name, xzqdm) VALUES ({_quote(login)}, {_quote(xzqdm)}) "
                          "ON CONFLICT (role_name) DO UPDATE SET xzqdm = excluded.xzqdm")
        ds.CommitTransaction()
    finally:
        ds = None


def upload_task(gpkg_path, location, feedback=None):
    """Copy a GeoPackage task (every table, its history, its photo copies and case attachments)
    into a new PostGIS task. The GeoPackage is left as it is; a failed or cancelled upload leaves no schema behind."""
    import shutil

    from osgeo import ogr

    from ..review import cases
    from ..imagery import registry as imagery
    from ..review.photos import photo_folder, photo_path
    from . import GeoPackageTaskStore

    source = GeoPackageTaskStore.open(gpkg_path)
    try:
        meta = source.meta()
        target = PostgisTaskStore.create(location, meta["working_crs"], meta.get("county_code", ""),
                                         meta.get("county_name", ""))
        try:
            names = [source._ds.GetLayer(i).GetName() for i in range(source._ds.GetLayerCount())]
            names = [name for name in names if name != schema.META_TABLE]
            for name in names:  # a table name reaches SQL: only the task's own tables are copied
                if target._ds.GetLayerByName(name) is None and not re.fullmatch(
                        rf"{schema.PATCHES_SOURCE_LAYER}_(\d+|custom)", name):
                    raise LandEnforcementError(f"任务库中有插件不会建立的表“{name}”，未上传",
                                               f"The task holds a table the plugin never makes ('{name}'); "
                                               "nothing was uploaded")
            total = max(sum(source._ds.GetLayerByName(name).GetFeatureCount() for name in names), 1)
            copied, every = 0, max(1, min(500, total // 200))  # about 200 steps: a big county takes a while
            # Rows come with their fids: COPY (in this thread only), far faster than INSERT row by row.
            gdal.SetThreadLocalConfigOption("PG_USE_COPY", "YES")
            with target.transaction():
                # The copied audit log already holds the history; the trigger must not add to it.
                for table in _TRIGGERED:
                    target._ds.ExecuteSQL(f"ALTER TABLE {table} DISABLE TRIGGER USER")
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
                    qualified = f"{_ident(target.schema)}.{_ident(into.GetName())}"
                    target._ds.ExecuteSQL(f"SELECT setval(pg_get_serial_sequence({_quote(qualified)}, 'fid'), "
                                          f"greatest((SELECT max(fid) FROM {qualified}), 1))")
                kept = {k: v for k, v in meta.items() if k not in ("schema_version", "bureau_version")}
                if meta.get(imagery.META_KEY):  # imagery stays where it is: point at it, not beside the task
                    kept[imagery.META_KEY] = json.dumps([imagery.resolved(gpkg_path, entry) for entry in
                                                         json.loads(meta[imagery.META_KEY])], ensure_ascii=False)
                target._write_meta(kept)
                for table in _TRIGGERED:
                    target._ds.ExecuteSQL(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                target.secure()
        except BaseException:
            target.discard()
            raise
        finally:
            gdal.SetThreadLocalConfigOption("PG_USE_COPY", None)
        target.close()
    finally:
        source.close()
    for folder in (photo_folder, cases.folder):
        if os.path.isdir(folder(gpkg_path)):
            shutil.copytree(folder(gpkg_path), folder(location), dirs_exist_ok=True)
    store = PostgisTaskStore.open(location)
    try:  # the photos and case attachments themselves, for colleagues on other computers
        for row in store.photos():
            path = photo_path(location, row["file"])
            if os.path.exists(path):
                with open(path, "rb") as f:
                    store.put_photo_file(row["jcbh"], row["sha256"], f.read())
        for row in store.case_attachments():
            path = cases.attachment_path(location, row["file"])
            if os.path.exists(path):
                with open(path, "rb") as f:
                    store.put_case_file(row["case_key"], row["sha256"], f.read())
    finally:
        store.close()
    if feedback is not None:
        feedback.setProgress(100)
    return location
