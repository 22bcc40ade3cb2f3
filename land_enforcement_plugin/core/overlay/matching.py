"""The red-line layers read for the overlay and matched to the patches (then engine_local assembles).

Red-line layers are read once, over the patches' extent, by QGIS itself into spatial indexes
(several layers at once: no Python runs per feature while reading). A feature is moved into the
working CRS (by QGIS while reading, or a mere shift between the two false eastings of one
Gauss-Krüger zone when first matched) and repaired when a patch's box meets its box.

Matching and assembling make tens of thousands of short calls into QGIS, each letting go of
Python's lock: they keep to one thread where they can (several threads would mostly wait for each
other), and ask QGIS once for what they use again (a patch's shape, its area).
"""
import threading
from dataclasses import dataclass

from qgis.core import (
    NULL,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsFeatureRequest,
    QgsGeometry,
    QgsRectangle,
    QgsSpatialIndex,
    QgsVectorLayerFeatureSource,
)

from .shapes import polygonal, prepared


@dataclass
class RedLineRepair:
    layer: str
    feature_id: int
    area_before: float
    area_after: float


def _moved(box, dx, dy):
    """A QgsRectangle moved by (dx, dy)."""
    return QgsRectangle(box.xMinimum() + dx, box.yMinimum() + dy, box.xMaximum() + dx, box.yMaximum() + dy)


class PatchSet:
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
            self._shifted[shift] = [_moved(box, -dx, -dy) for box in self.boxes]
        return self._shifted[shift]

    def extent(self, shift=(0.0, 0.0)):
        """The patches' extent, moved by -shift."""
        if self._extent is None:
            self._extent = QgsRectangle(self.boxes[0])
            for box in self.boxes[1:]:
                self._extent.combineExtentWith(box)
        return _moved(self._extent, -shift[0], -shift[1])

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


class LayerHits:
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
            near = patches.intersects(_moved(box, dx, dy))
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

    def _covers(self, index, fid, geometry, box):
        """Whether a large feature covers patch `index`: asked of the feature's own prepared engine (a
        quick test, where the patch's engine would relate the two whole) only when its box holds the
        patch's box."""
        return box.contains(self.patch_set.boxes[index]) and self._engine(fid, geometry).contains(
            self.patch_set.shapes[index])

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
        if box is not None and self._covers(index, fid, geometry, box):
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
                if box is not None and self._covers(index, fid, feature, box):
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


def load_layer(hits, source, request, label_request, label_of, feedback):
    """Reads one layer into `hits` (on a worker thread): its shapes into the spatial index, in bulk,
    then the labels of a labelled layer (without shapes)."""
    request = QgsFeatureRequest(request).setInvalidGeometryCheck(QgsFeatureRequest.GeometrySkipInvalid)
    request.setInvalidGeometryCallback(hits.keep_invalid)
    hits.index = QgsSpatialIndex(source.getFeatures(request), feedback, QgsSpatialIndex.FlagStoreFeatureGeometries)
    if label_request is not None:
        hits.labels = {feature.id(): label_of(feature) for feature in source.getFeatures(label_request)}
    return hits


def layer_reading(layer, patch_set, working_crs, attributes=(), accept=None, labelled=True):
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
    return (LayerHits(patch_set, layer.name(), shift, to_working), QgsVectorLayerFeatureSource(layer), request,
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
