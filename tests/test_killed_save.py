"""Killing QGIS mid-save leaves the last committed state intact (a real killed process)."""
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

from conftest import ROOT, SQUARE, patch_row, shift, write_patches

from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.store import GeoPackageTaskStore

WRITER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from land_enforcement_plugin.core.store import GeoPackageTaskStore

    store = GeoPackageTaskStore.open({task!r})
    original = GeoPackageTaskStore.audit
    calls = [0]

    def slow_audit(self, *args, **kwargs):
        original(self, *args, **kwargs)
        calls[0] += 1
        if calls[0] == 3:
            print("writing", flush=True)  # inside the transaction, some rows written
            time.sleep(60)

    GeoPackageTaskStore.audit = slow_audit
    store.apply_verifications({{f"P{{i}}": {{"verdict": "违法", "inspector": "kill"}} for i in range(1, 6)}}, "form")
""")


def test_killed_save_leaves_the_committed_state(tmp_path, task_path):
    rows = [patch_row(f"P{i}", wkt=shift(SQUARE, 0.01 * i)) for i in range(1, 6)]
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "p.shp"), rows)))
    store = GeoPackageTaskStore.open(task_path)
    store.apply_verifications({"P1": {"verdict": "合法", "inspector": "before"}}, "form")
    store.close()

    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=ROOT, task=task_path))
    writer = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "writing"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()

    connection = sqlite3.connect(task_path)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    connection.close()
    with GeoPackageTaskStore.open(task_path) as store:
        assert store.verifications() == {"P1": dict(store.verifications()["P1"], verdict="合法", inspector="before")}
        assert [e["new_value"] for e in store.audit_entries() if e["entity"] == "verification"
                and e["field"] == "inspector"] == ["before"]
