"""Where a PostGIS task is and how to reach it, without ever writing a password down.

A location reads pg:<connection>/<schema>, where <connection> is `service=<name>` (a libpq
service, passwords in ~/.pgpass or the service file) or the name of a PostgreSQL connection saved
in QGIS (its authentication configuration is resolved at run time). A password in a location is
refused, and passwords are never written into layer sources, projects or messages. A server on
another computer is asked for a verified TLS connection (sslmode=verify-full) unless the
connection says otherwise.
"""
import configparser
import os
import re

from osgeo import gdal

from ..errors import LandEnforcementError

POSTGIS_PREFIX = "pg:"
# A schema or login name the plugin writes into SQL unquoted: lower-case letters, digits, underscores.
PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def is_postgis(location):
    return str(location).startswith(POSTGIS_PREFIX)


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
    if not connection or not PLAIN_NAME.match(schema_name):
        raise LandEnforcementError(
            f"PostGIS 任务位置应为 pg:<连接>/<模式名>（模式名为小写字母、数字、下划线）：{location}",
            f"A PostGIS task location reads pg:<connection>/<schema> (schema: lower-case letters, digits, "
            f"underscores): {location}")
    return connection, schema_name


def location_for(connection, schema_name):
    return f"{POSTGIS_PREFIX}{connection}/{schema_name}"


def qgis_connection_uri(name):
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
    uri = qgis_connection_uri(connection)
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
        uri = qgis_connection_uri(connection) or QgsDataSourceUri()
        uri.setPassword("")
    uri.setDataSource(schema_name, table, geometry_column, "", "fid")
    return uri.uri(False)


def open_database(connection, schema_name=None):
    """A GDAL dataset of the database (its task schema active when given), open for update."""
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
                f"无法与 PostGIS 数据库（{connection}）建立经验证的加密连接（sslmode=verify-full）：{first_line(exc)}。"
                "服务器需配置 TLS 证书，本机需有签发它的根证书（~/.postgresql/root.crt），见 README“局里的共享数据库”；"
                "仅在可信内网中才可在服务文件中写 sslmode=require 或 disable",
                f"Cannot open a verified encrypted connection (sslmode=verify-full) to the PostGIS database "
                f"({connection}): {first_line(exc)}. The server needs a TLS certificate and this computer the root "
                "certificate that signed it (~/.postgresql/root.crt); see the README's bureau-mode section. Only on "
                "a trusted network set sslmode=require or disable in the service file") from exc
        raise LandEnforcementError(f"无法连接 PostGIS 数据库（{connection}）：{first_line(exc)}",
                                   f"Cannot connect to the PostGIS database ({connection}): {first_line(exc)}") from exc


_PASSWORD = re.compile(r"""(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|"[^"]*"?|\S*)""")
_URI_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def redact(text):
    """`text` with every password in it (key=value quoted or not, or in a URI) replaced by ***."""
    return _URI_PASSWORD.sub(r"\1***@", _PASSWORD.sub(r"\1***", text))


def first_line(exc):
    """The first line of an error, any password in it replaced: what a message may show."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return redact(text)


def scalar(ds, sql):
    """The first value of the first row of a SELECT, or None."""
    result = ds.ExecuteSQL(sql)
    try:
        feature = result.GetNextFeature()
        return feature.GetField(0) if feature is not None else None
    finally:
        ds.ReleaseResultSet(result)
