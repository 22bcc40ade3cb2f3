"""A task database in one GeoPackage file, which also opens in plain QGIS."""
import os
import shutil
import sqlite3
import time

from osgeo import gdal, ogr

from .. import schema
from ..errors import LandEnforcementError
from .base import OgrTaskStore
from .records import new_task_meta


class GeoPackageTaskStore(OgrTaskStore):
    """A task database in one GeoPackage file."""

    provider = "ogr"  # the QGIS data provider of its layers
    busy_timeout_s = 20  # how long opening or writing waits for another connection's write lock

    def __init__(self, path, ds):
        super().__init__(path, ds)
        # Every connection waits (up to 20 s) for another one's lock instead of failing with
        # "database is locked": a verdict saved while the figures are written in the background,
        # or while QGIS draws the task's layers, is then written a moment later.
        ds.ExecuteSQL(f"PRAGMA busy_timeout = {self.busy_timeout_s * 1000}")

    @classmethod
    def create(cls, path, working_crs, county_code="", county_name="", batch=""):
        if os.path.exists(path):
            raise LandEnforcementError(f"任务库已存在：{path}", f"Task database already exists: {path}")
        ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
        store = cls(path, ds)
        ds = None
        try:
            store.initialise(new_task_meta(working_crs, county_code, county_name, batch))
        except Exception:
            store.discard()
            raise
        return store

    def discard(self):
        """Remove a task that never got its first import (creation is undone, not left behind)."""
        self.close()
        os.remove(self.path)

    @classmethod
    def open(cls, path):
        if not os.path.exists(path):
            raise LandEnforcementError(f"任务库不存在：{path}", f"Task database not found: {path}")
        if os.path.isfile(path) and os.path.getsize(path) == 0:
            raise LandEnforcementError(
                f"此位置的文件是空的（0 字节，可能是中断的导入留下的），不是任务库：{path}。请删除它或另选文件名",
                f"The file at this path is empty (0 bytes, perhaps left by an interrupted import), not a task "
                f"database: {path}. Delete it or choose another name")
        ds = cls._open_waiting(path)
        if ds.GetLayerByName(schema.META_TABLE) is None:
            raise LandEnforcementError(f"该 GeoPackage 不是卫片执法任务库：{path}",
                                       f"This GeoPackage is not a land-enforcement task database: {path}")
        store = cls(path, ds)
        version = int(store.meta().get("schema_version", 0))
        if version < schema.SCHEMA_VERSION:
            # An upgraded task no longer opens in an older plugin: keep the file as it was.
            backup = f"{os.path.splitext(path)[0]}_schema{version}_backup.gpkg"
            if not os.path.exists(backup):
                shutil.copy2(path, backup)
        store.migrate()
        return store

    @classmethod
    def _open_waiting(cls, path):
        """The GeoPackage opened for update. While another process is in its write phase (it holds
        SQLite's exclusive lock, so not even the header can be read), wait for it like a save does."""
        deadline = time.monotonic() + cls.busy_timeout_s
        while True:
            try:
                return gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_UPDATE, allowed_drivers=["GPKG"])
            except RuntimeError as exc:
                busy = _locked_by_another(path)
                if busy and time.monotonic() < deadline:
                    time.sleep(0.2)  # GDAL itself already waited a few seconds
                    continue
                if busy:
                    raise LandEnforcementError(
                        f"任务库正忙：另一个程序正在写入，等待 {cls.busy_timeout_s} 秒后仍未结束，请稍后再试：{path}",
                        f"The task database is busy: another program is writing to it and had not finished "
                        f"after {cls.busy_timeout_s} s; try again shortly: {path}") from exc
                raise LandEnforcementError(f"无法打开任务库（不是 GeoPackage？）：{path}",
                                           f"Cannot open the task database (not a GeoPackage?): {path}") from exc

    @staticmethod
    def exists(path):
        return os.path.exists(path)

    @staticmethod
    def files_folder(path):
        """The folder holding a task's files (photo copies, default package): beside the GeoPackage."""
        return os.path.dirname(os.path.abspath(path))

    @staticmethod
    def task_name(path):
        return os.path.splitext(os.path.basename(path))[0]

    def uri(self, table):
        return f"{self.path}|layername={table}"

    def _take_write_lock(self):
        """SQLite's write lock taken first, before any read (what BEGIN IMMEDIATE does; OGR begins
        deferred): a transaction that read first and then wants to write, while another connection
        writes, fails with "database is locked" at once instead of waiting its turn."""
        self._ds.ExecuteSQL("UPDATE gpkg_contents SET table_name = table_name WHERE 0")  # in every GeoPackage


def _locked_by_another(path):
    """Whether the SQLite file at `path` cannot be read now because another connection holds its
    write lock (rather than not being a database at all)."""
    try:
        connection = sqlite3.connect(path, timeout=0)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc) or "busy" in str(exc)
    except sqlite3.DatabaseError:
        return False  # "file is not a database"
    return False
