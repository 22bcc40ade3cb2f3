"""The overlay as a task step: only patches whose inputs changed are recomputed, results stored.

A patch's fingerprint hashes its geometry with the settings and what the overlay reads of each
layer (engine_local.layers_fingerprint: the decided encoding, the size and time of the
dataset's files, the checked text of the labels); a re-run recomputes the patches whose
fingerprint differs (new, re-imported with another shape, or all of them when a layer was fixed
or a setting changed) and keeps the rest.

A PostGIS task whose red lines are all PostGIS layers of its own database is computed inside the
database (engine_sql, same results); any other task by the local engine (engine_local).
The run records which one ran.
"""
import json
from dataclasses import asdict, dataclass, field, replace

from qgis.core import QgsCoordinateReferenceSystem, QgsDataSourceUri, QgsGeometry

from .. import schema
from ..collector import full_collections_held
from ..store import now_iso, open_task
from ..store.postgis_connection import first_line
from ..vector_input import encoding_decision, reading_copy, shapefile_path
from .engine_local import (
    compute_overlay,
    input_layers,
    layers_fingerprint,
    main_township,
    patch_fingerprint,
)
from .engine_sql import ENGINE_LOCAL, ENGINE_POSTGIS, database_sources, overlay_in_database
from .prejudge import reasons_json


@dataclass
class OverlayRun:
    recomputed: int
    reused: int
    repairs: list
    area_mode: str
    totals_m2: dict  # OVERLAY_AREA_FIELDS name -> county total over every patch
    outside_townships: list  # JCBH of patches that touch no township polygon
    engine: str = ENGINE_LOCAL  # engine_sql.ENGINE_POSTGIS: computed inside the task's database
    engine_note: tuple = None  # (zh, en): why a PostGIS task's overlay ran locally
    # (jcbh, delivered township, overlay's township) where the delivery's SSXZ disagrees
    township_mismatches: list = field(default_factory=list)
    encodings: list = field(default_factory=list)  # (layer name, (zh, en)) of each shapefile read

    def lines(self):
        mode_zh = {"ellipsoidal": "椭球面积", "planar": "平面面积"}.get(self.area_mode, self.area_mode)
        out = [f"重算 {self.recomputed} 个图斑，沿用 {self.reused} 个（{mode_zh}） / "
               f"recomputed {self.recomputed} patches, reused {self.reused} ({self.area_mode})"]
        if self.engine == ENGINE_POSTGIS:
            out.append("在 PostGIS 数据库内计算 / computed inside the PostGIS database")
        elif self.engine_note:
            out.append(f"本地计算：{self.engine_note[0]} / computed locally: {self.engine_note[1]}")
        out += [f"图层“{name}”的编码：{zh} / encoding of '{name}': {en}" for name, (zh, en) in self.encodings]
        if self.outside_townships:
            out.append(f"{len(self.outside_townships)} 个图斑不在任何乡镇界内（如 {self.outside_townships[0]}），"
                       f"请检查乡镇界图层 / {len(self.outside_townships)} patches touch no township "
                       f"(e.g. {self.outside_townships[0]}); check the townships layer")
        if self.township_mismatches:
            jcbh, delivered, township = self.township_mismatches[0]
            out.append(f"{len(self.township_mismatches)} 个图斑的下发乡镇与叠加所得乡镇不同"
                       f"（如 {jcbh}：下发“{delivered}”，"
                       f"叠加“{township}”），以叠加结果为准 / {len(self.township_mismatches)} patches lie in another "
                       f"township than the delivery names (e.g. {jcbh}: delivered '{delivered}', overlay "
                       f"'{township}'); the overlay's is used")
        out += [f"{f.zh}：{self.totals_m2[f.name] / schema.M2_PER_MU:.2f} 亩 / "
                f"{f.en}: {self.totals_m2[f.name] / schema.M2_PER_MU:.2f} mu" for f in schema.OVERLAY_AREA_FIELDS]
        out += [f"已修复红线图层“{r.layer}”要素 {r.feature_id}：{r.area_before:.2f} → {r.area_after:.2f} m² / "
                f"repaired feature {r.feature_id} of '{r.layer}'" for r in self.repairs]
        return out


def detached_inputs(inputs):
    """The inputs with every layer replaced by its vector_input.reading_copy: a copy a worker
    thread may read on its own (made on the thread that owns the layers), reading text in the
    decided encoding (the user's, when set in QGIS) and with the layer's CRS, or inputs.layer_crs
    when it has none."""
    def copy(layer):
        return reading_copy(layer, inputs.layer_crs)

    return replace(
        inputs, townships=copy(inputs.townships), cultivated=copy(inputs.cultivated),
        permanent_farmland=copy(inputs.permanent_farmland), eco_redline=copy(inputs.eco_redline),
        nature_reserve=copy(inputs.nature_reserve), approvals=[copy(layer) for layer in inputs.approvals],
        villages=copy(inputs.villages))


def _geometry(wkb):
    geometry = QgsGeometry()
    geometry.fromWkb(wkb)
    return geometry


def task_patches(task_path):
    """([(jcbh, QgsGeometry)], working CRS) of every patch in the task."""
    with open_task(task_path) as store:
        crs = QgsCoordinateReferenceSystem(store.meta()["working_crs"])
        return [(jcbh, _geometry(wkb)) for jcbh, wkb, _ in store.patch_geometries()], crs


def _layer_source(layer):
    """A layer's source as recorded in the run: a PostGIS layer's without any password."""
    if layer.providerType() != "postgres":
        return layer.source()
    uri = QgsDataSourceUri(layer.source())
    uri.setPassword("")
    return uri.uri(False)


def _compute(store, stale, crs, inputs, feedback):
    """(results, repairs, engine, note): in the database when it holds the task and every red line,
    else (or when the database refuses, e.g. no SELECT on a red-line table) by the local engine."""
    sources, note = database_sources(store, inputs) if store.provider == "postgres" else (None, None)
    if sources is not None:
        try:
            results, repairs = overlay_in_database(store, inputs, [jcbh for jcbh, _ in stale], feedback, sources)
            return results, repairs, ENGINE_POSTGIS, None
        except RuntimeError as exc:  # rolled back: nothing was written
            first = first_line(exc)
            note = (f"数据库内计算失败（{first}）", f"the database could not compute it ({first})")
    results, repairs = compute_overlay([(jcbh, _geometry(wkb)) for jcbh, wkb in stale], crs, inputs, feedback)
    return results, repairs, ENGINE_LOCAL, note


@full_collections_held
def run_overlay(task_path, inputs, feedback=None):
    """The overlay of the task's changed patches, stored. Every input is read through its
    vector_input.reading_copy and checked (layers_fingerprint) before anything is computed."""
    inputs = detached_inputs(inputs)
    layers_print = layers_fingerprint(inputs)
    with open_task(task_path) as store:
        crs = QgsCoordinateReferenceSystem(store.meta()["working_crs"])
        stale, prints = [], {}
        rows = store.patch_geometries()
        for jcbh, wkb, stored_print in rows:
            prints[jcbh] = patch_fingerprint(wkb, layers_print)
            if stored_print != prints[jcbh]:
                stale.append((jcbh, wkb))
        results, repairs, engine, note = _compute(store, stale, crs, inputs, feedback)
        if feedback is not None and feedback.isCanceled():
            return None
        stamp = now_iso()
        patch_values, township_rows = {}, []
        for result in results:
            values = dict(result.areas)
            main = main_township(result.townships)
            # A patch outside every township polygon has no township (the run reports it).
            values[schema.TOWNSHIP_CODE.name] = main or None
            values[schema.TOWNSHIP_NAME.name] = next(
                (part["xzqmc"] for part in result.townships if part["xzqdm"] == main), None) if main else None
            values[schema.VILLAGE_NAME.name] = result.village_name
            values.update({
                schema.SUGGESTED_VERDICT.name: result.suggested_verdict,
                schema.SUGGESTED_APPROVAL.name: result.suggested_approval_no,
                schema.PRIORITY.name: int(result.high_priority),
                schema.SUGGESTION_REASONS.name: reasons_json(result.reasons),
                schema.OVERLAY_MODE.name: inputs.area_mode.value,
                schema.OVERLAY_FINGERPRINT.name: prints[result.jcbh],
                schema.OVERLAY_AT.name: stamp})
            patch_values[result.jcbh] = values
            township_rows += [dict(part, jcbh=result.jcbh) for part in result.townships]
        used = {role: _layer_source(getattr(inputs, role)) if getattr(inputs, role) is not None else None
                for role in ("townships", "cultivated", "permanent_farmland", "eco_redline", "nature_reserve",
                             "villages")}
        used["approvals"] = [_layer_source(layer) for layer in inputs.approvals]
        used["engine"] = engine  # overlay_runs has no column for it: kept with the layers it read
        encodings = [(layer.name(), encoding_decision(layer).why()) for _, layer in input_layers(inputs)
                     if shapefile_path(layer) is not None]
        used["encodings"] = dict(encodings)
        store.write_overlay(patch_values, township_rows, {
            "started_at": stamp, "area_mode": inputs.area_mode.value,
            "layers": json.dumps(used, ensure_ascii=False), "recomputed": len(results),
            "reused": len(rows) - len(results),
            "repairs": json.dumps([asdict(r) for r in repairs], ensure_ascii=False)})
        parts = store.township_parts()
        totals = {f.name: sum(part[f.name] for part in parts) for f in schema.OVERLAY_AREA_FIELDS}
        outside = sorted(part["jcbh"] for part in parts if not part["xzqdm"])
        return OverlayRun(len(results), len(rows) - len(results), repairs, inputs.area_mode.value, totals, outside,
                          engine, note, store.delivered_township_mismatches(), encodings)
