"""Digest of the overlay's stored results on the bench county: run the overlay on a fresh copy of the
task and dump every patch's and township part's stored values (sorted, no timestamps) with a SHA-256.
Two trees give byte-identical dumps when their overlay results are the same."""
import argparse
import hashlib
import os
import shutil
import sqlite3
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))
VOLATILE = ("imported_at", "overlay_at")


def dump(task, out_text):
    con = sqlite3.connect(task)
    lines = []
    for table in ("patches", "patch_townships"):
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")
                if r[1] not in VOLATILE and r[2].upper() not in ("GEOMETRY", "MULTIPOLYGON", "POLYGON", "BLOB")]
        order = ", ".join(c for c in cols if c in ("jcbh", "township_code", "fid")) or "1"
        lines.append(f"## {table}: {', '.join(cols)}")
        for row in con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}"):
            lines.append("\t".join(repr(v) for v in row))
    con.close()
    text = "\n".join(lines) + "\n"
    with open(out_text, "w") as handle:
        handle.write(text)
    return hashlib.sha256(text.encode()).hexdigest(), len(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--dump", required=True)
    args = parser.parse_args()
    import overlay_bench
    overlay_bench.prepare(args.bench, "large", 1)
    overlay_bench._qgis()
    from land_enforcement_plugin.core.overlay.run import run_overlay

    task = args.dump + ".gpkg"
    shutil.copyfile(os.path.join(args.bench, "task.gpkg"), task)
    run_overlay(task, overlay_bench._red_lines(args.bench))
    digest, count = dump(task, args.dump)
    print(f"overlay digest {digest} ({count} lines) -> {args.dump}")


if __name__ == "__main__":
    main()
