"""landenforcement:citysummary — the city roll-up (市级汇总) of county packages or county schemas."""
from qgis.core import (
    Qgis,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..core.reports import city, city_postgis
from .base import LandEnforcementAlgorithm, tr


class CitySummaryAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "citysummary"
    GROUP = "submission"

    INPUT = "INPUT"
    OUTPUT = "OUTPUT"
    WORKBOOK = "WORKBOOK"
    CITY_NAME = "CITY_NAME"
    CITY_SCHEMA = "CITY_SCHEMA"
    SCHEMAS = "SCHEMAS"

    # outputs
    COUNTIES = "COUNTIES"
    FAILED = "FAILED"
    CONFLICTS = "CONFLICTS"
    RANKING = "RANKING"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "City summary of county packages")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Checks, merges and ranks the submission packages of a city's counties (市级汇总). INPUT: "
        "package zips, or folders holding them. Each package is verified against its manifest "
        "first; one that fails is listed with its problems and not merged. OUTPUT: a city "
        "GeoPackage (every county's patches in one layer with their county, a county layer for the "
        "choropleth, the figures of every county, township and the city, conflicts, failed "
        "packages) and optionally a workbook. Counties are ranked by their unlawful cultivated "
        "ratio. Conflicts: the same monitoring number in two packages, one county in two packages, "
        "patches of different counties that overlap. CITY_SCHEMA (pg:<connection>/<schema>) "
        "instead summarises every county task schema of that database (or those in SCHEMAS) in SQL "
        "into that city schema.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.INPUT, tr("County packages (.zip files, or folders of them)"), Qgis.ProcessingSourceType.File,
            optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, tr("City GeoPackage"), "GeoPackage (*.gpkg)", optional=True, createByDefault=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.WORKBOOK, tr("City workbook"), "Excel (*.xlsx)", optional=True, createByDefault=False))
        self.addParameter(QgsProcessingParameterString(
            self.CITY_NAME, tr("City name"), defaultValue=city.CITY_ROW_NAME))
        self.addParameter(QgsProcessingParameterString(
            self.CITY_SCHEMA, tr("PostGIS: city schema to write (pg:<connection>/<schema>)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.SCHEMAS, tr("PostGIS: county task schemas, comma-separated (empty: every task schema)"),
            optional=True))
        self.addOutput(QgsProcessingOutputNumber(self.COUNTIES, tr("Counties merged")))
        self.addOutput(QgsProcessingOutputNumber(self.FAILED, tr("Packages that failed verification")))
        self.addOutput(QgsProcessingOutputNumber(self.CONFLICTS, tr("Conflicts")))
        self.addOutput(QgsProcessingOutputString(self.RANKING, tr("Ranking")))

    def execute(self, parameters, context, feedback):
        city_name = self.parameterAsString(parameters, self.CITY_NAME, context).strip() or city.CITY_ROW_NAME
        city_schema = self.parameterAsString(parameters, self.CITY_SCHEMA, context).strip()
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        workbook = self.parameterAsFileOutput(parameters, self.WORKBOOK, context)
        if city_schema:
            schemas = [s.strip() for s in self.parameterAsString(parameters, self.SCHEMAS, context).split(",")
                       if s.strip()]
            summary = city_postgis.summarise_postgis(city_schema, schemas or None, city_name=city_name,
                                                     feedback=feedback)
            if workbook:
                city.write_workbook(summary, workbook)
        else:
            inputs = self.parameterAsFileList(parameters, self.INPUT, context)
            if not inputs:
                raise QgsProcessingException(tr("Give county packages (INPUT) or a city schema (CITY_SCHEMA)."))
            if not output:
                raise QgsProcessingException(tr("Give the city GeoPackage to write (OUTPUT)."))
            summary = city.run_city_summary(inputs, output, workbook or None, city_name=city_name, feedback=feedback)
        for failed in summary.failed:
            feedback.reportError(f"{failed.path}: " + "; ".join(f"{zh} / {en}" for zh, en in failed.problems[:5]))
        for conflict in summary.conflicts[:50]:
            feedback.pushWarning(f"{city.CONFLICT_LABELS[conflict.kind]}: {conflict.county_a} {conflict.jcbh_a} / "
                                 f"{conflict.county_b} {conflict.jcbh_b}")
        ranking = city.ranking_lines(summary)
        for line in ranking:
            feedback.pushInfo(line)
        results = {self.COUNTIES: len(summary.county_rows()), self.FAILED: len(summary.failed),
                   self.CONFLICTS: len(summary.conflicts), self.RANKING: "\n".join(ranking)}
        if output and not city_schema:
            results[self.OUTPUT] = output
        if workbook:
            results[self.WORKBOOK] = workbook
        return results
