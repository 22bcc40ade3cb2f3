#!/usr/bin/env python3
"""Screenshots for the user guide (docs/guide.zh.md, docs/guide.en.md), taken from real QGIS desktop.

    guide_screenshots.py [--locale zh-Hans|en] [--demo build/demo] [--out docs/images]

Walks one season through the plugin's own UI on a copy of the demo county (`make demo` builds it;
run here when it is missing), in real QGIS under Xvfb with the plugin installed in a throw-away
profile, the UI in `--locale`. The profile, Xvfb, start-up and quitting are scripts/desktop_check.py's;
this file runs in QGIS as its PYQGIS_STARTUP script too, and drives the steps below one after
another from a timer, so that QGIS's event loop runs between them (modal dialogs are opened from a
timer and grabbed while they are open). Every step writes one PNG, cropped to the widget that
matters or the whole window for context; afterwards each is quantised (and scaled down if still
too large) into <out>/<zh|en>/NN_step.png. A step whose feature is absent from the plugin (the export
dialog, while it is being written) is skipped and said; any other failing step fails the run, and
the images of a failed run do not replace the old ones.

Working copy, raw grabs, report.json and the QGIS log: build/guide/<zh|en>/.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GUIDE_INSIDE = "LEP_GUIDE_SCREENSHOTS"  # env var holding the JSON config of the part running inside QGIS
PLUGIN = "land_enforcement_plugin"


# ------------------------------------------------------------------------------- inside QGIS

class Skip(Exception):
    """The step's feature is not in this plugin version: skipped, not failed."""


def _inside_qgis(config):
    sys.path.insert(0, config["scripts_dir"])
    import desktop_check as dc
    from qgis.PyQt.QtCore import QTimer

    dc.add_sys_paths(config.get("extra_sys_path", []))
    messages = dc.collect_messages(time.time())
    report = {"shots": [], "skipped": [], "errors": [], "notes": []}

    def finish():
        report["messages"] = [m for m in messages if dc.plugin_related(m)]
        with open(config["report"], "w", encoding="utf-8") as handle:
            json.dump(report, handle, ensure_ascii=False, indent=2)
        QTimer.singleShot(200, lambda: dc.quit_qgis(config.get("quit_timeout", 30)))

    def failed(error):
        report["errors"].append({"step": "start", "error": error})
        finish()

    def ready(_state):
        import builtins

        builtins._lep_guide_season = season = Season(config, report, dc)  # keep it alive
        season.run(finish)

    dc.when_ready(config, ready, failed)


def until(condition, timeout=60.0, poll=0.2):
    """Yields (seconds to wait) until condition() holds; TimeoutError after `timeout` seconds."""
    started = time.time()
    while not condition():
        if time.time() - started > timeout:
            raise TimeoutError(f"gave up after {timeout:.0f}s waiting")
        yield poll


class Season:
    """The steps of the guide, each a generator yielding seconds to let QGIS run before it goes on."""

    def __init__(self, config, report, dc):
        import qgis.utils as utils

        self.config, self.report, self.dc = config, report, dc
        self.iface = utils.iface
        self.window = utils.iface.mainWindow()
        self.plugin = utils.plugins[PLUGIN]
        self.steps = [self.prepare, self.task_window, self.import_dialog, self.office_comparison,
                      self.review, self.verdict_form, self.spreadsheet, self.metrics, self.export_dialog,
                      self.processing]
        self.current, self.current_name, self.done = None, None, None

    # -- the driver --------------------------------------------------------------------------
    def run(self, done):
        self.done = done
        self._next_step()

    def _next_step(self):
        from qgis.PyQt.QtCore import QTimer

        self._close_dialogs()
        if not self.steps:
            self.done()
            return
        step = self.steps.pop(0)
        self.current_name = step.__name__
        with open(self.config["progress"], "a", encoding="utf-8") as handle:  # to follow a run that hangs
            handle.write(f"{time.strftime('%H:%M:%S')} {self.current_name}\n")
        self.current = step()
        QTimer.singleShot(0, self._advance)

    def _advance(self):
        import traceback

        from qgis.PyQt.QtCore import QTimer

        try:
            delay = next(self.current)
        except StopIteration:
            QTimer.singleShot(0, self._next_step)
            return
        except Skip as reason:
            self.report["skipped"].append({"step": self.current_name, "reason": str(reason)})
            QTimer.singleShot(0, self._next_step)
            return
        except Exception:  # the step failed: said in the report, the season goes on
            self.report["errors"].append({"step": self.current_name, "error": traceback.format_exc()})
            QTimer.singleShot(0, self._next_step)
            return
        QTimer.singleShot(int(delay * 1000), self._advance)

    @staticmethod
    def _close_dialogs():
        from qgis.PyQt.QtWidgets import QApplication

        for _ in range(5):
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                return
            dialog.reject() if hasattr(dialog, "reject") else dialog.close()

    # -- helpers -----------------------------------------------------------------------------
    def shot(self, name, widget=None, rect=None):
        """Grabs `widget` (default: the main window), or the part `rect` of it, as <raw>/<name>.png."""
        from qgis.PyQt.QtWidgets import QApplication

        QApplication.processEvents()
        widget = widget or self.window
        pixmap = widget.grab(rect) if rect is not None else widget.grab()
        path = os.path.join(self.config["raw"], name + ".png")
        saved = pixmap.save(path)
        self.report["shots"].append({"name": name, "step": self.current_name, "ok": bool(saved),
                                     "size": [pixmap.width(), pixmap.height()]})
        if not saved:
            raise RuntimeError(f"could not save {path}")

    def open_modal(self, opener, timeout=15):
        """Opens a modal dialog from a timer (its exec() then runs the event loop) and returns it."""
        from qgis.PyQt.QtCore import QTimer
        from qgis.PyQt.QtWidgets import QApplication

        QTimer.singleShot(0, opener)
        yield from until(lambda: QApplication.activeModalWidget() is not None, timeout)
        yield 0.8  # laid out and painted
        return QApplication.activeModalWidget()

    def background_done(self, timeout=120):
        """Waits for the plugin's background tasks (import, overlay, photos) and their callbacks."""
        from qgis.core import QgsApplication

        yield 0.5
        yield from until(lambda: QgsApplication.taskManager().countActiveTasks() == 0, timeout)
        yield 0.5

    def rendered(self):
        canvas = self.iface.mapCanvas()
        canvas.refresh()
        yield 0.5
        yield from until(lambda: not canvas.isDrawing(), 60)
        yield 0.3

    def layer_by_source(self, layername):
        from qgis.core import QgsProject

        return next((layer for layer in QgsProject.instance().mapLayers().values()
                     if layer.source().split("|layername=")[-1].split("|")[0] == layername), None)

    def body_rows(self, body, first, last):
        """The full-width band of `body` from the row of widget `first` to the row of widget `last`."""
        from qgis.PyQt.QtCore import QRect

        top = first.mapTo(body, first.rect().topLeft()).y() - 6
        bottom = last.mapTo(body, last.rect().bottomLeft()).y() + 6
        return QRect(0, max(top, 0), body.width(), min(bottom, body.height()) - max(top, 0))

    def show_only(self, *docks):
        """The plugin dock(s) to look at in front, the others out of the way."""
        for dock in (self.plugin.dock, self.plugin.review, self.plugin.metrics):
            if dock not in docks:
                dock.hide()
        for dock in docks:
            dock.show()
            dock.raise_()

    # -- the steps ---------------------------------------------------------------------------
    def prepare(self):
        """The season's copy of the task; a tidy window: browser panel closed, task and review docks
        stacked as tabs on the right, the bar free of QGIS's own (offline) noise."""
        from qgis.PyQt.QtCore import Qt
        from qgis.PyQt.QtWidgets import QDockWidget

        for name in ("Browser", "Browser2"):
            dock = self.window.findChild(QDockWidget, name)
            if dock is not None:
                dock.hide()
        self.plugin.dock.set_task(self.config["task"])  # the copy, not the path saved in the demo project
        self.window.tabifyDockWidget(self.plugin.dock, self.plugin.review)
        layers = self.window.findChild(QDockWidget, "Layers")
        self.window.resizeDocks([self.plugin.dock] + ([layers] if layers else []), [700, 300][:1 + bool(layers)],
                                Qt.Orientation.Horizontal)
        self.show_only(self.plugin.dock)
        self.dc.clear_message_bar(self.iface)
        yield from self.rendered()

    def task_window(self):
        self.plugin.dock.tabs.setCurrentIndex(0)
        yield from self.rendered()
        self.shot("01_qgis_window")
        self.shot("02_task_dock", self.plugin.dock)

    def import_dialog(self):
        dialog = yield from self.open_modal(lambda: self.plugin.dock.import_patches(self.config["patches"]))
        if dialog.objectName() != "LandEnforcementImportDialog":
            raise RuntimeError(f"expected the import dialog, got {type(dialog).__name__}")
        self.shot("03_import_dialog", dialog)
        dialog.reject()  # the demo task holds these patches already: not run again

    def office_comparison(self):
        from qgis.core import QgsProject, QgsVectorLayer

        project = QgsProject.instance()
        approvals = []
        for name, title in self.config["approval_layers"]:  # as a user adds them from the Browser
            layer = QgsVectorLayer(f"{self.config['redlines']}|layername={name}", title, "ogr")
            project.addMapLayer(layer, False)
            project.layerTreeRoot().addLayer(layer).setItemVisibilityChecked(False)
            approvals.append(title)
        panel = self.plugin.dock.overlay_panel
        for role, layername in (("townships", "townships"), ("cultivated", "cultivated"),
                                ("permanent_farmland", "pbf"), ("eco_redline", "eco_redline")):
            panel.combos[role].setLayer(self.layer_by_source(layername))
        panel.approvals.setCheckedItems(approvals)
        self.plugin.dock.tabs.setCurrentIndex(1)
        yield 0.3
        panel.run_button.click()
        yield from self.background_done()
        if not panel.status.text():
            raise RuntimeError("the office comparison reported nothing")
        self.shot("04_office_comparison", self.plugin.dock)
        self.plugin.dock.tabs.setCurrentIndex(0)

    def review(self):
        from qgis.core import QgsProject

        project = QgsProject.instance()
        plain = self.layer_by_source("patches")  # the demo project's plain patch layer
        if plain is not None:
            project.removeMapLayer(plain.id())
        self.plugin.dock.layers_button.click()  # 加载到地图 Add to map: styled by verdict, photo points
        review = self.plugin.review
        self.show_only(review)
        self.iface.messageBar().clearWidgets()
        review.refresh()
        review.table.resizeColumnToContents(0)  # as a user widens it: the whole monitoring number
        jcbh, matches = self.dc.select_unverified_with_photos(review, self.config["photos"])
        if jcbh is None:
            raise RuntimeError("no unverified patch with photos in the demo")
        self.report["notes"].append(f"review patch {jcbh}")
        if not review.thumbnails.count():  # the demo may have attached them already
            review.attach_files(matches[jcbh])  # as when the files are dropped on the thumbnail strip
            yield from self.background_done()
        review.select_jcbh(jcbh)
        review.zoom_to_selected()
        self.iface.mapCanvas().zoomByFactor(4)  # the neighbourhood, and the photo arrows
        yield from self.rendered()
        self.shot("05_review_window")
        self.shot("06_review_dock", review)
        body = review.widget()
        self.shot("07_photos", body, self.body_rows(body, review.thumbnails, review.photo_distance))

    def verdict_form(self):
        form = yield from self.open_modal(self.plugin.review.open_form)
        if form.objectName() != "LandEnforcementVerdictForm":
            raise RuntimeError(f"expected the verdict form, got {type(form).__name__}")
        widgets = {spec.name: widget for spec, widget in form.widgets.items()}
        for name, value in (("verdict", "违法"), ("land_use", "建设用地"), ("lead_source", "卫片")):
            widgets[name].setCurrentIndex(widgets[name].findData(value))
        widgets["inspector"].setText(self.config["inspector"])
        yield 0.5
        self.shot("08_verdict_form", form)
        form.reject()

    def spreadsheet(self):
        """A township's returned sheet (one row changed, three bad rows) read back in: nothing is written
        until the user accepts the valid rows."""
        from qgis.PyQt.QtWidgets import QMessageBox

        review = self.plugin.review
        body = review.widget()
        self.shot("09_fieldwork_buttons", body, self.body_rows(body, review.photo_distance, self._sheet_row(body)))
        question = yield from self.open_modal(lambda: review.import_sheet(self.config["sheet"]))
        if not isinstance(question, QMessageBox):
            raise RuntimeError(f"expected the partial-import question, got {type(question).__name__}")
        self.shot("10_sheet_rejected_rows", question)
        question.button(QMessageBox.StandardButton.No).click()
        yield 0.5
        self.iface.messageBar().clearWidgets()

    def _sheet_row(self, body):
        """The last button of the dock: the row of spreadsheet and QField buttons."""
        from qgis.PyQt.QtWidgets import QPushButton

        return max(body.findChildren(QPushButton), key=lambda b: b.mapTo(body, b.rect().topLeft()).y())

    def metrics(self):
        from qgis.core import QgsProject

        from qgis.PyQt.QtCore import Qt
        from qgis.PyQt.QtWidgets import QSplitter

        self.iface.messageBar().clearWidgets()
        metrics = self.plugin.metrics
        self.show_only(metrics)  # alone, the bottom dock spans the window
        self.window.resizeDocks([metrics], [430], Qt.Orientation.Vertical)
        splitter = metrics.findChild(QSplitter)
        splitter.setSizes([splitter.width() * 3 // 5, splitter.width() * 2 // 5])  # as a user drags it
        photos = self.layer_by_source("photos")
        if photos is not None:
            QgsProject.instance().layerTreeRoot().findLayer(photos).setItemVisibilityChecked(False)
        metrics.recompute()
        metrics.map_button.click()  # 乡镇专题图 Township map: the choropleth
        townships = self.layer_by_source("townships")
        canvas = self.iface.mapCanvas()
        canvas.setExtent(canvas.mapSettings().layerExtentToOutputExtent(townships, townships.extent()))
        canvas.zoomByFactor(1.05)
        if not QgsProject.instance().mapLayersByName(self.config["choropleth_name"]):
            raise RuntimeError("no township map layer was added")
        yield from self.rendered()
        self.shot("11_metrics_window")
        self.shot("12_metrics_dock", metrics)

    def export_dialog(self):
        import importlib

        try:
            importlib.import_module(PLUGIN + ".gui.export_dialog")
        except ImportError as exc:
            raise Skip(f"no export dialog in this plugin version ({exc})")
        if not hasattr(self.plugin, "export_package"):
            raise Skip("the plugin has no export_package()")
        self.show_only(self.plugin.dock)
        dialog = self.plugin.export_package()  # not modal: problems can be fixed while it shows them
        if dialog is None:
            raise RuntimeError("export_package() opened no dialog")
        yield from until(lambda: dialog.runner.idle and dialog.table.rowCount(), 120)  # the checks, in the background
        yield 0.8
        self.shot("13_export_dialog", dialog)
        # Blocking problems remain in the demo: a draft, then the package verified against its manifest.
        dialog.draft.setChecked(True)
        dialog.export_button.click()
        yield 0.3
        yield from until(lambda: dialog.runner.idle, 180)
        package = dialog.target_path()
        if not os.path.exists(package):
            raise RuntimeError(f"no package written: {dialog.status.text()}")
        self.report["notes"].append(f"draft package {package}")
        dialog.verify(package)
        yield 0.3
        yield from until(lambda: dialog.runner.idle, 120)
        yield 0.5
        self.shot("14_export_verified", dialog)
        dialog.close()

    def processing(self):
        import processing
        from qgis.PyQt.QtCore import QRect
        import qgis.utils as utils

        toolbox = utils.plugins["processing"].toolbox
        self.show_only()
        toolbox.show()
        toolbox.raise_()
        toolbox.searchBox.setText("landenforcement")
        yield 0.5
        tree = toolbox.algorithmTree
        tree.expandAll()
        tree.clearSelection()
        yield 0.5
        last = tree.model().index(0, 0)
        while tree.indexBelow(last).isValid():
            last = tree.indexBelow(last)
        bottom = tree.viewport().mapTo(toolbox, tree.visualRect(last).bottomLeft()).y() + 12
        self.shot("15_processing_toolbox", toolbox, QRect(0, 0, toolbox.width(), bottom))
        layers = {role: self.layer_by_source(name) for role, name in (
            ("TOWNSHIPS", "townships"), ("CULTIVATED", "cultivated"), ("PERMANENT_FARMLAND", "pbf"),
            ("ECO_REDLINE", "eco_redline"))}
        approvals = [self.layer_by_source(name) for name, _title in self.config["approval_layers"]]
        dialog = processing.createAlgorithmDialog("landenforcement:overlay", dict(
            {role: layer.id() for role, layer in layers.items() if layer is not None}, DATABASE=self.config["task"],
            APPROVALS=[layer.id() for layer in approvals if layer is not None]))
        dialog.resize(900, 760)
        dialog.show()
        yield 1.0
        self.shot("16_processing_overlay", dialog)
        dialog.close()


# ------------------------------------------------------------------------------------ outside

ROOT = Path(__file__).resolve().parent.parent if "__file__" in globals() else None  # unset inside QGIS
REQUIRED_SHOTS = ("01_qgis_window", "02_task_dock", "03_import_dialog", "04_office_comparison", "05_review_window",
                  "06_review_dock", "07_photos", "08_verdict_form", "09_fieldwork_buttons", "10_sheet_rejected_rows",
                  "11_metrics_window", "12_metrics_dock", "15_processing_toolbox", "16_processing_overlay")
DEMO_FILES = ("demo.json", "demo.qgz", "redlines.gpkg", "patches", "photos", "verification.xlsx")


def language(locale):
    return "zh" if locale.lower().startswith("zh") else locale.split("_")[0].split("-")[0].lower()


def season_copy(demo, target):
    """The demo county copied to `target` (the project keeps relative paths): (project, task)."""
    tasks = sorted(demo.glob("task_*.gpkg"))
    if len(tasks) != 1:
        raise SystemExit(f"guide_screenshots: expected one task_*.gpkg in {demo}, found {len(tasks)}")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    photos = tasks[0].with_name(tasks[0].stem + "_photos")  # the photos the demo attached to the task
    for name in DEMO_FILES + (tasks[0].name,) + ((photos.name,) if photos.is_dir() else ()):
        source = demo / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target / name)
    return target / "demo.qgz", target / tasks[0].name


def returned_sheet(sheet, jcbh_row=3):
    """The demo's sheet as a township returns it: one patch's rectification moved on (整改中, 拆除复耕),
    beside the three bad rows the demo sheet already has."""
    import openpyxl

    workbook = openpyxl.load_workbook(sheet)
    rows = workbook.worksheets[0]
    columns = {cell.value: cell.column for cell in rows[1]}
    rows.cell(jcbh_row, columns["整改状态"], "整改中")
    rows.cell(jcbh_row, columns["整改措施"], "拆除复耕")
    workbook.save(sheet)


def compress(raw, target, max_bytes):
    """A 256-colour PNG of `raw` (no dithering: text stays crisp), scaled down until under max_bytes."""
    from PIL import Image

    with Image.open(raw) as image:
        image = image.convert("RGB")
    scale = 1.0
    while True:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        scaled = image if scale == 1.0 else image.resize(size, Image.Resampling.LANCZOS)
        scaled.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(target, optimize=True)
        if target.stat().st_size <= max_bytes or scale < 0.4:
            return size, target.stat().st_size
        scale *= 0.85


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locale", default="zh-Hans", help="QGIS UI language: zh-Hans (default) or en")
    parser.add_argument("--demo", default=str(ROOT / "build" / "demo"), help="the demo county (make demo)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"), help="PNGs go to <out>/<zh|en>/")
    parser.add_argument("--work", default=str(ROOT / "build" / "guide"), help="working copy, raw grabs, report")
    parser.add_argument("--size", default="1920x1080", help="screen size")
    parser.add_argument("--max-kb", type=int, default=300, help="largest PNG size (scaled down until under it)")
    parser.add_argument("--timeout", type=float, default=400.0, help="give up after this many seconds")
    parser.add_argument("--keep-profile", action="store_true", help="keep the temporary profile folder")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT / "scripts"))
    sys.path.insert(0, str(ROOT))
    import desktop_check as dc
    from demodata.county import APPROVAL_LAYERS

    lang = language(args.locale)
    demo = Path(args.demo).absolute()
    if not (demo / "demo.qgz").is_file():
        print(f"guide_screenshots: no demo in {demo}; building it (make demo)", flush=True)
        subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py"), "--out", str(demo)], check=True,
                       stdout=subprocess.DEVNULL)
    work = Path(args.work).absolute() / lang
    project, task = season_copy(demo, work / "season")
    facts = json.loads((demo / "demo.json").read_text(encoding="utf-8"))
    returned_sheet(work / "season" / "verification.xlsx")
    raw = work / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for old in raw.glob("*.png"):
        old.unlink()
    report_path, log_path, progress = work / "report.json", work / "qgis_output.log", work / "steps.log"
    report_path.unlink(missing_ok=True)
    progress.unlink(missing_ok=True)

    started = time.time()
    tmp = Path(tempfile.mkdtemp(prefix="lep-guide-"))
    try:
        extra, _linked = dc.prepare_profile(tmp, args.locale, name="guide_screenshots")
        config = {
            "scripts_dir": str(ROOT / "scripts"), "extra_sys_path": extra, "project": str(project),
            "settle": 3.0, "load_timeout": 60.0, "raw": str(raw), "report": str(report_path),
            "progress": str(progress),
            "task": str(task), "patches": str(work / "season" / "patches" / Path(facts["patches"]).name),
            "redlines": str(work / "season" / "redlines.gpkg"), "photos": str(work / "season" / "photos"),
            "sheet": str(work / "season" / "verification.xlsx"), "approval_layers": APPROVAL_LAYERS,
            "inspector": "张三" if lang == "zh" else "Zhang San",
            "choropleth_name": "乡镇违法占用耕地比例 Unlawful cultivated ratio",
        }
        exit_code = dc.run_qgis(tmp, __file__, GUIDE_INSIDE, config, project, args.size, args.timeout, log_path,
                                name="guide_screenshots")
    finally:
        if args.keep_profile:
            print(f"guide_screenshots: profile kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    if not report_path.exists():
        print(f"guide_screenshots: QGIS {'timed out' if exit_code is None else f'exited ({exit_code})'} "
              f"before the steps ran")
        dc.print_log_tail(log_path)
        return 1
    report = json.loads(report_path.read_text(encoding="utf-8"))
    taken = {shot["name"] for shot in report["shots"] if shot["ok"]}
    problems = [f"step {e['step']} failed:\n{e['error']}" for e in report["errors"]]
    problems += [f"missing screenshot {name}" for name in REQUIRED_SHOTS if name not in taken]
    problems += [f"the plugin logged: {m['message']}" for m in report.get("messages", []) if m["level"] >= dc.CRITICAL]
    if exit_code not in (0, None):
        problems.append(f"QGIS exited with {exit_code} while quitting; see {log_path}")
    for skipped in report["skipped"]:
        print(f"guide_screenshots: skipped {skipped['step']}: {skipped['reason']}")
    for note in report["notes"]:
        print(f"guide_screenshots: {note}")
    if problems:
        for problem in problems:
            print(f"  PROBLEM: {problem}")
        print(f"guide_screenshots: FAILED ({lang}); the images in {Path(args.out) / lang} are left as they were")
        return 1

    out = Path(args.out).absolute() / lang
    out.mkdir(parents=True, exist_ok=True)
    for shot in report["shots"]:
        size, length = compress(raw / f"{shot['name']}.png", out / f"{shot['name']}.png", args.max_kb * 1024)
        print(f"  {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}/{shot['name']}.png  "
              f"{size[0]}×{size[1]}  {length / 1024:.0f} KB")
    for stale in out.glob("*.png"):
        if stale.stem not in taken:
            stale.unlink()  # a step that no longer exists
    print(f"guide_screenshots: OK ({lang}) in {time.time() - started:.0f}s, {len(taken)} screenshots")
    return 0


if os.environ.get(GUIDE_INSIDE) and "__file__" not in globals():  # run by QGIS as PYQGIS_STARTUP
    _inside_qgis(json.loads(os.environ[GUIDE_INSIDE]))
elif __name__ == "__main__":
    sys.exit(main())
