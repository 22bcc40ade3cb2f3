"""QField round-trip: a per-township field project out, the returned GeoPackage merged back.

Each exported patch carries the verification values it left with (`base_values`), so the merge
can tell who changed what: a field edit over an unchanged task record is applied (channel
"qfield"); a record changed both in QGIS and in the field to different values is a conflict,
reported with both values and left for a person to decide.
"""
import json
import os
from dataclasses import dataclass, field

from osgeo import ogr, osr
from qgis.core import NULL, QgsEditorWidgetSetup, QgsProject, QgsVectorLayer

from .. import schema
from ..errors import Bilingual, LandEnforcementError
from ..store import now_iso, open_task
from . import sheets, verification
from .photos import attach_photos

LAYER = "patches"
PHOTO_FIELD = "photo"
BASE_FIELD = "base_values"


@dataclass
class MergeResult:
    applied: list = field(default_factory=list)  # jcbh written
    unchanged: int = 0
    conflicts: list = field(default_factory=list)  # (jcbh, field, value in QGIS, value from the field)
    rejected: list = field(default_factory=list)  # (jcbh, zh, en)
    photos_added: int = 0

    def lines(self):
        out = [Bilingual(f"写入 {len(self.applied)}，未变 {self.unchanged}，冲突 {len(self.conflicts)}，"
                         f"拒绝 {len(self.rejected)}，照片 {self.photos_added}",
                         f"written {len(self.applied)}, unchanged {self.unchanged}, conflicts {len(self.conflicts)}, "
                         f"rejected {len(self.rejected)}, photos {self.photos_added}")]
        out += [Bilingual(f"冲突 {jcbh} {name}：QGIS “{ours}” ≠ 外业 “{theirs}”",
                          f"conflict {jcbh} {name}: QGIS '{ours}' ≠ field '{theirs}'")
                for jcbh, name, ours, theirs in self.conflicts]
        out += [Bilingual(f"{jcbh}：{zh}", f"{jcbh}: {en}") for jcbh, zh, en in self.rejected]
        return out


def export_field_projects(task_path, out_dir, township=None, groups=None):
    """One folder per township (or only `township`): fieldwork.gpkg and fieldwork.qgs for QField;
    with `groups` ({(xzqdm, xzqmc, assignee): [jcbh]}) one folder per group (per person)."""
    with open_task(task_path) as store:
        crs = store.meta()["working_crs"]
        patches = store.patch_index()
        recorded = store.verifications()
        geometries = {jcbh: wkb for jcbh, wkb, _ in store.patch_geometries()}
    written = []
    for (xzqdm, xzqmc, assignee), jcbhs in sorted((groups or verification.township_groups(patches)).items()):
        if township and xzqdm != township:
            continue
        folder = os.path.join(out_dir, verification.group_file_stem(xzqdm, xzqmc, assignee))
        os.makedirs(folder, exist_ok=True)
        gpkg = os.path.join(folder, "fieldwork.gpkg")
        if os.path.exists(gpkg):
            raise LandEnforcementError(f"外业数据包已存在：{gpkg}", f"A field package already exists: {gpkg}")
        _write_layer(gpkg, crs, jcbhs, xzqmc, recorded, geometries)
        _write_project(folder, gpkg)
        written.append(folder)
    return written


def _write_layer(gpkg, crs, jcbhs, xzqmc, recorded, geometries):
    srs = osr.SpatialReference()
    srs.SetFromUserInput(crs)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(gpkg)
    layer = ds.CreateLayer(LAYER, srs, ogr.wkbMultiPolygon, options=["FID=fid"])
    for name in ["jcbh", "xzqmc"] + [f.name for f in schema.VERIFICATION_FIELDS] + [PHOTO_FIELD, BASE_FIELD,
                                                                                     "exported_at"]:
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    stamp = now_iso()
    ds.StartTransaction()
    for jcbh in sorted(jcbhs):
        values = recorded.get(jcbh, {})
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("jcbh", jcbh)
        feature.SetField("xzqmc", xzqmc)
        for spec in schema.VERIFICATION_FIELDS:
            if values.get(spec.name) is not None:
                feature.SetField(spec.name, values[spec.name])
        feature.SetField(BASE_FIELD, json.dumps(values, ensure_ascii=False, sort_keys=True))
        feature.SetField("exported_at", stamp)
        feature.SetGeometry(ogr.CreateGeometryFromWkb(geometries[jcbh]))
        layer.CreateFeature(feature)
    ds.CommitTransaction()
    ds = None


def _write_project(folder, gpkg):
    """The form: value maps with the controlled vocabularies, a date widget, a photo widget."""
    project = QgsProject()
    layer = QgsVectorLayer(f"{gpkg}|layername={LAYER}", "卫片图斑 patches", "ogr")
    for spec in schema.VERIFICATION_FIELDS:
        index = layer.fields().indexOf(spec.name)
        if spec.vocabulary is not None:
            setup = QgsEditorWidgetSetup("ValueMap", {"map": [{m.value: m.value} for m in spec.vocabulary]})
        elif spec.kind == "date":
            setup = QgsEditorWidgetSetup("DateTime", {"field_format": "yyyy-MM-dd", "display_format": "yyyy-MM-dd",
                                                      "calendar_popup": True, "allow_null": True})
        else:
            continue
        layer.setEditorWidgetSetup(index, setup)
        layer.setFieldAlias(index, spec.zh)
    layer.setEditorWidgetSetup(layer.fields().indexOf(PHOTO_FIELD),
                               QgsEditorWidgetSetup("ExternalResource", {"DocumentViewer": 1,
                                                                         "RelativeStorage": 1}))
    for hidden in (BASE_FIELD, "exported_at"):
        layer.setEditorWidgetSetup(layer.fields().indexOf(hidden), QgsEditorWidgetSetup("Hidden", {}))
    for readonly in ("jcbh", "xzqmc"):
        form = layer.editFormConfig()
        form.setReadOnly(layer.fields().indexOf(readonly), True)
        layer.setEditFormConfig(form)
    project.addMapLayer(layer)
    project.setCrs(layer.crs())
    project.write(os.path.join(folder, "fieldwork.qgs"))


def _text(value):
    return None if value is None or value == NULL or str(value).strip() == "" else str(value)


def _returned_rows(gpkg):
    """(jcbh, {field: parsed value}, problems, exported values, photo path) of each returned patch."""
    layer = QgsVectorLayer(f"{gpkg}|layername={LAYER}", "returned", "ogr")
    if not layer.isValid() or BASE_FIELD not in layer.fields().names():
        raise LandEnforcementError(f"不是本插件导出的外业数据包：{gpkg}",
                                   f"Not a field package exported by this plugin: {gpkg}")
    rows = []
    for feature in layer.getFeatures():
        values, problems = {}, []
        for spec in schema.VERIFICATION_FIELDS:
            values[spec.name], problem = sheets.parse_value(spec, _text(feature[spec.name]))
            if problem:
                problems.append(problem)
        rows.append((feature["jcbh"], values, problems, json.loads(feature[BASE_FIELD] or "{}"),
                     _text(feature[PHOTO_FIELD])))
    return rows


def merge_field_package(task_path, gpkg):
    """Merge a returned field GeoPackage (and the photos its rows point at) into the task."""
    result = MergeResult()
    with open_task(task_path) as store:
        current = store.verifications()
        changes, photos = {}, {}
        for jcbh, returned, problems, base, photo in _returned_rows(gpkg):
            if problems:
                result.rejected += [(jcbh, p.zh, p.en) for p in problems]
                continue
            empty = {spec.name: None for spec in schema.VERIFICATION_FIELDS}
            base, ours = dict(empty, **base), dict(empty, **current.get(jcbh, {}))
            theirs = dict(empty, **returned)
            if photo:
                photos.setdefault(jcbh, []).append(os.path.join(os.path.dirname(gpkg), photo))
            # Changed in the field and not already what the task holds.
            field_changes = {k: v for k, v in theirs.items() if v != base[k] and v != ours[k]}
            if not field_changes:
                result.unchanged += 1
                continue
            clashes = [(jcbh, k, ours[k], v) for k, v in field_changes.items() if ours[k] != base[k]]
            if clashes:
                result.conflicts += clashes
                continue
            merged = dict(ours, **field_changes)
            problems = verification.missing_required(merged)
            if problems:
                result.rejected += [(jcbh, p.zh, p.en) for p in problems]
                continue
            changes[jcbh] = merged
        store.apply_verifications(changes, schema.CHANNEL_QFIELD, os.path.basename(gpkg))
        result.applied = sorted(changes)
    if photos:
        result.photos_added = attach_photos(task_path, photos).added
    return result
