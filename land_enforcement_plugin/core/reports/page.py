"""The printed page the evidence sheet and its imagery page share: A4 portrait, in mm; the title,
the map margin, the font, scale bars and the round scales the maps are set to."""
import math

from qgis.core import Qgis, QgsLayoutItemScaleBar, QgsLayoutPoint, QgsTextFormat
from qgis.PyQt.QtGui import QColor, QFont

FONT_FAMILY = "Noto Sans CJK SC"
TITLE = "卫片执法举证材料"
MAP_MARGIN = 0.6  # the patch's extent grown by 60% (then out to a round scale): the red lines around it show
PAGE_LEFT, PAGE_WIDTH = 12.0, 186.0


def text_format(size, colour="0,0,0"):
    """Text of `size` points in the sheet's font and `colour` ("r,g,b")."""
    result = QgsTextFormat()
    # Shaped as Latin (after a letter: "2023Q2", "Q2 …"), Noto Sans CJK swaps digits for
    # proportional glyphs that its cmap does not reach; Qt's PDF text map (ToUnicode) is the
    # reverse of the cmap, so those glyphs extract as nothing ("2023Q"). Unshaped, every
    # character is drawn with its cmap glyph and extracts.
    font = QFont(FONT_FAMILY)
    font.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
    result.setFont(font)
    result.setSize(size)
    result.setSizeUnit(Qgis.RenderUnit.Points)
    result.setColor(QColor(*(int(c) for c in colour.split(","))))
    return result


def scale_bar(layout, linked_map, style, left, top):
    """A scale bar under a map: "Single Box" in metres, "Numeric" as 1:n."""
    bar = QgsLayoutItemScaleBar(layout)
    bar.setStyle(style)
    bar.setLinkedMap(linked_map)
    bar.setTextFormat(text_format(7))
    if style == "Single Box":
        bar.setUnits(Qgis.DistanceUnit.Meters)
        bar.setUnitLabel("米")
        bar.setNumberOfSegments(2)
        bar.setNumberOfSegmentsLeft(0)
        # Patches range from a few to hundreds of metres: the bar picks a round length per page.
        bar.setSegmentSizeMode(Qgis.ScaleBarSegmentSizeMode.FitWidth)
        bar.setMinimumBarWidth(20)
        bar.setMaximumBarWidth(40)
    layout.addLayoutItem(bar)
    bar.attemptMove(QgsLayoutPoint(left, top))
    return bar


def round_scale(scale):
    """The next round scale (1, 2, 2.5 or 5 × 10ⁿ) at or beyond scale: readable, and the margin stays."""
    power = 10 ** math.floor(math.log10(scale))
    return next(power * step for step in (1, 2, 2.5, 5, 10) if power * step >= scale)
