"""What every landenforcement algorithm shares: translation, groups, instances, error handling, and the
parameters several algorithms take alike (task database, batch, CRS of layers without one, area mode)."""
from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..core.ellipsoid import AreaMode
from ..core.errors import LandEnforcementError
from ..core.store.postgis_security import database_refusal

AREA_MODES = [AreaMode.ELLIPSOIDAL, AreaMode.PLANAR]  # in the order of the AREA_MODE options


def tr(text):
    # pylupdate files module-level tr() calls and QT_TRANSLATE_NOOP("@default", …) under @default:
    # translate in that context.
    return QCoreApplication.translate("@default", text)


class LandEnforcementAlgorithm(QgsProcessingAlgorithm):
    """Subclasses set ALGORITHM_ID (stable: scripts call it), GROUP, DISPLAY_NAME and HELP (both
    QT_TRANSLATE_NOOP("@default", …): translated here, once), name their parameters and outputs as
    class constants, and implement execute() (QgsProcessingAlgorithm already has a run()); a
    LandEnforcementError from core becomes a Processing error with its bilingual message."""

    ALGORITHM_ID = ""
    GROUP = "task"
    DISPLAY_NAME = ""
    HELP = ""
    # Parameters named the same in every algorithm that has them.
    DATABASE = "DATABASE"
    BATCH = "BATCH"
    LAYER_CRS = "LAYER_CRS"
    AREA_MODE = "AREA_MODE"

    def task_database_parameter(self, created_when_missing=False):
        """DATABASE: a task GeoPackage, or a PostGIS task as pg:<connection>/<schema>. A file filter
        rather than an extension, because an extension would refuse the pg: form."""
        label = (tr("Task database (GeoPackage, or pg:<connection>/<schema>; created when missing)")
                 if created_when_missing else tr("Task database (GeoPackage, or pg:<connection>/<schema>)"))
        return QgsProcessingParameterFile(self.DATABASE, label, fileFilter="GeoPackage (*.gpkg);;All files (*)")

    def task_path(self, parameters, context):
        return self.parameterAsFile(parameters, self.DATABASE, context)

    def batch_parameter(self):
        """BATCH: one batch of the task; empty, every batch."""
        return QgsProcessingParameterString(self.BATCH, tr("Batch (empty: every batch)"), optional=True)

    def batch(self, parameters, context):
        return self.parameterAsString(parameters, self.BATCH, context).strip() or None

    def layer_crs_parameter(self):
        """LAYER_CRS: the CRS assumed for input layers that have none."""
        return QgsProcessingParameterCrs(
            self.LAYER_CRS, tr("CRS of input layers that have none (e.g. a shapefile without .prj)"), optional=True)

    def layer_crs(self, parameters, context):
        crs = self.parameterAsCrs(parameters, self.LAYER_CRS, context)
        return crs if crs.isValid() else None

    def area_mode_parameter(self):
        """AREA_MODE: ellipsoidal (the official areas) or planar, as AREA_MODES."""
        return QgsProcessingParameterEnum(
            self.AREA_MODE, tr("Area"), options=[tr("Ellipsoidal (CGCS2000, official)"), tr("Planar (working CRS)")],
            defaultValue=0)

    def area_mode(self, parameters, context):
        return AREA_MODES[self.parameterAsEnum(parameters, self.AREA_MODE, context)]

    def name(self):
        return self.ALGORITHM_ID

    def displayName(self):
        return tr(self.DISPLAY_NAME)

    def shortHelpString(self):
        return tr(self.HELP)

    def group(self):
        return {"task": tr("Task"), "verification": tr("Verification"), "submission": tr("Submission"),
                "season": tr("Season"), "review": tr("Review and spot checks"), "cases": tr("Cases")}[self.GROUP]

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
