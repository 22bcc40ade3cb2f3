"""Evidence sheets (举证材料): one A4 PDF per patch, from one print layout whose atlas
feature is the patch.

Each sheet shows the patch over the red lines the overlay used (imagery underneath when given),
its overlay areas, the suggested and the recorded verdict, and up to four field photos.

Everything (project, layers, layout) is built inside write_evidence_sheets and deleted before it
returns: a worker thread (QgsTask) or qgis_process owns all it uses, and no layer outlives QGIS.
The PDFs are byte-identical for the same task and inputs (the submission package promises it).
"""
import datetime
import json
import os
import tempfile

from qgis.core import (
    NULL,
    Qgis,
    QgsFeatureRequest,
    QgsFillSymbol,
    QgsLayoutExporter,
    QgsLayoutFrame,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemManualTable,
    QgsLayoutItemMap,
    QgsLayoutItemPage,
    QgsLayoutItemPicture,
    QgsLayoutMultiFrame,
    QgsLayoutTable,
    QgsLayoutTableColumn,
    QgsLegendStyle,
    QgsPathResolver,
    QgsPrintLayout,
    QgsProject,
    QgsRectangle,
    QgsRuleBasedRenderer,
    QgsSingleSymbolRenderer,
    QgsSymbolLayerUtils,
    QgsTableCell,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDateTime, QRectF, QSize, Qt
from qgis.PyQt.QtGui import QImageReader

from .. import schema
from ..errors import LandEnforcementError
from ..files import safe_name
from ..imagery.registry import load as load_imagery
from ..imagery.registry import resolved
from ..overlay.conformity import stored_conformity
from ..overlay.engine_local import find_field
from ..overlay.layer_uris import cultivated_uri, redline_provider
from ..review.photos import fetch_missing, photo_path
from ..review.states import states as review_states
from ..store import open_task
from ..store.sql import sql_quote
from ..vector_input import reading_copy
from .imagery_sheet import ChipPage
from .page import MAP_MARGIN, PAGE_LEFT, PAGE_WIDTH, TITLE, round_scale, scale_bar, text_format
from .pdf import finish_pdf

MAX_PHOTOS = 4
INLINE_CHIPS = 2  # before and after
PATCH_COLOUR = "255,0,0"  # the sheet's own patch; no red-line style uses a pure red
NORTH_ARROW = "arrows/NorthArrow_02.svg"
COMPASS = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")

# Red-line roles of the overlay run, bottom to top, with their legend name and look. The township
# boundaries have no fill and go on top, so the fills do not hide them.
REDLINE_STYLES = (
    ("cultivated", "耕地", {"color": "250,235,160,150", "outline_color": "215,185,80", "outline_width": "0.1"}),
    ("permanent_farmland", "永久基本农田", {"color": "110,190,80,120", "outline_color": "50,140,40",
                                            "outline_width": "0.3"}),
    ("eco_redline", "生态保护红线", {"color": "190,0,120,40", "outline_color": "190,0,120", "outline_width": "0.5",
                                     "outline_style": "dash"}),
    ("townships", "乡镇界", {"style": "no", "outline_color": "90,90,90", "outline_width": "0.5",
                             "outline_style": "dash dot"}),
)
APPROVALS_LEGEND = "批准用地"
APPROVAL_STYLE = {"color": "0,100,220,40", "outline_color": "0,100,220", "outline_width": "0.4"}

# Page layout, in mm on A4 portrait (page.py: the left edge and width).
MAP_RECT = (12.0, 36.0, 140.0, 100.0)
LEGEND_RECT = (155.0, 36.0, 43.0, 100.0)
TABLES_TOP = 148.0
SUGGESTION_HEIGHT = 14.0
SIGNATURE_TOP = TABLES_TOP + 50 + SUGGESTION_HEIGHT  # below the suggestion, left of the verification table
SIGNATURE_HEADINGS = ("核查人", "审核人", "单位（盖章）", "日期")
PHOTO_TOP, PHOTO_WIDTH, PHOTO_HEIGHT, PHOTO_GAP = 240.0, 44.0, 33.0, 3.3
PHOTO_PIXELS = round(PHOTO_WIDTH / 25.4 * 300)  # a photo's longer side at 300 dpi


def write_evidence_sheets(task_path, jcbhs, out_dir, imagery=(), feedback=None) -> dict:
    """One A4 PDF per patch in jcbhs, written as out_dir/<files.safe_name(jcbh)>.pdf; returns {jcbh: path}.
    imagery: QgsRasterLayer objects drawn under the red lines when given. feedback: a QgsFeedback
    (progress 0-100 and isCanceled(); on cancel stop and return what was written so far)."""
    wanted = sorted(set(jcbhs))
    facts = _task_facts(task_path, wanted)
    _check_out_dir(out_dir, wanted)
    if not wanted:
        return {}
    project = QgsProject()
    try:
        layers = _add_layers(project, facts["patches"], facts["patches_provider"], facts["redlines"], imagery)
        with tempfile.TemporaryDirectory() as scratch:
            layout = _SheetLayout(project, layers, facts, scratch)
            try:
                return layout.export(wanted, out_dir, feedback)
            finally:
                del layout  # before the project it points to
    finally:
        project.removeAllMapLayers()
        del project


def _task_facts(task_path, jcbhs):
    """What the store knows beyond the patch features: read at once, then the store is closed."""
    with open_task(task_path) as store:
        known = store.patch_index()
        unknown = [j for j in jcbhs if j not in known]
        if unknown:
            raise LandEnforcementError(f"任务库中没有监测编号“{unknown[0]}”等 {len(unknown)} 个",
                                       f"Unknown monitoring number '{unknown[0]}' ({len(unknown)} in all)")
        meta = store.meta()
        # Only these patches' records while they are a few (the store reads all of them otherwise).
        verifications = {j: values for j, (values, _) in store.verifications_with_versions(jcbhs).items()}
        recorded = _by_patch(store.photos, jcbhs)
        stamps = _change_times(store, jcbhs)
        fetch_missing(task_path, store, [row for rows in recorded.values() for row in rows])
        photos = {j: sorted((dict(row, path=photo_path(task_path, row["file"])) for row in recorded[j]),
                            key=lambda row: (row["taken_at"] or "", row["file"])) for j in jcbhs}
        registry = [resolved(task_path, entry) for entry in load_imagery(store)]
        return {"patches": store.uri(schema.PATCHES_LAYER),
                "patches_provider": store.provider,
                "county_name": meta.get("county_name") or "",
                "county_code": meta.get("county_code") or "", "verifications": verifications,
                "photos": photos, "audit_stamps": stamps, "redlines": store.last_overlay_layers(),
                "imagery": registry, "review": review_states(store), "conformity": stored_conformity(store)}


_FEW_SHEETS = 50
_FEW_PATCHES = 1000  # named in one SQL list


def _by_patch(read, jcbhs):
    """{jcbh: read(jcbh)} for each of jcbhs, in read's order. For many patches the table is read
    once and grouped: a query per patch scans the whole table (no index on jcbh), each time."""
    if len(jcbhs) <= _FEW_SHEETS:
        return {j: read(j) for j in jcbhs}
    grouped = {j: [] for j in jcbhs}
    for row in read():
        if row["jcbh"] in grouped:
            grouped[row["jcbh"]].append(row)
    return grouped


def _change_times(store, jcbhs):
    """{jcbh: the times of its audit entries}: only the two columns a sheet's date needs, of only
    these patches while they are few (the audit has several entries for every patch of the task)."""
    where = f" WHERE jcbh IN ({', '.join(sql_quote(j) for j in jcbhs)})" if len(jcbhs) <= _FEW_PATCHES else ""
    times = {j: [] for j in jcbhs}
    for row in store.query(f"SELECT jcbh, ts FROM {schema.AUDIT_TABLE}{where}"):
        if row["jcbh"] in times:
            times[row["jcbh"]].append(row["ts"])
    return times


def _check_out_dir(out_dir, jcbhs):
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise LandEnforcementError(f"无法创建输出文件夹：{out_dir}",
                                   f"Cannot create the output folder: {out_dir}") from exc
    if not os.access(out_dir, os.W_OK):
        raise LandEnforcementError(f"输出文件夹不可写：{out_dir}", f"The output folder is not writable: {out_dir}")
    names = {}
    for jcbh in jcbhs:
        other = names.setdefault(safe_name(jcbh), jcbh)
        if other != jcbh:  # one file would overwrite the other's evidence
            raise LandEnforcementError(f"监测编号“{other}”与“{jcbh}”的文件名相同",
                                       f"Monitoring numbers '{other}' and '{jcbh}' give the same file name")


# -- layers ------------------------------------------------------------------------------------
def _vector(uri, name, symbol_props):
    layer = QgsVectorLayer(uri, name, redline_provider(uri))
    layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(symbol_props)))
    return layer


def _patch_layer(uri, provider):
    layer = QgsVectorLayer(uri, "监测图斑", provider)
    root = QgsRuleBasedRenderer.Rule(None)
    for label, expression, props in (
            ("本图斑", "$id = @atlas_featureid",
             {"style": "no", "outline_color": PATCH_COLOUR, "outline_width": "0.8"}),
            ("其他监测图斑", "ELSE",
             {"style": "no", "outline_color": "255,140,0", "outline_width": "0.3", "outline_style": "dash"})):
        root.appendChild(QgsRuleBasedRenderer.Rule(QgsFillSymbol.createSimple(props), 0, 0, expression, label))
    layer.setRenderer(QgsRuleBasedRenderer(root))
    return layer


def _add_layers(project, patches_uri, patches_provider, redlines, imagery):
    """The sheet's layers, each list top first, added to the project. A red-line layer that no longer
    opens (file moved or deleted since the overlay) is left out: the sheet still renders."""
    patches = _patch_layer(patches_uri, patches_provider)
    if not patches.isValid():
        raise LandEnforcementError(f"无法读取任务库的图斑图层：{patches_uri}",
                                   f"Cannot read the task's patches: {patches_uri}")
    shown = [_vector(cultivated_uri(redlines[role]) if role == "cultivated" else redlines[role], name, props)
             for role, name, props in reversed(REDLINE_STYLES) if redlines.get(role)]
    approvals = [_vector(uri, APPROVALS_LEGEND, APPROVAL_STYLE) for uri in redlines.get("approvals", [])]
    for layer in approvals:
        layer.setName(_approval_legend_name(layer))
    # Clones made here belong to this thread; the caller's may belong to another thread's project.
    rasters = [layer.clone() for layer in imagery]
    layers = {"patches": patches, "redlines": [layer for layer in shown if layer.isValid()],
              "approvals": [layer for layer in approvals if layer.isValid()],
              "imagery": [layer for layer in rasters if layer.isValid()]}
    for layer in [patches, *layers["redlines"], *layers["approvals"], *layers["imagery"]]:
        project.addMapLayer(layer, False)
    return layers


def _approval_legend_name(layer):
    """What the legend calls an approvals layer: the kinds its features name (农转用、设施农用地备案),
    read in the layer's decided encoding, else 批准用地 — never its file or table name (pzyd)."""
    kind = find_field(layer, schema.APPROVAL_KIND_FIELDS) if layer.isValid() else None
    if kind is None:
        return APPROVALS_LEGEND
    copy = reading_copy(layer)
    values = sorted({str(v).strip() for v in copy.uniqueValues(copy.fields().indexOf(kind))
                     if v is not None and v != NULL and str(v).strip()})
    if not values or any("\ufffd" in v for v in values):
        return APPROVALS_LEGEND
    return "、".join(values[:3]) + ("等" if len(values) > 3 else "")


# -- layout ------------------------------------------------------------------------------------
class _SheetLayout:
    """The atlas layout and the items whose content changes from one patch to the next."""

    def __init__(self, project, layers, facts, scratch):
        self.facts = facts
        self.scratch = scratch
        self.layout = QgsPrintLayout(project)
        self.layout.initializeDefaults()
        self.layout.pageCollection().page(0).setPageSize("A4", QgsLayoutItemPage.Portrait)
        # The atlas only names the sheet's patch to the expressions (@atlas_featureid of the patch
        # rule): export() goes through the patches itself (see _show).
        self.patches = layers["patches"]
        atlas = self.layout.atlas()
        atlas.setCoverageLayer(self.patches)
        atlas.setEnabled(True)
        self.layout.reportContext().setLayer(self.patches)
        self._label(TITLE, (PAGE_LEFT, 10, PAGE_WIDTH, 11), 20, align=Qt.AlignmentFlag.AlignHCenter)
        self.heading = self._label("", (PAGE_LEFT, 22, PAGE_WIDTH, 7), 11, align=Qt.AlignmentFlag.AlignHCenter)
        self.patch_line = self._label("", (PAGE_LEFT, 29, PAGE_WIDTH, 6), 8, align=Qt.AlignmentFlag.AlignHCenter)
        map_layers = [layers["patches"], *layers["approvals"], *layers["redlines"], *layers["imagery"]]
        self.map = self._map(map_layers)
        self._legend([layers["patches"], *layers["redlines"]], layers["approvals"])
        self._label("比对面积", (PAGE_LEFT, TABLES_TOP, 88, 6), 10)
        self.areas = self._table((PAGE_LEFT, TABLES_TOP + 6, 88, 40), ["项目", "亩", "平方米"], [40, 22, 26])
        self.suggestion = self._label("", (PAGE_LEFT, TABLES_TOP + 48, 88, SUGGESTION_HEIGHT), 8)
        self.signature = self._table((PAGE_LEFT, SIGNATURE_TOP, 88, PHOTO_TOP - 7 - SIGNATURE_TOP),
                                     list(SIGNATURE_HEADINGS), [18, 18, 30, 22])
        self.signature.setRowHeights([0.0, 10.0])  # room to sign
        self._label("核查结果", (104, TABLES_TOP, 94, 6), 10)
        # 7 pt: the record, its 处理状态 and the case facts fit down to the photos.
        self.verification = self._table((104, TABLES_TOP + 6, 94, PHOTO_TOP - 7 - TABLES_TOP - 6), ["项目", "内容"],
                                        [26, 68], size=7, margin=0.5)
        self.photo_title = self._label("", (PAGE_LEFT, PHOTO_TOP - 6, PAGE_WIDTH, 6), 10)
        self.pictures, self.captions = [], []
        for i in range(MAX_PHOTOS):
            x = PAGE_LEFT + i * (PHOTO_WIDTH + PHOTO_GAP)
            picture = QgsLayoutItemPicture(self.layout)
            picture.setResizeMode(QgsLayoutItemPicture.Zoom)
            picture.setFrameEnabled(True)
            self.layout.addLayoutItem(picture)
            picture.attemptSetSceneRect(QRectF(x, PHOTO_TOP, PHOTO_WIDTH, PHOTO_HEIGHT))
            self.pictures.append(picture)
            self.captions.append(self._label("", (x, PHOTO_TOP + PHOTO_HEIGHT + 1, PHOTO_WIDTH, 10), 7))
        self.footer = self._label("", (PAGE_LEFT, 284, PAGE_WIDTH, 5), 7, colour="110,110,110")
        self.rows = {}  # id(table) -> the texts it shows (_set_rows)
        self.chips = None  # page 2, the before / after images: only for a task with imagery registered
        if facts["imagery"]:
            self.chips = ChipPage(self.layout, layers["patches"], facts["imagery"], self._label)
            # The before / after images on the first page too, in the photo frames a patch with
            # few photos leaves free (the last INLINE_CHIPS).
            self.chips.add_inline([(PAGE_LEFT + i * (PHOTO_WIDTH + PHOTO_GAP), PHOTO_TOP, PHOTO_WIDTH, PHOTO_HEIGHT)
                                   for i in range(MAX_PHOTOS - INLINE_CHIPS, MAX_PHOTOS)], self._label)

    def _label(self, text, rect, size, align=Qt.AlignmentFlag.AlignLeft, colour="0,0,0"):
        label = QgsLayoutItemLabel(self.layout)
        label.setTextFormat(text_format(size, colour))
        label.setText(text)
        label.setHAlign(align)
        label.setVAlign(Qt.AlignmentFlag.AlignTop)
        self.layout.addLayoutItem(label)
        label.attemptSetSceneRect(QRectF(*rect))
        return label

    def _map(self, layers):
        item = QgsLayoutItemMap(self.layout)
        item.setFrameEnabled(True)
        self.layout.addLayoutItem(item)
        item.attemptSetSceneRect(QRectF(*MAP_RECT))
        item.setLayers(layers)
        item.setKeepLayerSet(True)
        item.setCrs(layers[0].crs())
        x, y, width, height = MAP_RECT
        arrow = QgsLayoutItemPicture(self.layout)
        arrow.setPicturePath(QgsSymbolLayerUtils.svgSymbolNameToPath(NORTH_ARROW, QgsPathResolver()),
                             Qgis.PictureFormat.SVG)
        arrow.setLinkedMap(item)  # turns with the map
        arrow.setBackgroundEnabled(True)
        self.layout.addLayoutItem(arrow)
        arrow.attemptSetSceneRect(QRectF(x + width - 13, y + 2, 11, 14))
        _, y, _, height = MAP_RECT
        scale_bar(self.layout, item, "Single Box", x, y + height + 1)
        scale_bar(self.layout, item, "Numeric", x + 60, y + height + 1)
        return item

    def _legend(self, layers, approvals):
        legend = QgsLayoutItemLegend(self.layout)
        legend.setTitle("图例")
        legend.setAutoUpdateModel(False)
        root = legend.model().rootGroup()
        root.removeAllChildren()
        for layer in layers:
            root.addLayer(layer)
        if approvals:
            group = root.addGroup(APPROVALS_LEGEND)
            for layer in approvals:
                group.addLayer(layer)
        for style in (QgsLegendStyle.Title, QgsLegendStyle.Group, QgsLegendStyle.Subgroup, QgsLegendStyle.SymbolLabel):
            legend.rstyle(style).setTextFormat(text_format(10 if style == QgsLegendStyle.Title else 8))
        legend.setResizeToContents(False)
        self.layout.addLayoutItem(legend)
        legend.attemptSetSceneRect(QRectF(*LEGEND_RECT))
        legend.setFrameEnabled(True)

    def _table(self, rect, headings, widths, size=8, margin=0.8):
        table = QgsLayoutItemManualTable.create(self.layout)
        table.setIncludeTableHeader(True)
        table.setHeaders([QgsLayoutTableColumn(h) for h in headings])
        table.setColumnWidths(widths)
        table.setHeaderTextFormat(text_format(size))
        table.setContentTextFormat(text_format(size))
        table.setWrapBehavior(QgsLayoutTable.WrapText)
        table.setCellMargin(margin)
        table.setResizeMode(QgsLayoutMultiFrame.UseExistingFrames)
        self.layout.addMultiFrame(table)
        frame = QgsLayoutFrame(self.layout, table)
        frame.attemptSetSceneRect(QRectF(*rect))
        table.addFrame(frame)
        return table

    # -- per patch ---------------------------------------------------------------------------
    def export(self, jcbhs, out_dir, feedback):
        """The sheets of jcbhs, in jcbh order. The patches are read once, and each sheet changes only
        the map extents, the texts and the tables of the one layout."""
        request = QgsFeatureRequest().setFilterExpression(f'"jcbh" IN ({", ".join(sql_quote(j) for j in jcbhs)})')
        features = sorted(self.patches.getFeatures(request), key=lambda feature: feature["jcbh"])
        written = {}
        exporter = QgsLayoutExporter(self.layout)
        settings = QgsLayoutExporter.PdfExportSettings()
        settings.dpi = 300  # photos and imagery; vectors stay vectors
        settings.textRenderFormat = Qgis.TextRenderFormat.AlwaysText  # searchable, copyable text
        # Each would cost a second (GDAL) pass over the file; QGIS puts the metadata in the XMP packet anyway.
        settings.appendGeoreference = False
        settings.exportMetadata = False
        for index, feature in enumerate(features):
            if feedback is not None and feedback.isCanceled():
                break
            self._show(feature)
            self._zoom_to(feature.geometry().boundingBox())
            jcbh = feature["jcbh"]
            stamp = self._stamp(feature)
            self._fill(feature)
            if self.chips is not None:
                self.chips.fill(feature, inline=len(self.facts["photos"][jcbh]) <= MAX_PHOTOS - INLINE_CHIPS)
            self._set_metadata(jcbh, stamp)
            path = os.path.join(out_dir, safe_name(jcbh) + ".pdf")
            if exporter.exportToPdf(path, settings) != QgsLayoutExporter.Success:
                raise LandEnforcementError(f"无法写入举证材料：{path}", f"Cannot write the evidence sheet: {path}")
            finish_pdf(path, stamp)
            written[jcbh] = path
            if feedback is not None:
                feedback.setProgress(100.0 * (index + 1) / len(features))
        return written

    def _show(self, feature):
        """The atlas feature for the expressions, set quietly: the change signal would refresh every
        item of the layout (a third of a sheet's time), and each item this sheet changes refreshes
        itself anyway."""
        context = self.layout.reportContext()
        context.blockSignals(True)
        try:
            context.setFeature(feature)
        finally:
            context.blockSignals(False)

    def _zoom_to(self, box):
        """The patch in the middle, grown by the margin, out to the next round scale. Worked out from
        the patch alone (not by an atlas-driven map, which starts from the previous page's extent),
        so a sheet has the same bytes whichever sheets are exported with it."""
        _, _, width, height = MAP_RECT
        half_width = max(box.width(), box.height() * width / height) * (1 + MAP_MARGIN) / 2
        half_height = half_width * height / width
        centre = box.center()
        self.map.setExtent(QgsRectangle(centre.x() - half_width, centre.y() - half_height,
                                        centre.x() + half_width, centre.y() + half_height))
        self.map.setScale(round_scale(self.map.scale()))

    def _fill(self, feature):
        jcbh = feature["jcbh"]
        name, code = self.facts["county_name"], self.facts["county_code"]
        county = f"{name}（{code}）" if name and code else name or code
        village = _text(feature[schema.VILLAGE_NAME.name])
        place = "　".join(part for part in (county, _township_text(feature), village and f"村：{village}") if part)
        self.heading.setText(f"监测编号：{jcbh}　　{place}")
        self.patch_line.setText("　".join(f"{field.zh}：{_text(feature[field.name])}" for field in
                                          (schema.PC, schema.QSX, schema.HSX, schema.BHLX)
                                          if _text(feature[field.name])))
        self._set_rows(self.areas, [[field.zh, *_area_cells(feature[field.name])] for field in _shown_areas(feature)])
        conformity = _conformity_lines(self.facts["conformity"].get(jcbh))
        self.suggestion.setText("\n".join([_suggestion(feature)] + conformity))
        record = self.facts["verifications"].get(jcbh) or {}
        # 发现日期 (schema 8) only when known, so that the table keeps to its frame on the page.
        rows = [[field.zh, _text(record.get(field.name))] for field in schema.VERIFICATION_FIELDS
                if field is not schema.V_DISCOVERY_DATE or record.get(field.name)]
        if not record:
            rows[0][1] = "未核查"
        review = self.facts["review"].get(jcbh) or {}
        rows.append([schema.REVIEW_STATE.zh, review.get("state") or schema.ReviewState.PENDING.value])
        if review.get("opinion"):
            rows.append([schema.REVIEW_OPINION.zh, review["opinion"]])
        self._set_rows(self.verification, rows)
        # Signed by hand: the names the task knows are printed, the stamp and the date are the bureau's.
        reviewer = review.get("reviewed_by") if review.get("state") in (
            schema.ReviewState.APPROVED.value, schema.ReviewState.REPORTED.value) else ""
        self._set_rows(self.signature, [[_text(record.get(schema.V_INSPECTOR.name)), _text(reviewer), "", ""]])
        self._fill_photos(self.facts["photos"][jcbh])
        overlay_at = _text(feature[schema.OVERLAY_AT.name])[:16].replace("T", " ")
        self.footer.setText(f"比对时间：{overlay_at or '未比对'}")

    def _set_rows(self, table, rows):
        """The table's cells, as texts; left alone when the previous sheet had the same (each new
        content lays the table out again, about a millisecond)."""
        if self.rows.get(id(table)) != rows:
            table.setTableContents([[QgsTableCell(text) for text in row] for row in rows])
            self.rows[id(table)] = rows

    def _fill_photos(self, photos):
        shown = photos[:MAX_PHOTOS]
        if not photos:
            self.photo_title.setText("现场照片：无")
        elif len(photos) > MAX_PHOTOS:
            self.photo_title.setText(f"现场照片（共 {len(photos)} 张，显示前 {MAX_PHOTOS} 张）")
        else:
            self.photo_title.setText(f"现场照片（{len(photos)} 张）")
        for i, (picture, caption) in enumerate(zip(self.pictures, self.captions)):
            photo = shown[i] if i < len(shown) else None
            # Named by content: QGIS caches pictures by path, so a reused name would show an earlier photo.
            copy = _print_copy(photo["path"], os.path.join(self.scratch, f"{photo['sha256']}.jpg")) if photo else None
            picture.setVisibility(copy is not None)
            caption.setVisibility(photo is not None)
            if copy is not None:
                picture.setPicturePath(copy, Qgis.PictureFormat.Raster)
            if photo is not None:
                caption.setText(_photo_caption(i + 1, photo) + ("" if copy else "\n（照片文件缺失或无法读取）"))

    def _stamp(self, feature):
        """The sheet's date (UTC): the last change to what it shows (patch, verification, photos,
        overlay), never the time of export. The epoch for a patch with no recorded change."""
        stamps = self.facts["audit_stamps"][feature["jcbh"]] + [_text(feature[schema.OVERLAY_AT.name])]
        times = [datetime.datetime.fromisoformat(s).astimezone(datetime.timezone.utc) for s in stamps if s]
        return max(times, default=datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc))

    def _set_metadata(self, jcbh, stamp):
        """QGIS writes the project's title, author and date into the PDF: the sheet's, and no user name."""
        metadata = self.layout.project().metadata()
        metadata.setTitle(f"{TITLE} {jcbh}")
        metadata.setAuthor("")
        metadata.setCreationDateTime(QDateTime.fromSecsSinceEpoch(int(stamp.timestamp()), Qt.TimeSpec.UTC))
        self.layout.project().setMetadata(metadata)




def _text(value):
    return "" if value is None or value == NULL else str(value)


def _shown_areas(feature):
    """The area rows of a sheet: the nature-reserve ones (schema 8) only when the patch lies on a
    reserve, so that the table keeps to its frame on the page."""
    shown = list(schema.OVERLAY_AREA_FIELDS_V2)
    reserve = feature[schema.NATURE_RESERVE_M2.name]
    if reserve is not None and reserve != NULL and reserve > 0:
        shown += [schema.NATURE_RESERVE_M2, schema.PBF_OR_RESERVE_M2]
    return shown


def _area_cells(value):
    if value is None or value == NULL:
        return ["—", "—"]
    return [f"{value / schema.M2_PER_MU:.2f}", f"{value:.2f}"]


def _township_text(feature):
    """乡镇 from the overlay (the delivered XZQMC is often the county's), or why there is none."""
    name = _text(feature[schema.TOWNSHIP_NAME.name])
    if name:
        return f"乡镇：{name}"
    if not _text(feature[schema.AREA_M2.name]):
        return f"乡镇：{schema.NOT_OVERLAID[0]}"
    return f"乡镇：{schema.UNPLACED_TOWNSHIP[0]}"


def _suggestion(feature):
    verdict = _text(feature[schema.SUGGESTED_VERDICT.name])
    approval = _text(feature[schema.SUGGESTED_APPROVAL.name])
    lines = [f"{schema.SUGGESTED_VERDICT.zh}：{verdict or '无（以现场核实为准）'}"
             + (f"（{schema.V_APPROVAL_NO.zh} {approval}）" if approval else "")]
    if feature[schema.PRIORITY.name] == 1:
        lines.append(f"{schema.PRIORITY.zh}：是")
    reasons = json.loads(_text(feature[schema.SUGGESTION_REASONS.name]) or "[]")
    if reasons:
        lines.append(f"预判依据：{'；'.join(reason['zh'] for reason in reasons)}")
    return "\n".join(lines)


def _conformity_lines(row):
    """规划符合性 of a patch (conformity.run_conformity), with its areas per zone in 亩."""
    if not row:
        return []
    zones = [(field.zh, row[field.name]) for field in (*schema.ZONE_AREA_FIELDS.values(), schema.OUTSIDE_ZONES_M2)
             if row.get(field.name)]
    parts = "，".join(f"{name} {m2 / schema.M2_PER_MU:.2f} 亩" for name, m2 in zones)
    return [f"规划符合性：{row[schema.CONFORMITY.name]}" + (f"（{parts}）" if parts else "")]


def _print_copy(path, target):
    """The photo at print size (300 dpi in its frame), upright, as target; None when it cannot be
    read. Phones take 12 MP and store portrait shots turned with an EXIF orientation: embedded as
    they are, four photos make a 20 MB sheet that takes seconds to write, some lying on their side."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if not size.isValid():
        return None
    reader.setScaledSize(size.scaled(PHOTO_PIXELS, PHOTO_PIXELS, Qt.AspectRatioMode.KeepAspectRatio)
                         .expandedTo(QSize(1, 1)))
    image = reader.read()
    return target if not image.isNull() and image.save(target, "JPEG", 90) else None


def compass_word(degrees):
    """东北 for 45°: the nearest of the eight directions, clockwise from north."""
    return COMPASS[int((degrees % 360 + 22.5) // 45) % 8]


def _photo_caption(number, photo):
    taken = (photo["taken_at"] or "时间未知").replace("T", " ")
    direction = photo["direction"]
    facing = f"{direction:.0f}°（{compass_word(direction)}）" if direction is not None else "未知"
    return f"照片{number}　{taken}\n方向 {facing}"
