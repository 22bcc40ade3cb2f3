"""Township metrics on a hand-built task where every figure is known by hand."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.season.metrics import PatchFacts, compute_metrics

MU = schema.M2_PER_MU
A, B = "370323101000", "370323102000"
NAMES = {A: "城关镇", B: "南麻街道"}


def part(jcbh, xzqdm, area_mu, cultivated_mu=0.0, pbf_mu=0.0, eco_mu=0.0):
    return {"jcbh": jcbh, "xzqdm": xzqdm, "xzqmc": NAMES[xzqdm], "area_m2": area_mu * MU,
            "cultivated_m2": cultivated_mu * MU, "pbf_m2": pbf_mu * MU,
            "general_cultivated_m2": (cultivated_mu - pbf_mu) * MU, "eco_m2": eco_mu * MU, "approved_m2": 0.0}


def unlawful(status="未整改", lead="卫片"):
    return {"verdict": "违法", "land_use": "建设用地", "rect_status": status, "lead_source": lead}


def rows_by_code(result):
    return {row["xzqdm"]: row for row in result.rows}


def test_hand_built_task():
    parts = [
        # S straddles: 6 mu in A, 4 mu in B; all cultivated; unlawful; counted in A.
        part("S", A, 6, cultivated_mu=6, pbf_mu=5), part("S", B, 4, cultivated_mu=4),
        # L: lawful construction on 20 mu of cultivated land in A: in the denominator only.
        part("L", A, 20, cultivated_mu=20),
        # F: lawful facility farmland in A: excluded from the denominator.
        part("F", A, 30, cultivated_mu=30),
        # U: unlawful in B, 11 mu general cultivated, rectified.
        part("U", B, 11, cultivated_mu=11),
        # N: not verified yet, in B.
        part("N", B, 2, cultivated_mu=2),
    ]
    # S found by patrol before the later image (yiyuan_2019 三(六)): daily enforcement.
    records = {"S": dict(unlawful(lead="巡查"), discovery_date="2024-03-01"),
               "L": {"verdict": "合法", "land_use": "建设用地"},
               "F": {"verdict": "合法", "land_use": "设施农用地"}, "U": unlawful(status="已整改")}
    result = compute_metrics(parts, records, "370323", facts={"S": PatchFacts(hsx="2024-04")})
    rows = rows_by_code(result)
    a, b, county = rows[A], rows[B], rows["370323000000"]

    assert (a["patch_count"], b["patch_count"], county["patch_count"]) == (3, 2, 5)
    assert a["patch_mu"] == pytest.approx(56) and b["patch_mu"] == pytest.approx(17)
    assert (a["verified_count"], b["unverified_count"]) == (3, 1)
    assert (a["unlawful_count"], b["unlawful_count"]) == (1, 1)  # S counted once, in A
    assert a["construction_cultivated_mu"] == pytest.approx(26)  # S's 6 + L's 20, not F's 30
    assert a["unlawful_cultivated_mu"] == pytest.approx(6)
    assert a["unlawful_cultivated_ratio"] == pytest.approx(6 / 26)
    assert a["ratio_flag"] == 1
    assert a["unlawful_pbf_mu"] == pytest.approx(5) and a["interview_flag"] == 1  # exactly 5 mu
    assert b["unlawful_general_cultivated_mu"] == pytest.approx(15)  # S's 4 + U's 11
    assert b["unlawful_cultivated_ratio"] == pytest.approx(1.0)
    assert b["rectified_area_mu"] == pytest.approx(11) and b["unrectified_area_mu"] == pytest.approx(4)
    assert b["rectification_rate"] == pytest.approx(11 / 15)
    assert b["unrectified_cultivated_mu"] == pytest.approx(4)
    assert (a["daily_found_count"], a["daily_found_share"]) == (1, 1.0)
    assert (b["daily_found_count"], b["daily_found_share"]) == (0, 0.0)
    assert county["unlawful_cultivated_ratio"] == pytest.approx(21 / 41)
    # Single patches over the thresholds: S (5 mu PBF), U (11 mu general).
    assert [f["jcbh"] for f in result.flagged_patches] == ["S", "U"]


def test_thresholds_are_inclusive_or_exclusive_as_written():
    # Exactly 15 %: not "above" 15 %.
    parts = [part("X", A, 15, cultivated_mu=15), part("Y", A, 85, cultivated_mu=85)]
    records = {"X": unlawful(), "Y": {"verdict": "合法", "land_use": "建设用地"}}
    row = rows_by_code(compute_metrics(parts, records, "370323"))[A]
    assert row["unlawful_cultivated_ratio"] == pytest.approx(0.15) and row["ratio_flag"] == 0
    # Exactly 10 mu of general cultivated land: a warning interview.
    row = rows_by_code(compute_metrics([part("X", A, 10, cultivated_mu=10)], {"X": unlawful()}, "370323"))[A]
    assert row["interview_flag"] == 1
    row = rows_by_code(compute_metrics([part("X", A, 9.99, cultivated_mu=9.99)], {"X": unlawful()}, "370323"))[A]
    assert row["interview_flag"] == 0
    # Settings change the thresholds.
    strict = schema.Thresholds(warning_general_cultivated_mu=9.0)
    row = rows_by_code(compute_metrics([part("X", A, 9.99, cultivated_mu=9.99)], {"X": unlawful()}, "370323",
                                       strict))[A]
    assert row["interview_flag"] == 1


def test_no_denominator_means_no_ratio():
    row = rows_by_code(compute_metrics([part("O", A, 3)], {"O": {"verdict": "其他"}}, "370323"))[A]
    assert row["unlawful_cultivated_ratio"] is None and row["ratio_flag"] == 0
    assert row["rectification_rate"] is None


verdicts = st.sampled_from([None, "合法", "违法", "其他"])
statuses = st.sampled_from([None, "未整改", "整改中", "已整改"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(st.tuples(st.sampled_from([A, B]), st.floats(0.01, 50), st.floats(0, 1),
                                             st.floats(0, 1)), min_size=1, max_size=3),
                          verdicts, statuses), min_size=1, max_size=25))
def test_township_rows_sum_to_the_county_row(patches):
    parts, records = [], {}
    for i, (pieces, verdict, status) in enumerate(patches):
        for xzqdm, area, cultivated_share, pbf_share in pieces:
            cultivated = area * cultivated_share
            parts.append(part(f"P{i}", xzqdm, area, cultivated_mu=cultivated, pbf_mu=cultivated * pbf_share))
        records[f"P{i}"] = {"verdict": verdict, "rect_status": status, "land_use": "建设用地"}
    rows = compute_metrics(parts, records, "370323").rows
    townships, county = rows[:-1], rows[-1]
    for field in schema.METRIC_FIELDS:
        if field.name.endswith(("_count", "_mu")):
            assert county[field.name] == pytest.approx(sum(r[field.name] for r in townships), rel=1e-12, abs=1e-9)
    assert county["patch_count"] == len(patches)


def test_task_thresholds_are_settings_saved_in_the_task(task_path):
    from land_enforcement_plugin.core.season.metrics import set_task_thresholds, task_thresholds
    from land_enforcement_plugin.core.store import GeoPackageTaskStore

    store = GeoPackageTaskStore.create(task_path, "EPSG:4548", "370323")
    assert task_thresholds(store) == schema.Thresholds()
    set_task_thresholds(store, schema.Thresholds(unlawful_cultivated_ratio=0.2))
    store.close()
    store = GeoPackageTaskStore.open(task_path)
    assert task_thresholds(store).unlawful_cultivated_ratio == 0.2
    assert task_thresholds(store).warning_pbf_mu == 5.0
    assert store.audit_entries()[-1]["field"] == "rules_profile"  # kept in the task's rules profile
    store.close()
