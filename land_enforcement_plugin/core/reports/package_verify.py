"""Verifying a received submission package (成果上报包) against its manifest: every file present and
unchanged, nothing extra, safe paths, each file what its extension says; then its Shapefile and
workbook re-read. Every problem is reported; none is a traceback."""
import hashlib
import json
import os
import re
import tempfile
import zipfile
import zlib
from dataclasses import dataclass

from osgeo import ogr

from ..errors import LandEnforcementError
from ..review.photos import PHOTO_SUFFIXES, image_problem
from .package import FORMAT, MANIFEST, shapefile_encoding_honoured


@dataclass
class VerifyReport:
    ok: bool
    problems: list  # (zh, en)
    manifest: dict = None
    checked_files: int = 0

    def lines(self):
        if self.ok:
            return [f"成果包完整：{self.checked_files} 个文件与清单一致 / "
                    f"Package intact: {self.checked_files} files match the manifest"]
        return [f"{zh} / {en}" for zh, en in self.problems]


_UNSAFE = re.compile(r"(^/|^[A-Za-z]:|(^|/)\.\.(/|$)|\\)")
_MANIFEST_MAX_BYTES = 50 * 1024 * 1024  # a real manifest lists thousands of files in well under 1 MB
_CHUNK = 1 << 20
_SHAPEFILE_MAGIC = b"\x00\x00\x27\x0a"  # file code 9994, big-endian, of .shp and .shx
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf")
# What reading a damaged or odd zip member raises: bad CRC, corrupt deflate data, cut-off file,
# an unsupported compression method, encryption.
_ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError)


def _read_zip_manifest(archive):
    names = [n for n in archive.namelist() if n.endswith("/" + MANIFEST) or n == MANIFEST]
    if len(names) != 1:
        raise LandEnforcementError("成果包中没有唯一的 manifest.json", "The package has no single manifest.json")
    if archive.getinfo(names[0]).file_size > _MANIFEST_MAX_BYTES:
        raise LandEnforcementError("manifest.json 大得不合理，不是本插件导出的清单",
                                   "manifest.json is implausibly large; not a manifest this plugin wrote")
    try:
        manifest = json.loads(archive.read(names[0]).decode("utf-8"))
    except (ValueError, *_ZIP_READ_ERRORS) as exc:
        raise LandEnforcementError("manifest.json 无法解析", "manifest.json cannot be parsed") from exc
    if not isinstance(manifest, dict):
        raise LandEnforcementError("manifest.json 无法解析", "manifest.json cannot be parsed")
    return manifest, names[0]


def _listed_files(manifest, problems):
    """{path: {"sha256", "size"}} of the manifest's file list; entries it cannot hold are problems."""
    listed = {}
    entries = manifest.get("files")
    if not isinstance(entries, list):
        problems.append(("清单中没有文件列表", "The manifest has no file list"))
        return listed
    for number, entry in enumerate(entries, start=1):
        valid = (isinstance(entry, dict) and isinstance(entry.get("path"), str)
                 and isinstance(entry.get("sha256"), str) and re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
                 and isinstance(entry.get("size"), int) and entry["size"] >= 0)
        if valid:
            listed[entry["path"]] = entry
        else:
            problems.append((f"清单第 {number} 项无效（须有 path、sha256、size）",
                             f"Manifest entry {number} is invalid (path, sha256 and size needed)"))
    return listed


def _extract_member(archive, info, entry, target):
    """Stream one member to `target`, hashing it, never reading more than the manifest's size.
    (zh, en) when it differs from the manifest or cannot be read; None when it matches."""
    name = info.filename
    if info.file_size != entry["size"]:
        return (f"文件大小与清单不符（{info.file_size} 字节，清单记为 {entry['size']}）：{name}",
                f"File size differs from the manifest ({info.file_size} bytes; the manifest says "
                f"{entry['size']}): {name}")
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(info) as source, open(target, "wb") as out:
            for chunk in iter(lambda: source.read(_CHUNK), b""):
                size += len(chunk)
                if size > entry["size"]:
                    return f"文件大小与清单不符：{name}", f"File size differs from the manifest: {name}"
                digest.update(chunk)
                out.write(chunk)
    except _ZIP_READ_ERRORS as exc:
        return f"文件无法解压（{exc}）：{name}", f"File cannot be extracted ({exc}): {name}"
    if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
        return f"文件已被改动：{name}", f"File changed: {name}"
    return None


def _kind_problem(name, path):
    """(zh, en) when the extracted member at `path` is not what its extension says; None when it is."""
    ext = os.path.splitext(name)[1].lower()
    with open(path, "rb") as f:
        head = f.read(16)
    if ext in PHOTO_SUFFIXES:
        problem = image_problem(path)
        return (f"{problem[0]}：{name}", f"{problem[1]}: {name}") if problem else None
    expected = {".pdf": (head.startswith(b"%PDF-"), "PDF"),
                ".xlsx": (zipfile.is_zipfile(path), "Excel (.xlsx)"),
                ".shp": (head.startswith(_SHAPEFILE_MAGIC), "Shapefile"),
                ".shx": (head.startswith(_SHAPEFILE_MAGIC), "Shapefile"),
                ".gpkg": (head.startswith(b"SQLite format 3\x00"), "GeoPackage")}.get(ext)
    if expected and not expected[0]:
        return (f"文件内容不是 {expected[1]}（与扩展名不符）：{name}",
                f"The file's content is not {expected[1]} (its extension says so): {name}")
    return None


def _read_shapefile(paths, problems):
    """The JCBH values of the package's Shapefile (paths: {extension: extracted path}), or None."""
    missing = [ext for ext in _SHAPEFILE_PARTS if ext not in paths]
    if missing:
        problems.append((f"Shapefile 不完整，缺少 {'、'.join(missing)}，无法读取图斑",
                         f"The Shapefile is incomplete (no {', '.join(missing)}); its patches cannot be read"))
        return None
    try:
        with shapefile_encoding_honoured():
            source = ogr.Open(paths[".shp"])
            layer = source.GetLayer(0)
            if layer.GetLayerDefn().GetFieldIndex("JCBH") < 0:
                problems.append(("Shapefile 没有 JCBH 字段", "The Shapefile has no JCBH field"))
                return None
            jcbhs = [feature.GetField("JCBH") for feature in layer]
            source = None
    except (RuntimeError, AttributeError) as exc:  # OGR's errors; None for a file it cannot open
        problems.append((f"Shapefile 无法读取（{exc}）", f"The Shapefile cannot be read ({exc})"))
        return None
    return jcbhs


def _check_contents(extracted, manifest, problems):
    """Re-read the Shapefile and the workbook (extracted: {name in the zip: path}): counts as the
    manifest says, JCBH readable."""
    counts = manifest.get("counts") if isinstance(manifest.get("counts"), dict) else {}
    shp = sorted(n for n in extracted if n.lower().endswith(".shp"))
    if shp:
        stem = shp[0][:-4]
        parts = {name[len(stem):].lower(): path for name, path in extracted.items() if name.startswith(stem + ".")}
        jcbhs = _read_shapefile(parts, problems)
        if jcbhs is not None:
            if len(jcbhs) != counts.get("patches"):
                problems.append((f"Shapefile 有 {len(jcbhs)} 个图斑，清单记为 {counts.get('patches')}",
                                 f"The Shapefile has {len(jcbhs)} patches; the manifest says {counts.get('patches')}"))
            if len(set(jcbhs)) != len(jcbhs) or not all(jcbhs):
                problems.append(("Shapefile 的监测编号为空或重复", "The Shapefile has empty or repeated JCBH values"))
    else:
        problems.append(("成果包中没有可读取的 Shapefile", "The package has no readable Shapefile"))
    books = sorted(n for n in extracted if n.lower().endswith(".xlsx"))
    if books:
        _check_workbook(extracted[books[0]], counts, problems)
    else:
        problems.append(("成果包中没有可读取的工作簿", "The package has no readable workbook"))


def _check_workbook(path, counts, problems):
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        problems.append((f"工作簿无法读取（{type(exc).__name__}）",
                         f"The workbook cannot be read ({type(exc).__name__})"))
        return
    try:
        missing = [s for s in ("汇总表", "明细表", "违法图斑整改台账", "问责线索") if s not in book.sheetnames]
        if missing:
            problems.append((f"工作簿缺少工作表：{'、'.join(missing)}",
                             f"The workbook lacks sheets: {', '.join(missing)}"))
        else:
            detail_rows = book["明细表"].max_row - 1
            if detail_rows != counts.get("patches"):
                problems.append((f"明细表有 {detail_rows} 行，清单记为 {counts.get('patches')} 个图斑",
                                 f"明细表 has {detail_rows} rows; the manifest says {counts.get('patches')} patches"))
    finally:
        book.close()


def verify_package(path, feedback=None):
    """Check a received package against its manifest: every file present, unchanged (size first,
    then SHA-256, read in chunks), nothing extra, safe paths, each file what its extension says;
    then re-read its Shapefile and workbook. Every problem is reported; none is a traceback."""
    if not zipfile.is_zipfile(path):
        raise LandEnforcementError(f"不是 zip 文件：{path}", f"Not a zip file: {path}")
    problems = []
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LandEnforcementError(f"zip 文件已损坏：{path}", f"The zip file is damaged: {path}") from exc
    with archive, tempfile.TemporaryDirectory() as folder:
        manifest, manifest_name = _read_zip_manifest(archive)
        if manifest.get("format") != FORMAT:
            raise LandEnforcementError("不是卫片执法成果包（manifest 格式不符）",
                                       "Not a land-enforcement package (manifest format differs)")
        listed = _listed_files(manifest, problems)
        present = {info.filename: info for info in archive.infolist() if not info.is_dir()}
        for name in sorted(set(present) | set(listed)):
            if _UNSAFE.search(name):
                problems.append((f"不安全的路径：{name}", f"Unsafe path: {name}"))
        for name in sorted(set(present) - set(listed) - {manifest_name}):
            problems.append((f"清单外的文件：{name}", f"File not in the manifest: {name}"))
        extracted, stems = {}, {}
        for index, (name, entry) in enumerate(sorted(listed.items())):
            if feedback is not None:
                feedback.setProgress(80.0 * index / max(len(listed), 1))
            if name not in present:
                problems.append((f"缺少文件：{name}", f"Missing file: {name}"))
                continue
            # Named by number, never by the zip's path (nothing can land outside the folder); the
            # parts of one Shapefile share their number.
            stem, ext = os.path.splitext(name)
            target = os.path.join(folder, f"{stems.setdefault(stem, len(stems)):06d}{ext.lower()[:8]}")
            problem = _extract_member(archive, present[name], entry, target)
            if problem is None:
                problem = _kind_problem(name, target)
            if problem:
                problems.append(problem)
                if os.path.exists(target):
                    os.remove(target)
                continue
            if ext.lower() in _SHAPEFILE_PARTS + (".xlsx", ".cpg", ".prj"):
                extracted[name] = target  # re-read below
            else:
                os.remove(target)  # checked: the folder never holds more than the files re-read
        _check_contents(extracted, manifest, problems)
    return VerifyReport(not problems, problems, manifest, len(listed))
