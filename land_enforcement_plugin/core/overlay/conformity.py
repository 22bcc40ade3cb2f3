"""Planning conformity (规划符合性): how much of each patch lies in each planning zone, and whether
it conforms — an extra pass after the overlay (it decides whether 补办手续 is possible at all).

Inputs: a layer per zone (城镇开发边界, 允许建设区, 有条件建设区, 限制建设区, each optional), or one
zoning layer whose code field names the zone (the 建设用地管制分区 codes 010/020/030/040 or the
zone's name). Every layer is read through its vector_input.reading_copy (the decided encoding,
the CRS the user set), the code field's text checked first.

A patch conforms (符合规划) when it lies within the development boundary or construction-allowed
zones; conforms under conditions (有条件符合) when part of it lies only in a conditional zone; does
not conform (不符合规划) when any part lies in a restricted (or prohibited) zone or in no zone at
all (outside_m2). Parts below `tolerance_m2` (digitising slivers) are not counted.
"""
import json
from dataclasses import dataclass, field

from qgis.core import QgsCoordinateTransform, QgsFeatureRequest, QgsGeometry, QgsProject, QgsSpatialIndex

from .. import schema
from ..ellipsoid import AreaCalculator, AreaMode
from ..errors import LandEnforcementError
from ..store import now_iso, open_task
from ..vector_input import read_text_fields, reading_copy
from .run import task_patches

Zone = schema.PlanningZone
Conformity = schema.Conformity
# 建设用地管制分区代码 (土地利用总体规划): 040 禁止建设区 is stricter than restricted and counts as it.
DEFAULT_ZONE_CODES = {"010": Zone.ALLOWED, "020": Zone.CONDITIONAL, "030": Zone.RESTRICTED, "040": Zone.RESTRICTED,
                      "禁止建设区": Zone.RESTRICTED, **{zone.value: zone for zone in Zone}}
DEFAULT_TOLERANCE_M2 = 1.0
CONSTRUCTION_ZONES = (Zone.DEVELOPMENT_BOUNDARY, Zone.ALLOWED)


@dataclass
class ZoningInputs:
    """zone_layers: {PlanningZone: QgsVectorLayer}; or zoning + code_field (+ codes: value -> zone)."""

    zone_layers: dict = field(default_factory=dict)
    zoning: object = None
    code_field: str = None
    codes: dict = field(default_factory=lambda: dict(DEFAULT_ZONE_CODES))
    area_mode: AreaMode = AreaMode.ELLIPSOIDAL
    tolerance_m2: float = DEFAULT_TOLERANCE_M2
    layer_crs: object = None  # for a layer without a CRS


@dataclass
class PatchConformity:
    jcbh: str
    areas: dict  # ZONE_AREA_FIELDS / OUTSIDE_ZONES_M2 name -> m²
    conformity: Conformity


def _shapes(layer, working_crs, zone_of):
    """{zone: [QgsGeometry in working_crs]} of a layer's features; zone_of(feature) -> zone."""
    transform = QgsCoordinateTransform(layer.crs(), working_crs, QgsProject.instance().transformContext())
    shapes = {}
    for feature in layer.getFeatures(QgsFeatureRequest()):
        zone = zone_of(feature)
        geometry = feature.geometry()
        if zone is None or geometry is None or geometry.isEmpty():
            continue
        geometry = QgsGeometry(geometry)
        if not geometry.isGeosValid():
            geometry = geometry.makeValid()
        geometry.transform(transform)
        shapes.setdefault(zone, []).append(geometry)
    return shapes


def _read_zones(inputs, working_crs):
    if not inputs.zone_layers and inputs.zoning is None:
        raise LandEnforcementError("请选择规划分区图层", "Choose the planning zone layers")
    shapes = {}
    layers = [(zone, reading_copy(layer, inputs.layer_crs)) for zone, layer in inputs.zone_layers.items() if layer]
    for zone, layer in layers:
        _check_crs(layer)
        for key, found in _shapes(layer, working_crs, lambda feature, zone=zone: zone).items():
            shapes.setdefault(key, []).extend(found)
    if inputs.zoning is not None:
        layer = reading_copy(inputs.zoning, inputs.layer_crs)
        _check_crs(layer)
        if not inputs.code_field or layer.fields().indexOf(inputs.code_field) < 0:
            raise LandEnforcementError(f"规划分区图层“{layer.name()}”没有字段“{inputs.code_field}”",
                                       f"The zoning layer '{layer.name()}' has no field '{inputs.code_field}'")
        read_text_fields(layer, [inputs.code_field])  # garbled text stops here, naming layer and field
        index = layer.fields().indexOf(inputs.code_field)
        values = {str(value).strip() for value in layer.uniqueValues(index)
                  if value is not None and str(value) != "NULL"}
        unknown = sorted(values - set(inputs.codes))
        if unknown:
            raise LandEnforcementError(
                f"规划分区图层“{layer.name()}”字段“{inputs.code_field}”有未对应分区的值：{'、'.join(unknown[:5])}",
                f"The zoning layer '{layer.name()}' field '{inputs.code_field}' has values with no zone: "
                f"{', '.join(unknown[:5])}")
        for key, found in _shapes(layer, working_crs,
                                  lambda feature: inputs.codes.get(str(feature[index]).strip())).items():
            shapes.setdefault(key, []).extend(found)
    return shapes


def _check_crs(layer):
    if not layer.crs().isValid():
        raise LandEnforcementError(f"图层“{layer.name()}”没有坐标系（如缺少 .prj）",
                                   f"The layer '{layer.name()}' has no coordinate reference system (e.g. no .prj)")


class _ZoneSet:
    """The shapes of one zone with a spatial index: the part of a patch inside them."""

    def __init__(self, shapes):
        self.shapes = shapes
        self.index = QgsSpatialIndex()
        for number, shape in enumerate(shapes):
            self.index.addFeature(number, shape.boundingBox())

    def part(self, patch):
        near = [self.shapes[i] for i in self.index.intersects(patch.boundingBox())
                if self.shapes[i].intersects(patch)]
        return patch.intersection(QgsGeometry.unaryUnion(near)) if near else QgsGeometry()


def _empty_union(*parts):
    present = [p for p in parts if not p.isEmpty()]
    return QgsGeometry.unaryUnion(present) if present else QgsGeometry()


def compute_conformity(patches, working_crs, inputs):
    """[PatchConformity] of patches [(jcbh, QgsGeometry in working_crs)]."""
    zones = {zone: _ZoneSet(shapes) for zone, shapes in _read_zones(inputs, working_crs).items()}
    calculator = AreaCalculator(working_crs, inputs.area_mode)
    empty = _ZoneSet([])
    results = []
    for jcbh, patch in patches:
        if not patch.isGeosValid():
            patch = patch.makeValid()
        parts = {zone: zones.get(zone, empty).part(patch) for zone in Zone}
        areas = {schema.ZONE_AREA_FIELDS[zone].name: calculator.area(part) for zone, part in parts.items()}
        buildable = _empty_union(*(parts[zone] for zone in CONSTRUCTION_ZONES))
        zoned = _empty_union(*parts.values())
        outside = patch.difference(zoned) if not zoned.isEmpty() else patch
        areas[schema.OUTSIDE_ZONES_M2.name] = calculator.area(outside)
        conditional_only = parts[Zone.CONDITIONAL].difference(buildable) if not buildable.isEmpty() \
            else parts[Zone.CONDITIONAL]
        tolerance = inputs.tolerance_m2
        if areas[schema.ZONE_AREA_FIELDS[Zone.RESTRICTED].name] > tolerance or \
                areas[schema.OUTSIDE_ZONES_M2.name] > tolerance:
            verdict = Conformity.NONCONFORMING
        elif calculator.area(conditional_only) > tolerance:
            verdict = Conformity.CONDITIONAL
        else:
            verdict = Conformity.CONFORMS
        results.append(PatchConformity(jcbh, areas, verdict))
    return results


def run_conformity(task_path, inputs):
    """Compute and store the conformity of every patch of the task (replacing the last run)."""
    patches, crs = task_patches(task_path)
    results = compute_conformity(patches, crs, inputs)
    sources = {zone.value: layer.source() for zone, layer in inputs.zone_layers.items() if layer}
    if inputs.zoning is not None:
        sources["zoning"] = inputs.zoning.source()
        sources["code_field"] = inputs.code_field
    stamp = now_iso()
    with open_task(task_path) as store:
        with store.transaction():
            store.execute(f"DELETE FROM {schema.PLANNING_CONFORMITY_TABLE}")
            for result in results:
                store.insert(schema.PLANNING_CONFORMITY_TABLE, dict(
                    result.areas, jcbh=result.jcbh, conformity=result.conformity.value,
                    zoning=json.dumps(sources, ensure_ascii=False), computed_at=stamp))
            store.audit("planning_conformity", "task", None, detail=f"{len(results)} patches")
    return results


def stored_conformity(store):
    """jcbh -> {zone area fields, outside_m2, conformity} of the last run (empty before any)."""
    names = [f.name for f in (*schema.ZONE_AREA_FIELDS.values(), schema.OUTSIDE_ZONES_M2)]
    return {row.pop("jcbh"): row for row in store.query(
        f"SELECT jcbh, {', '.join(names)}, {schema.CONFORMITY.name} FROM {schema.PLANNING_CONFORMITY_TABLE}")}


def summary_lines(results):
    counts = {c: sum(1 for r in results if r.conformity is c) for c in Conformity}
    return [f"{c.zh}：{counts[c]} 个 / {c.en}: {counts[c]}" for c in Conformity]
