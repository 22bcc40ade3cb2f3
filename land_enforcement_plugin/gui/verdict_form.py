"""The verdict form: controlled vocabularies, the fields each verdict requires, the patch's history."""
from datetime import datetime

from qgis.gui import QgsCheckableComboBox
from qgis.PyQt.QtCore import QDate, Qt
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
)

from ..core import schema
from ..core.review import verification
from .messages import ask_user_name, ui_is_chinese

# 发现日期 is known only for leads the township's own work found (yiyuan_2019 三(六)): empty by default.
_OPTIONAL_DATES = (schema.V_DISCOVERY_DATE,)
_NO_DATE = QDate(2000, 1, 1)


class VerdictForm(QDialog):
    """Edits one patch's verification record. Save stays disabled while a required field is empty,
    and the form names what is missing, so nothing half-valid is saved."""

    def __init__(self, jcbh, values, history, parent=None):
        super().__init__(parent)
        self.setObjectName("LandEnforcementVerdictForm")
        self.setWindowTitle(self.tr("Verification of {jcbh}").format(jcbh=jcbh))
        self.jcbh = jcbh
        zh = ui_is_chinese()
        self.widgets = {}
        form = QFormLayout()
        for spec in schema.VERIFICATION_FIELDS:
            widget = self._widget(spec, values.get(spec.name), zh)
            self.widgets[spec] = widget
            form.addRow(spec.zh if zh else spec.en, widget)
        self.missing = QLabel()
        self.missing.setStyleSheet("color: #b00020")
        self.missing.setWordWrap(True)
        self.warning = QLabel()  # saved all the same: a date after today, named with the date
        self.warning.setStyleSheet("color: #9a5b00")
        self.warning.setWordWrap(True)
        self.history = QListWidget()
        for entry in reversed(history):
            self.history.addItem(history_line(entry, zh))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        # Named here: Qt's own button texts stay English where Qt's translations are not installed.
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        heading = QLabel(self.tr("Monitoring number {jcbh}").format(jcbh=jcbh))
        heading.setStyleSheet("font-weight: bold; font-size: 14px")
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.missing)
        layout.addWidget(self.warning)
        layout.addWidget(QLabel(self.tr("History")))
        layout.addWidget(self.history)
        layout.addWidget(self.buttons)
        self._check()

    def _widget(self, spec, value, zh):
        if spec.vocabulary is not None and spec.multiple:
            widget = QgsCheckableComboBox()
            for member in spec.vocabulary:
                widget.addItemWithCheckState(member.zh if zh else member.en, 0, member.value)
            chosen = set((value or "").split("、"))
            widget.setCheckedItems([(m.zh if zh else m.en) for m in spec.vocabulary if m.value in chosen])
            widget.checkedItemsChanged.connect(self._check)
        elif spec.vocabulary is not None:
            widget = QComboBox()
            widget.addItem("", None)
            for member in spec.vocabulary:
                widget.addItem(member.zh if zh else member.en, member.value)
            widget.setCurrentIndex(max(widget.findData(value), 0))
            widget.currentIndexChanged.connect(self._check)
        elif spec.kind == "date":
            widget = QDateEdit()
            widget.setCalendarPopup(True)
            widget.setDisplayFormat("yyyy-MM-dd")
            if spec in _OPTIONAL_DATES:  # left empty ("—", the minimum) unless a date is known
                widget.setMinimumDate(_NO_DATE)
                widget.setSpecialValueText("—")
                widget.setDate(QDate.fromString(value, "yyyy-MM-dd") if value else _NO_DATE)
            else:
                widget.setDate(QDate.fromString(value, "yyyy-MM-dd") if value else QDate.currentDate())
            widget.dateChanged.connect(self._check)
        elif spec is schema.V_NOTES:
            widget = QPlainTextEdit(value or "")
            widget.setMaximumHeight(60)
        else:
            widget = QLineEdit(value or "")
            widget.textChanged.connect(self._check)
        return widget

    def values(self):
        out = {}
        for spec, widget in self.widgets.items():
            if isinstance(widget, QgsCheckableComboBox):
                out[spec.name] = "、".join(widget.checkedItemsData()) or None
            elif isinstance(widget, QComboBox):
                out[spec.name] = widget.currentData()
            elif isinstance(widget, QDateEdit):
                out[spec.name] = None if widget.date() == _NO_DATE else widget.date().toString("yyyy-MM-dd")
            elif isinstance(widget, QPlainTextEdit):
                out[spec.name] = widget.toPlainText().strip() or None
            else:
                out[spec.name] = widget.text().strip() or None
        return out

    def accept(self):
        """The first save asks the person's name, so that the change history shows who it was."""
        ask_user_name(self)
        super().accept()

    def _check(self, *_):
        problems = verification.missing_required(self.values())
        zh = ui_is_chinese()
        self.missing.setText("；".join(p.zh for p in problems) if zh else "; ".join(p.en for p in problems))
        warnings = verification.date_warnings(self.values())
        self.warning.setText("；".join(p.zh for p in warnings) if zh else "; ".join(p.en for p in warnings))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problems)


_LABELLED = {spec.name: spec for spec in schema.VERIFICATION_FIELDS + (schema.RECHECK,)}


def history_line(entry, zh):
    """One audit entry of a record as the form lists it, in the UI's language: local time, who, how
    (表单 / 核查表 / QField), the field's label, old → new (values as recorded)."""
    spec = _LABELLED.get(entry["field"])
    label = (spec.zh if zh else spec.en) if spec else entry["field"] or ""
    channel = schema.CHANNEL_LABELS.get(entry["channel"])
    how = (channel[0] if zh else channel[1]) if channel else entry["channel"] or entry["action"]
    return (f"{_local_time(entry['ts'])} {entry['user_name']} [{how}] {label}: "
            f"{entry['old_value'] or '∅'} → {entry['new_value'] or '∅'}")


def _local_time(stamp):
    """'2024-06-01 17:05' in this computer's time zone, from the stored ISO time (any offset)."""
    try:
        return datetime.fromisoformat(str(stamp)).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(stamp or "")
