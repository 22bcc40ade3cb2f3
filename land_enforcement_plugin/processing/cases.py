"""landenforcement:caseopen, :caseact, :casereport, :importcasesheet — enforcement cases headless."""
import json
import os

from qgis.core import (
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..core import schema, schema_cases
from ..core.errors import LandEnforcementError
from ..core.intake.jcbh import monitoring_numbers
from ..core.review import cases
from .base import LandEnforcementAlgorithm, tr


class OpenCaseAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "caseopen"
    GROUP = "cases"

    PATCHES = "PATCHES"
    SUBJECT_NAME = "SUBJECT_NAME"
    SUBJECT_TYPE = "SUBJECT_TYPE"
    SUBJECT_ID = "SUBJECT_ID"
    PROJECT = "PROJECT"
    ACTUAL_USE = "ACTUAL_USE"

    # outputs
    CASE = "CASE"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Open enforcement case")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Opens an enforcement case (违法案件) over one or several patches (monitoring numbers separated by "
        "、 or commas; a patch is in one case at most) with its offender (违法主体: name, type, ID or "
        "credit code), project and actual use. Returns the case number (AJ-0001, …); record its acts "
        "with caseact, starting with 发现.")

    def initAlgorithm(self, config=None):
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterString(self.PATCHES, tr("Monitoring numbers of the case's patches")))
        self.addParameter(QgsProcessingParameterString(self.SUBJECT_NAME, tr("Offender (违法主体)")))
        self.addParameter(QgsProcessingParameterEnum(self.SUBJECT_TYPE, tr("Offender type"),
                                                     schema.SubjectType.values(), defaultValue=0))
        for name, label in ((self.SUBJECT_ID, tr("ID number or unified social credit code")),
                            (self.PROJECT, tr("Project name")), (self.ACTUAL_USE, tr("Actual use"))):
            self.addParameter(QgsProcessingParameterString(name, label, optional=True))
        self.addOutput(QgsProcessingOutputString(self.CASE, tr("Case number")))

    def execute(self, parameters, context, feedback):
        jcbhs = monitoring_numbers(self.parameterAsString(parameters, self.PATCHES, context))
        facts = {schema.C_SUBJECT_NAME.name: self.parameterAsString(parameters, self.SUBJECT_NAME, context),
                 schema.C_SUBJECT_TYPE.name: schema.SubjectType.values()[
                     self.parameterAsEnum(parameters, self.SUBJECT_TYPE, context)],
                 schema.C_SUBJECT_ID.name: self.parameterAsString(parameters, self.SUBJECT_ID, context),
                 schema.C_PROJECT.name: self.parameterAsString(parameters, self.PROJECT, context),
                 schema.C_ACTUAL_USE.name: self.parameterAsString(parameters, self.ACTUAL_USE, context)}
        key = cases.open_case(self.task_path(parameters, context), jcbhs, facts)
        feedback.pushInfo(f"{key}")
        return {self.CASE: key}


class CaseActAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "caseact"
    GROUP = "cases"

    CASE = "CASE"
    ACT = "ACT"
    DATE = "DATE"
    DETAILS = "DETAILS"
    ATTACHMENTS = "ATTACHMENTS"

    # outputs
    ACT_ID = "ACT_ID"
    STATUS = "STATUS"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Record case act")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Appends one dated act to an enforcement case (named by its case number or one of its patches' "
        "monitoring numbers): 发现, 制止, 报告, 立案, 处罚决定, 移送, 问责, 整改, 整改验收, 结案 or 销号, "
        "with its details as JSON keyed by the sheet headers or field names (e.g. {\"罚款金额(元)\": "
        "20000, \"处罚决定书文号\": \"…\"}) and attachments (files separated by ;) copied beside the task "
        "and hashed. Acts are never changed afterwards; each is audited. Refused, naming the rule: an "
        "act before 发现 or dated before it or after today, a penalty decision before 立案, a report "
        "not to the county government, a retroactive permit on permanent basic farmland, closing a "
        "case on cultivated land by a fine or retroactive permit alone (mnr_2021), closing without "
        "accepted rectification or while an ineffective stop is unreported, anything after 结案 but "
        "销号.")

    def initAlgorithm(self, config=None):
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterString(
            self.CASE, tr("Case number, or a monitoring number in the case")))
        self.addParameter(QgsProcessingParameterEnum(
            self.ACT, tr("Act"), schema_cases.ActKind.values(), defaultValue=0))
        self.addParameter(QgsProcessingParameterString(self.DATE, tr("Date (YYYY-MM-DD)")))
        self.addParameter(QgsProcessingParameterString(self.DETAILS, tr("Details (JSON)"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.ATTACHMENTS, tr("Attachments (files separated by ;)"),
                                                       optional=True))
        self.addOutput(QgsProcessingOutputNumber(self.ACT_ID, tr("Act id")))
        self.addOutput(QgsProcessingOutputString(self.STATUS, tr("Case status")))

    def execute(self, parameters, context, feedback):
        task = self.task_path(parameters, context)
        key = cases.case_key_for(task, self.parameterAsString(parameters, self.CASE, context))
        text = self.parameterAsString(parameters, self.DETAILS, context).strip()
        try:
            typed = json.loads(text) if text else {}
        except ValueError:
            typed = None
        if not isinstance(typed, dict):
            raise LandEnforcementError(f"办理事项不是 JSON 对象：{text}", f"The details are not a JSON object: {text}")
        files = [p.strip() for p in self.parameterAsString(parameters, self.ATTACHMENTS, context).split(";")
                 if p.strip()]
        kind = schema_cases.ActKind.values()[self.parameterAsEnum(parameters, self.ACT, context)]
        act_id = cases.record_act(task, key, kind, self.parameterAsString(parameters, self.DATE, context),
                                  cases.details_by_name(typed), files, channel="processing")
        feedback.pushInfo(f"{key}: {kind}")
        return {self.ACT_ID: act_id, self.STATUS: kind}


class CaseReportAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "casereport"
    GROUP = "cases"

    OUTPUT = "OUTPUT"
    SHEETS = "SHEETS"

    # outputs
    CASES = "CASES"
    CLOSED = "CLOSED"
    OVERDUE = "OVERDUE"
    SHEET_COUNT = "SHEET_COUNT"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Case statistics and township case sheets")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Writes the county's case workbook: 违法案件查处整改情况统计表 per township and for the county "
        "(cases, areas, fines and confiscations, demolished / confiscated / restored area, transfers to "
        "police, court and discipline inspection, persons held accountable, closed rate, overdue), every "
        "case's acts, and the cases whose rectification deadline has passed. With a folder, also one "
        "case sheet per township to fill in and return (importcasesheet), unlawful patches without a "
        "case listed for opening one.")

    def initAlgorithm(self, config=None):
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT, tr("Case workbook"), "Excel (*.xlsx)"))
        self.addParameter(QgsProcessingParameterFolderDestination(self.SHEETS, tr("Township case sheets folder"),
                                                                  optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT, tr("Case workbook")))
        for name, label in ((self.CASES, tr("Cases")), (self.CLOSED, tr("Closed")),
                            (self.OVERDUE, tr("Rectification overdue")),
                            (self.SHEET_COUNT, tr("Township case sheets"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def execute(self, parameters, context, feedback):
        task = self.task_path(parameters, context)
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        rows, late = cases.write_report(task, output)
        for key, township, deadline in late:
            feedback.pushWarning(f"{key} {township}: 整改期限 {deadline} 已过 / rectification deadline passed")
        folder = self.parameterAsString(parameters, self.SHEETS, context)
        sheets = cases.export_case_sheets(task, folder) if folder else []
        county = rows[-1]
        feedback.pushInfo(f"{county['case_count']} 案件 / cases, {county['closed_count']} 结案 / closed"
                          + (f"; {len(sheets)} → {os.path.dirname(sheets[0])}" if sheets else ""))
        return {self.OUTPUT: output, self.CASES: county["case_count"], self.CLOSED: county["closed_count"],
                self.OVERDUE: len(late), self.SHEET_COUNT: len(sheets)}


class ImportCaseSheetAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "importcasesheet"
    GROUP = "cases"

    INPUT = "INPUT"

    # outputs
    OPENED = "OPENED"
    ADDED = "ADDED"
    UNCHANGED = "UNCHANGED"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Import case sheet")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Appends the acts a township filled into its case sheet (案件办理): each row one act of the case "
        "it names; a row without a case number opens a case over its monitoring numbers. Rows already "
        "recorded are skipped, so importing the same sheet twice adds nothing. A wrong value stops "
        "the import before anything is written; a row a rule refuses stops it there, naming the row.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile(self.INPUT, tr("Case sheet (.xlsx or .csv)"),
                                                     fileFilter="Spreadsheets (*.xlsx *.csv);;All files (*)"))
        self.addParameter(self.task_database_parameter())
        for name, label in ((self.OPENED, tr("Cases opened")), (self.ADDED, tr("Acts added")),
                            (self.UNCHANGED, tr("Rows already recorded"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def execute(self, parameters, context, feedback):
        opened, added, unchanged = cases.import_case_sheet(self.task_path(parameters, context),
                                                           self.parameterAsFile(parameters, self.INPUT, context))
        feedback.pushInfo(f"{opened} / {added} / {unchanged}")
        return {self.OPENED: opened, self.ADDED: added, self.UNCHANGED: unchanged}
