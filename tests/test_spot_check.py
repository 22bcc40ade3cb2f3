"""Spot checks (抽查): the sample size of the design, a reproducible stratified draw, disagreement
rates per township on a hand-built case, and the cross-checks of verdicts against the overlay."""
import shutil

import pytest
from conftest import SQUARE, patch_row, shift, write_patches
from county_delivery import two_townships
from qgis.core import QgsVectorLayer

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs
from land_enforcement_plugin.core.overlay.run import run_overlay
from land_enforcement_plugin.core.review import spot_check
from land_enforcement_plugin.core.store import open_task

WEST, EAST = "370323101000", "370323102000"
APPROVAL = "鲁政土字〔2023〕7号"


def approvals_layer(tmp_path):
    """An approval (农转用, PZWH) over P1 and a 设施农用地 filing over P2."""
    rows = [{"PZWH": APPROVAL, "PZLX": "农转用", "wkt": shift(SQUARE, 0.002)},
            {"PZWH": "设施备〔2024〕3号", "PZLX": "设施农用地备案", "wkt": shift(SQUARE, 0.004)}]
    return QgsVectorLayer(write_patches(str(tmp_path / "pzyd.shp"), rows, fields=("PZWH", "PZLX")), "pzyd", "ogr")


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    """40 patches, 20 in each township, verdicts 合法 / 违法 / 其他 by turns; overlaid with approvals."""
    tmp_path = tmp_path_factory.mktemp("spot")
    path = str(tmp_path / "task.gpkg")
    rows = [patch_row(f"P{i:02d}", wkt=shift(SQUARE, 0.002 * i), xzqdm="370323000000", xzqmc="沂源县")
            for i in range(1, 41)]
    import_patches(path, ImportOptions(write_patches(str(tmp_path / "p.shp"), rows)))
    run_overlay(path, OverlayInputs(two_townships(str(tmp_path / "townships.gpkg"), split=118.141),
                                    approvals=[approvals_layer(tmp_path)]))
    verdicts = ("合法", "违法", "其他")
    with open_task(path) as store:
        store.apply_verifications({f"P{i:02d}": {"verdict": verdicts[i % 3]} for i in range(1, 41)},
                                  schema.CHANNEL_FORM)
    return path


def test_sample_size_follows_cochran_with_finite_population_correction():
    # n0 = 1.959964² · 0.25 / 0.05² = 384.1; 384.1 / (1 + 384.1/1000) = 277.5
    assert spot_check.sample_size(1000) == 278
    assert spot_check.sample_size(100000) == 383
    assert spot_check.sample_size(1000, confidence=0.90, margin=0.10, expected_rate=0.2) == 42
    assert spot_check.sample_size(10, margin=0.01) == 10


def test_allocation_is_proportional_with_a_minimum_per_stratum():
    assert spot_check.allocate({"a": 60, "b": 30, "c": 10}, 20) == {"a": 12, "b": 6, "c": 2}
    assert spot_check.allocate({"a": 97, "b": 2, "c": 1}, 10) == {"a": 10, "b": 2, "c": 1}


def test_draw_is_stratified_by_township_and_verdict_and_reproducible(task, tmp_path):
    copy = str(tmp_path / "copy.gpkg")
    shutil.copy(task, copy)
    draws = []
    for path in (task, copy):
        with open_task(path) as store:
            draws.append(spot_check.draw_sample(store, seed=20240701, margin=0.2))
    first, second = draws
    assert first.jcbhs == second.jcbhs and first.strata == second.strata
    assert first.population == 40 and first.sample_size == 16
    assert set(first.strata) == {(code, v) for code in (WEST, EAST) for v in ("合法", "违法", "其他")}
    assert sum(n for _, n in first.strata.values()) == len(first.jcbhs) >= 16
    assert all(n >= 2 for _, n in first.strata.values())
    with open_task(copy) as store:
        other = spot_check.draw_sample(store, seed=1, margin=0.2)
        assert other.jcbhs != first.jcbhs
        drawn = store.query(f"SELECT jcbh, verdict, township_code FROM {schema.SPOT_CHECKS_TABLE} "
                             f"WHERE draw_id = '{first.draw_id}' ORDER BY jcbh")
        assert [row["jcbh"] for row in drawn] == first.jcbhs


def test_disagreement_rates_per_township_on_a_hand_built_case(task, tmp_path):
    path = str(tmp_path / "copy.gpkg")
    shutil.copy(task, path)
    with open_task(path) as store:
        store.apply_verifications({"P03": {"verdict": "合法", "approval_no": APPROVAL}}, schema.CHANNEL_FORM)
        draw = spot_check.draw_sample(store, seed=5, margin=0.5, min_per_stratum=1)
        rows = {row["jcbh"]: row for row in store.query(
            f"SELECT * FROM {schema.SPOT_CHECKS_TABLE} WHERE draw_id = '{draw.draw_id}'")}
        west = sorted(j for j, r in rows.items() if r["township_code"] == WEST)
        east = sorted(j for j, r in rows.items() if r["township_code"] == EAST)
        # West: every re-check agrees but one lawful patch's approval number; east: one verdict wrong.
        lawful_west = next(j for j in west if rows[j]["verdict"] == "合法")
        for jcbh in west:
            number = "鲁政土字〔2022〕1号" if jcbh == lawful_west else rows[jcbh]["approval_no"]
            spot_check.record_recheck(store, draw.draw_id, jcbh, rows[jcbh]["verdict"], number)
        wrong = next(j for j in east if rows[j]["verdict"] == "其他")
        for jcbh in east:
            spot_check.record_recheck(store, draw.draw_id, jcbh, "违法" if jcbh == wrong else rows[jcbh]["verdict"])
        scores = {s.township_code: s for s in spot_check.disagreement_rates(store, draw.draw_id)}
        assert scores[WEST].rate == pytest.approx(1 / len(west))
        assert scores[EAST].rate == pytest.approx(1 / len(east))
        assert scores[WEST].disagreements[0][0] == lawful_west and "批准文号" in scores[WEST].disagreements[0][1]
        assert scores[EAST].disagreements == [(wrong, "判定“其他”，复核为“违法”")]


def test_cross_checks_name_wrong_approval_missing_filing_and_early_photos(task, tmp_path):
    path = str(tmp_path / "copy.gpkg")
    shutil.copy(task, path)
    with open_task(path) as store:
        store.apply_verifications({
            "P01": {"verdict": "合法", "approval_no": "鲁政土字〔2022〕1号"},  # the overlay found 〔2023〕7号
            "P02": {"verdict": "合法", "approval_no": "设施备〔2024〕3号", "land_use": "设施农用地"},  # filed: fine
            "P03": {"verdict": "合法", "approval_no": APPROVAL},  # nothing approved there
            "P04": {"verdict": "违法", "rect_status": "已整改", "verify_date": "2024-05-10"},
            "P05": {"verdict": "违法", "rect_status": "已整改", "verify_date": "2024-05-10"}}, schema.CHANNEL_FORM)
        store.add_photos([{"jcbh": "P04", "file": "a.jpg", "sha256": "a", "taken_at": "2024-05-10T09:00:00"},
                          {"jcbh": "P05", "file": "b.jpg", "sha256": "b", "taken_at": "2024-05-10T09:00:00"},
                          {"jcbh": "P05", "file": "c.jpg", "sha256": "c", "taken_at": "2024-08-02T15:30:00"}])
        found = {(c.jcbh, c.code) for c in spot_check.cross_checks(store)}
    assert ("P01", "approval_differs") in found
    assert not any(jcbh == "P02" for jcbh, _ in found)
    assert ("P03", "approval_missing") in found
    assert ("P04", "rectification_photo") in found and ("P05", "rectification_photo") not in found
