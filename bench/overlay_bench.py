"""`make bench`: the plugin's full overlay against QGIS's own native:intersection of one layer.

(a) landenforcement overlay core: cultivated land (DLBM-filtered), permanent basic farmland,
    ecological red line, five approval layers and the township split, ellipsoidal areas;
(b) native:intersection of the patches (already in the working CRS, read from the task) with
    the cultivated land layer alone.
Each runs in its own process so that peak memory is its own. Prints both times, a/b and peaks.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
APPROVALS = ("approvals_nzy", "approvals_zs", "approvals_gd", "approvals_ssny", "approvals_lsyd")


def _qgis():
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    return app


def prepare(out, size, seed):
    """Generate the county and import its patches once; later runs reuse them."""
    task = os.path.join(out, "task.gpkg")
    if os.path.exists(task):
        return task
    _qgis()
    from demodata.county import generate_county
    from land_enforcement_plugin.core.importing import ImportOptions, import_patches

    started = time.perf_counter()
    demo = generate_county(out, size=size, seed=seed)
    print(f"generated {demo['counts']['parcels']} parcels, {demo['counts']['patches']} patches "
          f"in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    partial = os.path.join(out, "task.partial.gpkg")  # renamed when complete: a killed run is redone
    result = import_patches(partial, ImportOptions(demo["patches"]))
    os.replace(partial, task)
    print(f"imported {result.inserted} patches in {time.perf_counter() - started:.1f} s")
    return task


def _red_lines(out):
    from qgis.core import QgsVectorLayer

    from land_enforcement_plugin.core.office_comparison import OverlayInputs

    redlines = os.path.join(out, "redlines.gpkg")

    def layer(name):
        return QgsVectorLayer(f"{redlines}|layername={name}", name, "ogr")

    return OverlayInputs(layer("townships"), layer("cultivated"), layer("pbf"), layer("eco_redline"),
                         [layer(name) for name in APPROVALS])


def prepare_metrics(out):
    """The stored overlay and the returned verification sheet that the metrics are computed from."""
    from land_enforcement_plugin.core import verification
    from land_enforcement_plugin.core.overlay_run import run_overlay
    from land_enforcement_plugin.core.store import GeoPackageTaskStore

    task = os.path.join(out, "task.gpkg")
    store = GeoPackageTaskStore.open(task)
    done = bool(store.township_parts())
    store.close()
    if done:
        return
    _qgis()
    run_overlay(task, _red_lines(out))
    verification.import_spreadsheet(task, os.path.join(out, "verification.xlsx"), accept_partial=True)


def run_metrics(out):
    _qgis()
    from land_enforcement_plugin.core.metrics import township_metrics
    from land_enforcement_plugin.core.store import GeoPackageTaskStore

    store = GeoPackageTaskStore.open(os.path.join(out, "task.gpkg"))
    try:
        started = time.perf_counter()
        result = township_metrics(store)
        return time.perf_counter() - started, result.rows[-1]["patch_count"]
    finally:
        store.close()


def run_plugin(out):
    _qgis()
    from land_enforcement_plugin.core.office_comparison import compute_overlay
    from land_enforcement_plugin.core.overlay_run import task_patches

    patches, working_crs = task_patches(os.path.join(out, "task.gpkg"))
    layers = _red_lines(out)
    started = time.perf_counter()
    results, _ = compute_overlay(patches, working_crs, layers)
    return time.perf_counter() - started, len(results)


def run_native(out):
    _qgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    import processing
    from processing.core.Processing import Processing

    Processing.initialize()
    from qgis.core import QgsVectorLayer

    task = os.path.join(out, "task.gpkg")
    redlines = os.path.join(out, "redlines.gpkg")
    # Cultivated land alone, as a bureau would prepare it: the land-use layer filtered to DLBM 01xx.
    cultivated = QgsVectorLayer(f"{redlines}|layername=cultivated", "cultivated", "ogr")
    cultivated.setSubsetString("DLBM IN ('0101','0102','0103')")
    started = time.perf_counter()
    result = processing.run("native:intersection", {
        "INPUT": f"{task}|layername=patches", "OVERLAY": cultivated,
        "INPUT_FIELDS": ["jcbh"], "OVERLAY_FIELDS": ["DLBM"], "OUTPUT": "TEMPORARY_OUTPUT"})
    return time.perf_counter() - started, result["OUTPUT"].featureCount()


def child(kind, out):
    seconds, count = {"plugin": run_plugin, "native": run_native, "metrics": run_metrics}[kind](out)
    # VmHWM, not ru_maxrss: the latter survives exec and would report the parent's peak.
    with open("/proc/self/status") as status:
        peak_mib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
    print(json.dumps({"seconds": seconds, "count": count, "peak_mib": peak_mib}))


def measure(kind, out):
    completed = subprocess.run([sys.executable, __file__, "--child", kind, "--out", out],
                               capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--size", default="large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", choices=["plugin", "native", "metrics"])
    args = parser.parse_args()
    if args.child:
        child(args.child, args.out)
        return
    os.makedirs(args.out, exist_ok=True)
    prepare(args.out, args.size, args.seed)
    plugin = measure("plugin", args.out)
    native = measure("native", args.out)
    print(f"(a) plugin overlay, 4 layers + 5 approval layers + township split: {plugin['seconds']:.1f} s "
          f"({plugin['count']} patches), peak {plugin['peak_mib']:.0f} MiB")
    print(f"(b) native:intersection, patches x cultivated land only:          {native['seconds']:.1f} s "
          f"({native['count']} pieces), peak {native['peak_mib']:.0f} MiB")
    print(f"ratio a/b = {plugin['seconds'] / native['seconds']:.2f}  (goal <= 1.0); "
          f"plugin peak memory {plugin['peak_mib'] / 1024:.2f} GiB (goal <= 1.5)")
    prepare_metrics(args.out)
    figures = measure("metrics", args.out)
    print(f"township metrics for {figures['count']} patches: {figures['seconds']:.2f} s (goal well under 1 s)")


if __name__ == "__main__":
    main()
