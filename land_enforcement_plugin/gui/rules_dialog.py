"""The rules profile editor (问责口径): every rule of a profile in a table with its value, unit and
source, the document's words as tooltip; values edited here are checked by the profile's own
validation, which names the rule it refuses."""
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core import rules
from ..core.errors import LandEnforcementError
from .messages import error_text, ui_is_chinese

_COLUMNS = 5  # rule, value, unit, source (file and clause), name


class RulesDialog(QDialog):
    """Edit a copy of `profile`; `profile_edited` is the checked profile, set when OK is pressed."""
    saved_as_bureaus = pyqtSignal()

    def __init__(self, profile, parent=None):
        super().__init__(parent)
        self.setObjectName("LandEnforcementRulesDialog")
        self.setWindowTitle(self.tr("Rules profile: {name} ({version})").format(name=profile.name,
                                                                               version=profile.version))
        self.resize(900, 520)
        self.profile = profile
        self.profile_edited = None
        self.editors = {}  # rule name -> function giving the value now in the table
        self.table = QTableWidget(len(rules.RULE_KINDS), _COLUMNS)
        self.table.setHorizontalHeaderLabels([self.tr("Rule"), self.tr("Value"), self.tr("Unit"),
                                              self.tr("Source (file and clause)"), self.tr("Name")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        for row, name in enumerate(rules.RULE_KINDS):  # one order whatever the file's (the calendar last)
            self._add_rule(row, profile.rule(name))
        # The value column as wide as its checkboxes; long descriptions and the calendar wrap.
        header = self.table.horizontalHeader()
        for column in (0, 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 340)
        self.table.setColumnWidth(1, max([self.table.cellWidget(row, 1).sizeHint().width()
                                          for row in range(self.table.rowCount()) if self.table.cellWidget(row, 1)]
                                         + [160]))
        self.table.setWordWrap(True)
        self.table.resizeRowsToContents()
        self.problem = QLabel()  # why the values were refused
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)
        save = QPushButton(self.tr("Save as the bureau's own"))
        save.setToolTip(self.tr("Keep these rules in the QGIS settings as the bureau's own profile, "
                                "as the milestone template"))
        save.clicked.connect(self.save_as_bureaus)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(save, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("OK computes the task with these rules (kept with the task and written "
                                        "to the audit log)")))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def _add_rule(self, row, rule):
        kind = rules.RULE_KINDS[rule.name]
        unit = {"mu": self.tr("mu"), "fraction": "%"}.get(kind, "")
        cells = (rule.zh, None, unit, rule.cited, rule.name)
        for column, text in enumerate(cells):
            if text is None:
                continue
            item = QTableWidgetItem(text)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(rule.quote)
            self.table.setItem(row, column, item)
        if kind in ("mu", "fraction"):
            shown = rule.value * 100 if kind == "fraction" else rule.value
            item = QTableWidgetItem(f"{shown:g}")
            item.setToolTip(rule.quote)
            self.table.setItem(row, 1, item)
            self.editors[rule.name] = lambda item=item, kind=kind: _number(item.text(), kind)
        elif kind == "bool":
            item = QTableWidgetItem()
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Checked if rule.value else Qt.CheckState.Unchecked)
            item.setToolTip(rule.quote)
            self.table.setItem(row, 1, item)
            self.editors[rule.name] = lambda item=item: item.checkState() == Qt.CheckState.Checked
        elif kind == "calendar":  # edited in the Season tab, where the milestones are
            item = QTableWidgetItem(rule.shown.replace("；", "\n"))
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(self.tr("Edited in the Season tab (Save as my template)") + "\n" + rule.quote)
            self.table.setItem(row, 1, item)
        else:  # a vocabulary: lead sources, land uses
            box = QWidget()
            box.setToolTip(rule.quote)
            box_layout = QGridLayout(box)
            box_layout.setContentsMargins(2, 0, 2, 0)
            checks = []
            for number, member in enumerate(kind):
                check = QCheckBox(member.zh if ui_is_chinese() else member.en)
                check.setObjectName(f"{rule.name}:{member.value}")
                check.setChecked(member.value in rule.value)
                box_layout.addWidget(check, number // 3, number % 3)
                checks.append((member.value, check))
            self.table.setCellWidget(row, 1, box)
            self.editors[rule.name] = lambda checks=checks: [value for value, c in checks if c.isChecked()]

    def check(self, name, value):
        """The checkbox of `value` in the vocabulary rule `name` (ticked or not by the user)."""
        return self.findChild(QCheckBox, f"{name}:{value}")

    def value_item(self, name):
        return self.table.item(list(rules.RULE_KINDS).index(name), 1)

    def edited(self):
        """The profile with the table's values, checked (LandEnforcementError naming a wrong rule)."""
        return self.profile.with_values(**{name: editor() for name, editor in self.editors.items()})

    def _edited_or_say_why(self):
        try:
            profile = self.edited()
        except LandEnforcementError as error:
            self.problem.setText(error_text(error))
            return None
        self.problem.clear()
        return profile

    def accept(self):
        profile = self._edited_or_say_why()
        if profile is not None:
            self.profile_edited = profile
            super().accept()

    def save_as_bureaus(self):
        profile = self._edited_or_say_why()
        if profile is not None:
            rules.save_profile(profile)
            self.saved_as_bureaus.emit()
        return profile


def _number(text, kind):
    """The number typed (a share typed in %), or the text itself for the profile's check to refuse."""
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        return text
    return value / 100 if kind == "fraction" else value
