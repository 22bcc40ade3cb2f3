"""How a task database is brought from one schema version to the next. A migration, once
released, is never changed: tasks in the field ran it as it was."""
from osgeo import ogr, osr

from .. import schema
from .tables import (
    AUDIT_COLUMNS,
    ISSUE_COLUMNS,
    META_COLUMNS,
    OGR_TYPES,
    SOURCE_FILE_COLUMNS,
    VERIFICATION_COLUMNS,
    create_table,
    geometry_layer_options,
)


def _migrate_to_1(ds, meta):
    srs = osr.SpatialReference()
    srs.SetFromUserInput(meta["working_crs"])
    patches = ds.CreateLayer(schema.PATCHES_LAYER, srs, ogr.wkbMultiPolygon,
                             options=geometry_layer_options(ds))
    for f in schema.PATCH_FIELDS_V1:
        patches.CreateField(ogr.FieldDefn(f.name, OGR_TYPES[f.kind]))
    patches.CreateField(ogr.FieldDefn("geom_sha256", ogr.OFTString))
    create_table(ds, schema.VERIFICATIONS_TABLE, VERIFICATION_COLUMNS)
    create_table(ds, schema.AUDIT_TABLE, AUDIT_COLUMNS)
    create_table(ds, schema.META_TABLE, META_COLUMNS)
    create_table(ds, schema.SOURCE_FILES_TABLE, SOURCE_FILE_COLUMNS)
    create_table(ds, schema.IMPORT_ISSUES_TABLE, ISSUE_COLUMNS)
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_patches_jcbh ON {schema.PATCHES_LAYER}(jcbh)")
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_verif_jcbh ON {schema.VERIFICATIONS_TABLE}(jcbh)")
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_meta_key ON {schema.META_TABLE}(key)")
    ds.ExecuteSQL(f"CREATE INDEX idx_audit_jcbh ON {schema.AUDIT_TABLE}(jcbh)")


def _migrate_to_2(ds, meta):
    """Overlay results: areas and the pre-judgement on each patch, the township split, the runs."""
    patches = ds.GetLayerByName(schema.PATCHES_LAYER)
    for f in schema.OVERLAY_PATCH_FIELDS_V2:
        patches.CreateField(ogr.FieldDefn(f.name, OGR_TYPES[f.kind]))
    columns = {"jcbh": ogr.OFTString, "xzqdm": ogr.OFTString, "xzqmc": ogr.OFTString}
    columns.update({f.name: ogr.OFTReal for f in schema.OVERLAY_AREA_FIELDS_V2})
    create_table(ds, schema.PATCH_TOWNSHIPS_TABLE, columns)
    ds.ExecuteSQL(f"CREATE INDEX idx_patch_townships_jcbh ON {schema.PATCH_TOWNSHIPS_TABLE}(jcbh)")
    create_table(ds, schema.OVERLAY_RUNS_TABLE, {
        "started_at": ogr.OFTString, "area_mode": ogr.OFTString, "layers": ogr.OFTString,
        "recomputed": ogr.OFTInteger, "reused": ogr.OFTInteger, "repairs": ogr.OFTString})


def _migrate_to_3(ds, meta):
    """Township metrics, one row per township plus the county row."""
    create_table(ds, schema.TOWNSHIP_METRICS_TABLE, {f.name: OGR_TYPES[f.kind] for f in schema.METRIC_FIELDS_V3})


def _migrate_to_4(ds, meta):
    """Field photos: a point layer (position, time, direction) whose rows point at the copied files."""
    srs = osr.SpatialReference()
    srs.SetFromUserInput(meta["working_crs"])
    layer = ds.CreateLayer(schema.PHOTOS_LAYER, srs, ogr.wkbPoint,
                           options=geometry_layer_options(ds))
    for name, kind in (("jcbh", ogr.OFTString), ("file", ogr.OFTString), ("sha256", ogr.OFTString),
                       ("taken_at", ogr.OFTString), ("direction", ogr.OFTReal), ("distance_m", ogr.OFTReal),
                       ("warnings", ogr.OFTString), ("added_at", ogr.OFTString), ("added_by", ogr.OFTString)):
        layer.CreateField(ogr.FieldDefn(name, kind))
    ds.ExecuteSQL(f"CREATE INDEX idx_photos_jcbh ON {schema.PHOTOS_LAYER}(jcbh)")
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_photos_sha ON {schema.PHOTOS_LAYER}(jcbh, sha256)")


def _migrate_to_5(ds, meta):
    """A version on every verification record, so that two people saving the same patch see a
    conflict instead of one silently overwriting the other."""
    ds.GetLayerByName(schema.VERIFICATIONS_TABLE).CreateField(ogr.FieldDefn("version", ogr.OFTInteger))
    ds.ExecuteSQL(f"UPDATE {schema.VERIFICATIONS_TABLE} SET version = 1")


def _migrate_to_6(ds, meta):
    """Season control: milestones per batch, the people who answer for patches, assignments, and
    the link from a patch to its earlier record when the same place comes back in a later batch."""
    create_table(ds, schema.MILESTONES_TABLE, {"batch": ogr.OFTString, "kind": ogr.OFTString,
                                               "due_date": ogr.OFTString, "done_date": ogr.OFTString,
                                               "note": ogr.OFTString})
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_milestones_batch_kind ON {schema.MILESTONES_TABLE}(batch, kind)")
    create_table(ds, schema.PEOPLE_TABLE, {"name": ogr.OFTString, "role": ogr.OFTString, "xzqdm": ogr.OFTString,
                                           "village": ogr.OFTString, "phone": ogr.OFTString,
                                           "is_default": ogr.OFTInteger})
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_people_name ON {schema.PEOPLE_TABLE}(name)")
    create_table(ds, schema.ASSIGNMENTS_TABLE, {"jcbh": ogr.OFTString, "xzqdm": ogr.OFTString,
                                                "xzqmc": ogr.OFTString, "assignee": ogr.OFTString,
                                                "manual": ogr.OFTInteger, "assigned_at": ogr.OFTString,
                                                "assigned_by": ogr.OFTString})
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_assignments_jcbh ON {schema.ASSIGNMENTS_TABLE}(jcbh)")
    ds.GetLayerByName(schema.PATCHES_LAYER).CreateField(ogr.FieldDefn(schema.REPEAT_OF.name, ogr.OFTString))


def _migrate_to_7(ds, meta):
    """Real deliveries: the township of a patch from the overlay (deliveries carry the county code),
    the township the delivery names, and a re-check mark on a verification record whose patch
    changed shape. Tasks already overlaid get their main township from the stored split."""
    patches = ds.GetLayerByName(schema.PATCHES_LAYER)
    for f in (schema.DELIVERED_TOWNSHIP,) + schema.OVERLAY_PLACE_FIELDS:
        patches.CreateField(ogr.FieldDefn(f.name, OGR_TYPES[f.kind]))
    ds.GetLayerByName(schema.VERIFICATIONS_TABLE).CreateField(ogr.FieldDefn(schema.RECHECK.name, ogr.OFTString))
    main = (f"(SELECT t.{{}} FROM {schema.PATCH_TOWNSHIPS_TABLE} t WHERE t.jcbh = {schema.PATCHES_LAYER}.jcbh "
            "ORDER BY t.area_m2 DESC, t.xzqdm LIMIT 1)")
    ds.ExecuteSQL(f"UPDATE {schema.PATCHES_LAYER} SET {schema.TOWNSHIP_CODE.name} = {main.format('xzqdm')}, "
                  f"{schema.TOWNSHIP_NAME.name} = {main.format('xzqmc')}")


def _migrate_to_8(ds, meta):
    """Enforcement cases: the case and its 违法主体, its patches (a patch is in one case at most),
    its acts (append-only, details as JSON) and their attachments (copied beside the task, hashed)."""
    create_table(ds, schema.CASES_TABLE, dict({"case_key": ogr.OFTString},
                                              **{f.name: ogr.OFTString for f in schema.CASE_FIELDS},
                                              created_at=ogr.OFTString, created_by=ogr.OFTString))
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_cases_key ON {schema.CASES_TABLE}(case_key)")
    create_table(ds, schema.CASE_PATCHES_TABLE, {"case_key": ogr.OFTString, "jcbh": ogr.OFTString})
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_case_patches_jcbh ON {schema.CASE_PATCHES_TABLE}(jcbh)")
    create_table(ds, schema.CASE_ACTS_TABLE, {"case_key": ogr.OFTString, "kind": ogr.OFTString,
                                              "act_date": ogr.OFTString, "details": ogr.OFTString,
                                              "recorded_at": ogr.OFTString, "recorded_by": ogr.OFTString})
    ds.ExecuteSQL(f"CREATE INDEX idx_case_acts_key ON {schema.CASE_ACTS_TABLE}(case_key)")
    create_table(ds, schema.CASE_ATTACHMENTS_TABLE, {"case_key": ogr.OFTString, "act_id": ogr.OFTInteger64,
                                                     "file": ogr.OFTString, "name": ogr.OFTString,
                                                     "sha256": ogr.OFTString, "added_at": ogr.OFTString,
                                                     "added_by": ogr.OFTString})
    ds.ExecuteSQL(f"CREATE INDEX idx_case_attachments_key ON {schema.CASE_ATTACHMENTS_TABLE}(case_key)")


def _migrate_to_9(ds, meta):
    """Accountability rules as the documents write them (issue 16): the nature-reserve areas of
    the overlay (on patches and their township split; NULL until the overlay runs again), the
    cultivated area the delivery states, the discovery date of a lead, the new township figures."""
    area_fields = (schema.NATURE_RESERVE_M2, schema.PBF_OR_RESERVE_M2)
    patches = ds.GetLayerByName(schema.PATCHES_LAYER)
    for f in area_fields + (schema.DELIVERED_CULTIVATED,):
        patches.CreateField(ogr.FieldDefn(f.name, OGR_TYPES[f.kind]))
    for f in area_fields:
        ds.GetLayerByName(schema.PATCH_TOWNSHIPS_TABLE).CreateField(ogr.FieldDefn(f.name, ogr.OFTReal))
    ds.GetLayerByName(schema.VERIFICATIONS_TABLE).CreateField(
        ogr.FieldDefn(schema.V_DISCOVERY_DATE.name, OGR_TYPES[schema.V_DISCOVERY_DATE.kind]))
    metrics = ds.GetLayerByName(schema.TOWNSHIP_METRICS_TABLE)
    for f in schema.METRIC_FIELDS_V9:
        metrics.CreateField(ogr.FieldDefn(f.name, OGR_TYPES[f.kind]))


def _migrate_to_10(ds, meta):
    """Review and return, spot checks, planning conformity: the 处理状态 of each patch (none yet:
    待核查), the county's spot-check draws with their re-checks, and each patch's area per
    planning zone."""
    S = ogr.OFTString
    create_table(ds, schema.REVIEW_STATES_TABLE, {
        "jcbh": S, "state": S, "opinion": S, "submitted_by": S, "submitted_at": S, "reviewed_by": S,
        "reviewed_at": S})
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_review_states_jcbh ON {schema.REVIEW_STATES_TABLE}(jcbh)")
    create_table(ds, schema.SPOT_CHECK_DRAWS_TABLE, {
        "draw_id": S, "seed": ogr.OFTInteger64, "confidence": ogr.OFTReal, "margin": ogr.OFTReal,
        "expected_rate": ogr.OFTReal, "population": ogr.OFTInteger, "sample_size": ogr.OFTInteger,
        "design": S, "drawn_at": S, "drawn_by": S})
    create_table(ds, schema.SPOT_CHECKS_TABLE, {
        "draw_id": S, "jcbh": S, "township_code": S, "township_name": S, "verdict": S, "approval_no": S,
        "recheck_verdict": S, "recheck_approval_no": S, "recheck_notes": S, "checked_by": S, "checked_at": S})
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_spot_checks ON {schema.SPOT_CHECKS_TABLE}(draw_id, jcbh)")
    columns = {"jcbh": S}
    columns.update({f.name: ogr.OFTReal for f in (*schema.ZONE_AREA_FIELDS.values(), schema.OUTSIDE_ZONES_M2)})
    columns.update({schema.CONFORMITY.name: S, "zoning": S, "computed_at": S})
    create_table(ds, schema.PLANNING_CONFORMITY_TABLE, columns)
    ds.ExecuteSQL(f"CREATE UNIQUE INDEX idx_planning_conformity_jcbh ON {schema.PLANNING_CONFORMITY_TABLE}(jcbh)")


# version -> function bringing a database from version-1 to version. Append, never edit.
MIGRATIONS = {1: _migrate_to_1, 2: _migrate_to_2, 3: _migrate_to_3, 4: _migrate_to_4, 5: _migrate_to_5,
              6: _migrate_to_6, 7: _migrate_to_7, 8: _migrate_to_8, 9: _migrate_to_9,
              10: _migrate_to_10}
assert max(MIGRATIONS) == schema.SCHEMA_VERSION
