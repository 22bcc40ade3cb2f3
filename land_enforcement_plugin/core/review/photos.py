"""Field photos: EXIF position, time and direction; matching files to patches; plausibility checks.

Photos are copied into `<task>_photos/<JCBH>/` beside the task database (the originals are never
moved or changed) and recorded in the `photos` point layer, so the task folder carries its
evidence and the points show on the map with their direction.
"""
import datetime
import hashlib
import math
import os
import re
import shutil
from dataclasses import dataclass, field

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsCsException,
    QgsGeometry,
    QgsPointXY,
)

from .. import schema
from ..dates import parse_image_date, period_or_none
from ..errors import LandEnforcementError
from ..files import safe_name
from ..messages import NOT_ATTACHED, missing_package, unknown_jcbh
from ..reproducible import file_sha256
from ..store import open_task, task_files_folder, task_name

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".heic", ".tif", ".tiff")
_HEIC_SUFFIXES = (".heic", ".heif")
# What cameras, phones and file managers leave in a photo folder: never worth a line in the report.
_FOLDER_CLUTTER = ("thumbs.db", "desktop.ini", ".ds_store")
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
    notes: list = field(default_factory=list)  # (zh, en): EXIF that was there but could not be used


@dataclass
class AttachResult:
    added: int
    skipped: int
    warnings: list = field(default_factory=list)  # (jcbh, file, zh, en): attached, with a warning
    refused: list = field(default_factory=list)  # (jcbh or None, file, zh, en): not attached, and why

    def lines(self, chinese=None):
        """The report: refused files first, then warnings; in one language, or both (chinese=None)."""
        out = []
        for jcbh, name, zh, en in self.refused + self.warnings:
            text = f"{zh} / {en}" if chinese is None else zh if chinese else en
            out.append(f"{jcbh + ' ' if jcbh else ''}{name}: {text}")
        return out


class FolderMatch(dict):
    """{jcbh: [photo paths]} of a folder, and the files in it that match no patch (`unmatched`:
    (file, zh, en)), so that the report names every file the staff sent."""

    def __init__(self, matches=(), unmatched=()):
        super().__init__(matches)
        self.unmatched = list(unmatched)


def _degrees(value, ref):
    """Decimal degrees from EXIF degrees/minutes/seconds; ValueError for anything else (one value
    instead of three, a 0/0 rational, a value off the globe)."""
    try:
        degrees, minutes, seconds = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise ValueError(repr(value)) from exc
    result = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(result):
        raise ValueError(repr(value))
    return -result if ref in ("S", "W") else result


def _position(gps):
    """(longitude, latitude) of an EXIF GPS block, or a note (zh, en) why it cannot be used."""
    try:
        latitude = _degrees(gps[2], gps.get(1, "N"))
        longitude = _degrees(gps[4], gps.get(3, "E"))
    except ValueError as exc:
        return None, (f"照片 GPS 位置无法读取（{exc}），按无位置处理",
                      f"The photo's GPS position cannot be read ({exc}); treated as having none")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None, (f"照片 GPS 位置超出地球范围（经度 {longitude:g}，纬度 {latitude:g}），按无位置处理",
                      f"The photo's GPS position is off the globe (longitude {longitude:g}, latitude "
                      f"{latitude:g}); treated as having none")
    return (longitude, latitude), None


def read_exif(path):
    """Position, time and direction from a photo's EXIF; missing or unusable parts stay None (an
    unusable part is named in `notes`)."""
    try:
        from PIL import Image
    except ImportError as exc:
        raise missing_package("Pillow", "读取照片 EXIF", "read photo EXIF").error() from exc
    info = PhotoInfo(path)
    try:
        with Image.open(path) as image:
            exif = image.getexif()
            gps = exif.get_ifd(_GPS_IFD)
            taken = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(306)
    except Exception:  # Pillow raises many kinds on damaged EXIF: the photo simply has none
        info.notes.append(("照片的 EXIF 已损坏，无位置和时间", "The photo's EXIF is damaged; no position or time"))
        return info
    if 2 in gps and 4 in gps:
        position, note = _position(gps)
        if position:
            info.longitude, info.latitude = position
        else:
            info.notes.append(note)
    if 17 in gps:
        try:
            direction = float(gps[17])
        except (TypeError, ValueError, ZeroDivisionError):
            direction = None
        info.direction = direction if direction is not None and 0 <= direction <= 360 else None
    if taken:
        try:
            info.taken_at = datetime.datetime.strptime(str(taken).strip(), "%Y:%m:%d %H:%M:%S").isoformat()
        except ValueError:
            info.taken_at = None
    return info


def image_problem(path):
    """Why the file at `path` is not a photo that can count as evidence, as (zh, en); None when it
    decodes as an image. The name is not trusted: a text file or a half-copied photo called .jpg
    is refused."""
    if os.path.getsize(path) == 0:
        return "空文件（0 字节），不是照片", "Empty file (0 bytes), not a photo"
    from PIL import Image

    if path.lower().endswith(_HEIC_SUFFIXES):
        try:  # read when the optional HEIC library is installed
            from pillow_heif import register_heif_opener
        except ImportError:
            return ("HEIC 照片请先转为 JPEG（本机无法读取 HEIC）",
                    "HEIC photos must be converted to JPEG first (HEIC cannot be read here)")
        register_heif_opener()
    try:
        with Image.open(path) as image:
            # A JPEG decoded at 1/8 scale still reads all its data (a truncated file fails here),
            # in a fraction of the time and memory of the full picture.
            image.draft("RGB", (max(image.width // 8, 1), max(image.height // 8, 1)))
            image.load()
    except Image.DecompressionBombError:
        return "图像尺寸异常巨大，不是正常照片", "The image is implausibly large; not a normal photo"
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError, … for what is not an image
        return "文件内容不是可读取的图像（照片损坏或改了扩展名？）", \
            "The file's content is not a readable image (damaged photo or renamed file?)"
    return None


def _jcbh_like(stem):
    """The leading digits of a file name that look like a monitoring number (10 or more)."""
    match = re.match(r"\d{10,}", stem)
    return match.group(0) if match else None


def match_folder(folder, jcbhs):
    """FolderMatch {jcbh: [photo paths]} for files whose name starts with a known JCBH (e.g.
    <JCBH>_1.jpg). The longest matching JCBH wins, so 12 never takes 123's photos. Every other
    file (not a photo, an unknown JCBH, a name that names no patch) is listed in `unmatched`."""
    ordered = sorted(jcbhs, key=len, reverse=True)
    matches, unmatched = {}, []
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            shown = os.path.relpath(os.path.join(root, name), folder)
            if name.lower() in _FOLDER_CLUTTER or name.startswith("~$") or name.startswith("._"):
                continue
            if not name.lower().endswith(PHOTO_SUFFIXES):
                unmatched.append((shown, "不是照片文件（应为 .jpg、.png、.tif），未附加",
                                  "Not a photo file (.jpg, .png, .tif expected); not attached"))
                continue
            stem = os.path.splitext(name)[0]
            jcbh = next((j for j in ordered if stem == j or re.match(re.escape(j) + r"[-_ ()（）]", stem)), None)
            if jcbh is not None:
                matches.setdefault(jcbh, []).append(os.path.join(root, name))
            elif _jcbh_like(stem):
                unmatched.append((shown, *unknown_jcbh(_jcbh_like(stem)).then(NOT_ATTACHED)))
            else:
                unmatched.append((shown, "文件名不以监测编号开头（应如 <监测编号>_1.jpg），未附加",
                                  "The file name does not start with a monitoring number (e.g. <JCBH>_1.jpg); "
                                  "not attached"))
    return FolderMatch(matches, unmatched)


def photo_folder(task_path):
    return os.path.join(task_files_folder(task_path), task_name(task_path) + "_photos")


def photo_path(task_path, file):
    """Where a photo recorded as `file` (relative to the task's folder) is now. A task renamed
    together with its photo folder still finds its photos."""
    return kept_file_path(task_path, file, photo_folder(task_path))


def kept_file_path(task_path, file, folder):
    """Where a file recorded as `file` (relative to the task's folder: <task name>_<kind>/...) is
    now: there, or in `folder` (the task's <kind> folder) once the task was renamed or uploaded."""
    recorded = os.path.join(task_files_folder(task_path), file)
    if os.path.exists(recorded):
        return recorded
    inside = file.replace("\\", "/").split("/", 1)[-1]  # the part below <old task name>_<kind>/
    return os.path.join(folder, inside)


def fetch_missing(task_path, store, rows):
    """Bring photos recorded by a colleague (kept in a shared task) onto this computer, where
    the rest of the plugin finds them: the same place as on the computer that attached them.
    Then every photo of `rows` found is checked against its recorded SHA-256: a photo whose bytes
    were replaced (on disk or in the shared database) is refused, never put in a package or on
    an evidence sheet."""
    return fetch_kept_files(task_path, rows, store.keeps_photo_files and (
        lambda row: store.photo_file(row["jcbh"], row["sha256"])), lambda row: photo_path(task_path, row["file"]),
        ("张照片", "photo(s)", "照片", "photos"))


def fetch_kept_files(task_path, rows, kept, located, what):
    """Files of `rows` (dicts with file, sha256) a shared task keeps in its database (kept(row) ->
    bytes or None; falsy for a task that keeps none) written where they were recorded when missing
    here, then every one found (located(row) -> path) checked against its SHA-256: any mismatch
    refuses them all (LandEnforcementError). what: (zh counter+noun, en noun, zh noun, en noun)
    for the message. Returns how many were fetched."""
    fetched = 0
    replaced = []
    for row in rows:
        local = os.path.join(task_files_folder(task_path), row["file"])
        if not kept or os.path.exists(local):
            continue
        data = kept(row)
        if data is None:
            continue
        if hashlib.sha256(data).hexdigest() != row["sha256"]:
            replaced.append(row["file"])
            continue
        os.makedirs(os.path.dirname(local), exist_ok=True)
        partial = local + ".partial"
        with open(partial, "wb") as f:
            f.write(data)
        os.replace(partial, local)
        fetched += 1
    replaced += [row["file"] for row in rows if os.path.isfile(located(row))
                 and file_sha256(located(row))[0] != row["sha256"]]
    if replaced:
        counted, noun, zh_noun, en_noun = what
        raise LandEnforcementError(
            f"{len(replaced)} {counted}的内容与记录的 SHA-256 不符（被替换过），已拒绝：{replaced[0]} 等。"
            f"请重新附上原始{zh_noun}",
            f"{len(replaced)} {noun} do not match their recorded SHA-256 (replaced since attached) and are "
            f"refused: {replaced[0]} and others. Attach the original {en_noun} again")
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


def _future_time(info, today):
    """A photo time after today, as (zh, en): the camera's clock is wrong, or the time was edited."""
    if info.taken_at and info.taken_at[:10] > today:
        return (f"拍摄时间 {info.taken_at[:10]} 晚于今天（相机时钟有误？）",
                f"Taken {info.taken_at[:10]}, after today (is the camera's clock wrong?)")
    return None


def _working_point(info, to_working):
    """The photo's position in the task's working CRS, or None (with a note) when it has none or
    the position cannot be projected there."""
    if info.longitude is None:
        return None
    try:
        point = to_working.transform(QgsPointXY(info.longitude, info.latitude))
    except QgsCsException:
        point = None
    if point is None or not (math.isfinite(point.x()) and math.isfinite(point.y())):
        info.notes.append((f"照片 GPS 位置（经度 {info.longitude:g}，纬度 {info.latitude:g}）"
                           "无法换算到任务坐标系，按无位置处理",
                           f"The photo's GPS position ({info.longitude:g}, {info.latitude:g}) cannot be projected "
                           f"to the task's CRS; treated as having none"))
        return None
    return QgsGeometry.fromPointXY(point)


def _copy_new(source, target):
    """Copy a photo whole (through a partial file) unless the copy is already there; True when copied."""
    if os.path.exists(target):
        return False
    os.makedirs(os.path.dirname(target), exist_ok=True)
    partial = target + ".partial"
    shutil.copy2(source, partial)
    os.replace(partial, target)
    return True


def _remove_copies(paths):
    """Undo a batch: the copies it made, and the patch folders it left empty."""
    for path in paths:
        for leftover in (path, path + ".partial"):
            if os.path.exists(leftover):
                os.remove(leftover)
        try:
            os.rmdir(os.path.dirname(path))
        except OSError:
            pass  # the folder holds photos attached earlier


def attach_photos(task_path, by_jcbh, max_distance=None, feedback=None):
    """Copy and record photos: {jcbh: [paths]}, or a FolderMatch (its unmatched files are reported).

    A file that does not decode as an image, or is given for an unknown patch, is refused and
    listed; a photo whose EXIF position is unusable is attached with a warning. The same photo
    attached twice is skipped. A batch that fails or is cancelled leaves no copies and no rows.
    max_distance defaults to the task's setting."""
    store = open_task(task_path)
    copied = []
    try:
        max_distance = max_distance if max_distance is not None else task_photo_distance(store)
        working = QgsCoordinateReferenceSystem(store.meta()["working_crs"])
        to_working = QgsCoordinateTransform(QgsCoordinateReferenceSystem(schema.CGCS2000_GEOGRAPHIC), working,
                                            QgsCoordinateTransformContext())
        refused = [(None, name, zh, en) for name, zh, en in getattr(by_jcbh, "unmatched", ())]
        rows, copies, warnings = [], [], []
        today = datetime.date.today().isoformat()
        total = max(sum(len(paths) for paths in by_jcbh.values()), 1)
        for jcbh, paths in by_jcbh.items():
            patch_info = store.patch_geometry(jcbh)
            if patch_info is None:
                refused += [(jcbh, os.path.basename(path), *unknown_jcbh(jcbh).then(NOT_ATTACHED)) for path in paths]
                continue
            patch = QgsGeometry()
            patch.fromWkb(patch_info[0])
            target_dir = os.path.join(photo_folder(task_path), safe_name(jcbh))
            for path in paths:
                _step(feedback, 80.0 * (len(rows) + len(refused)) / total)
                problem = image_problem(path)
                if problem:
                    refused.append((jcbh, os.path.basename(path), *problem))
                    continue
                info = read_exif(path)
                point = _working_point(info, to_working)
                distance, problems = _checks(info, point, patch, patch_info[1], max_distance)
                problems = info.notes + problems + [p for p in [_future_time(info, today)] if p]
                digest = file_sha256(path)[0]
                target = os.path.join(target_dir, f"{digest[:8]}_{os.path.basename(path)}")
                copies.append((path, target))  # also restores a copy lost since an earlier attach
                warnings += [(jcbh, os.path.basename(path), zh, en) for zh, en in problems]
                rows.append({"jcbh": jcbh, "file": os.path.relpath(target, task_files_folder(task_path)),
                             "sha256": digest, "taken_at": info.taken_at, "direction": info.direction,
                             "distance_m": distance, "warnings": "；".join(zh for zh, _ in problems) or None,
                             "wkb": bytes(point.asWkb()) if point is not None else None})
        for index, (source, target) in enumerate(copies):
            _step(feedback, 80 + 15.0 * index / max(len(copies), 1))
            if _copy_new(source, target):
                copied.append(target)
        added = store.add_photos(rows)
        copied.clear()  # recorded: the copies now belong to the task
        if store.keeps_photo_files:  # a shared task: colleagues on other computers see them too
            for row in rows:
                with open(photo_path(task_path, row["file"]), "rb") as f:
                    store.put_photo_file(row["jcbh"], row["sha256"], f.read())
        if feedback is not None:
            feedback.setProgress(100)
        skipped = len(rows) - added
        return AttachResult(added, skipped, warnings, refused)
    except BaseException:
        _remove_copies(copied)
        raise
    finally:
        store.close()


def _step(feedback, percent):
    if feedback is None:
        return
    if feedback.isCanceled():
        raise LandEnforcementError("附加照片已取消，未附加任何照片",
                                   "Attaching photos cancelled; no photo was attached")
    feedback.setProgress(percent)
