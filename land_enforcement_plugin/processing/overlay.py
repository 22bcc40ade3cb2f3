"""landenforcement:overlay — red lines over the task's patches: areas, township split, pre-judgement."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..core import schema
from ..core.overlay.engine_local import OverlayInputs
from ..core.overlay.prejudge import DEFAULT_APPROVED_SHARE
from ..core.overlay.run import detached_inputs, run_overlay
from .base import LandEnforcementAlgorithm, tr


class OverlayAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "overlay"
    GROUP = "task"

    TOWNSHIPS = "TOWNSHIPS"
    CULTIVATED = "CULTIVATED"
    PERMANENT_FARMLAND = "PERMANENT_FARMLAND"
    ECO_REDLINE = "ECO_REDLINE"
    NATURE_RESERVE = "NATURE_RESERVE"
    APPROVALS = "APPROVALS"
    VILLAGES = "VILLAGES"
    CULTIVATED_DLBM = "CULTIVATED_DLBM"
    APPROVED_SHARE = "APPROVED_SHARE"

    # outputs
    RECOMPUTED = "RECOMPUTED"
    REUSED = "REUSED"
    REPAIRED = "REPAIRED"
    REPORT = "REPORT"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Overlay red lines (office comparison)")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Overlays the task's patches on cultivated land, permanent basic farmland, the ecological "
        "red line and approvals, and splits them by township. Areas are ellipsoidal on the CGCS2000 "
        "ellipsoid unless planar is chosen; each is the area of the intersection with the union of "
        "the layer's polygons, so overlaps never count twice. Suggests 合法 when the approved share "
        "reaches the threshold and flags patches touching farmland or the ecological red line as "
        "high priority, without touching any verdict. With a village layer, each patch gets the name of "
        "the village holding its largest part. With nature reserves (自然保护地), each patch also gets "
        "its area on reserves and on farmland or reserves (their union: land in both counts once). "
        "Shapefiles are read in the encoding their bytes show (or "
        "the one set on the layer in QGIS); unreadable text stops the run. A layer without a CRS is an "
        "error unless LAYER_CRS gives the CRS of such layers. Re-running recomputes only what changed.")

    def initAlgorithm(self, config=None):
        polygons = [QgsProcessing.TypeVectorPolygon]
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterVectorLayer(self.TOWNSHIPS, tr("Townships (XZQDM, XZQMC)"), polygons))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.CULTIVATED, tr("Cultivated land"), polygons, optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.PERMANENT_FARMLAND, tr("Permanent basic farmland"), polygons, optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.ECO_REDLINE, tr("Ecological red line"), polygons, optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.NATURE_RESERVE, tr("Nature reserves (自然保护地)"), polygons, optional=True))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.APPROVALS, tr("Approvals (each with its document number field)"), QgsProcessing.TypeVectorPolygon,
            optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.VILLAGES, tr("Villages (CJMC, 村名称)"), polygons, optional=True))
        self.addParameter(self.layer_crs_parameter())
        self.addParameter(self.area_mode_parameter())
        self.addParameter(QgsProcessingParameterString(
            self.CULTIVATED_DLBM, tr("Land-use codes counted as cultivated (when the layer has DLBM)"),
            defaultValue=",".join(schema.CULTIVATED_DLBM)))
        self.addParameter(QgsProcessingParameterNumber(
            self.APPROVED_SHARE, tr("Approved share that suggests lawful"), QgsProcessingParameterNumber.Double,
            defaultValue=DEFAULT_APPROVED_SHARE, minValue=0.0, maxValue=1.0))
        for name, label in ((self.RECOMPUTED, tr("Patches recomputed")), (self.REUSED, tr("Patches reused")),
                            (self.REPAIRED, tr("Red-line features repaired"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString(self.REPORT, tr("Report")))

    def execute(self, parameters, context, feedback):
        def layer(name):
            return self.parameterAsVectorLayer(parameters, name, context)

        inputs = detached_inputs(OverlayInputs(
            townships=layer(self.TOWNSHIPS), cultivated=layer(self.CULTIVATED),
            permanent_farmland=layer(self.PERMANENT_FARMLAND), eco_redline=layer(self.ECO_REDLINE),
            nature_reserve=layer(self.NATURE_RESERVE),
            approvals=self.parameterAsLayerList(parameters, self.APPROVALS, context), villages=layer(self.VILLAGES),
            layer_crs=self.layer_crs(parameters, context), area_mode=self.area_mode(parameters, context),
            cultivated_codes=tuple(c.strip() for c in self.parameterAsString(parameters, self.CULTIVATED_DLBM, context)
                                   .split(",") if c.strip()),
            approved_share=self.parameterAsDouble(parameters, self.APPROVED_SHARE, context)))
        run = run_overlay(self.task_path(parameters, context), inputs, feedback)
        if run is None:
            raise QgsProcessingException(tr("Cancelled: the task database is unchanged"))
        for line in run.lines():
            feedback.pushInfo(line)
        return {self.RECOMPUTED: run.recomputed, self.REUSED: run.reused, self.REPAIRED: len(run.repairs),
                self.REPORT: "\n".join(run.lines())}
