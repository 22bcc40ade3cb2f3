"""The review of a task: verification records (versioned, locked once approved), field photos
and enforcement cases."""
import json

from osgeo import ogr

from .. import schema
from ..errors import LandEnforcementError
from .records import VerificationConflict, now_iso
from .sql import sql_quote


class ReviewTables:
    """Verification records, photos and cases (a mixin of OgrTaskStore)."""

    # -- verification ----------------------------------------------------------------------
    def review_rows(self, jcbh=None):
        """One row per patch for the review list (or only patch `jcbh`'s): where it is (the
        delivered XZQDM/XZQMC and the overlay's township and village), what the overlay says (area_m2
        NULL: not overlaid since its shape was delivered), its verdict."""
        where = f"WHERE p.jcbh = {sql_quote(jcbh)} " if jcbh is not None else ""
        return self.query(
            f"SELECT p.fid AS patch_fid, p.jcbh, p.xzqdm, p.xzqmc, p.{schema.TOWNSHIP_CODE.name}, "
            f"p.{schema.TOWNSHIP_NAME.name}, p.{schema.VILLAGE_NAME.name}, p.area_m2, p.high_priority, "
            f"p.suggested_verdict, p.batch, p.{schema.REPEAT_OF.name}, a.assignee, "
            f"v.verdict, v.rect_status, v.inspector, v.verify_date, "
            f"(SELECT count(*) FROM {schema.PHOTOS_LAYER} ph WHERE ph.jcbh = p.jcbh) AS photo_count "
            f"FROM {schema.PATCHES_LAYER} p LEFT JOIN {schema.VERIFICATIONS_TABLE} v ON v.jcbh = p.jcbh "
            f"LEFT JOIN {schema.ASSIGNMENTS_TABLE} a ON a.jcbh = p.jcbh "
            f"{where}ORDER BY p.jcbh")

    def verifications(self):
        """jcbh -> {verification field: value} of every recorded verification."""
        return {jcbh: values for jcbh, (values, _) in self.verifications_with_versions().items()}

    def verifications_with_versions(self, jcbhs=None):
        """jcbh -> ({verification field: value}, version), in one read: of every record, or of those
        of `jcbhs` when they are a few (a verdict saved from the form, not a returned sheet)."""
        names = ["jcbh", "version"] + [f.name for f in schema.VERIFICATION_FIELDS]
        where = ""
        if jcbhs is not None and len(jcbhs) <= 100:
            where = f" WHERE jcbh IN ({', '.join(sql_quote(jcbh) for jcbh in jcbhs) or 'NULL'})"
        rows = self.query(f"SELECT {', '.join(names)} FROM {schema.VERIFICATIONS_TABLE}{where}")
        return {row.pop("jcbh"): (row, int(row.pop("version") or 0)) for row in rows}

    def _recheck_marked(self, jcbhs):
        """jcbh -> re-check text, of those of `jcbhs` whose record carries one."""
        marks = self.recheck_marks()
        return {jcbh: marks[jcbh] for jcbh in jcbhs if jcbh in marks}

    def verification_version(self, jcbh):
        """The version of a patch's verification record (0 when there is none yet): what an editor
        read, handed back to apply_verifications(expected=...) when saving."""
        rows = self.query(f"SELECT version FROM {schema.VERIFICATIONS_TABLE} WHERE jcbh = {sql_quote(jcbh)}")
        return int(rows[0]["version"] or 0) if rows else 0

    def _lock_verifications(self, jcbhs):
        """Hold the records until commit (a multi-user backend locks the rows; a file is locked whole)."""

    def _audit_verification(self, jcbh, name, old, new, detail, channel, inserted):
        self.audit("insert" if inserted else "update", "verification", jcbh, name, old, new, detail, channel)

    def apply_verifications(self, changes, channel, detail=None, expected=None):
        """Write verification values (jcbh -> {field: value}); every changed field is audited.

        expected: jcbh -> the version the user started from (verification_version). When a
        record has moved on since, nothing is written and VerificationConflict names the fields
        with both values. Returns the number of patches whose record changed. Values equal to the
        stored ones change nothing, so applying the same input twice is harmless.
        """
        self._refuse_locked(changes)
        changed = 0
        with self.transaction():
            self._lock_verifications(list(changes))
            recorded = self.verifications_with_versions(list(changes))
            current = {jcbh: values for jcbh, (values, _) in recorded.items()}
            versions = {jcbh: version for jcbh, (_, version) in recorded.items()}
            conflicts = []
            for jcbh, seen in (expected or {}).items():
                if jcbh in changes and versions.get(jcbh, 0) != seen:
                    theirs = current.get(jcbh) or {}
                    conflicts += [(jcbh, name, theirs.get(name), value) for name, value in changes[jcbh].items()
                                  if theirs.get(name) != value]
            # Raised after the (read-only) transaction ends: a rollback here would cost GeoPackage
            # its feature-count triggers.
            stamp = now_iso()
            marked = self._recheck_marked(list(changes))
            for jcbh, values in ([] if conflicts else changes.items()):
                old = current.get(jcbh)
                diffs = {k: v for k, v in values.items() if (old or {}).get(k) != v}
                if old is not None and not diffs and jcbh not in marked:
                    continue
                for name, value in diffs.items():
                    self._audit_verification(jcbh, name, (old or {}).get(name), value, detail, channel, old is None)
                row = dict(values, updated_at=stamp, updated_by=self.user, version=versions.get(jcbh, 0) + 1)
                if jcbh in marked:  # saved again after the shape changed: looked at anew
                    row[schema.RECHECK.name] = None
                    self._audit_verification(jcbh, schema.RECHECK.name, marked[jcbh], None, detail, channel, False)
                self._save_verification(jcbh, row, old is not None, versions.get(jcbh, 0))
                changed += 1
        if conflicts:
            raise VerificationConflict(conflicts)
        return changed

    def _save_verification(self, jcbh, row, exists, version):
        """Write one record read at `version` (under _lock_verifications)."""
        self.upsert(schema.VERIFICATIONS_TABLE, {"jcbh": jcbh}, row, exists)

    def _refuse_locked(self, changes):
        """A record approved by the county or reported changes only after the county returns or
        reopens it (review_states): checked before anything is written. Values equal to the stored
        ones (a returned sheet listing the township's approved patches again) are no change."""
        states = ", ".join(sql_quote(state.value) for state in schema.REVIEW_LOCKED_STATES)
        locked = [row for row in self.query(f"SELECT jcbh, state FROM {schema.REVIEW_STATES_TABLE} "
                                            f"WHERE state IN ({states}) ORDER BY jcbh") if row["jcbh"] in changes]
        stored = self.verifications_with_versions([row["jcbh"] for row in locked]) if locked else {}
        locked = [row for row in locked if any(stored.get(row["jcbh"], ({}, 0))[0].get(name) != value
                                               for name, value in changes[row["jcbh"]].items())]
        if locked:
            first = locked[0]
            raise LandEnforcementError(
                f"图斑 {first['jcbh']} 处理状态为“{first['state']}”，核查结果已锁定（共 {len(locked)} 个）："
                "须县级退回或重新打开后才能修改",
                f"Patch {first['jcbh']} is {schema.ReviewState(first['state']).en.lower()}: its record is locked "
                f"({len(locked)} in all); the county must return or reopen it first")

    # -- photos ----------------------------------------------------------------------------
    def photos(self, jcbh=None):
        where = f" WHERE jcbh = {sql_quote(jcbh)}" if jcbh is not None else ""
        return self.query(f"SELECT jcbh, file, sha256, taken_at, direction, distance_m, warnings "
                          f"FROM {schema.PHOTOS_LAYER}{where} ORDER BY jcbh, file")

    # Photo files stay beside a GeoPackage; a shared database keeps them too (PostgisTaskStore).
    keeps_photo_files = False

    def put_photo_file(self, jcbh, sha256, data):
        """Keep a photo's bytes in the task (only where keeps_photo_files)."""

    def photo_file(self, jcbh, sha256):
        """A photo's bytes kept in the task, or None."""
        return None

    def add_photos(self, rows):
        """rows: dicts with the photo fields and 'wkb' (a point in the working CRS, or None).
        A photo already attached to the same patch (same content) is skipped."""
        added = 0
        with self.transaction():
            known = {(r["jcbh"], r["sha256"]) for r in self.photos()}
            for row in rows:
                if (row["jcbh"], row["sha256"]) in known:
                    continue
                self._insert_photo(row)
                known.add((row["jcbh"], row["sha256"]))
                added += 1
        return added

    def _insert_photo(self, row):
        """One photos row, stamped and audited."""
        layer = self._ds.GetLayerByName(schema.PHOTOS_LAYER)
        feature = ogr.Feature(layer.GetLayerDefn())
        for key, value in row.items():
            if key != "wkb" and value is not None:
                feature.SetField(key, value)
        feature.SetField("added_at", now_iso())
        feature.SetField("added_by", self.user)
        if row.get("wkb"):
            feature.SetGeometry(ogr.CreateGeometryFromWkb(row["wkb"]))
        layer.CreateFeature(feature)
        self.audit("insert", "photo", row["jcbh"], "file", None, row["file"])

    # -- cases -----------------------------------------------------------------------------
    def cases(self):
        """Every case: {case_key, case facts, created_at, created_by, jcbhs: [...]} in key order."""
        rows = self.query(f"SELECT * FROM {schema.CASES_TABLE} ORDER BY case_key")
        patches = {}
        for row in self.query(f"SELECT case_key, jcbh FROM {schema.CASE_PATCHES_TABLE} ORDER BY jcbh"):
            patches.setdefault(row["case_key"], []).append(row["jcbh"])
        for row in rows:
            row.pop("fid", None)
            row["jcbhs"] = patches.get(row["case_key"], [])
        return rows

    def case_patch_facts(self, jcbhs=None):
        """jcbh -> {area_m2, cultivated_m2, pbf_m2, township_code, township_name, verdict} of the
        patches `jcbhs` (or all): what a case's rules and figures need of its patches."""
        names = [schema.AREA_M2.name, schema.CULTIVATED_M2.name, schema.PBF_M2.name, schema.TOWNSHIP_CODE.name,
                 schema.TOWNSHIP_NAME.name]
        where = f" WHERE p.jcbh IN ({', '.join(sql_quote(j) for j in jcbhs) or 'NULL'})" if jcbhs is not None else ""
        rows = self.query(f"SELECT p.jcbh, {', '.join('p.' + n for n in names)}, v.verdict "
                          f"FROM {schema.PATCHES_LAYER} p LEFT JOIN {schema.VERIFICATIONS_TABLE} v "
                          f"ON v.jcbh = p.jcbh{where}")
        return {row.pop("jcbh"): row for row in rows}

    def case_acts(self, case_key=None):
        """The acts (of one case, or all) in the order recorded, details decoded."""
        where = f" WHERE case_key = {sql_quote(case_key)}" if case_key is not None else ""
        rows = self.query(f"SELECT fid AS act_id, case_key, kind, act_date, details, recorded_at, recorded_by "
                          f"FROM {schema.CASE_ACTS_TABLE}{where} ORDER BY fid")
        for row in rows:
            row["act_id"] = row.pop("fid", row.get("act_id"))
            row["details"] = json.loads(row["details"] or "{}")
        return rows

    def case_attachments(self, case_key=None):
        where = f" WHERE case_key = {sql_quote(case_key)}" if case_key is not None else ""
        return self.query(f"SELECT case_key, act_id, file, name, sha256, added_at, added_by "
                          f"FROM {schema.CASE_ATTACHMENTS_TABLE}{where} ORDER BY act_id, file")

    def create_case(self, case_key, facts, jcbhs):
        """A new case over `jcbhs` (none of them in another case); audited per patch."""
        with self.transaction():
            taken = self.query(f"SELECT jcbh, case_key FROM {schema.CASE_PATCHES_TABLE} WHERE jcbh IN "
                               f"({', '.join(sql_quote(j) for j in jcbhs)})")
            if taken:
                raise LandEnforcementError(
                    f"图斑 {taken[0]['jcbh']} 已在案件 {taken[0]['case_key']} 中",
                    f"Patch {taken[0]['jcbh']} is already in case {taken[0]['case_key']}")
            self.insert(schema.CASES_TABLE, dict(facts, case_key=case_key, created_at=now_iso(),
                                                 created_by=self.user))
            for jcbh in jcbhs:
                self.insert(schema.CASE_PATCHES_TABLE, {"case_key": case_key, "jcbh": jcbh})
                self.audit("insert", "case", jcbh, "case_key", None, case_key,
                           json.dumps(facts, ensure_ascii=False, sort_keys=True))

    def append_case_act(self, case_key, kind, act_date, details, attachments=(), channel=None):
        """Append one act (never changed afterwards) and its attachments (dicts: file, name,
        sha256); audited. Returns the act's id."""
        with self.transaction():
            text = json.dumps(details, ensure_ascii=False, sort_keys=True)
            act_id = self.insert(schema.CASE_ACTS_TABLE, {
                "case_key": case_key, "kind": kind, "act_date": act_date, "details": text,
                "recorded_at": now_iso(), "recorded_by": self.user})
            for attachment in attachments:
                self.insert(schema.CASE_ATTACHMENTS_TABLE, dict(attachment, case_key=case_key, act_id=act_id,
                                                                added_at=now_iso(), added_by=self.user))
            self.audit("insert", "case_act", None, f"{case_key}/{kind}", None, act_date,
                       json.dumps(dict(details, attachments=[a["name"] for a in attachments]),
                                  ensure_ascii=False, sort_keys=True), channel)
            return act_id
