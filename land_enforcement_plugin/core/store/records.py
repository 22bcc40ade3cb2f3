"""What a task database holds and hands back, as plain records, and who is writing."""
import getpass
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..errors import LandEnforcementError


def now_iso():
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


USER_NAME_SETTING = "land_enforcement/user_name"


def saved_user_name():
    """The person's name the plugin asked for (QGIS user settings, shared by the desktop and
    qgis_process of the same profile), or ''."""
    from qgis.core import QgsSettings

    return QgsSettings().value(USER_NAME_SETTING, "", type=str).strip()


def user_name():
    """Who the audit log names: the saved name, else the computer's login."""
    return saved_user_name() or getpass.getuser()


def set_user_name(name):
    from qgis.core import QgsSettings

    QgsSettings().setValue(USER_NAME_SETTING, name.strip())


def new_task_meta(working_crs, county_code="", county_name="", batch=""):
    return {"working_crs": working_crs, "county_code": county_code, "county_name": county_name,
            "batches": json.dumps([batch] if batch else [], ensure_ascii=False),
            "created_at": now_iso(), "schema_version": "0"}


@dataclass
class PatchRecord:
    """One patch ready to be written: canonical values, geometries as WKB."""

    jcbh: str
    values: dict  # canonical field name -> value (schema.PATCH_SOURCE_FIELDS)
    src_attrs: dict
    wkb: bytes  # repaired MultiPolygon in the working CRS
    source_wkb: bytes  # as delivered, in the source CRS
    note: str = ""
    repaired: bool = False
    row: int = 0  # 1-based feature order in the source
    area_m2: float = None  # ellipsoidal area of the new shape (for a re-check mark when it changed)
    batch: str = None  # its own batch (one per PC value); None: the import's batch


@dataclass
class SourceFile:
    path: str
    sha256: str
    size: int
    encoding: str
    source_crs: str
    layer: str
    mapping: dict
    feature_count: int


@dataclass
class ImportIssue:
    row: int  # 1-based feature order in the source; 0 for a file-level issue
    jcbh: str
    severity: str  # "rejected", "repaired", "note"
    code: str
    zh: str
    en: str
    area_before: float = None
    area_after: float = None


@dataclass
class MergeSummary:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_absent: list = field(default_factory=list)  # earlier patches of the batch not in this file
    reshaped: list = field(default_factory=list)  # JCBH of patches re-delivered with another shape


@dataclass
class TaskSummary:
    path: str
    county_code: str
    county_name: str
    batches: list
    working_crs: str
    patch_count: int
    verified_count: int
    schema_version: int


class VerificationConflict(LandEnforcementError):
    """Someone else saved the same patch since this edit began: their values and ours."""

    def __init__(self, conflicts):
        self.conflicts = conflicts  # (jcbh, field, theirs, mine)
        first = conflicts[0]
        super().__init__(
            f"图斑 {first[0]} 已被他人修改：{len(conflicts)} 个字段不同（如 {first[1]}：对方为“{first[2]}”，"
            f"您为“{first[3]}”），未保存",
            f"Patch {first[0]} was changed by someone else: {len(conflicts)} fields differ (e.g. {first[1]}: "
            f"theirs '{first[2]}', yours '{first[3]}'); nothing was saved")
