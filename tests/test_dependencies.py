"""land_enforcement_plugin.dependencies: what is missing and the bilingual install hint."""
import subprocess
import sys
from pathlib import Path

import pytest

from land_enforcement_plugin import dependencies
from land_enforcement_plugin.core.metadata import metadata_path

ROOT = Path(__file__).resolve().parent.parent
FAKE = "lep-no-such-package-7f3c9d"  # cannot exist (never published)


def test_metadata_lists_the_runtime_packages():
    assert metadata_path() == str(ROOT / "metadata.txt")
    names = [dependencies.parse_requirement(r)[0] for r in dependencies.read_requirements()]
    assert names == ["openpyxl", "Pillow"]


def test_split_keeps_version_ranges_together(tmp_path):
    metadata = tmp_path / "metadata.txt"
    metadata.write_text("[general]\nname=x\npython_dependencies=foo>=1,<2, bar , baz~=1.4\n", encoding="utf-8")
    assert dependencies.read_requirements(str(metadata)) == ["foo>=1,<2", "bar", "baz~=1.4"]
    assert dependencies.read_requirements(str(tmp_path / "absent.txt")) == []


def test_fake_package_is_reported_with_how_to_install_it():
    missing = dependencies.find_missing([f"{FAKE}>=1.0", "pytest>=1"])
    assert missing == [dependencies.MissingPackage(f"{FAKE}>=1.0", FAKE, None)]

    windows = dependencies.missing_message(missing, platform="win32")
    assert f"{FAKE}>=1.0（未安装）" in windows
    assert f"{FAKE}>=1.0 (not installed)" in windows
    assert "OSGeo4W Shell" in windows
    assert f'python -m pip install "{FAKE}>=1.0"' in windows
    assert "--user" not in windows
    # Chinese first, then English.
    assert windows.index("缺少") < windows.index("missing Python packages")
    assert windows.index("重新启动 QGIS") < windows.index("restart QGIS.")

    linux = dependencies.missing_message(missing, platform="linux")
    assert f'python3 -m pip install --user "{FAKE}>=1.0"' in linux
    assert "OSGeo4W" not in linux
    assert "apt install" not in linux  # no Debian package is known for it


def test_summary_is_one_line():
    missing = dependencies.find_missing([f"{FAKE}>=1.0"])
    summary = dependencies.missing_summary(missing)
    assert "\n" not in summary and f"{FAKE}>=1.0" in summary
    assert summary.index("缺少") < summary.index("Missing")
    assert dependencies.missing_summary([]) == ""


def test_too_old_version_is_reported_with_the_installed_one():
    import pytest as installed

    missing = dependencies.find_missing(["pytest>=999"])
    assert len(missing) == 1 and missing[0].installed == installed.__version__
    message = dependencies.missing_message(missing, platform="linux")
    assert f"已安装 {installed.__version__}" in message
    assert f"version {installed.__version__} installed" in message


def test_known_packages_get_the_debian_hint():
    message = dependencies.missing_message(
        [dependencies.MissingPackage("openpyxl>=3.0", "openpyxl"), dependencies.MissingPackage("Pillow>=8", "Pillow")],
        platform="linux")
    assert "sudo apt install python3-openpyxl python3-pil" in message
    assert "Excel 表格" in message and "spreadsheets" in message


def test_nothing_missing_gives_no_message():
    assert dependencies.find_missing(["pytest", "qgis"]) == []  # qgis: found as a module, no dist-info
    assert dependencies.missing_message([]) == ""
    assert dependencies.check()[1] == ""  # the dev environment has openpyxl and Pillow


@pytest.mark.parametrize("version, spec, ok", [
    ("3.1.5", ">=3.0", True), ("2.6", ">=3.0", False), ("10.4.0", ">=8", True), ("8", "==8.0", True),
    ("1.4.2", "~=1.4", True), ("2.0", "~=1.4", False), ("1.5", "<1.5", False), ("1.5.1", "==1.5.*", True),
    ("3.0.0rc1", ">=3", True),
])
def test_version_matching(version, spec, ok):
    _, [(operator, wanted)] = dependencies.parse_requirement("x" + spec)
    assert dependencies.version_matches(version, operator, wanted) is ok


def test_checking_imports_neither_the_packages_nor_qt():
    code = ("import sys; from land_enforcement_plugin import dependencies as d; d.check(); "
            "bad = [m for m in ('openpyxl', 'PIL', 'qgis', 'PyQt5') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
