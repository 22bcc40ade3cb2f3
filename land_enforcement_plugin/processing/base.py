"""What every landenforcement algorithm shares: translation, groups, instances, error handling."""
from qgis.core import QgsProcessingAlgorithm, QgsProcessingException
from qgis.PyQt.QtCore import QCoreApplication

from ..core.errors import LandEnforcementError


def tr(text):
    # pylupdate files module-level tr() calls under @default: translate in that context.
    return QCoreApplication.translate("@default", text)


class LandEnforcementAlgorithm(QgsProcessingAlgorithm):
    """Subclasses set ALGORITHM_ID (stable: scripts call it) and GROUP, and implement execute() (QgsProcessingAlgorithm already has a run());
    a LandEnforcementError from core becomes a Processing error with its bilingual message."""

    ALGORITHM_ID = ""
    GROUP = "task"

    def name(self):
        return self.ALGORITHM_ID

    def group(self):
        return {"task": tr("Task"), "verification": tr("Verification"), "submission": tr("Submission")}[self.GROUP]

    def groupId(self):
        return self.GROUP

    def createInstance(self):
        return type(self)()

    def processAlgorithm(self, parameters, context, feedback):
        try:
            return self.execute(parameters, context, feedback)
        except LandEnforcementError as exc:
            raise QgsProcessingException(str(exc)) from exc

    def execute(self, parameters, context, feedback):
        raise NotImplementedError
