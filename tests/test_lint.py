"""No unused imports or names, no undefined names (pyflakes rules) anywhere in the tree."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_pyflakes_rules_pass():
    ruff = os.path.join(os.path.dirname(sys.executable), "ruff")
    completed = subprocess.run([ruff, "check", "--no-cache", "--select", "F,E9", "--line-length", "120",
                                "land_enforcement_plugin", "demodata", "scripts", "bench", "tests"],
                               cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout
