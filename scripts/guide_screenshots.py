#!/usr/bin/env python3
"""Screenshots for the user guide (docs/guide.zh.md, docs/guide.en.md), taken from real QGIS desktop.

    guide_screenshots.py [--locale zh-Hans|en] [--demo build/demo] [--out docs/images] [--today 2024-12-20]

Walks one season through the plugin's own UI on a copy of the demo county (`make demo` builds it;
run here when it is missing; its imagery tiles are used where the demo left them), in real QGIS
under Xvfb with the plugin installed in a throw-away profile, the UI in `--locale`. The profile,
Xvfb, start-up and quitting are scripts/desktop_check.py's; this file runs in QGIS as its
PYQGIS_STARTUP script too, and drives the steps below one after another from a timer, so that
QGIS's event loop runs between them (modal dialogs are opened from a timer and grabbed while they
are open). Every step writes one or more PNGs, cropped to the widget that matters or the whole
window for context, named after the guide's figure number (NN_what.png); afterwards each is
quantised (and scaled down if still too large) into <out>/<zh|en>/. Two images are not grabs: pages
1 (header with township and village, map) and 2 (before / after imagery) of an evidence sheet from the
draft package the export step wrote, rendered with pdftoppm. What depends on the date (days left,
overdue) is shown as of `--today` (default 2024-12-20, inside the demo season), so the pictures do
not change with the calendar.
A step whose feature is absent from the plugin (the export dialog, while it is being written) is
skipped and said; any other failing step fails the run, and the images of a failed run do not
replace the old ones.

Working copy, raw grabs, report.json and the QGIS log: build/guide/<zh|en>/.
"""
import argparse
import json
import os
import re
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
                      self.season, self.review, self.verdict_form, self.spreadsheet, self.assignment,
                      self.imagery, self.metrics, self.explained, self.case, self.export_dialog, self.postgis,
                      self.processing, self.reshaped]
        self.today = None  # the date "days left" and "overdue" are counted from (config["today"])
        self.imagery_patch = None  # a patch the demo's imagery covers: {"jcbh", "township_code", ...}
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

    def views_rendered(self, dock):
        """Waits until both map views of the imagery dock have drawn."""
        yield 0.8
        yield from until(lambda: not any(canvas.isDrawing() for canvas in dock.canvases.values()), 60)
        yield 0.3

    def core(self, name):
        return self.dc.plugin_core(self.plugin, name)

    def layer_by_source(self, layername):
        from qgis.core import QgsProject

        def name_of(source):  # a GeoPackage table by its layername, a delivered shapefile by its file name
            if "|layername=" in source:
                return source.split("|layername=")[1].split("|")[0]
            return os.path.splitext(os.path.basename(source.split("|")[0]))[0]

        return next((layer for layer in QgsProject.instance().mapLayers().values()
                     if name_of(layer.source()) == layername), None)

    def body_rows(self, body, first, last):
        """The full-width band of `body` from the row of widget `first` to the row of widget `last`."""
        from qgis.PyQt.QtCore import QRect

        top = first.mapTo(body, first.rect().topLeft()).y() - 6
        bottom = last.mapTo(body, last.rect().bottomLeft()).y() + 6
        return QRect(0, max(top, 0), body.width(), min(bottom, body.height()) - max(top, 0))

    def show_only(self, *docks):
        """The plugin dock(s) to look at in front, the others out of the way."""
        for dock in (self.plugin.dock, self.plugin.review, self.plugin.metrics, self.plugin.imagery):
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
        yield from self.background_done()  # the review list is read in the background
        self.window.tabifyDockWidget(self.plugin.dock, self.plugin.review)
        layers = self.window.findChild(QDockWidget, "Layers")
        self.window.resizeDocks([self.plugin.dock] + ([layers] if layers else []), [700, 300][:1 + bool(layers)],
                                Qt.Orientation.Horizontal)
        self.show_only(self.plugin.dock)
        self.dc.clear_message_bar(self.iface)
        import datetime

        self.today = datetime.date.fromisoformat(self.config["today"])
        self.imagery_patch = self._imagery_patch()
        self.report["notes"].append(f"imagery patch {self.imagery_patch['jcbh']}")
        self.report["imagery_patch"] = self.imagery_patch["jcbh"]
        yield from self.rendered()

    def _imagery_patch(self):
        """The demo patch to show on its before and after images: matched on both sides, unlawful
        first (it gets an evidence sheet, with the imagery on page 2), then the largest."""
        registry = self.core("imagery.registry").entries(self.config["task"])
        missing = [entry["source"] for entry in registry if entry.get("provider") == "gdal"
                   and not os.path.exists(entry["source"])]
        if not registry or missing:
            raise RuntimeError(f"the demo task's imagery is missing: {missing or 'nothing registered'}")
        candidates = []
        for row in self.plugin.review.model.rows:
            found = self.core("imagery.matching").match_patch(self.config["task"], row["jcbh"], registry)
            if found.before is not None and found.after is not None:
                candidates.append(((row.get("verdict") == "违法", row.get("area_m2") or 0, row["jcbh"]), row))
        if not candidates:
            raise RuntimeError("no demo patch has both a before and an after image")
        return dict(max(candidates, key=lambda item: item[0])[1])

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
        for source, title in self.config["approval_layers"]:  # as a user adds them from the Browser
            layer = QgsVectorLayer(source, title, "ogr")
            project.addMapLayer(layer, False)
            project.layerTreeRoot().addLayer(layer).setItemVisibilityChecked(False)
            approvals.append(title)
        panel = self.plugin.dock.overlay_panel
        for role, layername in (("townships", "townships"), ("cultivated", "cultivated"),
                                ("permanent_farmland", "pbf"), ("eco_redline", "eco_redline"),
                                ("villages", "villages")):  # the delivered village layer: each patch's 村
            layer = self.layer_by_source(layername)
            if layer is None:
                raise RuntimeError(f"the demo project has no {layername} layer")
            panel.combos[role].setLayer(layer)
        panel.approvals.setCheckedItems(approvals)
        self.plugin.dock.tabs.setCurrentIndex(1)
        yield 0.3
        panel.run_button.click()
        yield from self.background_done()
        if not panel.status.text():
            raise RuntimeError("the office comparison reported nothing")
        self.shot("04_office_comparison", self.plugin.dock)
        self.plugin.dock.tabs.setCurrentIndex(0)

    def season(self):
        """The Season tab as a bureau keeps it: an inspector added to the roster of the township of the
        imagery patch (to whom that patch is assigned by hand later), 数据上报 marked done in the table,
        days left and overdue counted as of config["today"]."""
        panel = self.plugin.dock.season_panel
        self.show_only(self.plugin.dock)
        self.plugin.dock.tabs.setCurrentWidget(panel)
        yield 0.3
        name = self.config["inspector"]
        if not any(person["name"] == name for person in panel.roster_rows()):  # 添加人员, the row typed in
            panel._add_roster_row({"name": name, "role": self.core("schema").PersonRole.INSPECTOR.value,
                                   "xzqdm": self.imagery_patch["township_code"], "village": "",
                                   "phone": "13800009999", "is_default": 0})
            if not panel.save_roster():  # 保存名册
                raise RuntimeError("the roster was not saved")
        batch = panel.batch.currentText()
        reported = self.core("schema").MilestoneKind.DATA_REPORTED.value
        for row in range(panel.milestones.rowCount()):
            if (panel.milestones.item(row, 0).text(), panel.milestones.item(row, 1).text()) == (batch, reported):
                panel.milestones.item(row, 3).setText(self.config["reported_on"])  # typed into 完成日期
                break
        else:
            raise RuntimeError(f"no {reported} milestone for {batch} in the Season tab")
        yield 0.5
        panel.refresh(today=self.today)
        states = [panel.milestones.item(row, 5).text() for row in range(panel.milestones.rowCount())]
        self.report["notes"].append(f"season tab states as of {self.today}: {states}")
        yield 0.3
        self.shot("05_season_tab", self.plugin.dock)
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
        yield from self.background_done()  # the list is read in the background
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
        self.shot("09_review_window")
        self.shot("10_review_dock", review)
        body = review.widget()
        self.shot("08_photos", body, self.body_rows(body, review.thumbnails, review.photo_distance))

    def verdict_form(self):
        form = yield from self.open_modal(self.plugin.review.open_form)
        if form.objectName() != "LandEnforcementVerdictForm":
            raise RuntimeError(f"expected the verdict form, got {type(form).__name__}")
        widgets = {spec.name: widget for spec, widget in form.widgets.items()}
        for name, value in (("verdict", "违法"), ("land_use", "建设用地"), ("lead_source", "卫片")):
            widgets[name].setCurrentIndex(widgets[name].findData(value))
        widgets["inspector"].setText(self.config["inspector"])
        yield 0.5
        self.shot("11_verdict_form", form)
        form.reject()

    def spreadsheet(self):
        """A township's returned sheet (one row changed, three bad rows) read back in: nothing is written
        until the user accepts the valid rows."""
        from qgis.PyQt.QtWidgets import QMessageBox

        review = self.plugin.review
        body = review.widget()
        self.shot("06_fieldwork_buttons", body, self.body_rows(body, review.photo_distance, self._sheet_row(body)))
        question = yield from self.open_modal(lambda: review.import_sheet(self.config["sheet"]))
        if not isinstance(question, QMessageBox):
            raise RuntimeError(f"expected the partial-import question, got {type(question).__name__}")
        self.shot("07_sheet_rejected_rows", question)
        question.button(QMessageBox.StandardButton.No).click()
        yield 0.5
        self.iface.messageBar().clearWidgets()

    def _sheet_row(self, body):
        """The last button of the dock: the row of spreadsheet and QField buttons."""
        from qgis.PyQt.QtWidgets import QPushButton

        return max(body.findChildren(QPushButton), key=lambda b: b.mapTo(body, b.rect().topLeft()).y())

    def assignment(self):
        """Assign to…: the imagery patch given by hand to the inspector added in the Season tab; the
        list filtered by batch, widened to show the Batch, Assignee and Repeat of columns."""
        from qgis.PyQt.QtCore import Qt
        from qgis.PyQt.QtWidgets import QInputDialog

        review = self.plugin.review
        self.show_only(review)
        self.iface.messageBar().clearWidgets()
        batch = self.imagery_patch["batch"]  # the quarter the patch was delivered in
        review.batch.setCurrentIndex(max(review.batch.findData(batch), 0))  # the batch filter
        jcbh, name = self.imagery_patch["jcbh"], self.config["inspector"]
        if not review.select_jcbh(jcbh):
            raise RuntimeError(f"patch {jcbh} is not in the list")
        dialog = yield from self.open_modal(review.choose_assignee)
        if not isinstance(dialog, QInputDialog):
            raise RuntimeError(f"expected the Assign to question, got {type(dialog).__name__}")
        choice = next((item for item in dialog.comboBoxItems() if item.startswith(name)), None)
        if choice is None:
            raise RuntimeError(f"{name} is not offered: {dialog.comboBoxItems()}")
        dialog.setTextValue(choice)
        yield 0.3
        self.shot("12_assign_dialog", dialog)
        dialog.accept()
        yield 0.8
        row = next(r for r in review.model.rows if r["jcbh"] == jcbh)
        if row.get("assignee") != name:
            raise RuntimeError(f"{jcbh} is assigned to {row.get('assignee')!r}, not {name!r}")
        review.table.resizeColumnsToContents()
        table = review.table
        wide = table.horizontalHeader().length() + table.verticalScrollBar().sizeHint().width() + 2 * table.frameWidth()
        margins = review.widget().width() - table.viewport().width()
        self.window.resizeDocks([review], [wide + margins], Qt.Orientation.Horizontal)  # as a user widens the dock
        yield 0.5
        review.select_jcbh(jcbh)
        yield 0.3
        self.shot("13_review_assigned", review)
        self.window.resizeDocks([review], [700], Qt.Orientation.Horizontal)

    def imagery(self):
        """The Before / after imagery dock alone at the bottom, on the imagery patch: side by side,
        then the keys — F flips, S swipes, ] moves the line, Esc goes back — pressed on the views."""
        from qgis.PyQt.QtCore import Qt
        from qgis.PyQt.QtTest import QTest
        from qgis.PyQt.QtWidgets import QApplication

        dock = self.plugin.imagery
        self.show_only(dock)
        self.window.resizeDocks([dock], [640], Qt.Orientation.Vertical)
        yield 0.5
        dock.reset_view()
        dock.show_patch(self.imagery_patch["jcbh"])  # as when the patch is selected in the review list
        yield from self.views_rendered(dock)
        if dock.found.before is None or dock.found.after is None:
            raise RuntimeError(f"the dock found no before / after image for {dock.jcbh}: {dock.found.reasons}")
        self.shot("14_imagery_dock", dock)

        def press(key):
            # Xvfb has no window manager to activate the window: done here, as a click into it would.
            QApplication.setActiveWindow(self.window)
            dock.views.setFocus(Qt.FocusReason.MouseFocusReason)
            QTest.keyClick(dock.views, key)

        press(Qt.Key.Key_F)
        yield from self.views_rendered(dock)
        keys = {"F": dock.flipped == "after"}
        press(Qt.Key.Key_F)
        keys["F again"] = dock.flipped == "before"
        press(Qt.Key.Key_Escape)
        keys["Esc"] = dock.flipped is None
        press(Qt.Key.Key_S)
        keys["S"] = dock.views.swipe
        start = dock.slider.value()
        press(Qt.Key.Key_BracketLeft)
        keys["["] = dock.slider.value() < start
        press(Qt.Key.Key_BracketRight)
        keys["]"] = dock.slider.value() == start
        self.report["notes"].append(f"imagery keys pressed on the views (True: did what the guide says): {keys}")
        if not dock.views.swipe:  # the keys are the guide's, the button is the fallback
            dock.swipe_button.setChecked(True)
        dock.slider.setValue(500)
        yield from self.views_rendered(dock)
        self.shot("15_imagery_swipe", dock.views.parentWidget())  # the views part: label, views, tools
        dock.reset_view()

    def metrics(self):
        from qgis.core import QgsProject
        from qgis.PyQt.QtCore import QRect, Qt
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
        yield from until(lambda: metrics.runner.idle)
        metrics.map_button.click()  # 乡镇专题图 Township map: the choropleth
        townships = self.layer_by_source("townships")
        canvas = self.iface.mapCanvas()
        canvas.setExtent(canvas.mapSettings().layerExtentToOutputExtent(townships, townships.extent()))
        canvas.zoomByFactor(1.05)
        if not QgsProject.instance().mapLayersByName(self.config["choropleth_name"]):
            raise RuntimeError("no township map layer was added")
        yield from self.rendered()
        self.shot("16_metrics_window")
        self.shot("17_metrics_dock", metrics)
        # 乡镇与责任人进度: the batch chosen, overdue counted as of the same day as the Season tab.
        batch = self.plugin.dock.season_panel.batch.currentText()
        metrics.batch.setCurrentIndex(max(metrics.batch.findData(batch), 0))
        metrics.tabs.setCurrentWidget(metrics.progress)
        metrics._fill_progress(self.core("season.plan").progress(self.config["task"], batch, self.today))
        self.window.resizeDocks([metrics], [760], Qt.Orientation.Vertical)  # every row in view
        yield 0.8
        table = metrics.progress
        width = table.mapTo(metrics, table.rect().topLeft()).x() + table.horizontalHeader().length() + 40
        self.shot("18_metrics_progress", metrics, QRect(0, 0, min(max(width, 760), metrics.width()), metrics.height()))
        metrics.tabs.setCurrentIndex(0)
        metrics.batch.setCurrentIndex(0)
        self.window.resizeDocks([metrics], [430], Qt.Orientation.Vertical)

    def explained(self):
        """A flag explained: the ratio of the township with the most single cases over the threshold clicked
        in the figures table, the Why this figure tab (its patches, the rule and clause), then the Flags tab."""
        from qgis.PyQt.QtCore import Qt
        from qgis.PyQt.QtTest import QTest

        metrics = self.plugin.metrics
        self.show_only(metrics)
        self.window.resizeDocks([metrics], [560], Qt.Orientation.Vertical)
        metrics.tabs.setCurrentIndex(0)
        yield 0.5
        result = metrics.result
        township = max(result.rows[:-1], key=lambda r: (r["case_flag_count"], r["unlawful_cultivated_mu"]))
        if not township["ratio_flag"]:
            raise RuntimeError(f"{township['xzqmc']} is not over the ratio threshold")
        table = metrics.table
        names = [table.item(0, c).data(Qt.ItemDataRole.UserRole + 1) for c in range(table.columnCount())]
        column = names.index("unlawful_cultivated_ratio")
        row = next(r for r in range(table.rowCount())
                   if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == township["xzqdm"])
        table.scrollToItem(table.item(row, column))
        yield 0.3
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         table.visualItemRect(table.item(row, column)).center())  # the figure clicked
        yield 0.5
        if metrics.explanation.rowCount() == 0:
            raise RuntimeError("clicking the ratio listed no patches")
        self.report["notes"].append(f"ratio of {township['xzqmc']} explained by "
                                    f"{metrics.explanation.rowCount()} patches")
        metrics.tabs.setCurrentIndex(1)  # 这个数字从何而来 Why this figure
        metrics.explanation.resizeColumnsToContents()
        yield 0.5
        self.shot("17b_metrics_explained", metrics)
        metrics.tabs.setCurrentWidget(metrics.flags)  # 问责线索及依据 Flags and their rules
        metrics.flags.resizeColumnsToContents()
        yield 0.5
        self.shot("17c_metrics_flags", metrics)
        metrics.tabs.setCurrentIndex(0)
        self.plugin.review.township.setCurrentIndex(0)  # the review list followed the click: all townships again
        self.window.resizeDocks([metrics], [430], Qt.Orientation.Vertical)

    def case(self):
        """One case in the GUI: an unlawful patch selected in the review list, Case… opens its panel; the
        case opened over it and its acts recorded in order; closing before the rectification is accepted is
        refused with the rule; then the county's statistics table (casereport) as the workbook shows it."""
        review = self.plugin.review
        self.show_only(review)
        self.iface.messageBar().clearWidgets()
        review.batch.setCurrentIndex(0)
        review.search.setText("")
        cases = self.core("review.cases")
        in_cases = {jcbh for view in cases.read_cases(self.config["task"]) for jcbh in view["jcbhs"]}
        unlawful = [r for r in review.model.rows if r.get("verdict") == "违法" and r["jcbh"] not in in_cases]
        if not unlawful:
            raise RuntimeError("no unlawful patch without a case in the demo")
        patch = max(unlawful, key=lambda r: (r.get("cultivated_m2") or r.get("area_m2") or 0, r["jcbh"]))
        jcbh = patch["jcbh"]
        self.report["notes"].append(f"case patch {jcbh}")
        if not review.select_jcbh(jcbh):
            raise RuntimeError(f"patch {jcbh} is not in the list")
        self.core("store").set_user_name(self.config["inspector"])  # as typed the first time it is asked
        panel = review.open_case_panel()  # 案件… Case… (Ctrl+Alt+C)
        panel.resize(1150, 760)
        zh = self.config["inspector"] == "张三"
        facts = {"subject_name": "某某建材有限公司" if zh else "Mou Building Materials Co.", "subject_type": "单位",
                 "subject_id": "91370323MA3C12345X", "project_name": "建材堆场" if zh else "Materials yard",
                 "actual_use": "堆放建材" if zh else "Storing building materials"}
        for name, value in facts.items():
            panel.set_value(name, value)
        yield 0.5
        from qgis.PyQt.QtCore import QRect

        history_top = panel.history.mapTo(panel, panel.history.rect().topLeft()).y()
        self.shot("25_case_open", panel, QRect(0, 0, panel.width(), history_top + 60))  # the history still empty
        if panel.open_case() is None and panel.case_key is None:
            raise RuntimeError(f"the case was not opened: {panel.problem.text()}")
        photos = sorted(str(p) for p in Path(self.config["photos"]).glob(f"{jcbh}_*.jpg"))[:1]
        acts = [("发现", "2024-10-03", {"channel": "卫片"}, []),
                ("制止", "2024-10-04", {"stop_measures": "下达责令停止违法行为通知书", "stop_result": "无效"},
                 photos),  # the site photo taken when stopping
                ("报告", "2024-10-06", {"recipients": "县政府、供电、供水"}, []),
                ("立案", "2024-10-10", {"case_no": "沂自然资立〔2024〕21号"}, []),
                ("处罚决定", "2024-11-05", {"decision_no": "沂自然资罚〔2024〕14号", "fine_yuan": "50000",
                                         "demolish_m2": f"{patch.get('area_m2') or 0:.0f}"}, []),
                ("整改", "2024-11-08", {"deadline": "2025-03-31", "measures": "拆除复耕、罚款"}, [])]
        for kind, day, details, files in acts:
            panel.kind.setCurrentIndex(panel.kind.findData(kind))
            panel.date.setText(day)
            for name, value in details.items():
                panel.set_value(name, value)
            panel.add_attachments(files)
            if panel.record() is None:
                raise RuntimeError(f"{kind} was refused: {panel.problem.text()}")
            yield 0.2
        panel.kind.setCurrentIndex(panel.kind.findData("结案"))  # closing now: refused, the rule said
        panel.date.setText("2024-12-01")
        if panel.record() is not None:
            raise RuntimeError("closing before acceptance was recorded")
        panel.history.resizeColumnsToContents()
        yield 0.5
        self.shot("26_case_acts", panel)
        panel.close()
        output = os.path.join(os.path.dirname(self.config["task"]), "cases.xlsx")
        import processing

        processing.run("landenforcement:casereport", {"DATABASE": self.config["task"], "OUTPUT": output})
        yield from self._statistics_table(output)

    def _statistics_table(self, workbook):
        """The first sheet of the case workbook (违法案件查处整改情况统计表) as it reads in a spreadsheet:
        its figures down, the townships with cases and the county across."""
        import openpyxl
        from qgis.PyQt.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

        sheet = openpyxl.load_workbook(workbook, read_only=True).worksheets[0]
        rows = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
        headers, places = rows[0], rows[1:]
        table = QTableWidget(len(headers) - 2, len(places))
        table.setWindowTitle(f"{Path(workbook).name} — {sheet.title}")
        table.setHorizontalHeaderLabels([str(p[1]) for p in places])
        table.setVerticalHeaderLabels([str(h) for h in headers[2:]])
        for column, place in enumerate(places):
            for row, (header, value) in enumerate(zip(headers[2:], place[2:])):
                text = ("" if value is None else f"{value:.0%}" if str(header).endswith("率")
                        else f"{value:.2f}" if isinstance(value, float) else str(value))
                table.setItem(row, column, QTableWidgetItem(text))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.show()
        yield 0.5
        table.resize(table.verticalHeader().width() + table.horizontalHeader().length() + 2 * table.frameWidth() + 4,
                     table.horizontalHeader().height() + table.verticalHeader().length() + 2 * table.frameWidth() + 4)
        yield 0.8
        self.shot("27_case_statistics", table)
        table.close()
        self._statistics = table  # kept until QGIS quits

    def export_dialog(self):
        import importlib

        try:
            importlib.import_module(PLUGIN + ".gui.export_dialog")
        except ImportError as exc:
            raise Skip(f"no export dialog in this plugin version ({exc})") from exc
        if not hasattr(self.plugin, "export_package"):
            raise Skip("the plugin has no export_package()")
        self.show_only(self.plugin.dock)
        dialog = self.plugin.export_package()  # not modal: problems can be fixed while it shows them
        if dialog is None:
            raise RuntimeError("export_package() opened no dialog")
        yield from until(lambda: dialog.runner.idle and dialog.table.rowCount(), 120)  # the checks, in the background
        # A package per quarter: the imagery patch's batch (its evidence sheet has the imagery page).
        dialog.batch.setCurrentIndex(dialog.batch.findData(self.imagery_patch["batch"]))
        yield 0.3
        yield from until(lambda: dialog.runner.idle and dialog.table.rowCount(), 120)
        yield 0.8
        self.shot("19_export_dialog", dialog)
        # Blocking problems remain in the demo: a draft, then the package verified against its manifest.
        dialog.draft.setChecked(True)
        dialog.export_button.click()
        yield 0.3
        yield from until(lambda: dialog.runner.idle, 180)
        package = dialog.target_path()
        if not os.path.exists(package):
            raise RuntimeError(f"no package written: {dialog.status.text()}")
        self.report["notes"].append(f"draft package {package}")
        self.report["draft_package"] = package
        dialog.verify(package)
        yield 0.3
        yield from until(lambda: dialog.runner.idle, 120)
        yield 0.5
        self.shot("21_export_verified", dialog)
        dialog.close()

    def postgis(self):
        """PostGIS… in the task panel: the dialog with a libpq service typed in (no server needed to show it)."""
        dock = self.plugin.dock
        self.show_only(dock)
        dock.tabs.setCurrentIndex(0)
        dialog = yield from self.open_modal(dock.choose_postgis_task)
        if dialog.objectName() != "LandEnforcementPostgisDialog":
            raise RuntimeError(f"expected the PostGIS dialog, got {type(dialog).__name__}")
        dialog.connection.setEditText(self.config["postgis_connection"])
        dialog.schema.setText(Path(self.config["task"]).stem)
        yield 0.3
        if not dialog.upload_button.isEnabled():
            raise RuntimeError("the upload button is disabled with a GeoPackage task open")
        self.shot("22_postgis_dialog", dialog)
        dialog.reject()

    def processing(self):
        import processing
        import qgis.utils as utils
        from qgis.core import QgsProject
        from qgis.PyQt.QtCore import QRect

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
        self.shot("23_processing_toolbox", toolbox, QRect(0, 0, toolbox.width(), bottom))
        layers = {role: self.layer_by_source(name) for role, name in (
            ("TOWNSHIPS", "townships"), ("CULTIVATED", "cultivated"), ("PERMANENT_FARMLAND", "pbf"),
            ("ECO_REDLINE", "eco_redline"), ("VILLAGES", "villages"))}
        approvals = [layer for _source, title in self.config["approval_layers"]  # added in office_comparison
                     for layer in QgsProject.instance().mapLayersByName(title)]
        dialog = processing.createAlgorithmDialog("landenforcement:overlay", dict(
            {role: layer.id() for role, layer in layers.items() if layer is not None}, DATABASE=self.config["task"],
            APPROVALS=[layer.id() for layer in approvals]))
        dialog.resize(900, 760)
        dialog.show()
        yield 1.0
        self.shot("24_processing_overlay", dialog)
        dialog.close()


    def reshaped(self):
        """The province delivers one verified patch again with another shape (last: it changes the task):
        imported through the import dialog, the report says its areas were dropped and its verdict needs a
        re-check; the list shows it waiting for the overlay, the form's history carries the 需复核 mark."""
        from osgeo import ogr, osr
        from qgis.core import QgsGeometry, QgsVectorLayer

        jcbh = self.imagery_patch["jcbh"]
        patches = QgsVectorLayer(f"{self.config['task']}|layername=patches", "patches", "ogr")
        patch = next(patches.getFeatures(f"jcbh = '{jcbh}'"))
        source = os.path.join(os.path.dirname(self.config["task"]), "redelivery", f"wptb_{jcbh}_更正.gpkg")
        os.makedirs(os.path.dirname(source), exist_ok=True)
        srs = osr.SpatialReference()
        srs.ImportFromWkt(patches.crs().toWkt())
        data = ogr.GetDriverByName("GPKG").CreateDataSource(source)
        layer = data.CreateLayer("wptb", srs, ogr.wkbMultiPolygon)
        fields = {"JCBH": "jcbh", "XZQDM": "xzqdm", "XZQMC": "xzqmc", "QSX": "qsx", "HSX": "hsx", "BHLX": "bhlx",
                  "PC": "batch"}
        for name in fields:
            layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
        feature = ogr.Feature(layer.GetLayerDefn())
        for name, column in fields.items():
            feature.SetField(name, str(patch[column]))
        grown = QgsGeometry(patch.geometry()).buffer(25, 8)  # the site grew: a larger outline
        grown.convertToMultiType()
        feature.SetGeometry(ogr.CreateGeometryFromWkb(bytes(grown.asWkb())))
        layer.CreateFeature(feature)
        data = None
        dock = self.plugin.dock
        self.show_only(dock)
        dock.tabs.setCurrentIndex(0)
        dialog = yield from self.open_modal(lambda: dock.import_patches(source))
        if dialog.objectName() != "LandEnforcementImportDialog":
            raise RuntimeError(f"expected the import dialog, got {type(dialog).__name__}")
        dialog.accept()
        yield from self.background_done()
        self.iface.messageBar().clearWidgets()
        # As a user widens the dock to read the whole note (old and new area).
        from qgis.PyQt.QtCore import Qt

        table = dock.report_table
        reason = table.sizeHintForColumn(3) + 24
        self.window.resizeDocks([dock], [self.plugin.dock.width() + max(reason - table.columnWidth(3), 0)],
                                Qt.Orientation.Horizontal)
        yield 0.5
        self.shot("03b_reimport_reshaped", dock)
        self.window.resizeDocks([dock], [700], Qt.Orientation.Horizontal)
        review = self.plugin.review
        self.show_only(review)
        review.refresh()
        yield from self.background_done()  # the list is read in the background
        review.batch.setCurrentIndex(0)
        review.search.setText(jcbh)
        yield 0.5
        if not review.select_jcbh(jcbh):
            raise RuntimeError(f"patch {jcbh} is not in the list after the re-import")
        review.table.clearSelection()  # the row's own tint in view
        for column in (1, 2):  # Township, Area: widened by hand to read what they say
            review.table.resizeColumnToContents(column)
        yield 0.3
        from qgis.PyQt.QtCore import QRect

        table = review.table
        bottom = (table.mapTo(review, table.rect().topLeft()).y() + table.horizontalHeader().height()
                  + table.rowHeight(0) + 2 * table.frameWidth() + 4)
        self.shot("10b_review_needs_overlay", review, QRect(0, 0, review.width(), bottom))
        review.select_jcbh(jcbh)
        form = yield from self.open_modal(review.open_form)
        if form.objectName() != "LandEnforcementVerdictForm":
            raise RuntimeError(f"expected the verdict form, got {type(form).__name__}")
        form.resize(820, form.height())  # dragged wider: the history's lines in full
        yield 0.5
        self.shot("11b_verdict_recheck", form)
        form.reject()


# ------------------------------------------------------------------------------------ outside

ROOT = Path(__file__).resolve().parent.parent if "__file__" in globals() else None  # unset inside QGIS
REQUIRED_SHOTS = ("01_qgis_window", "02_task_dock", "03_import_dialog", "04_office_comparison", "05_season_tab",
                  "06_fieldwork_buttons", "07_sheet_rejected_rows", "08_photos", "09_review_window", "10_review_dock",
                  "11_verdict_form", "12_assign_dialog", "13_review_assigned", "14_imagery_dock", "15_imagery_swipe",
                  "16_metrics_window", "17_metrics_dock", "17b_metrics_explained", "17c_metrics_flags",
                  "18_metrics_progress", "22_postgis_dialog", "25_case_open", "26_case_acts", "27_case_statistics",
                  "23_processing_toolbox", "24_processing_overlay", "03b_reimport_reshaped", "10b_review_needs_overlay",
                  "11b_verdict_recheck")
# Not grabs: pages of the imagery patch's evidence sheet, (page, height in mm of the top part shown).
EVIDENCE_SHOTS = {"20a_evidence_page1": (1, 125),  # the header (township, village) and the map
                  "20_evidence_page2": (2, 180)}  # the before / after imagery
DEMO_FILES = ("demo.json", "demo.qgz", "redlines", "patches", "photos", "verification.xlsx")


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
    mosaics = tasks[0].with_name(tasks[0].stem + "_imagery")  # its imagery VRTs (the tiles stay in <demo>/imagery)
    for name in DEMO_FILES + (tasks[0].name,) + tuple(folder.name for folder in (photos, mosaics) if folder.is_dir()):
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


def evidence_page(package, jcbh, target, page, height_mm, dpi=100):
    """Page `page` of the patch's evidence sheet in the package, its upper `height_mm` (page 1: title,
    header, map; page 2: the before / after images and notes) as a PNG, rendered with pdftoppm: None
    when done, else why not."""
    import zipfile

    if shutil.which("pdftoppm") is None:
        return "pdftoppm is not installed (poppler-utils)"
    with zipfile.ZipFile(package) as archive:
        names = [name for name in archive.namelist() if name.endswith(f"/evidence/{jcbh}.pdf")]
        if not names:
            return f"no evidence sheet for {jcbh} in {package}"
        pdf = target.with_suffix(".pdf")
        pdf.write_bytes(archive.read(names[0]))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    if not pages or int(pages.group(1)) < page:
        return f"the evidence sheet of {jcbh} has no page {page}"
    width, height = round(210 / 25.4 * dpi), round(height_mm / 25.4 * dpi)  # the top of the A4 page
    subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi), "-png", "-singlefile",
                    "-x", "0", "-y", "0", "-W", str(width), "-H", str(height), str(pdf),
                    str(target.with_suffix(""))], check=True)
    pdf.unlink()
    return None


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
    parser.add_argument("--today", default="2024-12-20",
                        help="the day the Season tab and the progress table count days left and overdue from")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT / "scripts"))
    sys.path.insert(0, str(ROOT))
    import desktop_check as dc

    from demodata.county import APPROVAL_LAYERS, layer_source

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
            "photos": str(work / "season" / "photos"), "sheet": str(work / "season" / "verification.xlsx"),
            "approval_layers": [(layer_source(str(work / "season" / "redlines"), name), title)
                                for name, title in APPROVAL_LAYERS],
            "inspector": "张三" if lang == "zh" else "Zhang San",
            "choropleth_name": "乡镇违法占用耕地比例" if lang == "zh" else "Unlawful cultivated ratio by township",
            "today": args.today, "reported_on": "2024-05-08", "postgis_connection": "service=bureau",
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
    if report.get("draft_package") and report.get("imagery_patch"):
        for name, (page, height_mm) in EVIDENCE_SHOTS.items():
            why_not = evidence_page(Path(report["draft_package"]), report["imagery_patch"], raw / f"{name}.png",
                                    page, height_mm)
            if why_not is None:
                report["shots"].append({"name": name, "step": "evidence_page", "ok": True})
            else:
                report["errors"].append({"step": "evidence_page", "error": why_not})
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
