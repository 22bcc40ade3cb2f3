"""The city roll-up (市级汇总): county packages checked, merged, ranked, their conflicts listed; the
same from county schemas in one PostGIS database."""
import os
import shutil
import zipfile

import openpyxl
import pytest
from conftest import patch_row, write_patches
from osgeo import ogr, osr
from qgis.core import QgsApplication, QgsProcessingException, QgsProject, QgsTask, QgsVectorLayer

from demodata.county import generate_county
from demodata.season import redline_inputs
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay.run import run_overlay
from land_enforcement_plugin.core.reports import city, city_postgis
from land_enforcement_plugin.core.reports import package as submission
from land_enforcement_plugin.core.review import verification
from land_enforcement_plugin.core.season import metrics
from land_enforcement_plugin.core.store import GeoPackageTaskStore

SERVICE = "service=lep_test"
NEIGHBOUR = "140829"  # 平陆县, next to 垣曲县 (140827): a hand-made county whose patches clash with 垣曲's


def _season_task(folder, demo):
    task = os.path.join(folder, f"task_{demo['county_code']}.gpkg")
    import_patches(task, ImportOptions(demo["patches"]))
    run_overlay(task, redline_inputs(demo["redlines"]))
    verification.import_spreadsheet(task, demo["verification_xlsx"], accept_partial=True)
    return task


def _draft(task, folder):
    result = submission.build_package(task, os.path.join(folder, "package.zip"),
                                      submission.PackageOptions(draft=True, evidence=False))
    return result.path


def _to_4490(wkb, working_epsg):
    source, target = osr.SpatialReference(), osr.SpatialReference()
    source.ImportFromEPSG(working_epsg)
    target.ImportFromEPSG(4490)
    for srs in (source, target):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    geometry = ogr.CreateGeometryFromWkb(wkb)
    geometry.Transform(osr.CoordinateTransformation(source, target))
    return geometry


def _neighbour_task(folder, yuanqu, yuanqu_task):
    """平陆县: three patches delivered with its county code — one over half of a 垣曲 patch (a
    border drawn twice), one carrying another 垣曲 patch's monitoring number, one clean."""
    with GeoPackageTaskStore.open(yuanqu_task) as store:
        (first, first_wkb), (second, second_wkb), *_ = store.export_patches()
    overlapping = _to_4490(first_wkb, yuanqu["working_epsg"])
    x0, x1, _, _ = overlapping.GetEnvelope()
    moved = ogr.CreateGeometryFromWkt(overlapping.ExportToWkt())
    for dx, target in (((x1 - x0) / 2, moved),):
        for polygon in ([target] if target.GetGeometryType() == ogr.wkbPolygon else
                        [target.GetGeometryRef(i) for i in range(target.GetGeometryCount())]):
            for r in range(polygon.GetGeometryCount()):
                ring = polygon.GetGeometryRef(r)
                for i in range(ring.GetPointCount()):
                    ring.SetPoint_2D(i, ring.GetX(i) + dx, ring.GetY(i))
    elsewhere = _to_4490(second_wkb, yuanqu["working_epsg"])
    far = ogr.CreateGeometryFromWkt(elsewhere.ExportToWkt())
    far_wkt = _shifted_wkt(far, 0.0, -0.02)
    rows = [patch_row(f"{NEIGHBOUR}2024900001", moved.ExportToWkt(), "城关镇", f"{NEIGHBOUR}000000"),
            patch_row(second["jcbh"], far_wkt, "城关镇", f"{NEIGHBOUR}000000"),
            patch_row(f"{NEIGHBOUR}2024900003", _shifted_wkt(far, 0.0, -0.03), "城关镇", f"{NEIGHBOUR}000000")]
    shapefile = write_patches(os.path.join(folder, f"wptb_{NEIGHBOUR}.shp"), rows)
    task = os.path.join(folder, f"task_{NEIGHBOUR}.gpkg")
    import_patches(task, ImportOptions(shapefile))
    run_overlay(task, redline_inputs(yuanqu["redlines"]))
    return task, first["jcbh"], second["jcbh"]


def _shifted_wkt(geometry, dx, dy):
    copy = ogr.CreateGeometryFromWkt(geometry.ExportToWkt())
    polygons = [copy] if copy.GetGeometryType() == ogr.wkbPolygon else [copy.GetGeometryRef(i)
                                                                        for i in range(copy.GetGeometryCount())]
    for polygon in polygons:
        for r in range(polygon.GetGeometryCount()):
            ring = polygon.GetGeometryRef(r)
            for i in range(ring.GetPointCount()):
                ring.SetPoint_2D(i, ring.GetX(i) + dx, ring.GetY(i) + dy)
    return copy.ExportToWkt()


@pytest.fixture(scope="session")
def city_packages(tmp_path_factory):
    """Two demo counties (垣曲县 140827, 五寨县 140928) taken through import, overlay and the township
    sheet into draft packages; 平陆县 (140829), hand-made to clash with 垣曲; a damaged copy of 五寨's
    package. Read-only."""
    root = tmp_path_factory.mktemp("city")
    packages, tasks, demos = {}, {}, {}
    for code in ("140827", "140928"):
        folder = str(root / code)
        demos[code] = generate_county(folder, county_code=code)
        tasks[code] = _season_task(folder, demos[code])
        packages[code] = _draft(tasks[code], folder)
    folder = str(root / NEIGHBOUR)
    os.makedirs(folder)
    tasks[NEIGHBOUR], overlapped, duplicated = _neighbour_task(folder, demos["140827"], tasks["140827"])
    packages[NEIGHBOUR] = _draft(tasks[NEIGHBOUR], folder)
    inbox = root / "inbox"
    inbox.mkdir()
    for code, path in packages.items():
        shutil.copy(path, inbox / f"{code}.zip")
    damaged = str(root / "damaged_140928.zip")
    shutil.copy(packages["140928"], damaged)
    with zipfile.ZipFile(damaged, "a") as archive:
        archive.writestr("extra/readme.txt", "not listed")
    return {"packages": packages, "tasks": tasks, "inbox": str(inbox), "damaged": damaged,
            "overlapped": overlapped, "duplicated": duplicated}


@pytest.fixture(scope="session")
def summary(city_packages, tmp_path_factory):
    out = tmp_path_factory.mktemp("city_out")
    result = city.run_city_summary([city_packages["inbox"], city_packages["damaged"]], str(out / "city.gpkg"),
                                   str(out / "city.xlsx"), city_name="示范市")
    return result, str(out / "city.gpkg"), str(out / "city.xlsx")


def _own_metrics(task):
    with GeoPackageTaskStore.open(task) as store:
        return metrics.township_metrics(store)


def test_each_county_row_has_the_figures_and_flags_of_the_county_own_table(summary, city_packages):
    result = summary[0]
    rows = {r["county_code"]: r for r in result.county_rows()}
    assert sorted(rows) == ["140827", NEIGHBOUR, "140928"]
    for code in ("140827", "140928"):
        own = _own_metrics(city_packages["tasks"][code])
        county = own.rows[-1]
        mine = rows[code]
        for name in ("patch_count", "verified_count", "unlawful_count", "lawful_count", "other_count",
                     "daily_found_count", "ratio_flag", "interview_flag"):
            assert mine[name] == county[name], (code, name)
        for name in ("unlawful_mu", "unlawful_cultivated_mu", "unlawful_pbf_mu", "construction_cultivated_mu"):
            assert mine[name] == pytest.approx(county[name], abs=0.01), (code, name)  # package areas: 2 decimals of m²
        assert mine["unlawful_cultivated_ratio"] == pytest.approx(county["unlawful_cultivated_ratio"], abs=1e-4)
        townships = {r["xzqdm"]: r for r in result.rows
                     if r["level"] == city.TOWNSHIP_LEVEL and r["county_code"] == code}
        assert {code: r["patch_count"] for code, r in townships.items()} == \
            {r["xzqdm"]: r["patch_count"] for r in own.rows[:-1]}
        assert {c: r["unlawful_count"] for c, r in townships.items()} == \
            {r["xzqdm"]: r["unlawful_count"] for r in own.rows[:-1]}


def test_counties_are_ranked_by_unlawful_cultivated_ratio_under_a_city_row(summary):
    result = summary[0]
    ranked = result.county_rows()
    assert [r["rank"] for r in ranked] == [1, 2, 3]
    ratios = [r["unlawful_cultivated_ratio"] for r in ranked]
    known = [r for r in ratios if r is not None]
    assert known == sorted(known, reverse=True) and ratios[:len(known)] == known  # none (no construction) last
    city_row = result.city_row()
    # 140928 is of 忻州, the others of 运城: no one city code
    assert city_row["xzqmc"] == "示范市" and city_row["xzqdm"] == ""
    assert city_row["patch_count"] == sum(r["patch_count"] for r in ranked)
    assert city_row["unlawful_cultivated_mu"] == pytest.approx(sum(r["unlawful_cultivated_mu"] for r in ranked))
    assert city_row["unlawful_cultivated_ratio"] == pytest.approx(
        city_row["unlawful_cultivated_mu"] / city_row["construction_cultivated_mu"])


def test_a_package_failing_verification_is_listed_and_not_merged(summary, city_packages):
    result = summary[0]
    assert [f.path for f in result.failed] == [os.path.abspath(city_packages["damaged"])]
    assert any("清单外的文件" in zh for zh, _ in result.failed[0].problems)
    assert sum(1 for r in result.county_rows() if r["county_code"] == "140928") == 1


def test_conflicts_list_a_monitoring_number_in_two_counties_and_patches_overlapping_across_a_border(
        summary, city_packages):
    conflicts = summary[0].conflicts
    duplicates = [(c.county_a, c.county_b, c.jcbh_a) for c in conflicts if c.kind == city.DUPLICATE_JCBH]
    assert duplicates == [("140827", NEIGHBOUR, city_packages["duplicated"])]
    overlaps = [c for c in conflicts if c.kind == city.OVERLAP]
    assert [(c.county_a, c.jcbh_a, c.county_b, c.jcbh_b) for c in overlaps] == [
        ("140827", city_packages["overlapped"], NEIGHBOUR, f"{NEIGHBOUR}2024900001")]
    assert overlaps[0].area_m2 > 100


def test_the_city_geopackage_holds_every_county_patch_with_its_county_and_the_choropleth_layer(summary):
    result, gpkg, _ = summary
    patches = QgsVectorLayer(f"{gpkg}|layername={city.PATCHES_LAYER}", "p", "ogr")
    assert patches.isValid() and patches.featureCount() == 243
    per_county = {}
    for feature in patches.getFeatures():
        per_county[feature["XZDM"]] = per_county.get(feature["XZDM"], 0) + 1
        assert feature.geometry().area() > 0
    assert per_county == {"140827": 120, "140928": 120, NEIGHBOUR: 3}
    assert patches.crs().authid() == result.crs
    counties = QgsVectorLayer(f"{gpkg}|layername={city.COUNTIES_LAYER}", "c", "ogr")
    assert sorted((f["county_code"], f["rank"]) for f in counties.getFeatures()) == sorted(
        (r["county_code"], r["rank"]) for r in result.county_rows())
    conflicts = QgsVectorLayer(f"{gpkg}|layername={city.CONFLICTS_TABLE}", "k", "ogr")
    assert conflicts.featureCount() == len(result.conflicts) == 2
    failed = QgsVectorLayer(f"{gpkg}|layername={city.FAILED_TABLE}", "f", "ogr")
    assert failed.featureCount() == 1


def test_the_city_workbook_ranks_counties_and_lists_townships_conflicts_and_failed_packages(summary):
    result, _, xlsx = summary
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["县区排名", "乡镇统计", "冲突", "未汇总成果包"]
    ranking = list(book["县区排名"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in ranking] == [1, 2, 3, None]
    assert [row[2] for row in ranking][-1] == "示范市"
    assert len(list(book["乡镇统计"].iter_rows(min_row=2))) == sum(
        1 for r in result.rows if r["level"] == city.TOWNSHIP_LEVEL)
    assert book["冲突"].max_row == 3 and book["未汇总成果包"].max_row == 2


def test_a_city_summary_cancelled_while_writing_leaves_no_geopackage(city_packages, tmp_path):
    from qgis.core import QgsFeedback

    from land_enforcement_plugin.core.errors import LandEnforcementError

    feedback = QgsFeedback()
    feedback.progressChanged.connect(lambda percent: percent >= 90 and feedback.cancel())
    with pytest.raises(LandEnforcementError, match="已取消"):
        city.run_city_summary([city_packages["inbox"]], str(tmp_path / "city.gpkg"), str(tmp_path / "city.xlsx"),
                              feedback=feedback)
    assert os.listdir(tmp_path) == []


def test_citysummary_runs_from_processing_with_a_folder_of_packages(qgis_processing, city_packages, tmp_path):
    import processing

    from land_enforcement_plugin.processing.provider import LandEnforcementProvider

    provider = LandEnforcementProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    try:
        result = processing.run("landenforcement:citysummary", {
            "INPUT": [city_packages["inbox"]], "OUTPUT": str(tmp_path / "c.gpkg"),
            "WORKBOOK": str(tmp_path / "c.xlsx")})
        assert (result["COUNTIES"], result["FAILED"], result["CONFLICTS"]) == (3, 0, 2)
        assert result["RANKING"].splitlines()[0].startswith("1 ") and "[草稿]" in result["RANKING"].splitlines()[0]
        assert os.path.exists(result["OUTPUT"]) and os.path.exists(result["WORKBOOK"])
        with pytest.raises(QgsProcessingException, match="成果包均未通过校验"):
            processing.run("landenforcement:citysummary", {"INPUT": [city_packages["damaged"]],
                                                            "OUTPUT": str(tmp_path / "d.gpkg")})
    finally:
        QgsApplication.processingRegistry().removeProvider(provider)


def test_city_dialog_summarises_in_the_background_shows_the_ranking_and_a_county_choropleth(
        plugin_iface, city_packages, tmp_path):
    from test_gui import wait_for

    from land_enforcement_plugin.gui.city_dialog import CitySummaryDialog

    dialog = CitySummaryDialog()
    dialog.add_packages([city_packages["inbox"], city_packages["damaged"]])
    assert dialog.output.filePath() == os.path.join(city_packages["inbox"], "city_summary.gpkg")
    dialog.output.setFilePath(str(tmp_path / "city.gpkg"))
    dialog.run()
    assert not dialog.runner.idle and not dialog.run_button.isEnabled()  # the UI stays free meanwhile
    wait_for(lambda: dialog.runner.idle, timeout=120)
    assert dialog.summary is not None, dialog.status.text()
    assert dialog.table.rowCount() == 4  # three counties, then the city
    assert [dialog.table.item(r, 0).text() for r in range(3)] == ["1", "2", "3"]
    assert "damaged_140928.zip" in dialog.status.text() and (tmp_path / "city.xlsx").exists()
    counties = next(layer for layer in QgsProject.instance().mapLayers().values()
                    if layer.source().endswith(f"layername={city.COUNTIES_LAYER}"))
    assert counties.featureCount() == 3
    assert counties.renderer().type() == "graduatedSymbol" and counties.renderer().classAttribute() == \
        "unlawful_cultivated_ratio"
    QgsProject.instance().clear()
    dialog.close()


def test_cancelling_the_city_dialog_writes_nothing(plugin_iface, city_packages, tmp_path):
    from test_gui import wait_for

    from land_enforcement_plugin.gui.city_dialog import CitySummaryDialog

    dialog = CitySummaryDialog()
    dialog.add_packages([city_packages["inbox"]])
    dialog.output.setFilePath(str(tmp_path / "city.gpkg"))
    dialog.run()
    dialog.cancel_or_close()
    wait_for(lambda: dialog.runner.idle, timeout=120)
    assert dialog.summary is None and not (tmp_path / "city.gpkg").exists()
    assert "取消" in dialog.status.text() or "cancelled" in dialog.status.text()
    dialog.run()  # cancelled once it runs
    wait_for(lambda: dialog.runner.task.status() == QgsTask.TaskStatus.Running)
    dialog.cancel_or_close()
    wait_for(lambda: dialog.runner.idle, timeout=120)
    assert dialog.summary is None and not (tmp_path / "city.gpkg").exists()
    dialog.close()


# -- PostGIS ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def city_database(pg_cluster, city_packages):
    import psycopg2

    from land_enforcement_plugin.core.season.transfer import upload_task
    from land_enforcement_plugin.core.store.postgis_connection import location_for
    from land_enforcement_plugin.core.store.postgis_security import (
        ACCOUNTS_TABLE,
        COUNTY_ROLE,
        REVIEWER_ROLE,
        TOWNSHIP_ROLE,
    )

    for code, task in city_packages["tasks"].items():
        upload_task(task, location_for(SERVICE, f"task_{code}"))
    yield city_postgis.summarise_postgis(f"pg:{SERVICE}/city_1408", city_name="示范市")
    # The cluster is the session's: later modules expect it without these schemas and bureau roles.
    admin = psycopg2.connect(pg_cluster.conninfo())
    admin.autocommit = True
    with admin.cursor() as cursor:
        for name in ["city_1408"] + [f"task_{code}" for code in city_packages["tasks"]]:
            cursor.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        cursor.execute(f"DROP TABLE IF EXISTS {ACCOUNTS_TABLE}")
        for role in (COUNTY_ROLE, TOWNSHIP_ROLE, REVIEWER_ROLE):
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
    admin.close()


def test_postgis_city_schema_has_each_county_figures_exactly_and_the_same_conflicts(city_database, city_packages,
                                                                                     summary):
    rows = {(r["level"], r["county_code"], r["xzqdm"]): r for r in city_database.rows}
    for code, task in city_packages["tasks"].items():
        own = _own_metrics(task)
        for row in own.rows:
            level = city.COUNTY_LEVEL if row is own.rows[-1] else city.TOWNSHIP_LEVEL
            mine = rows[(level, code, row["xzqdm"])]
            for name, value in row.items():
                if name != "xzqmc":
                    assert mine[name] == (pytest.approx(value) if isinstance(value, float) else value), (code, name)
    key = [(c.kind, c.county_a, c.jcbh_a, c.county_b, c.jcbh_b) for c in summary[0].conflicts]
    assert sorted(key) == sorted((c.kind, c.county_a, c.jcbh_a, c.county_b, c.jcbh_b) for c in city_database.conflicts)
    overlap = next(c for c in city_database.conflicts if c.kind == city.OVERLAP)
    assert overlap.area_m2 == pytest.approx(next(c for c in summary[0].conflicts if c.kind == city.OVERLAP).area_m2,
                                            rel=1e-6)
    assert ([r["county_code"] for r in city_database.county_rows()]
            == [r["county_code"] for r in summary[0].county_rows()])


def test_postgis_city_schema_is_partitioned_by_county_and_replaced_on_a_second_run(city_database, pg_cluster):
    import psycopg2

    city_postgis.summarise_postgis(f"pg:{SERVICE}/city_1408", ["task_140827", "task_140928"])
    with psycopg2.connect(pg_cluster.conninfo()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT inhrelid::regclass::text FROM pg_inherits "
                       "WHERE inhparent = 'city_1408.patches'::regclass ORDER BY 1")
        assert [r[0] for r in cursor.fetchall()] == ["city_1408.patches_task_140827", "city_1408.patches_task_140928"]
        cursor.execute("SELECT level, count(*) FROM city_1408.city_metrics GROUP BY level ORDER BY level")
        assert dict(cursor.fetchall()) == {"city": 1, "county": 2, "township": 12}
        cursor.execute("SELECT count(*) FROM city_1408.patches")
        assert cursor.fetchone()[0] == 240


def test_postgis_city_summary_never_replaces_a_schema_that_is_not_a_city_summary(city_database):
    from land_enforcement_plugin.core.errors import LandEnforcementError

    with pytest.raises(LandEnforcementError, match="不是市级汇总"):
        city_postgis.summarise_postgis(f"pg:{SERVICE}/task_140827")
