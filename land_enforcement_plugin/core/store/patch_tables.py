"""The patches of a task: importing deliveries, the overlay's results on them, their export."""
import hashlib
import json
import os
import unicodedata

from osgeo import ogr, osr

from .. import schema
from .records import ImportIssue, MergeSummary, now_iso
from .sql import chunks, field_indexes, sql_quote, sql_value
from .tables import COMPARED


class PatchTables:
    """Patches, their delivered shapes, import history and overlay results (a mixin of OgrTaskStore)."""

    def source_file_known(self, sha256):
        return bool(self.query(
            f"SELECT fid FROM {schema.SOURCE_FILES_TABLE} WHERE sha256 = {sql_quote(sha256)}"))

    def _existing_patches(self):
        columns = ", ".join(COMPARED + ["geom_sha256", "batch"])
        return {row["jcbh"]: row for row in self.query(f"SELECT fid, {columns} FROM {schema.PATCHES_LAYER}")}

    def source_layer(self, source_crs):
        """The layer keeping delivered geometries in their own CRS: one per source CRS."""
        srs = osr.SpatialReference()
        srs.SetFromUserInput(source_crs)
        code = srs.GetAuthorityCode(None) or ""
        # The code ends up in a table and an index name: only an integer may (a crafted SRS could
        # otherwise carry SQL into CREATE INDEX).
        code = str(int(code)) if code.isascii() and code.isdigit() else "custom"
        name = f"{schema.PATCHES_SOURCE_LAYER}_{code}"
        layer = self._ds.GetLayerByName(name)
        if layer is None:
            layer = self._ds.CreateLayer(name, srs, ogr.wkbUnknown,
                                         options=["FID=fid", "GEOMETRY_NAME=geom"])
            for column in ("jcbh", "batch"):
                layer.CreateField(ogr.FieldDefn(column, ogr.OFTString))
            self._ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_{name}_jcbh ON {name}(jcbh)")
        return layer

    def apply_import(self, batch, records, source, issues):
        """Merge patches by JCBH into `batch` (or each record's own batch). Verification records
        are keyed by JCBH in their own table and are never lost or duplicated here. A patch whose
        shape changed loses its overlay results until the overlay runs again, its verification
        record (if any) is marked for re-check, and a note for it is added to `issues`."""
        summary = MergeSummary()
        with self.transaction():
            existing = self._existing_patches()
            patches = self._ds.GetLayerByName(schema.PATCHES_LAYER)
            source_layer = self.source_layer(source.source_crs)
            imported_at = now_iso()
            batches = list(dict.fromkeys(record.batch or batch for record in records)) or [batch]
            for record in records:
                row = self._patch_row(record, record.batch or batch, imported_at)
                old = existing.get(record.jcbh)
                if old is None:
                    self._write_patch(patches, None, row, record.wkb)
                    self.audit("insert", "patch", record.jcbh, detail=f"batch={row[schema.BATCH.name]}")
                    summary.inserted += 1
                elif self._patch_changed(old, row):
                    if old["geom_sha256"] != row["geom_sha256"]:
                        issues.append(self._reshaped(record))
                        summary.reshaped.append(record.jcbh)
                    self._write_patch(patches, old["fid"], row, record.wkb)
                    for name in COMPARED + ["geom_sha256"]:
                        if old.get(name) != row.get(name):
                            self.audit("update", "patch", record.jcbh, name, old.get(name), row.get(name))
                    summary.updated += 1
                else:
                    summary.unchanged += 1
                self._replace_source_geometry(source_layer, record, row[schema.BATCH.name])
            imported = {r.jcbh for r in records}
            summary.kept_absent = sorted(j for j, row in existing.items()
                                         if row["batch"] in batches and j not in imported)
            source_id = self.insert(schema.SOURCE_FILES_TABLE, {
                "path": source.path, "file_name": os.path.basename(source.path),
                "sha256": source.sha256, "size_bytes": source.size, "batch": "、".join(batches),
                "layer": source.layer, "encoding": source.encoding, "source_crs": source.source_crs,
                "mapping": json.dumps(source.mapping, ensure_ascii=False),
                "feature_count": source.feature_count, "imported_at": imported_at})
            for issue in issues:
                self.insert(schema.IMPORT_ISSUES_TABLE, {
                    "source_file_id": source_id, "row_no": issue.row, "jcbh": issue.jcbh,
                    "severity": issue.severity, "code": issue.code, "message_zh": issue.zh,
                    "message_en": issue.en, "area_before_m2": issue.area_before,
                    "area_after_m2": issue.area_after})
            known = json.loads(self.meta().get("batches", "[]"))
            if any(b not in known for b in batches):
                self.write_meta({"batches": json.dumps(known + [b for b in batches if b not in known],
                                                       ensure_ascii=False)})
            self.audit("import", "source_file", None, detail=json.dumps(
                {"file": source.path, "sha256": source.sha256, "batch": "、".join(batches),
                 "inserted": summary.inserted, "updated": summary.updated,
                 "unchanged": summary.unchanged, "rejected": sum(i.severity == "rejected" for i in issues)},
                ensure_ascii=False))
        return summary

    def _reshaped(self, record):
        """A patch re-delivered with another shape: no areas until the overlay runs again (its
        old ones would be exported as if they were its own), its verdict marked for re-check.
        Returns the report's note."""
        where = f"WHERE jcbh = {sql_quote(record.jcbh)}"
        old_area = self.query(f"SELECT {schema.AREA_M2.name} AS a FROM {schema.PATCHES_LAYER} {where}")[0]["a"]
        verified = bool(self.query(f"SELECT fid FROM {schema.VERIFICATIONS_TABLE} {where}"))
        cleared = ", ".join(f"{f.name} = NULL" for f in schema.OVERLAY_PATCH_FIELDS + schema.OVERLAY_PLACE_FIELDS)
        self._ds.ExecuteSQL(f"UPDATE {schema.PATCHES_LAYER} SET {cleared} {where}")
        self._ds.ExecuteSQL(f"DELETE FROM {schema.PATCH_TOWNSHIPS_TABLE} {where}")
        new = f"{record.area_m2:.2f} m²（{record.area_m2 / schema.M2_PER_MU:.2f} 亩）"
        new_en = f"{record.area_m2:.2f} m² ({record.area_m2 / schema.M2_PER_MU:.2f} mu)"
        if old_area is None:
            old, old_en = "未比对", "not computed"
        else:
            old = f"{old_area:.2f} m²（{old_area / schema.M2_PER_MU:.2f} 亩）"
            old_en = f"{old_area:.2f} m² ({old_area / schema.M2_PER_MU:.2f} mu)"
        zh = f"重新下发的图斑形状已变：面积 {old} → {new}，比对结果已清空，请重新运行内业比对"
        en = (f"Re-delivered with another shape: area {old_en} → {new_en}; overlay results cleared, "
              "run the office comparison again")
        if verified:
            mark = f"图斑形状已变（{now_iso()[:10]} 重新导入）：面积 {old} → {new}，核查结论需复核"
            self._ds.ExecuteSQL(f"UPDATE {schema.VERIFICATIONS_TABLE} SET {schema.RECHECK.name} = "
                                f"{sql_quote(mark)} {where}")
            self._audit_verification(record.jcbh, schema.RECHECK.name, None, mark, None, schema.CHANNEL_IMPORT, False)
            zh += "；核查记录已标记需复核"
            en += "; its verification record is marked for re-check"
        return ImportIssue(record.row, record.jcbh, "note", "reshaped", zh, en)

    def recheck_marks(self):
        """jcbh -> the re-check text of every verification record made on a shape since replaced."""
        return {r["jcbh"]: r[schema.RECHECK.name] for r in self.query(
            f"SELECT jcbh, {schema.RECHECK.name} FROM {schema.VERIFICATIONS_TABLE} "
            f"WHERE {schema.RECHECK.name} IS NOT NULL")}

    def delivered_township_mismatches(self):
        """[(jcbh, delivered township, overlay's township)] of the patches whose township as the
        delivery names it (SSXZ and the like) is not the overlay's main township: a cross-check,
        the overlay's is the one used."""
        rows = self.query(f"SELECT jcbh, {schema.DELIVERED_TOWNSHIP.name} AS delivered, "
                          f"{schema.TOWNSHIP_CODE.name} AS code, {schema.TOWNSHIP_NAME.name} AS name "
                          f"FROM {schema.PATCHES_LAYER} WHERE {schema.DELIVERED_TOWNSHIP.name} IS NOT NULL "
                          f"AND {schema.TOWNSHIP_NAME.name} IS NOT NULL ORDER BY jcbh")
        out = []
        for row in rows:
            delivered = "".join(unicodedata.normalize("NFKC", row["delivered"]).split())
            same = (row["code"] or "").startswith(delivered) if delivered.isdigit() else \
                delivered == "".join(unicodedata.normalize("NFKC", row["name"]).split())
            if delivered and not same:
                out.append((row["jcbh"], row["delivered"], row["name"]))
        return out

    @staticmethod
    def _patch_row(record, batch, imported_at):
        row = {f.name: record.values.get(f.name) for f in schema.PATCH_SOURCE_FIELDS}
        row.update({
            schema.BATCH.name: batch,
            schema.SRC_ATTRS.name: json.dumps(record.src_attrs, ensure_ascii=False, sort_keys=True),
            schema.IMPORT_NOTE.name: record.note or None,
            schema.REPAIRED.name: int(record.repaired),
            schema.IMPORTED_AT.name: imported_at,
            "geom_sha256": hashlib.sha256(record.wkb).hexdigest(),
        })
        return row

    @staticmethod
    def _patch_changed(old, row):
        return any(old.get(name) != row.get(name) for name in COMPARED + ["geom_sha256"])

    @staticmethod
    def _write_patch(layer, fid, row, wkb):
        feat = ogr.Feature(layer.GetLayerDefn())
        for key, value in row.items():
            if value is not None:
                feat.SetField(key, value)
        feat.SetGeometry(ogr.CreateGeometryFromWkb(wkb))
        if fid is None:
            layer.CreateFeature(feat)
        else:
            feat.SetFID(fid)
            layer.SetFeature(feat)

    def _replace_source_geometry(self, layer, record, batch):
        self._ds.ExecuteSQL(f"DELETE FROM {layer.GetName()} WHERE jcbh = {sql_quote(record.jcbh)}")
        feat = ogr.Feature(layer.GetLayerDefn())
        feat.SetField("jcbh", record.jcbh)
        feat.SetField("batch", batch)
        feat.SetGeometry(ogr.CreateGeometryFromWkb(record.source_wkb))
        layer.CreateFeature(feat)

    def patch_index(self):
        """jcbh -> (township code, township name) of every patch: the overlay's main township,
        (None, None) before the overlay or outside every township (never the delivered XZQDM,
        which is often the county's)."""
        code, name = schema.TOWNSHIP_CODE.name, schema.TOWNSHIP_NAME.name
        return {r["jcbh"]: (r[code], r[name])
                for r in self.query(f"SELECT jcbh, {code}, {name} FROM {schema.PATCHES_LAYER} ORDER BY jcbh")}

    def patch_geometry(self, jcbh):
        """(WKB in the working CRS, later image date) of one patch, or None."""
        rows = self.query(f"SELECT jcbh, hsx FROM {schema.PATCHES_LAYER} WHERE jcbh = {sql_quote(jcbh)}")
        if not rows:
            return None
        layer = self._ds.GetLayerByName(schema.PATCHES_LAYER)
        layer.SetAttributeFilter(f"jcbh = {sql_quote(jcbh)}")
        feature = layer.GetNextFeature()
        layer.SetAttributeFilter(None)
        return feature.GetGeometryRef().ExportToIsoWkb(), rows[0]["hsx"]

    def latest_import_issues(self):
        last = self.query(f"SELECT max(fid) AS id FROM {schema.SOURCE_FILES_TABLE}")[0]["id"]
        if last is None:
            return []
        rows = self.query(f"SELECT * FROM {schema.IMPORT_ISSUES_TABLE} WHERE source_file_id = {last} ORDER BY fid")
        return [ImportIssue(r["row_no"], r["jcbh"], r["severity"], r["code"], r["message_zh"],
                            r["message_en"], r["area_before_m2"], r["area_after_m2"]) for r in rows]

    # -- overlay ---------------------------------------------------------------------------
    def patch_geometries(self):
        layer = self._ds.GetLayerByName(schema.PATCHES_LAYER)
        layer.ResetReading()
        # Fields by index: OGR's lookup by name scans every field definition, per feature.
        jcbh, fingerprint = field_indexes(layer, ("jcbh", schema.OVERLAY_FINGERPRINT.name))
        out = [(f.GetField(jcbh), f.GetGeometryRef().ExportToIsoWkb(), f.GetField(fingerprint)) for f in layer]
        layer.ResetReading()
        return out

    def write_overlay(self, patch_values, township_rows, run):
        """Store recomputed patches' areas and suggestions and their township split in one go.

        patch_values: jcbh -> {overlay field: value}; township_rows: dicts for patch_townships,
        replacing every earlier row of those patches; run: what the overlay_runs row records.
        """
        with self.transaction():
            self._write_overlay_rows(patch_values, township_rows)
            self.insert(schema.OVERLAY_RUNS_TABLE, run)
            self.audit("overlay", "task", None, detail=json.dumps(
                {k: run[k] for k in ("area_mode", "recomputed", "reused")}, ensure_ascii=False))

    def _write_overlay_rows(self, patch_values, township_rows):
        """A statement per thousand patches, not two per patch: SQLite's UPDATE … FROM a VALUES
        list (its columns are column1, column2, …) and multi-row INSERTs, inside the one transaction."""
        items = list(patch_values.items())
        if items:
            names = list(items[0][1])
            assignments = ", ".join(f"{name} = s.column{number}" for number, name in enumerate(names, 2))
            for chunk in chunks(items):
                rows = ", ".join("(" + ", ".join([sql_value(jcbh)] + [sql_value(values[n]) for n in names]) + ")"
                                 for jcbh, values in chunk)
                self.execute(f"UPDATE {schema.PATCHES_LAYER} SET {assignments} FROM (VALUES {rows}) AS s "
                             f"WHERE {schema.PATCHES_LAYER}.jcbh = s.column1")
                listed = ", ".join(sql_value(jcbh) for jcbh, _ in chunk)
                self.execute(f"DELETE FROM {schema.PATCH_TOWNSHIPS_TABLE} WHERE jcbh IN ({listed})")
        self.insert_rows(schema.PATCH_TOWNSHIPS_TABLE, township_rows)

    def last_overlay_layers(self):
        """The red-line layer URIs of the newest overlay run ({"townships": uri, ..., "approvals":
        [uri, ...]}), or {} before the first run."""
        rows = self.query(f"SELECT fid, layers FROM {schema.OVERLAY_RUNS_TABLE} ORDER BY fid DESC LIMIT 1")
        return json.loads(rows[0]["layers"]) if rows and rows[0]["layers"] else {}

    def township_parts(self):
        """Every patch_townships row (the overlay's split of each patch by township)."""
        columns = ["jcbh", "xzqdm", "xzqmc"] + [f.name for f in schema.OVERLAY_AREA_FIELDS]
        return self.query(f"SELECT {', '.join(columns)} FROM {schema.PATCH_TOWNSHIPS_TABLE}")

    # -- metrics ---------------------------------------------------------------------------
    def write_township_metrics(self, rows):
        with self.transaction():
            self._ds.ExecuteSQL(f"DELETE FROM {schema.TOWNSHIP_METRICS_TABLE}")
            for row in rows:
                self.insert(schema.TOWNSHIP_METRICS_TABLE, row)

    # -- submission ------------------------------------------------------------------------
    def export_patches(self):
        """Every patch's attributes (source and overlay fields) and its geometry as ISO WKB in
        the working CRS, in JCBH order: [(values, wkb)]."""
        names = [f.name for f in schema.PATCH_SOURCE_FIELDS + schema.OVERLAY_PATCH_FIELDS + schema.OVERLAY_PLACE_FIELDS
                 + (schema.BATCH, schema.REPEAT_OF)]
        layer = self._ds.GetLayerByName(schema.PATCHES_LAYER)
        layer.ResetReading()
        indexed = list(zip(names, field_indexes(layer, names)))
        rows = [({name: feature.GetField(index) for name, index in indexed}, feature.GetGeometryRef().ExportToIsoWkb())
                for feature in layer]
        layer.ResetReading()
        # The review state (none: 待核查) and the planning conformity of the last run, when there was one.
        states = {r["jcbh"]: r["state"] for r in self.query(f"SELECT jcbh, state FROM {schema.REVIEW_STATES_TABLE}")}
        zones = [f.name for f in (*schema.ZONE_AREA_FIELDS.values(), schema.OUTSIDE_ZONES_M2, schema.CONFORMITY)]
        planning = {r.pop("jcbh"): r for r in self.query(
            f"SELECT jcbh, {', '.join(zones)} FROM {schema.PLANNING_CONFORMITY_TABLE}")}
        for values, _ in rows:
            values[schema.REVIEW_STATE.name] = states.get(values["jcbh"], schema.ReviewState.PENDING.value)
            values.update(planning.get(values["jcbh"], dict.fromkeys(zones)))
        return sorted(rows, key=lambda row: row[0]["jcbh"])
