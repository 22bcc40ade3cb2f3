"""The overlay inside PostGIS (core/postgis_overlay.py) against the local engine: the demo county's
red lines uploaded into the test database give the same areas, township split, suggestions and
metrics as the GeoPackage task computed locally; red lines outside the database fall back to the
local engine; the hand-built case (overlaps, DLBM filter, another CRS, an invalid red line, a
patch across three townships) gives its exact answers in SQL too."""
import os
import re

import psycopg2
import pytest
import test_overlay
from osgeo import gdal
from qgis.core import QgsDataSourceUri, QgsVectorLayer, QgsVectorLayerExporter

from demodata.county import APPROVAL_LAYERS
from demodata.season import redline_inputs
from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.ellipsoid import AreaMode
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay import engine_sql as postgis_overlay
from land_enforcement_plugin.core.overlay import run as overlay_run
from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs, compute_overlay
from land_enforcement_plugin.core.overlay.engine_sql import (
    ENGINE_LOCAL,
    ENGINE_POSTGIS,
    database_sources,
    overlay_in_database,
    same_database,
)
from land_enforcement_plugin.core.overlay.run import run_overlay, task_patches
from land_enforcement_plugin.core.review import verification
from land_enforcement_plugin.core.season import metrics
from land_enforcement_plugin.core.season.transfer import upload_task
from land_enforcement_plugin.core.store import GeoPackageTaskStore, open_task
from land_enforcement_plugin.core.store.postgis_security import COUNTY_ROLE, set_up_roles
from land_enforcement_plugin.core.vector_input import detect_shapefile_encoding

SERVICE = "service=lep_test"
REDLINES = "redlines"
LAYERS = ("townships", "cultivated", "pbf", "eco_redline") + tuple(name for name, _ in APPROVAL_LAYERS)
TOLERANCE_M2 = 0.01
hand_task = test_overlay.hand_task  # the hand-built GeoPackage task (a fixture)


def _execute(pg_cluster, sql):
    with psycopg2.connect(pg_cluster.conninfo()) as connection, connection.cursor() as cursor:
        cursor.execute(sql)


def pg_layer(table, schema_name=REDLINES, name=None):
    """A QGIS 'postgres' layer of a table, connected through the test service."""
    uri = QgsDataSourceUri()
    uri.setConnection("lep_test", "", "", "")
    uri.setDataSource(schema_name, table, "geom", "", "fid")
    layer = QgsVectorLayer(uri.uri(False), name or table, "postgres")
    assert layer.isValid(), table
    return layer


def database_inputs(**settings):
    """OverlayInputs over the demo red lines uploaded into the test database."""
    return OverlayInputs(pg_layer("townships"), pg_layer("cultivated"), pg_layer("pbf"), pg_layer("eco_redline"),
                         [pg_layer(name) for name, _ in APPROVAL_LAYERS], **settings)


@pytest.fixture(scope="module")
def redlines_in_db(pg_cluster, season):
    """The demo county's red lines as tables of the schema 'redlines' (GiST-indexed, fid kept)."""
    _execute(pg_cluster, f"CREATE SCHEMA IF NOT EXISTS {REDLINES}")
    # As a bureau loads delivered shapefiles: each read in its own encoding (GBK without .cpg, mostly).
    for name in LAYERS:
        shp = os.path.join(season["redlines"], f"{name}.shp")
        source = gdal.OpenEx(shp, gdal.OF_VECTOR, open_options=[f"ENCODING={detect_shapefile_encoding(shp).encoding}"])
        gdal.VectorTranslate(f"PG:{SERVICE} active_schema={REDLINES}", source, format="PostgreSQL",
                             options=["-preserve_fid", "-overwrite", "-nlt", "PROMOTE_TO_MULTI"],
                             layerCreationOptions=["GEOMETRY_NAME=geom", "FID=fid", "SPATIAL_INDEX=GIST"])
    _execute(pg_cluster, "ANALYZE")
    return REDLINES


def _record_table_kinds(patch):
    """The kind of work tables (UNLOGGED in the task's schema, or TEMP) of each database run."""
    kinds = []
    begin = postgis_overlay._Sql.begin

    def recorded(self):
        begin(self)
        kinds.append(self.kind)

    patch.setattr(postgis_overlay._Sql, "begin", recorded)
    return kinds


@pytest.fixture(scope="module")
def sql_task(pg_cluster, season, redlines_in_db):
    """The season's patches in a PostGIS task, overlaid in the database (the local engine is made
    to fail, so a silent fallback could not pass), then the township sheet's verdicts."""
    location = f"pg:{SERVICE}/sql_overlay_2024"
    import_patches(location, ImportOptions(season["patches"]))

    def no_local_engine(*args, **kwargs):
        raise AssertionError("the local engine ran")

    inputs = database_inputs()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(overlay_run, "compute_overlay", no_local_engine)
            kinds = _record_table_kinds(patch)
            run = run_overlay(location, inputs)
    finally:
        del inputs  # postgres-backed layers must not outlive the fixture
    verification.import_spreadsheet(location, season["verification_xlsx"], accept_partial=True)
    return {"location": location, "run": run, "table_kinds": kinds}


def _by_jcbh(store):
    return {values["jcbh"]: values for values, _ in store.export_patches()}


def _numbers_blanked(text):
    return re.sub(r"\d+\.\d+", "#", text or "")


def test_the_overlay_runs_in_the_database(sql_task, pg_cluster):
    run = sql_task["run"]
    assert (run.engine, run.engine_note, run.recomputed, run.reused) == (ENGINE_POSTGIS, None, 120, 0)
    assert sql_task["table_kinds"] == ["UNLOGGED"]  # the superuser may create tables: parallel workers help
    assert any("PostGIS" in line for line in run.lines())
    with psycopg2.connect(pg_cluster.conninfo()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'lep_ov%'")
        assert cursor.fetchone()[0] == 0  # no work table left behind
    with open_task(sql_task["location"]) as store:
        assert store.last_overlay_layers()["engine"] == ENGINE_POSTGIS
        assert all("password" not in uri for uri in store.last_overlay_layers()["approvals"])


def test_database_results_equal_the_local_engine(sql_task, season):
    """Every area of every patch within 0.01 m² (ellipsoidal: ST_Area of geography on the CGCS2000
    ellipsoid against QgsDistanceArea), the same suggestions and the same township split."""
    pg, gpkg = open_task(sql_task["location"]), GeoPackageTaskStore.open(season["task"])
    try:
        ours, theirs = _by_jcbh(pg), _by_jcbh(gpkg)
        assert set(ours) == set(theirs) and len(ours) == 120
        worst = 0.0
        for jcbh, expected in theirs.items():
            for spec in schema.OVERLAY_AREA_FIELDS:
                worst = max(worst, abs(ours[jcbh][spec.name] - expected[spec.name]))
            for name in (schema.SUGGESTED_VERDICT.name, schema.SUGGESTED_APPROVAL.name, schema.PRIORITY.name):
                assert ours[jcbh][name] == expected[name], (jcbh, name)
            assert (_numbers_blanked(ours[jcbh][schema.SUGGESTION_REASONS.name])
                    == _numbers_blanked(expected[schema.SUGGESTION_REASONS.name])), jcbh
            assert ours[jcbh][schema.OVERLAY_FINGERPRINT.name] != expected[schema.OVERLAY_FINGERPRINT.name]
        assert worst < TOLERANCE_M2
        assert sum(v["cultivated_m2"] for v in ours.values()) > 100000  # not vacuous
        assert sum(1 for v in ours.values() if v["suggested_verdict"]) >= 3
        assert sum(1 for v in ours.values() if v["high_priority"]) >= 3

        def parts(store):
            return {(p["jcbh"], p["xzqdm"], p["xzqmc"]): p for p in store.township_parts()}

        our_parts, their_parts = parts(pg), parts(gpkg)
        assert set(our_parts) == set(their_parts) and len(our_parts) > 120  # some patches straddle
        for key, expected in their_parts.items():
            for spec in schema.OVERLAY_AREA_FIELDS:
                assert our_parts[key][spec.name] == pytest.approx(expected[spec.name], abs=TOLERANCE_M2), key
    finally:
        pg.close()
        gpkg.close()


def test_metrics_equal_the_local_ones(sql_task, season):
    pg, gpkg = open_task(sql_task["location"]), GeoPackageTaskStore.open(season["task"])
    try:
        ours = metrics.township_metrics(pg)
        # With the same facts of each patch (batches and repeats, image dates, photos: issue 16); this
        # task has no photos attached.
        theirs = metrics.compute_metrics(gpkg.township_parts(), gpkg.verifications(), "370323",
                                         facts=metrics.patch_facts(pg))
        assert [row["xzqdm"] for row in ours.rows] == [row["xzqdm"] for row in theirs.rows]
        for mine, expected in zip(ours.rows, theirs.rows):
            assert mine == pytest.approx(expected, abs=1e-6)
        assert [f["jcbhs"] for f in ours.flagged_patches] == [f["jcbhs"] for f in theirs.flagged_patches]
        for mine, expected in zip(ours.flagged_patches, theirs.flagged_patches):
            figures = {k for k, v in expected.items() if isinstance(v, float)}
            assert {k: mine[k] for k in figures} == pytest.approx({k: expected[k] for k in figures}, abs=1e-6)
            assert {k: v for k, v in mine.items() if k not in figures} == {
                k: v for k, v in expected.items() if k not in figures}
        assert ours.rows[-1]["unlawful_count"] > 0
    finally:
        pg.close()
        gpkg.close()


def test_some_stale_patches_and_planar_areas(sql_task, season):
    """Only the patches asked for, in their order; planar areas equal the local engine's planar ones."""
    patches, crs = task_patches(season["task"])
    chosen = [jcbh for jcbh, _ in patches][::7][::-1]
    planar = redline_inputs(season["redlines"])
    planar.area_mode = AreaMode.PLANAR
    local, _ = compute_overlay([p for p in patches if p[0] in set(chosen)], crs, overlay_run.detached_inputs(planar))
    local = {result.jcbh: result for result in local}
    store = open_task(sql_task["location"])
    inputs = database_inputs(area_mode=AreaMode.PLANAR)
    try:
        results, repairs = overlay_in_database(store, inputs, chosen)
    finally:
        del inputs
        store.close()
    assert [result.jcbh for result in results] == chosen and repairs == []
    for result in results:
        expected = local[result.jcbh]
        assert result.areas == pytest.approx(expected.areas, abs=TOLERANCE_M2)
        assert [(p["xzqdm"], p["xzqmc"]) for p in result.townships] == [(p["xzqdm"], p["xzqmc"])
                                                                         for p in expected.townships]
        assert (result.suggested_verdict, result.suggested_approval_no, result.high_priority) == (
            expected.suggested_verdict, expected.suggested_approval_no, expected.high_priority)


def test_a_login_without_create_on_the_schema_works_in_temporary_tables(sql_task, pg_cluster, monkeypatch):
    """County staff may not create tables in the task's schema: the work tables are then temporary."""
    set_up_roles(SERVICE, county=["sql_county"])
    _execute(pg_cluster, f"GRANT USAGE ON SCHEMA {REDLINES} TO {COUNTY_ROLE}; "
                         f"GRANT SELECT ON ALL TABLES IN SCHEMA {REDLINES} TO {COUNTY_ROLE}")
    kinds = _record_table_kinds(monkeypatch)
    store = open_task(sql_task["location"].replace(SERVICE, f"{SERVICE} user=sql_county"))
    inputs = database_inputs()
    try:
        expected = _by_jcbh(store)
        chosen = sorted(expected)[:30]
        results, _ = overlay_in_database(store, inputs, chosen)
    finally:
        del inputs
        store.close()
    assert kinds == ["TEMP"] and len(results) == 30
    for result in results:
        for spec in schema.OVERLAY_AREA_FIELDS:
            assert result.areas[spec.name] == pytest.approx(expected[result.jcbh][spec.name], abs=1e-6)


def test_a_red_line_outside_the_database_falls_back_to_the_local_engine(pg_cluster, season, redlines_in_db):
    location = f"pg:{SERVICE}/sql_overlay_fallback"
    import_patches(location, ImportOptions(season["patches"]))
    inputs = database_inputs()
    inputs.cultivated = QgsVectorLayer(f"{season['redlines']}|layername=cultivated", "cultivated", "ogr")
    try:
        with open_task(location) as store:
            sources, reason = database_sources(store, inputs)
        run = run_overlay(location, inputs)
    finally:
        del inputs
    assert sources is None and "cultivated" in reason[1]
    assert run.engine == ENGINE_LOCAL and "cultivated" in run.engine_note[1] and run.recomputed == 120
    assert any("computed locally" in line for line in run.lines())
    pg, gpkg = open_task(location), GeoPackageTaskStore.open(season["task"])
    try:
        assert pg.last_overlay_layers()["engine"] == ENGINE_LOCAL
        ours, theirs = _by_jcbh(pg), _by_jcbh(gpkg)
        for jcbh, expected in theirs.items():
            for spec in schema.OVERLAY_AREA_FIELDS:
                assert ours[jcbh][spec.name] == pytest.approx(expected[spec.name], abs=1e-6)
    finally:
        pg.close()
        gpkg.close()


def test_a_database_that_refuses_falls_back_to_the_local_engine(pg_cluster, season, redlines_in_db, monkeypatch):
    def refused(*args, **kwargs):
        raise RuntimeError("ERROR:  permission denied for table cultivated\nmore")

    monkeypatch.setattr(overlay_run, "overlay_in_database", refused)
    location = f"pg:{SERVICE}/sql_overlay_refused"
    import_patches(location, ImportOptions(season["patches"]))
    inputs = database_inputs()
    try:
        run = run_overlay(location, inputs)
    finally:
        del inputs
    assert run.engine == ENGINE_LOCAL and run.recomputed == 120
    assert run.engine_note[1] == "the database could not compute it (ERROR:  permission denied for table cultivated)"


def test_a_geopackage_task_never_uses_the_database(season):
    with GeoPackageTaskStore.open(season["task"]) as store:
        assert database_sources(store, OverlayInputs(None))[0] is None


def _export(layer, table, schema_name):
    uri = QgsDataSourceUri()
    uri.setConnection("lep_test", "", "", "")
    uri.setDataSource(schema_name, table, "geom", "", "fid")
    error, message = QgsVectorLayerExporter.exportLayer(layer, uri.uri(False), "postgres", layer.crs())
    assert error == QgsVectorLayerExporter.NoError, message


def test_hand_built_case_in_the_database(hand_task, pg_cluster):
    """Overlapping cultivated polygons counted once, forest left out by DLBM, farmland and an invalid
    (bow-tie) ecological red line in the zone-prefixed CRS, a patch across three townships."""
    _execute(pg_cluster, "DROP SCHEMA IF EXISTS hand CASCADE; CREATE SCHEMA hand")
    local = test_overlay.hand_built_inputs()
    try:
        for name, layer in (("townships", local.townships), ("cultivated", local.cultivated),
                            ("pbf", local.permanent_farmland), ("eco", local.eco_redline), ("nzy", local.approvals[0])):
            _export(layer, name, "hand")
    finally:
        del local
    location = upload_task(hand_task, f"pg:{SERVICE}/hand_sql")
    inputs = OverlayInputs(pg_layer("townships", "hand"), pg_layer("cultivated", "hand"), pg_layer("pbf", "hand"),
                           pg_layer("eco", "hand"), [pg_layer("nzy", "hand")], AreaMode.PLANAR)
    try:
        run = run_overlay(location, inputs)
        again = run_overlay(location, inputs)
    finally:
        del inputs
    assert run.engine == ENGINE_POSTGIS and (run.recomputed, run.reused) == (3, 0)
    assert (again.recomputed, again.reused) == (0, 3)
    assert [(r.layer, r.feature_id, r.area_after) for r in run.repairs] == [("eco", 1, pytest.approx(20000))]
    with open_task(location) as store:
        patches = _by_jcbh(store)
        parts = {(p["jcbh"], p["xzqmc"]): p for p in store.township_parts()}
    expected = {"area_m2": 10000, "cultivated_m2": 9100, "pbf_m2": 2500, "general_cultivated_m2": 6600,
                "eco_m2": 5000, "approved_m2": 10000}
    assert {k: patches["P1"][k] for k in expected} == pytest.approx(expected)
    assert (patches["P2"]["area_m2"], patches["P2"]["cultivated_m2"]) == pytest.approx((800, 800))
    assert (patches["P3"]["area_m2"], patches["P3"]["cultivated_m2"]) == pytest.approx((200, 200))
    assert patches["P1"]["suggested_approval_no"] == "鲁政土字〔2023〕7号" and patches["P1"]["high_priority"] == 1
    assert {k: parts[("P1", k)]["cultivated_m2"] for k in ("甲镇", "乙镇", "丙镇")} == pytest.approx(
        {"甲镇": 2500, "乙镇": 2500, "丙镇": 4100})


def test_same_database_compares_services_or_endpoints(pg_cluster):
    def uri(text):
        return QgsDataSourceUri(text)

    assert same_database(uri("service=lep_test"), uri("service='lep_test' table=\"a\".\"b\" (geom)"))
    assert not same_database(uri("service=lep_test"), uri("service='other' table=\"a\".\"b\" (geom)"))
    assert not same_database(uri("service=lep_test dbname=lep"), uri("service=lep_test dbname=elsewhere"))
    # A service against host/port/dbname: the service file says where the service points.
    direct = f"host={pg_cluster.host} port={pg_cluster.port} dbname=lep table=\"a\".\"b\" (geom)"
    assert same_database(uri("service=lep_test"), uri(direct))
    assert not same_database(uri("service=lep_test"), uri(direct.replace("dbname=lep", "dbname=other")))
    assert not same_database(uri("service=lep_test"), uri(direct.replace(str(pg_cluster.port), "1")))


def test_evidence_sheets_draw_red_lines_that_live_in_the_database(sql_task, tmp_path):
    from qgis.core import QgsProject

    from land_enforcement_plugin.core.reports import evidence

    with open_task(sql_task["location"]) as store:
        redlines = store.last_overlay_layers()
        patches_uri, provider = store.uri("patches"), store.provider
    project = QgsProject()
    try:
        layers = evidence._add_layers(project, patches_uri, provider, redlines, ())
        assert {layer.providerType() for layer in layers["redlines"]} == {"postgres"}
        assert len(layers["redlines"]) == 4 and len(layers["approvals"]) == len(redlines["approvals"])
        cultivated = next(layer for layer in layers["redlines"] if "cultivated" in layer.source())
        assert "dlbm" in cultivated.subsetString().lower()  # drawn as the overlay counted it
        del layers, cultivated
    finally:
        project.removeAllMapLayers()
        del project
    sheets = evidence.write_evidence_sheets(sql_task["location"], [next(iter(_unlawful(sql_task)))], str(tmp_path))
    assert all(os.path.getsize(path) > 10000 for path in sheets.values())


def _unlawful(sql_task):
    with open_task(sql_task["location"]) as store:
        return sorted(j for j, r in store.verifications().items() if r["verdict"] == "违法")
