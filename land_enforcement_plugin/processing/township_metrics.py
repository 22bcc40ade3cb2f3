"""landenforcement:townshipmetrics — per-township figures and accountability flags, each explained."""
from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..core import rules, schema
from ..core.errors import LandEnforcementError
from ..core.season import metrics
from ..core.store import open_task
from .base import LandEnforcementAlgorithm, tr

_FIGURES = {f.name for f in schema.METRIC_FIELDS[2:]}


class TownshipMetricsAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "townshipmetrics"
    GROUP = "task"

    RULES = "RULES"
    YEAR = "YEAR"
    EXPLAIN = "EXPLAIN"
    OUTPUT = "OUTPUT"

    # outputs
    TOWNSHIPS = "TOWNSHIPS"
    FLAGGED_TOWNSHIPS = "FLAGGED_TOWNSHIPS"
    EXPLANATION = "EXPLANATION"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Township metrics")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Computes per-township and county figures from the verdicts and the overlay areas "
        "(unlawful cultivated ratio, warning-interview flags, rectification) and writes them to the "
        "township_metrics table of the task database, and optionally to an .xlsx workbook.")
    RULES_HELP = QT_TRANSLATE_NOOP(  # a message of its own in the translations, appended to HELP
        "@default",
        "The rules are the task's rules profile (RULES: a profile file to compute with from now on, audited). "
        "YEAR computes one year's enforcement (its annual and quarterly batches, a repeat counted once) "
        "without storing it. EXPLAIN (a township code and a figure, e.g. 370323101000 unlawful_cultivated_mu) "
        "lists the patches the figure is summed from. Every flag is listed with its rule and source.")

    def shortHelpString(self):
        return super().shortHelpString() + " " + tr(self.RULES_HELP)

    def initAlgorithm(self, config=None):
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterFile(
            self.RULES, tr("Rules profile (JSON)"), extension="json", optional=True))
        self.addParameter(QgsProcessingParameterString(self.YEAR, tr("Year"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.EXPLAIN, tr("Explain (township code and figure)"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, tr("Workbook"), "Excel (*.xlsx)", optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber(self.TOWNSHIPS, tr("Townships")))
        self.addOutput(QgsProcessingOutputNumber(self.FLAGGED_TOWNSHIPS, tr("Townships flagged")))
        self.addOutput(QgsProcessingOutputString(self.EXPLANATION, tr("Explanation")))

    def execute(self, parameters, context, feedback):
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        profile_path = self.parameterAsFile(parameters, self.RULES, context)
        year = self.parameterAsString(parameters, self.YEAR, context).strip()
        explain = self.parameterAsString(parameters, self.EXPLAIN, context).split()
        if explain and (len(explain) != 2 or explain[1] not in _FIGURES):
            raise LandEnforcementError(
                "EXPLAIN 应为乡镇代码和指标名，如 370323101000 unlawful_cultivated_mu"
                f"（可用：{'、'.join(sorted(_FIGURES))}）",
                f"EXPLAIN takes a township code and a figure, e.g. 370323101000 unlawful_cultivated_mu "
                f"(figures: {', '.join(sorted(_FIGURES))})")
        if year and not year.isdigit():
            raise LandEnforcementError(f"年份“{year}”不是四位数字", f"The year '{year}' is not four digits")
        with open_task(self.task_path(parameters, context)) as store:
            if profile_path:
                rules.set_task_profile(store, rules.read_profile(profile_path))
            result = metrics.township_metrics(store, year=int(year) if year else None)
        townships = result.rows[:-1]
        for row in result.rows:
            ratio = "-" if row["unlawful_cultivated_ratio"] is None else f"{row['unlawful_cultivated_ratio']:.1%}"
            if row["ratio_incomplete"]:
                ratio = "incomplete (用地类型 missing)"
            feedback.pushInfo(f"{row['xzqdm']} {row['xzqmc']}: {row['patch_count']} patches, "
                              f"{row['unlawful_count']} unlawful, ratio {ratio}"
                              f"{f' [>{result.thresholds.unlawful_cultivated_ratio:.0%}]' if row['ratio_flag'] else ''}"
                              f"{' [约谈]' if row['interview_flag'] else ''}")
        for flag in result.flags:
            feedback.pushInfo(f"{flag['kind']} {flag['xzqdm']} {flag['xzqmc']} {'、'.join(flag['jcbhs'])}: "
                              f"{flag['text']} — {flag['rule']} ({flag['source']})")
        results = {self.TOWNSHIPS: len(townships),
                   self.FLAGGED_TOWNSHIPS: sum(1 for r in townships if r["ratio_flag"] or r["interview_flag"]),
                   self.EXPLANATION: ""}
        if explain:
            code, figure = explain
            if code not in result.sums:
                raise LandEnforcementError(f"没有乡镇 {code}", f"No township {code}")
            lines = [f"{jcbh}\t{value:.4f}" if figure.endswith("_mu") or figure.endswith("_ratio")
                     else f"{jcbh}\t{value:g}" for jcbh, value in result.explain(code, figure)]
            results[self.EXPLANATION] = "\n".join(lines)
            feedback.pushInfo(f"{code} {figure}:\n" + results[self.EXPLANATION])
        if output:
            metrics.write_metrics_workbook(result, output)
            results[self.OUTPUT] = output
        return results
