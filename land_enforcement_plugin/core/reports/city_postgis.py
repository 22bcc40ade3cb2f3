"""The city roll-up (市级汇总) on a city database that keeps every county task in its own schema:
the patches and the overlay's township parts merged into a city schema (partitioned by county task)
and the conflicts found in SQL; the figures by the same function as for packages (city.city_rows),
over the county's exact township split."""
from collections import defaultdict

from osgeo import gdal, ogr

from .. import schema
from ..errors import LandEnforcementError
from ..messages import cancelled
from ..store.postgis import PostgisTaskStore, list_tasks
from ..store.postgis_connection import conninfo, location_for, parse_location
from ..store.sql import sql_text
from .city import (
    AREA_NAMES,
    CITY_ROW_NAME,
    CONFLICTS_TABLE,
    COUNTIES_LAYER,
    COUNTY_LEVEL,
    DUPLICATE_JCBH,
    FACT_NAMES,
    METRICS_TABLE,
    MIN_OVERLAP_M2,
    OVERLAP,
    RECORD_NAMES,
    ROW_FIELDS,
    SAME_COUNTY,
    CitySummary,
    Conflict,
    CountyPackage,
    city_code_of,
    city_crs,
    city_rows,
    patch_facts,
)

_CITY_MARK = "city_meta"  # the table that makes a schema a city schema (and so replaceable)


def _database(connection, city_schema):
    try:
        # OGR lists only the city schema's tables: listing every county's after each statement is slow.
        return gdal.OpenEx("PG:" + conninfo(connection), gdal.OF_VECTOR | gdal.OF_UPDATE,
                           allowed_drivers=["PostgreSQL"], open_options=[f"SCHEMAS={city_schema}"])
    except RuntimeError as exc:
        raise LandEnforcementError(f"无法连接 PostGIS 数据库（{connection}）",
                                   f"Cannot connect to the PostGIS database ({connection})") from exc


def _select(ds, sql):
    result = ds.ExecuteSQL(sql)
    try:
        names = list(enumerate(result.GetLayerDefn().GetFieldDefn(i).GetName()
                               for i in range(result.GetLayerDefn().GetFieldCount())))
        return [{name: feature.GetField(index) for index, name in names} for feature in result]
    finally:
        ds.ReleaseResultSet(result)


def _srid(crs):
    authority, _, code = crs.partition(":")
    if authority.upper() != "EPSG" or not code.isdigit():
        raise LandEnforcementError(f"任务坐标系不是 EPSG 代码：{crs}", f"The task CRS is not an EPSG code: {crs}")
    return int(code)


def _county_tasks(ds, connection, schemas):
    """(schema, meta) of the given task schemas, or of every task schema of the database."""
    schemas = schemas or [name for name, _, _ in list_tasks(connection)]
    tasks = []
    for name in schemas:
        with PostgisTaskStore.open(location_for(connection, name)) as store:
            tasks.append((name, store.meta()))
    return tasks


def _city_sql(city_schema, tasks, srid):
    """The statements that build the city schema: patches and township parts partitioned by county
    task, with a GiST index; the counties' extents; the conflicts, found by the database."""
    areas = ", ".join(f"{name} double precision" for name in AREA_NAMES)
    records = ", ".join(f"{name} text" for name in RECORD_NAMES + FACT_NAMES)
    statements = [
        f"CREATE SCHEMA {city_schema}",
        f"CREATE TABLE {city_schema}.{_CITY_MARK} (key text PRIMARY KEY, value text)",
        f"CREATE TABLE {city_schema}.patches (task_schema text NOT NULL, county_code text, county_name text, "
        f"jcbh text, township_code text, township_name text, {areas}, {records}, "
        f"geom geometry(MultiPolygon, {srid})) PARTITION BY LIST (task_schema)",
        f"CREATE TABLE {city_schema}.township_parts (task_schema text NOT NULL, county_code text, jcbh text, "
        f"xzqdm text, xzqmc text, {areas}) PARTITION BY LIST (task_schema)",
    ]
    area_columns = ", ".join(AREA_NAMES)
    record_columns = ", ".join([f"v.{name}" for name in RECORD_NAMES] + [f"p.{name}" for name in FACT_NAMES])
    patch_areas = ", ".join(f"p.{name}" for name in AREA_NAMES)
    for task_schema, meta in tasks:
        code, name = sql_text(meta.get("county_code", "")), sql_text(meta.get("county_name", ""))
        statements += [
            f"CREATE TABLE {city_schema}.patches_{task_schema} PARTITION OF {city_schema}.patches "
            f"FOR VALUES IN ('{task_schema}')",
            f"CREATE TABLE {city_schema}.parts_{task_schema} PARTITION OF {city_schema}.township_parts "
            f"FOR VALUES IN ('{task_schema}')",
            f"INSERT INTO {city_schema}.patches SELECT '{task_schema}', {code}, {name}, p.jcbh, "
            f"p.{schema.TOWNSHIP_CODE.name}, p.{schema.TOWNSHIP_NAME.name}, {patch_areas}, {record_columns}, "
            f"ST_Multi(ST_Transform(p.geom, {srid})) FROM {task_schema}.{schema.PATCHES_LAYER} p "
            f"LEFT JOIN {task_schema}.{schema.VERIFICATIONS_TABLE} v ON v.jcbh = p.jcbh",
            f"INSERT INTO {city_schema}.township_parts SELECT '{task_schema}', {code}, jcbh, xzqdm, xzqmc, "
            f"{area_columns} FROM {task_schema}.{schema.PATCH_TOWNSHIPS_TABLE}",
        ]
    statements += [
        f"CREATE INDEX ON {city_schema}.patches USING gist (geom)",
        f"CREATE INDEX ON {city_schema}.patches (jcbh)",
        f"ANALYZE {city_schema}.patches",
        f"CREATE TABLE {city_schema}.{COUNTIES_LAYER} AS SELECT county_code, "
        f"ST_ConvexHull(ST_Collect(geom))::geometry(Geometry, {srid}) AS geom "
        f"FROM {city_schema}.patches GROUP BY county_code",
        f"CREATE TABLE {city_schema}.{CONFLICTS_TABLE} (kind text, county_a text, jcbh_a text, county_b text, "
        f"jcbh_b text, area_m2 double precision)",
        f"INSERT INTO {city_schema}.{CONFLICTS_TABLE} SELECT '{DUPLICATE_JCBH}', a.county_code, a.jcbh, "
        f"b.county_code, b.jcbh, NULL FROM {city_schema}.patches a JOIN {city_schema}.patches b "
        f"ON a.jcbh = b.jcbh AND a.task_schema < b.task_schema",
        f"INSERT INTO {city_schema}.{CONFLICTS_TABLE} SELECT '{SAME_COUNTY}', a.county_code, a.task_schema, "
        f"b.county_code, b.task_schema, NULL FROM (SELECT DISTINCT task_schema, county_code FROM "
        f"{city_schema}.patches) a JOIN (SELECT DISTINCT task_schema, county_code FROM {city_schema}.patches) b "
        f"ON a.county_code = b.county_code AND a.task_schema < b.task_schema",
        # Only patches inside another county's extent probe that county's partition (its GiST
        # index, &&): a county meets its neighbours along a border, not everywhere.
        f"INSERT INTO {city_schema}.{CONFLICTS_TABLE} SELECT * FROM (SELECT '{OVERLAP}', a.county_code, a.jcbh, "
        f"b.county_code, b.jcbh, ST_Area(ST_Intersection(a.geom, b.geom)) AS area FROM {city_schema}.patches a "
        f"JOIN (SELECT task_schema, county_code, ST_Extent(geom)::geometry AS box FROM {city_schema}.patches "
        f"GROUP BY task_schema, county_code) e ON e.county_code > a.county_code AND a.geom && e.box "
        f"JOIN {city_schema}.patches b ON b.task_schema = e.task_schema AND b.geom && a.geom "
        f"AND ST_Intersects(a.geom, b.geom)) o WHERE o.area >= {MIN_OVERLAP_M2}",
    ]
    return statements


def summarise_postgis(city_location, schemas=None, thresholds=None, city_name=CITY_ROW_NAME, feedback=None):
    """The city roll-up of the county tasks kept in one PostGIS database (every task schema, or
    `schemas`), written into the city schema of `city_location` (pg:<connection>/<schema>, replaced
    when it is already a city schema, refused when it is anything else). The database merges the
    patches and the overlay's township parts (partitioned by county task) and finds the conflicts;
    the figures come from metrics.compute_metrics over the merged rows (the county's exact township
    split here). Returns the CitySummary (no patches in memory)."""
    thresholds = thresholds or schema.Thresholds()
    connection, city_schema = parse_location(city_location)
    ds = _database(connection, city_schema)
    try:
        tasks = [(name, meta) for name, meta in _county_tasks(ds, connection, schemas) if name != city_schema]
        if not tasks:
            raise LandEnforcementError("数据库中没有县级任务可汇总", "No county tasks in the database to summarise")
        existing = _select(ds, "SELECT (SELECT count(*) FROM information_schema.schemata WHERE schema_name = "
                               f"'{city_schema}') AS schemas, (SELECT count(*) FROM information_schema.tables WHERE "
                               f"table_schema = '{city_schema}' AND table_name = '{_CITY_MARK}') AS marks")[0]
        if existing["schemas"] and not existing["marks"]:
            raise LandEnforcementError(f"模式 {city_schema} 已存在且不是市级汇总模式，未覆盖",
                                       f"The schema {city_schema} exists and is not a city summary; not replaced")
        crs = city_crs([CountyPackage("", "", "", meta.get("working_crs", ""), "", False, []) for _, meta in tasks])
        ds.StartTransaction()
        try:
            if existing["schemas"]:
                ds.ExecuteSQL(f"DROP SCHEMA {city_schema} CASCADE")
            statements = _city_sql(city_schema, tasks, _srid(crs))
            for number, statement in enumerate(statements):
                if feedback is not None:
                    if feedback.isCanceled():
                        raise cancelled("市级汇总", "City summary").error()
                    feedback.setProgress(70.0 * number / len(statements))
                ds.ExecuteSQL(statement)
            parts = defaultdict(list)
            for part in _select(ds, f"SELECT * FROM {city_schema}.township_parts"):
                parts[part.pop("task_schema")].append(part)
            records, facts = defaultdict(dict), defaultdict(dict)
            for row in _select(ds, f"SELECT task_schema, jcbh, {', '.join(RECORD_NAMES + FACT_NAMES)} "
                                   f"FROM {city_schema}.patches"):
                records[row["task_schema"]][row["jcbh"]] = {n: row[n] for n in RECORD_NAMES if row[n] is not None}
                facts[row["task_schema"]][row["jcbh"]] = patch_facts(row, lambda jcbh: jcbh)
            if feedback is not None:
                feedback.setProgress(80)
            seen, inputs = set(), []
            for task_schema, meta in tasks:  # a county delivered twice counts once (a conflict says so)
                if meta.get("county_code", "") not in seen:
                    seen.add(meta.get("county_code", ""))
                    inputs.append((meta.get("county_code", ""), meta.get("county_name", ""), parts[task_schema],
                                   records[task_schema], facts[task_schema]))
            city_code = city_code_of([meta.get("county_code", "") for _, meta in tasks])
            rows = city_rows(inputs, thresholds, city_code, city_name)
            _write_pg_rows(ds, city_schema, rows, crs, city_location)
            conflicts = [Conflict(r["kind"], r["county_a"], r["jcbh_a"], r["county_b"], r["jcbh_b"], r["area_m2"])
                         for r in _select(ds, f"SELECT * FROM {city_schema}.{CONFLICTS_TABLE} "
                                              "ORDER BY kind, county_a, jcbh_a, county_b, jcbh_b")]
            ds.CommitTransaction()
        except BaseException:
            ds.RollbackTransaction()
            raise
    finally:
        ds = None
    if feedback is not None:
        feedback.setProgress(100)
    counties = [CountyPackage(f"{city_location.rpartition('/')[0]}/{name}", meta.get("county_code", ""),
                              meta.get("county_name", ""), meta.get("working_crs", ""), meta.get("batches", ""),
                              False, []) for name, meta in tasks]
    return CitySummary(counties, [], rows, conflicts, thresholds, crs, city_code)


def _write_pg_rows(ds, city_schema, rows, crs, city_location):
    kinds = {ogr.OFTInteger: "integer", ogr.OFTReal: "double precision", ogr.OFTString: "text"}
    ds.ExecuteSQL(f"CREATE TABLE {city_schema}.{METRICS_TABLE} (fid serial PRIMARY KEY, "
                  + ", ".join(f"{name} {kinds[kind]}" for name, kind in ROW_FIELDS) + ")")
    names = [name for name, _ in ROW_FIELDS]
    values = ", ".join("(" + ", ".join(sql_text(row.get(name)) for name in names) + ")" for row in rows)
    ds.ExecuteSQL(f"INSERT INTO {city_schema}.{METRICS_TABLE} ({', '.join(names)}) VALUES {values}")
    ds.ExecuteSQL(f"ALTER TABLE {city_schema}.{COUNTIES_LAYER} ADD COLUMN rank integer, "
                  "ADD COLUMN unlawful_cultivated_ratio double precision")
    ds.ExecuteSQL(f"UPDATE {city_schema}.{COUNTIES_LAYER} c SET rank = m.rank, unlawful_cultivated_ratio = "
                  f"m.unlawful_cultivated_ratio FROM {city_schema}.{METRICS_TABLE} m "
                  f"WHERE m.level = '{COUNTY_LEVEL}' AND m.county_code = c.county_code")
    ds.ExecuteSQL(f"INSERT INTO {city_schema}.{_CITY_MARK} VALUES ('crs', {sql_text(crs)}), "
                  f"('location', {sql_text(city_location)})")
