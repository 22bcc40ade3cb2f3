"""landenforcement:addimagery — register before / after imagery with a task (files, a tile folder, a saved service)."""
import json

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..core.imagery import matching
from ..core.imagery import registry as imagery
from .base import LandEnforcementAlgorithm, tr


class AddImageryAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "addimagery"
    GROUP = "task"

    INPUT = "INPUT"
    FOLDER = "FOLDER"
    CONNECTION = "CONNECTION"
    LAYER = "LAYER"
    TILE_MATRIX_SET = "TILE_MATRIX_SET"
    ROLE = "ROLE"
    DATE_FROM = "DATE_FROM"
    DATE_TO = "DATE_TO"
    NAME = "NAME"

    # outputs
    COUNT = "COUNT"
    ENTRY = "ENTRY"
    SOURCE = "SOURCE"
    WARNINGS = "WARNINGS"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Add before / after imagery")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Registers imagery with the task, tagged with its date (or date range) and role, so that each "
        "patch is shown and printed over the nearest image on or before its earlier date (QSX) and the "
        "nearest on or after its later date (HSX). Give a raster file, or a folder of tiles (built into "
        "one VRT beside the task that references the tiles in place, nothing is copied), or the name of "
        "an XYZ or WMS/WMTS connection saved in QGIS (WMS/WMTS also need the layer). A date is a day "
        "(2023-03-15) or a month (2022-10, standing for all its days); left empty it is read from the "
        "file or folder name. An image dated after every patch's HSX or before every QSX is "
        "registered with a warning.")

    def initAlgorithm(self, config=None):
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterFile(self.INPUT, tr("Raster file"), optional=True))
        self.addParameter(QgsProcessingParameterFile(self.FOLDER, tr("Folder of tiles"), optional=True,
                                                     behavior=QgsProcessingParameterFile.Behavior.Folder))
        self.addParameter(QgsProcessingParameterString(
            self.CONNECTION, tr("Saved connection (xyz:<name> or wms:<name>)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.LAYER, tr("Layer of the WMS/WMTS connection"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.TILE_MATRIX_SET, tr("WMTS tile matrix set"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.ROLE, tr("Phase (before / after)"), options=[tr("Before"), tr("After"), tr("Any")], defaultValue=2))
        self.addParameter(QgsProcessingParameterString(
            self.DATE_FROM, tr("Image date or month, or first date of its range"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.DATE_TO, tr("Last date (or month) of its range"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.NAME, tr("Image name"), optional=True))
        self.addOutput(QgsProcessingOutputNumber(self.COUNT, tr("Images registered with the task")))
        self.addOutput(QgsProcessingOutputString(self.ENTRY, tr("The new entry (JSON)")))
        self.addOutput(QgsProcessingOutputString(self.SOURCE, tr("Its source (a VRT for a folder)")))
        self.addOutput(QgsProcessingOutputString(self.WARNINGS, tr("Warnings about its date, one a line")))

    def execute(self, parameters, context, feedback):
        task_path = self.task_path(parameters, context)
        raster = self.parameterAsFile(parameters, self.INPUT, context)
        folder = self.parameterAsFile(parameters, self.FOLDER, context)
        connection = self.parameterAsString(parameters, self.CONNECTION, context).strip()
        if sum(bool(given) for given in (raster, folder, connection)) != 1:
            raise QgsProcessingException(tr("Give exactly one of INPUT, FOLDER or CONNECTION"))
        role = imagery.ROLES[self.parameterAsEnum(parameters, self.ROLE, context)]
        dates = {"date_from": self.parameterAsString(parameters, self.DATE_FROM, context).strip() or None,
                 "date_to": self.parameterAsString(parameters, self.DATE_TO, context).strip() or None}
        name = self.parameterAsString(parameters, self.NAME, context).strip() or None
        if raster:
            entry = imagery.add_files(task_path, [raster], role, **dates)[0]
            if name:
                entry = imagery.update(task_path, entry["source"], name=name)
        elif folder:
            entry = imagery.add_tile_folder(task_path, folder, role, name=name, feedback=feedback, **dates)
        else:
            kind, _, saved = connection.partition(":")
            if not saved:
                kind, saved = "xyz", connection
            entry = imagery.add_connection(task_path, saved, kind.lower(),
                                           self.parameterAsString(parameters, self.LAYER, context) or None,
                                           role, tile_matrix_set=self.parameterAsString(
                                               parameters, self.TILE_MATRIX_SET, context) or None,
                                           display_name=name, **dates)
        when = imagery.date_text(entry) or tr("no date")
        feedback.pushInfo(f"{entry['name']}: {entry['role']} {when}")
        if not imagery.date_text(entry):
            feedback.pushWarning(tr("The image has no date: it is not matched to any patch until one is set"))
        warnings = [f"{zh} / {en}" for _name, zh, en in matching.date_warnings(task_path, [entry])]
        for warning in warnings:
            feedback.pushWarning(warning)
        brief = {key: value for key, value in entry.items() if key != "tiles"}
        return {self.COUNT: len(imagery.entries(task_path)), self.ENTRY: json.dumps(brief, ensure_ascii=False),
                self.SOURCE: entry["source"], self.WARNINGS: "\n".join(warnings)}
