"""End to end in real QGIS 3.40 desktop under Xvfb: the demo task opened, the next unverified patch
recorded with photos and a verdict, saved; the screenshot shows the docks and the photo points."""
import json
import os
import subprocess
import sys

from conftest import ROOT


def test_review_workflow_in_real_qgis_desktop(tmp_path):
    demo = tmp_path / "demo"
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "demo.py"), "--out", str(demo)], check=True,
                   capture_output=True, cwd=ROOT)
    out = tmp_path / "desktop"
    check = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "desktop_check.py"),
                            "--project", str(demo / "demo.qgz"), "--review-photos", str(demo / "photos"),
                            "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    scenario = report["review_scenario"]
    assert scenario["verdict_saved"] == "违法" and scenario["photo_points"] >= 1 and scenario["thumbnails"] >= 1
    assert report["plugin"]["active"] and report["translation"]["translator_active"]
    assert {d["name"] for d in report["other_plugin_docks"]} >= {"LandEnforcementReviewDock",
                                                                 "LandEnforcementMetricsDock"}
    assert (out / "desktop_check.png").stat().st_size > 50000
