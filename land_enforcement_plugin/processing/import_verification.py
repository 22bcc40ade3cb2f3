"""landenforcement:importverification — a returned verification spreadsheet into the task."""
from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..core.review import verification
from .base import LandEnforcementAlgorithm, tr


class ImportVerificationAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "importverification"
    GROUP = "verification"

    INPUT = "INPUT"
    ACCEPT_PARTIAL = "ACCEPT_PARTIAL"

    # outputs
    ACCEPTED = "ACCEPTED"
    UNCHANGED = "UNCHANGED"
    REJECTED = "REJECTED"
    CONFLICTS = "CONFLICTS"
    CHANGED = "CHANGED"
    REPORT = "REPORT"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Import verification spreadsheet")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Imports a filled verification spreadsheet (.xlsx with the 监测编号 … 备注 headers, or a .csv "
        "saved by Excel) into the task database: every visible sheet with those headers (one per "
        "township is fine), headers matched whatever their brackets, stars or spaces. Every row is "
        "checked (unknown monitoring number, one Excel rounded as a number, a township the patch is "
        "not in, unknown code, bad date, missing required field); a record saved since the plugin "
        "wrote the sheet is a conflict, never overwritten. The file is imported all-or-nothing unless "
        "partial import is accepted. Importing the same file twice changes nothing. Every changed "
        "field is written to the audit log. An .xls or a password-protected file is refused saying "
        "what to do.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile(self.INPUT, tr("Verification spreadsheet (.xlsx or .csv)"),
                                                     fileFilter="Spreadsheets (*.xlsx *.xlsm *.csv);;All files (*)"))
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterBoolean(
            self.ACCEPT_PARTIAL, tr("Import the valid rows even when some rows are rejected"), defaultValue=False))
        for name, label in ((self.ACCEPTED, tr("Rows accepted")), (self.UNCHANGED, tr("Rows unchanged")),
                            (self.REJECTED, tr("Rows rejected")),
                            (self.CONFLICTS, tr("Rows in conflict with a newer record")),
                            (self.CHANGED, tr("Records written"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString(self.REPORT, tr("Row report")))

    def execute(self, parameters, context, feedback):
        result = verification.import_spreadsheet(
            self.task_path(parameters, context),
            self.parameterAsFile(parameters, self.INPUT, context),
            self.parameterAsBoolean(parameters, self.ACCEPT_PARTIAL, context), feedback)
        report = result.lines()
        for line in report:
            feedback.pushInfo(line)
        if result.rejected and not result.applied:
            feedback.reportError(tr("Rows were rejected: nothing was written. Fix them, or accept a partial import."))
        return {self.ACCEPTED: len(result.accepted), self.UNCHANGED: len(result.unchanged),
                self.REJECTED: len(result.rejected), self.CONFLICTS: len(result.conflicts),
                self.CHANGED: result.changed, self.REPORT: "\n".join(report)}
