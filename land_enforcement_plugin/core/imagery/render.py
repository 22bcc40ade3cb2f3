"""Imagery drawn around a patch: render_chip() draws an image framed on a patch, with its outline,
the red lines, a caption and a scale bar (no widgets, any thread); export_chips() writes a patch's
before and after chips as PNG files."""
import math
import os

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFillSymbol,
    QgsGeometry,
    QgsMapRendererCustomPainterJob,
    QgsMapSettings,
    QgsRectangle,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QPointF, QRectF, QSize, Qt
from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter, QPen

from ..errors import LandEnforcementError
from ..files import safe_name
from ..overlay.layer_uris import cultivated_uri
from .matching import bbox_of, match, patch_facts
from .registry import ROLE_ZH, date_text, entries
from .sources import raster_layer

MARGIN = 0.6  # a chip or view frames the patch grown by 60% (as the evidence sheet's map does)
MIN_FRAME_M = 120.0  # ... and never narrower than this: a 20 m patch still shows its surroundings
CHIP_SIZE = 600
FONT_FAMILY = "Noto Sans CJK SC"
OUTLINE_COLOUR = "255,0,0"
REDLINE_OUTLINES = {  # the red lines over imagery: outlines only, so the ground stays visible
    "cultivated": {"style": "no", "outline_color": "240,220,90", "outline_width": "0.2"},
    "permanent_farmland": {"style": "no", "outline_color": "80,230,60", "outline_width": "0.5"},
    "eco_redline": {"style": "no", "outline_color": "230,0,150", "outline_width": "0.6", "outline_style": "dash"},
    "townships": {"style": "no", "outline_color": "255,255,255", "outline_width": "0.6", "outline_style": "dash dot"},
    "approvals": {"style": "no", "outline_color": "0,170,255", "outline_width": "0.5"},
}


def outline_layer(geometry, crs, colour=OUTLINE_COLOUR, width="0.7"):
    """A memory layer holding one outline (the patch), for chips."""
    layer = QgsVectorLayer(f"MultiPolygon?crs={crs.authid() or crs.toWkt()}", "patch", "memory")
    feature = QgsFeature()
    feature.setGeometry(geometry)
    layer.dataProvider().addFeatures([feature])
    layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
        {"style": "no", "outline_color": colour, "outline_width": width})))
    return layer


def redline_layers(redlines):
    """Outline-only vector layers of an overlay run's red lines ({role: uri, "approvals": [uri]}), top first."""
    layers = []
    for role in ("townships", "eco_redline", "permanent_farmland", "cultivated", "approvals"):
        uris = redlines.get(role) or []
        for uri in ([uris] if isinstance(uris, str) else uris):
            if role == "cultivated":
                uri = cultivated_uri(uri)
            layer = QgsVectorLayer(uri, role, "ogr")
            if layer.isValid():
                layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(REDLINE_OUTLINES[role])))
                layers.append(layer)
    return layers


def frame(box, width_px, height_px, margin=MARGIN, minimum=MIN_FRAME_M):
    """The extent showing box (a QgsRectangle) in the middle, grown by margin, at the view's aspect."""
    aspect = width_px / float(height_px)
    half_width = max(box.width() * (1 + margin), box.height() * (1 + margin) * aspect, minimum) / 2
    half_height = half_width / aspect
    centre = box.center()
    return QgsRectangle(centre.x() - half_width, centre.y() - half_height, centre.x() + half_width,
                        centre.y() + half_height)


def nice_length(metres):
    """The round length (1, 2 or 5 × 10ⁿ m) at or below metres."""
    power = 10 ** math.floor(math.log10(max(metres, 1e-6)))
    return max(step * power for step in (1, 2, 5) if step * power <= metres)


def chip_caption(entry, role):
    """'前时相 2023-09-01～2023-10-31  name' for a chip or a view's label."""
    return f"{ROLE_ZH.get(role, '')} {date_text(entry)}  {entry.get('name', '')}".strip()


def render_chip(entry, patch_geometry_wkb, working_crs, size_px=CHIP_SIZE, outline=True, redlines=(), caption=None,
                margin=MARGIN):
    """The image of entry around a patch, as a QImage: framed on the patch with a margin, the patch
    outline on top (outline=True), red lines as outlines (redlines: a {role: uri} dict of the
    overlay run, or vector layer URIs), the caption (default: the entry's date and name) and a
    scale bar. Builds its own layers, so it runs in any thread. entry=None draws the frame with a
    'no imagery' notice. size_px: an int (square) or (width, height)."""
    width, height = (size_px, size_px) if isinstance(size_px, int) else size_px
    crs = working_crs if isinstance(working_crs, QgsCoordinateReferenceSystem) else \
        QgsCoordinateReferenceSystem(working_crs)
    geometry = QgsGeometry()
    geometry.fromWkb(bytes(patch_geometry_wkb))
    extent = frame(geometry.boundingBox(), width, height, margin)
    layers = []
    if outline:
        layers.append(outline_layer(geometry, crs))
    if isinstance(redlines, dict):
        layers += redline_layers(redlines)
    else:
        layers += [layer for layer in (QgsVectorLayer(uri, "", "ogr") for uri in redlines) if layer.isValid()]
        for layer in layers[1 if outline else 0:]:
            layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(REDLINE_OUTLINES["townships"])))
    raster = raster_layer(entry) if entry is not None else None
    notice = None
    if raster is not None and raster.isValid():
        layers.append(raster)
    else:
        notice = "无匹配影像 No matching imagery" if entry is None else "影像无法读取 Image cannot be read"
    settings = QgsMapSettings()
    settings.setDestinationCrs(crs)
    settings.setOutputSize(QSize(width, height))
    settings.setOutputDpi(96)
    settings.setExtent(extent)
    settings.setLayers(layers)
    settings.setBackgroundColor(QColor(225, 225, 225))
    settings.setFlag(QgsMapSettings.Antialiasing, True)
    image = QImage(width, height, QImage.Format_ARGB32_Premultiplied)
    image.fill(QColor(225, 225, 225))
    painter = QPainter(image)
    try:
        job = QgsMapRendererCustomPainterJob(settings, painter)
        job.renderSynchronously()
        _annotate(painter, width, height, settings.extent().width(),
                  caption if caption is not None else (chip_caption(entry, entry.get("role")) if entry else ""),
                  notice)
    finally:
        painter.end()
    del layers, raster
    return image


def _annotate(painter, width, height, extent_width_m, caption, notice):
    """Caption (top left, on a dark band), scale bar (bottom left), notice (middle)."""
    font = QFont(FONT_FAMILY)
    font.setPixelSize(max(11, height // 32))
    painter.setFont(font)
    line = painter.fontMetrics().height()
    if caption:
        band = QRectF(0, 0, width, line + 8)
        painter.fillRect(band, QColor(0, 0, 0, 150))
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(band.adjusted(6, 0, -6, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         caption)
    metres = nice_length(extent_width_m / 4)
    bar = metres * width / extent_width_m
    x, y = 10.0, height - 12.0
    label = f"{metres:g} 米" if metres < 1000 else f"{metres / 1000:g} 千米"
    painter.fillRect(QRectF(x - 4, y - line - 6, bar + 8 + painter.fontMetrics().horizontalAdvance(label) + 8,
                            line + 14), QColor(255, 255, 255, 190))
    painter.setPen(QPen(QColor(0, 0, 0), 2))
    painter.drawLine(QPointF(x, y), QPointF(x + bar, y))
    for tick in (x, x + bar):
        painter.drawLine(QPointF(tick, y), QPointF(tick, y - 6))
    painter.drawText(QPointF(x + bar + 6, y), label)
    if notice:
        painter.setPen(QColor(176, 0, 32))
        painter.drawText(QRectF(0, 0, width, height), int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                         notice)


def export_chips(task_path, jcbh, out_dir, size_px=CHIP_SIZE, redlines=False, dates_only=False, registered=None):
    """The patch's before and after chips as out_dir/<JCBH>_before.png and <JCBH>_after.png (only
    the sides that have matching imagery). Returns the paths written, before first. dates_only: the
    caption is only the image's date (small chips in a sheet, under a column saying which side);
    registered: the task's imagery entries when the caller has read them already (many patches)."""
    wkb, qsx, hsx, working, overlay = patch_facts(task_path, jcbh)
    found = match(qsx, hsx, entries(task_path) if registered is None else registered, bbox_of(wkb))
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for side, entry in (("before", found.before), ("after", found.after)):
        if entry is None:
            continue
        image = render_chip(entry, wkb, working, size_px, redlines=overlay if redlines else (),
                            caption=date_text(entry) if dates_only else None)
        path = os.path.join(out_dir, f"{safe_name(jcbh)}_{side}.png")
        if not image.save(path, "PNG"):
            raise LandEnforcementError(f"无法写入影像截图：{path}", f"Cannot write the image chip: {path}")
        written.append(path)
    return written
