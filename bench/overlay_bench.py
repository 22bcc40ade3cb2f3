"""`make bench`: the plugin's full overlay against QGIS's own native:intersection of one layer.

(a) landenforcement overlay core: cultivated land (DLBM-filtered), permanent basic farmland,
    ecological red line, five approval layers and the township split, ellipsoidal areas;
(b) native:intersection of the patches (already in the working CRS, read from the task) with
    the cultivated land layer alone.
Each runs in its own process so that peak memory is its own. Prints both times, a/b (wall clock,
with the load average of each round, and processor time of all threads) and peaks, then the largest
difference of the run's areas to the county's reference run (out/backends/areas_reference.json,
kept from the first run: the engine's results must stay equal).

Then the two task backends on the same county: (c) the whole overlay of every patch by the local
engine into the GeoPackage task, (d) the same overlay computed inside PostGIS (a private cluster,
tests/pg_cluster.py, holding the uploaded task and red lines; the upload is not timed), with the
largest per-patch difference between them and the township metrics read from each store; (e) the
local engine on the PostGIS task reading its red lines from the database, for reference.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import season_bench  # noqa: E402 (after the path it is found on)

APPROVALS = ("approvals_nzy", "approvals_zs", "approvals_gd", "approvals_ssny", "approvals_lsyd")


_APP = []  # the QgsApplication must outlive every layer (postgres layers crash without one)


def qgis_app():
    from qgis.core import QgsApplication

    if not _APP:
        _APP.append(QgsApplication([], False))
        _APP[0].initQgis()
    return _APP[0]


def prepare(out, size, seed):
    """Generate the county and import its patches once; later runs reuse them."""
    task = os.path.join(out, "task.gpkg")
    if os.path.exists(task):
        return task
    qgis_app()
    from demodata.county import generate_county
    from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches

    started = time.perf_counter()
    demo = generate_county(out, size=size, seed=seed, delivery="clean")  # the GeoPackage the bench reads
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

    from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs

    redlines = os.path.join(out, "redlines.gpkg")

    def layer(name):
        return QgsVectorLayer(f"{redlines}|layername={name}", name, "ogr")

    return OverlayInputs(layer("townships"), layer("cultivated"), layer("pbf"), layer("eco_redline"),
                         [layer(name) for name in APPROVALS])


def prepare_metrics(out):
    """The stored overlay and the returned verification sheet that the metrics are computed from."""
    from land_enforcement_plugin.core.overlay.run import run_overlay
    from land_enforcement_plugin.core.review import verification
    from land_enforcement_plugin.core.store import GeoPackageTaskStore

    task = os.path.join(out, "task.gpkg")
    store = GeoPackageTaskStore.open(task)
    done = bool(store.township_parts())
    store.close()
    if done:
        return
    qgis_app()
    run_overlay(task, _red_lines(out))
    verification.import_spreadsheet(task, os.path.join(out, "verification.xlsx"), accept_partial=True)


def run_metrics(out):
    qgis_app()
    from land_enforcement_plugin.core.season.metrics import township_metrics
    from land_enforcement_plugin.core.store import GeoPackageTaskStore

    with GeoPackageTaskStore.open(os.path.join(out, "task.gpkg")) as store:
        started = time.perf_counter()
        result = township_metrics(store)
        return time.perf_counter() - started, result.rows[-1]["patch_count"], None


def run_overlay_whole(out):
    """What the user waits for: landenforcement:overlay's run_overlay on a fresh copy of the task
    (the copy is not timed): reading copies and fingerprint of every layer, compute, store."""
    import shutil

    qgis_app()
    from land_enforcement_plugin.core.overlay.run import run_overlay

    task = os.path.join(_scratch(out), "whole_task.gpkg")
    shutil.copyfile(os.path.join(out, "task.gpkg"), task)
    _clear_fingerprints(task)
    inputs = _red_lines(out)
    started, cpu = time.perf_counter(), time.process_time()
    run = run_overlay(task, inputs)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    _dump_areas(task, os.path.join(_scratch(out), "areas_whole.json"))
    return seconds, run.recomputed, cpu_seconds


def _dump_areas(task, target):
    """Every patch's and township part's areas as stored in `task`, to `target` (JSON)."""
    from land_enforcement_plugin.core import schema
    from land_enforcement_plugin.core.overlay import run as overlay_run

    with overlay_run.open_task(task) as store:
        areas = {values["jcbh"]: [values[f.name] for f in schema.OVERLAY_AREA_FIELDS]
                 for values, _ in store.export_patches()}
        parts = {f"{row['jcbh']} {row['xzqdm']}": [row[f.name] for f in schema.OVERLAY_AREA_FIELDS]
                 for row in store.township_parts()}
    with open(target, "w") as handle:
        json.dump({"areas": areas, "parts": parts}, handle)


def largest_difference(mine, theirs):
    """The largest difference (m²) of an area of a patch or of its part in a township between two
    dumps of the same county, or None when they hold other patches or parts."""
    if any(mine[kind].keys() != theirs[kind].keys() for kind in ("areas", "parts")):
        return None
    return max((abs(a - b) for kind in ("areas", "parts") for key, areas in mine[kind].items()
                for a, b in zip(areas, theirs[kind][key])), default=0.0)


def check_reference(label, out):
    """The last whole run's areas against the county's reference (the first whole run's, kept in
    out/backends/areas_reference.json: delete it to take a new one): the engine's results stay equal."""
    scratch = _scratch(out)
    with open(os.path.join(scratch, "areas_whole.json")) as handle:
        mine = json.load(handle)
    reference = os.path.join(scratch, "areas_reference.json")
    if not os.path.exists(reference):
        os.replace(os.path.join(scratch, "areas_whole.json"), reference)
        print(f"{label}: this run's areas kept as the reference ({reference})")
        return
    with open(reference) as handle:
        worst = largest_difference(mine, json.load(handle))
    print(f"{label}: largest difference to the reference run: " +
          ("OTHER PATCHES OR PARTS" if worst is None else f"{worst:.6f} m² per area of a patch or township part")
          + " (goal <= 0.001)")


def run_native_whole(out):
    """native:intersection as `qgis_process run` runs it: patches x cultivated land read from their
    files, the intersection written to a GeoPackage."""
    qgis_app()
    sys.path.append("/usr/share/qgis/python/plugins")
    import processing
    from processing.core.Processing import Processing

    Processing.initialize()
    target = os.path.join(_scratch(out), "native_intersection.gpkg")
    if os.path.exists(target):
        os.remove(target)
    redlines = os.path.join(out, "redlines.gpkg")
    started, cpu = time.perf_counter(), time.process_time()
    from qgis.core import QgsVectorLayer

    cultivated = QgsVectorLayer(f"{redlines}|layername=cultivated", "cultivated", "ogr")
    cultivated.setSubsetString("DLBM IN ('0101','0102','0103')")
    processing.run("native:intersection", {
        "INPUT": f"{os.path.join(out, 'task.gpkg')}|layername=patches", "OVERLAY": cultivated,
        "INPUT_FIELDS": ["jcbh"], "OVERLAY_FIELDS": ["DLBM"], "OUTPUT": target})
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return seconds, QgsVectorLayer(target, "result", "ogr").featureCount(), cpu_seconds


BENCH_SERVICE = "lep_bench"


def _database_red_lines():
    """The red lines uploaded into the bench cluster's schema 'redlines', as QGIS 'postgres' layers."""
    from qgis.core import QgsDataSourceUri, QgsVectorLayer

    from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs

    def layer(name):
        uri = QgsDataSourceUri()
        uri.setConnection(BENCH_SERVICE, "", "", "")
        uri.setDataSource("redlines", name, "geom", "", "fid")
        return QgsVectorLayer(uri.uri(False), name, "postgres")

    return OverlayInputs(layer("townships"), layer("cultivated"), layer("pbf"), layer("eco_redline"),
                         [layer(name) for name in APPROVALS])


def _clear_fingerprints(task):
    """Every patch of `task` recomputed by the next overlay (the bench's task may carry an overlay)."""
    from land_enforcement_plugin.core import schema
    from land_enforcement_plugin.core.overlay import run as overlay_run

    with overlay_run.open_task(task) as store:
        with store.transaction():
            store.execute(f"UPDATE {schema.PATCHES_LAYER} SET {schema.OVERLAY_FINGERPRINT.name} = NULL")


def _timed_overlay(task, inputs, scratch):
    """run_overlay of every patch (fingerprints cleared first), then the township metrics.
    Writes each patch's areas and the metrics to scratch/areas_<engine>.json for the comparison."""
    from land_enforcement_plugin.core import schema
    from land_enforcement_plugin.core.overlay import run as overlay_run
    from land_enforcement_plugin.core.season.metrics import township_metrics

    _clear_fingerprints(task)
    engine, spent = overlay_run._compute, []

    def timed(*args):  # the engine alone, without reading the patches and storing the results
        started = time.perf_counter()
        try:
            return engine(*args)
        finally:
            spent.append(time.perf_counter() - started)

    overlay_run._compute = timed
    try:
        started = time.perf_counter()
        run = overlay_run.run_overlay(task, inputs)
        run_seconds = time.perf_counter() - started
    finally:
        overlay_run._compute = engine
    with overlay_run.open_task(task) as store:
        started = time.perf_counter()
        result = township_metrics(store)
        metrics_seconds = time.perf_counter() - started
        areas = {values["jcbh"]: [values[f.name] for f in schema.OVERLAY_AREA_FIELDS]
                 for values, _ in store.export_patches()}
        parts = {f"{row['jcbh']} {row['xzqdm']}": [row[f.name] for f in schema.OVERLAY_AREA_FIELDS]
                 for row in store.township_parts()}
    with open(os.path.join(scratch, f"areas_{run.engine}.json"), "w") as handle:
        json.dump({"areas": areas, "parts": parts, "metrics": result.rows}, handle)
    return {"seconds": spent[0], "count": run.recomputed, "run_seconds": run_seconds, "engine": run.engine,
            "metrics_seconds": metrics_seconds}


def _scratch(out):
    scratch = os.path.join(out, "backends")
    os.makedirs(scratch, exist_ok=True)
    return scratch


def run_local_store(out):
    """(c): a copy of the GeoPackage task, every patch overlaid by the local engine."""
    import shutil

    qgis_app()
    task = os.path.join(_scratch(out), "task.gpkg")
    shutil.copyfile(os.path.join(out, "task.gpkg"), task)
    return _timed_overlay(task, _red_lines(out), _scratch(out))


def run_postgis_store(out):
    """(d): a private PostgreSQL + PostGIS cluster holding the uploaded task and red lines."""
    qgis_app()
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    import pg_cluster
    from osgeo import gdal

    from land_enforcement_plugin.core.season.transfer import upload_task

    cluster = pg_cluster.PrivateCluster(service=BENCH_SERVICE).start()
    os.environ["PGSERVICEFILE"] = cluster.service_file
    try:
        started = time.perf_counter()
        location = upload_task(os.path.join(out, "task.gpkg"), f"pg:service={BENCH_SERVICE}/bench_task")
        cluster._psql(cluster.dbname, "CREATE SCHEMA redlines")
        gdal.VectorTranslate(f"PG:service={BENCH_SERVICE} active_schema=redlines", os.path.join(out, "redlines.gpkg"),
                             format="PostgreSQL", options=["-preserve_fid"],
                             layerCreationOptions=["GEOMETRY_NAME=geom", "FID=fid", "SPATIAL_INDEX=GIST"])
        cluster._psql(cluster.dbname, "VACUUM ANALYZE")
        upload_seconds = time.perf_counter() - started
        figures = _timed_overlay(location, _database_red_lines(), _scratch(out))
        figures["upload_seconds"] = upload_seconds
        # (e) what the same task would take without the engine in SQL: the local engine reading
        # the red lines from the database (the patches already in memory).
        from land_enforcement_plugin.core.overlay.engine_local import compute_overlay
        from land_enforcement_plugin.core.overlay.run import task_patches

        patches, working_crs = task_patches(location)
        started = time.perf_counter()
        compute_overlay(patches, working_crs, _database_red_lines())
        figures["local_engine_seconds"] = time.perf_counter() - started
        return figures
    finally:
        cluster.stop()


def compare_backends(out):
    """Largest difference of an area (m²) of a patch or of its part in a township, largest
    township-metric difference (亩) and whether every count and flag of the metrics agrees."""
    scratch = os.path.join(out, "backends")
    with open(os.path.join(scratch, "areas_local.json")) as handle:
        local = json.load(handle)
    with open(os.path.join(scratch, "areas_postgis.json")) as handle:
        database = json.load(handle)
    worst = largest_difference(local, database)
    pairs = [(mine[k], theirs[k]) for mine, theirs in zip(local["metrics"], database["metrics"]) for k in mine]
    worst_metric = max((abs(a - b) for a, b in pairs if isinstance(a, float) and isinstance(b, float)), default=0.0)
    same_counts = len(local["metrics"]) == len(database["metrics"]) and all(
        a == b for a, b in pairs if not (isinstance(a, float) and isinstance(b, float)))
    return worst, worst_metric, same_counts


def child(kind, out):
    if kind in ("local-store", "postgis-store"):
        figures = {"local-store": run_local_store, "postgis-store": run_postgis_store}[kind](out)
        with open("/proc/self/status") as status:
            figures["peak_mib"] = next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
        print(json.dumps(figures))
        return
    runs = {"metrics": run_metrics, "overlay-whole": run_overlay_whole, "native-whole": run_native_whole}
    seconds, count, cpu_seconds = runs[kind](out)
    # VmHWM, not ru_maxrss: the latter survives exec and would report the parent's peak.
    with open("/proc/self/status") as status:
        peak_mib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
    print(json.dumps({"seconds": seconds, "count": count, "peak_mib": peak_mib, "cpu_seconds": cpu_seconds}))


def measure_season(kind, out):
    completed = subprocess.run([sys.executable, __file__, "--season-child", kind, "--out", out],
                               capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure(kind, out):
    completed = subprocess.run([sys.executable, __file__, "--child", kind, "--out", out],
                               capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--size", default="large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", choices=["metrics", "local-store", "postgis-store", "overlay-whole",
                                            "native-whole"])
    parser.add_argument("--only-backends", action="store_true", help="only the GeoPackage / PostGIS comparison")
    parser.add_argument("--season-child", choices=sorted(season_bench.CHILDREN))
    parser.add_argument("--only-season", action="store_true", help="only the season rows (after a whole bench)")
    args = parser.parse_args()
    if args.season_child:
        season_bench.child(args.season_child, args.out, ROOT)
        return
    if args.child:
        child(args.child, args.out)
        return
    os.makedirs(args.out, exist_ok=True)
    prepare(args.out, args.size, args.seed)
    if args.only_season:
        season_bench.report(lambda kind: measure_season(kind, args.out), None)
        return
    if not args.only_backends:
        native_seconds = compare_engines(args.out)
        season_bench.report(lambda kind: measure_season(kind, args.out), native_seconds)
    backends(args.out)


def prepare_shaped(out):
    """The second county (bench/shaped_county.py), in out/shaped, from the large county's files."""
    shaped = os.path.join(out, "shaped")
    task = os.path.join(shaped, "task.gpkg")
    if os.path.exists(task):
        return shaped
    qgis_app()
    import shaped_county

    from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches

    os.makedirs(shaped, exist_ok=True)
    with open(os.path.join(out, "demo.json")) as handle:
        demo = json.load(handle)
    started = time.perf_counter()
    blocks, mean, fewest, most = shaped_county.write_red_lines(
        os.path.join(out, "redlines.gpkg"), os.path.join(shaped, "redlines.gpkg"), demo["parcel_size_m"])
    patches = shaped_county.write_multipolygon_patches(
        os.path.join(ROOT, demo["patches"]) if not os.path.isabs(demo["patches"]) else demo["patches"],
        os.path.join(shaped, "patches", "patches.shp"))
    partial = os.path.join(shaped, "task.partial.gpkg")
    result = import_patches(partial, ImportOptions(patches))
    os.replace(partial, task)
    print(f"second county: {blocks} PBF blocks of {fewest}-{most} vertices (mean {mean:.0f}), 3 eco polygons, "
          f"both in EPSG:4490; {result.inserted} MultiPolygon patches; made in {time.perf_counter() - started:.1f} s")
    return shaped


def compare_whole(label, out, rounds=2):
    """Whole run against whole run, interleaved (a, b, a, b) so that the load of the shared machine
    falls on both alike; the ratio of the summed times and each round's, with the load average (1 min)
    at the start of each round; then the areas against the county's reference run."""
    plugin, native, loads = [], [], []
    for _ in range(rounds):
        loads.append(os.getloadavg()[0])
        plugin.append(measure("overlay-whole", out))
        native.append(measure("native-whole", out))
    a, b = sum(p["seconds"] for p in plugin), sum(n["seconds"] for n in native)
    rounds_text = ", ".join(f"{p['seconds']:.1f}/{n['seconds']:.1f} at load {load:.1f}"
                            for p, n, load in zip(plugin, native, loads))
    peak = max(p["peak_mib"] for p in plugin)
    print(f"{label}: (a) landenforcement:overlay whole run (read, compute, store {plugin[0]['count']} patches) "
          f"{a / rounds:.1f} s, peak {peak:.0f} MiB; (b) native:intersection patches x cultivated land, written "
          f"({native[0]['count']} pieces) {b / rounds:.1f} s, peak {max(n['peak_mib'] for n in native):.0f} MiB")
    cpu = sum(p["cpu_seconds"] for p in plugin) / sum(n["cpu_seconds"] for n in native)
    print(f"{label}: ratio a/b = {a / b:.2f} (goal <= 1.0; rounds a/b s: {rounds_text}); "
          f"processor time a/b = {cpu:.2f} (every thread's, whatever the load); "
          f"peak {peak / 1024:.2f} GiB (goal <= 1.5)")
    check_reference(label, out)
    return b / rounds


def compare_engines(out):
    native_seconds = compare_whole("large county", out)
    compare_whole("second county (PBF from parcel unions, huge eco, MultiPolygons, EPSG:4490)", prepare_shaped(out))
    prepare_metrics(out)
    figures = measure("metrics", out)
    print(f"township metrics for {figures['count']} patches: {figures['seconds']:.2f} s (goal well under 1 s)")
    return native_seconds


def backends(out):
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    import pg_cluster

    reason = pg_cluster.unavailable_reason()
    if reason:
        print(f"GeoPackage / PostGIS comparison skipped: {reason}")
        return
    prepare_metrics(out)  # the task copied to both backends carries the overlay and the verdicts
    local = measure("local-store", out)
    database = measure("postgis-store", out)
    worst, worst_metric, same_counts = compare_backends(out)
    for label, figures in (("(c) GeoPackage task, local engine:", local),
                           ("(d) PostGIS task, engine in SQL: ", database)):
        print(f"{label} overlay of {figures['count']} patches {figures['seconds']:.1f} s "
              f"(whole run with reading and storing {figures['run_seconds']:.1f} s, engine '{figures['engine']}'), "
              f"township metrics {figures['metrics_seconds']:.2f} s, peak {figures['peak_mib']:.0f} MiB")
    print(f"(e) PostGIS task, local engine reading the red lines from the database: "
          f"{database['local_engine_seconds']:.1f} s")
    print(f"ratio c/d = {local['seconds'] / database['seconds']:.2f} (overlay), "
          f"{local['run_seconds'] / database['run_seconds']:.2f} (whole run); "
          f"PostGIS upload of task and red lines (not timed above) {database['upload_seconds']:.1f} s")
    print(f"largest difference between the backends: {worst:.6f} m² per area of a patch or township part "
          f"(goal < 0.01), "
          f"{worst_metric:.2e} 亩 in the township metrics; counts and flags "
          f"{'equal' if same_counts else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
