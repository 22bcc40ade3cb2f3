"""landenforcement:townshipmetrics — per-township figures and accountability flags."""
from qgis.core import (QgsProcessingOutputNumber,
                       QgsProcessingParameterFileDestination)

from .base import LandEnforcementAlgorithm, task_database_parameter, tr
from ..core import metrics
from ..core.store import open_task



class TownshipMetricsAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "townshipmetrics"
    GROUP = "task"

    def displayName(self):
        return tr("Township metrics")

    def shortHelpString(self):
        return tr("Computes per-township and county figures from the verdicts and the overlay areas "
                  "(unlawful cultivated ratio, warning-interview flags, rectification) and writes them to the "
                  "township_metrics table of the task database, and optionally to an .xlsx workbook.")

    def initAlgorithm(self, config=None):
        self.addParameter(task_database_parameter())
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", tr("Workbook"), "Excel (*.xlsx)", optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber("TOWNSHIPS", tr("Townships")))
        self.addOutput(QgsProcessingOutputNumber("FLAGGED_TOWNSHIPS", tr("Townships flagged")))

    def execute(self, parameters, context, feedback):
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        store = open_task(self.parameterAsFile(parameters, "DATABASE", context))
        try:
            result = metrics.township_metrics(store)
        finally:
            store.close()
        townships = result.rows[:-1]
        for row in result.rows:
            ratio = "-" if row["unlawful_cultivated_ratio"] is None else f"{row['unlawful_cultivated_ratio']:.1%}"
            feedback.pushInfo(f"{row['xzqdm']} {row['xzqmc']}: {row['patch_count']} patches, "
                              f"{row['unlawful_count']} unlawful, ratio {ratio}"
                              f"{f' [>{result.thresholds.unlawful_cultivated_ratio:.0%}]' if row['ratio_flag'] else ''}{' [约谈]' if row['interview_flag'] else ''}")
        results = {"TOWNSHIPS": len(townships),
                   "FLAGGED_TOWNSHIPS": sum(1 for r in townships if r["ratio_flag"] or r["interview_flag"])}
        if output:
            metrics.write_metrics_workbook(result, output)
            results["OUTPUT"] = output
        return results
