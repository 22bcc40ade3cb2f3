"""The headless API: landenforcement:importpatches through the Processing framework."""
import json

import pytest
from conftest import BOWTIE, patch_row, write_patches
from qgis.core import QgsApplication, QgsProcessingException, QgsVectorLayer

from land_enforcement_plugin.processing.provider import LandEnforcementProvider


@pytest.fixture(scope="module")
def provider(qgis_processing):
    provider = LandEnforcementProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    yield provider
    QgsApplication.processingRegistry().removeProvider(provider)


def test_import_algorithm_reports_and_writes(provider, tmp_path, task_path):
    import processing

    src = write_patches(str(tmp_path / "wptb.shp"), [patch_row("A1", xzqmc="东里镇"), patch_row("BOW", wkt=BOWTIE)])
    result = processing.run("landenforcement:importpatches", {"INPUT": src, "DATABASE": task_path})
    assert (result["INSERTED"], result["REJECTED"], result["REPAIRED"]) == (2, 0, 1)
    assert "BOW" in result["REPORT"] and "几何无效，已修复" in result["REPORT"]
    layer = QgsVectorLayer(f"{task_path}|layername=patches", "p", "ogr")
    assert sorted(f["xzqmc"] for f in layer.getFeatures()) == ["东里镇", "城关镇"]


def test_import_algorithm_mapping_and_errors(provider, tmp_path, task_path):
    import processing

    src = write_patches(str(tmp_path / "p.gpkg"), [{"ID": "Z9", "wkt": patch_row("x")["wkt"]}], fields=("ID",))
    with pytest.raises(QgsProcessingException, match="监测编号"):
        processing.run("landenforcement:importpatches", {"INPUT": src, "DATABASE": task_path, "BATCH": "2025Q2"})
    result = processing.run("landenforcement:importpatches", {
        "INPUT": src, "DATABASE": task_path, "BATCH": "2025Q2", "FIELD_MAPPING": json.dumps({"jcbh": "ID"})})
    assert result["INSERTED"] == 1


def test_ids_are_stable(provider):
    ids = {alg.id() for alg in provider.algorithms()}
    assert {"landenforcement:importpatches", "landenforcement:importverification"} <= ids


def test_import_verification_algorithm(provider, tmp_path, task_path):
    import openpyxl
    import processing

    src = write_patches(str(tmp_path / "wptb.shp"), [patch_row("A1")])
    processing.run("landenforcement:importpatches", {"INPUT": src, "DATABASE": task_path})
    workbook = openpyxl.Workbook()
    workbook.active.append(["监测编号", "判定结果", "用地类型", "线索来源", "核查人", "核查日期"])
    workbook.active.append(["A1", "其他", "其他", "卫片", "张三", "2024-05-08"])
    workbook.active.append(["ZZ", "其他", "其他", "卫片", "张三", "2024-05-08"])
    xlsx = str(tmp_path / "v.xlsx")
    workbook.save(xlsx)
    result = processing.run("landenforcement:importverification", {"INPUT": xlsx, "DATABASE": task_path})
    assert (result["ACCEPTED"], result["REJECTED"], result["CHANGED"]) == (1, 1, 0)
    assert "ZZ" in result["REPORT"]
    result = processing.run("landenforcement:importverification",
                            {"INPUT": xlsx, "DATABASE": task_path, "ACCEPT_PARTIAL": True})
    assert result["CHANGED"] == 1
