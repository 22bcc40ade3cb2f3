"""The staging folder of an export: a hidden folder beside the output where the package is assembled,
locked while the export runs, and removed by a later export when a killed one left it behind."""
import os
import shutil
import tempfile
import time

STAGING_PREFIX = ".package-"
_STAGING_LOCK = "export.lock"
STALE_STAGING_AFTER_S = 24 * 3600  # no export takes a day: an older staging folder was left by a killed one


def _lock_file(handle):
    """Lock an open file for as long as this process keeps it open (the system drops the lock when
    the process dies, however it dies); OSError when another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def new_staging(folder):
    """(path, open lock file) of a hidden folder beside the output for assembling the package,
    locked until the lock file is closed (its text names the process, for a person looking)."""
    staging = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder)
    lock = open(os.path.join(staging, _STAGING_LOCK), "w", encoding="utf-8")
    lock.write(f"exporting process {os.getpid()}\n")
    lock.flush()
    _lock_file(lock)
    return staging, lock


def _staging_in_use(staging):
    lock_path = os.path.join(staging, _STAGING_LOCK)
    if not os.path.exists(lock_path):
        return False
    try:
        with open(lock_path, "a", encoding="utf-8") as handle:
            _lock_file(handle)
    except OSError:
        return True
    return False


def remove_stale_staging(folder):
    """Remove the staging folders that exports killed mid-way left in `folder`: older than a day and
    not locked by a running export. Returns the paths removed."""
    removed = []
    now = time.time()
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        path = os.path.join(folder, name)
        if not name.startswith(STAGING_PREFIX) or os.path.islink(path) or not os.path.isdir(path):
            continue
        lock_path = os.path.join(path, _STAGING_LOCK)
        started = os.path.getmtime(lock_path if os.path.exists(lock_path) else path)
        if now - started < STALE_STAGING_AFTER_S or _staging_in_use(path):
            continue
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path):
            removed.append(path)
    return removed
