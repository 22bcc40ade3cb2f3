"""The layering of ARCHITECTURE.md holds: imports only go down (or within a package), never in a circle
or inside a function, no private name crosses a module, no module is over 600 lines."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_layers_are_respected():
    completed = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "architecture.py")],
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    """The check is not blind: a store module importing the reports layer, inside a function and by a
    private name, is reported three times over."""
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    try:
        import architecture
    finally:
        sys.path.pop(0)
    package = tmp_path / "land_enforcement_plugin"
    for folder in ("core/store", "core/reports"):
        (package / folder).mkdir(parents=True)
    for init in ("__init__.py", "core/__init__.py", "core/store/__init__.py", "core/reports/__init__.py"):
        (package / init).write_text("")
    (package / "core/reports/city.py").write_text("def _rank():\n    return 1\n")
    (package / "core/store/base.py").write_text("def read():\n    from ..reports.city import _rank\n\n"
                                                "    return _rank()\n")
    monkeypatch.setattr(architecture, "ROOT", str(tmp_path))
    found = architecture.problems()
    assert any("private name _rank" in line for line in found)
    assert any("inside a function" in line for line in found)
    assert any("core.store (rank 1) imports land_enforcement_plugin.core.reports.city" in line for line in found)
