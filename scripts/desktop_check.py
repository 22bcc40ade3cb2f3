#!/usr/bin/env python3
"""Start real QGIS desktop under Xvfb with the plugin installed, screenshot it and report.

    desktop_check.py [--project demo.qgz] [--out build/desktop_check] [--locale zh-Hans]

1. installs the plugin (scripts/build.py install) into a throw-away QGIS profile, with the UI
   language forced through QGIS's own settings (locale/userLocale, locale/overrideFlag=true);
2. starts `qgis --profiles-path <tmp>` under xvfb-run (or an Xvfb it starts itself), with this
   file as the PYQGIS_STARTUP script, so that it runs inside QGIS before the plugins load: it
   records every QgsMessageLog message from the start, waits until the main window is up and the
   plugin is active (and the project rendered), shows the dock `LandEnforcementTaskDock`, grabs
   the main window and the whole screen, writes what it found and quits QGIS;
3. writes <out>/report.json and <out>/desktop_check.png (+ desktop_check_screen.png) and exits
   non-zero when the plugin did not load, logged an error (or a traceback), its dock is missing,
   or QGIS did not come up.

Packages the plugin needs that QGIS's own Python lacks (metadata.txt python_dependencies) are
taken from this virtualenv and appended to QGIS's sys.path, so the check sees the plugin as a user
who installed them would; --no-deps leaves them out (the plugin should then say what is missing).

The real user profile is never touched. Linux only (Xvfb).
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLUGIN = "land_enforcement_plugin"
DOCK_NAME = "LandEnforcementTaskDock"
PROVIDER_ID = "landenforcement"
INSIDE = "LEP_DESKTOP_CHECK"  # env var holding the JSON config of the part running inside QGIS
PLUGIN_TAG_WORDS = ("land enforcement", "land_enforcement", "landenforcement", "卫片")
CRITICAL = 2  # Qgis.MessageLevel.Critical
WARNING = 1


# ------------------------------------------------------------------------------- inside QGIS
# Everything below up to the outside part runs in QGIS's Python, started as PYQGIS_STARTUP.
# The functions before _inside_qgis are shared with other scripts run the same way
# (scripts/guide_screenshots.py): they import this file as the module `desktop_check`.

def add_sys_paths(paths):
    for path in paths:
        if path not in sys.path:
            sys.path.append(path)  # after QGIS's own packages: only fills what is missing


def collect_messages(started):
    """Every QgsMessageLog message from now on, as dicts (t seconds after `started`, tag, level, message)."""
    from qgis.core import QgsApplication

    messages = []

    def on_message(message, tag, level):
        try:
            level = int(level)
        except TypeError:
            level = int(getattr(level, "value", -1))
        messages.append({"t": round(time.time() - started, 2), "tag": tag, "level": level, "message": message})

    QgsApplication.messageLog().messageReceived.connect(on_message)
    return messages


def when_ready(config, ready, failed):
    """Calls ready(state) once the main window is up, the plugin active (or config["load_timeout"] passed),
    the project (config["project"], if any) open and the canvas has drawn for config["settle"] seconds; the
    window then fills the screen. state["zoomed"] says whether a project saved at 1:1 was zoomed to its
    full extent. failed(traceback text) when that, or ready(), raises."""
    import builtins
    import traceback

    from qgis.core import QgsProject
    from qgis.PyQt.QtCore import QTimer
    from qgis.PyQt.QtWidgets import QApplication

    started = time.time()
    state = {"phase": "wait", "ready_at": None, "done": False}

    def tick():
        if state["done"]:
            return
        try:
            import qgis.utils as utils

            elapsed = time.time() - started
            iface = utils.iface
            up = iface is not None and iface.mainWindow() is not None and iface.mainWindow().isVisible()
            if state["phase"] == "wait":
                loaded = PLUGIN in utils.active_plugins
                project_ok = not config.get("project") or bool(QgsProject.instance().fileName())
                if up and project_ok and (loaded or elapsed > config["load_timeout"]):
                    state["phase"] = "settle"
                    state["ready_at"] = time.time()
                    window = iface.mainWindow()
                    window.setGeometry(QApplication.primaryScreen().availableGeometry())
                    canvas = iface.mapCanvas()
                    if QgsProject.instance().mapLayers() and canvas.scale() <= 1.0:
                        canvas.zoomToFullExtent()  # a project saved without a view opens at 1:1
                        state["zoomed"] = True
                    canvas.refresh()
            elif state["phase"] == "settle":
                drawing = iface.mapCanvas().isDrawing()
                if (time.time() - state["ready_at"] >= config["settle"]
                        and (not drawing or elapsed > config["load_timeout"])):
                    state["done"] = True
                    ready(state)
        except Exception:  # report the script's own failure rather than hang
            state["done"] = True
            failed(traceback.format_exc())

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(250)
    builtins._lep_desktop_check_timer = timer  # keep it alive
    return state


def clear_message_bar(iface):
    """Pops QGIS's own message-bar noise (no network here), keeping the plugin's messages: (items, hidden)."""
    bar_items, hidden = [], []
    for item in list(iface.messageBar().items()):
        entry = {"title": item.title(), "text": item.text(), "level": int(getattr(item.level(), "value", item.level()))}
        bar_items.append(entry)
        words = (entry["title"] + " " + entry["text"]).lower()
        if PLUGIN not in words and not any(word in words for word in PLUGIN_TAG_WORDS):
            iface.messageBar().popWidget(item)
            hidden.append(entry["text"])
    return bar_items, hidden


def quit_qgis(timeout=30):
    """QGIS's own way out (File > Exit), which unloads the plugins; QgsApplication.exit() skips
    that and makes QGIS 3.40 crash while clearing a project's layer tree. Exits hard after `timeout` s."""
    import builtins

    import qgis.utils as utils
    from qgis.core import QgsApplication, QgsProject
    from qgis.PyQt.QtCore import QTimer
    from qgis.PyQt.QtWidgets import QApplication, QMessageBox

    QgsProject.instance().setDirty(False)  # no "save changes?" question
    QTimer.singleShot(int(timeout * 1000), lambda: QgsApplication.exit(4))

    def confirm_close():
        # Layer files under /tmp count as temporary layers: QGIS asks before closing the project.
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.button(QMessageBox.StandardButton.Yes) is not None:
            box.button(QMessageBox.StandardButton.Yes).click()

    confirm_timer = QTimer()
    confirm_timer.timeout.connect(confirm_close)
    confirm_timer.start(500)
    builtins._lep_desktop_check_confirm = confirm_timer  # keep it alive
    utils.iface.actionExit().trigger()


def plugin_core(plugin, name):
    """The plugin's core module `name` (e.g. "photos") as QGIS loaded it; `plugin`: any object of the plugin."""
    return sys.modules[type(plugin).__module__.split(".")[0] + ".core." + name]


def select_unverified_with_photos(review, photo_dir):
    """Steps the review dock to the next unverified patch that `photo_dir` has photos for:
    (jcbh or None, {jcbh: [photo paths]})."""
    matches = plugin_core(review, "review.photos").match_folder(photo_dir, {row["jcbh"] for row in review.model.rows})
    jcbh = None
    for _ in range(len(review.model.rows)):
        jcbh = review.step_unverified(1)
        if jcbh is None or jcbh in matches:
            break
    return jcbh, matches


def _inside_qgis(config):
    import xml.etree.ElementTree as ET

    from qgis.core import Qgis, QgsApplication, QgsProject
    from qgis.PyQt.QtCore import QCoreApplication, QTimer
    from qgis.PyQt.QtWidgets import QAbstractButton, QApplication, QDockWidget, QGroupBox, QLabel, QMenu, QToolBar

    add_sys_paths(config.get("extra_sys_path", []))
    started = time.time()
    messages = collect_messages(started)

    def visible_texts(widget):
        texts = []
        if widget is None:
            return texts
        if isinstance(widget, QDockWidget):
            texts.append(widget.windowTitle())
        for child in widget.findChildren(QLabel):
            texts.append(child.text())
        for child in widget.findChildren(QAbstractButton):
            texts.append(child.text())
        for child in widget.findChildren(QGroupBox):
            texts.append(child.title())
        return [text for text in texts if text and text.strip()]

    def ts_messages():
        found = []
        path = config.get("ts")
        if not path or not os.path.exists(path):
            return found
        for context in ET.parse(path).getroot().findall("context"):
            name = context.findtext("name")
            for message in context.findall("message"):
                translation = message.find("translation")
                if translation is None or translation.get("type"):
                    continue
                forms = translation.findall("numerusform")
                text = forms[0].text if forms else translation.text
                if text:
                    found.append((name, message.findtext("source"), text, message.get("numerus") == "yes"))
        return found

    def finish(state):
        import qgis.utils as utils

        iface = utils.iface
        window = iface.mainWindow()
        screen = QApplication.primaryScreen()
        window.setGeometry(screen.availableGeometry())
        report = {"elapsed_s": round(time.time() - started, 1), "qgis_version": Qgis.version(),
                  "python": sys.version.split()[0], "sys_path_added": config.get("extra_sys_path", [])}
        report["plugin"] = {
            "in_qgis_utils_plugins": PLUGIN in utils.plugins,
            "active": PLUGIN in utils.active_plugins,
            "load_time": utils.plugin_times.get(PLUGIN),
            "available": PLUGIN in utils.available_plugins,
        }
        dock = window.findChild(QDockWidget, DOCK_NAME)
        report["dock"] = {"found": dock is not None}
        if dock is not None:
            report["dock"].update({
                "visible_at_start": dock.isVisible(), "title": dock.windowTitle(), "floating": dock.isFloating(),
                "area": int(getattr(window.dockWidgetArea(dock), "value", window.dockWidgetArea(dock))),
            })
            if not dock.isVisible():
                dock.show()  # for the screenshot; the report says it was hidden
            dock.raise_()
        other_docks = [d for d in window.findChildren(QDockWidget)
                       if d.objectName().startswith("LandEnforcement") and d is not dock]
        report["other_plugin_docks"] = [{"name": d.objectName(), "title": d.windowTitle(), "visible": d.isVisible()}
                                        for d in other_docks]
        toolbar = window.findChild(QToolBar, "LandEnforcementToolbar")
        report["toolbar"] = None if toolbar is None else [a.text() for a in toolbar.actions()]
        menu_texts = []
        for action in iface.pluginMenu().actions():
            submenu = action.menu()
            on_toolbar = toolbar.actions() if toolbar else []
            if isinstance(submenu, QMenu) and any(a in on_toolbar for a in submenu.actions()):
                menu_texts.append({"menu": action.text(), "actions": [a.text() for a in submenu.actions()]})
        report["plugin_menu"] = menu_texts
        registry = QgsApplication.processingRegistry()
        provider = registry.providerById(PROVIDER_ID)
        report["processing_provider"] = {"found": provider is not None}
        if provider is not None:
            report["processing_provider"].update({
                "name": provider.name(), "algorithms": sorted(a.id() for a in provider.algorithms())})
        # Translations: does QCoreApplication.translate give the .ts translations (translator installed),
        # and which texts the user sees are still an English source string (translated in a wrong context).
        expected = ts_messages()
        translated = [1 for context, source, text, numerus in expected
                      if QCoreApplication.translate(context, source, None, 1 if numerus else -1) == text]
        sources = {source.replace("&", "") for _, source, _, _ in expected}
        seen = visible_texts(dock) + [t for d in other_docks if d.isVisible() for t in visible_texts(d)]
        seen += (report["toolbar"] or []) + [t for m in menu_texts for t in [m["menu"]] + m["actions"]]
        if provider is not None:
            seen.append(provider.name())
        report["translation"] = {
            "locale_setting": QgsApplication.locale(),
            "ts_strings": len(expected), "translated_by_qt": len(translated),
            "translator_active": bool(expected) and len(translated) == len(expected),
            "visible_texts": seen,
            "visible_untranslated": sorted({t for t in seen if t.replace("&", "") in sources}),
        }
        bar_items, hidden = clear_message_bar(iface)  # keep the shot clear
        report["message_bar"] = bar_items
        report["message_bar_hidden_for_screenshot"] = hidden
        if config.get("review_photos"):
            report["review_scenario"] = review_scenario(utils, config["review_photos"])
        modal = QApplication.activeModalWidget()
        report["modal_dialog"] = None if modal is None else {
            "class": type(modal).__name__, "title": modal.windowTitle(), "texts": visible_texts(modal)[:20]}
        project = QgsProject.instance()
        report["project"] = {"file": project.fileName(), "layers": len(project.mapLayers()),
                             "zoomed_to_full_extent": bool(state.get("zoomed")),
                             "canvas_scale": round(iface.mapCanvas().scale(), 1)}
        QApplication.processEvents()
        shot = config["screenshot"]
        report["screenshot_saved"] = window.grab().save(shot)
        report["screen_screenshot_saved"] = screen.grabWindow(0).save(config["screen_screenshot"])
        report["messages"] = list(messages)
        with open(config["raw_report"] + ".tmp", "w", encoding="utf-8") as handle:
            json.dump(report, handle, ensure_ascii=False, indent=2)
        os.replace(config["raw_report"] + ".tmp", config["raw_report"])

    def review_scenario(utils, photo_dir):
        """The field workbench end to end, as a user would: the task's layers on the map, next
        unverified patch (one the photo folder has photos for), its photos attached, a verdict saved."""
        plugin = utils.plugins[PLUGIN]
        store_module = plugin_core(plugin, "store")
        task = plugin.dock.task_path
        plugin.dock.add_layers_to_map()
        review = plugin.review
        review.show()
        review.refresh()
        while review.loading is not None:  # the list is read in the background
            QApplication.processEvents()
        jcbh, matches = select_unverified_with_photos(review, photo_dir)
        if jcbh is None:
            return {"error": "no unverified patch with photos"}
        attached = plugin_core(plugin, "review.photos").attach_photos(task, {jcbh: matches[jcbh]})
        review.save(jcbh, {"verdict": "违法", "land_use": "建设用地", "violation_type": "未批先建",
                           "rect_status": "未整改", "case_filed": "是", "lead_source": "卫片",
                           "inspector": "桌面测试", "verify_date": "2024-06-05"})
        review.select_jcbh(jcbh)
        review.show_photos(jcbh)
        review.zoom_to_selected()
        utils.iface.mapCanvas().zoomScale(2000)
        utils.iface.mapCanvas().refresh()
        utils.iface.mapCanvas().waitWhileRendering()
        QApplication.processEvents()
        with store_module.GeoPackageTaskStore.open(task) as store:
            saved = store.verifications().get(jcbh, {})
            photo_rows = store.photos(jcbh)
        return {"jcbh": jcbh, "photos_attached": attached.added, "photo_points": len(photo_rows),
                "verdict_saved": saved.get("verdict"), "thumbnails": review.thumbnails.count(),
                "warnings": [w[3] for w in attached.warnings]}

    def ready(state):
        finish(state)
        QTimer.singleShot(200, lambda: quit_qgis(config.get("quit_timeout", 30)))

    def failed(error):
        with open(config["raw_report"], "w", encoding="utf-8") as handle:
            json.dump({"check_error": error, "messages": messages}, handle, ensure_ascii=False)
        QgsApplication.exit(3)

    when_ready(config, ready, failed)


# ------------------------------------------------------------------------------------ outside

ROOT = Path(__file__).resolve().parent.parent if "__file__" in globals() else None  # unset inside QGIS


def link_dependencies(target):
    """Links to the distributions QGIS's Python lacks, from this interpreter's environment."""
    import importlib.metadata

    sys.path.insert(0, str(ROOT))
    from land_enforcement_plugin import dependencies

    qgis_python = shutil.which("python3", path="/usr/bin") or "/usr/bin/python3"
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from land_enforcement_plugin import dependencies as d; "
            "print(json.dumps([m.name for m in d.find_missing(d.read_requirements(sys.argv[2]))]))")
    result = subprocess.run([qgis_python, "-c", code, str(ROOT), str(ROOT / "metadata.txt")],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return [], f"cannot ask {qgis_python} what it lacks: {result.stderr.strip()}"
    wanted, linked, seen = json.loads(result.stdout), [], set()
    while wanted:
        name = wanted.pop()
        key = dependencies.normalise(name)
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                wanted.append(dependencies.parse_requirement(requirement)[0])
        base = Path(dist.locate_file(""))
        for top in sorted({Path(f).parts[0] for f in dist.files or []}):
            if top in ("..", "__pycache__") or top.endswith(".pth"):
                continue
            link = target / top
            if not link.exists() and (base / top).exists():
                target.mkdir(parents=True, exist_ok=True)
                link.symlink_to(base / top)
        linked.append(f"{dist.metadata['Name']} {dist.version}")
    return linked, None


def plugin_related(message):
    tag = (message.get("tag") or "").lower()
    return PLUGIN in message.get("message", "") or any(word in tag for word in PLUGIN_TAG_WORDS)


def judge(raw, args):
    problems, warnings = [], []
    if "check_error" in raw:
        problems.append("the check itself failed inside QGIS:\n" + raw["check_error"])
        return problems, warnings
    plugin = raw["plugin"]
    if not (plugin["in_qgis_utils_plugins"] and plugin["active"]):
        problems.append(f"plugin not loaded: {plugin}")
    if not raw["dock"]["found"]:
        problems.append(f"no dock widget named {DOCK_NAME}")
    elif not raw["dock"]["visible_at_start"]:
        warnings.append("the dock was hidden at start (shown for the screenshot)")
    if not raw["processing_provider"]["found"]:
        problems.append(f"no Processing provider {PROVIDER_ID}")
    for message in raw["messages"]:
        text = message["message"]
        if not plugin_related(message):
            continue
        if message["level"] == CRITICAL or "Traceback (most recent call last)" in text:
            problems.append(f"logged [{message['tag']}] {text}")
        elif message["level"] == WARNING:
            warnings.append(f"logged [{message['tag']}] {text}")
    if raw.get("project", {}).get("zoomed_to_full_extent"):
        warnings.append("the project opened at 1:1 (saved without a view extent): zoomed to its full extent")
    if raw.get("modal_dialog"):
        warnings.append(f"a modal dialog was open: {raw['modal_dialog']}")
    translation = raw["translation"]
    if args.locale.lower().startswith("zh"):
        if not translation["translator_active"]:
            warnings.append(f"the plugin's translations are not active for locale {args.locale!r} "
                            f"({translation['translated_by_qt']}/{translation['ts_strings']} .ts strings translate)")
        if translation["visible_untranslated"]:
            warnings.append("English texts shown: " + ", ".join(translation["visible_untranslated"]))
    if not raw.get("screenshot_saved"):
        problems.append("the screenshot could not be saved")
    scenario = raw.get("review_scenario")
    if scenario is not None and not (scenario.get("verdict_saved") and scenario.get("photo_points")
                                     and scenario.get("thumbnails")):
        problems.append(f"review scenario incomplete: {scenario}")
    return problems, warnings


def start_display(size):
    """An Xvfb of our own when xvfb-run is missing: (process, display)."""
    read, write = os.pipe()
    process = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                               pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    os.close(write)
    with os.fdopen(read) as handle:
        display = handle.readline().strip()
    if not display:
        process.kill()
        raise SystemExit("desktop_check: Xvfb did not start")
    return process, f":{display}"


def stop(process):
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()


def prepare_profile(tmp, locale, lend_deps=True, name="desktop_check"):
    """A throw-away QGIS profile folder `tmp` (for --profiles-path): the plugin installed and enabled, the UI
    language forced to `locale`, no version check or news feed; with lend_deps, the packages QGIS's Python
    lacks linked into tmp/site-packages. Returns (paths for QGIS's sys.path, lent distributions)."""
    profile = Path(tmp) / "profiles" / "default"
    install = subprocess.run([sys.executable, str(ROOT / "scripts" / "build.py"), "install", "--plugins-dir",
                              str(profile / "python" / "plugins"), "--no-qgis-process"],
                             capture_output=True, text=True)
    print(install.stdout, end="")
    if install.returncode != 0:
        print(install.stderr, file=sys.stderr)
        raise SystemExit(f"{name}: install failed")
    sys.path.insert(0, str(ROOT / "scripts"))
    import build

    build.set_ini_values(profile / "QGIS" / "QGIS3.ini", {
        "locale/userLocale": locale, "locale/overrideFlag": True,
        "qgis/checkVersion": False, "core/NewsFeed/httpsfeedqgisorg/disabled": True,
    })
    extra, linked = [], []
    if lend_deps:
        deps = Path(tmp) / "site-packages"
        linked, error = link_dependencies(deps)
        if error:
            print(f"{name}: {error}", file=sys.stderr)
        if deps.exists():
            extra.append(str(deps))
    return extra, linked


def run_qgis(tmp, startup, config_var, config, project, size, timeout, log_path, name="desktop_check"):
    """QGIS desktop with the profiles of `tmp` under Xvfb (screen `size`, e.g. "1600x1000"), the file `startup`
    as its PYQGIS_STARTUP script and `config` as JSON in the environment variable `config_var`; opens
    `project` if given; output to log_path. Returns QGIS's exit code, or None when it was killed after
    `timeout` seconds."""
    qgis = shutil.which("qgis")
    if not qgis:
        raise SystemExit(f"{name}: qgis not found")
    runtime = Path(tmp) / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = dict(os.environ, PYQGIS_STARTUP=str(Path(startup).resolve()), QT_QPA_PLATFORM="xcb",
               XDG_RUNTIME_DIR=str(runtime), LANG="C.UTF-8", **{config_var: json.dumps(config)})
    env.pop("LC_ALL", None)
    env.pop("LANGUAGE", None)
    command = [qgis, "--profiles-path", str(tmp), "--nologo", "--noversioncheck", "--skipbadlayers"]
    if project:
        command += ["--project", str(Path(project).absolute())]
    display_process = None
    if shutil.which("xvfb-run"):
        command = ["xvfb-run", "-a", "-s", f"-screen 0 {size}x24"] + command
    else:
        display_process, env["DISPLAY"] = start_display(size)
    print(f"{name}: " + " ".join(command), flush=True)
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            stop(process)
            if display_process is not None:
                stop(display_process)


def print_log_tail(log_path, lines=15):
    if Path(log_path).exists():
        print("  last lines of the QGIS output:")
        for line in Path(log_path).read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]:
            print(f"    {line}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", help="QGIS project to open (.qgz/.qgs)")
    parser.add_argument("--out", default=str(ROOT / "build" / "desktop_check"), help="where report and PNGs go")
    parser.add_argument("--locale", default="zh-Hans",
                        help="QGIS UI language (locale/userLocale). zh-Hans is what QGIS's own language list "
                             "stores for 简体中文; zh_CN also works for the plugin but leaves QGIS in English")
    parser.add_argument("--size", default="1600x1000", help="screen size")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to wait once QGIS is up")
    parser.add_argument("--timeout", type=float, default=240.0, help="give up after this many seconds")
    parser.add_argument("--no-deps", action="store_true",
                        help="do not lend QGIS the packages it lacks (see the missing-package message)")
    parser.add_argument("--keep-profile", action="store_true", help="keep the temporary profile folder")
    parser.add_argument("--strict", action="store_true", help="warnings fail the check too")
    parser.add_argument("--review-photos", help="run the review scenario (next unverified patch, photos from "
                                                "this folder, verdict saved) before the screenshot")
    args = parser.parse_args(argv)

    if args.project and not Path(args.project).is_file():
        parser.error(f"no project {args.project}")
    if not shutil.which("qgis"):
        raise SystemExit("desktop_check: qgis not found")
    out = Path(args.out).absolute()
    out.mkdir(parents=True, exist_ok=True)
    screenshot, screen_shot = out / "desktop_check.png", out / "desktop_check_screen.png"
    report_path, log_path = out / "report.json", out / "qgis_output.log"
    for path in (screenshot, screen_shot, report_path):
        path.unlink(missing_ok=True)

    tmp = Path(tempfile.mkdtemp(prefix="lep-desktop-check-"))
    raw_report = tmp / "raw_report.json"  # per run, so that two checks at once cannot mix them up
    try:
        extra, linked = prepare_profile(tmp, args.locale, lend_deps=not args.no_deps)
        config = {
            "screenshot": str(screenshot), "screen_screenshot": str(screen_shot), "raw_report": str(raw_report),
            "project": args.project, "settle": args.settle, "load_timeout": max(30.0, args.timeout / 2),
            "extra_sys_path": extra, "ts": str(ROOT / "i18n" / f"{PLUGIN}_zh_CN.ts"),
            "review_photos": str(Path(args.review_photos).absolute()) if args.review_photos else None,
        }
        started = time.time()
        exit_code = run_qgis(tmp, __file__, INSIDE, config, args.project, args.size, args.timeout, log_path)
        elapsed = round(time.time() - started, 1)

        if raw_report.exists():
            raw = json.loads(raw_report.read_text(encoding="utf-8"))
            problems, warnings = judge(raw, args)
        else:
            raw, warnings = {}, []
            problems = [f"QGIS {'timed out' if exit_code is None else f'exited ({exit_code})'} before the check "
                        f"ran; see {log_path}"]
        if exit_code is None and raw:
            warnings.append(f"QGIS did not quit by itself within {args.timeout:.0f}s (killed)")
        elif exit_code and raw:
            # File > Exit quits cleanly without the plugin, so a crash here is most likely its unload().
            problems.append(f"QGIS crashed while quitting (exit code {exit_code}, plugin unload?); see {log_path}")
        ok = not problems and not (args.strict and warnings)
        report = {"ok": ok, "problems": problems, "warnings": warnings, "locale": args.locale,
                  "project": args.project, "screenshot": str(screenshot) if screenshot.exists() else None,
                  "screen_screenshot": str(screen_shot) if screen_shot.exists() else None,
                  "qgis_exit_code": exit_code, "wall_time_s": elapsed, "lent_packages": linked,
                  "qgis_output_log": str(log_path), **raw}
        report_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

        print(f"desktop_check: {'OK' if ok else 'FAILED'} in {elapsed}s; report {report_path}")
        if report["screenshot"]:
            print(f"desktop_check: screenshot {screenshot}")
        if raw.get("dock", {}).get("found"):
            print(f"desktop_check: dock “{raw['dock']['title']}”")
        for problem in problems:
            print(f"  PROBLEM: {problem}")
        if not raw:
            print_log_tail(log_path)
        for warning in warnings:
            print(f"  warning: {warning}")
        return 0 if ok else 1
    finally:
        if args.keep_profile:
            print(f"desktop_check: profile kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if os.environ.get(INSIDE) and "__file__" not in globals():  # run by QGIS as PYQGIS_STARTUP
    _inside_qgis(json.loads(os.environ[INSIDE]))
elif __name__ == "__main__":
    sys.exit(main())
