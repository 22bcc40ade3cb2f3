"""The demo county is plausible where it matters: exact tilings, real-delivery quirks, determinism."""
import hashlib
import os

import openpyxl
import pytest
from PIL import Image
from qgis.core import QgsCoordinateReferenceSystem, QgsGeometry, QgsVectorLayer

from demodata.county import county_boundary, generate_county


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return generate_county(str(tmp_path_factory.mktemp("demo")), size="small", seed=7)


def features(demo, name):
    return list(QgsVectorLayer(f"{demo['redlines']}|layername={name}", name, "ogr").getFeatures())


def union_area(geometries):
    return QgsGeometry.unaryUnion(geometries).area()


def test_townships_tile_the_county(demo):
    county, _, _ = county_boundary("370323")
    rows = features(demo, "townships")
    assert len(rows) == 6
    assert all(len(f["XZQDM"]) == 12 and f["XZQDM"].startswith("370323") and f["XZQDM"].endswith("000")
               for f in rows)
    total = sum(f.geometry().area() for f in rows)
    assert union_area([f.geometry() for f in rows]) == pytest.approx(total, rel=1e-9)  # no overlaps
    # No gaps: every patch of the delivery touches a township.
    patches = QgsVectorLayer(demo["patches"], "p", "ogr")
    assert all(any(t.geometry().intersects(p.geometry()) for t in rows) for p in patches.getFeatures())


def test_land_use_tiling_is_gap_free(demo):
    county, _, _ = county_boundary("370323")
    parcels = features(demo, "cultivated")
    assert len(parcels) > 2500
    total = sum(f.geometry().area() for f in parcels)
    assert total == pytest.approx(county.area(), rel=1e-6)  # prefixed zone: same plane, shifted
    assert union_area([f.geometry() for f in parcels]) == pytest.approx(total, rel=1e-6)  # no overlaps
    codes = {f["DLBM"] for f in parcels}
    assert {"0101", "0102", "0103"} <= codes and len(codes) > 5


def test_patch_delivery_is_gbk_without_cpg_in_cgcs2000(demo):
    base = os.path.splitext(demo["patches"])[0]
    assert not os.path.exists(base + ".cpg")
    raw = open(base + ".dbf", "rb").read()
    with pytest.raises(UnicodeDecodeError):
        raw[raw.index(b"\r") + 1:].decode("utf-8")
    assert "年度".encode("gbk") in raw
    layer = QgsVectorLayer(demo["patches"], "p", "ogr")
    assert layer.crs() == QgsCoordinateReferenceSystem("EPSG:4490")
    assert layer.featureCount() == 120


def test_special_patches_are_what_they_claim(demo):
    layer = QgsVectorLayer(demo["patches"], "p", "ogr")
    by_jcbh = {f["JCBH"]: f.geometry() for f in layer.getFeatures()}
    special = demo["special_patches"]
    assert special["invalid"] and all(not by_jcbh[j].isGeosValid() for j in special["invalid"])
    assert all(by_jcbh[j].constGet().geometryN(0).numInteriorRings() == 1 for j in special["hole"])
    assert all(by_jcbh[j].constGet().numGeometries() == 2 for j in special["multipart"])
    towns = features(demo, "townships")
    crossing = [j for j in special["cross2"] + special["cross3"]
                if sum(1 for t in towns if t.geometry().intersects(by_jcbh[j])) >= 2]
    assert len(crossing) >= 3


def test_farmland_blocks_overlap_somewhere(demo):
    blocks = [f.geometry() for f in features(demo, "pbf")]
    assert union_area(blocks) < sum(b.area() for b in blocks) * 0.999


def test_same_seed_same_data(demo, tmp_path):
    again = generate_county(str(tmp_path / "again"), size="small", seed=7)

    def digest(path):
        return hashlib.sha256(open(path, "rb").read()).hexdigest()

    for ext in (".shp", ".dbf"):
        assert digest(os.path.splitext(demo["patches"])[0] + ext) == digest(os.path.splitext(again["patches"])[0] + ext)
    first = [(f["DLBM"], f.geometry().asWkt(3)) for f in features(demo, "cultivated")]
    assert first == [(f["DLBM"], f.geometry().asWkt(3)) for f in features(again, "cultivated")]


def test_photos_carry_exif_position_time_and_direction(demo):
    assert demo["counts"]["photos"] >= 30
    photo = demo["photos"][0]["path"]
    exif = Image.open(photo).getexif()
    gps = exif.get_ifd(0x8825)
    assert gps[1] == "N" and gps[3] == "E" and 17 in gps  # GPSImgDirection
    assert any(p["far"] for p in demo["photos"]) and any(p["before_later_image"] for p in demo["photos"])


def test_verification_sheet_has_the_headers_and_three_bad_rows(demo):
    sheet = openpyxl.load_workbook(demo["verification_xlsx"]).active
    headers = [c.value for c in sheet[1]]
    assert headers == ["监测编号", "乡镇名称", "判定结果", "用地类型", "违法类型", "批准文号", "整改状态", "整改措施",
                       "是否立案", "线索来源", "核查人", "核查日期", "备注"]
    assert [b["problem"] for b in demo["bad_spreadsheet_rows"]] == ["unknown JCBH", "unknown code", "bad date"]
    assert sheet.max_row == demo["bad_spreadsheet_rows"][-1]["row"]
