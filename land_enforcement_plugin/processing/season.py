"""landenforcement:assignpatches, :exportassignments, :progressreport — season control headless."""
from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..core.season import plan as season
from ..core.store import open_task
from .base import LandEnforcementAlgorithm, tr


class AssignPatchesAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "assignpatches"
    GROUP = "season"

    ROSTER = "ROSTER"
    REASSIGN = "REASSIGN"

    # outputs
    ASSIGNED = "ASSIGNED"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Assign patches to townships and people")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Assigns every patch to its township (the boundary the overlay used) and to the township's "
        "default person of the roster. A roster sheet "
        "(.xlsx or .csv with 姓名, 角色, 乡镇代码, 村, 电话, 默认) "
        "replaces the task's roster first. Assignments made by hand are kept. Milestone due dates of "
        "every batch are filled from the template where not set. Every change goes to the audit log.")

    def initAlgorithm(self, config=None):
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterFile(self.ROSTER, tr("Roster sheet (optional)"), optional=True,
                                                     fileFilter="Roster (*.xlsx *.csv)"))
        self.addParameter(QgsProcessingParameterBoolean(self.REASSIGN, tr("Redo automatic assignments"),
                                                        defaultValue=False))
        self.addOutput(QgsProcessingOutputNumber(self.ASSIGNED, tr("Assignments changed")))

    def execute(self, parameters, context, feedback):
        task = self.task_path(parameters, context)
        roster = self.parameterAsFile(parameters, self.ROSTER, context)
        with open_task(task) as store:
            if roster:
                store.set_people(season.read_roster(roster))
            batches = store.summary().batches
        for batch in batches:
            season.apply_template(task, batch)
        changed = season.auto_assign(task, self.parameterAsBoolean(parameters, self.REASSIGN, context))
        feedback.pushInfo(f"{changed} assignments changed")
        return {self.ASSIGNED: changed}


class ExportAssignmentsAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "exportassignments"
    GROUP = "season"

    OUTPUT = "OUTPUT"
    CHIPS = "CHIPS"

    # outputs
    FILES = "FILES"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Export per-person task lists")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "For every township and every person, in one go: the verification sheet (.xlsx) and the QField "
        "project of the patches assigned to them.")

    def initAlgorithm(self, config=None):
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT, tr("Folder")))
        self.addParameter(self.batch_parameter())
        self.addParameter(QgsProcessingParameterBoolean(
            self.CHIPS, tr("Before/after image chips in the sheets (about 0.1 s a patch)"), defaultValue=False))
        self.addOutput(QgsProcessingOutputNumber(self.FILES, tr("Sheets and projects written")))

    def execute(self, parameters, context, feedback):
        out = self.parameterAsString(parameters, self.OUTPUT, context)
        written = season.export_assignee_lists(self.task_path(parameters, context), out,
                                               self.batch(parameters, context),
                                               self.parameterAsBool(parameters, self.CHIPS, context), feedback)
        for path in written:
            feedback.pushInfo(path)
        return {self.OUTPUT: out, self.FILES: len(written)}


class ProgressReportAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "progressreport"
    GROUP = "season"

    OUTPUT = "OUTPUT"

    # outputs
    OVERDUE = "OVERDUE"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Progress report")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Milestones with days left, and per township and person: assigned, verified, overdue, unlawful "
        "found, rectified (.xlsx, one page per sheet), for the county head's weekly meeting.")

    def initAlgorithm(self, config=None):
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT, tr("Report"), "Excel (*.xlsx)"))
        self.addParameter(self.batch_parameter())
        self.addOutput(QgsProcessingOutputNumber(self.OVERDUE, tr("Patches overdue")))

    def execute(self, parameters, context, feedback):
        task = self.task_path(parameters, context)
        batch = self.batch(parameters, context)
        path = season.write_progress_report(task, self.parameterAsFileOutput(parameters, self.OUTPUT, context), batch)
        overdue = season.progress(task, batch)[-1]["overdue"]
        feedback.pushInfo(f"{path}: {overdue} patches overdue")
        return {self.OUTPUT: path, self.OVERDUE: overdue}
