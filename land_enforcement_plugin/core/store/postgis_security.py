"""Bureau mode's access rules: what a shared task database enforces itself, not the plugin.

- roles (scripts/postgis_roles.py creates them once per database): `lep_county` sees and edits
  everything but the audit log, a member of `lep_township` reads only the patches (and their
  records, photos, parts, cases and case attachments, audit rows) and the people of the township that
  `public.lep_township_accounts` maps its login to — row-level security, so a township login in
  plain QGIS or psql sees no more — and `lep_reviewer` (the city bureau) reads everything and
  writes nothing. The task's owner (the administrator login that created or uploaded it) alone
  may rewrite the audit log;
- townships write only through the task's SECURITY DEFINER functions (lep_save_verification,
  lep_add_photo, lep_put_photo_file, lep_audit, lep_submit_review), which check that the login may
  edit the patch and set user and time themselves; with no table-level write privilege a township
  can neither lock a table nor hold rows of another township. A township submits its patches'
  review states (lep_submit_review: 待核查 or 退回 → 乡镇已核查, with a verdict); approving,
  returning, reporting and reopening are the county's; lep_save_verification refuses to change a
  record approved or reported (review_states) until the county returns or reopens it. Cases are
  the county's: a case attachment's bytes (case_files) come only through lep_put_case_file,
  which refuses any other login and bytes that do not match their SHA-256;
- triggers write the audit log of verification records, photos, photo and case files, whoever edits
  them and however (QGIS attribute table, SQL), and own the records' versions: a save locks the
  patch's rows (lep_lock_patches), reads what was committed and writes only over the version it
  read, so a stale save is a conflict, never a lost update.
"""
import json
import re

from .. import schema
from ..errors import LandEnforcementError
from .postgis_connection import PLAIN_NAME, open_database, redact, scalar
from .sql import chunks, sql_ident, sql_quote, sql_text

COUNTY_ROLE = "lep_county"
TOWNSHIP_ROLE = "lep_township"
REVIEWER_ROLE = "lep_reviewer"
ACCOUNTS_TABLE = "public.lep_township_accounts"
# Tables whose rows belong to one patch (a jcbh column) and so to one township.
PHOTO_FILES_TABLE = "photo_files"
# Case attachments' bytes (PDF, photos, scans), kept like photo files: every computer sees them.
CASE_FILES_TABLE = "case_files"
_PATCH_ROWS = ("patches", "verifications", "photos", PHOTO_FILES_TABLE, "patch_townships", "assignments",
               "patches_source_%", schema.REVIEW_STATES_TABLE, schema.SPOT_CHECKS_TABLE,
               schema.PLANNING_CONFORMITY_TABLE, schema.CASE_PATCHES_TABLE)
# Tables whose rows belong to one case (a case_key column): a township reads its patches' cases.
_CASE_ROWS = (schema.CASES_TABLE, schema.CASE_ACTS_TABLE, schema.CASE_ATTACHMENTS_TABLE, CASE_FILES_TABLE)
# Tables with audit triggers (an upload copies their history instead).
TRIGGERED_TABLES = (schema.VERIFICATIONS_TABLE, schema.PHOTOS_LAYER, PHOTO_FILES_TABLE)
BUREAU_VERSION = "4"


def database_refusal(exc):
    """A database error from one of the lep_* functions or the row-level security as what the
    user may not do; None for anything else."""
    lines = str(exc).splitlines() or [type(exc).__name__]  # OGR puts the server's ERROR: line second
    text = re.sub(r"^ERROR:\s*", "", redact(next((line for line in lines if line.startswith("ERROR:")), lines[0])))
    message = text.split("lep: ", 1)[1] if "lep: " in text else text
    if "may not" in text:
        return LandEnforcementError(f"此登录无权进行该操作：{message}", message[0].upper() + message[1:])
    if "permission denied" in text or "row-level security" in text:
        return LandEnforcementError(f"此登录无权进行该操作：{message}", f"This login may not do this: {message}")
    if "lock timeout" in text:
        return LandEnforcementError("图斑正被他人保存，等待超时，请稍后重试",
                                    f"Someone else is saving the same patch; waiting timed out, try again ({message})")
    if "no longer at version" in text or "match its SHA-256" in text:
        return LandEnforcementError(f"未保存：{message}", f"Not saved: {message}")
    if "(locked)" in text:
        return LandEnforcementError("未保存：核查结果已锁定（县级审核通过或已上报），"
                                    f"须县级退回或重新打开后才能修改（{message}）",
                                    f"Not saved: {message}")
    if "cannot be submitted" in text:
        return LandEnforcementError(f"未提交：{message}", f"Not submitted: {message}")
    return None


def _roles_sql():
    """The three group roles and the township mapping, created once per database."""
    return f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{COUNTY_ROLE}') THEN CREATE ROLE {COUNTY_ROLE} NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{TOWNSHIP_ROLE}') THEN
    CREATE ROLE {TOWNSHIP_ROLE} NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{REVIEWER_ROLE}') THEN
    CREATE ROLE {REVIEWER_ROLE} NOLOGIN; END IF;
END $$;
CREATE TABLE IF NOT EXISTS {ACCOUNTS_TABLE} (role_name text PRIMARY KEY, xzqdm text NOT NULL);
GRANT SELECT ON {ACCOUNTS_TABLE} TO {COUNTY_ROLE}, {TOWNSHIP_ROLE}, {REVIEWER_ROLE};
"""


def _grants_sql(schema_name):
    """Everyone reads (row-level security fences townships in); only the county writes tables
    directly, and nobody but the task's owner writes the audit log. Township logins change
    verification records and photos through the lep_* functions only: without table-level
    write privileges they cannot LOCK a table nor SELECT … FOR UPDATE rows."""
    everyone = f"{COUNTY_ROLE}, {TOWNSHIP_ROLE}, {REVIEWER_ROLE}"
    qualified = sql_ident(schema_name)
    audit = f"{qualified}.{sql_ident(schema.AUDIT_TABLE)}"
    return f"""
GRANT USAGE ON SCHEMA {qualified} TO {everyone};
REVOKE ALL ON ALL TABLES IN SCHEMA {qualified} FROM {everyone};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA {qualified} FROM {everyone};
GRANT ALL ON ALL TABLES IN SCHEMA {qualified} TO {COUNTY_ROLE};
GRANT ALL ON ALL SEQUENCES IN SCHEMA {qualified} TO {COUNTY_ROLE};
GRANT SELECT ON ALL TABLES IN SCHEMA {qualified} TO {TOWNSHIP_ROLE}, {REVIEWER_ROLE};
REVOKE ALL ON {audit} FROM {COUNTY_ROLE};
GRANT SELECT ON {audit} TO {COUNTY_ROLE};
"""


# The township of the login: session_user, because the functions run as the schema's owner.
_OWN_TOWNSHIP = f"(SELECT a.xzqdm FROM {ACCOUNTS_TABLE} a WHERE a.role_name = session_user)"


def _policies_sql(schema_name, table):
    """County: everything; reviewer: read everything; township: read its own patches' rows (and
    its own people). Townships write nothing directly."""
    qualified = f"{sql_ident(schema_name)}.{sql_ident(table)}"
    own = _OWN_TOWNSHIP
    own_patches = (f"SELECT p.jcbh FROM {sql_ident(schema_name)}.{schema.PATCHES_LAYER} p "
                   f"WHERE p.{schema.TOWNSHIP_CODE.name} = {own}")
    # A patch belongs to the township the overlay placed it in: deliveries carry the county's code.
    if table == schema.PATCHES_LAYER:
        township_rows = f"{schema.TOWNSHIP_CODE.name} = {own}"
    elif table in (schema.PATCH_TOWNSHIPS_TABLE, schema.PEOPLE_TABLE):
        township_rows = f"xzqdm = {own}"
    elif any(re.fullmatch(p.replace("%", ".*"), table) for p in _PATCH_ROWS):
        township_rows = f"jcbh IN ({own_patches})"
    elif table in _CASE_ROWS:  # a case is its patches' townships' (case_patches is fenced by jcbh)
        township_rows = (f"case_key IN (SELECT c.case_key FROM {sql_ident(schema_name)}.{schema.CASE_PATCHES_TABLE} c "
                         f"WHERE c.jcbh IN ({own_patches}))")
    elif table == schema.AUDIT_TABLE:  # a roster change is about one township's person
        township_rows = (f"jcbh IN ({own_patches}) OR (jcbh IS NULL AND entity IS DISTINCT FROM 'person') "
                         f"OR (entity = 'person' AND {own} IN "
                         f"({sql_ident(schema_name)}.lep_json_text(old_value, 'xzqdm'), "
                         f"{sql_ident(schema_name)}.lep_json_text(new_value, 'xzqdm')))")
    else:
        township_rows = "true"  # task metadata, runs, metrics: shared figures, read-only for townships
    county = f"CREATE POLICY lep_county_all ON {qualified} TO {COUNTY_ROLE} USING (true) WITH CHECK (true);"
    if table == schema.AUDIT_TABLE:
        county = f"CREATE POLICY lep_county_all ON {qualified} FOR SELECT TO {COUNTY_ROLE} USING (true);"
    return f"""
ALTER TABLE {qualified} ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lep_county_all ON {qualified};
{county}
DROP POLICY IF EXISTS lep_reviewer_read ON {qualified};
CREATE POLICY lep_reviewer_read ON {qualified} FOR SELECT TO {REVIEWER_ROLE} USING (true);
DROP POLICY IF EXISTS lep_township_read ON {qualified};
CREATE POLICY lep_township_read ON {qualified} FOR SELECT TO {TOWNSHIP_ROLE} USING ({township_rows});
DROP POLICY IF EXISTS lep_township_insert ON {qualified};
DROP POLICY IF EXISTS lep_township_update ON {qualified};
"""


_SERVER_TIME = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+00:00'"


def _functions_sql(schema_name, postgis_schema):
    """The SECURITY DEFINER functions through which logins write, each checking the login may
    edit the patch and setting user and time itself, and the triggers that keep the audit log
    and the versions (whatever wrote the row)."""
    s = sql_ident(schema_name)
    gis = sql_ident(postgis_schema)
    header = f"SECURITY DEFINER SET search_path = {s}, pg_temp"
    fields = ", ".join(f"'{f.name}'" for f in schema.VERIFICATION_FIELDS + (schema.RECHECK,))
    columns = ", ".join(f"'{f.name}'" for f in schema.VERIFICATION_FIELDS)
    may_not = "USING ERRCODE = 'insufficient_privilege'"
    locked = ", ".join(sql_quote(state.value) for state in schema.REVIEW_LOCKED_STATES)
    submit_from = ", ".join(sql_quote(state.value) for state in schema.TOWNSHIP_REVIEW_FROM)
    submitted = sql_quote(schema.ReviewState.SUBMITTED.value)
    return f"""
CREATE OR REPLACE FUNCTION {s}.lep_json_text(value text, key text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN RETURN value::jsonb ->> key; EXCEPTION WHEN others THEN RETURN NULL; END $$;

CREATE OR REPLACE FUNCTION {s}.lep_is_county() RETURNS boolean LANGUAGE sql STABLE {header} AS $$
  SELECT pg_has_role(session_user, '{COUNTY_ROLE}', 'MEMBER')
      OR pg_has_role(session_user, (SELECT n.nspowner FROM pg_namespace n WHERE n.nspname = '{schema_name}'), 'MEMBER')
$$;

CREATE OR REPLACE FUNCTION {s}.lep_may_edit(patch text) RETURNS boolean LANGUAGE sql STABLE {header} AS $$
  SELECT {s}.lep_is_county() OR (pg_has_role(session_user, '{TOWNSHIP_ROLE}', 'MEMBER') AND EXISTS (
    SELECT 1 FROM {s}.patches p WHERE p.jcbh = patch AND p.{schema.TOWNSHIP_CODE.name} = {_OWN_TOWNSHIP}))
$$;

CREATE OR REPLACE FUNCTION {s}.lep_check_may_edit(patches text[]) RETURNS void LANGUAGE plpgsql STABLE {header} AS $$
DECLARE patch text;
BEGIN
  FOREACH patch IN ARRAY patches LOOP
    IF NOT {s}.lep_may_edit(patch) THEN
      RAISE EXCEPTION 'lep: this login (%) may not edit patch %', session_user, patch {may_not};
    END IF;
  END LOOP;
END $$;

-- Row locks, not advisory keys: only on patches the login may edit; a save waits for any other
-- writer of the record (plugin or plain SQL) and then reads what it committed.
CREATE OR REPLACE FUNCTION {s}.lep_lock_patches(patches text[]) RETURNS integer LANGUAGE plpgsql {header} AS $$
BEGIN
  PERFORM {s}.lep_check_may_edit(patches);
  PERFORM 1 FROM {s}.patches p WHERE p.jcbh = ANY(patches) ORDER BY p.jcbh FOR NO KEY UPDATE;
  PERFORM 1 FROM {s}.{schema.VERIFICATIONS_TABLE} v WHERE v.jcbh = ANY(patches) ORDER BY v.jcbh FOR UPDATE;
  RETURN cardinality(patches);
END $$;

CREATE OR REPLACE FUNCTION {s}.lep_save_verification(patch text, vals jsonb, expected integer) RETURNS integer
LANGUAGE plpgsql {header} AS $$
DECLARE assignments text; names text; saved integer; locked text;
BEGIN
  PERFORM {s}.lep_check_may_edit(ARRAY[patch]);
  -- Approved or reported: locked until the county returns or reopens it (values repeated unchanged,
  -- or a re-check mark cleared, change nothing of the verdict).
  SELECT r.state INTO locked FROM {s}.{schema.REVIEW_STATES_TABLE} r WHERE r.jcbh = patch AND r.state IN ({locked});
  IF locked IS NOT NULL AND EXISTS (
      SELECT 1 FROM jsonb_object_keys(vals) k LEFT JOIN {s}.{schema.VERIFICATIONS_TABLE} v ON v.jcbh = patch
      WHERE k = ANY(ARRAY[{columns}]) AND to_jsonb(v) ->> k IS DISTINCT FROM vals ->> k) THEN
    RAISE EXCEPTION 'lep: patch % is % (locked): its record changes only after the county returns or reopens it',
      patch, locked USING ERRCODE = 'check_violation';
  END IF;
  SELECT string_agg(format('%I = r.%I', k, k), ', '), string_agg(format('%I', k), ', ')
    INTO assignments, names FROM jsonb_object_keys(vals) k WHERE k = ANY(ARRAY[{fields}]);
  IF EXISTS (SELECT 1 FROM {s}.{schema.VERIFICATIONS_TABLE} WHERE jcbh = patch) THEN
    EXECUTE format('UPDATE {s}.{schema.VERIFICATIONS_TABLE} v SET %s FROM jsonb_populate_record('
                   'NULL::{s}.{schema.VERIFICATIONS_TABLE}, $1) r WHERE v.jcbh = $2 AND coalesce(v.version, 0) = $3',
                   coalesce(assignments, 'jcbh = v.jcbh')) USING vals, patch, expected;
    GET DIAGNOSTICS saved = ROW_COUNT;
  ELSIF expected = 0 THEN
    EXECUTE format('INSERT INTO {s}.{schema.VERIFICATIONS_TABLE}(jcbh%s) SELECT $2%s FROM jsonb_populate_record('
                   'NULL::{s}.{schema.VERIFICATIONS_TABLE}, $1) r',
                   coalesce(', ' || names, ''), coalesce(', r.' || replace(names, ', ', ', r.'), '')) USING vals, patch;
    saved := 1;
  ELSE
    saved := 0;
  END IF;
  IF saved = 0 THEN
    RAISE EXCEPTION 'lep: the record of patch % is no longer at version %', patch, expected
      USING ERRCODE = 'serialization_failure';
  END IF;
  RETURN saved;
END $$;

CREATE OR REPLACE FUNCTION {s}.lep_audit(action text, entity text, patch text, field text, old_value text,
                                          new_value text, detail text, channel text) RETURNS integer
LANGUAGE plpgsql {header} AS $$
BEGIN
  IF (patch IS NULL AND NOT {s}.lep_is_county()) OR (patch IS NOT NULL AND NOT {s}.lep_may_edit(patch)) THEN
    RAISE EXCEPTION 'lep: this login (%) may not write this audit entry', session_user {may_not};
  END IF;
  INSERT INTO {s}.{schema.AUDIT_TABLE}(ts, user_name, action, entity, jcbh, field, old_value, new_value, channel,
                                       detail)
  VALUES ({_SERVER_TIME}, session_user, action, entity, patch, field, old_value, new_value, channel, detail);
  RETURN 1;
END $$;

CREATE OR REPLACE FUNCTION {s}.lep_add_photo(vals jsonb, wkb text) RETURNS integer LANGUAGE plpgsql {header} AS $$
BEGIN
  PERFORM {s}.lep_check_may_edit(ARRAY[vals ->> 'jcbh']);
  INSERT INTO {s}.{schema.PHOTOS_LAYER}(jcbh, file, sha256, taken_at, direction, distance_m, warnings, added_at,
                                        added_by, geom)
  SELECT r.jcbh, r.file, r.sha256, r.taken_at, r.direction, r.distance_m, r.warnings, {_SERVER_TIME}, session_user,
         CASE WHEN wkb IS NULL THEN NULL ELSE {gis}.st_geomfromwkb(decode(wkb, 'hex'),
           {gis}.find_srid('{schema_name}', '{schema.PHOTOS_LAYER}', 'geom')) END
  FROM jsonb_populate_record(NULL::{s}.{schema.PHOTOS_LAYER}, vals) r;
  RETURN 1;
END $$;

-- Stored files are named by their SHA-256: bytes that are not what the name says are refused.
CREATE OR REPLACE FUNCTION {s}.lep_check_sha256(data bytea, digest text, what text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF encode(sha256(data), 'hex') <> digest THEN
    RAISE EXCEPTION 'lep: the %''s bytes do not match its SHA-256 %', what, digest USING ERRCODE = 'data_exception';
  END IF;
END $$;

CREATE OR REPLACE FUNCTION {s}.lep_put_photo_file(patch text, digest text, data bytea) RETURNS integer
LANGUAGE plpgsql {header} AS $$
BEGIN
  PERFORM {s}.lep_check_may_edit(ARRAY[patch]);
  PERFORM {s}.lep_check_sha256(data, digest, 'photo');
  INSERT INTO {s}.{PHOTO_FILES_TABLE}(jcbh, sha256, data) VALUES (patch, digest, data)
    ON CONFLICT (jcbh, sha256) DO NOTHING;
  RETURN 1;
END $$;

-- Case attachments: cases are the county's (townships read their patches' cases only).
CREATE OR REPLACE FUNCTION {s}.lep_put_case_file(the_case text, digest text, data bytea) RETURNS integer
LANGUAGE plpgsql {header} AS $$
BEGIN
  IF NOT {s}.lep_is_county() THEN
    RAISE EXCEPTION 'lep: this login (%) may not write case attachments', session_user {may_not};
  END IF;
  IF NOT EXISTS (SELECT 1 FROM {s}.{schema.CASES_TABLE} c WHERE c.case_key = the_case) THEN
    RAISE EXCEPTION 'lep: no case %', the_case USING ERRCODE = 'foreign_key_violation';
  END IF;
  PERFORM {s}.lep_check_sha256(data, digest, 'attachment');
  INSERT INTO {s}.{CASE_FILES_TABLE}(case_key, sha256, data) VALUES (the_case, digest, data)
    ON CONFLICT (case_key, sha256) DO NOTHING;
  RETURN 1;
END $$;

-- Review and return: a township submits its verified patches (the county writes review_states
-- directly: approving, returning, reporting, reopening are its alone).
CREATE OR REPLACE FUNCTION {s}.lep_submit_review(patches text[], note text) RETURNS integer
LANGUAGE plpgsql {header} AS $$
DECLARE patch text; current text;
BEGIN
  PERFORM {s}.lep_check_may_edit(patches);
  FOREACH patch IN ARRAY patches LOOP
    current := NULL;
    SELECT r.state INTO current FROM {s}.{schema.REVIEW_STATES_TABLE} r WHERE r.jcbh = patch FOR UPDATE;
    current := coalesce(current, {sql_quote(schema.ReviewState.PENDING.value)});
    IF current NOT IN ({submit_from}) THEN
      RAISE EXCEPTION 'lep: patch % is %: it cannot be submitted', patch, current USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM {s}.{schema.VERIFICATIONS_TABLE} v
                   WHERE v.jcbh = patch AND coalesce(v.{schema.V_VERDICT.name}, '') <> '') THEN
      RAISE EXCEPTION 'lep: patch % has no verdict yet and cannot be submitted', patch
        USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO {s}.{schema.REVIEW_STATES_TABLE}(jcbh, state, submitted_by, submitted_at)
    VALUES (patch, {submitted}, session_user, {_SERVER_TIME})
    ON CONFLICT (jcbh) DO UPDATE SET state = excluded.state, submitted_by = excluded.submitted_by,
                                     submitted_at = excluded.submitted_at;
    INSERT INTO {s}.{schema.AUDIT_TABLE}(ts, user_name, action, entity, jcbh, field, old_value, new_value, detail)
    VALUES ({_SERVER_TIME}, session_user, 'review', 'review_state', patch, 'state', current, {submitted},
            'submit' || coalesce(': ' || nullif(note, ''), ''));
  END LOOP;
  RETURN cardinality(patches);
END $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {s} FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {s}.lep_json_text(text, text), {s}.lep_is_county(), {s}.lep_may_edit(text),
  {s}.lep_check_may_edit(text[]) TO {COUNTY_ROLE}, {TOWNSHIP_ROLE}, {REVIEWER_ROLE};
GRANT EXECUTE ON FUNCTION {s}.lep_lock_patches(text[]), {s}.lep_save_verification(text, jsonb, integer),
  {s}.lep_audit(text, text, text, text, text, text, text, text), {s}.lep_add_photo(jsonb, text),
  {s}.lep_put_photo_file(text, text, bytea), {s}.lep_put_case_file(text, text, bytea),
  {s}.lep_submit_review(text[], text) TO {COUNTY_ROLE}, {TOWNSHIP_ROLE}, {REVIEWER_ROLE};

-- Verification records: the version and who/when are the server's; every changed field is audited.
CREATE OR REPLACE FUNCTION {s}.lep_audit_verification() RETURNS trigger LANGUAGE plpgsql {header} AS $$
DECLARE
  col text; old_value text; new_value text;
  channel text := nullif(current_setting('lep.channel', true), '');
  detail text := nullif(current_setting('lep.detail', true), '');
BEGIN
  NEW.version := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE coalesce(OLD.version, 0) + 1 END;
  NEW.updated_by := session_user;
  NEW.updated_at := {_SERVER_TIME};
  FOREACH col IN ARRAY ARRAY[{columns}] LOOP
    IF TG_OP = 'UPDATE' THEN EXECUTE format('SELECT ($1).%I::text', col) INTO old_value USING OLD; END IF;
    EXECUTE format('SELECT ($1).%I::text', col) INTO new_value USING NEW;
    IF old_value IS DISTINCT FROM new_value THEN
      INSERT INTO {s}.{schema.AUDIT_TABLE}(ts, user_name, action, entity, jcbh, field, old_value, new_value, channel,
                                           detail)
      VALUES ({_SERVER_TIME}, session_user, lower(TG_OP), 'verification', NEW.jcbh, col, old_value, new_value,
              coalesce(channel, 'database'), detail);
    END IF;
    old_value := NULL;
  END LOOP;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS lep_audit_verification ON {s}.{schema.VERIFICATIONS_TABLE};
CREATE TRIGGER lep_audit_verification BEFORE INSERT OR UPDATE ON {s}.{schema.VERIFICATIONS_TABLE}
  FOR EACH ROW EXECUTE FUNCTION {s}.lep_audit_verification();

-- Photos and their bytes: a photo added, changed or removed, and bytes replaced or removed, leave
-- a row (bytes are checked against their SHA-256 on the way in and on the way out).
CREATE OR REPLACE FUNCTION {s}.lep_audit_photo() RETURNS trigger LANGUAGE plpgsql {header} AS $$
DECLARE
  before text; after text;
  patch text := CASE WHEN TG_OP = 'DELETE' THEN OLD.jcbh ELSE NEW.jcbh END;
BEGIN
  IF TG_TABLE_NAME = '{PHOTO_FILES_TABLE}' THEN  -- the bytes by their hash, not the bytes
    IF TG_OP <> 'INSERT' THEN before := OLD.sha256 || ' data:' || encode(sha256(OLD.data), 'hex'); END IF;
    IF TG_OP <> 'DELETE' THEN after := NEW.sha256 || ' data:' || encode(sha256(NEW.data), 'hex'); END IF;
  ELSIF TG_OP = 'INSERT' THEN
    after := NEW.file;
  ELSE
    before := (to_jsonb(OLD) - 'geom')::text;
    IF TG_OP = 'UPDATE' THEN after := (to_jsonb(NEW) - 'geom')::text; END IF;
  END IF;
  INSERT INTO {s}.{schema.AUDIT_TABLE}(ts, user_name, action, entity, jcbh, field, old_value, new_value, channel)
  VALUES ({_SERVER_TIME}, session_user, lower(TG_OP), CASE WHEN TG_TABLE_NAME = '{PHOTO_FILES_TABLE}'
          THEN 'photo_file' ELSE 'photo' END, patch, CASE WHEN TG_TABLE_NAME = '{PHOTO_FILES_TABLE}' THEN 'data'
          ELSE 'file' END, before, after, coalesce(nullif(current_setting('lep.channel', true), ''), 'database'));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS lep_audit_photo ON {s}.{schema.PHOTOS_LAYER};
CREATE TRIGGER lep_audit_photo AFTER INSERT OR UPDATE OR DELETE ON {s}.{schema.PHOTOS_LAYER}
  FOR EACH ROW EXECUTE FUNCTION {s}.lep_audit_photo();
DROP TRIGGER IF EXISTS lep_audit_photo_file ON {s}.{PHOTO_FILES_TABLE};
CREATE TRIGGER lep_audit_photo_file AFTER UPDATE OR DELETE ON {s}.{PHOTO_FILES_TABLE}
  FOR EACH ROW EXECUTE FUNCTION {s}.lep_audit_photo();

-- Case attachment bytes replaced or removed leave a row too (by their hash, not the bytes).
CREATE OR REPLACE FUNCTION {s}.lep_audit_case_file() RETURNS trigger LANGUAGE plpgsql {header} AS $$
DECLARE after text;
BEGIN
  IF TG_OP = 'UPDATE' THEN after := NEW.sha256 || ' data:' || encode(sha256(NEW.data), 'hex'); END IF;
  INSERT INTO {s}.{schema.AUDIT_TABLE}(ts, user_name, action, entity, jcbh, field, old_value, new_value, channel)
  VALUES ({_SERVER_TIME}, session_user, lower(TG_OP), 'case_file', NULL, OLD.case_key || '/data',
          OLD.sha256 || ' data:' || encode(sha256(OLD.data), 'hex'), after,
          coalesce(nullif(current_setting('lep.channel', true), ''), 'database'));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS lep_audit_case_file ON {s}.{CASE_FILES_TABLE};
CREATE TRIGGER lep_audit_case_file AFTER UPDATE OR DELETE ON {s}.{CASE_FILES_TABLE}
  FOR EACH ROW EXECUTE FUNCTION {s}.lep_audit_case_file();
"""


def set_up_roles(connection, county=(), townships=None, reviewers=(), admins=()):
    """Create the group roles and the township mapping (once per database), and grant logins:
    county staff, township staff ({login: township XZQDM}), reviewers, and bureau administrators
    (`admins`: may create task schemas in the database — they create and upload tasks and own
    them — without being superusers). Logins that do not exist yet are created without a password
    (set one with psql's \\password, or use certificates / pg_hba); nothing here ever handles a
    password."""
    townships = townships or {}
    ds = open_database(connection)
    try:
        ds.StartTransaction(force=True)
        ds.ExecuteSQL(_roles_sql())
        for group, logins in ((COUNTY_ROLE, county), (TOWNSHIP_ROLE, townships), (REVIEWER_ROLE, reviewers),
                              (None, admins)):
            for login in logins:
                if not PLAIN_NAME.match(login):
                    raise LandEnforcementError(f"登录名只能用小写字母、数字、下划线：{login}",
                                               f"Logins may only use lower-case letters, digits, underscores: {login}")
                ds.ExecuteSQL(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{login}') "
                              f"THEN CREATE ROLE {login} LOGIN; END IF; END $$")
                if group is None:
                    ds.ExecuteSQL(f"DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO {login}', "
                                  "current_database()); END $$")
                    ds.ExecuteSQL(f"GRANT SELECT ON {ACCOUNTS_TABLE} TO {login}")  # its tasks' checks read it
                else:
                    ds.ExecuteSQL(f"GRANT {group} TO {login}")
        for login, xzqdm in townships.items():
            ds.ExecuteSQL(f"INSERT INTO {ACCOUNTS_TABLE}(role_name, xzqdm) "
                          f"VALUES ({sql_quote(login)}, {sql_quote(xzqdm)}) "
                          "ON CONFLICT (role_name) DO UPDATE SET xzqdm = excluded.xzqdm")
        ds.CommitTransaction()
    finally:
        ds = None


class BureauAccess:
    """The store's side of the rules (a mixin of PostgisTaskStore): making them, and writing
    through the task's lep_* functions where a GeoPackage writes rows itself."""

    # -- what the database enforces ------------------------------------------------------------
    def secure(self):
        """Grants, row-level security, the write functions and the audit triggers of the task
        (idempotent: run by the task's owner after creation and after anything that adds a table)."""
        with self.transaction():
            roles = scalar(self._ds, "SELECT count(*) FROM pg_roles WHERE rolname IN "
                                     f"('{COUNTY_ROLE}', '{TOWNSHIP_ROLE}', '{REVIEWER_ROLE}')")
            if roles < 3 or not scalar(self._ds, f"SELECT to_regclass('{ACCOUNTS_TABLE}') IS NOT NULL"):
                self._ds.ExecuteSQL(_roles_sql())  # needs the right to create roles: the first time only
            tables = [row["table_name"] for row in self.query(
                "SELECT table_name FROM information_schema.tables "
                f"WHERE table_schema = {sql_quote(self.schema)} AND table_type = 'BASE TABLE'")]
            postgis = scalar(self._ds, "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                                       "ON n.oid = e.extnamespace WHERE e.extname = 'postgis'")
            self._ds.ExecuteSQL(_functions_sql(self.schema, postgis))
            self._ds.ExecuteSQL(_grants_sql(self.schema))
            for table in tables:
                self._ds.ExecuteSQL(_policies_sql(self.schema, table))
            self.write_meta({"bureau_version": BUREAU_VERSION})

    def call(self, call):
        """SELECT one of the task's lep_* functions; its refusals as messages, not tracebacks."""
        try:
            return scalar(self._ds, f"SELECT {sql_ident(self.schema)}.{call}")
        except RuntimeError as exc:
            refusal = database_refusal(exc)
            if refusal is None:
                raise
            raise refusal from exc

    def _lock_verifications(self, jcbhs):
        # Row locks on the patches (every patch has one, a record may not yet) and their records,
        # taken by a function that first checks the login may edit each: a township cannot hold
        # a lock on another township's patch.
        for chunk in chunks(sorted(jcbhs)):
            self.call(f"lep_lock_patches(ARRAY[{', '.join(sql_quote(j) for j in chunk)}]::text[])")

    def _save_verification(self, jcbh, row, exists, version):
        values = {k: v for k, v in row.items() if k not in ("version", "updated_at", "updated_by")}
        self.call(f"lep_save_verification({sql_quote(jcbh)}, "
                  f"{sql_quote(json.dumps(values, ensure_ascii=False))}::jsonb, {int(version)})")

    def audit(self, action, entity, jcbh, field_name=None, old=None, new=None, detail=None, channel=None):
        """Through the task's function: the server writes the login's name and the time."""
        values = [action, entity, jcbh, field_name, None if old is None else str(old),
                  None if new is None else str(new), detail, channel]
        self.call(f"lep_audit({', '.join(sql_text(v) for v in values)})")

    def _insert_photo(self, row):
        values = {k: v for k, v in row.items() if k != "wkb"}
        wkb = sql_quote(bytes(row["wkb"]).hex()) if row.get("wkb") else "NULL"
        self.call(f"lep_add_photo({sql_quote(json.dumps(values, ensure_ascii=False))}::jsonb, {wkb})")

    def submit_review(self, jcbhs, note=None):
        """A township login's submission (待核查 or 退回 → 乡镇已核查): it has no write grant on
        review_states, so the task's function checks the login, state and verdict of each patch and
        writes the state and its audit rows with the server's user and time."""
        for chunk in chunks(sorted(jcbhs)):
            self.call(f"lep_submit_review(ARRAY[{', '.join(sql_quote(j) for j in chunk)}]::text[], {sql_text(note)})")

    def _audit_verification(self, jcbh, name, old, new, detail, channel, inserted):
        """The trigger writes it (with the login's name), from the channel set for this transaction."""
        scalar(self._ds, f"SELECT set_config('lep.channel', {sql_quote(channel or '')}, true), "
                         f"set_config('lep.detail', {sql_quote(detail or '')}, true)")
