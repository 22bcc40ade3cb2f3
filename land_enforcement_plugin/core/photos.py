"""Field photos: EXIF position, time and direction; matching files to patches; plausibility checks.

Photos are copied into `<task>_photos/<JCBH>/` beside the task database (the originals are never
moved or changed) and recorded in the `photos` point layer, so the task folder carries its
evidence and the points show on the map with their direction.
"""
import datetime
import os
import re
import shutil
from dataclasses import dataclass, field

from qgis.core import (QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsCoordinateTransformContext,
                       QgsGeometry, QgsPointXY)

from . import schema
from .dates import parse_image_date, period_or_none
from .errors import LandEnforcementError
from .reproducible import file_sha256
from .store import open_task, task_files_folder, task_name

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".heic", ".tif", ".tiff")
_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 36867


@dataclass
class PhotoInfo:
    path: str
    longitude: float = None
    latitude: float = None
    taken_at: str = None  # ISO date-time as the camera wrote it (local time)
    direction: float = None  # degrees clockwise from north


@dataclass
class AttachResult:
    added: int
    skipped: int
    warnings: list = field(default_factory=list)  # (jcbh, file, zh, en)


def _degrees(value, ref):
    degrees, minutes, seconds = (float(v) for v in value)
    result = degrees + minutes / 60 + seconds / 3600
    return -result if ref in ("S", "W") else result


def read_exif(path):
    """Position, time and direction from a photo's EXIF; missing parts stay None."""
    try:
        from PIL import Image
    except ImportError as exc:
        raise LandEnforcementError("缺少 Python 包 Pillow，无法读取照片 EXIF",
                                   "The Python package Pillow is missing; cannot read photo EXIF") from exc
    info = PhotoInfo(path)
    try:
        with Image.open(path) as image:
            exif = image.getexif()
    except OSError:
        return info  # not an image Pillow can read: attached without position
    gps = exif.get_ifd(_GPS_IFD)
    if 2 in gps and 4 in gps:
        info.latitude = _degrees(gps[2], gps.get(1, "N"))
        info.longitude = _degrees(gps[4], gps.get(3, "E"))
    if 17 in gps:
        info.direction = float(gps[17])
    taken = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(306)
    if taken:
        try:
            info.taken_at = datetime.datetime.strptime(str(taken).strip(), "%Y:%m:%d %H:%M:%S").isoformat()
        except ValueError:
            info.taken_at = None
    return info


def match_folder(folder, jcbhs):
    """{jcbh: [photo paths]} for files whose name starts with a known JCBH (e.g. <JCBH>_1.jpg).
    The longest matching JCBH wins, so 12 never takes 123's photos."""
    ordered = sorted(jcbhs, key=len, reverse=True)
    matches = {}
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            if not name.lower().endswith(PHOTO_SUFFIXES):
                continue
            stem = os.path.splitext(name)[0]
            jcbh = next((j for j in ordered if stem == j or re.match(re.escape(j) + r"[-_ ()（）]", stem)), None)
            if jcbh is not None:
                matches.setdefault(jcbh, []).append(os.path.join(root, name))
    return matches


def photo_folder(task_path):
    return os.path.join(task_files_folder(task_path), task_name(task_path) + "_photos")


def photo_path(task_path, file):
    """Where a photo recorded as `file` (relative to the task's folder) is now. A task renamed
    together with its photo folder still finds its photos."""
    recorded = os.path.join(task_files_folder(task_path), file)
    if os.path.exists(recorded):
        return recorded
    inside = file.replace("\\", "/").split("/", 1)[-1]  # the part below <old task name>_photos/
    return os.path.join(photo_folder(task_path), inside)


def fetch_missing(task_path, store, rows):
    """Bring photos recorded by a colleague (kept in a shared task) onto this computer, where
    the rest of the plugin finds them: the same place as on the computer that attached them."""
    if not store.keeps_photo_files:
        return 0
    fetched = 0
    for row in rows:
        local = os.path.join(task_files_folder(task_path), row["file"])
        if os.path.exists(local):
            continue
        data = store.photo_file(row["jcbh"], row["sha256"])
        if data is None:
            continue
        os.makedirs(os.path.dirname(local), exist_ok=True)
        partial = local + ".partial"
        with open(partial, "wb") as f:
            f.write(data)
        os.replace(partial, local)
        fetched += 1
    return fetched


def _checks(info, point, patch, later_image_date, max_distance):
    """(distance to the patch in m, warnings as (zh, en)) of one photo."""
    warnings = []
    distance = None
    if point is None:
        warnings.append(("照片没有 GPS 位置", "The photo has no GPS position"))
    else:
        distance = point.distance(patch)
        if distance > max_distance:
            warnings.append((f"照片距图斑 {distance:.0f} 米（超过 {max_distance:.0f} 米）",
                             f"The photo is {distance:.0f} m from the patch (more than {max_distance:.0f} m)"))
    later = period_or_none(later_image_date)  # a day, or a month: then its first day counts
    taken = datetime.date.fromisoformat(info.taken_at[:10]) if info.taken_at else None
    if taken and later and taken < later[0]:
        shown = parse_image_date(later_image_date)
        warnings.append((f"拍摄时间 {taken.isoformat()} 早于后时相 {shown}",
                         f"Taken {taken.isoformat()}, before the later image date {shown}"))
    return distance, warnings


_DISTANCE_KEY = "photo_max_distance_m"


def task_photo_distance(store):
    """How far (m) a photo may lie from its patch before it is flagged: a per-task setting."""
    return float(store.meta().get(_DISTANCE_KEY) or schema.PHOTO_MAX_DISTANCE_M)


def set_task_photo_distance(store, metres):
    store.set_meta(**{_DISTANCE_KEY: repr(float(metres))})


def attach_photos(task_path, by_jcbh, max_distance=None):
    """Copy and record photos: {jcbh: [paths]}. The same photo attached twice is skipped.
    max_distance defaults to the task's setting."""
    store = open_task(task_path)
    try:
        max_distance = max_distance if max_distance is not None else task_photo_distance(store)
        working = QgsCoordinateReferenceSystem(store.meta()["working_crs"])
        to_working = QgsCoordinateTransform(QgsCoordinateReferenceSystem(schema.CGCS2000_GEOGRAPHIC), working,
                                            QgsCoordinateTransformContext())
        rows, warnings, skipped = [], [], 0
        for jcbh, paths in by_jcbh.items():
            patch_info = store.patch_geometry(jcbh)
            if patch_info is None:
                raise LandEnforcementError(f"任务库中没有监测编号“{jcbh}”", f"Unknown monitoring number '{jcbh}'")
            patch = QgsGeometry()
            patch.fromWkb(patch_info[0])
            target_dir = os.path.join(photo_folder(task_path), safe_name(jcbh))
            for path in paths:
                info = read_exif(path)
                point = None
                if info.longitude is not None:
                    point = QgsGeometry.fromPointXY(to_working.transform(QgsPointXY(info.longitude, info.latitude)))
                distance, problems = _checks(info, point, patch, patch_info[1], max_distance)
                digest = file_sha256(path)[0]
                os.makedirs(target_dir, exist_ok=True)
                name = f"{digest[:8]}_{os.path.basename(path)}"
                target = os.path.join(target_dir, name)
                if not os.path.exists(target):
                    shutil.copy2(path, target)
                warnings += [(jcbh, os.path.basename(path), zh, en) for zh, en in problems]
                rows.append({"jcbh": jcbh, "file": os.path.relpath(target, task_files_folder(task_path)),
                             "sha256": digest, "taken_at": info.taken_at, "direction": info.direction,
                             "distance_m": distance, "warnings": "；".join(zh for zh, _ in problems) or None,
                             "wkb": bytes(point.asWkb()) if point is not None else None})
        added = store.add_photos(rows)
        if store.keeps_photo_files:  # a shared task: colleagues on other computers see them too
            for row in rows:
                with open(photo_path(task_path, row["file"]), "rb") as f:
                    store.put_photo_file(row["jcbh"], row["sha256"], f.read())
        skipped = len(rows) - added
        return AttachResult(added, skipped, warnings)
    finally:
        store.close()


def safe_name(jcbh):
    """A folder name from a JCBH: no separators, no parent references."""
    cleaned = re.sub(r"[^0-9A-Za-z_\-\u4e00-\u9fff]", "_", jcbh)
    return cleaned.strip(".") or "_"
