#!/usr/bin/env python3
"""Build pipeline of the QGIS plugin: compile, package, install and translations.

    build.py compile                      i18n/*.ts -> land_enforcement_plugin/i18n/*.qm
                                          (only what is out of date; icons are loaded from their
                                          files, there are no compiled Qt resources)
    build.py package [--dist dist]        dist/land_enforcement_plugin-<version>.zip (deterministic)
    build.py install [--plugins-dir DIR]  copy the plugin into a QGIS profile and enable it for
                                          QGIS desktop and qgis_process
    build.py translations [--fill F.json] [--export-unfinished F.json] [--check]
                                          update i18n/*.ts from the plugin's sources (pylupdate5),
                                          keeping the translations already made

Needs lrelease (compile), pylupdate5 (translations); qgis_process is optional for
install. Runs with any Python 3.9+; install uses QSettings from qgis.PyQt when it is importable.

Not qgis-plugin-ci (tried 2.10.0: offline it makes the same 94 files): it packages `git archive` of
committed files only (new files not yet committed are silently left out; a dirty tree needs -c, and
it then resets the work tree with `git reset --hard`), rewrites metadata.txt in place (which would
have to move into the plugin folder), compiles translations only when pulling them from Transifex,
does not install, and brings 21 packages (cffi, PyNaCl, regex, PyGithub, transifex-python, …).
"""
import argparse
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

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = "land_enforcement_plugin"
PLUGIN_DIR = ROOT / PLUGIN
METADATA = ROOT / "metadata.txt"
TS_DIR = ROOT / "i18n"
QM_DIR = PLUGIN_DIR / "i18n"  # where the plugin loads <plugin dir>/i18n/land_enforcement_plugin_<locale>.qm
DEFAULT_LANGUAGES = ("zh_CN",)

# Fixed times make the zip reproducible.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold

# What never goes into the package.
EXCLUDED_DIRS = {"__pycache__", "tests", "test", "demodata", "help_source"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo", ".ts", ".qrc", ".pro", ".orig", ".rej", ".bak", ".swp", ".tmp"}
LICENSE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "COPYING")
REQUIRED_METADATA = ("name", "qgisMinimumVersion", "description", "about", "version", "author",
                     "email", "repository")


def log(message):
    print(message, flush=True)


def fail(message):
    print(f"build.py: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def tool(*names):
    """The first of the named executables found on PATH."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        fail(f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


def read_metadata(path=METADATA):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case sensitive (qgisMinimumVersion)
    with open(path, encoding="utf-8") as handle:
        parser.read_file(handle)
    return dict(parser["general"])


def plugin_version():
    return read_metadata()["version"].strip()


def is_stale(output, inputs):
    if not output.exists():
        return True
    built = output.stat().st_mtime
    return any(Path(path).stat().st_mtime > built for path in inputs)


# ---------------------------------------------------------------------------------------- compile

def ts_files():
    return sorted(TS_DIR.glob(f"{PLUGIN}_*.ts"))


def compile_translations(force=False):
    changed = False
    wanted = set()
    for ts in ts_files():
        qm = QM_DIR / (ts.stem + ".qm")
        wanted.add(qm.name)
        if not force and not is_stale(qm, [ts]):
            continue
        lrelease = tool("lrelease", "lrelease-qt5")
        if not lrelease:
            fail("lrelease not found (Debian: apt-get install qttools5-dev-tools)")
        QM_DIR.mkdir(parents=True, exist_ok=True)
        result = run([lrelease, "-silent", str(ts), "-qm", str(qm)])
        if not qm.exists():
            fail(f"lrelease made no {qm}:\n{result.stdout}{result.stderr}")
        log(f"compiled {ts.relative_to(ROOT)} -> {qm.relative_to(ROOT)}")
        changed = True
    if QM_DIR.exists():
        for stale in QM_DIR.glob("*.qm"):
            if stale.name not in wanted:
                stale.unlink()
                log(f"removed {stale.relative_to(ROOT)} (its .ts is gone)")
    return changed


def cmd_compile(args):
    if not compile_translations(force=args.force):
        log("compile: up to date")


# ---------------------------------------------------------------------------------------- package

def _excluded(relative):
    parts = relative.parts
    if any(part in EXCLUDED_DIRS or part.startswith(".") for part in parts):
        return True
    name = parts[-1]
    return name.endswith("~") or Path(name).suffix in EXCLUDED_SUFFIXES


def plugin_files():
    """{path inside the plugin folder: source file}, what a packaged/installed plugin holds."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(PLUGIN_DIR):
        dirnames[:] = sorted(d for d in dirnames if not _excluded(Path(dirpath, d).relative_to(PLUGIN_DIR)))
        for filename in filenames:
            path = Path(dirpath, filename)
            relative = path.relative_to(PLUGIN_DIR)
            if not _excluded(relative) and not path.is_symlink():
                files[relative.as_posix()] = path
    files["metadata.txt"] = METADATA
    if not any(name in files for name in LICENSE_NAMES):
        for name in LICENSE_NAMES:
            if (ROOT / name).is_file():
                files[name] = ROOT / name
                break
    return dict(sorted(files.items()))


def check_plugin_files(files):
    """Refuse to ship a plugin that QGIS could not load."""
    problems = []
    for name in ("__init__.py", "metadata.txt", "resources/__init__.py"):
        if name not in files:
            problems.append(f"missing {name}")
    metadata = read_metadata(files.get("metadata.txt", METADATA))
    problems += [f"metadata.txt has no {key}" for key in REQUIRED_METADATA if not metadata.get(key, "").strip()]
    icon = metadata.get("icon", "").strip()
    if icon and icon not in files:
        problems.append(f"metadata icon {icon} is not in the plugin")
    for name, path in files.items():
        if name.endswith(".py"):
            try:
                compile(path.read_bytes(), f"{PLUGIN}/{name}", "exec", dont_inherit=True)
            except SyntaxError as error:
                problems.append(f"{PLUGIN}/{name}: {error}")
    if problems:
        fail("the plugin is not ready to package:\n  " + "\n  ".join(problems))


def _zip_info(name, is_dir=False):
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.create_system = 3  # Unix, so the permission bits below count everywhere
    if is_dir:
        info.external_attr = (0o40755 << 16) | 0x10
        info.compress_type = zipfile.ZIP_STORED
    else:
        info.external_attr = 0o100644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_zip(files, target):
    """A deterministic zip: sorted entries, fixed times and permissions, one top folder."""
    entries = {}
    for name, path in files.items():
        parts = name.split("/")
        for depth in range(1, len(parts)):
            entries.setdefault("/".join(parts[:depth]) + "/", None)
        entries[name] = path
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        archive.writestr(_zip_info(f"{PLUGIN}/", is_dir=True), b"")
        for name in sorted(entries):
            if entries[name] is None:
                archive.writestr(_zip_info(f"{PLUGIN}/{name}", is_dir=True), b"")
            else:
                archive.writestr(_zip_info(f"{PLUGIN}/{name}"), entries[name].read_bytes(), compresslevel=9)
    os.replace(tmp, target)


def cmd_package(args):
    compile_translations()
    files = plugin_files()
    check_plugin_files(files)
    dist = Path(args.dist)
    if not dist.is_absolute():
        dist = Path.cwd() / dist
    target = dist / f"{PLUGIN}-{plugin_version()}.zip"
    write_zip(files, target)
    log(f"packaged {len(files)} files -> {target}")


# ---------------------------------------------------------------------------------------- install

def default_plugins_dir():
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "QGIS" / "QGIS3" / "profiles" / "default" / "python" / "plugins"


def profile_of(plugins_dir):
    """<profile>/python/plugins -> <profile>, or None when DIR is not inside a QGIS profile."""
    plugins_dir = Path(plugins_dir)
    if plugins_dir.name == "plugins" and plugins_dir.parent.name == "python":
        return plugins_dir.parent.parent
    return None


def set_ini_values(ini, values):
    """Set keys ("Group/key": value) in a QSettings ini file, keeping everything else in it."""
    ini = Path(ini)
    ini.parent.mkdir(parents=True, exist_ok=True)
    try:
        from qgis.PyQt.QtCore import QSettings
    except ImportError:
        QSettings = None
    if QSettings is not None:
        settings = QSettings(str(ini), QSettings.IniFormat)
        for key, value in values.items():
            settings.setValue(key, value)
        settings.sync()
        if settings.status() != QSettings.NoError:
            fail(f"cannot write {ini}")
        return
    # Without Qt: edit the lines of the groups concerned, leaving the rest of the file as it is.
    lines = ini.read_text(encoding="utf-8").splitlines() if ini.exists() else []
    for key, value in values.items():
        group, name = key.split("/", 1)
        name = name.replace("/", "\\")
        text = "true" if value is True else "false" if value is False else str(value)
        header = f"[{group}]"
        try:
            start = lines.index(header)
        except ValueError:
            if lines and lines[-1].strip():
                lines.append("")
            lines += [header, f"{name}={text}"]
            continue
        end = start + 1
        while end < len(lines) and not lines[end].startswith("["):
            end += 1
        for index in range(start + 1, end):
            if lines[index].split("=", 1)[0].strip() == name:
                lines[index] = f"{name}={text}"
                break
        else:
            insert = end
            while insert > start + 1 and not lines[insert - 1].strip():
                insert -= 1
            lines.insert(insert, f"{name}={text}")
    ini.write_text("\n".join(lines) + "\n", encoding="utf-8")


def qgis_process_env(profile):
    """Environment that points qgis_process at the profiles folder holding `profile`."""
    env = dict(os.environ)
    root = profile.parent.parent  # <root>/profiles/<name>
    env["QGIS_CUSTOM_CONFIG_PATH"] = str(root)
    if not sys.platform.startswith("win") and sys.platform != "darwin" and not env.get("DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def default_profile_name(profile):
    ini = profile.parent / "profiles.ini"
    if ini.exists():
        text = ini.read_text(encoding="utf-8", errors="replace")
        match = re.search(r"^defaultProfile=(.+)$", text, flags=re.M)
        if match:
            return match.group(1).strip()
    return "default"


def install_plugin(plugins_dir, profile=None, enable=True, use_qgis_process=True):
    """Copy the plugin into plugins_dir, enable it; returns a list of what was done."""
    done = []
    files = plugin_files()
    check_plugin_files(files)
    plugins_dir = Path(plugins_dir).expanduser().absolute()
    target = plugins_dir / PLUGIN
    if target.is_symlink() or target.is_file():
        target.unlink()
        done.append(f"removed the link {target}")
    elif target.exists():
        shutil.rmtree(target)
    for name, path in files.items():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    done.append(f"copied {len(files)} files to {target}")
    if not enable:
        return done
    profile = Path(profile).expanduser().absolute() if profile else profile_of(plugins_dir)
    if profile is None:
        done.append(f"not enabled: {plugins_dir} is not <profile>/python/plugins (pass --profile-dir)")
        return done
    ini = profile / "QGIS" / "QGIS3.ini"
    set_ini_values(ini, {f"PythonPlugins/{PLUGIN}": True})
    done.append(f"enabled for QGIS desktop: [PythonPlugins] {PLUGIN}=true in {ini}")
    if not use_qgis_process:
        return done
    qgis_process = tool("qgis_process", "qgis_process-qgis", "qgis_process-qgis-ltr")
    if not qgis_process:
        done.append("qgis_process not found: the same setting enables it there")
        return done
    if profile.parent.name != "profiles" or default_profile_name(profile) != profile.name:
        done.append(f"qgis_process uses the default profile, not {profile}: the setting above is "
                    "what enables it when that profile is the default one")
        return done
    env = qgis_process_env(profile)
    result = subprocess.run([qgis_process, "plugins", "enable", PLUGIN], capture_output=True, text=True,
                            env=env, timeout=600)
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0 and "already enabled" not in output:
        fail(f"qgis_process plugins enable {PLUGIN} failed ({result.returncode}):\n{output}")
    # Check that qgis_process really starts it: loaded plugins with a provider are starred.
    listing = subprocess.run([qgis_process, "plugins"], capture_output=True, text=True, env=env, timeout=600)
    if not re.search(rf"^\*\s+{PLUGIN}\s*$", listing.stdout, flags=re.M):
        fail(f"qgis_process does not load {PLUGIN}:\n{(listing.stdout + listing.stderr).strip()}")
    done.append(f"enabled for qgis_process ({qgis_process} plugins enable {PLUGIN}); it loads its provider there")
    return done


def cmd_install(args):
    compile_translations()
    plugins_dir = Path(args.plugins_dir) if args.plugins_dir else default_plugins_dir()
    for line in install_plugin(plugins_dir, profile=args.profile_dir, enable=not args.no_enable,
                               use_qgis_process=not args.no_qgis_process):
        log(f"install: {line}")
    log("install: restart QGIS to load the new version")


# ----------------------------------------------------------------------------------- translations

TS_HEADER = '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'


def translatable_sources():
    sources = []
    for path in sorted(PLUGIN_DIR.rglob("*")):
        relative = path.relative_to(PLUGIN_DIR)
        if path.suffix in (".py", ".ui") and not _excluded(relative):
            sources.append(path)
    return sources


def _has_text(message):
    translation = message.find("translation")
    if translation is None:
        return False
    forms = translation.findall("numerusform")
    texts = [form.text for form in forms] if forms else [translation.text]
    return all(text and text.strip() for text in texts)


def _is_finished(message):
    translation = message.find("translation")
    return translation is not None and translation.get("type") is None and _has_text(message)


def _translation_value(message):
    translation = message.find("translation")
    forms = translation.findall("numerusform")
    return [form.text or "" for form in forms] if forms else translation.text or ""


def _set_translation(message, value):
    translation = message.find("translation")
    if translation is None:
        translation = ET.SubElement(message, "translation")
    for attribute in ("type",):
        translation.attrib.pop(attribute, None)
    if message.get("numerus") == "yes":
        values = value if isinstance(value, list) else [value]
        for child in list(translation):
            translation.remove(child)
        translation.text = None
        for text in values:
            ET.SubElement(translation, "numerusform").text = text
    else:
        translation.text = value[0] if isinstance(value, list) else value


def _messages(root):
    for context in root.findall("context"):
        name = context.findtext("name")
        for message in context.findall("message"):
            yield name, message


def _load_fill(path):
    """{(context or None, source): translation} from a JSON file {source: text} or {context: {source: text}}."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    fill = {}
    for key, value in data.items():
        if isinstance(value, dict):
            for source, text in value.items():
                if text:
                    fill[(key, source)] = text
        elif value:
            fill[(None, key)] = value
    return fill


def update_ts(ts, language, fill=None):
    """pylupdate5 over the plugin's sources, then reuse and fill translations. Returns unfinished."""
    pylupdate = tool("pylupdate5")
    if not pylupdate:
        fail("pylupdate5 not found (Debian: apt-get install pyqt5-dev-tools)")
    if not ts.exists():
        ts.parent.mkdir(parents=True, exist_ok=True)
        ts.write_text(TS_HEADER + f'<TS version="2.1" language="{language}" sourcelanguage="en">\n</TS>\n',
                      encoding="utf-8")
    sources = [str(path.relative_to(ROOT)) for path in translatable_sources()]
    env = dict(os.environ)
    if sys.platform.startswith("linux"):
        env["LC_ALL"] = "C.UTF-8"  # pylupdate5 fails under a plain C locale
    run([pylupdate, *sources, "-ts", str(ts.relative_to(ROOT))], cwd=ROOT, env=env)

    tree = ET.parse(ts)
    root = tree.getroot()
    root.set("language", language)
    root.set("sourcelanguage", "en")
    known = {}  # source text -> translation, from every translated message, obsolete ones included
    for _, message in _messages(root):
        translation = message.find("translation")
        if translation is not None and translation.get("type") != "unfinished" and _has_text(message):
            known.setdefault(message.findtext("source"), _translation_value(message))
    fill = fill or {}
    for context in root.findall("context"):
        name = context.findtext("name")
        for message in list(context.findall("message")):
            translation = message.find("translation")
            if translation is not None and translation.get("type") in ("obsolete", "vanished"):
                context.remove(message)  # its translation lives on in `known`
                continue
            if _is_finished(message):
                continue
            source = message.findtext("source")
            value = fill.get((name, source)) or fill.get((None, source)) or known.get(source)
            if value:
                _set_translation(message, value)
        if not context.findall("message"):
            root.remove(context)
    ET.indent(tree, space="    ")
    body = ET.tostring(root, encoding="unicode")
    ts.write_text(TS_HEADER + body + "\n", encoding="utf-8")
    return [(name, message.findtext("source")) for name, message in _messages(root) if not _is_finished(message)]


def cmd_translations(args):
    fill = {}
    for path in args.fill or []:
        fill.update(_load_fill(path))
    languages = args.lang or DEFAULT_LANGUAGES
    all_unfinished = {}
    for language in languages:
        ts = TS_DIR / f"{PLUGIN}_{language}.ts"
        unfinished = update_ts(ts, language, fill)
        total = sum(1 for _ in _messages(ET.parse(ts).getroot()))
        log(f"translations: {ts.relative_to(ROOT)}: {total} strings, {len(unfinished)} untranslated")
        for context, source in unfinished:
            log(f"  untranslated [{context}] {source!r}")
            all_unfinished.setdefault(context, {})[source] = ""
    if args.export_unfinished:
        Path(args.export_unfinished).write_text(json.dumps(all_unfinished, ensure_ascii=False, indent=2) + "\n",
                                                encoding="utf-8")
        log(f"translations: wrote the untranslated strings to {args.export_unfinished}; fill them in and "
            f"run: build.py translations --fill {args.export_unfinished}")
    compile_translations()
    if args.check and all_unfinished:
        fail("some strings are not translated")


# -------------------------------------------------------------------------------------------- main

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    compile_parser = commands.add_parser("compile", help="compile the translations")
    compile_parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    compile_parser.set_defaults(func=cmd_compile)

    package_parser = commands.add_parser("package", help="build the plugin zip")
    package_parser.add_argument("--dist", default=str(ROOT / "dist"), help="output folder (default: dist)")
    package_parser.set_defaults(func=cmd_package)

    install_parser = commands.add_parser("install", help="copy the plugin into a QGIS profile and enable it")
    install_parser.add_argument("--plugins-dir", help=f"plugins folder (default: {default_plugins_dir()})")
    install_parser.add_argument("--profile-dir", help="QGIS profile to enable it in (default: from --plugins-dir)")
    install_parser.add_argument("--no-enable", action="store_true", help="only copy the files")
    install_parser.add_argument("--no-qgis-process", action="store_true",
                                help="do not run qgis_process plugins enable")
    install_parser.set_defaults(func=cmd_install)

    ts_parser = commands.add_parser("translations", help="update i18n/*.ts from the sources")
    ts_parser.add_argument("--lang", action="append", help="language code, e.g. zh_CN (default: zh_CN)")
    ts_parser.add_argument("--fill", action="append", metavar="JSON",
                           help="translations to fill in: {source: text} or {context: {source: text}}")
    ts_parser.add_argument("--export-unfinished", metavar="JSON", help="write the untranslated strings here")
    ts_parser.add_argument("--check", action="store_true", help="fail if any string is left untranslated")
    ts_parser.set_defaults(func=cmd_translations)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
