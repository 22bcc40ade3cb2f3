"""landenforcement:assignpatches, :exportassignments, :progressreport — season control headless."""
from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterString,
)

from ..core.season import plan as season
from ..core.store import open_task
from .base import LandEnforcementAlgorithm, task_database_parameter, tr


def _batch_parameter():
    return QgsProcessingParameterString("BATCH", tr("Batch (empty: every batch)"), optional=True)


def _batch(algorithm, parameters, context):
    return algorithm.parameterAsString(parameters, "BATCH", context).strip() or None


class AssignPatchesAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "assignpatches"
    GROUP = "season"

    def displayName(self):
        return tr("Assign patches to townships and people")

    def shortHelpString(self):
        return tr("Assigns every patch to its township (the boundary the overlay used) and to the township's "
                  "default person of the roster. A roster sheet (.xlsx or .csv with 姓名, 角色, 乡镇代码, 村, 电话, 默认) "
                  "replaces the task's roster first. Assignments made by hand are kept. Milestone due dates of "
                  "every batch are filled from the template where not set. Every change goes to the audit log.")

    def initAlgorithm(self, config=None):
        self.addParameter(task_database_parameter())
        self.addParameter(QgsProcessingParameterFile("ROSTER", tr("Roster sheet (optional)"), optional=True,
                                                     fileFilter="Roster (*.xlsx *.csv)"))
        self.addParameter(QgsProcessingParameterBoolean("REASSIGN", tr("Redo automatic assignments"),
                                                        defaultValue=False))
        self.addOutput(QgsProcessingOutputNumber("ASSIGNED", tr("Assignments changed")))

    def execute(self, parameters, context, feedback):
        task = self.parameterAsFile(parameters, "DATABASE", context)
        roster = self.parameterAsFile(parameters, "ROSTER", context)
        with open_task(task) as store:
            if roster:
                store.set_people(season.read_roster(roster))
            batches = store.summary().batches
        for batch in batches:
            season.apply_template(task, batch)
        changed = season.auto_assign(task, self.parameterAsBoolean(parameters, "REASSIGN", context))
        feedback.pushInfo(f"{changed} assignments changed")
        return {"ASSIGNED": changed}


class ExportAssignmentsAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "exportassignments"
    GROUP = "season"

    def displayName(self):
        return tr("Export per-person task lists")

    def shortHelpString(self):
        return tr("For every township and every person, in one go: the verification sheet (.xlsx) and the QField "
                  "project of the patches assigned to them.")

    def initAlgorithm(self, config=None):
        self.addParameter(task_database_parameter())
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", tr("Folder")))
        self.addParameter(_batch_parameter())
        self.addParameter(QgsProcessingParameterBoolean(
            "CHIPS", tr("Before/after image chips in the sheets (about 0.1 s a patch)"), defaultValue=False))
        self.addOutput(QgsProcessingOutputNumber("FILES", tr("Sheets and projects written")))

    def execute(self, parameters, context, feedback):
        out = self.parameterAsString(parameters, "OUTPUT", context)
        written = season.export_assignee_lists(self.parameterAsFile(parameters, "DATABASE", context), out,
                                               _batch(self, parameters, context),
                                               self.parameterAsBool(parameters, "CHIPS", context), feedback)
        for path in written:
            feedback.pushInfo(path)
        return {"OUTPUT": out, "FILES": len(written)}


class ProgressReportAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "progressreport"
    GROUP = "season"

    def displayName(self):
        return tr("Progress report")

    def shortHelpString(self):
        return tr("Milestones with days left, and per township and person: assigned, verified, overdue, unlawful "
                  "found, rectified (.xlsx, one page per sheet), for the county head's weekly meeting.")

    def initAlgorithm(self, config=None):
        self.addParameter(task_database_parameter())
        self.addParameter(QgsProcessingParameterFileDestination("OUTPUT", tr("Report"), "Excel (*.xlsx)"))
        self.addParameter(_batch_parameter())
        self.addOutput(QgsProcessingOutputNumber("OVERDUE", tr("Patches overdue")))

    def execute(self, parameters, context, feedback):
        task = self.parameterAsFile(parameters, "DATABASE", context)
        batch = _batch(self, parameters, context)
        path = season.write_progress_report(task, self.parameterAsFileOutput(parameters, "OUTPUT", context), batch)
        overdue = season.progress(task, batch)[-1]["overdue"]
        feedback.pushInfo(f"{path}: {overdue} patches overdue")
        return {"OUTPUT": path, "OVERDUE": overdue}
