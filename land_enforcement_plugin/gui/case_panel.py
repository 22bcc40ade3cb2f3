"""The case panel: a patch's enforcement case from clue to 销号 — open it with its offender,
record its acts one by one (the documents' rules refuse what they forbid, saying why), see its
history and attachments. Reached from the review dock's selected patch."""
import datetime
import os

from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ..core import schema, schema_cases
from ..core.errors import LandEnforcementError
from ..core.intake.jcbh import monitoring_numbers
from ..core.review import cases
from ..core.store import open_task
from .messages import ask_user_name, error_text, ui_is_chinese


def _label(spec, zh):
    return spec.zh if zh else spec.en


class CasePanel(QDialog):
    """The case of patch `jcbh` (or the form to open one over it and other patches)."""

    def __init__(self, task_path, jcbh, parent=None):
        super().__init__(parent)
        self.setObjectName("LandEnforcementCasePanel")
        self.task_path = task_path
        self.jcbh = jcbh
        self.zh = ui_is_chinese()
        self.case_key = None
        self.attached = {}  # act id -> its attachment rows (the history's attachment cells hold the act id)
        self.setWindowTitle(self.tr("Enforcement case of {jcbh}").format(jcbh=jcbh))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.problem = QLabel()  # why the last try was refused
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)

        # Opening a case: its patches and its facts.
        self.opening = QGroupBox(self.tr("Open a case"))
        form = QFormLayout(self.opening)
        self.patches = QLineEdit(jcbh)
        self.patches.setToolTip(self.tr("Monitoring numbers of the case's patches, separated by 、 or commas"))
        form.addRow(_label(schema.C_PATCHES, self.zh), self.patches)
        self.fact_edits = {}
        for spec in schema.CASE_FIELDS:
            widget = self._widget(spec)
            self.fact_edits[spec.name] = widget
            form.addRow(_label(spec, self.zh), widget)
        open_button = QPushButton(self.tr("Open case"))
        open_button.clicked.connect(self.open_case)
        form.addRow(open_button)

        # Recording an act.
        self.recording = QGroupBox(self.tr("Record an act"))
        act_layout = QVBoxLayout(self.recording)
        head = QFormLayout()
        self.kind = QComboBox()
        for kind in schema_cases.ActKind:
            self.kind.addItem(kind.zh if self.zh else kind.en, kind.value)
        self.kind.currentIndexChanged.connect(self._show_details)
        self.date = QLineEdit(datetime.date.today().isoformat())
        head.addRow(_label(schema_cases.A_KIND, self.zh), self.kind)
        head.addRow(_label(schema_cases.A_DATE, self.zh), self.date)
        act_layout.addLayout(head)
        self.details_form = QFormLayout()
        act_layout.addLayout(self.details_form)
        self.detail_widgets = {}
        self.attachments = QListWidget()
        self.attachments.setMaximumHeight(70)
        add_files = QPushButton(self.tr("Attach files…"))
        add_files.clicked.connect(self.choose_attachments)
        record = QPushButton(self.tr("Record"))
        record.clicked.connect(self.record)
        row = QHBoxLayout()
        row.addWidget(add_files)
        row.addStretch(1)
        row.addWidget(record)
        act_layout.addWidget(self.attachments)
        act_layout.addLayout(row)

        self.history = QTableWidget(0, 5)
        self.history.setHorizontalHeaderLabels([self.tr("Date"), self.tr("Act"), self.tr("Details"),
                                                self.tr("Attachments"), self.tr("Recorded by")])
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.cellDoubleClicked.connect(self._open_attachment)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.opening)
        layout.addWidget(self.history, 1)
        layout.addWidget(self.recording)
        layout.addWidget(self.problem)
        self._show_details()
        self.refresh()

    # -- widgets ---------------------------------------------------------------------------------
    def _widget(self, spec):
        if spec.vocabulary is not None and not spec.multiple:
            combo = QComboBox()
            combo.addItem("", None)
            for member in spec.vocabulary:
                combo.addItem(member.zh if self.zh else member.en, member.value)
            return combo
        edit = QLineEdit()
        if spec.multiple:
            edit.setPlaceholderText("、".join(spec.vocabulary.values()))
        elif spec.kind == "date":
            edit.setPlaceholderText("2024-06-30")
        return edit

    @staticmethod
    def _value(widget):
        return widget.currentData() if isinstance(widget, QComboBox) else widget.text()

    def set_value(self, name, value):
        """Fill a fact or detail field as typed (a vocabulary field by its stored label)."""
        widget = self.fact_edits.get(name) or self.detail_widgets[name]
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(widget.findData(value))
        else:
            widget.setText(value)

    def _show_details(self, *_):
        while self.details_form.rowCount():
            self.details_form.removeRow(0)
        self.detail_widgets = {}
        kind = schema_cases.ActKind(self.kind.currentData())
        for spec in schema_cases.ACT_DETAILS[kind] + (schema_cases.A_NOTE,):
            widget = self._widget(spec)
            self.detail_widgets[spec.name] = widget
            required = spec in schema_cases.ACT_REQUIRED[kind]
            self.details_form.addRow(_label(spec, self.zh) + (" *" if required else ""), widget)

    # -- data ------------------------------------------------------------------------------------
    def refresh(self):
        with open_task(self.task_path) as store:
            view = next((v for v in cases.case_views(store) if self.jcbh in v["jcbhs"]), None)
        self.case_key = view["case_key"] if view else None
        self.opening.setVisible(view is None)
        self.recording.setVisible(view is not None and not view["state"]["written_off"])
        self.history.setRowCount(0)
        if view is None:
            self.summary.setText(self.tr("No case yet: open one over this patch (and others of the same offender)."))
            return view
        state = view["state"]
        subject = view.get(schema.C_SUBJECT_NAME.name) or ""
        text = self.tr("{case}: {subject}; patches {patches}; status {status}").format(
            case=view["case_key"], subject=subject, patches="、".join(view["jcbhs"]), status=state["status"] or "—")
        if state["deadline"]:
            text += self.tr("; rectification deadline {deadline}").format(deadline=state["deadline"])
        if state["overdue"]:
            text += self.tr(" (overdue)")
        self.summary.setText(text)
        files = self.attached = {}
        for row in view["attachments"]:
            files.setdefault(row["act_id"], []).append(row)
        names = {spec.name: spec for spec in schema_cases.ACT_DETAIL_FIELDS}
        for act in view["acts"]:
            line = self.history.rowCount()
            self.history.insertRow(line)
            details = "；".join(f"{_label(names[k], self.zh)}：{v}" for k, v in act["details"].items() if k in names)
            attached = files.get(act["act_id"], [])
            for column, value in enumerate((act["act_date"], act["kind"], details,
                                            "、".join(a["name"] for a in attached), act["recorded_by"])):
                item = QTableWidgetItem(str(value or ""))
                if column == 3 and attached:
                    item.setData(256, act["act_id"])
                self.history.setItem(line, column, item)
        self.history.resizeColumnsToContents()
        return view

    def open_case(self):
        """Open the case with the form's patches and facts; the reason is shown when refused."""
        ask_user_name(self)
        facts = {name: self._value(widget) for name, widget in self.fact_edits.items()}
        jcbhs = monitoring_numbers(self.patches.text())
        try:
            cases.open_case(self.task_path, jcbhs, facts)
        except LandEnforcementError as exc:
            self.problem.setText(error_text(exc))
            return None
        self.problem.clear()
        return self.refresh()

    def choose_attachments(self):
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Attach files to the act"), "",
                                                self.tr("Documents and photos (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;"
                                                        "All files (*)"))
        self.add_attachments(paths)

    def add_attachments(self, paths):
        for path in paths:
            self.attachments.addItem(path)

    def record(self):
        """Record the act as filled in; a refusal (a rule of the documents, a wrong value) is shown
        and nothing is recorded. Returns the act id or None."""
        ask_user_name(self)
        details = {name: self._value(widget) for name, widget in self.detail_widgets.items()}
        files = [self.attachments.item(i).text() for i in range(self.attachments.count())]
        try:
            act_id = cases.record_act(self.task_path, self.case_key, self.kind.currentData(), self.date.text(),
                                      details, files, channel=schema.CHANNEL_FORM)
        except LandEnforcementError as exc:
            self.problem.setText(error_text(exc))
            return None
        self.problem.clear()
        self.attachments.clear()
        self._show_details()
        self.refresh()
        return act_id

    def _open_attachment(self, row, column):
        """Open the act's attachments: fetched from a shared task when recorded on another computer,
        and refused (saying why) when they no longer match their SHA-256."""
        item = self.history.item(row, 3)
        try:
            rows = self.attached.get(item.data(256), []) if item is not None else []
            paths = cases.local_attachments(self.task_path, rows)
        except LandEnforcementError as exc:
            self.problem.setText(error_text(exc))
            return
        for path in paths:
            if os.path.exists(path):
                QDesktopServices.openUrl(QUrl.fromLocalFile(path))
