"""A delivered patch polygon made fit for the task: curves segmentized, Z/M dropped, multipart,
in the working CRS, repaired when invalid (with its area before and after), or refused saying why."""
from dataclasses import dataclass, field

from qgis.core import QgsGeometry, QgsWkbTypes


@dataclass
class PreparedGeometry:
    """A delivered polygon made ready for the task, or why it was refused (rejection)."""

    working: QgsGeometry = None
    source_wkb: bytes = None
    repaired: bool = False
    area_before: float = None
    area_after: float = None
    notes: list = field(default_factory=list)
    rejection: tuple = None  # (code, zh, en)


def prepare_geometry(ogr_geometry, transform):
    result = PreparedGeometry()
    if ogr_geometry is None or ogr_geometry.IsEmpty():
        result.rejection = ("empty_geometry", "几何为空", "Empty or missing geometry")
        return result
    geometry = QgsGeometry()
    geometry.fromWkb(ogr_geometry.ExportToIsoWkb())
    if QgsWkbTypes.geometryType(geometry.wkbType()) != QgsWkbTypes.PolygonGeometry:
        result.rejection = ("not_polygon", f"几何类型不是面：{QgsWkbTypes.displayString(geometry.wkbType())}",
                            f"Not a polygon: {QgsWkbTypes.displayString(geometry.wkbType())}")
        return result
    if QgsWkbTypes.isCurvedType(geometry.wkbType()):
        geometry = QgsGeometry(geometry.constGet().segmentize())
        result.notes.append(("curves_segmentized", "曲线已离散化为折线", "Curves segmentized"))
    if geometry.constGet().is3D() or geometry.constGet().isMeasure():
        geometry.get().dropZValue()
        geometry.get().dropMValue()
        result.notes.append(("zm_dropped", "已去除 Z/M 值", "Z/M values dropped"))
    geometry.convertToMultiType()
    result.source_wkb = bytes(geometry.asWkb())
    if geometry.transform(transform) != 0:
        result.rejection = ("transform_failed", "坐标转换失败", "Coordinate transformation failed")
        return result
    if not geometry.isGeosValid():
        result.area_before = geometry.area()
        geometry = geometry.makeValid()
        geometry.convertGeometryCollectionToSubclass(QgsWkbTypes.PolygonGeometry)
        geometry.convertToMultiType()
        result.repaired = True
        result.area_after = geometry.area()
    if geometry.isEmpty() or geometry.area() <= 0:
        result.rejection = ("zero_area", "几何面积为零（修复后为空或退化）",
                            "Geometry has zero area (empty or degenerate after repair)")
        return result
    result.working = geometry
    return result
