"""The shapes the overlay measures: the polygonal part of a GEOS result without collapsed polygons,
unions of a patch's pieces, and what a red-line layer covers of a patch (Cover)."""
from qgis.core import (
    QgsCurvePolygon,
    QgsGeometry,
    QgsGeometryCollection,
    QgsMultiPolygon,
    QgsMultiSurface,
    QgsWkbTypes,
)

_UNKNOWN = object()  # a Cover's part or uncovered part not made yet


def polygonal(geometry):
    """Only the areal part of a clip or union result (touching shapes leave lines and points),
    without collapsed polygons. Told by the class of its shape (one call into QGIS, where asking its
    type, emptiness and parts would be three: the overlay makes this call tens of thousands of times)."""
    shape = None if geometry is None else geometry.constGet()
    if type(shape) is QgsGeometryCollection:  # mixed: its polygons (an empty QgsMultiPolygon when none)
        geometry.convertGeometryCollectionToSubclass(QgsWkbTypes.PolygonGeometry)
        shape = geometry.constGet()
    if isinstance(shape, QgsCurvePolygon):  # an empty one has no inside either
        return geometry if shape.area() > COLLAPSED * shape.perimeter() ** 2 else None
    if isinstance(shape, QgsMultiSurface):
        return _without_collapsed(geometry)
    return None


COLLAPSED = 1e-9  # a polygon whose area is under this times its perimeter squared has no inside


def _without_collapsed(geometry):
    """The polygons of a multi-polygon `geometry` that have an inside. GEOS 3.11 overlays can leave
    collapsed polygons (three points on a line, area 0) in their results, and a later intersection
    with such a result may return the other operand whole: in one real case a township's 211 m² part
    of a patch came out as general cultivated land although farmland covered all of it."""
    parts = list(geometry.constParts())
    solid = [part for part in parts if part.area() > COLLAPSED * part.perimeter() ** 2]
    if len(solid) == len(parts):
        return geometry if solid else None
    if not solid:
        return None
    kept = QgsMultiPolygon()
    for part in solid:
        kept.addGeometry(part.clone())
    return QgsGeometry(kept)


def prepared(geometry):
    """A GEOS engine of `geometry`, prepared for repeated predicates."""
    engine = QgsGeometry.createGeometryEngine(geometry.constGet())
    engine.prepareGeometry()
    return engine


def union_of(shapes, whole=None):
    """The polygonal union of a non-empty list of shapes (one is kept as it is); `whole` (a patch)
    when it is one of them, the shapes being pieces of that patch."""
    if whole is not None and any(shape is whole for shape in shapes):
        return whole
    return shapes[0] if len(shapes) == 1 else polygonal(QgsGeometry.unaryUnion(shapes))


class Cover:
    """What a layer covers of one patch, from its uncovered part (matching.LayerHits.uncovered: None when it
    covers all, the patch when nothing) or from the covered part itself (`part`, None when nothing).
    Its area is measured on whichever is known; its geometry made only when asked (a patch split by
    townships)."""

    def __init__(self, patch, uncovered=_UNKNOWN, part=_UNKNOWN):
        if part is not _UNKNOWN:
            uncovered = patch if part is None else (None if part is patch else _UNKNOWN)
        self.patch, self.uncovered, self._part = patch, uncovered, part

    @property
    def whole(self):
        return self.uncovered is None

    @property
    def none(self):
        return self.uncovered is self.patch

    def area(self, calculator, patch_area):
        if self.none:
            return 0.0
        if self.whole:
            return patch_area
        if self.uncovered is _UNKNOWN:
            return calculator.area(self._part)
        return max(patch_area - calculator.area(self.uncovered), 0.0)

    def geometry(self):
        """The covered part itself: None when nothing is covered, the patch when all of it is."""
        if self.none:
            return None
        if self.whole:
            return self.patch
        if self._part is _UNKNOWN:
            self._part = polygonal(self.patch.difference(self.uncovered))
        return self._part
