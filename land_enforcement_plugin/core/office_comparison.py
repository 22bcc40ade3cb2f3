"""Office comparison (内业比对): red lines over the patches, areas, township split, pre-judgement.

Each area is that of the patch's intersection with the *union* of a layer's polygons: overlapping
source polygons never count twice. Red-line layers are read once, only where patches are: each
feature is tested against an index of the patches, reprojected and repaired only when it touches
one, clipped to that patch, and the clipped pieces are unioned per patch.

The clipping and the per-patch assembly run on a few threads (GEOS and PROJ release Python's lock);
every result is the same, and in the same order, as with one thread.
"""
import hashlib
import json
import os
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from qgis.core import (NULL, QgsCoordinateTransform, QgsCoordinateTransformContext, QgsExpression,
                       QgsFeatureRequest, QgsGeometry, QgsRectangle, QgsSpatialIndex, QgsWkbTypes)

from . import schema
from .ellipsoid import AreaCalculator, AreaMode
from .errors import LandEnforcementError

# Field spellings of the source layers (mapped, never one hard-coded spelling).
TOWNSHIP_CODE_FIELDS = ("XZQDM", "行政区代码", "XZDM", "QHDM")
TOWNSHIP_NAME_FIELDS = ("XZQMC", "行政区名称", "XZMC", "QHMC")
DLBM_FIELDS = ("DLBM", "地类编码")
APPROVAL_NUMBER_FIELDS = ("PZWH", "批准文号", "WH", "文号", "BAH", "备案号")
APPROVAL_KIND_FIELDS = ("PZLX", "批准类型", "LX")
DEFAULT_APPROVED_SHARE = 0.9  # approved share that suggests 合法 (a setting)
# A patch that touches no township polygon (wrong township layer, or outside the county) keeps its
# areas under this label, so that nothing drops out of the county figure; the run reports it.
OUTSIDE_TOWNSHIPS = ("", "乡镇界外 outside townships")


def find_field(layer, candidates):
    names = {name.upper(): name for name in layer.fields().names()}
    return next((names[c.upper()] for c in candidates if c.upper() in names), None)


@dataclass
class RedLineRepair:
    layer: str
    feature_id: int
    area_before: float
    area_after: float


@dataclass
class PatchOverlay:
    jcbh: str
    areas: dict  # OVERLAY_AREA_FIELDS names -> m²
    townships: list  # dicts: xzqdm, xzqmc and the same areas
    suggested_verdict: str = None
    suggested_approval_no: str = None
    high_priority: bool = False
    reasons: list = field(default_factory=list)  # (zh, en)


class _Pieces:
    """Per patch: the pieces of one layer clipped to it, each with its feature's label."""

    def __init__(self):
        self.by_patch = defaultdict(list)  # patch index -> [(geometry, label)]

    def add(self, index, geometry, label):
        self.by_patch[index].append((geometry, label))

    def labels(self, index):
        return sorted({label for _, label in self.by_patch.get(index, []) if label})

    def union(self, index):
        pieces = [geometry for geometry, _ in self.by_patch.get(index, [])]
        if not pieces:
            return None
        return pieces[0] if len(pieces) == 1 else _polygonal(QgsGeometry.unaryUnion(pieces))


def _polygonal(geometry):
    """Only the areal part of a clip or union result (touching shapes leave lines and points)."""
    if geometry is None or geometry.isEmpty():
        return None
    if geometry.type() == QgsWkbTypes.PolygonGeometry:
        return geometry
    if QgsWkbTypes.flatType(geometry.wkbType()) == QgsWkbTypes.GeometryCollection:
        geometry.convertGeometryCollectionToSubclass(QgsWkbTypes.PolygonGeometry)
        if not geometry.isEmpty() and QgsWkbTypes.geometryType(geometry.wkbType()) == QgsWkbTypes.PolygonGeometry:
            return geometry
    return None


class _PatchSet:
    """The patches in the working CRS with a spatial index and, per thread, prepared engines."""

    def __init__(self, patches, feedback):
        self.jcbh = []
        self.geometries = []
        self.index = QgsSpatialIndex()
        self._extent = None
        self._local = threading.local()
        for number, (jcbh, geometry) in enumerate(patches):
            self.jcbh.append(jcbh)
            self.geometries.append(geometry)
            self.index.addFeature(number, geometry.boundingBox())
            if feedback is not None and feedback.isCanceled():
                return

    def engines(self):
        """This thread's list of the patches' prepared GEOS engines, None until first used: a
        prepared geometry builds its indexes lazily, so it is never shared between threads."""
        engines = getattr(self._local, "engines", None)
        if engines is None:
            engines = self._local.engines = [None] * len(self.geometries)
        return engines

    def __len__(self):
        return len(self.jcbh)

    def extent(self):
        if self._extent is None:  # asked once per layer
            self._extent = QgsRectangle(self.geometries[0].boundingBox())
            for geometry in self.geometries[1:]:
                self._extent.combineExtentWith(geometry.boundingBox())
        return QgsRectangle(self._extent)


_BATCH = 1000  # features per clipping task (about 30 ms of GEOS work)


def _read_layer(layer, patch_set, working_crs, pieces, repairs, feedback, progress, pool, attributes=(),
                accept=None, labelled=True):
    """One pass over the features of `layer` in the patches' extent, clipped to the patches they touch.
    accept: a filter expression, evaluated by the data provider where it can (DLBM codes in SQL);
    labelled: whether the pieces carry their feature's label (the values of `attributes`).

    This thread reads, reprojects, finds the patches near each feature and repairs it. Then batches
    of the features are clipped by the pool's threads (GEOS runs without Python's lock) and their
    pieces added in the order of the features, as if clipped here. (Clipping while reading was
    slower: this thread's Python work and the clippers' then keep waiting for the lock.)"""
    to_working = QgsCoordinateTransform(layer.crs(), working_crs, QgsCoordinateTransformContext())
    extent = to_working.transformBoundingBox(patch_set.extent(), QgsCoordinateTransform.ReverseTransform)
    request = QgsFeatureRequest().setFilterRect(extent)
    if accept:
        request.setFilterExpression(accept)
    request.setSubsetOfAttributes([a for a in attributes if a], layer.fields())
    reproject = layer.crs() != working_crs
    total = max(layer.featureCount(), 1)
    fields = layer.fields()
    label_of = _labeller([fields.indexOf(a) if a else -1 for a in attributes] if labelled else [], layer.name())
    patch_index = patch_set.index
    batch = []
    for count, feature in enumerate(layer.getFeatures(request)):
        if count % 2000 == 0:
            if feedback is not None and feedback.isCanceled():
                break
            progress(count / total)
        geometry = feature.geometry()
        if geometry.isEmpty():
            continue
        if reproject:
            geometry.transform(to_working)
        hits = patch_index.intersects(geometry.boundingBox())
        if not hits:
            continue
        if not geometry.isGeosValid():
            before = geometry.area()
            geometry = _polygonal(geometry.makeValid())
            repairs.append(RedLineRepair(layer.name(), feature.id(), before, geometry.area() if geometry else 0.0))
            if geometry is None:
                continue
        batch.append((geometry, label_of(feature), hits))
    clipping = [pool.submit(_clip, batch[start:start + _BATCH], patch_set, feedback)
                for start in range(0, len(batch), _BATCH)]
    for task in clipping:
        for hit, piece, label in task.result():
            pieces.add(hit, piece, label)


def _clip(batch, patch_set, feedback):
    """[(patch number, piece, label)] of a batch of (geometry, label, patch numbers near it)."""
    if feedback is not None and feedback.isCanceled():
        return []
    patch_engines, patch_geometries = patch_set.engines(), patch_set.geometries
    clipped = []
    for geometry, label, hits in batch:
        shape = geometry.constGet()
        engine = None
        for hit in hits:
            patch_engine = patch_engines[hit]
            if patch_engine is None:
                patch_engine = patch_engines[hit] = QgsGeometry.createGeometryEngine(patch_geometries[hit].constGet())
                patch_engine.prepareGeometry()
            if not patch_engine.intersects(shape):
                continue
            if patch_engine.contains(shape):
                piece = QgsGeometry(geometry)
            else:
                if engine is None:
                    engine = QgsGeometry.createGeometryEngine(shape)
                    engine.prepareGeometry()
                if engine.contains(patch_geometries[hit].constGet()):
                    # The patch itself (never modified): _patch_result then reuses its area.
                    piece = patch_geometries[hit]
                else:
                    # The same GEOS operation as patch.intersection(geometry), on the patch's
                    # engine, which already holds the patch converted to GEOS.
                    piece = _polygonal(QgsGeometry(patch_engine.intersection(shape)))
            if piece is not None:
                clipped.append((hit, piece, label))
    return clipped


def _labeller(indexes, layer_name):
    """feature -> its identifying values, the attributes at `indexes` (-1: none) as text, "" for
    NULL; an approval's kind defaults to its layer's name. None when there is nothing to label."""
    if not indexes:
        return lambda feature: None

    def label(feature):
        attributes = feature.attributes()
        # Text (nearly every value) is kept as it is, without the slower NULL comparison.
        values = tuple(value if value.__class__ is str else ("" if value is None or value == NULL else str(value))
                       for value in (attributes[i] if i >= 0 else None for i in indexes))
        if len(values) == 2 and not values[1]:
            values = (values[0], layer_name)
        return values
    return label


@dataclass
class OverlayInputs:
    """The red-line layers (QgsVectorLayer, any CRS; only townships required) and the settings."""

    townships: object
    cultivated: object = None
    permanent_farmland: object = None
    eco_redline: object = None
    approvals: list = field(default_factory=list)
    area_mode: AreaMode = AreaMode.ELLIPSOIDAL
    cultivated_codes: tuple = schema.CULTIVATED_DLBM
    approved_share: float = DEFAULT_APPROVED_SHARE


def layers_fingerprint(inputs):
    """Changes whenever a layer's source, subset, size or extent, or a setting, changes."""
    parts = [inputs.area_mode.value, ",".join(inputs.cultivated_codes), repr(inputs.approved_share)]
    for layer in [inputs.townships, inputs.cultivated, inputs.permanent_farmland, inputs.eco_redline, *inputs.approvals]:
        if layer is None:
            parts.append("-")
        else:
            parts.append(f"{layer.source()}|{layer.subsetString()}|{layer.featureCount()}|"
                         f"{layer.extent().toString(6)}|{layer.crs().authid()}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def patch_fingerprint(wkb, layers_print):
    return hashlib.sha256(wkb + layers_print.encode("ascii")).hexdigest()


def compute_overlay(patches, working_crs, inputs, feedback=None):
    """patches: iterable of (jcbh, QgsGeometry in working_crs). Returns ([PatchOverlay], [RedLineRepair])."""
    if inputs.townships is None:
        raise LandEnforcementError("请选择乡镇界图层", "Choose the townships layer")
    code_field = find_field(inputs.townships, TOWNSHIP_CODE_FIELDS)
    name_field = find_field(inputs.townships, TOWNSHIP_NAME_FIELDS)
    if code_field is None:
        raise LandEnforcementError(f"乡镇界图层“{inputs.townships.name()}”缺少行政区代码字段（XZQDM）",
                                   f"The townships layer '{inputs.townships.name()}' has no XZQDM field")
    patch_set = _PatchSet(list(patches), feedback)
    if not len(patch_set):
        return [], []
    repairs = []

    # GEOS and PROJ release Python's lock: clipping and assembly run on a few threads meanwhile.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        steps = [("townships", inputs.townships), ("cultivated", inputs.cultivated),
                 ("pbf", inputs.permanent_farmland), ("eco", inputs.eco_redline)] + [
            (f"approval{i}", layer) for i, layer in enumerate(inputs.approvals)]
        steps = [(key, layer) for key, layer in steps if layer is not None]
        collected = {}
        for step, (key, layer) in enumerate(steps):
            pieces = _Pieces()
            attributes, accept = (), None
            if key == "townships":
                attributes = (code_field, name_field)
            elif key == "cultivated":
                dlbm = find_field(layer, DLBM_FIELDS)
                if dlbm is not None:  # a full land-use layer: only cultivated codes count
                    attributes = (dlbm,)
                    accept = (f"{QgsExpression.quotedColumnRef(dlbm)} IN "
                              f"({', '.join(QgsExpression.quotedString(code) for code in inputs.cultivated_codes)})")
            elif key.startswith("approval"):
                attributes = (find_field(layer, APPROVAL_NUMBER_FIELDS), find_field(layer, APPROVAL_KIND_FIELDS))

            def progress(fraction, step=step):
                if feedback is not None:
                    feedback.setProgress(100.0 * (step + fraction) / (len(steps) + 1))

            # Only the townships' and approvals' labels are used; the DLBM code is only filtered on.
            _read_layer(layer, patch_set, working_crs, pieces, repairs, feedback, progress, pool, attributes, accept,
                        labelled=key == "townships" or key.startswith("approval"))
            if feedback is not None and feedback.isCanceled():
                return [], repairs
            collected[key] = pieces

        def progress(fraction):
            if feedback is not None:
                feedback.setProgress(100.0 * (len(steps) + fraction) / (len(steps) + 1))

        results = _patch_results(patch_set, collected, working_crs, inputs, feedback, progress, pool)
        return (results, repairs) if results is not None else ([], repairs)


_CHUNK = 500  # patches per task of the assembly


def _patch_results(patch_set, collected, working_crs, settings, feedback, progress, pool):
    """Every patch's PatchOverlay, in order; None when cancelled.

    The assembly is mostly GEOS and PROJ work (unions, differences, ellipsoidal areas), which runs
    without Python's lock: chunks of patches are assembled by a few threads. Each thread has its
    own AreaCalculator; the patches and pieces are only read. The results are the same, in the
    same order, as one thread's."""
    count = len(patch_set)
    local = threading.local()

    def assemble(start):
        if feedback is not None and feedback.isCanceled():
            return None
        if not hasattr(local, "calculator"):
            local.calculator = AreaCalculator(working_crs, settings.area_mode)
        return [_patch_result(index, patch_set, collected, local.calculator, settings)
                for index in range(start, min(start + _CHUNK, count))]

    results = []
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
    # The townships' pieces are measured per township below, never as one union.
    union = {key: pieces.union(index) for key, pieces in collected.items() if key != "townships"}
    approvals = [union[key] for key in collected if key.startswith("approval") and union[key] is not None]
    approved = approvals[0] if len(approvals) == 1 else (QgsGeometry.unaryUnion(approvals) if approvals else None)
    layers = {"cultivated_m2": union.get("cultivated"), "pbf_m2": union.get("pbf"), "eco_m2": union.get("eco"),
              "approved_m2": approved}
    cultivated, pbf = layers["cultivated_m2"], layers["pbf_m2"]
    if cultivated is not None and pbf is not None:
        layers["general_cultivated_m2"] = _polygonal(cultivated.difference(pbf))
    else:
        layers["general_cultivated_m2"] = cultivated

    patch_area = calculator.area(patch)
    # A layer that covers the whole patch has the patch itself as its piece: the same area.
    whole = {name: patch_area if geometry is patch else calculator.area(geometry) for name, geometry in layers.items()}
    whole["area_m2"] = patch_area
    by_code = defaultdict(list)
    for geometry, label in collected["townships"].by_patch.get(index, []):
        by_code[label or ("", "")].append(geometry)

    def part_areas(label):
        geometries = by_code[label]
        part_geometry = geometries[0] if len(geometries) == 1 else _polygonal(QgsGeometry.unaryUnion(geometries))
        row = {"area_m2": calculator.area(part_geometry)}
        for key, geometry in layers.items():
            row[key] = calculator.area(_polygonal(geometry.intersection(part_geometry))) if geometry else 0.0
        return row

    approval_labels = sorted({label for key in collected if key.startswith("approval")
                              for label in collected[key].labels(index)})
    return patch_overlay(patch_set.jcbh[index], whole, sorted(by_code), part_areas, approval_labels, settings)


def patch_overlay(jcbh, whole, township_labels, part_areas, approval_labels, settings):
    """One patch's PatchOverlay from its measured areas, whichever engine measured them.

    whole: {"area_m2" and the layer area names: m²} of the whole patch; township_labels: the sorted
    (xzqdm, xzqmc) of the townships it touches; part_areas(label) -> the same areas of its part in
    that township (asked only when there are two or more); approval_labels: the sorted (number,
    kind) of the approvals over it."""
    townships = township_rows(whole, township_labels, part_areas)
    areas = {f.name: sum(part[f.name] for part in townships) for f in schema.OVERLAY_AREA_FIELDS}
    result = PatchOverlay(jcbh, areas, townships)
    _prejudge(result, approval_labels, settings)
    return result


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


def _prejudge(result, approval_labels, settings):
    """A suggestion, stored beside (never over) the human verdict, with its reasons."""
    area = result.areas["area_m2"]
    approved_share = result.areas["approved_m2"] / area if area else 0.0
    if approved_share >= settings.approved_share and approved_share > 0:
        numbers = [number for number, _ in approval_labels if number]
        cited = "；".join(f"{kind} {number}".strip() for number, kind in approval_labels)
        result.suggested_verdict = schema.Verdict.LAWFUL.value
        result.suggested_approval_no = "；".join(numbers) or None
        result.reasons.append((f"已批准面积占 {approved_share:.1%}（{cited or '无文号'}）",
                               f"{approved_share:.1%} of the patch is approved ({cited or 'no number'})"))
    if result.areas["pbf_m2"] > 0:
        result.high_priority = True
        result.reasons.append((f"占用永久基本农田 {result.areas['pbf_m2']:.2f} m²",
                               f"Touches permanent basic farmland: {result.areas['pbf_m2']:.2f} m²"))
    if result.areas["eco_m2"] > 0:
        result.high_priority = True
        result.reasons.append((f"占用生态保护红线 {result.areas['eco_m2']:.2f} m²",
                               f"Touches the ecological red line: {result.areas['eco_m2']:.2f} m²"))


def reasons_json(reasons):
    return json.dumps([{"zh": zh, "en": en} for zh, en in reasons], ensure_ascii=False)
