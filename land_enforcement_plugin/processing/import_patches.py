"""landenforcement:importpatches — change patches into the task database."""
from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..core.intake import importing, profiles
from .base import LandEnforcementAlgorithm, tr

_ENCODINGS = [importing.ENCODING_AUTO, importing.UTF8, importing.GBK]
_BATCH_MODES = [importing.BATCH_PER_PC, importing.BATCH_ALL]

class ImportPatchesAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "importpatches"
    GROUP = "task"

    INPUT = "INPUT"
    LAYER = "LAYER"
    FIELD_MAPPING = "FIELD_MAPPING"
    BATCH = "BATCH"
    BATCH_MODE = "BATCH_MODE"
    ENCODING = "ENCODING"
    SOURCE_CRS = "SOURCE_CRS"
    WORKING_CRS = "WORKING_CRS"

    # outputs
    INSERTED = "INSERTED"
    UPDATED = "UPDATED"
    UNCHANGED = "UNCHANGED"
    REJECTED = "REJECTED"
    REPAIRED = "REPAIRED"
    REPORT = "REPORT"
    BATCHES = "BATCHES"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Import change patches")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Imports satellite change patches (Shapefile in UTF-8 or GBK, GeoPackage, GeoJSON, "
        "FileGDB) into the task GeoPackage, creating it when it does not exist. Patches are "
        "merged by monitoring number (JCBH): verification records already entered are kept. "
        "Invalid geometries are repaired and listed; rows that cannot be imported are listed "
        "with the reason. When the batch field (PC) holds several values (2023Q1 … 2023Q4), each "
        "value becomes a batch (BATCH then names the batch of rows without one), or every row goes "
        "into BATCH when BATCH_MODE is 1. INPUT may name a layer the QGIS way: file.gpkg|layername=x.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile(
            self.INPUT, tr("Change patch file (.shp, .gpkg, .geojson, .gdb)"),
            behavior=QgsProcessingParameterFile.File))
        self.addParameter(QgsProcessingParameterString(self.LAYER, tr("Layer name inside the file"), optional=True))
        self.addParameter(self.task_database_parameter(created_when_missing=True))
        self.addParameter(QgsProcessingParameterString(
            self.FIELD_MAPPING, tr("Field mapping (JSON object or saved profile name; empty: detect)"),
            optional=True))
        self.addParameter(QgsProcessingParameterString(self.BATCH, tr("Batch (e.g. 2024 annual)"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.BATCH_MODE, tr("When the batch field (PC) holds several values"),
            options=[tr("One batch per PC value"), tr("All into the batch given")], defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.ENCODING, tr("Attribute encoding"), options=[tr("Detect"), "UTF-8", "GBK"], defaultValue=0))
        self.addParameter(QgsProcessingParameterCrs(
            self.SOURCE_CRS, tr("Source CRS (when the file has none)"), optional=True))
        self.addParameter(QgsProcessingParameterCrs(
            self.WORKING_CRS, tr("Working CRS of a new task (default: CGCS2000 3-degree zone)"), optional=True))
        for name, label in ((self.INSERTED, tr("Patches inserted")), (self.UPDATED, tr("Patches updated")),
                            (self.UNCHANGED, tr("Patches unchanged")), (self.REJECTED, tr("Rows rejected")),
                            (self.REPAIRED, tr("Geometries repaired"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString(self.REPORT, tr("Validation report")))
        self.addOutput(QgsProcessingOutputString(self.BATCHES, tr("Batches imported (separated by 、)")))

    def execute(self, parameters, context, feedback):
        source_crs = self.parameterAsCrs(parameters, self.SOURCE_CRS, context)
        working_crs = self.parameterAsCrs(parameters, self.WORKING_CRS, context)
        options = importing.ImportOptions(
            source_path=self.parameterAsFile(parameters, self.INPUT, context),
            layer_name=self.parameterAsString(parameters, self.LAYER, context) or None,
            encoding=_ENCODINGS[self.parameterAsEnum(parameters, self.ENCODING, context)],
            field_mapping=profiles.parse_field_mapping(
                self.parameterAsString(parameters, self.FIELD_MAPPING, context)),
            batch=self.parameterAsString(parameters, self.BATCH, context) or None,
            batch_mode=_BATCH_MODES[self.parameterAsEnum(parameters, self.BATCH_MODE, context)],
            source_crs=(source_crs.authid() or source_crs.toWkt()) if source_crs.isValid() else None,
            working_crs=working_crs.authid() if working_crs.isValid() else None)
        result = importing.import_patches(
            self.task_path(parameters, context), options, feedback)
        report = result.lines()
        for line in report:
            feedback.pushInfo(line)
        return {self.INSERTED: result.inserted, self.UPDATED: result.updated, self.UNCHANGED: result.unchanged,
                self.REJECTED: len(result.rejected), self.REPAIRED: len(result.repaired),
                self.REPORT: "\n".join(report), self.BATCHES: "、".join(result.batches) or result.batch}
