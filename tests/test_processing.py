"""The headless API: landenforcement:importpatches through the Processing framework."""
import json
import os

import pytest
from conftest import BOWTIE, patch_row, write_patches
from qgis.core import QgsProcessingException, QgsVectorLayer


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
    assert {"landenforcement:importpatches", "landenforcement:overlay", "landenforcement:importverification",
            "landenforcement:townshipmetrics", "landenforcement:attachphotos", "landenforcement:exportpackage",
            "landenforcement:verifypackage"} <= ids


def test_names_help_and_groups_show_in_chinese(provider):
    """The toolbox of a Chinese QGIS: every algorithm's name, help and group in Chinese, the township
    metrics help with both of its paragraphs."""
    from qgis.PyQt.QtCore import QCoreApplication, QTranslator

    import land_enforcement_plugin

    def shown():
        return {alg.id(): (alg.displayName(), alg.shortHelpString(), alg.group()) for alg in provider.algorithms()}

    english = shown()
    translator = QTranslator()
    assert translator.load(os.path.join(os.path.dirname(land_enforcement_plugin.__file__), "i18n",
                                        "land_enforcement_plugin_zh_CN.qm"))
    QCoreApplication.installTranslator(translator)
    try:
        chinese = shown()
    finally:
        QCoreApplication.removeTranslator(translator)
    assert [(key, text) for key in english for text, translated in zip(english[key], chinese[key])
            if translated == text] == []
    assert chinese["landenforcement:addimagery"][0] == "登记前后时相影像"
    assert chinese["landenforcement:caseopen"][2] == "违法案件"
    metrics_help = chinese["landenforcement:townshipmetrics"][1]
    assert metrics_help.startswith("根据核查结论") and "按任务的问责口径计算" in metrics_help


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


def test_overlay_and_township_metrics_algorithms(provider, tmp_path, task_path):
    import openpyxl
    import processing

    from demodata.county import generate_county

    demo = generate_county(str(tmp_path / "demo"), size="small", seed=6)
    processing.run("landenforcement:importpatches", {"INPUT": demo["patches"], "DATABASE": task_path})
    with pytest.raises(QgsProcessingException, match="overlay"):
        processing.run("landenforcement:townshipmetrics", {"DATABASE": task_path})
    redlines = demo["redlines"]
    result = processing.run("landenforcement:overlay", {
        "DATABASE": task_path, "TOWNSHIPS": f"{redlines}|layername=townships",
        "CULTIVATED": f"{redlines}|layername=cultivated", "PERMANENT_FARMLAND": f"{redlines}|layername=pbf",
        "ECO_REDLINE": f"{redlines}|layername=eco_redline",
        "APPROVALS": [f"{redlines}|layername=approvals_nzy", f"{redlines}|layername=approvals_gd"]})
    assert (result["RECOMPUTED"], result["REUSED"]) == (120, 0)
    again = processing.run("landenforcement:overlay", {"DATABASE": task_path,
                                                       "TOWNSHIPS": f"{redlines}|layername=townships",
                                                       "CULTIVATED": f"{redlines}|layername=cultivated",
                                                       "PERMANENT_FARMLAND": f"{redlines}|layername=pbf",
                                                       "ECO_REDLINE": f"{redlines}|layername=eco_redline",
                                                       "APPROVALS": [f"{redlines}|layername=approvals_nzy",
                                                                     f"{redlines}|layername=approvals_gd"]})
    assert again["RECOMPUTED"] == 0
    xlsx = str(tmp_path / "metrics.xlsx")
    metrics = processing.run("landenforcement:townshipmetrics", {"DATABASE": task_path, "OUTPUT": xlsx})
    assert metrics["TOWNSHIPS"] == 6
    sheet = openpyxl.load_workbook(xlsx)["乡镇统计"]
    assert sheet.cell(1, 1).value == "行政区代码" and sheet.max_row == 8
    # A place delivered again in a later quarter (repeat_of) is counted once (issue 16).
    repeats = QgsVectorLayer(f"{task_path}|layername=patches", "p", "ogr")
    repeats.setSubsetString("repeat_of IS NOT NULL")
    assert sheet.cell(8, 1).value == "370323000000" and sheet.cell(8, 3).value == 120 - repeats.featureCount()
    assert repeats.featureCount() >= 1
    del repeats
    # No layer kept in a local: this test's frame outlives QGIS (the exception above references it).
    assert QgsVectorLayer(f"{task_path}|layername=township_metrics", "m", "ogr").featureCount() == 7
