"""The plugin zip, compiled resources and translations (scripts/build.py)."""
import ast
import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = "land_enforcement_plugin"
BUILD = [sys.executable, str(ROOT / "scripts" / "build.py")]
TS = ROOT / "i18n" / f"{PLUGIN}_zh_CN.ts"
ICONS = ("icon", "task", "import", "dock", "review", "next", "verdict", "photo", "metrics")
PYQT_IMPORT = re.compile(r"^\s*(from\s+PyQt[56]\b|import\s+PyQt[56]\b)", re.M)


def build(*args, env=None):
    result = subprocess.run(BUILD + list(args), cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def metadata_of(text):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read_string(text)
    return parser["general"]


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    version = metadata_of((ROOT / "metadata.txt").read_text(encoding="utf-8"))["version"]
    paths = []
    for name in ("first", "second"):
        dist = tmp_path_factory.mktemp(name)
        build("package", "--dist", str(dist))
        paths.append(dist / f"{PLUGIN}-{version}.zip")
    return paths


@pytest.fixture(scope="module")
def archive(zips):
    with zipfile.ZipFile(zips[0]) as handle:
        yield handle


def test_single_top_folder(archive):
    names = archive.namelist()
    assert {name.split("/")[0] for name in names} == {PLUGIN}
    assert f"{PLUGIN}/__init__.py" in names
    assert "def classFactory" in archive.read(f"{PLUGIN}/__init__.py").decode("utf-8")
    assert archive.testzip() is None


def test_qgis_plugin_installer_unpacks_it(zips, tmp_path):
    installer = Path("/usr/share/qgis/python/pyplugin_installer/unzip.py")
    if not installer.exists():
        pytest.skip("QGIS's plugin installer is not here")
    namespace = {}
    exec(compile(installer.read_text(encoding="utf-8"), str(installer), "exec"), namespace)
    namespace["unzip"](str(zips[0]), str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [PLUGIN]
    assert (tmp_path / PLUGIN / "metadata.txt").is_file()


def test_metadata(archive):
    metadata = metadata_of(archive.read(f"{PLUGIN}/metadata.txt").decode("utf-8"))
    assert metadata["hasProcessingProvider"] == "yes"
    assert metadata["qgisMinimumVersion"] == "3.34"
    with open(os.path.join(ROOT, "metadata.txt"), encoding="utf-8") as source:
        assert metadata["version"] == metadata_of(source.read())["version"]  # the packaged one is the source's
    assert metadata["category"] == "Vector"
    assert metadata["experimental"] == "True"
    assert metadata["supportsQt6"] == "True"  # icons by path, no PyQt5-only names (below)
    assert "卫片执法" in metadata["name"] and "Land Enforcement" in metadata["name"]
    for key in ("description", "about", "author", "email", "tracker", "repository", "homepage"):
        assert metadata[key].strip(), key
    assert re.search(r"[\u4e00-\u9fff]", metadata["about"]) and "Built for" in metadata["about"]
    assert [r.split(">")[0].split("=")[0] for r in metadata["python_dependencies"].split(",")] == ["openpyxl", "Pillow"]
    assert f"{PLUGIN}/{metadata['icon']}" in archive.namelist()


def test_translations_and_icons_are_in(archive):
    names = archive.namelist()
    assert f"{PLUGIN}/i18n/{PLUGIN}_zh_CN.qm" in names
    assert f"{PLUGIN}/resources/__init__.py" in names
    assert f"{PLUGIN}/resources_rc.py" not in names  # no compiled Qt resources: Qt 6 has no pyrcc
    for icon in ICONS:
        assert f"{PLUGIN}/resources/icons/{icon}.svg" in names


def test_icons_load_from_their_files_in_the_unpacked_plugin(archive, tmp_path):
    """Icons by file path (no pyrcc5, as Qt 6 wants): they show from wherever the plugin is unpacked."""
    from qgis.PyQt.QtGui import QIcon

    archive.extractall(tmp_path)
    for icon in ICONS:
        path = tmp_path / PLUGIN / "resources" / "icons" / f"{icon}.svg"
        assert not QIcon(str(path)).pixmap(24, 24).isNull(), path
    from land_enforcement_plugin import resources

    assert not resources.icon("review").pixmap(24, 24).isNull()
    assert resources.icon_path("review").endswith("review.svg")


def test_nothing_that_does_not_belong(archive):
    for name in archive.namelist():
        parts = name.rstrip("/").split("/")
        assert not {"tests", "test", "__pycache__", "demodata"} & set(parts), name
        assert not any(part.startswith(".") for part in parts), name
        assert not name.endswith((".pyc", ".pyo", ".ts", ".qrc", "~")), name


def test_zip_is_reproducible(zips, archive):
    assert zips[0].read_bytes() == zips[1].read_bytes()
    infos = archive.infolist()
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_no_direct_pyqt_imports(archive):
    offenders = [name for name in archive.namelist()
                 if name.endswith(".py") and PYQT_IMPORT.search(archive.read(name).decode("utf-8"))]
    assert offenders == [], "import Qt through qgis.PyQt"
    sources = [str(path.relative_to(ROOT)) for path in (ROOT / PLUGIN).rglob("*.py")
               if PYQT_IMPORT.search(path.read_text(encoding="utf-8"))]
    assert sources == [], "import Qt through qgis.PyQt"


def test_no_pyqt5_only_names_for_qt6():
    """flake8-qgis, the static checker for QGIS plugins: no PyQt5 imports (QGS103/104), no exec_()
    (QGS107), no protected qgis._core imports (QGS101/102): what supportsQt6=True promises."""
    pytest.importorskip("flake8_qgis")
    result = subprocess.run([sys.executable, "-m", "flake8", "--isolated",
                             "--select=QGS101,QGS102,QGS103,QGS104,QGS106,QGS107", PLUGIN],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (ROOT / PLUGIN / "resources_rc.py").exists() and not list(ROOT.glob("*.qrc"))


def ts_messages():
    root = ET.parse(TS).getroot()
    for context in root.findall("context"):
        for message in context.findall("message"):
            yield context.findtext("name"), message


def translation_texts(message):
    translation = message.find("translation")
    forms = translation.findall("numerusform")
    return [form.text for form in forms] if forms else [translation.text]


def test_translations_are_complete():
    root = ET.parse(TS).getroot()
    assert root.get("language") == "zh_CN"
    messages = list(ts_messages())
    assert messages, "the .ts holds no strings: run scripts/build.py translations"
    untranslated = [(context, message.findtext("source")) for context, message in messages
                    if message.find("translation").get("type") or not all(translation_texts(message))]
    assert untranslated == []
    # Placeholders survive translation.
    for context, message in messages:
        wanted = sorted(re.findall(r"\{\w*\}|%n|%\d", message.findtext("source")))
        for text in translation_texts(message):
            assert sorted(re.findall(r"\{\w*\}|%n|%\d", text)) == wanted, (context, message.findtext("source"), text)


def test_qm_translates_every_string(archive, tmp_path):
    from qgis.PyQt.QtCore import QCoreApplication, QTranslator

    qm = tmp_path / "zh_CN.qm"
    qm.write_bytes(archive.read(f"{PLUGIN}/i18n/{PLUGIN}_zh_CN.qm"))
    translator = QTranslator()
    assert translator.load(str(qm))
    assert QCoreApplication.instance() is not None  # pytest-qgis starts one
    # QCoreApplication.translate, as the plugin calls it (QTranslator.translate takes only ASCII in PyQt5).
    QCoreApplication.installTranslator(translator)
    try:
        wrong = []
        for context, message in ts_messages():
            numerus = message.get("numerus") == "yes"
            expected = translation_texts(message)[0]
            got = QCoreApplication.translate(context, message.findtext("source"), None, 1 if numerus else -1)
            if got != expected:
                wrong.append((context, message.findtext("source"), got))
    finally:
        QCoreApplication.removeTranslator(translator)
    assert wrong == []


def _is_translate(call):
    func = call.func
    if isinstance(func, ast.Name):  # translate = QCoreApplication.translate, as pyuic writes it
        return func.id == "translate"
    return (isinstance(func, ast.Attribute) and func.attr == "translate" and isinstance(func.value, ast.Name)
            and func.value.id in ("QCoreApplication", "QApplication", "QgsApplication"))


def _text(node, constants):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def runtime_lookups(path):
    """(context, source, line) of each string a module translates at run time, found statically:
    QCoreApplication.translate("Ctx", "text"), self.tr("text") in class Ctx, and module-level helpers
    such as `def tr(text): return QCoreApplication.translate("Ctx", text)` called with a literal or a
    module constant (QT_TRANSLATE_NOOP("Ctx", "text") or a plain string)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants, helpers = {}, {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            called = getattr(value.func, "id", getattr(value.func, "attr", "")) if isinstance(value, ast.Call) else None
            if called == "QT_TRANSLATE_NOOP":
                value = value.args[1]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                constants[node.targets[0].id] = value.value
        if isinstance(node, ast.FunctionDef) and node.args.args:
            parameter = node.args.args[0].arg
            for call in ast.walk(node):
                if (isinstance(call, ast.Call) and _is_translate(call) and len(call.args) >= 2
                        and isinstance(call.args[0], ast.Constant) and isinstance(call.args[1], ast.Name)
                        and call.args[1].id == parameter):
                    helpers[node.name] = call.args[0].value
    found = []

    class Visitor(ast.NodeVisitor):
        classes = []

        def visit_ClassDef(self, node):
            self.classes.append(node.name)
            self.generic_visit(node)
            self.classes.pop()

        def visit_Call(self, node):
            func = node.func
            if _is_translate(node) and len(node.args) >= 2:
                context, text = _text(node.args[0], {}), _text(node.args[1], constants)
                if context is not None and text:
                    found.append((context, text, node.lineno))
            elif isinstance(func, ast.Name) and func.id in helpers and node.args:
                text = _text(node.args[0], constants)
                if text:
                    found.append((helpers[func.id], text, node.lineno))
            elif (isinstance(func, ast.Attribute) and func.attr == "tr" and isinstance(func.value, ast.Name)
                  and func.value.id == "self" and self.classes and node.args):
                text = _text(node.args[0], constants)
                if text:
                    found.append((self.classes[-1], text, node.lineno))
            self.generic_visit(node)

    Visitor().visit(tree)
    return found


def test_every_string_translated_at_run_time_is_in_the_ts():
    """pylupdate5 files strings by the context it sees in the source (a bare tr("...") goes to
    "@default"); Qt looks them up by the context the code passes at run time. They must agree."""
    in_ts = {(context, message.findtext("source")) for context, message in ts_messages()}
    missing = []
    for path in sorted((ROOT / PLUGIN).rglob("*.py")):
        if "tests" in path.parts:
            continue
        for context, text, line in runtime_lookups(path):
            if (context, text) not in in_ts:
                elsewhere = sorted(c for c, source in in_ts if source == text)
                missing.append(f"{path.relative_to(ROOT)}:{line} translate({context!r}, {text!r})"
                               + (f" but the .ts has it under {elsewhere}" if elsewhere else " not in the .ts"))
    assert missing == [], "\n".join(missing)


def test_compile_is_quick_when_up_to_date():
    build("compile")
    assert build("compile").strip() == "compile: up to date"


@pytest.mark.skipif(not shutil.which("qgis_process"), reason="qgis_process not installed")
def test_qgis_process_runs_the_installed_provider(tmp_path):
    # QGIS_CUSTOM_CONFIG_PATH sends qgis_process (which has no --profiles-path) to a temporary profile;
    # HOME is moved as well, so the user's own profile cannot be touched even if it were ignored.
    config = tmp_path / "qgis"
    env = dict(os.environ, HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "home" / "share"),
               QGIS_CUSTOM_CONFIG_PATH=str(config), QT_QPA_PLATFORM="offscreen")
    env.pop("DISPLAY", None)
    plugins = config / "profiles" / "default" / "python" / "plugins"
    output = build("install", "--plugins-dir", str(plugins), env=env)
    assert "enabled for qgis_process" in output
    assert (plugins / PLUGIN / "metadata.txt").is_file()
    assert (plugins / PLUGIN / "resources" / "icons" / "icon.svg").is_file()
    ini = (config / "profiles" / "default" / "QGIS" / "QGIS3.ini").read_text(encoding="utf-8")
    assert re.search(rf"^\[PythonPlugins\][^\[]*^{PLUGIN}=true$", ini, flags=re.M | re.S)

    result = subprocess.run(["qgis_process", "--json", "list"], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout[result.stdout.index("{"):])
    assert "landenforcement" in listing["providers"]
    assert "landenforcement:importpatches" in listing["providers"]["landenforcement"]["algorithms"]
    assert not (tmp_path / "home" / "share" / "QGIS").exists()  # the temporary profile was the one used
