"""Importing change patches: every bad-input case gives a clear message and loses nothing."""
import json
import os

import pytest
from conftest import BOWTIE, HOLED, MULTI, SQUARE, patch_row, shift, write_patches
from osgeo import ogr, osr
from qgis.core import QgsFeedback, QgsGeometry, QgsVectorLayer

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.intake import importing, profiles
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.store import GeoPackageTaskStore


def patches_of(task_path):
    layer = QgsVectorLayer(f"{task_path}|layername=patches", "p", "ogr")
    assert layer.isValid()
    return {f["jcbh"]: f for f in layer.getFeatures()}


def accounted(result):
    """Every source row is imported or rejected: nothing vanishes."""
    rejected_rows = {i.row for i in result.rejected}
    return result.inserted + result.updated + result.unchanged + len(rejected_rows)


def test_gbk_shapefile_without_cpg_keeps_chinese(tmp_path, task_path):
    src = write_patches(str(tmp_path / "wptb.shp"), [patch_row("A1", xzqmc="南麻街道")])
    assert not os.path.exists(tmp_path / "wptb.cpg")
    raw = open(tmp_path / "wptb.dbf", "rb").read()
    assert "南麻街道".encode("gbk") in raw

    assert importing.detect_shapefile_encoding(src) == (importing.GBK, "bytes")
    result = import_patches(task_path, ImportOptions(src))
    assert result.encoding == importing.GBK
    feature = patches_of(task_path)["A1"]
    assert feature["xzqmc"] == "南麻街道"
    assert json.loads(feature["src_attrs"])["XZQMC"] == "南麻街道"
    assert result.batch == "2024年度"  # taken from the PC field


def test_utf8_shapefile_with_cpg(tmp_path, task_path):
    src = write_patches(str(tmp_path / "u.shp"), [patch_row("A1", xzqmc="悦庄镇")], encoding="UTF-8", keep_cpg=True)
    assert importing.detect_shapefile_encoding(src) == (importing.UTF8, "cpg")
    import_patches(task_path, ImportOptions(src))
    assert patches_of(task_path)["A1"]["xzqmc"] == "悦庄镇"


def test_utf8_shapefile_without_cpg_is_detected(tmp_path):
    src = write_patches(str(tmp_path / "u.shp"), [patch_row("A1", xzqmc="悦庄镇")], encoding="UTF-8")
    assert importing.detect_shapefile_encoding(src) == (importing.UTF8, "bytes")


@pytest.mark.parametrize("ext", [".gpkg", ".geojson", ".gdb"])
def test_other_formats(tmp_path, task_path, ext):
    src = write_patches(str(tmp_path / f"wptb{ext}"), [patch_row("A1"), patch_row("A2", wkt=shift(SQUARE, 0.01))])
    result = import_patches(task_path, ImportOptions(src, batch="2025Q2"))
    assert result.inserted == 2
    assert set(patches_of(task_path)) == {"A1", "A2"}
    assert patches_of(task_path)["A1"]["xzqmc"] == "城关镇"


def test_working_crs_from_longitude_and_source_geometry_kept(tmp_path, task_path):
    src = write_patches(str(tmp_path / "p.shp"), [patch_row("A1")])
    result = import_patches(task_path, ImportOptions(src))
    # 118.1°E is nearest to the 117°E central meridian: CGCS2000 3-degree GK CM 117E.
    assert result.working_crs == "EPSG:4548"
    layer = QgsVectorLayer(f"{task_path}|layername=patches_source_4490", "s", "ogr")
    assert layer.crs().authid() == "EPSG:4490"
    source = next(layer.getFeatures()).geometry()
    assert source.boundingBox().xMinimum() == pytest.approx(118.1)
    working = patches_of(task_path)["A1"].geometry()
    # 1.1° east of the central meridian, plus the 500 km false easting.
    assert 595000 < working.boundingBox().xMinimum() < 605000


def test_gk_zone_choice():
    assert importing.gk3_zone_crs(118.1).authid() == "EPSG:4548"
    assert importing.gk3_zone_crs(111.6).authid() == "EPSG:4546"  # 垣曲 / 五寨: CM 111E
    with pytest.raises(LandEnforcementError, match="outside China"):
        importing.gk3_zone_crs(10.0)


def test_working_crs_override(tmp_path, task_path):
    src = write_patches(str(tmp_path / "p.shp"), [patch_row("A1")])
    result = import_patches(task_path, ImportOptions(src, working_crs="EPSG:4527"))
    assert result.working_crs == "EPSG:4527"
    src2 = write_patches(str(tmp_path / "q.shp"), [patch_row("A2")])
    with pytest.raises(LandEnforcementError, match="working CRS is EPSG:4527"):
        import_patches(task_path, ImportOptions(src2, working_crs="EPSG:4548"))


def test_missing_crs_is_an_error_not_a_guess(tmp_path, task_path):
    src = write_patches(str(tmp_path / "noprj.shp"), [patch_row("A1")], epsg=None)
    with pytest.raises(LandEnforcementError) as info:
        import_patches(task_path, ImportOptions(src))
    assert "坐标系" in info.value.zh and "coordinate reference system" in info.value.en
    assert not os.path.exists(task_path)
    result = import_patches(task_path, ImportOptions(src, source_crs="EPSG:4490"))
    assert result.inserted == 1


def test_invalid_geometry_is_repaired_and_listed(tmp_path, task_path):
    src = write_patches(str(tmp_path / "p.shp"), [patch_row("A1"), patch_row("BOW", wkt=BOWTIE)])
    result = import_patches(task_path, ImportOptions(src))
    assert [i.jcbh for i in result.repaired] == ["BOW"]
    issue = result.repaired[0]
    assert issue.row == 2 and "修复" in issue.zh and "repaired" in issue.en
    assert issue.area_after > 4000  # two triangles of a ~100 m square, not the ~0 of the bow-tie
    assert abs(issue.area_before) < issue.area_after
    feature = patches_of(task_path)["BOW"]
    assert feature["geom_repaired"] == 1
    assert feature.geometry().isGeosValid()
    assert feature.geometry().area() == pytest.approx(issue.area_after)
    stored = GeoPackageTaskStore.open(task_path).latest_import_issues()
    assert [(i.jcbh, i.severity) for i in stored] == [("BOW", "repaired")]


def test_bad_rows_are_listed_never_dropped(tmp_path, task_path):
    rows = [patch_row("A1"), patch_row("A1", wkt=shift(SQUARE, 0.01)), patch_row(None, wkt=shift(SQUARE, 0.02)),
            patch_row("   ", wkt=shift(SQUARE, 0.03)), patch_row("EMPTY", wkt=None),
            patch_row("A4", wkt=shift(SQUARE, 0.04))]
    src = write_patches(str(tmp_path / "p.shp"), rows)
    result = import_patches(task_path, ImportOptions(src))
    assert result.read == 6
    assert accounted(result) == 6
    rejected = {(i.row, i.code) for i in result.rejected}
    assert rejected == {(2, "duplicate_jcbh"), (3, "missing_jcbh"), (4, "missing_jcbh"), (5, "empty_geometry")}
    duplicate = next(i for i in result.rejected if i.code == "duplicate_jcbh")
    assert "第 1 行" in duplicate.zh and "row 1" in duplicate.en
    assert set(patches_of(task_path)) == {"A1", "A4"}
    # The first A1 (row 1) is the one kept.
    assert patches_of(task_path)["A1"].geometry().boundingBox().xMinimum() < 600000


def test_non_polygon_rejected(tmp_path, task_path):
    src = write_patches(str(tmp_path / "p.gpkg"),
                        [patch_row("A1"), patch_row("L1", wkt="LINESTRING(118.1 36.1,118.2 36.2)")])
    result = import_patches(task_path, ImportOptions(src))
    assert [(i.jcbh, i.code) for i in result.rejected] == [("L1", "not_polygon")]
    assert accounted(result) == 2


def test_zm_dropped_multipart_and_holes_kept(tmp_path, task_path):
    z_square = ogr.CreateGeometryFromWkt(shift(SQUARE, 0.05))
    z_square.Set3D(True)
    rows = [patch_row("Z1", wkt=z_square.ExportToIsoWkt()), patch_row("M1", wkt=MULTI), patch_row("H1", wkt=HOLED)]
    src = write_patches(str(tmp_path / "p.gpkg"), rows)
    result = import_patches(task_path, ImportOptions(src))
    assert result.inserted == 3
    assert [(i.jcbh, i.code) for i in result.issues if i.severity == "note"] == [("Z1", "zm_dropped")]
    features = patches_of(task_path)
    assert not features["Z1"].geometry().constGet().is3D()
    assert features["M1"].geometry().constGet().numGeometries() == 2
    assert features["H1"].geometry().constGet().geometryN(0).numInteriorRings() == 1
    assert "Z/M" in features["Z1"]["import_note"]


def test_field_mapping_detected_and_confirmed(tmp_path, task_path):
    fields = ("监测编号", "行政区代码", "图斑面积")
    rows = [{"监测编号": "X1", "行政区代码": "370323101000", "图斑面积": 3.5, "wkt": SQUARE}]
    src = write_patches(str(tmp_path / "cn.gpkg"), rows, fields=fields)
    info = importing.inspect_source(src)
    assert info.mapping == {"jcbh": "监测编号", "xzqdm": "行政区代码", "tbmj": "图斑面积"}
    import_patches(task_path, ImportOptions(src, batch="2024年度"))
    feature = patches_of(task_path)["X1"]
    assert feature["xzqdm"] == "370323101000" and feature["tbmj"] == 3.5


def test_missing_required_field_in_mapping(tmp_path, task_path):
    src = write_patches(str(tmp_path / "nojcbh.gpkg"), [{"NAME": "x", "wkt": SQUARE}], fields=("NAME",))
    with pytest.raises(LandEnforcementError) as info:
        import_patches(task_path, ImportOptions(src, batch="2024年度"))
    assert "监测编号" in info.value.zh and "required" in info.value.en
    assert not os.path.exists(task_path)
    # The user maps it by hand.
    result = import_patches(task_path, ImportOptions(src, batch="2024年度", field_mapping={"jcbh": "NAME"}))
    assert result.inserted == 1
    with pytest.raises(LandEnforcementError, match="not in the source data"):
        import_patches(task_path, ImportOptions(src, batch="2024年度", field_mapping={"jcbh": "NOPE"}))


def test_mapping_profiles_and_headless_parsing():
    profiles.save_mapping_profile("山东2024", {"jcbh": "TBBH", "xzqdm": "XZDM"})
    assert profiles.parse_field_mapping("山东2024") == {"jcbh": "TBBH", "xzqdm": "XZDM"}
    assert profiles.parse_field_mapping('{"jcbh": "ID"}') == {"jcbh": "ID"}
    assert profiles.parse_field_mapping("") is None
    with pytest.raises(LandEnforcementError, match="No field-mapping profile"):
        profiles.parse_field_mapping("不存在")
    with pytest.raises(LandEnforcementError, match="Unknown target fields"):
        profiles.parse_field_mapping('{"idx": "ID"}')
    profiles.delete_mapping_profile("山东2024")
    assert "山东2024" not in profiles.mapping_profiles()


def test_batch_required_when_unknown(tmp_path, task_path):
    src = write_patches(str(tmp_path / "p.gpkg"), [patch_row("A1")], fields=("JCBH",))
    with pytest.raises(LandEnforcementError, match="batch"):
        import_patches(task_path, ImportOptions(src))


def test_dates_and_numbers_normalised_with_notes(tmp_path, task_path):
    rows = [patch_row("A1", QSX="2023/9/5", HSX="2024/04/01 00:00:00"),
            patch_row("A2", wkt=shift(SQUARE, 0.01), QSX="去年秋天")]
    src = write_patches(str(tmp_path / "p.gpkg"), rows)
    result = import_patches(task_path, ImportOptions(src))
    features = patches_of(task_path)
    assert (features["A1"]["qsx"], features["A1"]["hsx"]) == ("2023-09-05", "2024-04-01")
    assert features["A2"]["qsx"] == "去年秋天"
    assert [(i.jcbh, i.code) for i in result.issues] == [("A2", "bad_date")]


def test_reimport_merges_and_keeps_verification(tmp_path, task_path):
    src = write_patches(str(tmp_path / "q1.shp"), [patch_row("A1"), patch_row("A2", wkt=shift(SQUARE, 0.01))])
    import_patches(task_path, ImportOptions(src))
    store = GeoPackageTaskStore.open(task_path)
    with store.transaction():
        store.insert(schema.VERIFICATIONS_TABLE, {"jcbh": "A1", "verdict": "违法", "inspector": "张三"})
    store.close()

    # Same file again: nothing changes.
    again = import_patches(task_path, ImportOptions(src))
    assert (again.inserted, again.updated, again.unchanged, again.file_seen_before) == (0, 0, 2, True)

    # A corrected delivery of the same batch: A1's area changed, A2 missing, A3 new.
    fixed = write_patches(str(tmp_path / "q1b.shp"),
                          [patch_row("A1", TBMJ=99.0), patch_row("A3", wkt=shift(SQUARE, 0.02))])
    result = import_patches(task_path, ImportOptions(fixed))
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 0)
    assert result.kept_absent == ["A2"]
    features = patches_of(task_path)
    assert set(features) == {"A1", "A2", "A3"}
    assert features["A1"]["tbmj"] == 99.0

    # Next quarter into the same task.
    q2 = write_patches(str(tmp_path / "q2.shp"), [patch_row("B1", wkt=shift(SQUARE, 0.03), PC="2025Q1")])
    import_patches(task_path, ImportOptions(q2))
    store = GeoPackageTaskStore.open(task_path)
    verifications = store.query(f"SELECT jcbh, verdict, inspector FROM {schema.VERIFICATIONS_TABLE}")
    assert verifications == [{"jcbh": "A1", "verdict": "违法", "inspector": "张三"}]
    summary = store.summary()
    assert summary.batches == ["2024年度", "2025Q1"]
    assert summary.patch_count == 4 and summary.verified_count == 1
    changes = [(e["action"], e["jcbh"], e["field"]) for e in store.audit_entries("A1")]
    assert ("update", "A1", "tbmj") in changes and ("insert", "A1", None) in changes
    files = store.query(f"SELECT file_name, sha256 FROM {schema.SOURCE_FILES_TABLE}")
    assert [f["file_name"] for f in files] == ["q1.shp", "q1.shp", "q1b.shp", "q2.shp"]
    assert all(len(f["sha256"]) == 64 for f in files)
    store.close()


def test_cancel_leaves_nothing(tmp_path, task_path):
    src = write_patches(str(tmp_path / "p.shp"), [patch_row(f"A{i}", wkt=shift(SQUARE, 0.01 * i)) for i in range(5)])
    feedback = QgsFeedback()
    feedback.cancel()
    with pytest.raises(importing.ImportCancelled):
        import_patches(task_path, ImportOptions(src), feedback)
    assert not os.path.exists(task_path)


def test_unknown_file_and_unreadable_file(tmp_path, task_path):
    with pytest.raises(LandEnforcementError, match="File not found"):
        import_patches(task_path, ImportOptions(str(tmp_path / "nothing.shp")))
    junk = tmp_path / "junk.geojson"
    junk.write_text("this is not json")
    with pytest.raises(LandEnforcementError, match="Cannot read vector data"):
        import_patches(task_path, ImportOptions(str(junk)))


def test_geometry_area_in_working_crs_matches_source(tmp_path, task_path):
    src = write_patches(str(tmp_path / "p.shp"), [patch_row("A1")])
    import_patches(task_path, ImportOptions(src))
    working = patches_of(task_path)["A1"].geometry()
    # 0.001° x 0.001° at 36.1°N: about 111 m x 90 m.
    assert 9000 < working.area() < 10500
    assert isinstance(working, QgsGeometry)


# -- real deliveries (issue 14) -----------------------------------------------------------------
LINGCHUAN = "140524"


def coded(serial, county=LINGCHUAN):
    """A monitoring number as provinces write them: county code, year, serial (16 characters)."""
    return f"{county}2023{serial:06d}"


def county_row(jcbh, dx=0.0, **extra):
    """A patch as delivered: the county's code and name on every row, a month for each image date."""
    row = {"JCBH": jcbh, "XZQDM": f"{LINGCHUAN}000000", "XZQMC": "陵川县", "TBMJ": 15.2, "QSX": "202210",
           "HSX": "202303", "PC": "2023Q1", "wkt": shift(SQUARE, dx)}
    row.update(extra)
    return row


def write_numeric_jcbh(path, values, field_type, width, precision=0):
    """A delivered shapefile whose JCBH is a numeric DBF field (N(width, precision)), as some
    provincial exports and every Excel round trip write it."""
    ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(path)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4490)
    layer = ds.CreateLayer("wptb", srs, ogr.wkbPolygon)
    definition = ogr.FieldDefn("JCBH", field_type)
    definition.SetWidth(width)
    definition.SetPrecision(precision)
    layer.CreateField(definition)
    for name in ("XZQDM", "PC"):
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    for n, value in enumerate(values):
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("JCBH", value)
        feature.SetField("XZQDM", f"{LINGCHUAN}000000")
        feature.SetField("PC", "2023Q1")
        feature.SetGeometry(ogr.CreateGeometryFromWkt(shift(SQUARE, 0.01 * n)))
        layer.CreateFeature(feature)
    ds = None
    return path


def test_full_width_and_zero_width_jcbh_are_the_patches_already_there(tmp_path, task_path):
    first = write_patches(str(tmp_path / "q1.shp"), [county_row(coded(1)), county_row(coded(2), 0.01),
                                                     county_row(coded(3), 0.02)])
    import_patches(task_path, ImportOptions(first))
    full_width = coded(1).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    again = write_patches(str(tmp_path / "q1_again.shp"), [
        county_row(full_width), county_row(coded(2)[:8] + "\u200b" + coded(2)[8:], 0.01),
        county_row(" " + coded(3) + "\ufeff\u3000", 0.02)])
    result = import_patches(task_path, ImportOptions(again))
    assert (result.inserted, len(result.rejected)) == (0, 0)
    features = patches_of(task_path)
    assert sorted(features) == [coded(1), coded(2), coded(3)]
    one_area = features[coded(1)].geometry().area()
    assert sum(f.geometry().area() for f in features.values()) == pytest.approx(3 * one_area, rel=1e-3)
    assert json.loads(features[coded(1)]["src_attrs"])["JCBH"] == full_width  # the delivery kept as it was


def test_scientific_notation_jcbh_is_rejected_with_the_reason(tmp_path, task_path):
    src = write_patches(str(tmp_path / "excel.shp"), [county_row(coded(1)), county_row("3.70323E+15", 0.01)])
    result = import_patches(task_path, ImportOptions(src))
    (rejected,) = result.rejected
    assert (rejected.row, rejected.code) == (2, "jcbh_scientific")
    assert "科学计数法" in rejected.zh and "scientific notation" in rejected.en
    assert sorted(patches_of(task_path)) == [coded(1)]


def test_jcbh_of_another_county_or_length_is_rejected_not_a_new_patch(tmp_path, task_path):
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "a.shp"), [county_row(coded(1))])))
    src = write_patches(str(tmp_path / "b.shp"), [county_row(coded(2, "140525"), 0.01),
                                                  county_row(coded(3)[:-1], 0.02), county_row(coded(4), 0.03)])
    result = import_patches(task_path, ImportOptions(src))
    assert [(i.row, i.code) for i in result.rejected] == [(1, "jcbh_county"), (2, "jcbh_length")]
    assert "140524" in result.rejected[0].zh and "16" in result.rejected[1].en
    assert sorted(patches_of(task_path)) == [coded(1), coded(4)]


def test_a_new_numbering_of_a_later_year_is_imported(tmp_path, task_path):
    """Whole files in another length (or without the county code in front) are the province's
    numbering, not malformed rows."""
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "a.shp"), [county_row(coded(1))])))
    longer = [county_row(f"{coded(n)}01", 0.01 * n, PC="2024Q1") for n in (2, 3)]
    assert import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "b.shp"), longer))).inserted == 2
    year_first = [county_row(f"2024{LINGCHUAN}{n:06d}", 0.01 * n, PC="2024Q2") for n in (4, 5, 6)]
    result = import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "c.shp"), year_first)))
    assert (result.inserted, result.rejected) == (3, [])


def test_18_digit_integer_jcbh_is_read_exactly(tmp_path, task_path):
    long_jcbh = 140524202300000123
    src = write_numeric_jcbh(str(tmp_path / "int.shp"), [long_jcbh, long_jcbh + 1], ogr.OFTInteger64, 18)
    result = import_patches(task_path, ImportOptions(src))
    assert result.inserted == 2
    assert sorted(patches_of(task_path)) == ["140524202300000123", "140524202300000124"]


def test_18_digit_real_jcbh_is_rejected_as_cut(tmp_path, task_path):
    src = write_numeric_jcbh(str(tmp_path / "real.shp"), [1405242023001.0, 140524202300000123.0, 1405242023002.5],
                             ogr.OFTReal, 24, 3)
    result = import_patches(task_path, ImportOptions(src))
    assert [(i.row, i.code) for i in result.rejected] == [(2, "jcbh_cut"), (3, "jcbh_cut")]
    assert "15" in result.rejected[0].zh
    assert sorted(patches_of(task_path)) == ["1405242023001"]


def test_month_dates_are_kept_as_months_without_notes(tmp_path, task_path):
    rows = [county_row(coded(1), QSX="202210", HSX="2023-03"),
            county_row(coded(2), 0.01, QSX="2022.10", HSX="20230315"),
            county_row(coded(3), 0.02, QSX="2022年10月", HSX="２０２３０３")]
    result = import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "m.shp"), rows)))
    assert [i for i in result.issues if i.code == "bad_date"] == []
    features = patches_of(task_path)
    assert [(features[coded(n)]["qsx"], features[coded(n)]["hsx"]) for n in (1, 2, 3)] == [
        ("2022-10", "2023-03"), ("2022-10", "2023-03-15"), ("2022-10", "2023-03")]


def quarters(tmp_path):
    rows = [county_row(coded(n), 0.01 * n, PC=f"2023Q{1 + n % 4}") for n in range(8)]
    return write_patches(str(tmp_path / "year.shp"), rows)


def test_four_quarters_become_four_batches(tmp_path, task_path):
    result = import_patches(task_path, ImportOptions(quarters(tmp_path)))
    assert result.batches == {"2023Q1": 2, "2023Q2": 2, "2023Q3": 2, "2023Q4": 2}
    assert any(i.code == "batches_from_pc" and "4 个批次" in i.zh for i in result.issues)
    with GeoPackageTaskStore.open(task_path) as store:
        assert store.summary().batches == ["2023Q1", "2023Q2", "2023Q3", "2023Q4"]
        assert {r["jcbh"]: r["batch"] for r in store.review_rows()}[coded(1)] == "2023Q2"
        assert any(i.code == "batches_from_pc" for i in store.latest_import_issues())


def test_four_quarters_into_one_batch_on_request(tmp_path, task_path):
    src = quarters(tmp_path)
    with pytest.raises(LandEnforcementError, match="batch"):
        import_patches(task_path, ImportOptions(src, batch_mode=importing.BATCH_ALL))
    result = import_patches(task_path, ImportOptions(src, batch="2023年度", batch_mode=importing.BATCH_ALL))
    assert result.batches == {"2023年度": 8}
    assert any(i.code == "batches_merged" and "2023Q1、2023Q2、2023Q3、2023Q4" in i.zh for i in result.issues)
    with GeoPackageTaskStore.open(task_path) as store:
        assert store.summary().batches == ["2023年度"]


ZHEJIANG_FIELDS = ("JCBH", "XZQDM", "SSXS", "SSXZ", "AREA", "QSX", "HSX", "QLX", "HLX", "SCSJ", "QSIMG", "HSIMG")


def test_zhejiang_fields_are_mapped_and_the_rest_listed(tmp_path, task_path):
    row = {"JCBH": "330106202300001", "XZQDM": "330106", "SSXS": "西湖区", "SSXZ": "转塘街道", "AREA": 3.5,
           "QSX": "2022/10/01", "HSX": "2023/03/01", "QLX": "耕地", "HLX": "建设用地", "SCSJ": "2023-04-02",
           "QSIMG": "q.tif", "HSIMG": "h.tif", "wkt": "POLYGON((120.1 30.2,120.101 30.2,120.101 30.201,120.1 30.2))"}
    src = write_patches(str(tmp_path / "zj.gpkg"), [row], fields=ZHEJIANG_FIELDS)
    info = importing.inspect_source(src)
    assert info.profile.startswith("浙江")
    assert (info.mapping["tbmj"], info.mapping["bhlx"], info.mapping["xzqmc"], info.mapping["delivered_township"]) == (
        "AREA", "HLX", "SSXS", "SSXZ")
    result = import_patches(task_path, ImportOptions(src, batch="2023Q1"))
    assert result.unmapped == ["QLX", "SCSJ", "QSIMG", "HSIMG"]
    assert any(i.code == "unmapped_fields" and "QSIMG" in i.zh for i in result.issues)
    feature = patches_of(task_path)["330106202300001"]
    assert (feature["tbmj"], feature["bhlx"], feature["xzqmc"], feature[schema.DELIVERED_TOWNSHIP.name]) == (
        3.5, "建设用地", "西湖区", "转塘街道")
    assert (feature["qsx"], feature["hsx"]) == ("2022-10-01", "2023-03-01")
    assert json.loads(feature["src_attrs"])["HSIMG"] == "h.tif"
    assert GeoPackageTaskStore.open(task_path).summary().county_name == "西湖区"
    # Chosen by name headless, like a profile the bureau saved.
    assert profiles.parse_field_mapping(info.profile)["tbmj"] == "AREA"


def test_county_name_from_the_delivery_or_the_bundled_list(tmp_path):
    delivered = str(tmp_path / "delivered.gpkg")
    import_patches(delivered, ImportOptions(write_patches(str(tmp_path / "a.shp"), [county_row(coded(1))])))
    assert GeoPackageTaskStore.open(delivered).summary().county_name == "陵川县"
    # Township codes and names on the rows: the county's name comes from the list of its code.
    listed = str(tmp_path / "listed.gpkg")
    import_patches(listed, ImportOptions(write_patches(str(tmp_path / "b.shp"), [patch_row("A1")])))
    summary = GeoPackageTaskStore.open(listed).summary()
    assert (summary.county_code, summary.county_name) == ("370323", "沂源县")
    assert profiles.bundled_county_name("140524") == "陵川县"


def test_county_name_filled_on_a_later_import(tmp_path, task_path):
    store = GeoPackageTaskStore.create(task_path, "EPSG:4548")  # made before any delivery
    store.close()
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "a.shp"), [county_row(coded(1))])))
    summary = GeoPackageTaskStore.open(task_path).summary()
    assert (summary.county_code, summary.county_name) == (LINGCHUAN, "陵川县")


def test_layer_given_the_qgis_way_in_the_path(tmp_path, task_path):
    path = str(tmp_path / "delivery.gpkg")
    write_patches(path, [county_row(coded(1))])
    result = import_patches(task_path, ImportOptions(f"{path}|layername=wptb"))
    assert result.inserted == 1


# -- headless, as qgis_process runs it -----------------------------------------------------------


def test_importpatches_takes_a_layer_named_in_the_input(provider, tmp_path, task_path):
    import processing

    path = str(tmp_path / "delivery.gpkg")
    write_patches(path, [county_row(coded(1))])
    result = processing.run("landenforcement:importpatches", {"INPUT": f"{path}|layername=wptb", "DATABASE": task_path})
    assert result["INSERTED"] == 1
    assert sorted(patches_of(task_path)) == [coded(1)]


def test_importpatches_batch_per_quarter_or_all_in_one(provider, tmp_path):
    import processing

    src = quarters(tmp_path)
    per_quarter = str(tmp_path / "per_quarter.gpkg")
    result = processing.run("landenforcement:importpatches", {"INPUT": src, "DATABASE": per_quarter})
    assert result["BATCHES"] == "2023Q1、2023Q2、2023Q3、2023Q4"
    assert "4 个批次" in result["REPORT"]
    one = str(tmp_path / "one.gpkg")
    result = processing.run("landenforcement:importpatches",
                            {"INPUT": src, "DATABASE": one, "BATCH": "2023年度", "BATCH_MODE": 1})
    assert result["BATCHES"] == "2023年度"
    assert GeoPackageTaskStore.open(one).summary().batches == ["2023年度"]
