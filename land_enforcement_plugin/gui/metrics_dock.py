"""The accountability dashboard: township figures, over-threshold cells, a choropleth and a chart."""
from qgis.core import (
    QgsFeature,
    QgsGraduatedSymbolRenderer,
    QgsPalLayerSettings,
    QgsProject,
    QgsRendererRange,
    QgsSymbol,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
    QgsWkbTypes,
)
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QAbstractTableModel, QRectF, Qt, pyqtSignal
from qgis.PyQt.QtGui import QBrush, QColor, QPainter
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core import rules, schema
from ..core.errors import LandEnforcementError
from ..core.overlay.engine_local import required_township_code_field
from ..core.season import metrics
from ..core.season import plan as season
from ..core.store import open_task
from .background import Runner
from .combos import refill_choices
from .messages import error_text, ui_is_chinese
from .rules_dialog import RulesDialog

# (metric, shown as) in the table; the flags colour the cells that decide them.
_SHOWN = ("xzqmc", "patch_count", "verified_count", "unlawful_count", "unlawful_mu", "construction_cultivated_mu",
          "unlawful_cultivated_mu", "unlawful_cultivated_ratio", "unlawful_pbf_mu", "unlawful_general_cultivated_mu",
          "rectification_rate", "unrectified_cultivated_mu", "daily_found_share", "unlawful_pbf_or_reserve_mu",
          "case_flag_count", "unrectified_pbf_mu", "daily_found_count", "daily_rectified_count",
          "satellite_found_count", "satellite_rectified_count", "suspect_concealed_count", "doubtful_rectified_count")
# The rules (of the task's profile) each shown figure follows: named with their source in tooltips.
_FIGURE_RULES = {
    "construction_cultivated_mu": ("ratio_construction_land_uses",),
    "unlawful_cultivated_ratio": ("ratio_limit", "ratio_construction_land_uses"),
    "unlawful_pbf_or_reserve_mu": ("interview_pbf_reserve_mu",),
    "unlawful_general_cultivated_mu": ("interview_general_mu",),
    "case_flag_count": ("case_pbf_mu", "case_cultivated_mu"), "unrectified_cultivated_mu": ("link_quota",),
    "unrectified_pbf_mu": ("link_quota",), "daily_found_share": ("daily_sources",),
    "daily_found_count": ("daily_sources",), "daily_rectified_count": ("daily_sources",),
    "satellite_found_count": ("daily_sources",), "satellite_rectified_count": ("daily_sources",),
    "suspect_concealed_count": ("concealment_land_uses",), "doubtful_rectified_count": ("rectification_photo",),
}
_FLAG_COLUMNS = (("类别", "Kind"), ("乡镇", "Township"), ("监测编号", "JCBH"), ("说明", "What"),
                 ("依据", "Source"))
_FIELDS = {f.name: f for f in schema.METRIC_FIELDS}
_OVER = QColor(248, 203, 173)
CHOROPLETH_NAMES = ("乡镇违法占用耕地比例", "Unlawful cultivated ratio by township")


_YEAR = "year:"  # the batch filter's data for a whole year


def _year_of(batch):
    try:
        return season.batch_kind(batch)[0]
    except LandEnforcementError:
        return None


def choropleth_name():
    """The choropleth layer's name, in the UI's language only."""
    return CHOROPLETH_NAMES[0] if ui_is_chinese() else CHOROPLETH_NAMES[1]


def _number_item(value, kind):
    item = QTableWidgetItem()
    if value is None:
        item.setText("-")
        return item
    if kind == "ratio":
        item.setData(Qt.ItemDataRole.DisplayRole, round(value * 100, 2))
        item.setText(f"{value:.2%}")
    else:
        item.setData(Qt.ItemDataRole.DisplayRole, round(value, 2) if isinstance(value, float) else value)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class BarChart(QWidget):
    """Unlawful area by township, as horizontal bars (no chart library needed)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.bars = []  # (label, value, flagged)
        self.setMinimumHeight(120)

    def set_bars(self, bars):
        self.bars = bars
        self.setMinimumHeight(24 + 18 * len(bars))
        self.update()

    def paintEvent(self, event):  # noqa: N802 (Qt API)
        painter = QPainter(self)
        top = max((value for _, value, _ in self.bars), default=0) or 1.0
        label_width = 90
        width = max(self.width() - label_width - 70, 10)
        for row, (label, value, flagged) in enumerate(self.bars):
            y = 8 + row * 18
            painter.setPen(QColor(40, 40, 40))
            painter.drawText(QRectF(0, y, label_width - 6, 16), Qt.AlignmentFlag.AlignRight, label)
            painter.fillRect(QRectF(label_width, y + 2, width * value / top, 12),
                             QColor(200, 40, 40) if flagged else QColor(90, 120, 170))
            painter.drawText(QRectF(label_width + width * value / top + 4, y, 66, 16), Qt.AlignmentFlag.AlignLeft,
                             f"{value:.2f}")
        painter.end()


class FlagsModel(QAbstractTableModel):
    """The flags and their rules, a row each, their texts made only for the rows Qt paints: 2,260
    flags of a season as table items held the UI thread 90 ms."""

    def __init__(self, headers, parent=None):
        super().__init__(parent)
        self.headers, self.flags = headers, []

    def show(self, flags):
        self.beginResetModel()
        self.flags = flags
        self.endResetModel()

    def rowCount(self, parent=None):  # noqa: N802 (Qt API)
        return 0 if parent is not None and parent.isValid() else len(self.flags)

    def columnCount(self, parent=None):  # noqa: N802 (Qt API)
        return len(self.headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 (Qt API)
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        flag = self.flags[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (flag["kind"], flag["xzqmc"], "、".join(flag["jcbhs"]), flag["text"], flag["source"])[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return flag["quote"]
        return None


class MetricsDock(QgsDockWidget):
    township_clicked = pyqtSignal(str)  # xzqdm
    message = pyqtSignal(str, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("LandEnforcementMetricsDock")
        self.setWindowTitle(self.tr("Township metrics"))
        self.task_path = None
        self.result = None
        self.ratio = QDoubleSpinBox()
        self.ratio.setSuffix(" %")
        self.ratio.setRange(0, 100)
        self.pbf = QDoubleSpinBox()
        self.general = QDoubleSpinBox()
        for box in (self.pbf, self.general):
            box.setSuffix(" " + self.tr("mu"))
            box.setRange(0, 100000)
        self._clear_thresholds()
        thresholds = QFormLayout()
        thresholds.addRow(self.tr("Unlawful cultivated ratio above"), self.ratio)
        thresholds.addRow(self.tr("Warning interview: permanent farmland or nature reserve from"), self.pbf)
        thresholds.addRow(self.tr("Warning interview: general cultivated land from"), self.general)
        self.recompute_button = QPushButton(self.tr("Recompute"))
        self.recompute_button.clicked.connect(self.save_thresholds_and_recompute)
        self.map_button = QPushButton(self.tr("Township map"))
        self.map_button.clicked.connect(self.add_choropleth)
        # Which rules this task is computed with: bundled, the bureau's own, or a file (kept with the
        # task and audited); the task's rules saved as the bureau's own, as the milestone template.
        self.load_rules_button = QPushButton(self.tr("Rules profile…"))
        menu = QMenu(self.load_rules_button)
        for name in rules.bundled_names():
            menu.addAction(self.tr("Bundled: {name}").format(name=name)).triggered.connect(
                lambda _checked=False, name=name: self.use_rules(rules.bundled(name)))
        menu.addAction(self.tr("The bureau's own")).triggered.connect(lambda: self.use_rules(rules.saved_profile()))
        menu.addAction(self.tr("From a file…")).triggered.connect(self._choose_rules_file)
        self.load_rules_button.setMenu(menu)
        self.edit_rules_button = QPushButton(self.tr("Edit rules…"))
        self.edit_rules_button.setToolTip(self.tr("Every rule of the task's profile with its source: thresholds, "
                                                  "daily-work lead sources, land uses per figure"))
        self.edit_rules_button.clicked.connect(self.edit_rules)
        self.save_rules_button = QPushButton(self.tr("Save rules as the bureau's"))
        self.save_rules_button.clicked.connect(self.save_rules_as_bureaus)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.busy = QProgressBar()  # shown while the figures are computed
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(8)
        self.busy.setTextVisible(False)
        self.busy.setVisible(False)
        self.runner = Runner(self.busy, lambda: None, hidden=True)
        self._again = False
        self.table = QTableWidget(0, len(_SHOWN))
        zh = ui_is_chinese()
        self.table.setHorizontalHeaderLabels([_FIELDS[name].zh if zh else _FIELDS[name].en for name in _SHOWN])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setSortingEnabled(True)
        # Rows stay in the order computed (townships by code, the county last) until a header is clicked.
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.cellClicked.connect(self._clicked)
        self.batch = QComboBox()
        self.batch.currentIndexChanged.connect(lambda _index: self.recompute())
        self.progress = QTableWidget(0, len(schema.PROGRESS_FIELDS))
        self.progress.setHorizontalHeaderLabels([f.zh if zh else f.en for f in schema.PROGRESS_FIELDS])
        self.progress.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.progress.verticalHeader().setVisible(False)
        self.chart = BarChart()
        self.explain_title = QLabel(self.tr("Click a figure to see the patches it is summed from"))
        self.explain_title.setWordWrap(True)
        self.explanation = QTableWidget(0, 2)
        self.explanation.setHorizontalHeaderLabels([self.tr("JCBH"), self.tr("Contribution")])
        self.explanation.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.explanation.verticalHeader().setVisible(False)
        explain_box = QWidget()
        explain_layout = QVBoxLayout(explain_box)
        explain_layout.addWidget(self.explain_title)
        explain_layout.addWidget(self.explanation, 1)
        self.flags = QTableView()
        self.flags.setModel(FlagsModel([zh_en[0] if zh else zh_en[1] for zh_en in _FLAG_COLUMNS], self.flags))
        self.flags.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.flags.horizontalHeader().setResizeContentsPrecision(100)  # widths from the first rows, not thousands
        self.flags.verticalHeader().setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel(self.tr("Batch")))
        buttons.addWidget(self.batch)
        buttons.addWidget(self.recompute_button)
        buttons.addWidget(self.map_button)
        buttons.addWidget(self.load_rules_button)
        buttons.addWidget(self.edit_rules_button)
        buttons.addWidget(self.save_rules_button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(thresholds)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.busy)
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.addWidget(QLabel(self.tr("Unlawful area by township (mu)")))
        chart_layout.addWidget(self.chart)
        splitter = QSplitter(Qt.Orientation.Horizontal)  # the dock sits at the bottom: side by side
        splitter.addWidget(self.table)
        splitter.addWidget(chart_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.tabs = QTabWidget()
        self.tabs.addTab(splitter, self.tr("Figures"))
        self.tabs.addTab(explain_box, self.tr("Why this figure"))
        self.tabs.addTab(self.flags, self.tr("Flags and their rules"))
        self.tabs.addTab(self.progress, self.tr("Progress by township and person"))
        layout.addWidget(self.tabs, 1)
        self.setWidget(body)

    def set_task(self, path):
        self.task_path = path
        batches = []
        if path:
            try:
                with self._store() as store:
                    batches = store.summary().batches
            except Exception:  # no task yet: the figures say why
                batches = []
        self._read_thresholds()
        # A year's enforcement (its annual and quarterly batches, a repeat once) first, then each batch.
        years = sorted({year for year in (_year_of(batch) for batch in batches) if year is not None})
        refill_choices(self.batch, self.tr("All batches"),
                       [(self.tr("{year} (annual and quarterly batches)").format(year=year), f"{_YEAR}{year}")
                        for year in years] + [(batch, batch) for batch in batches])
        self.recompute()

    def _store(self):
        return open_task(self.task_path)

    def recompute(self, *_):
        """Figures from the task as it is now, computed in the background after every saved verdict
        (about a second for 20,000 patches): asked again while computing, it computes once more
        when done, with whatever the task and the batch are then."""
        if not self.runner.idle:
            self._again = True
            return
        self._again = False
        if not self.task_path:
            self.table.setRowCount(0)
            self.result = None
            return
        path, batch = self.task_path, self.batch.currentData()
        year = int(batch[len(_YEAR):]) if batch and batch.startswith(_YEAR) else None
        batch = None if year else batch

        def work(_feedback):
            with open_task(path) as store:
                figures = metrics.township_metrics(store, batch=batch, year=year)
            return figures, season.progress(path, batch)

        self.runner.start(self.tr("Township metrics"), work, self._computed)

    def _computed(self, computed, error):
        if self._again:  # the figures are already out of date
            self.recompute()
            return
        if error is not None:  # no overlay yet, or no task: said in the dock, not raised
            self.table.setRowCount(0)
            self.result = None
            self.status.setText(error_text(error))
            return
        self.result, progress = computed
        self._show_thresholds(self.result.thresholds)
        self._fill(self.result)
        self._fill_progress(progress)

    def _threshold_boxes(self):
        return self.ratio, self.pbf, self.general

    def _show_thresholds(self, thresholds):
        values = (thresholds.unlawful_cultivated_ratio * 100, thresholds.warning_pbf_mu,
                  thresholds.warning_general_cultivated_mu)
        for box, value in zip(self._threshold_boxes(), values):
            box.setSpecialValueText("")
            box.setMinimum(0)
            box.setValue(value)
            box.setEnabled(True)

    def _clear_thresholds(self):
        """No task open: no threshold to show (0.00 would read as one), none to save."""
        for box in self._threshold_boxes():
            box.setMinimum(-1)
            box.setSpecialValueText("—")  # shown while the value is the minimum
            box.setValue(-1)
            box.setEnabled(False)

    def _read_thresholds(self):
        """The open task's thresholds, shown even before its figures can be computed."""
        if not self.task_path:
            self._clear_thresholds()
            return
        try:
            with self._store() as store:
                self._show_thresholds(metrics.task_thresholds(store))
        except Exception:  # no readable task: the figures say why
            self._clear_thresholds()

    def save_thresholds_and_recompute(self):
        if not self.task_path:
            return
        with self._store() as store:
            metrics.set_task_thresholds(store, schema.Thresholds(self.ratio.value() / 100, self.pbf.value(),
                                                                 self.general.value()))
        self.recompute()

    def save_rules_as_bureaus(self):
        """The task's rules profile becomes the bureau's own (QGIS settings), as the milestone template."""
        if self.result is not None:
            rules.save_profile(self.result.profile)
            self.message.emit(self.tr("Rules saved as the bureau's"), 0)

    def _choose_rules_file(self):
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Rules profile"), "", "JSON (*.json)")
        if path:
            try:
                self.use_rules(rules.read_profile(path))
            except LandEnforcementError as error:
                self.message.emit(error_text(error), 2)

    def edit_rules(self):
        """The rules editor over the task's profile; OK computes the task with the edited rules."""
        if not self.task_path:
            return None
        with self._store() as store:
            profile = rules.task_profile(store)
        dialog = RulesDialog(profile, self)
        dialog.accepted.connect(lambda: self.use_rules(dialog.profile_edited))
        dialog.saved_as_bureaus.connect(lambda: self.message.emit(self.tr("Rules saved as the bureau's"), 0))
        dialog.open()
        return dialog

    def use_rules(self, profile):
        """Compute the task with another rules profile: kept with the task (audited), recomputed."""
        if not self.task_path:
            return
        with self._store() as store:
            rules.set_task_profile(store, profile)
        self._read_thresholds()
        self.recompute()

    def _rule_tip(self, name):
        """The rules a figure follows, each with its document and clause."""
        profile = self.result.profile
        return "\n".join(f"{profile.rule(r).zh}：{profile.rule(r).shown}（{profile.rule(r).cited}）"
                         for r in _FIGURE_RULES.get(name, ()))

    def _fill(self, result):
        t = result.thresholds
        over = {"unlawful_cultivated_ratio": lambda r: r["ratio_flag"],
                "unlawful_pbf_mu": lambda r: r["unlawful_pbf_mu"] >= t.warning_pbf_mu,
                "unlawful_pbf_or_reserve_mu": lambda r: r["unlawful_pbf_or_reserve_mu"] >= t.warning_pbf_mu,
                "unlawful_general_cultivated_mu": lambda r: r["unlawful_general_cultivated_mu"]
                >= t.warning_general_cultivated_mu,
                "case_flag_count": lambda r: r["case_flag_count"],
                "suspect_concealed_count": lambda r: r["suspect_concealed_count"],
                "doubtful_rectified_count": lambda r: r["doubtful_rectified_count"]}
        for column, name in enumerate(_SHOWN):
            self.table.horizontalHeaderItem(column).setToolTip(self._rule_tip(name))
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(result.rows))
        for row_number, row in enumerate(result.rows):
            for column, name in enumerate(_SHOWN):
                kind = "ratio" if name.endswith(("_ratio", "_rate", "_share")) else "number"
                item = QTableWidgetItem(row[name]) if name == "xzqmc" else _number_item(row[name], kind)
                if name == "unlawful_cultivated_ratio" and row["ratio_incomplete"]:
                    # Never a number that looks final: which records lack 用地类型.
                    missing = result.incomplete.get(row["xzqdm"]) or [
                        j for jcbhs in result.incomplete.values() for j in jcbhs]
                    item.setText(self.tr("incomplete ({n})").format(n=len(set(missing))))
                    item.setToolTip(self.tr("用地类型 missing: {jcbhs}").format(jcbhs="、".join(sorted(set(missing)))))
                    item.setBackground(QBrush(_OVER))
                item.setData(Qt.ItemDataRole.UserRole, row["xzqdm"])
                item.setData(Qt.ItemDataRole.UserRole + 1, name)
                if name in over and over[name](row):
                    item.setBackground(QBrush(_OVER))
                self.table.setItem(row_number, column, item)
        self.table.setSortingEnabled(True)
        flagged = [r["xzqmc"] for r in result.rows[:-1] if r["ratio_flag"] or r["interview_flag"]]
        self.status.setText(self.tr("{n} townships over a threshold: {names}; {cases} single cases").format(
            n=len(flagged), names="、".join(flagged) or "-", cases=len(result.flagged_patches)))
        self.chart.set_bars([(r["xzqmc"], r["unlawful_mu"], bool(r["ratio_flag"] or r["interview_flag"]))
                             for r in result.rows[:-1]])
        self.flags.model().show(result.flags)

    def _fill_progress(self, rows):
        self.progress.setRowCount(len(rows))
        for row_number, row in enumerate(rows):
            for column, spec in enumerate(schema.PROGRESS_FIELDS):
                value = row[spec.name]
                item = _number_item(value, "number") if spec.kind == "int" else QTableWidgetItem(value or "")
                if spec.name.endswith("overdue") and value:
                    item.setBackground(QBrush(_OVER))
                self.progress.setItem(row_number, column, item)

    def _clicked(self, row, column):
        code = self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        self.explain(code, self.table.item(row, column).data(Qt.ItemDataRole.UserRole + 1))
        if code and not code.endswith(schema.COUNTY_ROW_SUFFIX):
            self.township_clicked.emit(code)

    def explain(self, xzqdm, name):
        """List the patches a figure of a row is summed from (the township's name: its patches)."""
        if self.result is None or xzqdm not in self.result.sums:
            return
        name = "patch_count" if name == "xzqmc" else name
        field = _FIELDS[name]
        place = next(r["xzqmc"] for r in self.result.rows if r["xzqdm"] == xzqdm)
        contributions = self.result.explain(xzqdm, name)
        tip = self._rule_tip(name)
        self.explain_title.setText(f"{place} · {field.zh if ui_is_chinese() else field.en}"
                                   f"（{len(contributions)}）" + (f"\n{tip}" if tip else ""))
        self.explanation.setRowCount(len(contributions))
        for row_number, (jcbh, value) in enumerate(contributions):
            self.explanation.setItem(row_number, 0, QTableWidgetItem(jcbh))
            self.explanation.setItem(row_number, 1, _number_item(value, "number"))

    # -- the choropleth ----------------------------------------------------------------------
    def add_choropleth(self, townships_layer=None):
        """A township layer coloured by the unlawful cultivated ratio, labelled with the figure."""
        project = QgsProject.instance()
        townships_layer = townships_layer or project.mapLayer(project.readEntry("land_enforcement",
                                                                                "overlay/townships", "")[0])
        if self.result is None or townships_layer is None:
            self.message.emit(self.tr("Run the office comparison with a townships layer first"), 1)
            return None
        by_code = {row["xzqdm"]: row for row in self.result.rows}
        try:
            code_field = required_township_code_field(townships_layer)  # as the overlay found it
        except LandEnforcementError as error:
            self.message.emit(error_text(error), 1)
            return None
        name = choropleth_name()
        layer = QgsVectorLayer(f"MultiPolygon?crs={townships_layer.crs().authid()}&field=xzqdm:string"
                               f"&field=xzqmc:string&field=ratio:double&field=unlawful_mu:double&field=label:string",
                               name, "memory")
        features = []
        for source in townships_layer.getFeatures():
            row = by_code.get(str(source[code_field]))
            if row is None:
                continue
            feature = QgsFeature(layer.fields())
            geometry = source.geometry()
            geometry.convertToMultiType()
            feature.setGeometry(geometry)
            ratio = row["unlawful_cultivated_ratio"]
            feature.setAttributes([row["xzqdm"], row["xzqmc"], ratio, row["unlawful_mu"],
                                   f"{row['xzqmc']}\n{'-' if ratio is None else f'{ratio:.1%}'}"])
            features.append(feature)
        layer.dataProvider().addFeatures(features)
        limit = self.result.thresholds.unlawful_cultivated_ratio
        ranges = []
        for low, high, colour, label in ((0, limit / 3, "255,245,235", f"< {limit / 3:.0%}"),
                                         (limit / 3, limit * 2 / 3, "253,208,162", ""),
                                         (limit * 2 / 3, limit, "253,141,60", f"≤ {limit:.0%}"),
                                         (limit, 1.0, "215,48,31", f"> {limit:.0%}")):
            symbol = QgsSymbol.defaultSymbol(QgsWkbTypes.PolygonGeometry)
            symbol.setColor(QColor(*(int(c) for c in colour.split(","))))
            ranges.append(QgsRendererRange(low, high, symbol, label or f"{low:.0%}–{high:.0%}"))
        layer.setRenderer(QgsGraduatedSymbolRenderer("ratio", ranges))
        labels = QgsPalLayerSettings()
        labels.fieldName = "label"
        layer.setLabeling(QgsVectorLayerSimpleLabeling(labels))
        layer.setLabelsEnabled(True)
        for old in project.mapLayersByName(name):
            project.removeMapLayer(old.id())
        project.addMapLayer(layer)
        return layer
