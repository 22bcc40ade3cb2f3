"""landenforcement:reviewstate, spotcheckdraw, spotcheckrecord, spotcheckscore, planningconformity —
the county's review of the townships' work, spot checks and planning conformity, headless."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from ..core import schema
from ..core.ellipsoid import AreaMode
from ..core.overlay import conformity
from ..core.review import spot_check
from ..core.review import states as review_states
from ..core.store import open_task
from .base import LandEnforcementAlgorithm, task_database_parameter, tr

_ACTIONS = list(review_states.ACTIONS)  # shown as 提交审核 / submit …
_ZONE_PARAMETERS = (("DEVELOPMENT_BOUNDARY", schema.PlanningZone.DEVELOPMENT_BOUNDARY),
                    ("ALLOWED", schema.PlanningZone.ALLOWED), ("CONDITIONAL", schema.PlanningZone.CONDITIONAL),
                    ("RESTRICTED", schema.PlanningZone.RESTRICTED))


def _jcbhs(text):
    return [part.strip() for part in text.replace("，", ",").replace("\n", ",").split(",") if part.strip()]


class ReviewStateAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "reviewstate"
    GROUP = "review"

    def displayName(self):
        return tr("Submit, approve, return, report or reopen patches")

    def shortHelpString(self):
        return tr("Moves patches through their review state (处理状态): a township submits verified patches "
                  "(待核查 or 退回 → 乡镇已核查); the county approves (→ 县级审核通过), returns with a reason "
                  "(→ 退回), reports (→ 已上报, locked) or reopens a reported patch with a reason (→ 退回). In "
                  "bureau mode a township login may only submit. Every move is audited.")

    def initAlgorithm(self, config=None):
        self.addParameter(task_database_parameter())
        self.addParameter(QgsProcessingParameterEnum(
            "ACTION", tr("Action"), options=[f"{a.zh} / {a.name}" for a in review_states.ACTIONS.values()], defaultValue=0))
        self.addParameter(QgsProcessingParameterString("JCBH", tr("Monitoring numbers (comma separated)")))
        self.addParameter(QgsProcessingParameterString("OPINION", tr("Opinion or reason"), optional=True))
        self.addOutput(QgsProcessingOutputNumber("MOVED", tr("Patches moved")))

    def execute(self, parameters, context, feedback):
        with open_task(self.parameterAsFile(parameters, "DATABASE", context)) as store:
            moved = review_states.apply(store, _ACTIONS[self.parameterAsEnum(parameters, "ACTION", context)],
                                        _jcbhs(self.parameterAsString(parameters, "JCBH", context)),
                                        self.parameterAsString(parameters, "OPINION", context))
        return {"MOVED": moved}


class SpotCheckDrawAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "spotcheckdraw"
    GROUP = "review"

    def displayName(self):
        return tr("Draw a spot-check sample")

    def shortHelpString(self):
        return tr("Draws a reproducible random sample of the verified patches, stratified by township and "
                  "verdict. The size follows the stratified design AcATaMa uses (Cochran; Olofsson et al. 2014): "
                  "n = z²·p(1−p)/d², corrected for the number of verified patches, allocated in proportion to "
                  "each stratum with a minimum per stratum. The same seed gives the same sample.")

    def initAlgorithm(self, config=None):
        self.addParameter(task_database_parameter())
        self.addParameter(QgsProcessingParameterNumber("SEED", tr("Seed"), defaultValue=1, minValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "CONFIDENCE", tr("Confidence level"), QgsProcessingParameterNumber.Double,
            defaultValue=spot_check.DEFAULT_CONFIDENCE, minValue=0.5, maxValue=0.999))
        self.addParameter(QgsProcessingParameterNumber(
            "MARGIN", tr("Margin of error"), QgsProcessingParameterNumber.Double,
            defaultValue=spot_check.DEFAULT_MARGIN, minValue=0.001, maxValue=0.5))
        self.addParameter(QgsProcessingParameterNumber(
            "EXPECTED_RATE", tr("Expected disagreement rate"), QgsProcessingParameterNumber.Double,
            defaultValue=spot_check.DEFAULT_EXPECTED_RATE, minValue=0.001, maxValue=0.999))
        self.addParameter(QgsProcessingParameterNumber(
            "MIN_PER_STRATUM", tr("Minimum per township and verdict"), defaultValue=spot_check.DEFAULT_MIN_PER_STRATUM,
            minValue=0))
        self.addOutput(QgsProcessingOutputString("DRAW_ID", tr("Draw")))
        self.addOutput(QgsProcessingOutputNumber("SAMPLED", tr("Patches sampled")))

    def execute(self, parameters, context, feedback):
        with open_task(self.parameterAsFile(parameters, "DATABASE", context)) as store:
            draw = spot_check.draw_sample(
                store, self.parameterAsInt(parameters, "SEED", context),
                self.parameterAsDouble(parameters, "CONFIDENCE", context),
                self.parameterAsDouble(parameters, "MARGIN", context),
                self.parameterAsDouble(parameters, "EXPECTED_RATE", context),
                self.parameterAsInt(parameters, "MIN_PER_STRATUM", context))
        for line in draw.lines():
            feedback.pushInfo(line)
        feedback.pushInfo(", ".join(draw.jcbhs))
        return {"DRAW_ID": draw.draw_id, "SAMPLED": len(draw.jcbhs)}


class SpotCheckRecordAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "spotcheckrecord"
    GROUP = "review"

    def displayName(self):
        return tr("Record a spot-check re-check")

    def shortHelpString(self):
        return tr("Records the county's own verdict (and approval number) for a sampled patch.")

    def initAlgorithm(self, config=None):
        self.addParameter(task_database_parameter())
        self.addParameter(QgsProcessingParameterString("DRAW_ID", tr("Draw")))
        self.addParameter(QgsProcessingParameterString("JCBH", tr("Monitoring number")))
        self.addParameter(QgsProcessingParameterEnum("VERDICT", tr("Re-check verdict"),
                                                     options=schema.Verdict.values(), defaultValue=0))
        self.addParameter(QgsProcessingParameterString("APPROVAL_NO", tr("Approval number"), optional=True))
        self.addParameter(QgsProcessingParameterString("NOTES", tr("Notes"), optional=True))

    def execute(self, parameters, context, feedback):
        with open_task(self.parameterAsFile(parameters, "DATABASE", context)) as store:
            spot_check.record_recheck(
                store, self.parameterAsString(parameters, "DRAW_ID", context),
                self.parameterAsString(parameters, "JCBH", context).strip(),
                schema.Verdict.values()[self.parameterAsEnum(parameters, "VERDICT", context)],
                self.parameterAsString(parameters, "APPROVAL_NO", context),
                self.parameterAsString(parameters, "NOTES", context) or None)
        return {}


class SpotCheckScoreAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "spotcheckscore"
    GROUP = "review"

    def displayName(self):
        return tr("Spot-check disagreement rates and cross-checks")

    def shortHelpString(self):
        return tr("Reports, per township, how many sampled patches were re-checked and how often the re-check "
                  "disagrees with the township's verdict or approval number (判定不实); then lists the "
                  "cross-checks: approval numbers that differ from the overlay's, lawful patches the overlay "
                  "found no approval for, facility or temporary land without its filing, rectified patches "
                  "without a photo taken after the verification.")

    def initAlgorithm(self, config=None):
        self.addParameter(task_database_parameter())
        self.addParameter(QgsProcessingParameterString("DRAW_ID", tr("Draw (empty: the latest)"), optional=True))
        self.addOutput(QgsProcessingOutputNumber("DISAGREEMENTS", tr("Disagreements")))
        self.addOutput(QgsProcessingOutputNumber("CROSS_CHECKS", tr("Cross-check findings")))
        self.addOutput(QgsProcessingOutputString("REPORT", tr("Report")))

    def execute(self, parameters, context, feedback):
        with open_task(self.parameterAsFile(parameters, "DATABASE", context)) as store:
            draw_id = self.parameterAsString(parameters, "DRAW_ID", context).strip()
            if not draw_id and spot_check.draws(store):
                draw_id = spot_check.draws(store)[-1]["draw_id"]
            scores = spot_check.disagreement_rates(store, draw_id) if draw_id else []
            findings = spot_check.cross_checks(store)
        lines = []
        for score in scores:
            rate = "-" if score.rate is None else f"{score.rate:.1%}"
            lines.append(f"{score.township_code} {score.township_name}: 抽查 {score.sampled}，已复核 {score.checked}，"
                         f"判定不实 {len(score.disagreements)}（{rate}） / sampled {score.sampled}, re-checked "
                         f"{score.checked}, disagreeing {len(score.disagreements)} ({rate})")
            lines += [f"  {jcbh}: {why}" for jcbh, why in score.disagreements]
        lines += [f"{finding.jcbh}: {finding.zh} / {finding.en}" for finding in findings]
        for line in lines:
            feedback.pushInfo(line)
        return {"DISAGREEMENTS": sum(len(s.disagreements) for s in scores), "CROSS_CHECKS": len(findings),
                "REPORT": "\n".join(lines)}


class PlanningConformityAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "planningconformity"
    GROUP = "task"

    def displayName(self):
        return tr("Planning conformity")

    def shortHelpString(self):
        return tr("After the overlay: the area of each patch in the urban development boundary and in the "
                  "construction-allowed, conditional and restricted zones (one layer per zone, or one zoning "
                  "layer whose code field holds 010/020/030/040 or the zone's name), and whether it conforms "
                  "to the plan (符合规划 / 有条件符合 / 不符合规划). Parts smaller than the tolerance are not "
                  "counted. Stored in the task; shown in the verdict form, the evidence sheet and the package.")

    def initAlgorithm(self, config=None):
        polygons = [QgsProcessing.TypeVectorPolygon]
        self.addParameter(task_database_parameter())
        labels = {"DEVELOPMENT_BOUNDARY": tr("Urban development boundary"), "ALLOWED": tr("Construction-allowed zones"),
                  "CONDITIONAL": tr("Conditional construction zones"), "RESTRICTED": tr("Restricted construction zones")}
        for name, _ in _ZONE_PARAMETERS:
            self.addParameter(QgsProcessingParameterVectorLayer(name, labels[name], polygons, optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer("ZONING", tr("Zoning layer with a code field"), polygons,
                                                            optional=True))
        self.addParameter(QgsProcessingParameterField("CODE_FIELD", tr("Zone code field"), parentLayerParameterName="ZONING",
                                                      optional=True))
        self.addParameter(QgsProcessingParameterCrs(
            "LAYER_CRS", tr("CRS of input layers that have none (e.g. a shapefile without .prj)"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            "AREA_MODE", tr("Area"), options=[tr("Ellipsoidal (CGCS2000, official)"), tr("Planar (working CRS)")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "TOLERANCE", tr("Tolerance (m²)"), QgsProcessingParameterNumber.Double,
            defaultValue=conformity.DEFAULT_TOLERANCE_M2, minValue=0.0))
        for name, label in (("CONFORMS", tr("Patches conforming")), ("CONDITIONAL", tr("Patches conforming under conditions")),
                            ("NONCONFORMING", tr("Patches not conforming"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def execute(self, parameters, context, feedback):
        layer_crs = self.parameterAsCrs(parameters, "LAYER_CRS", context)
        inputs = conformity.ZoningInputs(
            zone_layers={zone: self.parameterAsVectorLayer(parameters, name, context) for name, zone in _ZONE_PARAMETERS
                         if self.parameterAsVectorLayer(parameters, name, context) is not None},
            zoning=self.parameterAsVectorLayer(parameters, "ZONING", context),
            code_field=(self.parameterAsStrings(parameters, "CODE_FIELD", context) or [None])[0],
            area_mode=[AreaMode.ELLIPSOIDAL, AreaMode.PLANAR][self.parameterAsEnum(parameters, "AREA_MODE", context)],
            tolerance_m2=self.parameterAsDouble(parameters, "TOLERANCE", context),
            layer_crs=layer_crs if layer_crs.isValid() else None)
        results = conformity.run_conformity(self.parameterAsFile(parameters, "DATABASE", context), inputs)
        for line in conformity.summary_lines(results):
            feedback.pushInfo(line)
        return {value.name: sum(1 for r in results if r.conformity is value) for value in schema.Conformity}
