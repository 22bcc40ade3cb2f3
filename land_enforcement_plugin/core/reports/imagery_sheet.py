"""The evidence sheet's second page: the patch on its before and after images (前后时相影像对比).

Added by evidence._SheetLayout only when the task has imagery registered (core/imagery/), so a
task without imagery prints exactly the one-page sheet it always did. A patch that no registered
image matches gets no second page; one with a single side matched says what the other lacks.
Both maps share one extent and one round scale; each has its image's name and date, a scale bar
and the patch outline. Deterministic like the rest of the sheet (no times, no random ids).
"""
from qgis.core import QgsLayoutItemMap, QgsLayoutItemPage
from qgis.PyQt.QtCore import QRectF, Qt

from ..imagery import matching, render, sources
from ..imagery import registry as imagery
from .page import MAP_MARGIN, PAGE_LEFT, PAGE_WIDTH, TITLE, round_scale, scale_bar

CHIP_TOP, CHIP_WIDTH, CHIP_HEIGHT, CHIP_GAP = 44.0, 91.0, 115.0, 4.0
SIDES = (("before", "前时相", "QSX"), ("after", "后时相", "HSX"))


class ChipPage:
    def __init__(self, layout, patches, entries, label):
        """layout: the sheet's atlas layout (page 2 is added here); patches: its coverage layer (the
        patch outline rule); entries: the task's resolved imagery registry; label: the sheet's
        label factory (text, rect in layout mm, size, align=, colour=)."""
        self.layout = layout
        self.patches = patches
        self.entries = entries
        self.layers = {}  # source -> QgsRasterLayer, built once, owned by the layout's project
        page = QgsLayoutItemPage(layout)
        page.setPageSize("A4", QgsLayoutItemPage.Portrait)
        layout.pageCollection().addPage(page)
        self.page = page
        top = page.pos().y()
        label(f"{TITLE}（续）前后时相影像对比", (PAGE_LEFT, top + 10, PAGE_WIDTH, 9), 16,
              align=Qt.AlignmentFlag.AlignHCenter)
        self.heading = label("", (PAGE_LEFT, top + 21, PAGE_WIDTH, 7), 10, align=Qt.AlignmentFlag.AlignHCenter)
        self.maps, self.captions, self.notices, self.bars = [], [], [], []
        for index in range(2):
            x = PAGE_LEFT + index * (CHIP_WIDTH + CHIP_GAP)
            self.captions.append(label("", (x, top + CHIP_TOP - 12, CHIP_WIDTH, 11), 9))
            item = QgsLayoutItemMap(layout)
            item.setFrameEnabled(True)
            layout.addLayoutItem(item)
            item.attemptSetSceneRect(QRectF(x, top + CHIP_TOP, CHIP_WIDTH, CHIP_HEIGHT))
            item.setKeepLayerSet(True)
            item.setCrs(patches.crs())
            self.maps.append(item)
            self.notices.append(label("", (x + 5, top + CHIP_TOP + CHIP_HEIGHT / 2 - 10, CHIP_WIDTH - 10, 20), 11,
                                      align=Qt.AlignmentFlag.AlignHCenter, colour="176,0,32"))
            self.bars.append([scale_bar(self.layout, item, style, x + offset, top + CHIP_TOP + CHIP_HEIGHT + 1)
                              for style, offset in (("Single Box", 0), ("Numeric", 55))])
        self.note = label("", (PAGE_LEFT, top + CHIP_TOP + CHIP_HEIGHT + 14, PAGE_WIDTH, 30), 8)
        self.inline = []  # (map, caption) of small before / after maps on the first page (add_inline)

    def add_inline(self, slots, label):
        """Small before / after maps on the first page, in the (x, y, width, height) slots given (the
        free photo frames); their captions go just below each."""
        for x, y, width, height in slots:
            item = QgsLayoutItemMap(self.layout)
            item.setFrameEnabled(True)
            self.layout.addLayoutItem(item)
            item.attemptSetSceneRect(QRectF(x, y, width, height))
            item.setKeepLayerSet(True)
            item.setCrs(self.patches.crs())
            self.inline.append((item, label("", (x, y + height + 1, width, 10), 7)))

    def _raster(self, entry):
        layer = self.layers.get(entry["source"])
        if layer is None:
            layer = sources.raster_layer(entry)
            self.layers[entry["source"]] = layer
            if layer.isValid():
                self.layout.project().addMapLayer(layer, False)
        return layer if layer.isValid() else None

    def fill(self, feature, inline=False):
        """Page 2 for this atlas feature: shown only when some image matches the patch; and, when
        `inline`, the small maps of the first page too."""
        box = feature.geometry().boundingBox()
        found = matching.match(feature["qsx"], feature["hsx"], self.entries,
                              (box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum()))
        self.page.setExcludeFromExports(found.before is None and found.after is None)
        qsx, hsx = imagery.shown_date(feature["qsx"]), imagery.shown_date(feature["hsx"])
        self.heading.setText(f"监测编号：{feature['jcbh']}　　"
                             f"前时相（QSX）：{qsx or '无'}　　后时相（HSX）：{hsx or '无'}")
        extent = self._extent(box)
        notes = []
        for (side, zh, field), entry, item, caption, notice, bars in zip(
                SIDES, (found.before, found.after), self.maps, self.captions, self.notices, self.bars):
            raster = self._raster(entry) if entry is not None else None
            item.setLayers([self.patches, raster] if raster is not None else [self.patches])
            item.setExtent(extent)
            item.setScale(self.scale)
            for bar in bars:
                bar.setVisibility(raster is not None)
            if entry is None:
                caption.setText(f"{zh}影像")
                notice.setText("无匹配影像")
            elif raster is None:
                caption.setText(f"{zh}影像：{entry['name']}（{imagery.date_text(entry)}）")
                notice.setText("影像无法读取")
                notes.append(f"{zh}影像无法读取：{entry['source']}")
            else:
                gap = matching.gap_days(entry, feature[field.lower()], side)
                caption.setText(f"{zh}影像：{entry['name']}\n影像日期 {imagery.date_text(entry)}"
                                + (f"，距{field} {gap} 天" if gap else ""))
                notice.setText("")
        notes += [reason.zh for reason in found.reasons]
        self.note.setText("说明：" + "；".join(notes) if notes else "")
        self._fill_inline(box, (found.before, found.after), inline)

    def _fill_inline(self, box, entries, shown):
        for (_, zh, _), entry, (item, caption) in zip(SIDES, entries, self.inline):
            raster = self._raster(entry) if shown and entry is not None else None
            item.setVisibility(raster is not None)
            caption.setVisibility(raster is not None)
            if raster is None:
                continue
            size = item.rect()
            item.setLayers([self.patches, raster])
            item.setExtent(render.frame(box, size.width(), size.height(), MAP_MARGIN))
            item.setScale(round_scale(item.scale()))
            caption.setText(f"{zh}影像　{imagery.date_text(entry)}\n{entry['name']}")

    def _extent(self, box):
        """What both maps show: the patch grown by the sheet's margin, out to a round scale."""
        extent = render.frame(box, CHIP_WIDTH, CHIP_HEIGHT, MAP_MARGIN)
        self.maps[0].setExtent(extent)
        self.scale = round_scale(self.maps[0].scale())
        return extent

