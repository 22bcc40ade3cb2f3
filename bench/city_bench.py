"""City summary bench (市级汇总): N generated counties × M patches, summarised from their packages
and from their tasks in one PostGIS database (a private cluster), with time and peak memory.

Each county is the demo county generator's (demodata) on the bundled 垣曲县 boundary moved to its own
place on a grid, under a real county code of 运城市 (1408xx), taken through import, overlay and the
township sheet, then a draft package without evidence sheets. Counties, tasks and packages are
kept in --out and reused. Every measured run is a child process: its VmHWM is its own peak.

    .venv/bin/python bench/city_bench.py --counties 10 --patches 20000 [--source packages|postgis|both]
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from overlay_bench import qgis_app  # noqa: E402 (beside this file; the QgsApplication kept alive)

BENCH_SERVICE = "lep_city_bench"
BASE_COUNTY = "140827"
# 运城市's counties (data/counties.csv), 垣曲县 first: the grid's places are taken in this order.
CITY_COUNTIES = ["140827", "140802", "140821", "140822", "140823", "140824", "140825", "140826", "140828",
                 "140829", "140830", "140881", "140882"]


def _county_folder(out, code):
    return os.path.join(out, "counties", code)


def _boundaries(out, codes):
    """GeoJSON boundaries of `codes`: 垣曲县's outline moved east by whole widths (5 a row), so the
    counties lie side by side without overlapping."""
    from osgeo import ogr

    from demodata import county

    folder = os.path.join(out, "boundaries")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(county.COUNTIES_DIR, f"{BASE_COUNTY}.geojson"), encoding="utf-8") as f:
        base = ogr.CreateGeometryFromJson(f.read())
    x0, x1, y0, y1 = base.GetEnvelope()
    for number, code in enumerate(codes):
        moved = ogr.CreateGeometryFromWkb(base.ExportToWkb())
        dx, dy = (number % 5) * (x1 - x0 + 0.01), -(number // 5) * (y1 - y0 + 0.01)
        for polygon in ([moved] if moved.GetGeometryType() == ogr.wkbPolygon else
                        [moved.GetGeometryRef(i) for i in range(moved.GetGeometryCount())]):
            for r in range(polygon.GetGeometryCount()):
                ring = polygon.GetGeometryRef(r)
                for i in range(ring.GetPointCount()):
                    ring.SetPoint_2D(i, ring.GetX(i) + dx, ring.GetY(i) + dy)
        with open(os.path.join(folder, f"{code}.geojson"), "w", encoding="utf-8") as f:
            f.write(moved.ExportToJson())
    return folder


def prepare(out, counties, patches, packages_too=True):
    """Generate, import, overlay, sheet and (packages_too) a draft package per county (reused when present)."""
    from demodata import county
    from demodata.season import redline_inputs
    from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
    from land_enforcement_plugin.core.overlay.run import run_overlay
    from land_enforcement_plugin.core.reports import package as submission
    from land_enforcement_plugin.core.review import verification

    codes = CITY_COUNTIES[:counties]
    names = dict(line.strip().split(",", 1) for line in open(os.path.join(
        ROOT, "land_enforcement_plugin", "data", "counties.csv"), encoding="utf-8") if "," in line)
    # The generator knows three bundled counties; the bench gives it the moved ones and a size of its own.
    county.COUNTIES_DIR = _boundaries(out, codes)
    county.COUNTY_NAMES.update({code: names.get(code, code) for code in codes})
    county.SIZES["city_bench"] = {"townships": 12, "parcels": 3000, "patches": patches, "photo_patches": 1,
                                  "pbf_blocks": 60}
    packages = os.path.join(out, "packages")
    os.makedirs(packages, exist_ok=True)
    tasks = []
    for seed, code in enumerate(codes, start=1):
        folder = _county_folder(out, code)
        task = os.path.join(folder, f"task_{code}.gpkg")
        package = os.path.join(packages, f"{code}.zip")
        if not os.path.exists(task):
            started = time.perf_counter()
            demo = county.generate_county(folder, county_code=code, size="city_bench", seed=seed)
            import_patches(task, ImportOptions(demo["patches"]))
            run_overlay(task, redline_inputs(demo["redlines"]))
            verification.import_spreadsheet(task, demo["verification_xlsx"], accept_partial=True)
            print(f"  {code}: task in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        if packages_too and not os.path.exists(package):
            started = time.perf_counter()
            result = submission.build_package(task, os.path.join(folder, "package.zip"),
                                              submission.PackageOptions(draft=True, evidence=False, overwrite=True))
            os.replace(result.path, package)
            print(f"  {code}: package in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        tasks.append((code, task))
    return tasks


def _peak_mib():
    # VmHWM, not ru_maxrss: the latter survives exec and would report the parent's peak.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def run_packages(out):
    from land_enforcement_plugin.core.reports import city

    started = time.perf_counter()
    summary = city.run_city_summary([os.path.join(out, "packages")], os.path.join(out, "city.gpkg"),
                                    os.path.join(out, "city.xlsx"))
    return {"seconds": time.perf_counter() - started, "counties": len(summary.county_rows()),
            "patches": summary.city_row()["patch_count"], "conflicts": len(summary.conflicts)}


def run_postgis(out):
    """Upload every task into its schema of a private cluster (reported, not counted), then the
    city summary in SQL."""
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    import pg_cluster

    from land_enforcement_plugin.core.reports import city_postgis
    from land_enforcement_plugin.core.season.transfer import upload_task

    cluster = pg_cluster.PrivateCluster(service=BENCH_SERVICE).start()
    os.environ["PGSERVICEFILE"] = cluster.service_file
    try:
        started = time.perf_counter()
        for code in sorted(os.listdir(os.path.join(out, "counties"))):
            upload_task(os.path.join(_county_folder(out, code), f"task_{code}.gpkg"),
                        f"pg:service={BENCH_SERVICE}/task_{code}")
        cluster._psql(cluster.dbname, "VACUUM ANALYZE")
        upload_seconds = time.perf_counter() - started
        started = time.perf_counter()
        summary = city_postgis.summarise_postgis(f"pg:service={BENCH_SERVICE}/city")
        return {"seconds": time.perf_counter() - started, "upload_seconds": upload_seconds,
                "counties": len(summary.county_rows()), "patches": summary.city_row()["patch_count"],
                "conflicts": len(summary.conflicts)}
    finally:
        cluster.stop()


def child(kind, out):
    qgis_app()
    figures = {"packages": run_packages, "postgis": run_postgis}[kind](out)
    figures["peak_mib"] = _peak_mib()
    print(json.dumps(figures))


def measure(kind, out):
    completed = subprocess.run([sys.executable, __file__, "--child", kind, "--out", out],
                               capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "city_bench"))
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--patches", type=int, default=20000)
    parser.add_argument("--source", choices=["packages", "postgis", "both"], default="both")
    parser.add_argument("--child", choices=["packages", "postgis"])
    args = parser.parse_args()
    if args.child:
        child(args.child, args.out)
        return
    if not 1 <= args.counties <= len(CITY_COUNTIES):
        parser.error(f"--counties: 1 to {len(CITY_COUNTIES)}")
    out = os.path.join(args.out, f"{args.counties}x{args.patches}")
    qgis_app()
    started = time.perf_counter()
    prepare(out, args.counties, args.patches, packages_too=args.source != "postgis")
    print(f"counties ready in {time.perf_counter() - started:.1f} s (reused when present): {out}")
    kinds = ["packages", "postgis"] if args.source == "both" else [args.source]
    for kind in kinds:
        figures = measure(kind, out)
        extra = f", upload {figures['upload_seconds']:.1f} s (not counted)" if "upload_seconds" in figures else ""
        print(f"city summary from {kind:8s}: {figures['counties']} counties x {args.patches} patches "
              f"({figures['patches']} in all): {figures['seconds']:.1f} s, peak {figures['peak_mib']:.0f} MiB, "
              f"{figures['conflicts']} conflicts{extra}")


if __name__ == "__main__":
    main()
