"""Office comparison (内业比对): red lines over the patches, areas, township split (then prejudge.py).

Each area is that of the patch's intersection with the *union* of a layer's polygons: overlapping
source polygons never count twice. The red-line layers are read and matched to the patches by
matching.py.

Then each patch is assembled on its own: the patch is cut by the union of a layer's small polygons
over it (one union and one cut, however many land-use parcels) and by each large farmland, ecological
or reserve polygon in turn (never a union of large polygons), a layer's
area is the patch's less what the layer leaves uncovered (shapes.Cover), and only a patch split by
townships has the covered parts made. That runs on a few threads (GEOS and PROJ release Python's
lock); every result is the same, and in the same order, as with one thread.
"""
import hashlib
import os
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from qgis.core import QgsExpression

from .. import schema
from ..collector import full_collections_held
from ..ellipsoid import AreaCalculator, AreaMode
from ..errors import LandEnforcementError
from ..messages import NO_TOWNSHIPS_LAYER
from ..vector_input import layer_signature
from .matching import PatchSet, layer_reading, load_layer
from .prejudge import DEFAULT_APPROVED_SHARE, prejudge
from .shapes import Cover, polygonal, union_of

# A patch that touches no township polygon (wrong township layer, or outside the county) keeps its
# areas under this label, so that nothing drops out of the county figure; the run reports it.
OUTSIDE_TOWNSHIPS = ("", "乡镇界外 outside townships")


def find_field(layer, candidates):
    """The name of the layer's field spelt as one of `candidates` (schema's field spellings; case
    ignored, the first candidate found wins), or None."""
    names = {name.upper(): name for name in layer.fields().names()}
    return next((names[c.upper()] for c in candidates if c.upper() in names), None)


def township_code_field(layer):
    """The field of a townships layer that holds the township codes, spelt as schema allows (XZQDM,
    XZDM, …); None when the layer has none."""
    return find_field(layer, schema.TOWNSHIP_CODE_FIELDS)


def required_township_code_field(layer):
    """township_code_field, or an error naming the layer and the spellings looked for."""
    found = township_code_field(layer)
    if found is None:
        raise LandEnforcementError(
            f"乡镇界图层“{layer.name()}”缺少行政区代码字段（{'、'.join(schema.TOWNSHIP_CODE_FIELDS)}）",
            f"The townships layer '{layer.name()}' has no township code field "
            f"({', '.join(schema.TOWNSHIP_CODE_FIELDS)})")
    return found


@dataclass
class PatchOverlay:
    jcbh: str
    areas: dict  # OVERLAY_AREA_FIELDS names -> m²
    townships: list  # dicts: xzqdm, xzqmc and the same areas
    suggested_verdict: str = None
    suggested_approval_no: str = None
    village_name: str = None  # the village holding the largest part (None without a village layer)
    high_priority: bool = False
    reasons: list = field(default_factory=list)  # (zh, en)


@dataclass
class OverlayInputs:
    """The red-line layers (QgsVectorLayer, any CRS; only townships required) and the settings.
    layer_crs: the CRS of input layers that have none (a shapefile without .prj), else an error."""

    townships: object
    cultivated: object = None
    permanent_farmland: object = None
    eco_redline: object = None
    approvals: list = field(default_factory=list)
    area_mode: AreaMode = AreaMode.ELLIPSOIDAL
    cultivated_codes: tuple = schema.CULTIVATED_DLBM
    approved_share: float = DEFAULT_APPROVED_SHARE
    villages: object = None
    layer_crs: object = None
    nature_reserve: object = None  # 自然保护地 (optional): its own area and its union with the farmland


def input_layers(inputs):
    """[(key, layer)] of the given input layers: townships, cultivated, pbf, eco, reserve, approval<i>,
    villages."""
    roles = [("townships", inputs.townships), ("cultivated", inputs.cultivated), ("pbf", inputs.permanent_farmland),
             ("eco", inputs.eco_redline), ("reserve", inputs.nature_reserve)]
    roles += [(f"approval{i}", layer) for i, layer in enumerate(inputs.approvals)]
    roles.append(("villages", inputs.villages))
    return [(key, layer) for key, layer in roles if layer is not None]


def label_fields(key, layer):
    """The fields whose text the overlay keeps of a layer (its labels): a township's code and
    name, an approval's number and kind, a village's name."""
    if key == "townships":
        return township_code_field(layer), find_field(layer, schema.TOWNSHIP_NAME_FIELDS)
    if key.startswith("approval"):
        return find_field(layer, schema.APPROVAL_NUMBER_FIELDS), find_field(layer, schema.APPROVAL_KIND_FIELDS)
    if key == "villages":
        return (find_field(layer, schema.VILLAGE_NAME_FIELDS),)
    return ()


def check_inputs(inputs):
    """Refuses inputs the overlay cannot read right: no townships layer or code field, a village
    layer without a name field, a layer without a CRS (unless inputs.layer_crs gives one)."""
    if inputs.townships is None:
        raise NO_TOWNSHIPS_LAYER.error()
    required_township_code_field(inputs.townships)
    if inputs.villages is not None and find_field(inputs.villages, schema.VILLAGE_NAME_FIELDS) is None:
        raise LandEnforcementError(
            f"村界图层“{inputs.villages.name()}”缺少村名称字段（{'、'.join(schema.VILLAGE_NAME_FIELDS[:3])}）",
            f"The village layer '{inputs.villages.name()}' has no village name field "
            f"({', '.join(schema.VILLAGE_NAME_FIELDS[:3])})")
    for _, layer in input_layers(inputs):
        if not layer.crs().isValid():
            raise LandEnforcementError(
                f"图层“{layer.name()}”没有坐标系（如缺少 .prj），无法叠加：请补上 .prj、在 QGIS 中为图层设置坐标系，"
                "或指定无坐标系图层的坐标系（叠加分析的 LAYER_CRS 参数）",
                f"The layer '{layer.name()}' has no coordinate reference system (e.g. no .prj) and cannot be "
                "overlaid: add its .prj, set the layer's CRS in QGIS, or give the CRS of layers without one "
                "(the overlay's LAYER_CRS parameter)")


def layers_fingerprint(inputs):
    """What every patch's fingerprint keeps of the inputs: the settings and, per layer, its
    vector_input.layer_signature (decided encoding, its files' sizes and times, the checked text
    of its labels). Checks the inputs first: raises on any the overlay cannot read right, before
    anything is computed. Fixing a layer (re-saved, a .cpg added, its encoding set) changes it."""
    check_inputs(inputs)
    parts = [inputs.area_mode.value, ",".join(inputs.cultivated_codes), repr(inputs.approved_share)]
    parts += [f"{key}:{layer_signature(layer, label_fields(key, layer))}" for key, layer in input_layers(inputs)]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def patch_fingerprint(wkb, layers_print):
    return hashlib.sha256(wkb + layers_print.encode("ascii")).hexdigest()


@full_collections_held
def compute_overlay(patches, working_crs, inputs, feedback=None):
    """patches: iterable of (jcbh, QgsGeometry in working_crs). Returns ([PatchOverlay], [RedLineRepair])."""
    check_inputs(inputs)
    patch_set = PatchSet(list(patches))
    if not len(patch_set):
        return [], []
    steps = input_layers(inputs)

    def progress(done):  # reading is about a third of the work, the assembly the rest
        if feedback is not None:
            feedback.setProgress(100.0 * done)

    readings = {}
    for key, layer in steps:
        attributes, accept = label_fields(key, layer), None
        if key == "cultivated":
            dlbm = find_field(layer, schema.DLBM_FIELDS)
            if dlbm is not None:  # a full land-use layer: only cultivated codes count
                attributes = (dlbm,)
                accept = (f"{QgsExpression.quotedColumnRef(dlbm)} IN "
                          f"({', '.join(QgsExpression.quotedString(code) for code in inputs.cultivated_codes)})")
        # Only the labels of townships, approvals and villages are used; the DLBM code is only filtered on.
        readings[key] = layer_reading(layer, patch_set, working_crs, attributes, accept,
                                       labelled=key != "cultivated")
    collected = {}
    with ThreadPoolExecutor(max_workers=_threads()) as pool:
        loads = {pool.submit(load_layer, *reading, feedback): key for key, reading in readings.items()}
        # Each layer read is matched here while the others are still being read. Matching is thousands
        # of short calls: on several threads at once they would mostly wait for each other (Python's lock).
        for done, load in enumerate(as_completed(loads)):
            if feedback is not None and feedback.isCanceled():
                return [], []
            collected[loads[load]] = hits = load.result()
            hits.match()
            progress((done + 1) / len(steps) / 3)
    collected = {key: collected[key] for key, _ in steps}  # the layers' order, whichever loaded first
    results = _patch_results(patch_set, collected, working_crs, inputs, feedback,
                             lambda fraction: progress((1 + 2 * fraction) / 3))
    repairs = [hits.repairs[fid] for hits in collected.values() for fid in sorted(hits.repairs)]
    return (results, repairs) if results is not None else ([], repairs)


def _threads():
    return min(4, os.cpu_count() or 1)


_CHUNK = 500  # patches per task of the assembly


def _patch_results(patch_set, collected, working_crs, settings, feedback, progress):
    """Every patch's PatchOverlay, in order; None when cancelled.

    The assembly is mostly GEOS and PROJ work (clipping, unions, differences, ellipsoidal areas),
    which runs without Python's lock: chunks of patches are assembled by a few threads, each with
    its own engines and AreaCalculator; the patches and red lines are only read. Each patch's
    result depends on nothing but its own inputs: the same, in the same order, as one thread's."""
    count = len(patch_set)
    local = threading.local()

    def assemble(start):
        if feedback is not None and feedback.isCanceled():
            return None
        if not hasattr(local, "calculator"):
            local.calculator = AreaCalculator(working_crs, settings.area_mode)
        for hits in collected.values():
            hits.forget_engines()
        return [_patch_result(index, patch_set, collected, local.calculator, settings)
                for index in range(start, min(start + _CHUNK, count))]

    results = []
    with ThreadPoolExecutor(max_workers=_threads()) as pool:
        chunks = [pool.submit(assemble, start) for start in range(0, count, _CHUNK)]
        for chunk in chunks:
            part = chunk.result()
            if part is None or (feedback is not None and feedback.isCanceled()):
                for pending in chunks:
                    pending.cancel()
                return None
            results.extend(part)
            progress(len(results) / count)
    return results


def _patch_result(index, patch_set, collected, calculator, settings):
    patch = patch_set.geometries[index]
    approval_pieces = [piece for key, hits in collected.items() if key.startswith("approval")
                       for piece in hits.pieces(index)]
    approved = union_of([piece for piece, _ in approval_pieces], patch) if approval_pieces else None
    covers = {name: Cover(patch, uncovered=collected[key].uncovered(index) if key in collected else patch)
              for name, key in (("cultivated_m2", "cultivated"), ("pbf_m2", "pbf"), ("eco_m2", "eco"),
                                ("nature_reserve_m2", "reserve"))}
    cultivated, pbf, reserve = covers["cultivated_m2"], covers["pbf_m2"], covers["nature_reserve_m2"]
    if cultivated.none or pbf.none:
        covers["general_cultivated_m2"] = cultivated
    elif pbf.whole:
        covers["general_cultivated_m2"] = Cover(patch, uncovered=patch)
    else:  # cultivated land outside the farmland: what the farmland leaves of the patch less what the land use leaves
        general = pbf.uncovered if cultivated.whole else polygonal(pbf.uncovered.difference(cultivated.uncovered))
        covers["general_cultivated_m2"] = Cover(patch, part=general)
    # Land both farmland and reserve counts once (yiyuan_2019 三(四): the two are one threshold).
    if pbf.whole or reserve.none:
        covers["pbf_or_reserve_m2"] = pbf
    elif reserve.whole or pbf.none:
        covers["pbf_or_reserve_m2"] = reserve
    else:
        covers["pbf_or_reserve_m2"] = Cover(patch, uncovered=polygonal(pbf.uncovered.intersection(reserve.uncovered)))

    patch_area = calculator.area(patch)
    whole = {name: cover.area(calculator, patch_area) for name, cover in covers.items()}
    whole["approved_m2"] = patch_area if approved is patch else calculator.area(approved)
    whole["area_m2"] = patch_area
    by_code = defaultdict(list)
    for geometry, label in collected["townships"].pieces(index):
        by_code[label or ("", "")].append(geometry)

    def part_areas(label):
        part_geometry = union_of(by_code[label])
        layers = {name: cover.geometry() for name, cover in covers.items()}
        layers["approved_m2"] = approved
        row = {"area_m2": calculator.area(part_geometry)}
        for key, geometry in layers.items():
            row[key] = calculator.area(polygonal(geometry.intersection(part_geometry))) if geometry else 0.0
        return row

    approval_labels = sorted({label for _, label in approval_pieces if label})
    result = patch_overlay(patch_set.jcbh[index], whole, sorted(by_code), part_areas, approval_labels, settings)
    if "villages" in collected:
        result.village_name = _main_village(collected["villages"].pieces(index))
    return result


def _main_village(pieces):
    """The name of the village holding the largest part of a patch ([(piece, (name,))]); ties go to
    the smaller name. None outside every village."""
    by_name = defaultdict(list)
    for piece, (name,) in pieces:
        if name:
            by_name[name].append(piece)
    areas = {name: union_of(shapes) for name, shapes in by_name.items()}
    areas = {name: union.area() if union is not None else 0.0 for name, union in areas.items()}
    return min(areas, key=lambda name: (-areas[name], name)) if areas else None


def patch_overlay(jcbh, whole, township_labels, part_areas, approval_labels, settings):
    """One patch's PatchOverlay from its measured areas, whichever engine measured them.

    whole: {"area_m2" and the layer area names: m²} of the whole patch; township_labels: the sorted
    (xzqdm, xzqmc) of the townships it touches; part_areas(label) -> the same areas of its part in
    that township (asked only when there are two or more); approval_labels: the sorted (number,
    kind) of the approvals over it."""
    townships = township_rows(whole, township_labels, part_areas)
    areas = {f.name: sum(part[f.name] for part in townships) for f in schema.OVERLAY_AREA_FIELDS}
    result = PatchOverlay(jcbh, areas, townships)
    prejudge(result, approval_labels, settings)
    return result


def main_township(parts):
    """The township code holding the largest of a patch's parts (township_rows dicts); ties go to
    the smaller code, so the choice is stable."""
    return min(parts, key=lambda p: (-p["area_m2"], p["xzqdm"]))["xzqdm"]


def township_rows(whole, labels, part_areas):
    """The patch split by township. Whatever lies outside every township goes to the largest
    part, so that the parts add up to the whole patch."""
    if len(labels) <= 1:
        code, name = labels[0] if labels else OUTSIDE_TOWNSHIPS
        return [dict(whole, xzqdm=code, xzqmc=name)]
    parts = [{"xzqdm": code, "xzqmc": name, **part_areas((code, name))} for code, name in labels]
    largest = max(parts, key=lambda p: (p["area_m2"], p["xzqdm"]))
    for key, value in whole.items():
        largest[key] += value - sum(p[key] for p in parts)
    return parts
