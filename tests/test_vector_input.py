"""One reader for every vector input: red lines, approvals and villages delivered the way provinces
deliver them (GBK shapefiles without .cpg and LDID 0, lying .cpg files, UTF-8 under a GBK LDID,
Chinese field names, no .prj), read right by the overlay or refused with the layer and field named."""
import os

import pytest
from conftest import write_patches
from qgis.core import NULL, QgsCoordinateReferenceSystem, QgsVectorLayer
from test_overlay import layer, rect, stored_parts, stored_patches

from land_enforcement_plugin.core import vector_input
from land_enforcement_plugin.core.ellipsoid import AreaMode
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs
from land_enforcement_plugin.core.overlay.run import run_overlay
from land_enforcement_plugin.core.store import GeoPackageTaskStore

COUNTY = ("140524000000", "陵川县")
LIYI, CHONGWEN = ("140524101000", "礼义镇"), ("140524102000", "崇文镇")


def delivered_shapefile(path, rows, fields, encoding="CP936", cpg=None, ldid=0, epsg=4548):
    """A shapefile as a province delivers it: written by OGR in `encoding`, then no .cpg (or one
    saying `cpg`), the DBF language id byte set to `ldid`, no .prj when epsg is None."""
    write_patches(path, rows, fields=fields, epsg=epsg, encoding=encoding)
    base = os.path.splitext(path)[0]
    if cpg is not None:
        with open(base + ".cpg", "w") as f:
            f.write(cpg)
    with open(base + ".dbf", "r+b") as f:
        f.seek(29)
        f.write(bytes([ldid]))
    return path


def township_rows(names=(LIYI[1], CHONGWEN[1])):
    return [{"XZQDM": LIYI[0], "XZQMC": names[0], "wkt": rect(0, 0, 100, 100)},
            {"XZQDM": CHONGWEN[0], "XZQMC": names[1], "wkt": rect(100, 0, 200, 100)}]


def townships_file(tmp_path, name="乡镇界", **options):
    return delivered_shapefile(str(tmp_path / f"{name}.shp"), township_rows(), ("XZQDM", "XZQMC"), **options)


@pytest.fixture
def delivered_task(tmp_path, task_path):
    """Two patches delivered as GBK without .cpg, the county's code on every row: P1 inside 礼义镇,
    P2 across both townships, its larger part in 崇文镇."""
    rows = [{"JCBH": "P1", "XZQDM": COUNTY[0], "XZQMC": COUNTY[1], "wkt": rect(10, 10, 40, 40)},
            {"JCBH": "P2", "XZQDM": COUNTY[0], "XZQMC": COUNTY[1], "wkt": rect(90, 10, 150, 40)}]
    src = delivered_shapefile(str(tmp_path / "wptb.shp"), rows, ("JCBH", "XZQDM", "XZQMC"))
    import_patches(task_path, ImportOptions(src, batch="2023Q1"))
    return task_path


def shp_layer(path):
    return QgsVectorLayer(path, os.path.splitext(os.path.basename(path))[0], "ogr")


def stored_townships(task_path):
    """{jcbh: (township_code, township_name)} on the patches, and the names in patch_townships."""
    patches = {jcbh: (f["township_code"], f["township_name"]) for jcbh, f in stored_patches(task_path).items()}
    return patches, {name for parts in stored_parts(task_path).values() for name in parts}


def overlay_runs(task_path):
    with GeoPackageTaskStore.open(task_path) as store:
        return store.query("SELECT recomputed FROM overlay_runs")


READABLE = ({"P1": LIYI, "P2": CHONGWEN}, {LIYI[1], CHONGWEN[1]})


def test_gbk_township_layer_without_cpg_gives_readable_township_names(tmp_path, delivered_task):
    path = townships_file(tmp_path)
    assert not os.path.exists(path[:-4] + ".cpg")
    assert vector_input.detect_shapefile_encoding(path) == (vector_input.GBK, "bytes")
    run_overlay(delivered_task, OverlayInputs(shp_layer(path)))
    assert stored_townships(delivered_task) == READABLE


def test_lying_cpg_is_overruled_by_the_bytes(tmp_path, delivered_task):
    path = townships_file(tmp_path, cpg="UTF-8")
    decision = vector_input.detect_shapefile_encoding(path)
    assert decision == (vector_input.GBK, "bytes_over_cpg")
    run = run_overlay(delivered_task, OverlayInputs(shp_layer(path)))
    assert stored_townships(delivered_task) == READABLE
    assert any("乡镇界" in line and ".cpg" in line and "CP936" in line for line in run.lines())  # says why


def test_patch_file_with_lying_cpg_imports_as_gbk(tmp_path, task_path):
    """A .cpg saying UTF-8 over GBK data used to crash the import."""
    src = delivered_shapefile(str(tmp_path / "wptb.shp"), [{"JCBH": "P1", "XZQDM": COUNTY[0], "XZQMC": COUNTY[1],
                                                            "wkt": rect(10, 10, 40, 40)}],
                              ("JCBH", "XZQDM", "XZQMC"), cpg="UTF-8")
    result = import_patches(task_path, ImportOptions(src, batch="2023Q1"))
    assert (result.inserted, result.encoding) == (1, vector_input.GBK)
    assert stored_patches(task_path)["P1"]["xzqmc"] == COUNTY[1]


def test_utf8_layer_under_a_gbk_ldid_is_read_as_utf8(tmp_path, delivered_task):
    path = townships_file(tmp_path, encoding="UTF-8", ldid=0x4D)
    assert vector_input.detect_shapefile_encoding(path) == (vector_input.UTF8, "bytes_over_ldid")
    run_overlay(delivered_task, OverlayInputs(shp_layer(path)))
    assert stored_townships(delivered_task) == READABLE


def test_undecodable_township_name_stops_the_overlay_naming_layer_and_field(tmp_path, delivered_task):
    path = townships_file(tmp_path)
    dbf = path[:-4] + ".dbf"
    data = bytearray(open(dbf, "rb").read())
    at = data.find(CHONGWEN[1].encode("gbk"))
    data[at + 2:at + 4] = b"\xff\xff"  # 文 replaced by bytes that are neither GBK nor UTF-8
    open(dbf, "wb").write(bytes(data))
    with pytest.raises(LandEnforcementError) as raised:
        run_overlay(delivered_task, OverlayInputs(shp_layer(path)))
    assert "乡镇界" in raised.value.zh and "XZQMC" in raised.value.zh
    assert "乡镇界" in raised.value.en and "XZQMC" in raised.value.en
    assert stored_parts(delivered_task) == {} and overlay_runs(delivered_task) == []
    assert all(f["township_name"] == NULL for f in stored_patches(delivered_task).values())


def garbled_memory_layer(tmp_path):
    return layer("乡镇界（内存）", 4548, [(rect(0, 0, 100, 100), {"XZQDM": LIYI[0], "XZQMC": "���ٵ���"}),
                                     (rect(100, 0, 200, 100), {"XZQDM": CHONGWEN[0], "XZQMC": CHONGWEN[1]})],
                 ("XZQDM", "XZQMC"))


def garbled_geopackage(tmp_path):
    """A GeoPackage whose township name holds GBK bytes, not UTF-8 (a copy made by a tool that
    did not recode)."""
    from osgeo import ogr

    path = write_patches(str(tmp_path / "乡镇界.gpkg"), township_rows(), fields=("XZQDM", "XZQMC"), epsg=4548)
    ds = ogr.Open(path, 1)
    ds.ExecuteSQL(f"UPDATE wptb SET XZQMC = CAST(X'{CHONGWEN[1].encode('gbk').hex()}' AS TEXT) "
                  f"WHERE XZQDM = '{CHONGWEN[0]}'")
    ds = None
    return QgsVectorLayer(path, "乡镇界（GeoPackage）", "ogr")


@pytest.mark.parametrize("garbled", [garbled_memory_layer, garbled_geopackage], ids=["memory", "geopackage"])
def test_garbled_text_in_a_layer_that_is_not_a_shapefile_stops_the_overlay(tmp_path, delivered_task, garbled):
    towns = garbled(tmp_path)
    with pytest.raises(LandEnforcementError, match=f"{towns.name()}.*XZQMC"):
        run_overlay(delivered_task, OverlayInputs(towns))
    assert stored_parts(delivered_task) == {}


def cultivated_file(tmp_path, epsg):
    return delivered_shapefile(str(tmp_path / "耕地.shp"), [{"DLBM": "0103", "wkt": rect(0, 0, 100, 100)}], ("DLBM",),
                               epsg=epsg)


def test_cultivated_layer_without_prj_is_an_error(tmp_path, delivered_task):
    cultivated = cultivated_file(tmp_path, None)
    assert not os.path.exists(cultivated[:-4] + ".prj")
    with pytest.raises(LandEnforcementError, match="耕地.*坐标系.*LAYER_CRS"):
        run_overlay(delivered_task, OverlayInputs(shp_layer(townships_file(tmp_path)), shp_layer(cultivated)))
    assert stored_parts(delivered_task) == {}


def test_cultivated_layer_without_prj_takes_the_given_crs(tmp_path, delivered_task):
    inputs = OverlayInputs(shp_layer(townships_file(tmp_path)), shp_layer(cultivated_file(tmp_path, None)),
                           area_mode=AreaMode.PLANAR, layer_crs=QgsCoordinateReferenceSystem("EPSG:4548"))
    run_overlay(delivered_task, inputs)
    patches = stored_patches(delivered_task)
    assert (patches["P1"]["cultivated_m2"], patches["P2"]["cultivated_m2"]) == pytest.approx((900, 300))


def test_cultivated_layer_without_prj_takes_the_crs_set_on_it_in_qgis(tmp_path, delivered_task):
    """The dock's way: the user sets the layer's CRS in QGIS; the overlay's reading copy keeps it."""
    cultivated = shp_layer(cultivated_file(tmp_path, None))
    cultivated.setCrs(QgsCoordinateReferenceSystem("EPSG:4548"))
    run_overlay(delivered_task, OverlayInputs(shp_layer(townships_file(tmp_path)), cultivated,
                                              area_mode=AreaMode.PLANAR))
    patches = stored_patches(delivered_task)
    assert (patches["P1"]["cultivated_m2"], patches["P2"]["cultivated_m2"]) == pytest.approx((900, 300))


def test_fixed_township_layer_is_recomputed_on_the_next_run(tmp_path, delivered_task):
    """Names fixed in the township file (same features, same extent, same size) are stored at
    the next run: it no longer says 'recomputed 0, reused 2'."""
    path = str(tmp_path / "乡镇界.shp")
    delivered_shapefile(path, township_rows(("礼乂镇", "崇又镇")), ("XZQDM", "XZQMC"))
    assert run_overlay(delivered_task, OverlayInputs(shp_layer(path))).recomputed == 2
    assert run_overlay(delivered_task, OverlayInputs(shp_layer(path))).recomputed == 0
    for ext in (".shp", ".shx", ".dbf", ".prj"):
        os.remove(path[:-4] + ext)
    delivered_shapefile(path, township_rows(), ("XZQDM", "XZQMC"))
    run = run_overlay(delivered_task, OverlayInputs(shp_layer(path)))
    assert (run.recomputed, run.reused) == (2, 0)
    assert stored_townships(delivered_task) == READABLE


def test_encoding_set_in_qgis_wins_and_reaches_the_reading_copy(tmp_path):
    """A GBK file without .cpg, LDID 0, Chinese field names: QGIS shows garbage until the user sets
    the encoding; the reading copy reads it right either way, and keeps the user's choice."""
    path = delivered_shapefile(str(tmp_path / "批复.shp"),
                               [{"批准文号": "晋政地〔2023〕7号", "wkt": rect(0, 0, 10, 10)}], ("批准文号",))
    as_opened = shp_layer(path)
    assert "批准文号" not in as_opened.fields().names()  # QGIS alone reads it as UTF-8: garbage
    copy = vector_input.reading_copy(as_opened)
    assert [f["批准文号"] for f in copy.getFeatures()] == ["晋政地〔2023〕7号"]
    as_opened.setProviderEncoding("GB18030")
    assert vector_input.encoding_decision(as_opened) == ("GB18030", "user")
    copy = vector_input.reading_copy(as_opened)
    assert vector_input.encoding_decision(copy) == ("GB18030", "user")
    assert [f["批准文号"] for f in copy.getFeatures()] == ["晋政地〔2023〕7号"]


def test_chinese_named_approval_field_gives_readable_approval_numbers(tmp_path, delivered_task):
    approvals = delivered_shapefile(str(tmp_path / "农转用.shp"),
                                    [{"批准文号": "晋政地〔2023〕7号", "批准类型": "农转用",
                                      "wkt": rect(0, 0, 50, 50)}],
                                    ("批准文号", "批准类型"))
    run_overlay(delivered_task, OverlayInputs(shp_layer(townships_file(tmp_path)), approvals=[shp_layer(approvals)]))
    p1 = stored_patches(delivered_task)["P1"]
    assert (p1["suggested_verdict"], p1["suggested_approval_no"]) == ("合法", "晋政地〔2023〕7号")
    assert "农转用 晋政地〔2023〕7号" in p1["suggestion_reasons"]


def test_village_of_the_largest_part_is_stored(tmp_path, delivered_task):
    villages = delivered_shapefile(str(tmp_path / "村界.shp"),
                                   [{"CJDM": "140524101001", "CJMC": "东庄村", "wkt": rect(0, 0, 100, 100)},
                                    {"CJDM": "140524102001", "CJMC": "西岭村", "wkt": rect(100, 0, 200, 100)}],
                                   ("CJDM", "CJMC"))
    run = run_overlay(delivered_task, OverlayInputs(shp_layer(townships_file(tmp_path)), villages=shp_layer(villages)))
    assert run.recomputed == 2
    assert {jcbh: f["village_name"] for jcbh, f in stored_patches(delivered_task).items()} == {
        "P1": "东庄村", "P2": "西岭村"}  # P2: 10 m in 东庄村, 50 m in 西岭村


def villages_and_cultivated(task_path):
    """{jcbh: (village_name, cultivated_m2)} as stored (plain values: no QGIS object outlives a test)."""
    return {jcbh: (f["village_name"], f["cultivated_m2"]) for jcbh, f in stored_patches(task_path).items()}


def test_overlay_algorithm_takes_villages_and_a_crs_for_layers_without_one(tmp_path, delivered_task, provider):
    import processing
    from qgis.core import QgsProcessingException

    villages = delivered_shapefile(str(tmp_path / "村界.shp"), [{"村名称": "东庄村", "wkt": rect(0, 0, 200, 100)}],
                                   ("村名称",), epsg=None)
    parameters = {"DATABASE": delivered_task, "TOWNSHIPS": townships_file(tmp_path), "VILLAGES": villages,
                  "CULTIVATED": cultivated_file(tmp_path, None), "AREA_MODE": 1}
    with pytest.raises(QgsProcessingException, match="耕地.*LAYER_CRS"):
        processing.run("landenforcement:overlay", parameters)
    result = processing.run("landenforcement:overlay", {**parameters, "LAYER_CRS": "EPSG:4548"})
    assert result["RECOMPUTED"] == 2
    assert villages_and_cultivated(delivered_task) == {"P1": ("东庄村", pytest.approx(900)),
                                                       "P2": ("东庄村", pytest.approx(300))}


def test_overlay_panel_remembers_the_village_layer(qgis_new_project, tmp_path, delivered_task):
    from qgis.core import QgsProject

    from land_enforcement_plugin.core.overlay.run import detached_inputs
    from land_enforcement_plugin.gui.overlay_panel import OverlayPanel

    villages = shp_layer(delivered_shapefile(str(tmp_path / "村界.shp"),
                                             [{"XZQDM": "140524101001", "XZQMC": "东庄村",
                                               "wkt": rect(0, 0, 200, 100)}],
                                             ("XZQDM", "XZQMC")))
    townships = shp_layer(townships_file(tmp_path))
    QgsProject.instance().addMapLayers([townships, villages])
    panel = OverlayPanel()
    panel.combos["townships"].setLayer(townships)
    panel.combos["villages"].setLayer(villages)
    fresh = OverlayPanel()  # a panel opened later restores the choice from the project
    assert fresh.inputs().villages is villages
    run_overlay(delivered_task, detached_inputs(fresh.inputs()))
    assert {f["village_name"] for f in stored_patches(delivered_task).values()} == {"东庄村"}


def test_village_layer_of_a_postgis_task_is_overlaid_by_the_local_engine(tmp_path, delivered_task, pg_cluster):
    """The SQL engine has no village split: with a village layer the run says so and computes locally."""
    import test_postgis_overlay as pg

    from land_enforcement_plugin.core.overlay.engine_sql import ENGINE_LOCAL
    from land_enforcement_plugin.core.season.transfer import upload_task
    from land_enforcement_plugin.core.store import open_task

    pg._execute(pg_cluster, "DROP SCHEMA IF EXISTS villages_case CASCADE; CREATE SCHEMA villages_case")
    village_file = delivered_shapefile(str(tmp_path / "村界.shp"),
                                       [{"CJMC": "东庄村", "wkt": rect(0, 0, 100, 100)},
                                        {"CJMC": "西岭村", "wkt": rect(100, 0, 200, 100)}], ("CJMC",))
    for name, path in (("townships", townships_file(tmp_path)), ("villages", village_file)):
        pg._export(vector_input.reading_copy(shp_layer(path)), name, "villages_case")
    location = upload_task(delivered_task, f"pg:{pg.SERVICE}/villages_task")
    inputs = OverlayInputs(pg.pg_layer("townships", "villages_case"), villages=pg.pg_layer("villages", "villages_case"))
    try:
        run = run_overlay(location, inputs)
    finally:
        del inputs
    assert run.engine == ENGINE_LOCAL and "village" in run.engine_note[1]
    with open_task(location) as store:
        rows = store.query(f"SELECT jcbh, village_name, township_name FROM {store.schema}.patches")
    assert {r["jcbh"]: (r["village_name"], r["township_name"]) for r in rows} == {
        "P1": ("东庄村", LIYI[1]), "P2": ("西岭村", CHONGWEN[1])}
