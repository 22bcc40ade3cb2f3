"""Planning conformity (规划符合性) on hand-built squares with exactly known areas: zone layers, or one
zoning layer with a code field (a GBK shapefile without .cpg), and what is refused."""
import pytest
from conftest import write_patches
from qgis.core import QgsVectorLayer

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.ellipsoid import AreaMode
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay import conformity
from land_enforcement_plugin.core.store import open_task

X0, Y0 = 600000.0, 4000000.0  # EPSG:4548
Zone = schema.PlanningZone


def rect(x1, y1, x2, y2):
    return (f"POLYGON(({X0 + x1} {Y0 + y1},{X0 + x2} {Y0 + y1},{X0 + x2} {Y0 + y2},{X0 + x1} {Y0 + y2},"
            f"{X0 + x1} {Y0 + y1}))")


@pytest.fixture
def task(tmp_path):
    """P1 100x100 over the allowed zone's edge: 6000 m² allowed, 4000 m² conditional.
    P2 in the development boundary. P3 half restricted, half outside every zone.
    P4 10x10 with a 0.5 m² sliver outside the allowed zone (tolerated)."""
    rows = [{"JCBH": "P1", "wkt": rect(0, 0, 100, 100)}, {"JCBH": "P2", "wkt": rect(300, 0, 350, 50)},
            {"JCBH": "P3", "wkt": rect(500, 0, 540, 20)}, {"JCBH": "P4", "wkt": rect(20, 200, 30, 210.05)}]
    path = str(tmp_path / "task.gpkg")
    import_patches(path, ImportOptions(write_patches(str(tmp_path / "p.gpkg"), rows, fields=("JCBH",), epsg=4548),
                                       batch="2024年度"))
    return path


ZONES = [("010", rect(-50, -50, 60, 210)), ("020", rect(60, -50, 200, 150)), ("030", rect(500, -50, 520, 50)),
         ("允许建设区", rect(0, 150, 100, 210))]


def zone_layer(tmp_path, name, shapes):
    rows = [{"wkt": wkt} for wkt in shapes]
    return QgsVectorLayer(write_patches(str(tmp_path / f"{name}.shp"), rows, fields=(), epsg=4548), name, "ogr")


def check(results):
    got = {r.jcbh: r for r in results}
    allowed, conditional = schema.ZONE_AREA_FIELDS[Zone.ALLOWED].name, schema.ZONE_AREA_FIELDS[Zone.CONDITIONAL].name
    restricted = schema.ZONE_AREA_FIELDS[Zone.RESTRICTED].name
    assert (got["P1"].areas[allowed], got["P1"].areas[conditional]) == pytest.approx((6000, 4000))
    assert got["P1"].conformity is schema.Conformity.CONDITIONAL
    assert got["P2"].conformity is schema.Conformity.CONFORMS
    assert got["P2"].areas[schema.ZONE_AREA_FIELDS[Zone.DEVELOPMENT_BOUNDARY].name] == pytest.approx(2500)
    assert (got["P3"].areas[restricted], got["P3"].areas["outside_m2"]) == pytest.approx((400, 400))
    assert got["P3"].conformity is schema.Conformity.NONCONFORMING
    assert got["P4"].areas["outside_m2"] == pytest.approx(0.5)
    assert got["P4"].conformity is schema.Conformity.CONFORMS


def test_zone_layers_give_area_per_zone_and_the_flag(task, tmp_path):
    inputs = conformity.ZoningInputs(zone_layers={
        Zone.DEVELOPMENT_BOUNDARY: zone_layer(tmp_path, "czkfbj", [rect(290, -10, 400, 100)]),
        Zone.ALLOWED: zone_layer(tmp_path, "yxjsq", [wkt for code, wkt in ZONES if code in ("010", "允许建设区")]),
        Zone.CONDITIONAL: zone_layer(tmp_path, "ytjjsq", [ZONES[1][1]]),
        Zone.RESTRICTED: zone_layer(tmp_path, "xzjsq", [ZONES[2][1]])}, area_mode=AreaMode.PLANAR)
    check(conformity.run_conformity(task, inputs))
    with open_task(task) as store:
        stored = conformity.stored_conformity(store)
    assert stored["P3"]["conformity"] == "不符合规划" and stored["P1"]["conditional_m2"] == pytest.approx(4000)


def test_one_zoning_layer_with_codes_in_a_gbk_shapefile(task, tmp_path):
    rows = [{"GZQLXDM": code, "wkt": wkt} for code, wkt in ZONES]
    rows.append({"GZQLXDM": "城镇开发边界", "wkt": rect(290, -10, 400, 100)})
    zoning = QgsVectorLayer(write_patches(str(tmp_path / "gzq.shp"), rows, fields=("GZQLXDM",), epsg=4548),
                            "gzq", "ogr")
    check(conformity.run_conformity(task, conformity.ZoningInputs(zoning=zoning, code_field="GZQLXDM",
                                                                  area_mode=AreaMode.PLANAR)))


def test_a_code_without_a_zone_is_refused_with_its_value(task, tmp_path):
    rows = [{"GZQLXDM": "099", "wkt": rect(0, 0, 10, 10)}]
    zoning = QgsVectorLayer(write_patches(str(tmp_path / "gzq.shp"), rows, fields=("GZQLXDM",), epsg=4548),
                            "gzq", "ogr")
    with pytest.raises(LandEnforcementError, match="099"):
        conformity.run_conformity(task, conformity.ZoningInputs(zoning=zoning, code_field="GZQLXDM"))
