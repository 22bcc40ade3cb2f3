"""Office comparison (内业比对): red lines over the patches, areas, township split (then prejudge.py).

Each area is that of the patch's intersection with the *union* of a layer's polygons: overlapping
source polygons never count twice. Red-line layers are read once, over the patches' extent, by QGIS
itself into spatial indexes (several layers at once: no Python runs per feature while reading); a
feature is moved into the working CRS (by QGIS while reading, or a mere shift between the two false
eastings of one Gauss-Krüger zone when first asked for) and repaired when a patch's box meets its box.

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

from qgis.core import (
    NULL,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsExpression,
    QgsFeatureRequest,
    QgsGeometry,
    QgsRectangle,
    QgsSpatialIndex,
    QgsVectorLayerFeatureSource,
)

from .. import schema
from ..ellipsoid import AreaCalculator, AreaMode
from ..errors import LandEnforcementError
from ..messages import NO_TOWNSHIPS_LAYER
from ..vector_input import layer_signature
from .prejudge import DEFAULT_APPROVED_SHARE, prejudge
from .shapes import Cover, polygonal, prepared, union_of

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
    village_name: str = None  # the village holding the largest part (None without a village layer)
    high_priority: bool = False
    reasons: list = field(default_factory=list)  # (zh, en)


class _PatchSet:
    """The patches in the working CRS with their boxes and, per thread, prepared engines."""

    def __init__(self, patches):
        self.jcbh = [jcbh for jcbh, _ in patches]
        self.geometries = [geometry for _, geometry in patches]
        self.shapes = [geometry.constGet() for geometry in self.geometries]  # asked for once, not per test
        self.planar_areas = [shape.area() for shape in self.shapes]
        self.boxes = [geometry.boundingBox() for geometry in self.geometries]
        self._shifted = {(0.0, 0.0): self.boxes}
        self._extent = self._index = None
        self._local = threading.local()

    def engine(self, index):
        """This thread's prepared GEOS engine of patch `index`, kept while the thread works on that
        patch (a prepared geometry builds its indexes lazily, so it is never shared between threads)."""
        if getattr(self._local, "index", None) != index:
            self._local.index, self._local.engine = index, prepared(self.geometries[index])
        return self._local.engine

    def whole_or_part(self, index, piece):
        """The patch itself when `piece` (a part of patch `index`) leaves out less than a
        billionth of it, as when a red line covers the patch: its area is then the patch's, exactly."""
        if piece is not None and piece.area() >= self.planar_areas[index] * (1 - 1e-9):
            return self.geometries[index]
        return piece

    def __len__(self):
        return len(self.jcbh)

    def shifted_boxes(self, shift):
        """The patches' boxes moved by -shift (into a layer's CRS that is the working CRS but for its
        false origin), made once for all the layers in that CRS."""
        if shift not in self._shifted:
            dx, dy = shift
            self._shifted[shift] = [QgsRectangle(b.xMinimum() - dx, b.yMinimum() - dy, b.xMaximum() - dx,
                                                 b.yMaximum() - dy) for b in self.boxes]
        return self._shifted[shift]

    def extent(self, shift=(0.0, 0.0)):
        """The patches' extent, moved by -shift."""
        if self._extent is None:
            self._extent = QgsRectangle(self.boxes[0])
            for box in self.boxes[1:]:
                self._extent.combineExtentWith(box)
        box, (dx, dy) = self._extent, shift
        return QgsRectangle(box.xMinimum() - dx, box.yMinimum() - dy, box.xMaximum() - dx, box.yMaximum() - dy)

    def index(self):
        """A spatial index of the patches' boxes (made when first asked for)."""
        if self._index is None:
            self._index = QgsSpatialIndex()
            for number, box in enumerate(self.boxes):
                self._index.addFeature(number, box)
        return self._index


_LARGE = 64  # vertices above which a red-line polygon cuts a patch on its own, never unioned whole
_OWN_ENGINE = 1024  # vertices above which a polygon is tested by its own engine, converted to GEOS once a chunk
_UNSEEN = object()  # a feature not met yet


class _LayerHits:
    """The features of one red-line layer in the patches' extent, and for each patch those whose
    boxes meet its box (its candidates), in feature id order. QGIS reads the layer into a spatial
    index that keeps the shapes (in C++, without Python's lock: layers load side by side), checking
    each with GEOS on the way and handing back the invalid ones, which are repaired here. Matching
    then moves each candidate into the working CRS (when that is a translation); a repair is
    reported when the feature's box meets a patch's, as in the database engine. Clipping is left to
    the assembly, patch by patch."""

    def __init__(self, patch_set, name, shift, to_working):
        self.patch_set, self.name, self.shift, self.to_working = patch_set, name, shift, to_working
        self.index = QgsSpatialIndex()
        self.labels = {}  # feature id -> label (labelled layers)
        self.invalid = {}  # feature id -> its shape as read (in the layer's CRS), GEOS finding it invalid
        self.repairs = {}  # feature id -> RedLineRepair
        self.by_patch = {}  # patch index -> [(feature id, geometry, its constGet(), vertices, box of a large one)]
        self._repaired = {}  # feature id -> (area before, repaired geometry or None, box as read)
        self._local = threading.local()
        # Kept here: QGIS holds the callback without a reference of its own.
        self.keep_invalid = lambda feature: self.invalid.__setitem__(feature.id(), feature.geometry())

    def _repair_invalid(self):
        """Repairs the features QGIS left out as invalid (polygonal part of GEOS's makeValid) and
        puts them back into the index, by the box of the shape as read."""
        for fid, geometry in self.invalid.items():
            if self.to_working is not None:
                geometry.transform(self.to_working)
            box = geometry.boundingBox()
            self._repaired[fid] = (geometry.area(), polygonal(geometry.makeValid()), box)
            self.index.addFeature(fid, box)

    def match(self):
        """Finds each patch's candidates, the features whose boxes meet its box (in feature id order),
        each feature moved into the working CRS once: each patch's box asked of the layer's index, or
        each feature's of the patches' when the layer has fewer features than there are patches."""
        self._repair_invalid()
        shift = self.shift or (0.0, 0.0)
        fids = self.index.intersects(self.patch_set.extent(shift))
        if len(fids) < len(self.patch_set):
            self._match_by_feature(sorted(fids), shift)
        else:
            self._match_by_patch(shift)
        self.index = None  # the shapes no patch meets are let go

    def _match_by_patch(self, shift):
        features = {}
        for index, box in enumerate(self.patch_set.shifted_boxes(shift)):
            found = []
            for fid in sorted(self.index.intersects(box)):
                feature = features.get(fid, _UNSEEN)
                if feature is _UNSEEN:
                    feature = features[fid] = self._prepared_feature(fid)
                if feature is not None:
                    found.append((fid, *feature))
            if found:
                self.by_patch[index] = found

    def _match_by_feature(self, fids, shift):
        patches, (dx, dy) = self.patch_set.index(), shift
        for fid in fids:
            repaired = self._repaired.get(fid)
            box = repaired[2] if repaired is not None else self.index.geometry(fid).boundingBox()
            near = patches.intersects(QgsRectangle(box.xMinimum() + dx, box.yMinimum() + dy, box.xMaximum() + dx,
                                                   box.yMaximum() + dy))
            feature = self._prepared_feature(fid) if near else None
            if feature is not None:
                for index in near:
                    self.by_patch.setdefault(index, []).append((fid, *feature))

    def candidates(self, index):
        """[(feature id, geometry, its constGet(), vertices, box of a large one)]: the features whose
        boxes meet patch `index`'s."""
        return self.by_patch.get(index, ())

    def _prepared_feature(self, fid):
        repaired = self._repaired.get(fid)
        if repaired is None:
            geometry = self.index.geometry(fid)
        else:
            before, geometry, _ = repaired
            self.repairs[fid] = RedLineRepair(self.name, fid, before, geometry.area() if geometry else 0.0)
            if geometry is None:
                return None
        if self.shift is not None and self.shift != (0.0, 0.0):
            geometry.translate(*self.shift)
        shape = geometry.constGet()
        vertices = shape.nCoordinates()
        return geometry, shape, vertices, shape.boundingBox() if vertices > _LARGE else None

    def forget_engines(self):
        """Drops this thread's engines of large features: kept for one chunk of patches, so that
        memory stays bounded however many large features the layer has."""
        self._local.engines = {}

    def _engine(self, fid, geometry):
        """This thread's prepared engine of a large feature: converted to GEOS once a chunk, not
        once a patch."""
        engines = getattr(self._local, "engines", None)
        if engines is None:
            engines = self._local.engines = {}
        engine = engines.get(fid)
        if engine is None:
            engine = engines[fid] = prepared(geometry)
        return engine

    def clip(self, index, fid, geometry, shape, vertices, box):
        """A feature clipped to patch `index`: the patch itself when the feature covers it, None
        when they only touch."""
        patch_set = self.patch_set
        patch, patch_shape = patch_set.geometries[index], patch_set.shapes[index]
        if vertices > _OWN_ENGINE:  # its engine, converted once; the patch converted each time
            engine = self._engine(fid, geometry)
            if not engine.intersects(patch_shape):
                return None
            if engine.contains(patch_shape):
                return patch
            return patch_set.whole_or_part(index, polygonal(QgsGeometry(engine.intersection(patch_shape))))
        engine = patch_set.engine(index)
        if not engine.intersects(shape):
            return None
        if box is not None and box.contains(patch_set.boxes[index]) and engine.within(shape):
            return patch
        if engine.contains(shape):
            return geometry
        return patch_set.whole_or_part(index, polygonal(QgsGeometry(engine.intersection(shape))))

    def pieces(self, index):
        """[(piece, label)]: each feature over patch `index` clipped to it."""
        clipped = ((self.clip(index, *feature), self.labels.get(feature[0])) for feature in self.candidates(index))
        return [(piece, label) for piece, label in clipped if piece is not None]

    def uncovered(self, index):
        """The part of patch `index` outside the union of the layer's features: the patch itself when
        none is over it, None when they cover it (all but less than a billionth of it). The patch is
        cut by the union of the small features that meet it (a patch lies on ~5 land-use parcels: one
        union and one cut instead of five cuts), then by each large feature that meets it in turn
        (first asked whether it covers the patch), so that no large feature is ever unioned."""
        patch_set = self.patch_set
        patch, patch_shape, patch_engine = patch_set.geometries[index], patch_set.shapes[index], None
        rest = patch
        cutters, small = [], []
        for fid, feature, shape, vertices, box in self.candidates(index):
            if vertices > _OWN_ENGINE:
                engine = self._engine(fid, feature)
                if not engine.intersects(patch_shape):
                    continue
                if engine.contains(patch_shape):
                    return None
            else:
                patch_engine = patch_engine or patch_set.engine(index)
                if not patch_engine.intersects(shape):
                    continue
                if box is not None and box.contains(patch_set.boxes[index]) and patch_engine.within(shape):
                    return None
            (cutters if vertices > _LARGE else small).append(feature)
        if len(small) > 1:
            union = QgsGeometry.unaryUnion(small)
            small = small if union.isEmpty() else [union]  # GEOS failed (empty): each cuts in turn
        patch_area = rest_area = patch_set.planar_areas[index]
        for feature in small + cutters:
            cut = polygonal(rest.difference(feature))
            if cut is None:
                return None
            cut_area = cut.area()
            if _takes_something(rest, rest_area, cut_area, feature):
                rest, rest_area = cut, cut_area
        if rest is not patch and rest_area <= patch_area * 1e-9:
            return None
        return rest


def _takes_something(rest, rest_area, cut_area, feature):
    """Whether `feature` took anything of `rest` (leaving `cut_area` of its `rest_area`): a polygon
    that only touches the patch leaves the patch as it was, so that its layer's area stays exactly 0.
    Areas decide when they differ well beyond their rounding; else whether the two insides meet."""
    if rest_area - cut_area > rest_area * 1e-6:
        return True
    return QgsGeometry.createGeometryEngine(rest.constGet()).relatePattern(feature.constGet(), "T********")


def _load_layer(hits, source, request, label_request, label_of, feedback):
    """Reads one layer into `hits` (on a worker thread): its shapes into the spatial index, in bulk,
    then the labels of a labelled layer (without shapes)."""
    request = QgsFeatureRequest(request).setInvalidGeometryCheck(QgsFeatureRequest.GeometrySkipInvalid)
    request.setInvalidGeometryCallback(hits.keep_invalid)
    hits.index = QgsSpatialIndex(source.getFeatures(request), feedback, QgsSpatialIndex.FlagStoreFeatureGeometries)
    if label_request is not None:
        hits.labels = {feature.id(): label_of(feature) for feature in source.getFeatures(label_request)}
    return hits


def _layer_reading(layer, patch_set, working_crs, attributes=(), accept=None, labelled=True):
    """(hits, source, request, label request, labeller) to read `layer` over the patches' extent:
    reprojected by QGIS while reading, unless the two CRSs differ only by a false origin (then each
    feature is translated when first asked for). accept: a filter expression, evaluated by the data
    provider where it can (DLBM codes in SQL); labelled: whether the features carry their label (the
    values of `attributes`)."""
    shift = false_origin_shift(layer.crs(), working_crs) if layer.crs() != working_crs else (0.0, 0.0)
    to_working = None if shift is not None else QgsCoordinateTransform(layer.crs(), working_crs,
                                                                        QgsCoordinateTransformContext())
    fields, wanted = layer.fields(), [a for a in attributes if a]
    request = QgsFeatureRequest().setSubsetOfAttributes(wanted, fields)  # the filter's DLBM, or none
    if shift is None:
        request.setDestinationCrs(working_crs, QgsCoordinateTransformContext())
    request.setFilterRect(patch_set.extent(shift or (0.0, 0.0)))
    if accept:
        request.setFilterExpression(accept)
    label_request, label_of = None, None
    if labelled and wanted:  # every feature's label (a few thousand at most: townships, approvals, villages)
        label_of = _labeller([fields.indexOf(a) if a else -1 for a in attributes], layer.name())
        label_request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry).setSubsetOfAttributes(wanted, fields)
    return (_LayerHits(patch_set, layer.name(), shift, to_working), QgsVectorLayerFeatureSource(layer), request,
            label_request, label_of)


def false_origin_shift(source_crs, working_crs):
    """(dx, dy) when the two CRSs are the same projection but for their false easting/northing, as a
    Gauss-Krüger zone with and without its zone number (EPSG:4527 and EPSG:4548): a translation,
    exact and far cheaper than an inverse and a forward projection. None otherwise."""
    if not source_crs.isValid() or source_crs.isGeographic() or working_crs.isGeographic():
        return None

    def split(crs):
        origin, rest = {"+x_0": 0.0, "+y_0": 0.0}, set()
        for token in crs.toProj().split():
            key, _, value = token.partition("=")
            if key in origin:
                origin[key] = float(value)
            else:
                rest.add(token)
        return origin, rest

    (source_origin, source_rest), (working_origin, working_rest) = split(source_crs), split(working_crs)
    if not source_rest or source_rest != working_rest:
        return None
    return (working_origin["+x_0"] - source_origin["+x_0"], working_origin["+y_0"] - source_origin["+y_0"])


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


def compute_overlay(patches, working_crs, inputs, feedback=None):
    """patches: iterable of (jcbh, QgsGeometry in working_crs). Returns ([PatchOverlay], [RedLineRepair])."""
    check_inputs(inputs)
    patch_set = _PatchSet(list(patches))
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
        readings[key] = _layer_reading(layer, patch_set, working_crs, attributes, accept,
                                       labelled=key != "cultivated")
    collected = {}
    with ThreadPoolExecutor(max_workers=_threads()) as pool:
        loads = {pool.submit(_load_layer, *reading, feedback): key for key, reading in readings.items()}
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
