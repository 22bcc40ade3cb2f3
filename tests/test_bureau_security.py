"""Bureau mode attacked as a township login would (psql, the plugin, qgis_process), on the private
PostgreSQL 15 + PostGIS cluster (tests/pg_cluster.py): each hole of issue 18 is refused."""
import os
import time

import psycopg2
import pytest
from osgeo import osr
from test_postgis import as_login, save_in_thread

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.reports import evidence
from land_enforcement_plugin.core.reports import package as submission
from land_enforcement_plugin.core.season.transfer import upload_task
from land_enforcement_plugin.core.store import open_task
from land_enforcement_plugin.core.store.postgis import PostgisTaskStore
from land_enforcement_plugin.core.store.postgis_connection import conninfo, redact
from land_enforcement_plugin.core.store.postgis_security import BUREAU_VERSION, set_up_roles

SERVICE = "service=lep_test"
TASK = "secured_2024"
TOWN_A, TOWN_B = "370323101000", "370323102000"


@pytest.fixture(scope="module")
def secured(pg_cluster, season):
    """The season's task uploaded by a bureau administrator login that is not a superuser."""
    set_up_roles(SERVICE, county=["wang"], townships={"li": TOWN_A, "zhao": TOWN_B}, reviewers=["city"],
                 admins=["lep_admin"])
    location = upload_task(season["task"], f"pg:{SERVICE} user=lep_admin/{TASK}")
    yield location.replace(" user=lep_admin", "")
    # The cluster is the session's: leave it without these roles and tasks, as later modules expect.
    logins = "lep_admin, wang, li, zhao, city, lep_county, lep_township, lep_reviewer"
    sql(pg_cluster, "postgres", f"DROP OWNED BY {logins} CASCADE; DROP ROLE {logins}; "
                                "DROP TABLE public.lep_township_accounts")


def sql(pg_cluster, login, statement, parameters=()):
    """Run one statement as `login` (committed); the rows it returns, if any."""
    connection = psycopg2.connect(pg_cluster.conninfo(user=login))
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(statement, parameters)
            return cursor.fetchall() if cursor.description else cursor.rowcount
    finally:
        connection.close()


def patches_of(location, township):
    with open_task(location) as store:
        return sorted(r["jcbh"] for r in store.review_rows() if r["township_code"] == township)


def records_of(pg_cluster, township):
    """JCBHs of the township's patches that have a verification record."""
    return [row[0] for row in sql(pg_cluster, "wang",
                                  f"SELECT v.jcbh FROM {TASK}.verifications v JOIN {TASK}.patches p "
                                  "USING (jcbh) WHERE p.township_code = %s ORDER BY 1", (township,))]


# -- 1. SQL built from input ------------------------------------------------------------------
def test_a_crafted_srs_authority_cannot_run_commands_on_the_server(secured, pg_cluster):
    marker = f"/tmp/lep_pwned_{os.getpid()}"
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4490)
    evil = srs.ExportToWkt().replace('AUTHORITY["EPSG","4490"]]', 'AUTHORITY["EPSG","1 ON people(fid);COPY (SELECT 1) '
                                     f"TO PROGRAM 'touch {marker}';--\"]]")
    assert "PROGRAM" in evil
    with PostgisTaskStore.open(secured) as store:
        with store.transaction():
            layer = store.source_layer(evil)
            name = layer.GetName()
    assert name == f"{schema.PATCHES_SOURCE_LAYER}_custom"
    assert not os.path.exists(marker)
    sql(pg_cluster, "postgres", f"DROP TABLE {TASK}.{name}")  # made by the superuser: not the task's


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # see test_postgis's cancelled upload
def test_a_geopackage_with_a_crafted_table_name_is_not_uploaded(season, pg_cluster, tmp_path):
    from osgeo import ogr
    from test_submission import copy_task

    from land_enforcement_plugin.core.store.postgis import list_tasks

    task = copy_task(season, str(tmp_path / "crafted"))
    ds = ogr.Open(task, 1)
    layer = ds.CreateLayer("x'), 'fid'), 1); DROP TABLE people; --", options=["FID=fid"])
    layer.CreateFeature(ogr.Feature(layer.GetLayerDefn()))
    ds = None
    with pytest.raises(LandEnforcementError, match="never makes"):
        upload_task(task, f"pg:{SERVICE} user=lep_admin/crafted_upload")
    assert "crafted_upload" not in [name for name, *_ in list_tasks(SERVICE)]


def test_a_task_is_uploaded_by_an_administrator_login_that_is_not_a_superuser(secured, pg_cluster):
    assert sql(pg_cluster, "postgres", "SELECT rolsuper FROM pg_roles WHERE rolname = 'lep_admin'") == [(False,)]
    assert sql(pg_cluster, "postgres", "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = %s",
               (TASK,)) == [("lep_admin",)]
    with open_task(as_login(secured, "wang")) as store:
        assert store.summary().patch_count == 120


# -- 2. the audit log ---------------------------------------------------------------------------
def test_the_audit_log_cannot_be_rewritten_by_a_township_or_deleted_by_the_county(secured, pg_cluster):
    own, other = patches_of(secured, TOWN_A)[0], patches_of(secured, TOWN_B)[0]
    for login, statement in (
            ("li", f"UPDATE {TASK}.audit_log SET user_name = 'zhao' WHERE user_name = 'li'"),
            ("li", f"UPDATE {TASK}.audit_log SET detail = 'x' WHERE jcbh IS NULL"),
            ("li", f"INSERT INTO {TASK}.audit_log(ts, user_name, action, entity, jcbh) "
                   f"VALUES ('2024-01-01', 'zhao', 'update', 'verification', '{other}')"),
            ("wang", f"DELETE FROM {TASK}.audit_log"),
            ("wang", f"UPDATE {TASK}.audit_log SET user_name = 'x'"),
            ("wang", f"TRUNCATE {TASK}.audit_log")):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            sql(pg_cluster, login, statement)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="may not write this audit entry"):
        sql(pg_cluster, "li", f"SELECT {TASK}.lep_audit('update', 'verification', %s, 'x', NULL, 'y', NULL, NULL)",
            (other,))
    # what a township may add (through the function) carries its own name and the server's time
    sql(pg_cluster, "li", f"SELECT {TASK}.lep_audit('note', 'verification', %s, 'x', NULL, 'y', NULL, NULL)", (own,))
    (user_name, ts), = sql(pg_cluster, "wang", f"SELECT user_name, ts FROM {TASK}.audit_log WHERE jcbh = %s "
                                               "ORDER BY fid DESC LIMIT 1", (own,))
    assert user_name == "li" and ts.endswith("+00:00")
    # the task's owner (the administrator who uploaded it) can
    assert sql(pg_cluster, "lep_admin", f"DELETE FROM {TASK}.audit_log WHERE action = 'note'") == 1


# -- 3. the roster -------------------------------------------------------------------------------
def test_a_township_sees_only_its_own_people_and_their_audit_rows(secured, pg_cluster):
    with open_task(as_login(secured, "wang")) as county:
        county.set_people([{"name": "李甲", "role": "乡镇", "xzqdm": TOWN_A, "phone": "13800000001"},
                           {"name": "赵乙", "role": "乡镇", "xzqdm": TOWN_B, "phone": "13800000002"}])
    with open_task(as_login(secured, "li")) as li:
        assert [p["name"] for p in li.people()] == ["李甲"]
        person_rows = [e for e in li.audit_entries() if e["entity"] == "person"]
        assert person_rows and all("赵乙" not in (e["field"] or "") + (e["new_value"] or "") for e in person_rows)
    assert "13800000002" not in str(sql(pg_cluster, "li", f"SELECT * FROM {TASK}.audit_log"))
    assert len(sql(pg_cluster, "wang", f"SELECT * FROM {TASK}.people")) == 2


# -- 4. versions and lost updates ----------------------------------------------------------------
def test_versions_and_who_saved_are_the_servers(secured, pg_cluster):
    jcbh = records_of(pg_cluster, TOWN_A)[0]
    (before,), = sql(pg_cluster, "wang", f"SELECT version FROM {TASK}.verifications WHERE jcbh = %s", (jcbh,))
    sql(pg_cluster, "wang", f"UPDATE {TASK}.verifications SET version = 1000, updated_by = 'li', notes = 'n' "
                            "WHERE jcbh = %s", (jcbh,))
    (version, updated_by), = sql(pg_cluster, "wang", f"SELECT version, updated_by FROM {TASK}.verifications "
                                                     "WHERE jcbh = %s", (jcbh,))
    assert (version, updated_by) == (before + 1, "wang")


def test_a_plain_sql_edit_in_flight_turns_a_plugin_save_into_a_conflict(secured, pg_cluster):
    jcbh = records_of(pg_cluster, TOWN_A)[1]
    with open_task(as_login(secured, "li")) as li:
        seen = li.verification_version(jcbh)
        editor = psycopg2.connect(pg_cluster.conninfo(user="wang"))
        try:
            with editor, editor.cursor() as cursor:  # an edit in the attribute table / psql, not yet committed
                cursor.execute(f"UPDATE {TASK}.verifications SET notes = '王：未拆除' WHERE jcbh = %s", (jcbh,))
                second, ended = save_in_thread(li, jcbh, "李：已拆除", seen)
                time.sleep(0.5)
                assert second.is_alive()  # li's save waits for the row
        finally:
            editor.close()
        second.join(10)
        assert ended == [[(jcbh, "notes", "王：未拆除", "李：已拆除")]]
        assert li.verifications()[jcbh]["notes"] == "王：未拆除"


# -- 5. photos ------------------------------------------------------------------------------------
def test_replaced_photo_bytes_leave_a_trace_and_are_refused_by_the_package(secured, pg_cluster, tmp_path):
    import shutil

    from land_enforcement_plugin.core.store import task_files_folder

    (jcbh, sha), = sql(pg_cluster, "wang", f"SELECT jcbh, sha256 FROM {TASK}.photo_files ORDER BY fid LIMIT 1")
    with open_task(as_login(secured, "wang")) as county:
        with pytest.raises(LandEnforcementError, match="SHA-256"):  # bytes that are not the photo's
            county.put_photo_file(jcbh, "0" * 64, b"forged")
    sql(pg_cluster, "wang", f"UPDATE {TASK}.photo_files SET data = 'forged'::bytea WHERE jcbh = %s AND sha256 = %s",
        (jcbh, sha))
    sql(pg_cluster, "wang", f"UPDATE {TASK}.photos SET taken_at = '2020-01-01T00:00:00' WHERE jcbh = %s", (jcbh,))
    entries = sql(pg_cluster, "wang", f"SELECT entity, action, user_name FROM {TASK}.audit_log WHERE jcbh = %s "
                                      "AND entity IN ('photo', 'photo_file')", (jcbh,))
    assert ("photo_file", "update", "wang") in entries and ("photo", "update", "wang") in entries
    shutil.rmtree(task_files_folder(secured), ignore_errors=True)  # another computer: fetched from the database
    with pytest.raises(LandEnforcementError, match="SHA-256"):
        submission.build_package(secured, str(tmp_path / "p.zip"), submission.PackageOptions(draft=True))
    with pytest.raises(LandEnforcementError, match="SHA-256"):
        evidence.write_evidence_sheets(secured, [jcbh], str(tmp_path / "sheets"))


# -- 6. locks -------------------------------------------------------------------------------------
def test_a_township_cannot_lock_tables_or_other_townships_patches(secured, pg_cluster):
    other = patches_of(secured, TOWN_B)[0]
    for statement in (f"LOCK TABLE {TASK}.verifications IN ACCESS EXCLUSIVE MODE",
                      f"LOCK TABLE {TASK}.patches IN SHARE MODE",
                      f"SELECT 1 FROM {TASK}.verifications FOR UPDATE",
                      f"SELECT {TASK}.lep_lock_patches(ARRAY['{other}'])",
                      f"SELECT {TASK}.lep_save_verification('{other}', '{{\"notes\": \"x\"}}', 1)"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            sql(pg_cluster, "li", statement)
    for table in ("verifications", "photos", "photo_files", "audit_log"):
        assert sql(pg_cluster, "postgres", "SELECT has_table_privilege('li', %s, 'INSERT') OR "
                                           "has_table_privilege('li', %s, 'UPDATE')",
                   (f"{TASK}.{table}",) * 2) == [(False,)]


def test_a_save_behind_a_held_lock_gives_up_with_a_message(secured, pg_cluster, monkeypatch):
    monkeypatch.setattr(PostgisTaskStore, "lock_timeout_s", 1)
    jcbh = patches_of(secured, TOWN_A)[3]
    holder = psycopg2.connect(pg_cluster.conninfo(user="wang"))
    try:
        with holder, holder.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {TASK}.patches WHERE jcbh = %s FOR UPDATE", (jcbh,))
            with open_task(as_login(secured, "li")) as li:
                started = time.monotonic()
                with pytest.raises(LandEnforcementError, match="waiting timed out"):
                    li.apply_verifications({jcbh: {"notes": "x"}}, schema.CHANNEL_FORM)
                assert time.monotonic() - started < 5
                assert li.query("SHOW statement_timeout")[0]["statement_timeout"] == "10min"
    finally:
        holder.close()


# -- 7. passwords and TLS -------------------------------------------------------------------------
@pytest.mark.parametrize("location", ["pg:service=lep_test password=s3cret/secured_2024",
                                      "pg:service=lep_test password='s3cret pw'/secured_2024",
                                      'pg:service=lep_test password="s3cret"/secured_2024'])
def test_a_password_in_a_location_is_refused_without_showing_it(location):
    with pytest.raises(LandEnforcementError, match=r"\.pgpass") as refused:
        open_task(location)
    assert "s3cret" not in str(refused.value) and "password=***" in str(refused.value)


def test_every_form_of_password_is_redacted_in_messages():
    for text in ("password=pw host=h", "password='p w' host=h", 'password="p w" host=h', "PASSWORD = pw",
                 "postgresql://u:pw@h/db"):
        assert "pw" not in redact(text).replace("postgresql", "") and "p w" not in redact(text)


def test_remote_servers_get_verified_tls_and_a_clear_message_without_a_certificate(pg_cluster, tmp_path, monkeypatch):
    services = tmp_path / "pg_service.conf"
    services.write_text(open(pg_cluster.service_file).read() + "\n[remote]\nhost=db.bureau.example\ndbname=lep\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    monkeypatch.delenv("PGSSLMODE", raising=False)
    assert conninfo("service=remote").endswith("sslmode=verify-full")
    assert conninfo("service=lep_test") == "service=lep_test"  # this computer: no TLS needed
    with pytest.raises(LandEnforcementError, match="verify-full.*TLS certificate"):
        open_task(f"pg:{SERVICE} sslmode=verify-full/{TASK}")


# -- 8. Processing as a township login --------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["townshipmetrics", "assignpatches", "importpatches"])
def test_county_only_algorithms_tell_a_township_login_it_may_not(secured, season, provider, algorithm):
    import processing
    from qgis.core import QgsProcessingException

    parameters = {"DATABASE": as_login(secured, "li")}
    if algorithm == "importpatches":
        parameters["INPUT"] = season["patches"]
    with pytest.raises(QgsProcessingException, match="This login may not run") as refused:
        processing.run(f"landenforcement:{algorithm}", parameters)
    assert "Traceback" not in str(refused.value)


# -- a task secured by an earlier plugin ----------------------------------------------------------
def test_a_task_from_before_is_brought_up_to_date_by_its_owner_only(secured, pg_cluster):
    # what bureau version 1 granted: townships wrote the tables directly
    sql(pg_cluster, "lep_admin", f"GRANT INSERT, UPDATE ON {TASK}.verifications, {TASK}.audit_log TO lep_township; "
                                 f"UPDATE {TASK}.task_meta SET value = '1' WHERE key = 'bureau_version'")
    with pytest.raises(LandEnforcementError, match="opened once by its owner"):
        open_task(as_login(secured, "wang"))
    open_task(f"pg:{SERVICE} user=lep_admin/{TASK}").close()
    with open_task(as_login(secured, "li")) as store:
        assert store.meta()["bureau_version"] == BUREAU_VERSION
    assert sql(pg_cluster, "postgres", "SELECT has_table_privilege('li', %s, 'UPDATE')",
               (f"{TASK}.verifications",)) == [(False,)]
