"""Office comparison inside PostGIS, for a PostGIS task whose red lines live in the same database.

The local engine (engine_local.compute_overlay) reads every red-line feature near a patch
into QGIS; here the database does the geometry instead, with its GiST indexes, and only numbers
come back. The steps are those of the local engine, one SQL statement each, and the results the
same to well under 0.01 m² a patch (the local engine unions the small parcels near a patch before
clipping them once; here each feature is clipped first):

- per layer, the features whose box meets a patch (the layer's own index, with the patches'
  boxes taken into the layer's CRS), filtered by the layer's subset string and, for a full
  land-use layer, by DLBM; reprojected to the working CRS (ST_Transform);
- invalid ones repaired (ST_MakeValid, polygonal part only) and reported as the local engine does;
- each clipped to the patches it meets (whole when one holds the other), and the pieces unioned
  per patch (ST_Union), so that overlapping polygons never count twice; collapsed polygons left
  by an overlay dropped (they mislead later overlays);
- general cultivated land = cultivated minus permanent basic farmland; the pieces of all
  approval layers unioned together; the patch split by township (pieces of a township unioned per code);
- areas: ellipsoidal = ST_Area(ST_Transform(g, 4490)::geography, true), the geodesic area on
  the CGCS2000 ellipsoid (GeographicLib); planar = ST_Area in the working CRS.

What stays in Python is the local engine's own code (engine_local.patch_overlay, prejudge.prejudge): the
remainder outside every township going to the largest part, the sums and the pre-judgement.

Everything runs in one transaction on the task's own connection, in work tables dropped before
it ends: unlogged tables in the task's schema when the login may create tables there (PostgreSQL
then spreads the heavy statements over parallel workers), else temporary tables. Nothing in the
task or the red-line tables is written. run.py uses this engine only when the task is in
PostGIS and every red-line layer is a PostGIS layer of the same database (database_sources says
why not otherwise), and falls back to the local engine when the database refuses.
"""
import configparser
import os
import re

from qgis.core import QgsDataSourceUri
from qgis.PyQt.QtCore import QMetaType

from .. import schema
from ..ellipsoid import AreaMode
from ..errors import LandEnforcementError
from ..messages import NO_TOWNSHIPS_LAYER
from ..store.postgis import PostgisTaskStore
from ..store.postgis_connection import qgis_connection_uri
from ..store.sql import sql_ident, sql_quote
from .engine_local import (
    find_field,
    input_layers,
    label_fields,
    patch_overlay,
    required_township_code_field,
)
from .matching import RedLineRepair
from .shapes import COLLAPSED

ENGINE_LOCAL = "local"
ENGINE_POSTGIS = "postgis"
_GEOGRAPHIC_SRID = 4490  # CGCS2000 geographic: the ellipsoid of the official areas
_AREA_NAMES = ("cultivated_m2", "pbf_m2", "eco_m2", "approved_m2", "general_cultivated_m2", "nature_reserve_m2",
               "pbf_or_reserve_m2")
# Margin (working CRS units, metres) around a patch's box when it is taken into a layer's CRS:
# a box's edges bend a little in another projection, and a feature just inside must not be missed.
_BOX_MARGIN = 1.0


class _Cancelled(Exception):
    pass


def _epsg(authid):
    """The EPSG code of 'EPSG:4548', else None."""
    prefix, _, code = str(authid or "").partition(":")
    return int(code) if prefix.upper() == "EPSG" and code.isdigit() else None


# -- is the database engine usable? -------------------------------------------------------------------
def _service_file_entry(name):
    """The parameters of a libpq service (PGSERVICEFILE or ~/.pg_service.conf, then the system
    file), or {} when it is in none of them."""
    files = [os.environ.get("PGSERVICEFILE") or os.path.expanduser("~/.pg_service.conf"),
             os.path.join(os.environ.get("PGSYSCONFDIR") or "/etc/postgresql-common", "pg_service.conf")]
    for path in files:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (OSError, configparser.Error):
            continue
        if parser.has_section(name):
            return dict(parser.items(name))
    return {}


def _endpoint(uri):
    """(host, port, dbname) a QgsDataSourceUri connects to, its service filling what it leaves out
    (no host: the local server, taken as 'localhost')."""
    service = _service_file_entry(uri.service()) if uri.service() else {}
    host = uri.host() or service.get("host") or "localhost"
    port = uri.port() or service.get("port") or "5432"
    return host, str(port), uri.database() or service.get("dbname") or ""


def same_database(task_uri, layer_uri):
    """Whether two QgsDataSourceUri reach the same database: by service name when both name one
    (and neither names another host, port or database), else by host, port and database."""
    if task_uri.service() and layer_uri.service():
        if task_uri.service() != layer_uri.service():
            return False
        return all(not a or not b or a == b for a, b in ((task_uri.host(), layer_uri.host()),
                                                          (task_uri.port(), layer_uri.port()),
                                                          (task_uri.database(), layer_uri.database())))
    task_end, layer_end = _endpoint(task_uri), _endpoint(layer_uri)
    return bool(task_end[2]) and task_end == layer_end


def _task_uri(store):
    if store.connection.startswith("service="):
        return QgsDataSourceUri(store.connection)
    return qgis_connection_uri(store.connection) or QgsDataSourceUri()


class _Source:
    """One red-line layer as the SQL sees it: table, geometry column, key, SRID, subset."""

    def __init__(self, role, layer, table, geometry, key, srid):
        self.role = role
        self.layer = layer
        self.name = layer.name()
        self.table = table  # SQL: "schema"."table" or a query layer's (SELECT ...)
        self.geometry = geometry
        self.key = key
        self.srid = srid
        self.subset = layer.subsetString().strip()


def _geometry_srid(store, uri):
    """The SRID registered for the layer's geometry column (0 or None: unknown)."""
    if uri.srid().isdigit():
        return int(uri.srid())
    rows = store.query(
        "SELECT srid FROM geometry_columns WHERE f_table_schema = "
        f"{sql_quote(uri.schema() or 'public')} AND f_table_name = {sql_quote(uri.table())} "
        f"AND f_geometry_column = {sql_quote(uri.geometryColumn())}")
    return rows[0]["srid"] if rows else None


def _source(store, task_uri, role, layer):
    """A _Source for the layer, or the reason (zh, en) it cannot be read in the database."""
    name = layer.name()
    if layer.providerType() != "postgres":
        return None, (f"图层“{name}”不是 PostGIS 图层", f"the layer '{name}' is not a PostGIS layer")
    uri = QgsDataSourceUri(layer.source())
    if not same_database(task_uri, uri):
        return None, (f"图层“{name}”不在任务所在的数据库中", f"the layer '{name}' is not in the task's database")
    if not uri.geometryColumn():
        return None, (f"图层“{name}”没有几何字段", f"the layer '{name}' has no geometry column")
    keys = [k.strip().strip('"') for k in uri.keyColumn().split(",") if k.strip()]
    if not keys:
        keys = [layer.fields().at(i).name() for i in layer.dataProvider().pkAttributeIndexes()]
    index = layer.fields().indexOf(keys[0]) if len(keys) == 1 else -1
    if index < 0 or layer.fields().at(index).type() not in (QMetaType.Type.Int, QMetaType.Type.LongLong):
        return None, (f"图层“{name}”没有整数主键", f"the layer '{name}' has no integer primary key")
    table = uri.table()
    if table.startswith("("):
        sql_table = table
    else:
        sql_table = (f"{sql_ident(uri.schema())}." if uri.schema() else "") + sql_ident(table)
    srid = _geometry_srid(store, uri)
    if not srid or _epsg(layer.crs().authid()) != srid:
        return None, (f"图层“{name}”的坐标系与其 SRID 不一致", f"the CRS of the layer '{name}' is not its SRID")
    return _Source(role, layer, sql_table, sql_ident(uri.geometryColumn()), sql_ident(keys[0]), srid), None


def database_sources(store, inputs):
    """([_Source], None) when the overlay can run inside the database: the task is in PostGIS and
    every red-line layer is a PostGIS layer of the same database; else (None, (zh, en) reason)."""
    if not isinstance(store, PostgisTaskStore):
        return None, ("任务库不是 PostGIS", "the task is not in PostGIS")
    if _epsg(store.meta().get("working_crs")) is None:
        return None, ("工作坐标系不是 EPSG 代码", "the working CRS is not an EPSG code")
    if inputs.villages is not None:  # the SQL steps do not split by village
        return None, ("给了村界图层（数据库内计算不含村）",
                      "a village layer is given (the database engine has no villages)")
    task_uri = _task_uri(store)
    sources = []
    for role, layer in input_layers(inputs):
        source, reason = _source(store, task_uri, role, layer)
        if reason is not None:
            return None, reason
        sources.append(source)
    return sources, None


# -- the overlay in SQL ------------------------------------------------------------------------------
class _Sql:
    """The statements of one run, on the task's connection, inside its transaction.

    Work tables are written `lep_ov_<name>`. When the login may create tables in the task's schema
    they are unlogged tables there (named after the backend, dropped before the transaction ends,
    invisible to anyone else until then), so that PostgreSQL can spread the heavy statements over
    parallel workers; otherwise temporary tables (which parallel workers cannot read)."""

    def __init__(self, store, area_mode, working_srid):
        self.store = store
        self.working = working_srid
        self.planar = area_mode is AreaMode.PLANAR
        self.created = []
        self.prefix = "lep_ov_"
        self.kind = "TEMP"

    def begin(self):
        self.run("SET LOCAL jit = off")  # compiling costs more than it saves on these statements
        row = self.store.query(f"SELECT pg_backend_pid() AS pid, has_schema_privilege("
                               f"{sql_quote(self.store.schema)}, 'CREATE') AS may_create")[0]
        if row["may_create"]:
            self.prefix = f"{sql_ident(self.store.schema)}.lep_ov_{row['pid']}_"
            self.kind = "UNLOGGED"

    def finish(self):
        if self.created:
            self.run(f"DROP TABLE IF EXISTS {', '.join(self.created)}")
        self.created = []

    def _names(self, sql):
        return re.sub(r"\blep_ov_(\w+)", lambda m: self.prefix + m.group(1), sql)

    def run(self, sql):
        self.store.execute(self._names(sql))

    def query(self, sql):
        return self.store.query(self._names(sql))

    def table(self, name, select, index=None):
        """A work table from a SELECT (heavy work belongs here: a cursor never runs in parallel)."""
        self.create(name, f"AS {select}")
        if index:
            self.run(f"CREATE INDEX ON lep_ov_{name} USING gist ({index})")
        self.run(f"ANALYZE lep_ov_{name}")

    def create(self, name, definition):
        """CREATE TABLE lep_ov_<name> <definition> ('AS SELECT ...' or '(columns)')."""
        table = f"lep_ov_{name}"
        self.created.append(table)
        drop = " ON COMMIT DROP" if self.kind == "TEMP" else ""
        if definition.startswith("AS "):
            self.run(f"CREATE {self.kind} TABLE {table}{drop} {definition}")
        else:
            self.run(f"CREATE {self.kind} TABLE {table} {definition}{drop}")

    def area(self, expression):
        if self.planar:
            return f"coalesce(ST_Area({expression}), 0)"
        return f"coalesce(ST_Area(ST_Transform({expression}, {_GEOGRAPHIC_SRID})::geography, true), 0)"


def _solid(expression):
    """The polygonal part of an overlay's result without its collapsed polygons, as the local
    engine's engine_local.polygonal (GEOS can leave them, and they mislead later overlays)."""
    return (f"(SELECT ST_Multi(ST_Collect(d.geom)) FROM ST_Dump(ST_CollectionExtract({expression}, 3)) d "
            f"WHERE ST_Area(d.geom) > {COLLAPSED} * ST_Perimeter(d.geom) ^ 2)")


def _merged(pieces):
    """A union expression over the aggregated pieces (`n` of them, array `gs`): one piece is kept
    as it is, several are unioned (polygonal part), as the local engine does."""
    return f"CASE WHEN {pieces}.n = 1 THEN {pieces}.gs[1] ELSE {_solid(f'ST_Union({pieces}.gs)')} END"


def _label_name(column, layer_name):
    """The second value of a feature's label: its own, or the layer's name when empty (as _label)."""
    return f"CASE WHEN coalesce({column}, '') = '' THEN {sql_quote(layer_name)} ELSE {column} END"


def _attribute(field):
    return f"l.{sql_ident(field)}::text" if field else "NULL::text"


def _read_layer(sql, number, source, inputs):
    """The layer's features near the patches, in the working CRS, repaired; their pieces per patch.
    Returns the repairs."""
    attributes, accept = (tuple(label_fields(source.role, source.layer)) + (None, None))[:2], ""
    if source.role == "cultivated":
        dlbm = find_field(source.layer, schema.DLBM_FIELDS)
        if dlbm is not None:  # a full land-use layer: only cultivated codes count
            codes = ", ".join(sql_quote(c) for c in inputs.cultivated_codes) or "NULL"
            accept = f" AND l.{sql_ident(dlbm)}::text IN ({codes})"
    subset = f" AND ({source.subset})" if source.subset else ""
    # The features near a patch first (the layer's index, once per patch), then those read whole.
    sql.table(f"near{number}", f"SELECT DISTINCT c.{source.key} AS id FROM lep_ov_patch p JOIN {source.table} AS c "
                               f"ON c.{source.geometry} && ST_Transform(ST_Expand(ST_Envelope(p.geom), {_BOX_MARGIN}), "
                               f"{source.srid})")
    sql.table(f"f{number}",
              f"SELECT l.{source.key} AS feature_id, {_attribute(attributes[0])} AS a0, "
              f"{_attribute(attributes[1])} AS a1, "
              f"ST_Transform(l.{source.geometry}, {sql.working}) AS g FROM lep_ov_near{number} n "
              f"JOIN {source.table} AS l ON l.{source.key} = n.id WHERE l.{source.geometry} IS NOT NULL "
              f"AND NOT ST_IsEmpty(l.{source.geometry}){accept}{subset}")
    # Repaired when its box meets a patch's, as the local engine does (before any exact test).
    sql.table(f"r{number}",
              f"SELECT f.feature_id, ST_Area(f.g) AS area_before, ST_CollectionExtract(ST_MakeValid(f.g), 3) AS g "
              f"FROM lep_ov_f{number} f WHERE NOT (ST_IsValidDetail(f.g)).valid "
              f"AND EXISTS (SELECT 1 FROM lep_ov_patch p WHERE p.geom && f.g)")
    sql.run(f"UPDATE lep_ov_f{number} f SET g = r.g FROM lep_ov_r{number} r WHERE f.feature_id = r.feature_id")
    repairs = [RedLineRepair(source.name, int(r["feature_id"]), float(r["area_before"]), float(r["area_after"]))
               for r in sql.query(f"SELECT feature_id, area_before, ST_Area(g) AS area_after "
                                  f"FROM lep_ov_r{number} ORDER BY feature_id")]
    sql.table(f"piece{number}",
              "SELECT jcbh, feature_id, a0, a1, g FROM (SELECT p.jcbh, f.feature_id, f.a0, f.a1, "
              "CASE WHEN ST_Contains(p.geom, f.g) THEN f.g WHEN ST_Contains(f.g, p.geom) THEN p.geom "
              f"ELSE {_solid('ST_Intersection(p.geom, f.g)')} END AS g "
              f"FROM lep_ov_f{number} f JOIN lep_ov_patch p ON p.geom && f.g AND ST_Intersects(p.geom, f.g) "
              "OFFSET 0) x WHERE NOT ST_IsEmpty(g)")  # OFFSET 0: the clip is computed once, not again in the filter
    return repairs


def _union_per_patch(sql, name, numbers):
    """lep_ov_<name>(jcbh, g): the union per patch of the pieces of the given layers."""
    if not numbers:
        sql.table(name, "SELECT NULL::text AS jcbh, NULL::geometry AS g LIMIT 0")
        return
    pieces = " UNION ALL ".join(f"SELECT jcbh, {n} AS layer, feature_id, g FROM lep_ov_piece{n}" for n in numbers)
    sql.table(name, f"SELECT pieces.jcbh, {_merged('pieces')} AS g FROM (SELECT jcbh, count(*) AS n, "
                    f"array_agg(g ORDER BY layer, feature_id) AS gs FROM ({pieces}) x GROUP BY jcbh) pieces")


def _check(feedback, step, steps):
    if feedback is None:
        return
    if feedback.isCanceled():
        raise _Cancelled()
    feedback.setProgress(100.0 * step / steps)


def overlay_in_database(store, inputs, stale_jcbhs, feedback=None, sources=None):
    """The overlay of the patches `stale_jcbhs` of a PostGIS task, computed in its database.

    The same ([PatchOverlay], [RedLineRepair]) as compute_overlay, results in the order of
    stale_jcbhs. Raises LandEnforcementError when the layers cannot be read there
    (database_sources says why); returns ([], repairs so far) when cancelled."""
    if inputs.townships is None:
        raise NO_TOWNSHIPS_LAYER.error()
    if sources is None:
        sources, reason = database_sources(store, inputs)
        if reason is not None:
            raise LandEnforcementError(f"无法在数据库中计算：{reason[0]}", f"Cannot run in the database: {reason[1]}")
    required_township_code_field(inputs.townships)
    stale_jcbhs = list(stale_jcbhs)
    if not stale_jcbhs:
        return [], []
    sql = _Sql(store, inputs.area_mode, _epsg(store.meta()["working_crs"]))
    repairs = []
    steps = len(sources) + 4
    try:
        with store.transaction():
            sql.begin()
            measured = _measure(sql, store, inputs, sources, stale_jcbhs, repairs, feedback, steps)
            sql.finish()
    except _Cancelled:
        return [], repairs
    whole, labels, parts, approvals = measured
    missing = [jcbh for jcbh in stale_jcbhs if jcbh not in whole]
    if missing:
        raise LandEnforcementError(f"数据库中读不到 {len(missing)} 个图斑（如 {missing[0]}）",
                                   f"{len(missing)} patches cannot be read in the database (e.g. {missing[0]})")
    results = []
    for jcbh in stale_jcbhs:
        results.append(patch_overlay(jcbh, whole[jcbh], sorted(labels.get(jcbh, ())),
                                     lambda label, jcbh=jcbh: parts[(jcbh, *label)],
                                     sorted(approvals.get(jcbh, ())), inputs))
    return results, repairs


def _measure(sql, store, inputs, sources, stale_jcbhs, repairs, feedback, steps):
    """The SQL steps; returns whole areas, township labels, part areas and approval labels per patch."""
    total = store.query(f"SELECT count(*) AS n FROM {store.schema}.{schema.PATCHES_LAYER}")[0]["n"]
    patches = f"{store.schema}.{schema.PATCHES_LAYER}"
    if len(set(stale_jcbhs)) == total:
        sql.table("patch", f"SELECT jcbh, geom FROM {patches}", index="geom")
    else:
        sql.create("stale", "(jcbh text PRIMARY KEY)")
        for start in range(0, len(stale_jcbhs), 1000):
            values = ", ".join(f"({sql_quote(j)})" for j in stale_jcbhs[start:start + 1000])
            sql.run(f"INSERT INTO lep_ov_stale VALUES {values} ON CONFLICT DO NOTHING")
        sql.table("patch", f"SELECT p.jcbh, p.geom FROM {patches} p JOIN lep_ov_stale s ON s.jcbh = p.jcbh",
                  index="geom")
    _check(feedback, 1, steps)
    numbers = {}
    for number, source in enumerate(sources):
        repairs += _read_layer(sql, number, source, inputs)
        numbers.setdefault(source.role.rstrip("0123456789"), []).append(number)
        _check(feedback, 2 + number, steps)

    _union_per_patch(sql, "cultivated", numbers.get("cultivated", []))
    _union_per_patch(sql, "pbf", numbers.get("pbf", []))
    _union_per_patch(sql, "eco", numbers.get("eco", []))
    _union_per_patch(sql, "reserve", numbers.get("reserve", []))
    # The approvals: the pieces of every approval layer unioned at once (as the local engine).
    approval_numbers = numbers.get("approval", [])
    _union_per_patch(sql, "approved", approval_numbers)
    sql.table("layers",
              "SELECT p.jcbh, p.geom, c.g AS cultivated_m2, b.g AS pbf_m2, e.g AS eco_m2, a.g AS approved_m2, "
              f"CASE WHEN c.g IS NOT NULL AND b.g IS NOT NULL THEN {_solid('ST_Difference(c.g, b.g)')} "
              "ELSE c.g END AS general_cultivated_m2, r.g AS nature_reserve_m2, "
              # Farmland and reserve as one area, land in both counted once (as the local engine).
              f"CASE WHEN b.g IS NOT NULL AND r.g IS NOT NULL THEN {_solid('ST_Union(b.g, r.g)')} "
              "ELSE coalesce(b.g, r.g) END AS pbf_or_reserve_m2 FROM lep_ov_patch p "
              "LEFT JOIN lep_ov_cultivated c ON c.jcbh = p.jcbh LEFT JOIN lep_ov_pbf b ON b.jcbh = p.jcbh "
              "LEFT JOIN lep_ov_eco e ON e.jcbh = p.jcbh LEFT JOIN lep_ov_approved a ON a.jcbh = p.jcbh "
              "LEFT JOIN lep_ov_reserve r ON r.jcbh = p.jcbh")
    _check(feedback, len(sources) + 2, steps)

    areas = ", ".join(f"{sql.area(name)} AS {name}" for name in _AREA_NAMES)
    sql.table("whole", f"SELECT jcbh, {sql.area('geom')} AS area_m2, {areas} FROM lep_ov_layers")
    whole = {}
    for row in sql.query("SELECT * FROM lep_ov_whole"):
        jcbh = row.pop("jcbh")
        whole[jcbh] = {key: float(value) for key, value in row.items()}

    # The township split: the pieces of each township (by its label) unioned per patch.
    townships = sources[0]
    labels, parts = {}, {}
    sql.table("tpart",
              f"SELECT t.jcbh, t.code, t.name, {_merged('t')} AS g FROM (SELECT jcbh, coalesce(a0, '') AS code, "
              f"{_label_name('a1', townships.name)} AS name, count(*) AS n, array_agg(g ORDER BY feature_id) AS gs "
              "FROM lep_ov_piece0 GROUP BY 1, 2, 3) t")
    for row in sql.query("SELECT jcbh, code, name FROM lep_ov_tpart"):
        labels.setdefault(row["jcbh"], []).append((row["code"], row["name"]))
    _check(feedback, len(sources) + 3, steps)
    split = ", ".join(f"{sql.area(f'ST_CollectionExtract(ST_Intersection(l.{name}, t.g), 3)')} AS {name}"
                      for name in _AREA_NAMES)
    sql.table("split", f"SELECT t.jcbh, t.code, t.name, {sql.area('t.g')} AS area_m2, {split} "
                       "FROM lep_ov_tpart t JOIN lep_ov_layers l ON l.jcbh = t.jcbh WHERE t.jcbh IN "
                       "(SELECT jcbh FROM lep_ov_tpart GROUP BY jcbh HAVING count(*) > 1)")
    for row in sql.query("SELECT * FROM lep_ov_split"):
        key = (row.pop("jcbh"), row.pop("code"), row.pop("name"))
        parts[key] = {name: float(value) for name, value in row.items()}

    approvals = {}
    if approval_numbers:
        labelled = " UNION ".join(
            f"SELECT jcbh, coalesce(a0, '') AS number, {_label_name('a1', sources[n].name)} AS kind "
            f"FROM lep_ov_piece{n}" for n in approval_numbers)
        for row in sql.query(labelled):
            approvals.setdefault(row["jcbh"], set()).add((row["number"], row["kind"]))
    _check(feedback, steps, steps)
    return whole, labels, parts, approvals
