"""landenforcement:importverification — a returned verification spreadsheet into the task."""
from qgis.core import (QgsProcessingOutputNumber,
                       QgsProcessingOutputString, QgsProcessingParameterBoolean, QgsProcessingParameterFile)

from .base import LandEnforcementAlgorithm, task_database_parameter, tr
from ..core import verification



class ImportVerificationAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "importverification"
    GROUP = "verification"

    INPUT = "INPUT"
    DATABASE = "DATABASE"
    ACCEPT_PARTIAL = "ACCEPT_PARTIAL"

    def displayName(self):
        return tr("Import verification spreadsheet")

    def shortHelpString(self):
        return tr("Imports a filled verification spreadsheet (.xlsx with the 监测编号 … 备注 headers) into the "
                  "task database. Every row is checked (unknown monitoring number, unknown code, bad date, "
                  "missing required field); the file is imported all-or-nothing unless partial import is "
                  "accepted. Importing the same file twice changes nothing. Every changed field is written "
                  "to the audit log.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile(self.INPUT, tr("Verification spreadsheet (.xlsx)"),
                                                     extension="xlsx"))
        self.addParameter(task_database_parameter())
        self.addParameter(QgsProcessingParameterBoolean(
            self.ACCEPT_PARTIAL, tr("Import the valid rows even when some rows are rejected"), defaultValue=False))
        for name, label in (("ACCEPTED", tr("Rows accepted")), ("UNCHANGED", tr("Rows unchanged")),
                            ("REJECTED", tr("Rows rejected")), ("CHANGED", tr("Records written"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString("REPORT", tr("Row report")))

    def execute(self, parameters, context, feedback):
        result = verification.import_spreadsheet(
            self.parameterAsFile(parameters, self.DATABASE, context),
            self.parameterAsFile(parameters, self.INPUT, context),
            self.parameterAsBoolean(parameters, self.ACCEPT_PARTIAL, context), feedback)
        report = result.lines()
        for line in report:
            feedback.pushInfo(line)
        if result.rejected and not result.applied:
            feedback.reportError(tr("Rows were rejected: nothing was written. Fix them, or accept a partial import."))
        return {"ACCEPTED": len(result.accepted), "UNCHANGED": len(result.unchanged),
                "REJECTED": len(result.rejected), "CHANGED": result.changed, "REPORT": "\n".join(report)}
