"""Accountability rules as the documents write them (issue 16): small exact cases, one per
numbered problem, each asserting the corrected figure."""
import json

import pytest
import test_overlay
from conftest import SQUARE, patch_row, running_plugin, shift, write_patches

from land_enforcement_plugin.core import rules, schema
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.season import metrics
from land_enforcement_plugin.core.season import plan as control
from land_enforcement_plugin.core.season.metrics import PatchFacts, compute_metrics

MU = schema.M2_PER_MU
A, B = "370323101000", "370323102000"
NAMES = {A: "城关镇", B: "南麻街道"}
COUNTY = "370323000000"
SEEDS = "/work/shared/seeds"


def part(jcbh, xzqdm=A, area_mu=None, cultivated_mu=0.0, pbf_mu=0.0, reserve_mu=0.0, pbf_or_reserve_mu=None,
         approved_mu=0.0):
    area_mu = area_mu if area_mu is not None else max(cultivated_mu, reserve_mu, 1.0)
    union = pbf_or_reserve_mu if pbf_or_reserve_mu is not None else pbf_mu + reserve_mu
    return {"jcbh": jcbh, "xzqdm": xzqdm, "xzqmc": NAMES[xzqdm], "area_m2": area_mu * MU,
            "cultivated_m2": cultivated_mu * MU, "pbf_m2": pbf_mu * MU,
            "general_cultivated_m2": (cultivated_mu - pbf_mu) * MU, "eco_m2": 0.0, "approved_m2": approved_mu * MU,
            "nature_reserve_m2": reserve_mu * MU, "pbf_or_reserve_m2": union * MU}


def unlawful(**extra):
    return dict({"verdict": "违法", "land_use": "建设用地", "rect_status": "未整改", "lead_source": "卫片"}, **extra)


def lawful(**extra):
    return dict({"verdict": "合法", "land_use": "建设用地"}, **extra)


def township(result, code=A):
    return {row["xzqdm"]: row for row in result.rows}[code]


# -- 1. the ratio --------------------------------------------------------------------------------
def test_ratio_with_land_use_filled_is_13_percent_not_flagged():
    parts = [part("L", cultivated_mu=20), part("U", cultivated_mu=3)]
    row = township(compute_metrics(parts, {"L": lawful(), "U": unlawful()}, "370323"))
    assert round(row["unlawful_cultivated_ratio"] * 100, 1) == 13.0 and row["ratio_flag"] == 0
    assert row["construction_cultivated_mu"] == pytest.approx(23)


def test_ratio_with_land_use_missing_is_incomplete_with_its_jcbh_never_100_percent():
    parts = [part("L", cultivated_mu=20), part("U", cultivated_mu=3)]
    result = compute_metrics(parts, {"L": lawful(land_use=None), "U": unlawful()}, "370323")
    row = township(result)
    assert row["unlawful_cultivated_ratio"] is None and row["ratio_incomplete"] == 1 and row["ratio_flag"] == 0
    assert result.incomplete == {A: ["L"]}
    flag = next(f for f in result.flags if f["kind"] == "比例待补")
    assert flag["jcbhs"] == ["L"] and flag["source"] == "yuanqu_2023_farmland_responsibility.txt 三、(三)"


def test_other_verdict_tagged_construction_land_never_enters_the_ratio():
    parts = [part("L", cultivated_mu=20), part("U", cultivated_mu=3), part("O", cultivated_mu=50)]
    records = {"L": lawful(), "U": unlawful(), "O": {"verdict": "其他", "land_use": "建设用地", "other_kind": "伪变化"}}
    row = township(compute_metrics(parts, records, "370323"))
    assert round(row["unlawful_cultivated_ratio"] * 100, 1) == 13.0


def test_unlawful_patch_of_any_land_use_is_in_the_denominator_so_the_ratio_never_exceeds_100_percent():
    parts = [part("U", cultivated_mu=3), part("F", cultivated_mu=9)]
    records = {"U": unlawful(land_use="设施农用地"), "F": lawful(land_use="设施农用地")}
    row = township(compute_metrics(parts, records, "370323"))
    assert row["unlawful_cultivated_ratio"] == pytest.approx(1.0)  # 3 / 3: F (lawful facility land) is out


# -- 2. the year ------------------------------------------------------------------------------------
def test_a_repeat_is_counted_once_with_its_latest_verdict():
    parts = [part("Q1", cultivated_mu=6), part("Q3", cultivated_mu=7), part("N", cultivated_mu=2)]
    facts = {"Q1": PatchFacts(batch="2024Q1"), "Q3": PatchFacts(batch="2024Q3", repeat_of="Q1"),
             "N": PatchFacts(batch="2024Q3")}
    # Q3 (Q1's place again) not judged yet: counted once, with Q1's verdict, on Q3's shape.
    result = compute_metrics(parts, {"Q1": unlawful(), "N": lawful()}, "370323", facts=facts)
    row = township(result)
    assert row["patch_count"] == 2 and row["unlawful_count"] == 1 and row["unlawful_cultivated_mu"] == pytest.approx(7)
    assert result.counted["Q3"] == "Q1"
    # Judged again as rectified in Q3: the latest verdict counts.
    records = {"Q1": unlawful(), "Q3": unlawful(rect_status="整改中"), "N": lawful()}
    row = township(compute_metrics(parts, records, "370323", facts=facts))
    assert row["unlawful_count"] == 1 and row["rectifying_area_mu"] == pytest.approx(7)


def test_a_year_is_its_annual_batch_or_its_quarters():
    batches = ["2023年度", "2024Q1", "2024Q2", "2024年度", "2025Q1"]
    assert metrics.year_batches(batches, 2024) == ["2024Q1", "2024Q2", "2024年度"]


def test_a_much_larger_later_patch_covered_21_percent_is_not_a_repeat(tmp_path, task_path):
    from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches

    county = dict(xzqdm="370323000000", xzqmc="沂源县")
    # The earlier patch: 0.001° square. The later one: 4.7 times its area, covering it whole (21 %).
    side = 0.001 * 4.7 ** 0.5
    big = f"POLYGON((118.1 36.1,{118.1 + side} 36.1,{118.1 + side} {36.1 + side},118.1 {36.1 + side},118.1 36.1))"
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "a.shp"), [patch_row("E", **county)]),
                                            batch="2024Q1"))
    later = [patch_row("L", wkt=big, PC="2024Q2", **county), patch_row("S", wkt=shift(SQUARE, 0.0002), PC="2024Q2",
                                                                            **county)]
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "b.shp"), later), batch="2024Q2"))
    from land_enforcement_plugin.core.store import GeoPackageTaskStore

    with GeoPackageTaskStore.open(task_path) as store:
        links = {jcbh: repeat for jcbh, (_, repeat, _) in store.patch_batches().items() if repeat}
    assert links == {"S": "E"}  # S is 80 % on E: the same place; L only 21 % covered: another place


# -- 3. the case rule ------------------------------------------------------------------------------
def test_4_mu_farmland_and_7_mu_general_is_an_11_mu_case_flagged_by_yuanqu():
    result = compute_metrics([part("C", cultivated_mu=11, pbf_mu=4)], {"C": unlawful()}, "370323")
    assert [case["jcbh"] for case in result.flagged_patches] == ["C"]
    case = result.flagged_patches[0]
    assert case["rules"] == ["case_cultivated_mu"] and case["unlawful_cultivated_mu"] == pytest.approx(11)
    assert case["source"] == "yuanqu_2023_farmland_responsibility.txt 三、(三)"
    assert township(result)["case_flag_count"] == 1
    # 4 mu farmland + 5 mu general: 9 mu, below both limits.
    assert compute_metrics([part("C", cultivated_mu=9, pbf_mu=4)], {"C": unlawful()}, "370323").flagged_patches == []


def test_patches_sharing_a_case_number_are_one_case():
    parts = [part("X", cultivated_mu=6), part("Y", B, cultivated_mu=6)]
    assert compute_metrics(parts, {"X": unlawful(), "Y": unlawful()}, "370323").flagged_patches == []
    result = compute_metrics(parts, {"X": unlawful(case_no="源自然资罚〔2024〕3号"),
                                     "Y": unlawful(case_no="源自然资罚〔2024〕3号")}, "370323")
    assert [case["jcbhs"] for case in result.flagged_patches] == [["X", "Y"]]
    assert result.flagged_patches[0]["unlawful_cultivated_mu"] == pytest.approx(12)
    assert result.rows[-1]["case_flag_count"] == 1


# -- 4. the township interview with nature reserves ------------------------------------------------
def test_farmland_and_nature_reserve_reach_5_mu_as_a_union_never_a_sum():
    # 3 mu farmland and 3 mu reserve overlapping by 1 mu: 5 mu on either, an interview.
    row = township(compute_metrics([part("R", cultivated_mu=3, pbf_mu=3, reserve_mu=3, pbf_or_reserve_mu=5)],
                                   {"R": unlawful()}, "370323"))
    assert row["unlawful_pbf_or_reserve_mu"] == pytest.approx(5) and row["interview_flag"] == 1
    assert row["unlawful_reserve_mu"] == pytest.approx(3)
    # Overlapping by 1.1 mu: 4.9 mu, though the two add up to 6.
    row = township(compute_metrics([part("R", cultivated_mu=3, pbf_mu=3, reserve_mu=3, pbf_or_reserve_mu=4.9)],
                                   {"R": unlawful()}, "370323"))
    assert row["interview_flag"] == 0


def test_interview_flag_names_yiyuan_2019_four():
    result = compute_metrics([part("R", reserve_mu=6)], {"R": unlawful()}, "370323")
    flag = next(f for f in result.flags if f["rule"] == "interview_pbf_reserve_mu")
    assert flag["source"] == "yiyuan_2019_satellite_enforcement_plan.txt 二、(四)" and "自然保护地" in flag["quote"]


def test_an_interview_on_general_cultivated_land_shows_that_area():
    """The flag's value is the figure of the rule that fired (12 mu general, no farmland)."""
    result = compute_metrics([part("G", cultivated_mu=12)], {"G": unlawful()}, "370323")
    flag = next(f for f in result.flags if f["rule"] == "interview_general_mu")
    assert flag["figure"] == pytest.approx(12)


def test_local_overlay_measures_the_nature_reserve_and_its_union_with_farmland(tmp_path):
    from qgis.core import QgsCoordinateReferenceSystem, QgsGeometry, QgsVectorLayer

    from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs, compute_overlay

    def layer(name, fields, rows):
        path = write_patches(str(tmp_path / f"{name}.gpkg"), rows, fields=fields, epsg=4548)
        return QgsVectorLayer(f"{path}|layername=wptb", name, "ogr")

    def box(x0, x1):
        return f"POLYGON(({x0} 4000000,{x1} 4000000,{x1} 4000100,{x0} 4000100,{x0} 4000000))"

    towns = layer("towns", ("XZQDM", "XZQMC"), [{"XZQDM": A, "XZQMC": "城关镇", "wkt": box(500000, 501000)}])
    pbf = layer("pbf", ("BSM",), [{"BSM": "1", "wkt": box(500000, 500030)}])
    reserve = layer("reserve", ("BSM",), [{"BSM": "1", "wkt": box(500020, 500050)}])
    patch = QgsGeometry.fromWkt(box(500000, 500100))
    results, _ = compute_overlay([("P", patch)], QgsCoordinateReferenceSystem("EPSG:4548"), OverlayInputs(
        towns, permanent_farmland=pbf, nature_reserve=reserve, area_mode=_planar()))
    areas = results[0].areas
    assert areas["pbf_m2"] == pytest.approx(3000) and areas["nature_reserve_m2"] == pytest.approx(3000)
    assert areas["pbf_or_reserve_m2"] == pytest.approx(5000)  # 30 + 30 m wide, 10 m in both
    del towns, pbf, reserve


def _planar():
    from land_enforcement_plugin.core.ellipsoid import AreaMode

    return AreaMode.PLANAR


# -- 5. daily enforcement ---------------------------------------------------------------------------
def test_daily_enforcement_needs_a_daily_source_found_before_the_later_image():
    parts = [part(j, cultivated_mu=2) for j in ("P", "L", "M", "S")]
    facts = {j: PatchFacts(hsx="2024-04") for j in ("P", "L", "M", "S")}
    records = {"P": unlawful(lead_source="巡查", discovery_date="2024-04-30", rect_status="已整改"),  # daily
               "L": unlawful(lead_source="群众举报", discovery_date="2024-05-02"),  # after the image: satellite
               "M": unlawful(lead_source="媒体曝光", discovery_date="2024-01-01"),  # not the township's own
               "S": unlawful(rect_status="已整改")}
    row = township(compute_metrics(parts, records, "370323", facts=facts))
    assert (row["daily_found_count"], row["daily_found_mu"]) == (1, pytest.approx(2))
    assert (row["daily_rectified_count"], row["daily_rectified_mu"]) == (1, pytest.approx(2))
    assert (row["satellite_found_count"], row["satellite_rectified_count"]) == (3, 1)
    assert row["daily_found_share"] == pytest.approx(0.25)


# -- 6. 增违挂钩 ----------------------------------------------------------------------------------------
def test_link_quota_splits_farmland_and_keeps_a_retroactive_permit_on_farmland():
    parts = [part("U", cultivated_mu=5, pbf_mu=2), part("P", cultivated_mu=2, pbf_mu=1),
             part("G", cultivated_mu=4), part("D", cultivated_mu=3, pbf_mu=3)]
    records = {"U": unlawful(),
               "P": unlawful(rect_status="已整改", rect_measures="补办手续、罚款"),  # on farmland: stays
               "G": unlawful(rect_status="已整改", rect_measures="补办手续"),  # off farmland: listed apart
               "D": unlawful(rect_status="已整改", rect_measures="拆除复耕")}
    row = township(compute_metrics(parts, records, "370323"))
    assert row["unrectified_pbf_mu"] == pytest.approx(3)
    assert row["unrectified_general_cultivated_mu"] == pytest.approx(4)
    assert row["unrectified_cultivated_mu"] == pytest.approx(7) and row["permit_off_pbf_mu"] == pytest.approx(4)


# -- 重点监管 signals and delivered areas -------------------------------------------------------------
def test_suspected_concealment_and_rectification_in_doubt_are_listed_per_township():
    parts = [part("F", cultivated_mu=2), part("T", cultivated_mu=2, approved_mu=2), part("R", cultivated_mu=2),
             part("K", cultivated_mu=2)]
    facts = {"R": PatchFacts(photo_times=("2024-05-01T10:00:00",)), "K": PatchFacts(photo_times=("2024-06-20",))}
    records = {"F": lawful(land_use="设施农用地"), "T": lawful(land_use="临时用地"),
               "R": unlawful(rect_status="已整改", verify_date="2024-05-01"),
               "K": unlawful(rect_status="已整改", verify_date="2024-05-01")}
    result = compute_metrics(parts, records, "370323", facts=facts)
    row = township(result)
    assert (row["suspect_concealed_count"], row["doubtful_rectified_count"]) == (1, 1)
    kinds = {(f["kind"], f["jcbhs"][0]) for f in result.flags if f["jcbhs"]}
    assert kinds == {("疑似瞒报", "F"), ("整改存疑", "R")}


def test_delivered_cultivated_area_differs_from_the_computed_one(tmp_path):
    parts = [part("X", cultivated_mu=6), part("Y", cultivated_mu=6)]
    facts = {"X": PatchFacts(delivered_cultivated_m2=10 * MU), "Y": PatchFacts(delivered_cultivated_m2=6.05 * MU)}
    result = compute_metrics(parts, {}, "370323", facts=facts)
    by_jcbh = {d["jcbh"]: d for d in result.cultivated_differences}
    assert by_jcbh["X"]["difference_mu"] == pytest.approx(4) and by_jcbh["X"]["large"]
    assert not by_jcbh["Y"]["large"]
    assert [f["jcbhs"] for f in result.flags if f["kind"] == "面积差异"] == [["X"]]
    import openpyxl

    path = str(tmp_path / "m.xlsx")
    metrics.write_metrics_workbook(result, path)
    sheet = openpyxl.load_workbook(path)["耕地面积核对"]
    assert [(r[0], r[6]) for r in sheet.iter_rows(min_row=2, values_only=True)] == [("X", "是"), ("Y", None)]


# -- 7. the calendar ----------------------------------------------------------------------------------
def test_annual_batch_is_worked_the_following_year_as_yiyuan_2019():
    calendar = rules.bundled()["calendar"]  # the calendar is a rule of the profile, with its clause
    assert control.template_dates("2018年度", calendar) == {
        "核查完成": "2019-05-08", "数据上报": "2019-05-08", "整改完成": "2019-05-31", "总结上报": "2019-06-01",
        "实地验收": "2019-06-10"}
    quarter = control.template_dates("2019Q2", calendar)
    assert quarter["数据上报"] == "2019-07-10" and quarter["整改完成"] == "2019-12-31"
    assert rules.bundled().rule("calendar").cited.startswith("yiyuan_2019_satellite_enforcement_plan.txt 四、")


def test_the_task_profile_calendar_sets_the_milestones_and_an_old_profile_uses_the_bundled_one(task_path):
    from land_enforcement_plugin.core.store import GeoPackageTaskStore

    store = GeoPackageTaskStore.create(task_path, "EPSG:4548", "370323")
    try:
        # A profile kept with a task before the calendar joined the profile: the bundled calendar.
        old = json.loads(rules.bundled().to_json())
        del old["rules"]["calendar"]
        store.set_meta(rules_profile=json.dumps(old, ensure_ascii=False))
        assert control.task_calendar(store) == rules.bundled()["calendar"]
        calendar = dict(rules.bundled()["calendar"], annual={"核查完成": "+1-04-30"})
        rules.set_task_calendar(store, calendar)
        assert store.audit_entries()[-1]["field"] == "rules_profile"
    finally:
        store.close()
    control.apply_template(task_path, "2018年度")
    with GeoPackageTaskStore.open(task_path) as store:
        assert {m["kind"]: m["due_date"] for m in store.milestones()} == {"核查完成": "2019-04-30"}


def test_a_calendar_with_an_impossible_date_is_refused_by_rule_name():
    with pytest.raises(LandEnforcementError, match="calendar"):
        rules.bundled().with_values(calendar={"annual": {"核查完成": "+1-02-30"}})


# -- the profile and explanations --------------------------------------------------------------------
def test_every_bundled_rule_cites_a_seed_clause_in_its_own_words():
    profile = rules.bundled()
    assert set(profile.rules) == set(rules.RULE_KINDS)
    for rule in profile.rules.values():
        assert rule.source and rule.clause and rule.quote
        if rule.source.endswith(".txt"):
            text = open(f"{SEEDS}/{rule.source}", encoding="utf-8").read()
            assert all(piece in text for piece in rule.quote.split("……")), rule.name


def test_a_changed_profile_is_kept_with_the_task_audited_and_recomputes(task_path):
    from land_enforcement_plugin.core.store import GeoPackageTaskStore

    store = GeoPackageTaskStore.create(task_path, "EPSG:4548", "370323")
    try:
        assert rules.task_profile(store).to_json() == rules.bundled().to_json()
        rules.set_task_profile(store, rules.task_profile(store).with_values(case_cultivated_mu=12.0))
        assert store.audit_entries()[-1]["field"] == "rules_profile"
        profile = rules.task_profile(store)
    finally:
        store.close()
    case = [part("C", cultivated_mu=11, pbf_mu=4)]
    assert compute_metrics(case, {"C": unlawful()}, "370323", profile).flagged_patches == []


def test_a_hand_edited_profile_with_a_wrong_value_is_refused_by_rule_name(tmp_path):
    data = json.loads(rules.bundled().to_json())
    data["rules"]["daily_sources"]["value"] = ["巡查", "电话"]
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LandEnforcementError, match="daily_sources"):
        rules.read_profile(path)


def test_every_figure_is_explained_by_its_patches():
    parts = [part("L", cultivated_mu=20), part("U", cultivated_mu=3), part("V", B, cultivated_mu=1)]
    result = compute_metrics(parts, {"L": lawful(), "U": unlawful(), "V": unlawful()}, "370323")
    assert result.explain(A, "unlawful_cultivated_mu") == [("U", pytest.approx(3))]
    assert result.explain(A, "unlawful_cultivated_ratio") == [("U", pytest.approx(3)), ("L", pytest.approx(20)),
                                                              ("U", pytest.approx(3))]
    assert [j for j, _ in result.explain(COUNTY, "unlawful_count")] == ["U", "V"]


def test_accountability_sheet_names_each_flags_rule_and_source(tmp_path):
    import openpyxl

    result = compute_metrics([part("C", cultivated_mu=11, pbf_mu=4)], {"C": unlawful()}, "370323")
    path = str(tmp_path / "m.xlsx")
    metrics.write_metrics_workbook(result, path)
    book = openpyxl.load_workbook(path)
    rows = list(book["问责线索"].iter_rows(min_row=2, values_only=True))
    case = next(r for r in rows if r[0] == "案件")
    assert case[3] == "C" and case[6] == "case_cultivated_mu"
    assert case[7] == "yuanqu_2023_farmland_responsibility.txt 三、(三)"
    assert any(name.startswith("问责口径") for name in book.sheetnames)


# -- the verification record -------------------------------------------------------------------------
def test_sheet_row_judged_unlawful_without_land_use_is_refused_with_its_row(tmp_path, task_path):
    import openpyxl

    from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
    from land_enforcement_plugin.core.review import verification

    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "p.shp"), [patch_row("P1")])))
    book = openpyxl.Workbook()
    sheet = book.active
    headers = [spec.zh for spec in schema.SPREADSHEET_FIELDS]
    sheet.append(headers)
    values = {"监测编号": "P1", "判定结果": "违法", "违法类型": "未批先建", "整改状态": "未整改", "是否立案": "否",
              "线索来源": "巡查", "发现日期": "2024-03-02", "核查人": "王五", "核查日期": "2024-05-07"}
    sheet.append([values.get(h) for h in headers])
    path = str(tmp_path / "v.xlsx")
    book.save(path)
    result = verification.import_spreadsheet(task_path, path)
    assert result.rows[0].status == "rejected"
    assert any("用地类型" in problem.zh for problem in result.rows[0].problems)
    sheet.cell(2, headers.index("用地类型") + 1, "建设用地")
    book.save(path)
    result = verification.import_spreadsheet(task_path, path)
    assert result.rows[0].status == "accepted"
    from land_enforcement_plugin.core.store import GeoPackageTaskStore

    with GeoPackageTaskStore.open(task_path) as store:
        assert store.verifications()["P1"]["discovery_date"] == "2024-03-02"


def test_verdict_form_requires_land_use_for_unlawful_and_keeps_the_discovery_date_empty(qgis_parent):
    from qgis.PyQt.QtCore import QDate
    from qgis.PyQt.QtWidgets import QDialogButtonBox

    from land_enforcement_plugin.gui.verdict_form import VerdictForm

    values = {"verdict": "违法", "violation_type": "未批先建", "rect_status": "未整改", "case_filed": "否",
              "lead_source": "巡查", "inspector": "王五", "verify_date": "2024-06-01"}
    form = VerdictForm("P1", values, [], qgis_parent)
    save = form.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled() and ("用地类型" in form.missing.text() or "Land use" in form.missing.text())
    assert form.values()["discovery_date"] is None  # not today's date: unknown until typed
    form.widgets[schema.V_LAND_USE].setCurrentIndex(form.widgets[schema.V_LAND_USE].findData("建设用地"))
    form.widgets[schema.V_DISCOVERY_DATE].setDate(QDate(2024, 3, 2))
    assert save.isEnabled() and form.values()["discovery_date"] == "2024-03-02"


# -- schema 8 -----------------------------------------------------------------------------------------
def test_a_schema_7_task_gets_the_new_columns_and_keeps_its_records(tmp_path, task_path, monkeypatch):
    from qgis.core import QgsVectorLayer

    from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
    from land_enforcement_plugin.core.store import GeoPackageTaskStore, patch_tables

    src = write_patches(str(tmp_path / "a.shp"), [patch_row("A1")])
    old_fields = schema.PATCH_SOURCE_FIELDS_V1 + (schema.DELIVERED_TOWNSHIP,)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 7)  # the plugin as it was at schema 7
    monkeypatch.setattr(schema, "PATCH_SOURCE_FIELDS", old_fields)
    monkeypatch.setattr(patch_tables, "COMPARED", [f.name for f in old_fields] + ["src_attrs"])
    import_patches(task_path, ImportOptions(src))
    monkeypatch.undo()

    with GeoPackageTaskStore.open(task_path) as store:
        assert store.summary().schema_version == schema.SCHEMA_VERSION
        store.apply_verifications({"A1": {"verdict": "违法", "discovery_date": "2024-03-02"}}, schema.CHANNEL_FORM)
        assert store.verifications()["A1"]["discovery_date"] == "2024-03-02"
    for table, names in ((schema.PATCHES_LAYER, ("nature_reserve_m2", "pbf_or_reserve_m2", "delivered_cultivated_m2")),
                         (schema.PATCH_TOWNSHIPS_TABLE, ("nature_reserve_m2", "pbf_or_reserve_m2")),
                         (schema.TOWNSHIP_METRICS_TABLE, tuple(f.name for f in schema.METRIC_FIELDS_V9))):
        layer = QgsVectorLayer(f"{task_path}|layername={table}", table, "ogr")
        assert set(names) <= set(layer.fields().names()), table
        del layer


def test_a_part_overlaid_before_schema_8_counts_its_farmland_as_farmland_or_reserve():
    old = part("O", cultivated_mu=6, pbf_mu=6)
    old["nature_reserve_m2"] = old["pbf_or_reserve_m2"] = None
    row = township(compute_metrics([old], {"O": unlawful()}, "370323"))
    assert row["unlawful_pbf_or_reserve_mu"] == pytest.approx(6) and row["interview_flag"] == 1


def test_the_delivered_monitored_cultivated_area_is_read_from_jcgdmj(tmp_path, task_path):
    from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
    from land_enforcement_plugin.core.store import GeoPackageTaskStore

    rows = [patch_row("A1", JCGDMJ=1234.5), patch_row("A2", wkt=shift(SQUARE, 0.01), JCGDMJ=None)]
    fields = ("JCBH", "XZQDM", "XZQMC", "TBMJ", "QSX", "HSX", "PC", "JCGDMJ")
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "p.shp"), rows, fields=fields)))
    with GeoPackageTaskStore.open(task_path) as store:
        facts = metrics.patch_facts(store)
    assert facts["A1"].delivered_cultivated_m2 == pytest.approx(1234.5) and facts["A2"].delivered_cultivated_m2 is None


# -- 自然保护地 in both engines ----------------------------------------------------------------------------
def _hand_reserve():
    return test_overlay.layer("reserve", 4548, [(test_overlay.rect(75, 50, 150, 100), {})])


def _p1_reserve_areas(location):
    from land_enforcement_plugin.core.store import open_task

    with open_task(location) as store:
        parts = [p for p in store.township_parts() if p["jcbh"] == "P1"]
    return (sum(p["nature_reserve_m2"] for p in parts), sum(p["pbf_or_reserve_m2"] for p in parts),
            sum(p["pbf_m2"] for p in parts))


reserve_task = test_overlay.hand_task  # the hand-built GeoPackage task (a fixture)


def test_the_nature_reserve_overlay_in_the_task_local_engine(reserve_task):
    """P1 (100 × 100 m) has 2500 m² farmland (50 × 50) and 3750 m² reserve (75 × 50), 1250 m² in both."""
    from land_enforcement_plugin.core.overlay.run import run_overlay

    inputs = test_overlay.hand_built_inputs()
    inputs.nature_reserve = _hand_reserve()
    try:
        run_overlay(reserve_task, inputs)
    finally:
        del inputs
    assert _p1_reserve_areas(reserve_task) == pytest.approx((3750, 5000, 2500))


def test_the_nature_reserve_overlay_in_the_database_equals_the_local_one(reserve_task, pg_cluster):
    from test_postgis_overlay import SERVICE, _execute, _export, pg_layer

    from land_enforcement_plugin.core.ellipsoid import AreaMode
    from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs
    from land_enforcement_plugin.core.overlay.engine_sql import ENGINE_POSTGIS
    from land_enforcement_plugin.core.overlay.run import run_overlay
    from land_enforcement_plugin.core.season.transfer import upload_task

    _execute(pg_cluster, "DROP SCHEMA IF EXISTS reserve CASCADE; CREATE SCHEMA reserve")
    local = test_overlay.hand_built_inputs()
    reserve = _hand_reserve()
    try:
        for name, layer in (("townships", local.townships), ("pbf", local.permanent_farmland), ("reserve", reserve)):
            _export(layer, name, "reserve")
    finally:
        del local, reserve
    location = upload_task(reserve_task, f"pg:{SERVICE}/reserve_sql")
    inputs = OverlayInputs(pg_layer("townships", "reserve"), permanent_farmland=pg_layer("pbf", "reserve"),
                           nature_reserve=pg_layer("reserve", "reserve"), area_mode=AreaMode.PLANAR)
    try:
        run = run_overlay(location, inputs)
    finally:
        del inputs
    assert run.engine == ENGINE_POSTGIS
    assert _p1_reserve_areas(location) == pytest.approx((3750, 5000, 2500))


# -- the demo county ------------------------------------------------------------------------------------
def test_demo_county_counts_each_place_once_and_explains_a_case(season, tmp_path, qgis_processing):
    import processing
    from qgis.core import QgsApplication
    from test_submission import copy_task

    from land_enforcement_plugin.processing.provider import LandEnforcementProvider

    task = copy_task(season, str(tmp_path))
    provider = LandEnforcementProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    try:
        from land_enforcement_plugin.core.store import GeoPackageTaskStore

        with GeoPackageTaskStore.open(task) as store:
            result = metrics.township_metrics(store)
            repeats = sum(1 for _, repeat, _ in store.patch_batches().values() if repeat)
        county = result.rows[-1]
        assert repeats >= 1 and county["patch_count"] == 120 - repeats  # a place back in a later quarter: once
        case = next(f for f in result.flags if f["kind"] == "案件")
        jcbh, code = case["jcbhs"][0], case["xzqdm"]
        explained = processing.run("landenforcement:townshipmetrics",
                                   {"DATABASE": task, "EXPLAIN": f"{code} case_flag_count"})["EXPLANATION"]
        assert jcbh in explained.split()
        by_ratio = processing.run("landenforcement:townshipmetrics",
                                  {"DATABASE": task, "EXPLAIN": f"{code} unlawful_cultivated_mu"})["EXPLANATION"]
        row = next(r for r in result.rows if r["xzqdm"] == code)
        assert sum(float(line.split("\t")[1]) for line in by_ratio.splitlines()) == pytest.approx(
            row["unlawful_cultivated_mu"], abs=1e-3)
    finally:
        QgsApplication.processingRegistry().removeProvider(provider)


def test_metrics_dock_offers_a_year_and_explains_a_clicked_figure(plugin_iface, season, tmp_path):
    from test_gui import wait_for
    from test_submission import copy_task

    task = copy_task(season, str(tmp_path))
    with running_plugin(plugin_iface, task) as plugin:
        dock = plugin.metrics
        wait_for(lambda: dock.runner.idle)
        assert dock.batch.findData("year:2024") > 0
        dock.batch.setCurrentIndex(dock.batch.findData("year:2024"))
        wait_for(lambda: dock.runner.idle)
        county = dock.result.rows[-1]
        row = next(r for r in range(dock.table.rowCount()) if dock.table.item(r, 0).data(0x0100) == county["xzqdm"])
        column = next(c for c in range(dock.table.columnCount())
                      if dock.table.item(row, c).data(0x0100 + 1) == "unlawful_count")
        dock.table.cellClicked.emit(row, column)
        assert dock.explanation.rowCount() == county["unlawful_count"]
        assert dock.flags.model().rowCount() == len(dock.result.flags) > 0
        assert "yuanqu_2023" in dock.table.horizontalHeaderItem(7).toolTip()  # the ratio column's rule
