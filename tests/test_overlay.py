"""Overlay: hand-built geometries with exactly known answers, increments, and a cross-check
against QGIS's own native:intersection + QgsDistanceArea on the demo county."""
import os
from collections import defaultdict

import pytest
from conftest import write_patches
from qgis.core import (
    NULL,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsDistanceArea,
    QgsFeature,
    QgsFeedback,
    QgsGeometry,
    QgsVectorLayer,
)

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.ellipsoid import AreaMode
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs
from land_enforcement_plugin.core.overlay.matching import false_origin_shift
from land_enforcement_plugin.core.overlay.run import run_overlay
from land_enforcement_plugin.core.overlay.shapes import polygonal
from land_enforcement_plugin.core.store import GeoPackageTaskStore

X0, Y0 = 600000.0, 4000000.0  # in EPSG:4548 (CGCS2000 GK CM 117E)
PREFIX = 39000000.0  # the same plane in EPSG:4527 (zone-prefixed false easting)


def rect(x1, y1, x2, y2, dx=0.0):
    return (f"POLYGON(({X0 + x1 + dx} {Y0 + y1},{X0 + x2 + dx} {Y0 + y1},{X0 + x2 + dx} {Y0 + y2},"
            f"{X0 + x1 + dx} {Y0 + y2},{X0 + x1 + dx} {Y0 + y1}))")


def layer(name, epsg, rows, fields=(), densify=0):
    """A memory layer of (wkt, {field: value}) rows; densify: the first `densify` polygons get 20
    more vertices per edge (the same shapes, large enough for the engine's large-polygon path)."""
    spec = "&".join(f"field={f}:string" for f in fields)
    result = QgsVectorLayer(f"Polygon?crs=EPSG:{epsg}&{spec}", name, "memory")
    features = []
    for number, (wkt, values) in enumerate(rows):
        feature = QgsFeature(result.fields())
        geometry = QgsGeometry.fromWkt(wkt)
        feature.setGeometry(geometry.densifyByCount(20) if number < densify else geometry)
        for key, value in values.items():
            feature[key] = value
        features.append(feature)
    result.dataProvider().addFeatures(features)
    return result


def townships():
    return layer("townships", 4548, [(rect(0, 0, 100, 100), {"XZQDM": "370323101000", "XZQMC": "甲镇"}),
                                     (rect(100, 0, 200, 100), {"XZQDM": "370323102000", "XZQMC": "乙镇"}),
                                     (rect(0, 100, 200, 200), {"XZQDM": "370323103000", "XZQMC": "丙镇"})],
                 ("XZQDM", "XZQMC"))


def hand_built_inputs(mode=AreaMode.PLANAR, densify=0):
    cultivated = layer("cultivated", 4548, [(rect(0, 0, 120, 200), {"DLBM": "0103"}),
                                            (rect(80, 0, 200, 120), {"DLBM": "0101"}),  # overlaps the first
                                            (rect(0, 0, 200, 200), {"DLBM": "0301"})],  # forest: not counted
                       ("DLBM",), densify)
    pbf = layer("pbf", 4527, [(rect(50, 50, 100, 100, dx=PREFIX), {})], densify=densify)  # another CRS
    bow_tie = (f"POLYGON(({X0 + PREFIX} {Y0},{X0 + PREFIX + 200} {Y0 + 200},{X0 + PREFIX + 200} {Y0},"
               f"{X0 + PREFIX} {Y0 + 200},{X0 + PREFIX} {Y0}))")
    eco = layer("eco", 4527, [(bow_tie, {})])  # invalid
    approvals = layer("nzy", 4548, [(rect(40, 40, 160, 160), {"PZWH": "鲁政土字〔2023〕7号", "PZLX": "农转用"})],
                      ("PZWH", "PZLX"))
    return OverlayInputs(townships(), cultivated, pbf, eco, [approvals], mode)


@pytest.fixture
def hand_task(tmp_path, task_path):
    rows = [{"JCBH": "P1", "XZQDM": "370323101000", "wkt": rect(50, 50, 150, 150)},
            {"JCBH": "P2", "XZQDM": "370323101000",
             "wkt": f"POLYGON(({X0 + 10} {Y0 + 10},{X0 + 40} {Y0 + 10},{X0 + 40} {Y0 + 40},{X0 + 10} {Y0 + 40},"
                    f"{X0 + 10} {Y0 + 10}),({X0 + 20} {Y0 + 20},{X0 + 20} {Y0 + 30},{X0 + 30} {Y0 + 30},"
                    f"{X0 + 30} {Y0 + 20},{X0 + 20} {Y0 + 20}))"},
            {"JCBH": "P3", "XZQDM": "370323102000",
             "wkt": f"MULTIPOLYGON((({X0 + 110} {Y0 + 10},{X0 + 120} {Y0 + 10},{X0 + 120} {Y0 + 20},"
                    f"{X0 + 110} {Y0 + 20},{X0 + 110} {Y0 + 10})),(({X0 + 130} {Y0 + 10},{X0 + 140} {Y0 + 10},"
                    f"{X0 + 140} {Y0 + 20},{X0 + 130} {Y0 + 20},{X0 + 130} {Y0 + 10})))"}]
    src = write_patches(str(tmp_path / "p.gpkg"), rows, fields=("JCBH", "XZQDM"), epsg=4548)
    import_patches(task_path, ImportOptions(src, batch="2024年度"))
    return task_path


def stored_patches(task_path):
    layer_ = QgsVectorLayer(f"{task_path}|layername=patches", "p", "ogr")
    return {f["jcbh"]: f for f in layer_.getFeatures()}


def stored_parts(task_path):
    with GeoPackageTaskStore.open(task_path) as store:
        parts = defaultdict(dict)
        for row in store.township_parts():
            parts[row["jcbh"]][row["xzqmc"]] = row
        return parts


@pytest.mark.parametrize("densify", [0, 1, 3], ids=["small polygons", "one large", "all large"])
def test_hand_built_areas_are_exact(hand_task, densify):
    """The same answers whether the red-line polygons are unioned whole (few vertices), clipped
    first (many vertices), or both."""
    run = run_overlay(hand_task, hand_built_inputs(densify=densify))
    assert (run.recomputed, run.reused) == (3, 0)
    assert [(r.layer, r.area_after) for r in run.repairs] == [("eco", pytest.approx(20000))]
    p = stored_patches(hand_task)
    # Overlapping cultivated polygons count once: 7000 + 4900 - 2800, not 11900.
    expected = {"area_m2": 10000, "cultivated_m2": 9100, "pbf_m2": 2500, "general_cultivated_m2": 6600,
                "eco_m2": 5000, "approved_m2": 10000}
    assert {k: p["P1"][k] for k in expected} == pytest.approx(expected)
    assert (p["P2"]["area_m2"], p["P2"]["cultivated_m2"]) == pytest.approx((800, 800))  # the hole excluded
    assert (p["P3"]["area_m2"], p["P3"]["cultivated_m2"]) == pytest.approx((200, 200))  # both parts
    assert p["P1"]["area_mode"] == "planar"


def tiles(x1, y1, x2, y2, size, values, dx=0.0):
    """The rectangle as size x size tiles: a layer with more polygons than there are patches."""
    return [(rect(x, y, min(x + size, x2), min(y + size, y2), dx), values)
            for x in range(x1, x2, size) for y in range(y1, y2, size)]


def test_layers_with_more_polygons_than_patches_give_the_same_areas(hand_task):
    """A layer of more polygons than there are patches is matched patch by patch (each patch's box
    asked of the layer's index), a smaller one polygon by polygon: the same exact answers, the
    tiles' shared edges adding nothing, the overlapping tiles counting once, an invalid polygon
    among many still repaired."""
    inputs = hand_built_inputs()
    inputs.cultivated = layer("cultivated", 4548, tiles(0, 0, 120, 200, 10, {"DLBM": "0103"}) +
                              tiles(80, 0, 200, 120, 10, {"DLBM": "0101"}), ("DLBM",))
    inputs.permanent_farmland = layer("pbf", 4527, tiles(50, 50, 100, 100, 5, {}, dx=PREFIX))
    bow_tie = (f"POLYGON(({X0 + PREFIX} {Y0},{X0 + PREFIX + 200} {Y0 + 200},{X0 + PREFIX + 200} {Y0},"
               f"{X0 + PREFIX} {Y0 + 200},{X0 + PREFIX} {Y0}))")
    inputs.eco_redline = layer("eco", 4527, [(bow_tie, {})] + tiles(300, 300, 340, 340, 10, {}, dx=PREFIX))
    run = run_overlay(hand_task, inputs)
    assert [(r.layer, r.feature_id, r.area_after) for r in run.repairs] == [("eco", 1, pytest.approx(20000))]
    p = stored_patches(hand_task)
    expected = {"area_m2": 10000, "cultivated_m2": 9100, "pbf_m2": 2500, "general_cultivated_m2": 6600,
                "eco_m2": 5000, "approved_m2": 10000}
    assert {k: p["P1"][k] for k in expected} == pytest.approx(expected)
    assert (p["P2"]["cultivated_m2"], p["P3"]["cultivated_m2"]) == pytest.approx((800, 200))


def test_invalid_polygon_in_a_geographic_crs_is_repaired_after_reprojection(hand_task):
    """An ecological red line delivered in EPSG:4490 (degrees) as a bow tie: QGIS reprojects it while
    reading and hands it back as invalid; it is repaired in the working CRS, its two halves counted."""
    to_degrees = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4548"),
                                        QgsCoordinateReferenceSystem("EPSG:4490"), QgsCoordinateTransformContext())
    corners = [to_degrees.transform(X0 + x, Y0 + y) for x, y in ((0, 0), (200, 200), (200, 0), (0, 200), (0, 0))]
    bow_tie = "POLYGON((" + ",".join(f"{p.x()!r} {p.y()!r}" for p in corners) + "))"
    inputs = hand_built_inputs()
    inputs.eco_redline = layer("eco", 4490, [(bow_tie, {})])
    run = run_overlay(hand_task, inputs)
    assert [(r.layer, r.feature_id) for r in run.repairs] == [("eco", 1)]
    assert run.repairs[0].area_after == pytest.approx(20000, abs=1)
    assert stored_patches(hand_task)["P1"]["eco_m2"] == pytest.approx(5000, abs=1)


def test_patch_across_three_townships_adds_up(hand_task):
    run_overlay(hand_task, hand_built_inputs())
    parts = stored_parts(hand_task)["P1"]
    assert set(parts) == {"甲镇", "乙镇", "丙镇"}
    assert {k: parts[k]["area_m2"] for k in parts} == pytest.approx({"甲镇": 2500, "乙镇": 2500, "丙镇": 5000})
    assert {k: parts[k]["cultivated_m2"] for k in parts} == pytest.approx({"甲镇": 2500, "乙镇": 2500, "丙镇": 4100})
    assert {k: parts[k]["eco_m2"] for k in parts} == pytest.approx({"甲镇": 1250, "乙镇": 1250, "丙镇": 2500})
    assert {k: parts[k]["general_cultivated_m2"] for k in parts} == pytest.approx(
        {"甲镇": 0, "乙镇": 2500, "丙镇": 4100}, abs=1e-6)
    whole = stored_patches(hand_task)["P1"]
    for f in schema.OVERLAY_AREA_FIELDS:
        assert sum(part[f.name] for part in parts.values()) == pytest.approx(whole[f.name], abs=1e-6)


def test_prejudgement_is_a_suggestion_with_reasons(hand_task):
    store = GeoPackageTaskStore.open(hand_task)
    store.apply_verifications({"P1": {"verdict": "违法"}}, schema.CHANNEL_FORM)
    store.close()
    run_overlay(hand_task, hand_built_inputs())
    p1 = stored_patches(hand_task)["P1"]
    assert p1["suggested_verdict"] == "合法" and p1["suggested_approval_no"] == "鲁政土字〔2023〕7号"
    assert p1["high_priority"] == 1
    assert "永久基本农田" in p1["suggestion_reasons"] and "ecological red line" in p1["suggestion_reasons"]
    store = GeoPackageTaskStore.open(hand_task)
    assert store.verifications()["P1"]["verdict"] == "违法"  # the human verdict stands
    store.close()
    assert stored_patches(hand_task)["P2"]["suggested_verdict"] == NULL  # no approval there


def test_rerun_recomputes_only_what_changed(tmp_path, hand_task):
    inputs = hand_built_inputs()
    run_overlay(hand_task, inputs)
    assert (run_overlay(hand_task, inputs).recomputed, run_overlay(hand_task, inputs).reused) == (0, 3)
    extra = write_patches(str(tmp_path / "q.gpkg"), [{"JCBH": "P4", "wkt": rect(160, 160, 170, 170)}],
                          fields=("JCBH",), epsg=4548)
    import_patches(hand_task, ImportOptions(extra, batch="2025Q1"))
    run = run_overlay(hand_task, inputs)
    assert (run.recomputed, run.reused) == (1, 3)
    assert stored_parts(hand_task)["P4"]["丙镇"]["area_m2"] == pytest.approx(100)
    ellipsoidal = OverlayInputs(**{**inputs.__dict__, "area_mode": AreaMode.ELLIPSOIDAL})
    assert run_overlay(hand_task, ellipsoidal).recomputed == 4


def test_ellipsoidal_differs_from_planar_by_the_scale_factor(hand_task):
    run_overlay(hand_task, hand_built_inputs(AreaMode.ELLIPSOIDAL))
    area = stored_patches(hand_task)["P1"]["area_m2"]
    # 100 km east of the central meridian the GK scale is about 1 + 100²/(2·6371²): ~1.2e-4 bigger.
    assert 10000 * (1 - 3e-4) < area < 10000 * (1 - 1e-4)


def test_missing_township_code_is_a_clear_error(hand_task):
    inputs = hand_built_inputs()
    inputs.townships = layer("towns", 4548, [(rect(0, 0, 200, 200), {"NAME": "x"})], ("NAME",))
    with pytest.raises(Exception, match="XZQDM"):
        run_overlay(hand_task, inputs)


def test_townships_coded_in_xzqhdm_are_split_as_with_xzqdm(hand_task):
    """A townships layer spelling its code and name as patch layers may (XZQHDM / XZQHMC, schema's
    spellings of XZQDM / XZQMC): the same township split as with XZQDM / XZQMC."""
    inputs = hand_built_inputs()
    inputs.townships = layer("乡镇界", 4548, [(rect(0, 0, 100, 100), {"XZQHDM": "370323101000", "XZQHMC": "甲镇"}),
                                             (rect(100, 0, 200, 100), {"XZQHDM": "370323102000", "XZQHMC": "乙镇"}),
                                             (rect(0, 100, 200, 200), {"XZQHDM": "370323103000", "XZQHMC": "丙镇"})],
                             ("XZQHDM", "XZQHMC"))
    run_overlay(hand_task, inputs)
    parts = stored_parts(hand_task)["P1"]
    assert {name: (part["xzqdm"], part["area_m2"]) for name, part in parts.items()} == {
        "甲镇": ("370323101000", pytest.approx(2500)), "乙镇": ("370323102000", pytest.approx(2500)),
        "丙镇": ("370323103000", pytest.approx(5000))}


def test_demo_county_matches_native_intersection(qgis_processing, tmp_path):
    """Cultivated area per patch equals native:intersection + QgsDistanceArea within 0.01 m²."""
    import processing

    from demodata.county import generate_county

    demo = generate_county(str(tmp_path / "demo"), size="small", seed=3)
    task = str(tmp_path / "task.gpkg")
    import_patches(task, ImportOptions(demo["patches"]))
    redlines = demo["redlines"]
    cultivated = QgsVectorLayer(f"{redlines}|layername=cultivated", "cultivated", "ogr")
    cultivated.setSubsetString("DLBM IN ('0101','0102','0103')")
    inputs = OverlayInputs(QgsVectorLayer(f"{redlines}|layername=townships", "t", "ogr"), cultivated,
                           QgsVectorLayer(f"{redlines}|layername=pbf", "pbf", "ogr"))
    run_overlay(task, inputs)
    ours = {jcbh: f["cultivated_m2"] for jcbh, f in stored_patches(task).items()}
    # General cultivated land lies outside the farmland, in the whole patch and in every township part.
    rows = [*stored_patches(task).values(), *(part for parts in stored_parts(task).values() for part in parts.values())]
    assert all(row["general_cultivated_m2"] + row["pbf_m2"] <= row["area_m2"] + 0.01 for row in rows)
    assert all(row["general_cultivated_m2"] <= row["cultivated_m2"] + 0.01 for row in rows)
    assert sum(row["pbf_m2"] for row in stored_patches(task).values()) > 1000  # the farmland is there

    pieces = processing.run("native:intersection", {
        "INPUT": f"{task}|layername=patches", "OVERLAY": cultivated, "INPUT_FIELDS": ["jcbh"],
        "OVERLAY_FIELDS": ["DLBM"], "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    measure = QgsDistanceArea()
    measure.setSourceCrs(QgsCoordinateReferenceSystem("EPSG:4548"), QgsCoordinateTransformContext())
    measure.setEllipsoid("EPSG:7019")
    theirs = defaultdict(float)
    for feature in pieces.getFeatures():
        theirs[feature["jcbh"]] += measure.measureArea(feature.geometry())
    assert len(ours) == 120
    worst = max(abs(ours[j] - theirs.get(j, 0.0)) for j in ours)
    assert worst < 0.01
    assert sum(ours.values()) > 100000  # the check is not vacuous


def test_patch_outside_every_township_is_reported_not_dropped(tmp_path, hand_task):
    extra = write_patches(str(tmp_path / "far.gpkg"), [{"JCBH": "FAR", "wkt": rect(500, 500, 510, 510)}],
                          fields=("JCBH",), epsg=4548)
    import_patches(hand_task, ImportOptions(extra, batch="2025Q1"))
    run = run_overlay(hand_task, hand_built_inputs())
    assert run.outside_townships == ["FAR"]
    assert any("FAR" in line and "township" in line for line in run.lines())
    (part,) = stored_parts(hand_task)["FAR"].values()
    assert part["xzqdm"] == "" and part["area_m2"] == pytest.approx(100)


def test_zone_numbered_plane_is_a_shift_of_the_same_projection():
    """EPSG:4527 (zone 39, easting prefixed by 39) is EPSG:4548 moved by 39,000 km: read by a
    translation. A different projection (another zone, geographic coordinates) is reprojected."""
    crs = QgsCoordinateReferenceSystem
    assert false_origin_shift(crs("EPSG:4527"), crs("EPSG:4548")) == (-PREFIX, 0.0)
    assert false_origin_shift(crs("EPSG:4548"), crs("EPSG:4548")) == (0.0, 0.0)
    assert false_origin_shift(crs("EPSG:4528"), crs("EPSG:4548")) is None
    assert false_origin_shift(crs("EPSG:4490"), crs("EPSG:4548")) is None


# From the large demo county (patch 3703232024005029): cultivated land minus farmland as GEOS 3.11
# computed it, with two collapsed polygons, and the patch's part in a township, all farmland.
GENERAL_WITH_COLLAPSED = (
    "MultiPolygon (((592619.41425440995953977 4003082.01409948850050569,"
    " 592619.13076291303150356 4003083.72688820026814938, 592629.20097841951064765 4003022.88502299040555954,"
    " 592619.41425440995953977 4003082.01409948850050569)),((592703.36580081551801413 4003100.510079984087497,"
    " 592707.80907262582331896 4003096.7694322532042861, 592727.83126268605701625 4003079.91339395195245743,"
    " 592739.71047692757565528 4003069.91266527818515897, 592717.13112532370723784 4003036.79697059048339725,"
    " 592702.26386039715725929 4003014.99210148770362139, 592729.57815980375744402 4003055.05224208114668727,"
    " 592705.00809703033883125 4003072.34304672572761774, 592676.92074589000549167 4003088.78900995710864663,"
    " 592687.3681039015064016 4003104.98826200515031815, 592668.46705721947364509 4003110.27916905796155334,"
    " 592703.36580081551801413 4003100.510079984087497)),((592654.36554295383393764 4002997.95674742013216019,"
    " 592650.00921000505331904 4002996.40738873323425651, 592702.26386039715725929 4003014.99210148770362139,"
    " 592654.36554295383393764 4002997.95674742013216019)))"
)
TOWNSHIP_PART = (
    "Polygon ((592629.20097841951064765 4003022.88502299040555954,"
    " 592619.88853091187775135 4003079.14863280765712261, 592638.72179969167336822 4003010.77016246318817139,"
    " 592629.20097841951064765 4003022.88502299040555954))"
)


def test_collapsed_polygons_are_dropped_before_they_mislead_an_intersection():
    general, part = QgsGeometry.fromWkt(GENERAL_WITH_COLLAPSED), QgsGeometry.fromWkt(TOWNSHIP_PART)
    solid = polygonal(QgsGeometry(general))
    assert solid.constGet().numGeometries() == 1 and solid.area() == pytest.approx(general.area())
    assert solid.intersection(part).area() == pytest.approx(0.0, abs=1e-6)  # nothing of it lies in the part
    collapsed = QgsGeometry.fromWkt("POLYGON((0 0, 1 1, 2 2, 0 0))")
    assert polygonal(collapsed) is None
    assert polygonal(QgsGeometry.fromWkt("POLYGON((0 0, 0.001 0, 0.001 0.001, 0 0))")) is not None  # tiny, not flat


class CancelAt(QgsFeedback):
    """Cancels once the progress reaches `at` percent; keeps every progress value it saw."""

    def __init__(self, at=None):
        super().__init__()
        self.at, self.seen = at, []
        self.progressChanged.connect(self._progressed)

    def _progressed(self, value):
        self.seen.append(value)
        if self.at is not None and value >= self.at:
            self.cancel()


@pytest.mark.parametrize("at", [10, 50], ids=["while reading", "once assembled"])
def test_cancelled_overlay_writes_nothing(hand_task, at):
    feedback = CancelAt(at)
    assert run_overlay(hand_task, hand_built_inputs(), feedback) is None
    assert all(patch["cultivated_m2"] == NULL for patch in stored_patches(hand_task).values())
    assert stored_parts(hand_task) == {}
    finished = CancelAt()
    assert run_overlay(hand_task, hand_built_inputs(), finished).recomputed == 3  # nothing was kept as done
    assert finished.seen == sorted(finished.seen) and finished.seen[-1] == pytest.approx(100)


def test_every_patch_gets_the_overlays_main_township(season):
    """The township of a patch is the one holding its largest part (deliveries carry the county's
    code on every patch), stored on the patch by the overlay."""
    with GeoPackageTaskStore.open(season["task"]) as store:
        largest = {}  # jcbh -> its largest part (ties: the smaller code)
        for part in store.township_parts():
            best = largest.get(part["jcbh"])
            if best is None or (-part["area_m2"], part["xzqdm"]) < (-best["area_m2"], best["xzqdm"]):
                largest[part["jcbh"]] = part
        expected = {jcbh: (part["xzqdm"], part["xzqmc"]) for jcbh, part in largest.items()}
        rows = store.query(f"SELECT jcbh, {schema.TOWNSHIP_CODE.name} AS code, {schema.TOWNSHIP_NAME.name} AS name "
                            f"FROM {schema.PATCHES_LAYER}")
    assert rows and {r["jcbh"]: (r["code"], r["name"]) for r in rows} == expected
    assert all(code[6:9] != "000" for code, _ in expected.values())  # townships, never the county


def test_areas_stay_numbers_when_the_overlay_runs_again_in_one_qgis_session(tmp_path):
    """Worker threads of an earlier run have ended by the next run (as QgsTask threads do in QGIS
    desktop): the ellipsoid looked up first in one of them once made every later area NaN."""
    import subprocess
    import sys

    script = tmp_path / "twice.py"
    script.write_text(
        "import sys\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsGeometry\n"
        "app = QgsApplication([], False); app.initQgis()\n"
        f"sys.path.insert(0, {os.path.dirname(os.path.dirname(os.path.abspath(__file__)))!r})\n"
        "from land_enforcement_plugin.core.ellipsoid import AreaCalculator\n"
        "crs = QgsCoordinateReferenceSystem('EPSG:4548')\n"
        "square = QgsGeometry.fromWkt('POLYGON((500000 4000000, 500100 4000000, 500100 4000100, 500000 4000100, "
        "500000 4000000))')\n"
        "for run in range(3):\n"
        "    with ThreadPoolExecutor(2) as pool:\n"
        "        print(*pool.map(lambda _: AreaCalculator(crs).area(square), range(2)))\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    areas = [float(value) for value in out.stdout.split()]
    assert len(areas) == 6 and all(abs(area - 10000.0) < 1.0 for area in areas), out.stdout + out.stderr


def test_farmland_that_only_touches_a_patch_adds_nothing_and_no_priority():
    """A patch drawn along a farmland block's edge (and one meeting another block at a corner) is cut
    by neither: its farmland area stays exactly 0, so it is not marked high priority."""
    from land_enforcement_plugin.core.overlay.engine_local import compute_overlay

    patch = QgsGeometry.fromWkt(rect(10, 10, 40, 40))
    pbf = layer("pbf", 4548, [(rect(40, 10, 80, 40), {}), (rect(40, 40, 60, 60), {}), (rect(-30, 0, 10, 25), {})],
                densify=1)
    (result,), _ = compute_overlay([("P1", patch)], QgsCoordinateReferenceSystem("EPSG:4548"),
                                   OverlayInputs(townships(), permanent_farmland=pbf))
    assert result.areas["pbf_m2"] == 0.0 and not result.high_priority
    assert result.areas["area_m2"] == pytest.approx(900, rel=1e-3)
