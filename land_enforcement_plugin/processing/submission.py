"""landenforcement:exportpackage and :verifypackage — the provincial submission package."""
from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..core import schema
from ..core.reports import package as submission
from ..core.reports.package_verify import verify_package
from .base import LandEnforcementAlgorithm, tr


class ExportPackageAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "exportpackage"
    GROUP = "submission"

    OUTPUT = "OUTPUT"
    ENCODING = "ENCODING"
    DRAFT = "DRAFT"
    EVIDENCE = "EVIDENCE"
    OVERWRITE = "OVERWRITE"

    # outputs
    BLOCKING = "BLOCKING"
    WARNINGS = "WARNINGS"
    FILES = "FILES"
    EVIDENCE_SHEETS = "EVIDENCE_SHEETS"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Export submission package")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Builds the provincial submission package (成果上报包) of a task as one zip: the patches with "
        "their overlay areas and verdicts as Shapefile (GBK by default, with a field dictionary) and "
        "GeoPackage, the workbook (汇总表, 明细表, 违法图斑整改台账, 问责线索), the photos renamed by "
        "monitoring number, an evidence sheet PDF per unlawful or high-priority patch, and "
        "manifest.json with every file's SHA-256. Blocking problems (unverified patches, lawful "
        "without approval number, unlawful without rectification status, missing photos) stop the "
        "export unless DRAFT is set; a draft says so in its name and manifest. An existing package "
        "is replaced only with OVERWRITE. The same task exported twice gives the same files. Staging "
        "folders (.package-…) that an interrupted export left beside the output more than a day ago "
        "are removed and listed.")

    def initAlgorithm(self, config=None):
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, tr("Package (.zip; default: <county>_<batch>_成果包.zip beside the task)"), "Zip (*.zip)",
            optional=True, createByDefault=False))
        self.addParameter(QgsProcessingParameterEnum(self.ENCODING, tr("Shapefile encoding"),
                                                     list(schema.SHAPEFILE_ENCODINGS), defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(self.DRAFT, tr("Draft: export despite blocking problems"),
                                                        defaultValue=False))
        self.addParameter(QgsProcessingParameterBoolean(self.EVIDENCE, tr("Evidence sheet PDFs"), defaultValue=True))
        self.addParameter(QgsProcessingParameterBoolean(self.OVERWRITE, tr("Replace an existing package"),
                                                        defaultValue=False))
        self.addParameter(self.batch_parameter())
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT, tr("Package")))
        for name, label in ((self.BLOCKING, tr("Blocking problems")), (self.WARNINGS, tr("Warnings")),
                            (self.FILES, tr("Files in the package")), (self.EVIDENCE_SHEETS, tr("Evidence sheets"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def execute(self, parameters, context, feedback):
        task_path = self.task_path(parameters, context)
        draft = self.parameterAsBoolean(parameters, self.DRAFT, context)
        options = submission.PackageOptions(
            encoding=schema.SHAPEFILE_ENCODINGS[self.parameterAsEnum(parameters, self.ENCODING, context)],
            draft=draft, evidence=self.parameterAsBoolean(parameters, self.EVIDENCE, context),
            overwrite=self.parameterAsBoolean(parameters, self.OVERWRITE, context),
            batch=self.batch(parameters, context))
        output = (self.parameterAsFileOutput(parameters, self.OUTPUT, context)
                  or submission.default_package_name(task_path, draft, options.batch))
        findings = submission.check_package(task_path, options.encoding, options.batch)
        for finding in findings:
            line = f"{finding.jcbh or ''} {finding.zh} / {finding.en}"
            if finding.severity == submission.BLOCKING:
                feedback.reportError(line)
            else:
                feedback.pushWarning(line)
        result = submission.build_package(task_path, output, options, feedback)
        for zh, en in result.stale_lines():
            feedback.pushInfo(f"{zh} / {en}")
        if result.path is None:
            raise QgsProcessingException(tr("Export cancelled; nothing was written."))
        manifest = result.manifest
        feedback.pushInfo(f"{result.path}: {len(manifest['files']) + 1} files, "
                          f"{manifest['counts']['evidence_sheets']} evidence sheets"
                          + (" (草稿 draft)" if manifest["draft"] else ""))
        return {self.OUTPUT: result.path,
                self.BLOCKING: sum(1 for f in findings if f.severity == submission.BLOCKING),
                self.WARNINGS: sum(1 for f in findings if f.severity == submission.WARNING),
                self.FILES: len(manifest["files"]) + 1, self.EVIDENCE_SHEETS: manifest["counts"]["evidence_sheets"]}


class VerifyPackageAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "verifypackage"
    GROUP = "submission"

    INPUT = "INPUT"

    # outputs
    FILES = "FILES"
    REPORT = "REPORT"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Verify submission package")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Checks a received submission package against its manifest.json: every file present and "
        "unchanged (size, then SHA-256), nothing extra, no unsafe paths, every file what its "
        "extension says (photos decode as images, PDFs, workbook, Shapefile); then re-reads its "
        "Shapefile and workbook and compares their counts with the manifest. Fails when anything "
        "differs, listing every problem.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile(self.INPUT, tr("Submission package (.zip)"), extension="zip"))
        self.addOutput(QgsProcessingOutputNumber(self.FILES, tr("Files checked")))
        self.addOutput(QgsProcessingOutputString(self.REPORT, tr("Report")))

    def execute(self, parameters, context, feedback):
        report = verify_package(self.parameterAsFile(parameters, self.INPUT, context), feedback)
        for line in report.lines():
            (feedback.pushInfo if report.ok else feedback.reportError)(line)
        if not report.ok:
            raise QgsProcessingException(tr("The package does not match its manifest: ") + report.lines()[0])
        return {self.FILES: report.checked_files, self.REPORT: "\n".join(report.lines())}
