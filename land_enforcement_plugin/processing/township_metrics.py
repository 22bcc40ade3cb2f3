"""landenforcement:townshipmetrics — per-township figures and accountability flags."""
from qgis.core import (QgsProcessingAlgorithm, QgsProcessingException, QgsProcessingOutputNumber,
                       QgsProcessingParameterFile, QgsProcessingParameterFileDestination)
from qgis.PyQt.QtCore import QCoreApplication

from ..core import metrics
from ..core.errors import LandEnforcementError
from ..core.store import GeoPackageTaskStore


def tr(text):
    return QCoreApplication.translate("LandEnforcementAlgorithm", text)


class TownshipMetricsAlgorithm(QgsProcessingAlgorithm):
    def name(self):
        return "townshipmetrics"

    def displayName(self):
        return tr("Township metrics")

    def group(self):
        return tr("Task")

    def groupId(self):
        return "task"

    def shortHelpString(self):
        return tr("Computes per-township and county figures from the verdicts and the overlay areas "
                  "(unlawful cultivated ratio, warning-interview flags, rectification) and writes them to the "
                  "township_metrics table of the task database, and optionally to an .xlsx workbook.")

    def createInstance(self):
        return TownshipMetricsAlgorithm()

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile("DATABASE", tr("Task database (GeoPackage)"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", tr("Workbook"), "Excel (*.xlsx)", optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber("TOWNSHIPS", tr("Townships")))
        self.addOutput(QgsProcessingOutputNumber("FLAGGED_TOWNSHIPS", tr("Townships flagged")))

    def processAlgorithm(self, parameters, context, feedback):
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        try:
            store = GeoPackageTaskStore.open(self.parameterAsFile(parameters, "DATABASE", context))
            try:
                result = metrics.township_metrics(store)
            finally:
                store.close()
        except LandEnforcementError as exc:
            raise QgsProcessingException(str(exc)) from exc
        townships = result.rows[:-1]
        for row in result.rows:
            ratio = "-" if row["unlawful_cultivated_ratio"] is None else f"{row['unlawful_cultivated_ratio']:.1%}"
            feedback.pushInfo(f"{row['xzqdm']} {row['xzqmc']}: {row['patch_count']} patches, "
                              f"{row['unlawful_count']} unlawful, ratio {ratio}"
                              f"{' [>15%]' if row['ratio_flag'] else ''}{' [约谈]' if row['interview_flag'] else ''}")
        results = {"TOWNSHIPS": len(townships),
                   "FLAGGED_TOWNSHIPS": sum(1 for r in townships if r["ratio_flag"] or r["interview_flag"])}
        if output:
            metrics.write_metrics_workbook(result, output)
            results["OUTPUT"] = output
        return results
