"""The task database behind one narrow interface.

A task is one county + batch season of enforcement work. `TaskStore` (base) is what the rest of
the plugin talks to; `GeoPackageTaskStore` keeps it in one GeoPackage file that also opens in
plain QGIS, `PostgisTaskStore` in a schema of a bureau's shared PostGIS database. A location
names either: a file path, or pg:<connection>/<schema>.

    with open_task(location) as store:
        ...

Modules: records (what the store hands back), sql (the one SQL quoting), tables and
migrations (the schema), base (TaskStore, OgrTaskStore's connection, transactions, metadata and
audit) with its feature mixins (patch_tables, review_tables, season_tables), geopackage,
postgis (+ postgis_connection, postgis_security: bureau mode).
"""
from .base import OgrTaskStore, TaskStore
from .geopackage import GeoPackageTaskStore
from .postgis import PostgisTaskStore
from .postgis_connection import POSTGIS_PREFIX, is_postgis
from .records import (
    USER_NAME_SETTING,
    ImportIssue,
    MergeSummary,
    PatchRecord,
    SourceFile,
    TaskSummary,
    VerificationConflict,
    new_task_meta,
    now_iso,
    saved_user_name,
    set_user_name,
    user_name,
)

__all__ = ["POSTGIS_PREFIX", "USER_NAME_SETTING", "GeoPackageTaskStore", "ImportIssue", "MergeSummary", "OgrTaskStore",
           "PatchRecord", "PostgisTaskStore", "SourceFile", "TaskStore", "TaskSummary", "VerificationConflict",
           "create_task", "is_postgis", "new_task_meta", "now_iso", "open_task", "saved_user_name", "set_user_name",
           "task_exists", "task_files_folder", "task_name", "user_name"]


def store_class(location):
    """The backend of a location: PostgisTaskStore for pg:<connection>/<schema>, else a GeoPackage."""
    return PostgisTaskStore if is_postgis(location) else GeoPackageTaskStore


def open_task(location):
    """The task at `location` (use it as a context manager to close it)."""
    return store_class(location).open(location)


def create_task(location, working_crs, county_code="", county_name="", batch=""):
    return store_class(location).create(location, working_crs, county_code, county_name, batch)


def task_exists(location):
    return store_class(location).exists(location)


def task_files_folder(location):
    """The folder holding a task's files (photo copies, default package): beside a GeoPackage,
    under the user's home for a PostGIS task."""
    return store_class(location).files_folder(location)


def task_name(location):
    return store_class(location).task_name(location)
