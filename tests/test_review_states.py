"""Review and return (处理状态): submit, return with a reason, resubmit, approve, report, the lock,
the audited reopening — in a GeoPackage task and in bureau mode with a township and a county login."""
import psycopg2
import pytest
from conftest import SQUARE, patch_row, shift, write_patches
from county_delivery import two_townships

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs
from land_enforcement_plugin.core.overlay.run import run_overlay
from land_enforcement_plugin.core.review import states as review_states
from land_enforcement_plugin.core.store import open_task
from land_enforcement_plugin.core.store.postgis_security import set_up_roles

SERVICE = "service=lep_test"
WEST = "370323101000"  # 城关镇: P1, P2 (west of 118.125); P3, P4 in 南麻街道


def small_task(location, tmp_path):
    """Four patches over two townships, overlaid; P1 and P3 judged."""
    rows = [patch_row(f"P{i}", wkt=shift(SQUARE, 0.01 * i), xzqdm="370323000000", xzqmc="沂源县") for i in range(1, 5)]
    import_patches(location, ImportOptions(write_patches(str(tmp_path / "p.shp"), rows)))
    run_overlay(location, OverlayInputs(two_townships(str(tmp_path / "townships.gpkg"), split=118.125)))
    with open_task(location) as store:
        store.apply_verifications({"P1": {"verdict": "违法"},
                                   "P3": {"verdict": "合法", "approval_no": "鲁政土字〔2023〕7号"}},
                                  schema.CHANNEL_FORM)
    return location


def walk_the_states(township, county):
    """The whole cycle, the township's moves by `township`, the county's by `county`."""
    with pytest.raises(LandEnforcementError, match="no verdict"):
        review_states.apply(township, "submit", ["P2"])
    assert review_states.apply(township, "submit", ["P1"]) == 1
    with pytest.raises(LandEnforcementError, match="needs a reason"):
        review_states.apply(county, "return", ["P1"])
    review_states.apply(county, "return", ["P1"], "照片不足，补拍拆除后照片")
    assert review_states.returned(township) == [("P1", "照片不足，补拍拆除后照片")]
    township.apply_verifications({"P1": {"notes": "已补拍"}}, schema.CHANNEL_FORM)  # returned: editable
    review_states.apply(township, "submit", ["P1"])
    assert review_states.returned(township) == []
    review_states.apply(county, "approve", ["P1"], "同意")
    with pytest.raises(LandEnforcementError, match="locked"):
        township.apply_verifications({"P1": {"notes": "改"}}, schema.CHANNEL_FORM)
    review_states.apply(county, "report", ["P1"])
    assert review_states.state_of(review_states.states(county), "P1") is schema.ReviewState.REPORTED
    with pytest.raises(LandEnforcementError, match="locked"):
        county.apply_verifications({"P1": {"notes": "改"}}, schema.CHANNEL_FORM)
    with pytest.raises(LandEnforcementError, match="cannot be"):
        review_states.apply(county, "approve", ["P1"])
    review_states.apply(county, "reopen", ["P1"], "省级核查发现面积有误")
    township.apply_verifications({"P1": {"notes": "面积已更正"}}, schema.CHANNEL_FORM)
    moves = [(old, new) for _, _, old, new, _ in review_states.history(county, "P1")]
    assert moves == [("待核查", "乡镇已核查"), ("乡镇已核查", "退回"), ("退回", "乡镇已核查"),
                     ("乡镇已核查", "县级审核通过"), ("县级审核通过", "已上报"), ("已上报", "退回")]
    assert review_states.history(county, "P1")[-1][4] == "reopen: 省级核查发现面积有误"


def test_geopackage_task_walks_submit_return_resubmit_approve_report_reopen(tmp_path):
    with open_task(small_task(str(tmp_path / "task.gpkg"), tmp_path)) as store:
        walk_the_states(store, store)
        assert store.verifications()["P1"]["notes"] == "面积已更正"


@pytest.fixture(scope="module")
def bureau(pg_cluster, tmp_path_factory):
    location = small_task(f"pg:{SERVICE}/review_task", tmp_path_factory.mktemp("review"))
    set_up_roles(SERVICE, county=["qian"], townships={"sun": WEST}, reviewers=["zhou"])
    return location


def as_login(location, login):
    return location.replace(SERVICE, f"{SERVICE} user={login}")


def test_bureau_township_submits_county_returns_and_the_township_resubmits(bureau, pg_cluster):
    sun, qian = open_task(as_login(bureau, "sun")), open_task(as_login(bureau, "qian"))
    try:
        assert review_states.login_role(sun) == review_states.TOWNSHIP
        assert review_states.login_role(qian) == review_states.COUNTY
        with pytest.raises(LandEnforcementError, match="county logins only"):
            review_states.apply(sun, "approve", ["P1"])
        with pytest.raises(LandEnforcementError, match="No patch P3"):  # the other township's
            review_states.apply(sun, "submit", ["P3"])
        walk_the_states(sun, qian)
        assert [e["user_name"] for e in qian.audit_entries("P1") if e["action"] == "review"] == [
            "sun", "qian", "sun", "qian", "qian", "qian"]
    finally:
        sun.close()
        qian.close()


def test_bureau_database_holds_a_township_to_submitting_and_refuses_it_a_locked_record(bureau, pg_cluster):
    with open_task(as_login(bureau, "qian")) as qian:
        qian.apply_verifications({"P2": {"verdict": "其他", "other_kind": "伪变化"}}, schema.CHANNEL_FORM)
    # Outside the plugin, plain SQL as the township login: no write grant on review states, only
    # the task's function, which checks the patch is the township's and may be submitted.
    connection = psycopg2.connect(pg_cluster.conninfo(user="sun"))
    try:
        for sql, refusal in (("UPDATE review_task.review_states SET state = '县级审核通过' WHERE jcbh = 'P2'",
                              "permission denied"),
                             ("INSERT INTO review_task.review_states(jcbh, state) VALUES ('P2', '县级审核通过')",
                              "permission denied"),
                             ("SELECT review_task.lep_submit_review(ARRAY['P3'], NULL)", "may not edit patch P3"),
                             ("SELECT review_task.lep_submit_review(ARRAY['P4'], NULL)", "may not edit patch P4")):
            with connection.cursor() as cursor, pytest.raises(psycopg2.Error, match=refusal):
                cursor.execute(sql)
            connection.rollback()
        with connection.cursor() as cursor:
            cursor.execute("SELECT review_task.lep_submit_review(ARRAY['P2'], 'SQL')")
        connection.commit()
        with open_task(as_login(bureau, "qian")) as qian:
            assert review_states.states(qian)["P2"]["submitted_by"] == "sun"
            assert review_states.history(qian, "P2")[-1][1:] == ("sun", "待核查", "乡镇已核查", "submit: SQL")
            review_states.apply(qian, "approve", ["P2"])
            version = qian.verification_version("P2")
        for sql, refusal in (("SELECT review_task.lep_save_verification('P2', '{\"notes\": \"x\"}'::jsonb, "
                              f"{version})", r"P2 is 县级审核通过 \(locked\)"),
                             ("SELECT review_task.lep_submit_review(ARRAY['P2'], NULL)", "cannot be submitted"),
                             ("UPDATE review_task.verifications SET notes = 'x' WHERE jcbh = 'P2'",
                              "permission denied")):
            with connection.cursor() as cursor, pytest.raises(psycopg2.Error, match=refusal):
                cursor.execute(sql)
            connection.rollback()
    finally:
        connection.close()
    with open_task(as_login(bureau, "sun")) as sun:
        with pytest.raises(LandEnforcementError, match="locked"):
            sun._save_verification("P2", {"notes": "x"}, True, version)


def test_a_returned_sheet_repeating_an_approved_record_unchanged_is_no_change(tmp_path):
    with open_task(small_task(str(tmp_path / "task.gpkg"), tmp_path)) as store:
        review_states.apply(store, "submit", ["P1"])
        review_states.apply(store, "approve", ["P1"])
        same = {k: v for k, v in store.verifications()["P1"].items() if v is not None}
        assert store.apply_verifications({"P1": same, "P2": {"verdict": "其他"}}, schema.CHANNEL_SPREADSHEET) == 1


def test_bureau_spot_check_and_conformity_are_the_countys(bureau, tmp_path):
    from qgis.core import QgsVectorLayer

    from land_enforcement_plugin.core.ellipsoid import AreaMode
    from land_enforcement_plugin.core.overlay import conformity
    from land_enforcement_plugin.core.review import spot_check

    sun, qian = open_task(as_login(bureau, "sun")), open_task(as_login(bureau, "qian"))
    try:
        with pytest.raises(LandEnforcementError, match="county logins"):
            spot_check.draw_sample(sun, seed=3)
        draw = spot_check.draw_sample(qian, seed=3, min_per_stratum=1)
        assert draw.population == len([r for r in qian.verifications().values() if r["verdict"]])
        assert set(draw.jcbhs) <= set(qian.verifications())
    finally:
        sun.close()
        qian.close()
    allowed = write_patches(str(tmp_path / "yxjsq.shp"), [{"wkt": shift(SQUARE, 0.01)}], fields=())
    results = conformity.run_conformity(as_login(bureau, "qian"), conformity.ZoningInputs(
        zone_layers={schema.PlanningZone.ALLOWED: QgsVectorLayer(allowed, "yxjsq", "ogr")}, area_mode=AreaMode.PLANAR))
    assert {r.jcbh: r.conformity.value for r in results}["P1"] == "符合规划"
    with open_task(as_login(bureau, "sun")) as sun:
        assert set(conformity.stored_conformity(sun)) == {"P1", "P2"}
