"""The demo county is plausible where it matters: exact tilings, delivered the way provinces deliver
(encodings, county-level codes, months, quarters, JCBH quirks), determinism."""
import hashlib
import os
import re
import struct
import unicodedata
from collections import Counter

import openpyxl
import pytest
from PIL import Image
from qgis.core import QgsCoordinateReferenceSystem, QgsGeometry, QgsVectorLayer

from demodata.county import APPROVAL_LAYERS, QUARTERS, TOWNSHIP_NAMES, VILLAGE_NAMES, county_boundary, generate_county


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return generate_county(str(tmp_path_factory.mktemp("demo")), size="small", seed=7)


def features(demo, name):
    """A red-line layer's features: geometry and ASCII fields (QGIS alone may not decode its text)."""
    return list(QgsVectorLayer(demo["layers"][name], name, "ogr").getFeatures())


def dbf(path, encoding):
    """(LDID byte, field names, rows as dicts) of a DBF, decoded with `encoding` (strict: a wrong one raises)."""
    raw = open(os.path.splitext(path)[0] + ".dbf", "rb").read()
    count, header_length, record_length = struct.unpack("<IHH", raw[4:12])
    names, widths = [], []
    for offset in range(32, header_length - 1, 32):
        names.append(raw[offset:offset + 11].split(b"\0")[0].decode(encoding))
        widths.append(raw[offset + 16])
    rows = []
    for index in range(count):
        record, position, row = raw[header_length + index * record_length:], 1, {}
        for name, width in zip(names, widths):
            row[name] = record[position:position + width].decode(encoding).strip()
            position += width
        rows.append(row)
    return raw[29], names, rows


def cpg(path):
    """The .cpg's text, or None when the delivery has none."""
    cpg_path = os.path.splitext(path)[0] + ".cpg"
    return open(cpg_path, encoding="ascii").read() if os.path.exists(cpg_path) else None


def month_of(text):
    """'2023-10' of any delivered date form (202310, 2023-10, 2023.10, 20231015, 2023年10月)."""
    digits = re.findall(r"\d+", text)
    year, month = (digits[0][:4], digits[0][4:6]) if len(digits[0]) > 4 else (digits[0], digits[1])
    return f"{year}-{int(month):02d}"


def normalised(jcbh):
    """What an import makes of a hand-mangled JCBH: full-width digits to ASCII, every kind of space gone."""
    return "".join(c for c in unicodedata.normalize("NFKC", jcbh) if not c.isspace() and c != "\u200b")


def union_area(geometries):
    return QgsGeometry.unaryUnion(geometries).area()


def test_townships_tile_the_county(demo):
    county, _, _ = county_boundary("370323")
    rows = features(demo, "townships")
    assert len(rows) == 6 and demo["delivery"] == "province"
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
    assert raw[29] == 0  # LDID 0: nothing in the file says GBK
    with pytest.raises(UnicodeDecodeError):
        raw[raw.index(b"\r") + 1:].decode("utf-8")
    assert "沂源县".encode("gbk") in raw
    layer = QgsVectorLayer(demo["patches"], "p", "ogr")
    assert layer.crs() == QgsCoordinateReferenceSystem("EPSG:4490")
    assert layer.featureCount() == 120


def test_patches_carry_the_county_code_and_name_on_every_row(demo):
    _, names, rows = dbf(demo["patches"], "gbk")
    assert names == ["JCBH", "XZQDM", "XZQMC", "TBMJ", "QSX", "HSX", "BHLX", "PC"]
    assert {(row["XZQDM"], row["XZQMC"]) for row in rows} == {("370323000000", "沂源县")}
    assert demo["county_name"] == "沂源县"


def test_patch_dates_are_months_with_a_few_other_real_forms(demo):
    _, _, rows = dbf(demo["patches"], "gbk")
    by_jcbh = {normalised(row["JCBH"]): row for row in rows}
    odd = {jcbh for jcbhs in demo["date_forms"].values() for jcbh in jcbhs}
    assert all(len(row[d]) == 6 and row[d].isdigit() for jcbh, row in by_jcbh.items() if jcbh not in odd
               for d in ("QSX", "HSX"))
    assert {row["QSX"][:4] for row in rows} == {"2023"} and {row["HSX"][:4] for row in rows} == {"2024"}
    forms = {"dash": r"^\d{4}-\d{2}$", "dot": r"^\d{4}\.\d{2}$", "day": r"^\d{8}$", "chinese": r"^\d{4}年\d{1,2}月$"}
    for form, jcbhs in demo["date_forms"].items():
        assert jcbhs and all(re.match(forms[form], by_jcbh[j][d]) for j in jcbhs for d in ("QSX", "HSX")), form


def test_one_file_holds_four_quarters_each_later_image_in_its_quarter(demo):
    _, _, rows = dbf(demo["patches"], "gbk")
    per_quarter = Counter(row["PC"] for row in rows)
    assert sorted(per_quarter) == QUARTERS == demo["batches"] and min(per_quarter.values()) >= 15
    for row in rows:
        assert f"Q{(int(month_of(row['HSX'])[5:]) - 1) // 3 + 1}" == row["PC"][-2:], row


def test_two_jcbh_typed_by_hand_stay_readable_and_normalise_to_their_patch(demo):
    _, _, rows = dbf(demo["patches"], "gbk")  # strict GBK: they decode
    typed = [row["JCBH"] for row in rows]
    quirks = demo["jcbh_quirks"]
    full_width = quirks["full_width"].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})  # ３７０３…
    assert full_width in typed and full_width.startswith("３７０３２３")
    assert quirks["ideographic_space"][:6] + "\u3000" + quirks["ideographic_space"][6:] in typed
    assert sum(not j.isascii() for j in typed) == 2
    assert sorted(normalised(j) for j in typed) == sorted(demo["patch_townships"])  # no phantom, none lost


def test_every_red_line_layer_is_delivered_as_shapefiles_in_its_real_encoding(demo):
    gbk_without_cpg = ["townships", "cultivated", "pbf", "eco_redline", "approvals_nzy", "approvals_gd",
                       "approvals_ssny", "approvals_lsyd"]
    for name in gbk_without_cpg:
        path = demo["layers"][name]
        assert path.endswith(f"{name}.shp") and os.path.exists(os.path.splitext(path)[0] + ".prj")
        assert (cpg(path), dbf(path, "gbk")[0]) == (None, 0), name
    _, _, towns = dbf(demo["layers"]["townships"], "gbk")
    assert [t["XZQMC"] for t in towns] == TOWNSHIP_NAMES[:6]
    _, _, eco = dbf(demo["layers"]["eco_redline"], "gbk")
    assert eco[0]["HXMC"] == "生态保护红线区1"
    _, _, parcels = dbf(demo["layers"]["cultivated"], "gbk")
    assert {"水田", "旱地"} <= {p["DLMC"] for p in parcels}


def test_approval_layers_name_the_approval_number_in_chinese(demo):
    for name, kind in APPROVAL_LAYERS:
        _, fields, rows = dbf(demo["layers"][name], "gbk")
        assert fields == ["批准文号", "批准类型", "批准日期"]
        assert all(row["批准文号"].startswith("鲁政土字〔") and row["批准类型"] == kind for row in rows)


def test_one_approval_layer_has_a_cpg_that_lies(demo):
    path = demo["layers"]["approvals_zs"]
    assert cpg(path) == "UTF-8" and demo["layer_encodings"]["approvals_zs"] == "gbk_lying_cpg"
    with pytest.raises(UnicodeDecodeError):
        dbf(path, "utf-8")
    assert dbf(path, "gbk")[2]  # the bytes are GBK


def test_the_village_layer_is_utf8_under_a_gbk_ldid_byte(demo):
    path = demo["layers"]["villages"]
    ldid, fields, rows = dbf(path, "utf-8")
    assert (ldid, cpg(path)) == (0x4D, None)  # 0x4D: the LDID of code page 936 (GBK)
    assert fields == ["XZQDM", "XZQMC"] and {row["XZQMC"] for row in rows} <= set(VILLAGE_NAMES)
    try:  # read as its LDID says, the names are lost
        as_ldid_says = {row["XZQMC"] for row in dbf(path, "gbk")[2]}
    except UnicodeDecodeError:
        as_ldid_says = set()
    assert not as_ldid_says & set(VILLAGE_NAMES)
    towns = {f["XZQDM"]: f.geometry() for f in features(demo, "townships")}
    villages = features(demo, "villages")
    assert len(villages) == demo["counts"]["villages"] >= 3 * len(towns)
    for village in villages:  # 12 digits under the township's code, inside the township
        town = towns[village["XZQDM"][:9] + "000"]
        assert len(village["XZQDM"]) == 12 and village["XZQDM"][9:] != "000"
        assert town.buffer(0.5, 2).contains(village.geometry())


def test_a_cultivated_layer_without_prj_is_an_extra_file(demo):
    path = demo["extras"]["cultivated_without_prj"]
    base = os.path.splitext(path)[0]
    assert os.path.exists(base + ".dbf") and not os.path.exists(base + ".prj") and not os.path.exists(base + ".cpg")
    assert not QgsVectorLayer(path, "noprj", "ogr").crs().isValid()
    assert os.path.dirname(path) != demo["redlines"]  # not part of the default run's red lines


def test_the_clean_delivery_keeps_the_same_shapes_in_one_geopackage(demo, tmp_path):
    clean = generate_county(str(tmp_path / "clean"), size="small", seed=7, delivery="clean")
    assert clean["redlines"].endswith("redlines.gpkg") and clean["batches"] == ["2024年度"]
    delivered = QgsVectorLayer(demo["patches"], "p", "ogr")
    tidy = QgsVectorLayer(clean["patches"], "p", "ogr")
    assert ([f.geometry().asWkt(6) for f in delivered.getFeatures()]
            == [f.geometry().asWkt(6) for f in tidy.getFeatures()])
    assert {f["XZQDM"] for f in tidy.getFeatures()} == {code for code, _ in demo["townships"]}
    for name in ("townships", "cultivated", "pbf"):
        assert sum(f.geometry().area() for f in features(clean, name)) == pytest.approx(
            sum(f.geometry().area() for f in features(demo, name)), rel=1e-9)


def test_the_zhejiang_delivery_uses_its_own_field_names(tmp_path):
    zhejiang = generate_county(str(tmp_path / "zj"), size="small", seed=7, delivery="zhejiang")
    assert cpg(zhejiang["patches"]) == "UTF-8"
    _, fields, rows = dbf(zhejiang["patches"], "utf-8")
    assert fields == ["JCBH", "XZQDM", "AREA", "QSX", "HSX", "QLX", "HLX", "SSXS", "SSXZ", "SCSJ", "QSIMG", "HSIMG"]
    assert {row["XZQDM"] for row in rows} == {"370323"} and {row["SSXS"] for row in rows} == {"沂源县"}
    assert all(len(row["QSX"]) == 10 and row["QSX"][4] == "-" for row in rows)
    assert any("\u200b" in row["JCBH"] for row in rows)
    names = dict(zhejiang["townships"])
    differs = [normalised(row["JCBH"]) for row in rows
               if row["SSXZ"] != names[zhejiang["patch_townships"][normalised(row["JCBH"])]]]
    assert differs == zhejiang["delivered_township_differs"] and len(differs) == 1
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

    pairs = [(demo["patches"], again["patches"])] + [(demo["layers"][n], again["layers"][n]) for n in demo["layers"]]
    for path, other in pairs:
        for ext in (".shp", ".dbf"):
            assert digest(os.path.splitext(path)[0] + ext) == digest(os.path.splitext(other)[0] + ext), path
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
                       "是否立案", "线索来源", "发现日期", "核查人", "核查日期", "备注"]
    assert [b["problem"] for b in demo["bad_spreadsheet_rows"]] == ["unknown JCBH", "unknown code", "bad date"]
    assert sheet.max_row == demo["bad_spreadsheet_rows"][-1]["row"]


def test_verification_sheet_dates_daily_leads_before_and_after_the_later_image(demo):
    """发现日期: a daily lead (巡查, 村级报告, 群众举报) always has one, some in or before the later image's month
    (the township found it), some after it (the satellite did); a 卫片 row leaves it empty. 用地类型 is
    filled on every 合法 and 违法 row, as the rules require."""
    sheet = openpyxl.load_workbook(demo["verification_xlsx"]).active
    headers = [c.value for c in sheet[1]]
    _, _, rows = dbf(demo["patches"], "gbk")
    later = {normalised(row["JCBH"]): month_of(row["HSX"]) for row in rows}
    found = Counter()
    for values in sheet.iter_rows(min_row=2, values_only=True):
        row = dict(zip(headers, values))
        if row["监测编号"] not in later:
            continue  # the deliberate bad rows
        if row["判定结果"].strip() in ("合法", "违法"):
            assert row["用地类型"], row["监测编号"]
        if row["线索来源"] == "卫片":
            assert row["发现日期"] is None
            continue
        assert row["发现日期"] < row["核查日期"]
        found["before" if row["发现日期"][:7] <= later[row["监测编号"]] else "after"] += 1
    assert found["before"] > found["after"] > 0


def test_verification_sheet_names_the_township_of_the_township_layer(demo):
    sheet = openpyxl.load_workbook(demo["verification_xlsx"]).active
    names = dict(demo["townships"])
    rows = [(row[0], row[1]) for row in sheet.iter_rows(min_row=2, values_only=True)
            if row[0] in demo["patch_townships"]]
    assert len(rows) > 60
    assert all(township == names[demo["patch_townships"][jcbh]] for jcbh, township in rows)


def test_imagery_covers_first_quarter_patches_of_one_township_by_month(demo, tmp_path):
    from demodata.imagery import AFTER, BEFORE, generate_imagery

    made = generate_imagery(demo, str(tmp_path), max_patches=2)
    assert len(made["patches"]) == 2 and made["after"]["tiles"] > 0
    assert {demo["patch_batches"][j] for j in made["patches"]} == {"2024Q1"}
    assert {demo["patch_townships"][j] for j in made["patches"]} == {made["township"]}
    _, _, rows = dbf(demo["patches"], "gbk")
    months = {normalised(row["JCBH"]): (month_of(row["QSX"]), month_of(row["HSX"])) for row in rows}
    for jcbh in made["patches"]:  # each image month inside its image's date range
        qsx, hsx = months[jcbh]
        assert BEFORE["date_from"][:7] <= qsx <= BEFORE["date_to"][:7]
        assert AFTER["date_from"][:7] <= hsx <= AFTER["date_to"][:7]
