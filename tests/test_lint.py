"""The tree is clean under the project's lint rules: `ruff check` with ruff.toml (E, F, W, I, B, UP at 120 columns)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATHS = ["land_enforcement_plugin", "demodata", "scripts", "bench", "tests"]


def test_the_tree_passes_the_project_lint_rules():
    ruff = os.path.join(os.path.dirname(sys.executable), "ruff")
    completed = subprocess.run([ruff, "check", "--no-cache", *PATHS],
                               cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
