"""landenforcement:reviewstate, spotcheckdraw, spotcheckrecord, spotcheckscore, planningconformity —
the county's review of the townships' work, spot checks and planning conformity, headless."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..core import schema
from ..core.intake.jcbh import monitoring_numbers
from ..core.overlay import conformity
from ..core.review import spot_check
from ..core.review import states as review_states
from ..core.store import open_task
from .base import LandEnforcementAlgorithm, tr

_ACTIONS = list(review_states.ACTIONS)  # shown as 提交审核 / submit …


class ReviewStateAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "reviewstate"
    GROUP = "review"

    ACTION = "ACTION"
    JCBH = "JCBH"
    OPINION = "OPINION"

    # outputs
    MOVED = "MOVED"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Submit, approve, return, report or reopen patches")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Moves patches through their review state (处理状态): a township submits verified patches "
        "(待核查 or 退回 → 乡镇已核查); the county approves (→ 县级审核通过), returns with a reason "
        "(→ 退回), reports (→ 已上报, locked) or reopens a reported patch with a reason (→ 退回). In "
        "bureau mode a township login may only submit. Every move is audited.")

    def initAlgorithm(self, config=None):
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterEnum(
            self.ACTION, tr("Action"), options=[f"{a.zh} / {a.name}" for a in review_states.ACTIONS.values()],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterString(self.JCBH, tr("Monitoring numbers (comma separated)")))
        self.addParameter(QgsProcessingParameterString(self.OPINION, tr("Opinion or reason"), optional=True))
        self.addOutput(QgsProcessingOutputNumber(self.MOVED, tr("Patches moved")))

    def execute(self, parameters, context, feedback):
        with open_task(self.task_path(parameters, context)) as store:
            moved = review_states.apply(store, _ACTIONS[self.parameterAsEnum(parameters, self.ACTION, context)],
                                        monitoring_numbers(self.parameterAsString(parameters, self.JCBH, context)),
                                        self.parameterAsString(parameters, self.OPINION, context))
        return {self.MOVED: moved}


class SpotCheckDrawAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "spotcheckdraw"
    GROUP = "review"

    SEED = "SEED"
    CONFIDENCE = "CONFIDENCE"
    MARGIN = "MARGIN"
    EXPECTED_RATE = "EXPECTED_RATE"
    MIN_PER_STRATUM = "MIN_PER_STRATUM"

    # outputs
    DRAW_ID = "DRAW_ID"
    SAMPLED = "SAMPLED"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Draw a spot-check sample")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Draws a reproducible random sample of the verified patches, stratified by township and "
        "verdict. The size follows the stratified design AcATaMa uses (Cochran; Olofsson et al. 2014): "
        "n = z²·p(1−p)/d², corrected for the number of verified patches, allocated in proportion to "
        "each stratum with a minimum per stratum. The same seed gives the same sample.")

    def initAlgorithm(self, config=None):
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterNumber(self.SEED, tr("Seed"), defaultValue=1, minValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            self.CONFIDENCE, tr("Confidence level"), QgsProcessingParameterNumber.Double,
            defaultValue=spot_check.DEFAULT_CONFIDENCE, minValue=0.5, maxValue=0.999))
        self.addParameter(QgsProcessingParameterNumber(
            self.MARGIN, tr("Margin of error"), QgsProcessingParameterNumber.Double,
            defaultValue=spot_check.DEFAULT_MARGIN, minValue=0.001, maxValue=0.5))
        self.addParameter(QgsProcessingParameterNumber(
            self.EXPECTED_RATE, tr("Expected disagreement rate"), QgsProcessingParameterNumber.Double,
            defaultValue=spot_check.DEFAULT_EXPECTED_RATE, minValue=0.001, maxValue=0.999))
        self.addParameter(QgsProcessingParameterNumber(
            self.MIN_PER_STRATUM, tr("Minimum per township and verdict"),
            defaultValue=spot_check.DEFAULT_MIN_PER_STRATUM, minValue=0))
        self.addOutput(QgsProcessingOutputString(self.DRAW_ID, tr("Draw")))
        self.addOutput(QgsProcessingOutputNumber(self.SAMPLED, tr("Patches sampled")))

    def execute(self, parameters, context, feedback):
        with open_task(self.task_path(parameters, context)) as store:
            draw = spot_check.draw_sample(
                store, self.parameterAsInt(parameters, self.SEED, context),
                self.parameterAsDouble(parameters, self.CONFIDENCE, context),
                self.parameterAsDouble(parameters, self.MARGIN, context),
                self.parameterAsDouble(parameters, self.EXPECTED_RATE, context),
                self.parameterAsInt(parameters, self.MIN_PER_STRATUM, context))
        for line in draw.lines():
            feedback.pushInfo(line)
        feedback.pushInfo(", ".join(draw.jcbhs))
        return {self.DRAW_ID: draw.draw_id, self.SAMPLED: len(draw.jcbhs)}


class SpotCheckRecordAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "spotcheckrecord"
    GROUP = "review"

    DRAW_ID = "DRAW_ID"
    JCBH = "JCBH"
    VERDICT = "VERDICT"
    APPROVAL_NO = "APPROVAL_NO"
    NOTES = "NOTES"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Record a spot-check re-check")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Records the county's own verdict (and approval number) for a sampled patch.")

    def initAlgorithm(self, config=None):
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterString(self.DRAW_ID, tr("Draw")))
        self.addParameter(QgsProcessingParameterString(self.JCBH, tr("Monitoring number")))
        self.addParameter(QgsProcessingParameterEnum(self.VERDICT, tr("Re-check verdict"),
                                                     options=schema.Verdict.values(), defaultValue=0))
        self.addParameter(QgsProcessingParameterString(self.APPROVAL_NO, tr("Approval number"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.NOTES, tr("Notes"), optional=True))

    def execute(self, parameters, context, feedback):
        with open_task(self.task_path(parameters, context)) as store:
            spot_check.record_recheck(
                store, self.parameterAsString(parameters, self.DRAW_ID, context),
                self.parameterAsString(parameters, self.JCBH, context).strip(),
                schema.Verdict.values()[self.parameterAsEnum(parameters, self.VERDICT, context)],
                self.parameterAsString(parameters, self.APPROVAL_NO, context),
                self.parameterAsString(parameters, self.NOTES, context) or None)
        return {}


class SpotCheckScoreAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "spotcheckscore"
    GROUP = "review"

    DRAW_ID = "DRAW_ID"

    # outputs
    DISAGREEMENTS = "DISAGREEMENTS"
    CROSS_CHECKS = "CROSS_CHECKS"
    REPORT = "REPORT"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Spot-check disagreement rates and cross-checks")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Reports, per township, how many sampled patches were re-checked and how often the re-check "
        "disagrees with the township's verdict or approval number (判定不实); then lists the "
        "cross-checks: approval numbers that differ from the overlay's, lawful patches the overlay "
        "found no approval for, facility or temporary land without its filing, rectified patches "
        "without a photo taken after the verification.")

    def initAlgorithm(self, config=None):
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterString(self.DRAW_ID, tr("Draw (empty: the latest)"), optional=True))
        self.addOutput(QgsProcessingOutputNumber(self.DISAGREEMENTS, tr("Disagreements")))
        self.addOutput(QgsProcessingOutputNumber(self.CROSS_CHECKS, tr("Cross-check findings")))
        self.addOutput(QgsProcessingOutputString(self.REPORT, tr("Report")))

    def execute(self, parameters, context, feedback):
        with open_task(self.task_path(parameters, context)) as store:
            draw_id = self.parameterAsString(parameters, self.DRAW_ID, context).strip()
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
        return {self.DISAGREEMENTS: sum(len(s.disagreements) for s in scores), self.CROSS_CHECKS: len(findings),
                self.REPORT: "\n".join(lines)}


class PlanningConformityAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "planningconformity"
    GROUP = "task"

    DEVELOPMENT_BOUNDARY = "DEVELOPMENT_BOUNDARY"
    ALLOWED = "ALLOWED"
    CONDITIONAL = "CONDITIONAL"  # also the output counting the patches that conform under conditions
    RESTRICTED = "RESTRICTED"
    ZONE_LAYERS = ((DEVELOPMENT_BOUNDARY, schema.PlanningZone.DEVELOPMENT_BOUNDARY),
                   (ALLOWED, schema.PlanningZone.ALLOWED), (CONDITIONAL, schema.PlanningZone.CONDITIONAL),
                   (RESTRICTED, schema.PlanningZone.RESTRICTED))
    ZONING = "ZONING"
    CODE_FIELD = "CODE_FIELD"
    TOLERANCE = "TOLERANCE"

    # outputs, named as the schema.Conformity values they count
    CONFORMS = "CONFORMS"
    NONCONFORMING = "NONCONFORMING"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Planning conformity")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "After the overlay: the area of each patch in the urban development boundary and in the "
        "construction-allowed, conditional and restricted zones (one layer per zone, or one zoning "
        "layer whose code field holds 010/020/030/040 or the zone's name), and whether it conforms "
        "to the plan (符合规划 / 有条件符合 / 不符合规划). Parts smaller than the tolerance are not "
        "counted. Stored in the task; shown in the verdict form, the evidence sheet and the package.")

    def initAlgorithm(self, config=None):
        polygons = [QgsProcessing.TypeVectorPolygon]
        self.addParameter(self.task_database_parameter())
        labels = {self.DEVELOPMENT_BOUNDARY: tr("Urban development boundary"),
                  self.ALLOWED: tr("Construction-allowed zones"),
                  self.CONDITIONAL: tr("Conditional construction zones"),
                  self.RESTRICTED: tr("Restricted construction zones")}
        for name, _ in self.ZONE_LAYERS:
            self.addParameter(QgsProcessingParameterVectorLayer(name, labels[name], polygons, optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(self.ZONING, tr("Zoning layer with a code field"), polygons,
                                                            optional=True))
        self.addParameter(QgsProcessingParameterField(self.CODE_FIELD, tr("Zone code field"),
                                                      parentLayerParameterName=self.ZONING, optional=True))
        self.addParameter(self.layer_crs_parameter())
        self.addParameter(self.area_mode_parameter())
        self.addParameter(QgsProcessingParameterNumber(
            self.TOLERANCE, tr("Tolerance (m²)"), QgsProcessingParameterNumber.Double,
            defaultValue=conformity.DEFAULT_TOLERANCE_M2, minValue=0.0))
        for name, label in ((self.CONFORMS, tr("Patches conforming")),
                            (self.CONDITIONAL, tr("Patches conforming under conditions")),
                            (self.NONCONFORMING, tr("Patches not conforming"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def execute(self, parameters, context, feedback):
        inputs = conformity.ZoningInputs(
            zone_layers={zone: self.parameterAsVectorLayer(parameters, name, context) for name, zone in self.ZONE_LAYERS
                         if self.parameterAsVectorLayer(parameters, name, context) is not None},
            zoning=self.parameterAsVectorLayer(parameters, self.ZONING, context),
            code_field=(self.parameterAsStrings(parameters, self.CODE_FIELD, context) or [None])[0],
            area_mode=self.area_mode(parameters, context),
            tolerance_m2=self.parameterAsDouble(parameters, self.TOLERANCE, context),
            layer_crs=self.layer_crs(parameters, context))
        results = conformity.run_conformity(self.task_path(parameters, context), inputs)
        for line in conformity.summary_lines(results):
            feedback.pushInfo(line)
        return {value.name: sum(1 for r in results if r.conformity is value) for value in schema.Conformity}
