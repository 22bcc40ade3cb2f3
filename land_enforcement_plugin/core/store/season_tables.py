"""The season of a task: milestones per batch, the people who answer for patches, their
assignments, and patches that come back in a later batch."""
import json

from .. import schema
from .records import now_iso
from .sql import sql_quote, sql_value


class SeasonTables:
    """Milestones, people, assignments and repeat links (a mixin of OgrTaskStore)."""

    def milestones(self):
        return self.query(f"SELECT batch, kind, due_date, done_date, note FROM {schema.MILESTONES_TABLE} "
                          "ORDER BY batch, kind")

    def set_milestone(self, batch, kind, due_date=None, done_date=None, note=None):
        """One milestone of a batch (kind: a MilestoneKind label); every change is audited."""
        with self.transaction():
            old = next((m for m in self.milestones() if (m["batch"], m["kind"]) == (batch, kind)), None)
            values = {"due_date": due_date, "done_date": done_date, "note": note}
            self.upsert(schema.MILESTONES_TABLE, {"batch": batch, "kind": kind}, values, old is not None)
            for name, value in values.items():
                if (old or {}).get(name) != value:
                    self.audit("update" if old else "insert", "milestone", None, f"{batch}/{kind}/{name}",
                               (old or {}).get(name), value)

    def people(self):
        return self.query(f"SELECT name, role, xzqdm, village, phone, is_default FROM {schema.PEOPLE_TABLE} "
                          "ORDER BY xzqdm, name")

    def set_people(self, rows):
        """Replace the roster (dicts with name, role, xzqdm, village, phone, is_default); audited."""
        columns = ("name", "role", "xzqdm", "village", "phone", "is_default")
        with self.transaction():
            old = {p["name"]: {k: p[k] for k in columns} for p in self.people()}
            self._ds.ExecuteSQL(f"DELETE FROM {schema.PEOPLE_TABLE}")
            new = {}
            for row in rows:
                person = {k: row.get(k) or None for k in columns}
                person["is_default"] = int(bool(row.get("is_default")))
                self.insert(schema.PEOPLE_TABLE, person)
                new[person["name"]] = person
            for name in sorted(set(old) | set(new)):
                before, after = old.get(name), new.get(name)
                if before != after:
                    action = "insert" if before is None else ("delete" if after is None else "update")
                    self.audit(action, "person", None, name,
                               None if before is None else json.dumps(before, ensure_ascii=False, sort_keys=True),
                               None if after is None else json.dumps(after, ensure_ascii=False, sort_keys=True))

    def assignments(self):
        """jcbh -> {xzqdm, xzqmc, assignee, manual, assigned_at, assigned_by}."""
        rows = self.query(f"SELECT jcbh, xzqdm, xzqmc, assignee, manual, assigned_at, assigned_by "
                          f"FROM {schema.ASSIGNMENTS_TABLE}")
        return {row.pop("jcbh"): row for row in rows}

    def write_assignments(self, changes, manual):
        """jcbh -> (xzqdm, xzqmc, assignee): who answers for each patch; every change is audited."""
        written = 0
        with self.transaction():
            current = self.assignments()
            stamp = now_iso()
            for jcbh, (xzqdm, xzqmc, assignee) in changes.items():
                old = current.get(jcbh)
                if old is not None and (old["xzqdm"], old["assignee"]) == (xzqdm, assignee):
                    continue
                row = {"xzqdm": xzqdm, "xzqmc": xzqmc, "assignee": assignee, "manual": int(manual),
                       "assigned_at": stamp, "assigned_by": self.user}
                self.upsert(schema.ASSIGNMENTS_TABLE, {"jcbh": jcbh}, row, old is not None)
                before = None if old is None else f"{old['xzqdm']}/{old['assignee'] or ''}"
                self.audit("update" if old else "insert", "assignment", jcbh, "assignee", before,
                           f"{xzqdm}/{assignee or ''}", "manual" if manual else "automatic")
                written += 1
        return written

    def set_repeats(self, links):
        """jcbh -> the earlier batch's JCBH at the same place (None to clear)."""
        with self.transaction():
            for jcbh, earlier in links.items():
                self._ds.ExecuteSQL(f"UPDATE {schema.PATCHES_LAYER} SET {schema.REPEAT_OF.name} = "
                                    f"{sql_value(earlier)} WHERE jcbh = {sql_quote(jcbh)}")
                self.audit("update", "patch", jcbh, schema.REPEAT_OF.name, None, earlier)

    def delivered_cultivated(self):
        """jcbh -> the cultivated area the delivery states (m²), for the patches that have one."""
        name = schema.DELIVERED_CULTIVATED.name
        return {r["jcbh"]: r[name] for r in self.query(
            f"SELECT jcbh, {name} FROM {schema.PATCHES_LAYER} WHERE {name} IS NOT NULL")}

    def patch_batches(self):
        """jcbh -> (batch, repeat_of, hsx) of every patch."""
        return {r["jcbh"]: (r["batch"], r[schema.REPEAT_OF.name], r["hsx"]) for r in self.query(
            f"SELECT jcbh, batch, {schema.REPEAT_OF.name}, hsx FROM {schema.PATCHES_LAYER}")}
