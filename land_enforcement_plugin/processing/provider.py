"""The `landenforcement` Processing provider: the headless face of core/."""
from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtCore import QCoreApplication

from ..resources import plugin_icon
from .add_imagery import AddImageryAlgorithm
from .attach_photos import AttachPhotosAlgorithm
from .cases import CaseActAlgorithm, CaseReportAlgorithm, ImportCaseSheetAlgorithm, OpenCaseAlgorithm
from .city_summary import CitySummaryAlgorithm
from .import_patches import ImportPatchesAlgorithm
from .import_verification import ImportVerificationAlgorithm
from .overlay import OverlayAlgorithm
from .review import (
    PlanningConformityAlgorithm,
    ReviewStateAlgorithm,
    SpotCheckDrawAlgorithm,
    SpotCheckRecordAlgorithm,
    SpotCheckScoreAlgorithm,
)
from .season import AssignPatchesAlgorithm, ExportAssignmentsAlgorithm, ProgressReportAlgorithm
from .submission import ExportPackageAlgorithm, VerifyPackageAlgorithm
from .township_metrics import TownshipMetricsAlgorithm

PROVIDER_ID = "landenforcement"


class LandEnforcementProvider(QgsProcessingProvider):
    def loadAlgorithms(self):
        for algorithm in (ImportPatchesAlgorithm(), OverlayAlgorithm(), ImportVerificationAlgorithm(),
                          AttachPhotosAlgorithm(), TownshipMetricsAlgorithm(), ExportPackageAlgorithm(),
                          VerifyPackageAlgorithm(), AssignPatchesAlgorithm(), ExportAssignmentsAlgorithm(),
                          ProgressReportAlgorithm(), AddImageryAlgorithm(), OpenCaseAlgorithm(), CaseActAlgorithm(),
                          CaseReportAlgorithm(), ImportCaseSheetAlgorithm(), CitySummaryAlgorithm(),
                          ReviewStateAlgorithm(), SpotCheckDrawAlgorithm(), SpotCheckRecordAlgorithm(),
                          SpotCheckScoreAlgorithm(), PlanningConformityAlgorithm()):
            self.addAlgorithm(algorithm)

    def id(self):
        return PROVIDER_ID

    def name(self):
        return QCoreApplication.translate("LandEnforcementProvider", "Land enforcement")

    def longName(self):
        return self.name()

    def icon(self):
        return plugin_icon()
