"""What every landenforcement algorithm shares: translation, groups, instances, error handling."""
from qgis.core import QgsProcessingAlgorithm, QgsProcessingException, QgsProcessingParameterFile
from qgis.PyQt.QtCore import QCoreApplication

from ..core.errors import LandEnforcementError
from ..core.store.postgis_security import database_refusal


def tr(text):
    # pylupdate files module-level tr() calls under @default: translate in that context.
    return QCoreApplication.translate("@default", text)


class LandEnforcementAlgorithm(QgsProcessingAlgorithm):
    """Subclasses set ALGORITHM_ID (stable: scripts call it) and GROUP, name their parameters and
    outputs as class constants, and implement execute() (QgsProcessingAlgorithm already has a run());
    a LandEnforcementError from core becomes a Processing error with its bilingual message."""

    ALGORITHM_ID = ""
    GROUP = "task"
    DATABASE = "DATABASE"  # the task database parameter, named the same in every algorithm that has one

    def task_database_parameter(self, created_when_missing=False):
        """DATABASE: a task GeoPackage, or a PostGIS task as pg:<connection>/<schema>. A file filter
        rather than an extension, because an extension would refuse the pg: form."""
        label = (tr("Task database (GeoPackage, or pg:<connection>/<schema>; created when missing)")
                 if created_when_missing else tr("Task database (GeoPackage, or pg:<connection>/<schema>)"))
        return QgsProcessingParameterFile(self.DATABASE, label, fileFilter="GeoPackage (*.gpkg);;All files (*)")

    def name(self):
        return self.ALGORITHM_ID

    def group(self):
        return {"task": tr("Task"), "verification": tr("Verification"), "submission": tr("Submission"),
                "season": tr("Season"), "review": tr("Review and spot checks")}[self.GROUP]

    def groupId(self):
        return self.GROUP

    def createInstance(self):
        return type(self)()

    def processAlgorithm(self, parameters, context, feedback):
        try:
            return self.execute(parameters, context, feedback)
        except LandEnforcementError as exc:
            message = str(exc)
        except RuntimeError as exc:  # a shared database refusing this login (bureau mode)
            refusal = database_refusal(exc)
            if refusal is None:
                raise
            name = self.displayName()
            message = (f"此登录无权执行“{name}”（{refusal.zh}） / This login may not run '{name}' "
                       f"(a county login may): {refusal.en}")
        # Raised outside the handler, unchained: a chained error's traceback would keep the layers of
        # every frame it crossed alive past QGIS's exit (a crash when the process ends).
        raise QgsProcessingException(message)

    def execute(self, parameters, context, feedback):
        raise NotImplementedError
