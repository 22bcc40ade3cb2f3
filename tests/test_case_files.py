"""Case attachments kept like photos in bureau mode, and the 处理状态 a township reads on its sheet."""
import hashlib
import os
import shutil
import zipfile

import openpyxl
import psycopg2
import pytest
from test_bureau_security import sql
from test_cases import TODAY, full_history, hand_built_cases, unlawful_task

from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.reports.package import PackageOptions, build_package
from land_enforcement_plugin.core.reproducible import file_sha256
from land_enforcement_plugin.core.review import cases, templates, verification
from land_enforcement_plugin.core.review import states as review_states
from land_enforcement_plugin.core.season.transfer import upload_task
from land_enforcement_plugin.core.store import open_task, task_files_folder
from land_enforcement_plugin.core.store.postgis_security import set_up_roles

REASON = "现场照片不是本图斑，请重新拍摄"


def _sheet_rows(path):
    sheet = openpyxl.load_workbook(path)["核查结果"]
    headers = [c.value for c in sheet[1]]
    return {row[0].value: dict(zip(headers, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)}


# -- the township's sheet ---------------------------------------------------------------------------
def test_the_township_sheet_shows_which_patches_were_returned_and_why_and_reimports_unchanged(tmp_path):
    task = unlawful_task(tmp_path)
    with open_task(task) as store:
        store.apply_verifications({j: {"land_use": "建设用地"} for j in ("T1", "T2")}, "form")  # complete records
        review_states.apply(store, "submit", ["T1", "T2"])
        review_states.apply(store, "return", ["T1"], REASON)
    paths = templates.export_templates(task, str(tmp_path / "sheets"))
    town = next(p for p in paths if p.endswith("_城关镇.xlsx"))
    rows = _sheet_rows(town)
    assert [(rows[j]["处理状态"], rows[j]["退回原因"]) for j in ("T1", "T2")] == [("退回", REASON),
                                                                                 ("乡镇已核查", None)]
    other = _sheet_rows(next(p for p in paths if p.endswith("_南麻镇.xlsx")))
    assert other["T3"]["处理状态"] == "待核查"
    result = verification.import_spreadsheet(task, town)
    assert [r.status for r in result.rows] == ["unchanged", "unchanged"]
    assert result.sheets[0].ignored == []  # read-only, as the image chips: not a column the staff fill in


# -- attachments in bureau mode ----------------------------------------------------------------------
SERVICE = "service=lep_test"
LOGINS = ("case_wang", "case_li", "case_zhao")


@pytest.fixture
def bureau(pg_cluster):
    """Two task locations on the private cluster (a recorded task, an uploaded one) and the county
    and township logins; everything removed afterwards, the files of every login's computer too."""
    from land_enforcement_plugin.core.store import postgis_security as pg

    locations = {name: f"pg:{SERVICE}/{name}" for name in ("task_case_files", "task_case_upload")}
    folders = [task_files_folder(as_login(location, login))
               for location in locations.values() for login in (None,) + LOGINS]
    for folder in folders:  # a run before may have left files: each login starts with none
        shutil.rmtree(folder, ignore_errors=True)
    yield locations
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    groups = (pg.COUNTY_ROLE, pg.TOWNSHIP_ROLE, pg.REVIEWER_ROLE)
    for statement in [f"DROP SCHEMA IF EXISTS {name} CASCADE" for name in locations] + [
            f"DROP OWNED BY {login} CASCADE; DROP ROLE {login}" for login in LOGINS] + [
            f"DROP TABLE IF EXISTS {pg.ACCOUNTS_TABLE}"] + [f"DROP ROLE IF EXISTS {role}" for role in groups]:
        try:
            sql(pg_cluster, "postgres", statement)
        except psycopg2.Error:  # a login the test never made
            pass


def as_login(location, login):
    return location.replace(SERVICE, f"{SERVICE} user={login}") if login else location


def county_case(tmp_path, location):
    """A task at `location` with the county's logins, and a case on T1 (城关镇) from clue to 销号 recorded
    by the county login case_wang: its two attachments (a decision PDF, an after photo)."""
    unlawful_task(tmp_path, location)
    set_up_roles(SERVICE, county=["case_wang"], townships={"case_li": "370323101000", "case_zhao": "370323102000"})
    county = as_login(location, "case_wang")
    key = cases.open_case(county, ["T1"], {"subject_name": "某某建材公司", "subject_type": "单位"})
    history = full_history(tmp_path)
    for kind, day, details, files in history:
        cases.record_act(county, key, kind, day, details, files, today=TODAY)
    return key, [path for *_, files in history for path in files]


def packaged_attachments(location, tmp_path):
    """{file name: bytes} of the case attachments in a draft package of the task."""
    result = build_package(location, str(tmp_path / "pkg.zip"), PackageOptions(draft=True, evidence=False))
    with zipfile.ZipFile(result.path) as archive:
        return {name.rsplit("/", 1)[1].split("_", 1)[1]: archive.read(name) for name in archive.namelist()
                if "/cases/" in name}


def test_a_county_attachment_is_kept_in_the_database_and_packaged_on_another_computer(bureau, pg_cluster, tmp_path):
    location = bureau["task_case_files"]
    key, originals = county_case(tmp_path, location)
    kept = sql(pg_cluster, "case_wang",
               "SELECT case_key, sha256, length(data) FROM task_case_files.case_files ORDER BY 3")
    assert kept == sorted(((key, file_sha256(p)[0], os.path.getsize(p)) for p in originals), key=lambda r: r[2])
    # Another computer (the administrator's, its own task folder): nothing there, all in the package.
    assert not os.path.exists(cases.folder(location))
    assert packaged_attachments(location, tmp_path) == {os.path.basename(p): open(p, "rb").read() for p in originals}
    # A township reads its own patches' cases only.
    own = "SELECT count(*) FROM task_case_files.{}"
    tables = ("case_files", "cases", "case_acts")
    assert [sql(pg_cluster, "case_li", own.format(t))[0][0] for t in tables] == [2, 1, 11]
    assert [sql(pg_cluster, "case_zhao", own.format(t))[0][0] for t in tables] == [0, 0, 0]


def test_a_township_login_cannot_write_case_attachments(bureau, pg_cluster, tmp_path):
    location = bureau["task_case_files"]
    key, originals = county_case(tmp_path, location)
    data = b"%PDF-1.4 forged decision"
    digest = hashlib.sha256(data).hexdigest()
    with open_task(as_login(location, "case_li")) as store:
        with pytest.raises(LandEnforcementError, match="may not write case attachments"):
            store.put_case_file(key, digest, data)
    for statement in ("INSERT INTO task_case_files.case_files(case_key, sha256, data) "
                      f"VALUES ('{key}', '{digest}', 'x')",
                      "UPDATE task_case_files.case_files SET data = 'x'",
                      f"SELECT task_case_files.lep_put_case_file('{key}', '{digest}', 'x'::bytea)"):
        with pytest.raises(psycopg2.Error, match="permission denied|may not"):
            sql(pg_cluster, "case_li", statement)
    second = cases.open_case(as_login(location, "case_wang"), ["T2"], {"subject_name": "张某", "subject_type": "个人"})
    with pytest.raises(LandEnforcementError, match="may not"):  # nor record an act with an attachment
        cases.record_act(as_login(location, "case_li"), second, "发现", "2024-11-01", {"channel": "巡查"},
                         [originals[0]], today=TODAY)
    assert len(sql(pg_cluster, "case_wang", "SELECT 1 FROM task_case_files.case_files")) == 2


def test_a_replaced_case_attachment_is_refused(bureau, pg_cluster, tmp_path):
    location = bureau["task_case_files"]
    key, originals = county_case(tmp_path, location)
    with open_task(as_login(location, "case_wang")) as county:
        with pytest.raises(LandEnforcementError, match="SHA-256"):
            county.put_case_file(key, file_sha256(originals[0])[0], b"forged")
    # Replaced in the database: a trace in the audit log, and refused where it is fetched.
    sql(pg_cluster, "case_wang", "UPDATE task_case_files.case_files SET data = 'forged'::bytea WHERE sha256 = %s",
        (file_sha256(originals[0])[0],))
    assert sql(pg_cluster, "case_wang", "SELECT action, user_name, field FROM task_case_files.audit_log "
                                        "WHERE entity = 'case_file'") == [("update", "case_wang", f"{key}/data")]
    with pytest.raises(LandEnforcementError, match="case attachment.*SHA-256"):
        packaged_attachments(location, tmp_path)
    # Replaced on the computer that recorded it: refused there too.
    with open_task(as_login(location, "case_wang")) as store:
        (row, *_), = [[r for r in store.case_attachments() if r["sha256"] == file_sha256(originals[1])[0]]]
    with open(cases.attachment_path(as_login(location, "case_wang"), row["file"]), "wb") as f:
        f.write(b"scanned over")
    with pytest.raises(LandEnforcementError, match="SHA-256"):
        cases.local_attachments(as_login(location, "case_wang"), [row])


def test_an_uploaded_geopackage_task_keeps_its_case_attachments(bureau, pg_cluster, tmp_path):
    task = hand_built_cases(tmp_path)
    with open_task(task) as store:
        recorded = {row["sha256"]: open(cases.attachment_path(task, row["file"]), "rb").read()
                    for row in store.case_attachments()}
    location = upload_task(task, bureau["task_case_upload"])
    uploaded = sql(pg_cluster, "postgres", "SELECT sha256 FROM task_case_upload.case_files")
    assert sorted(r[0] for r in uploaded) == sorted(recorded)
    shutil.rmtree(task_files_folder(location))  # another computer of the bureau
    assert sorted(packaged_attachments(location, tmp_path).values()) == sorted(recorded.values())
    # A task secured by an earlier plugin gets the table when its owner opens it (no task migration).
    sql(pg_cluster, "postgres", "DROP TABLE task_case_upload.case_files; "
                                "UPDATE task_case_upload.task_meta SET value = '3' WHERE key = 'bureau_version'")
    open_task(location).close()
    assert sql(pg_cluster, "postgres", "SELECT to_regclass('task_case_upload.case_files') IS NOT NULL, "
                                       "has_function_privilege('lep_township', 'task_case_upload.lep_put_case_file("
                                       "text, text, bytea)', 'EXECUTE')") == [(True, True)]
