"""`make bench`, the rest of a season on the large county (20,000 patches): each step in its own
process (its peak memory its own) on a copy of the task, and how long each dock action (opening the
task in all docks among them) holds the UI thread (the longest stretch the event loop could not
run, from the click until the result is shown)."""
import json
import os
import shutil
import sys
import time

EVIDENCE_SHEETS = 100  # timed per sheet


def _copy(out, name, source="task.gpkg"):
    target = os.path.join(out, "season", name)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(os.path.join(out, source), target)
    return target


def _demo(out):
    with open(os.path.join(out, "demo.json")) as handle:
        return json.load(handle)


def _path(root, path):
    return path if os.path.isabs(path) else os.path.join(root, path)


def _without_verdicts(task):
    """The task as it is before the township sheets come back (the bench's task carries them)."""
    from land_enforcement_plugin.core import schema
    from land_enforcement_plugin.core.store import open_task

    with open_task(task) as store:
        with store.transaction():
            store.execute(f"DELETE FROM {schema.VERIFICATIONS_TABLE}")
    return task


def run_import(out, root):
    from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches

    task = os.path.join(out, "season", "imported.gpkg")
    os.makedirs(os.path.dirname(task), exist_ok=True)
    if os.path.exists(task):
        os.remove(task)
    started = time.perf_counter()
    result = import_patches(task, ImportOptions(_path(root, _demo(out)["patches"])))
    return {"seconds": time.perf_counter() - started, "count": result.inserted}


def run_verification(out, root):
    """The returned township sheet imported into the overlaid task (no verdicts yet)."""
    from land_enforcement_plugin.core.review import verification

    task = _without_verdicts(_copy(out, "verification.gpkg", os.path.join("backends", "whole_task.gpkg")))
    started = time.perf_counter()
    result = verification.import_spreadsheet(task, _path(root, _demo(out)["verification_xlsx"]), accept_partial=True)
    return {"seconds": time.perf_counter() - started, "count": len(result.rows)}


def _sheet_of_every_patch(out):
    """A returned sheet with a row for every patch of the county (20,000), made once into
    out/season: lawful with an approval number, unlawful being rectified, or a false change, in turn."""
    import openpyxl

    from demodata.county import SPREADSHEET_HEADERS
    from land_enforcement_plugin.core import schema
    from land_enforcement_plugin.core.store import open_task

    path = os.path.join(out, "season", "verification_every_patch.xlsx")
    if os.path.exists(path):
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open_task(os.path.join(out, "backends", "whole_task.gpkg")) as store:
        patches = store.query(f"SELECT jcbh, {schema.TOWNSHIP_NAME.name} AS township FROM {schema.PATCHES_LAYER} "
                              "ORDER BY jcbh")
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("核查结果")
    sheet.append(SPREADSHEET_HEADERS)
    for number, patch in enumerate(patches):
        row = dict.fromkeys(SPREADSHEET_HEADERS)
        row.update({"监测编号": patch["jcbh"], "乡镇名称": patch["township"], "线索来源": "卫片", "核查人": "张伟",
                    "核查日期": "2025-06-01"})
        if number % 3 == 0:
            row.update({"判定结果": "合法", "用地类型": "建设用地",
                        "批准文号": f"沂政土字〔2023〕{number % 300 + 1}号"})
        elif number % 3 == 1:
            row.update({"判定结果": "违法", "用地类型": "建设用地", "违法类型": "未批先建", "整改状态": "整改中",
                        "整改措施": "拆除复耕", "是否立案": "否"})
        else:
            row.update({"判定结果": "其他", "用地类型": "其他", "备注": "伪变化"})
        sheet.append([row[h] for h in SPREADSHEET_HEADERS])
    book.save(path)
    return path


def run_verification_every_patch(out, root):
    """A returned sheet with every one of the 20,000 patches filled, imported into the overlaid task."""
    from land_enforcement_plugin.core.review import verification

    sheet = _sheet_of_every_patch(out)
    task = _without_verdicts(_copy(out, "verification_all.gpkg", os.path.join("backends", "whole_task.gpkg")))
    started = time.perf_counter()
    result = verification.import_spreadsheet(task, sheet, accept_partial=True)
    return {"seconds": time.perf_counter() - started, "count": len(result.rows),
            "accepted": sum(1 for row in result.rows if row.status == "accepted")}


def run_package(out, root):
    """A draft package without evidence sheets."""
    from land_enforcement_plugin.core.reports.package import PackageOptions, build_package

    task = _copy(out, "package.gpkg")
    started = time.perf_counter()
    result = build_package(task, os.path.join(out, "season", "package.zip"),
                           PackageOptions(draft=True, evidence=False, overwrite=True))
    return {"seconds": time.perf_counter() - started, "count": result.manifest["counts"]["patches"]}


def run_evidence(out, root):
    from land_enforcement_plugin.core.reports.evidence import write_evidence_sheets
    from land_enforcement_plugin.core.store import open_task

    task = _copy(out, "evidence.gpkg")
    with open_task(task) as store:
        jcbhs = sorted(store.patch_index())[:EVIDENCE_SHEETS]
    folder = os.path.join(out, "season", "evidence")
    shutil.rmtree(folder, ignore_errors=True)
    load = os.getloadavg()[0]  # other work on the machine slows the sheets: printed with them
    started, cpu = time.perf_counter(), time.process_time()
    written = write_evidence_sheets(task, jcbhs, folder)
    return {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu,
            "count": len(written), "load": load}


def _docks():
    """The plugin's four docks, wired as plugin.py wires them (no QGIS window around them)."""
    from land_enforcement_plugin.gui.imagery_dock import ImageryDock
    from land_enforcement_plugin.gui.metrics_dock import MetricsDock
    from land_enforcement_plugin.gui.review_dock import ReviewDock
    from land_enforcement_plugin.gui.task_dock import TaskDock

    task, review, metrics, imagery = TaskDock(), ReviewDock(None), MetricsDock(), ImageryDock()
    for dock in (imagery, review, metrics):
        task.task_changed.connect(dock.set_task)
    review.patch_selected.connect(imagery.show_patch)
    review.saved.connect(lambda _jcbh: task.refresh())
    review.saved.connect(metrics.recompute)
    return task, review, metrics, imagery


UI_TICK = 0.002  # the bench's event loop sleeps this long between rounds


def run_dock(out, root):
    """Each dock action from its click until its result is shown, on the plugin's four docks: the
    longest stretch the UI thread's event loop could not run (the call itself, or the wait between
    two rounds of the loop beyond its sleep: Python slots, and the interpreter lock held by
    background work) and how long the background work took."""
    from qgis.core import QgsApplication

    task = _without_verdicts(_copy(out, "dock.gpkg", os.path.join("backends", "whole_task.gpkg")))
    scratch = os.path.join(out, "season", "dock")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    dock, review, metrics, imagery = _docks()
    panel = dock.season_panel

    def busy():
        return not (dock.runner.idle and review.runner.idle and metrics.runner.idle and review.loading is None
                    and panel._running is None and imagery._opening_redlines is None)

    def timed(action):
        started = time.perf_counter()
        action()
        longest = time.perf_counter() - started
        last = begun = time.perf_counter()
        settled = 0
        while settled < 10:  # a few rounds after the work, for what its end queued
            time.sleep(UI_TICK)
            QgsApplication.processEvents()
            now = time.perf_counter()
            longest = max(longest, now - last - UI_TICK)
            last = now
            settled = settled + 1 if not busy() else 0
        return {"ui_ms": 1000 * longest, "seconds": time.perf_counter() - begun}

    sheet = _path(root, _demo(out)["verification_xlsx"])
    figures = {"open": timed(lambda: dock.set_task(task))}
    figures["township sheets"] = timed(lambda: review.export_sheets(os.path.join(scratch, "sheets"), False))
    figures["import sheet"] = timed(lambda: review.import_sheet(sheet, confirm_partial=lambda result: True))
    figures["QField export"] = timed(lambda: review.export_field_projects(os.path.join(scratch, "field")))
    field = sorted(os.listdir(os.path.join(scratch, "field")))[0]
    figures["QField merge"] = timed(lambda: review.merge_field_package(
        os.path.join(scratch, "field", field, "fieldwork.gpkg")))
    figures["per-person lists"] = timed(lambda: panel.export_lists(os.path.join(scratch, "lists"), False))
    figures["load"] = os.getloadavg()[0]
    return figures


CHILDREN = {"import": run_import, "verification": run_verification,
            "verification-every-patch": run_verification_every_patch, "package": run_package,
            "evidence": run_evidence, "dock": run_dock}


def child(kind, out, root):
    from qgis.core import QgsApplication

    app = QgsApplication([], kind == "dock")  # the dock needs widgets
    app.initQgis()
    figures = CHILDREN[kind](out, root)
    with open("/proc/self/status") as status:
        figures["peak_mib"] = next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
    print(json.dumps(figures))
    sys.stdout.flush()
    os._exit(0)  # widgets and layers go with the process


def report(measure, native_seconds):
    """Prints the season rows; measure(kind) runs a child and returns its figures."""
    rows = [("import", "import of the delivered patches", "patches"),
            ("verification", "verification sheet import (as returned: about 70 % filled)", "rows"),
            ("verification-every-patch", "verification sheet import (every patch filled)", "rows"),
            ("package", "draft package without evidence", "patches"),
            ("evidence", "evidence sheets", "sheets")]
    for kind, label, unit in rows:
        figures = measure(kind)
        line = (f"{label}: {figures['count']} {unit} in {figures['seconds']:.1f} s, "
                f"peak {figures['peak_mib']:.0f} MiB")
        if kind == "verification-every-patch":
            line += f"; {figures['accepted']} accepted"
        if kind == "package" and native_seconds:
            line += (f"; {figures['seconds'] / native_seconds:.2f}x native:intersection's "
                     f"{native_seconds:.1f} s (goal <= 2)")
        if kind == "evidence":
            count = max(figures["count"], 1)
            line += (f"; {1000 * figures['seconds'] / count:.0f} ms a sheet (goal <= 60), "
                     f"{1000 * figures['cpu_seconds'] / count:.0f} ms of CPU, load {figures['load']:.1f}")
        print(line)
    dock = measure("dock")
    print(f"docks on 20,000 patches (load average {dock['load']:.1f}): peak {dock['peak_mib']:.0f} MiB")
    for action in ("open", "township sheets", "import sheet", "QField export", "QField merge", "per-person lists"):
        figures = dock[action]
        print(f"  {action}: UI thread held at most {figures['ui_ms']:.0f} ms (goal < 100), "
              f"done in the background in {figures['seconds']:.1f} s")
