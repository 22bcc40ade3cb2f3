"""Files whose bytes depend only on their content: the same task exported twice gives the same
package, so a bureau (or the province) can compare two exports by their checksums.

Every format that stamps the current time somewhere (zip entries, the .dbf header, GeoPackage
contents, the .xlsx properties) gets the task's own "as of" time instead.
"""
import datetime
import hashlib
import os
import zipfile

# Zip entries: fixed permissions and compression, so only names and contents make the bytes.
_FILE_MODE = 0o100644 << 16
_COMPRESS_LEVEL = 6


def file_sha256(path):
    """(hex SHA-256, size in bytes) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def parse_stamp(text):
    """An ISO time from the task database as a naive local datetime (zip and .dbf have no zone)."""
    stamp = datetime.datetime.fromisoformat(text)
    return stamp.replace(tzinfo=None, microsecond=0)


def _entry(name, stamp):
    info = zipfile.ZipInfo(name, (max(stamp.year, 1980),) + stamp.timetuple()[1:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = _FILE_MODE
    return info


def write_zip(path, entries, stamp):
    """entries: (name inside the zip, file path or bytes), written in name order with `stamp` as
    every entry's time."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in sorted(entries, key=lambda entry: entry[0]):
            info = _entry(name, stamp)
            if isinstance(content, (bytes, bytearray)):
                archive.writestr(info, content, compresslevel=_COMPRESS_LEVEL)
            else:
                with open(content, "rb") as source, archive.open(info, "w") as target:
                    for chunk in iter(lambda: source.read(1 << 20), b""):
                        target.write(chunk)


def restamp_zip(path, stamp):
    """Rewrite a zip-based file (.xlsx) in place with `stamp` as every entry's time."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    # Office wants [Content_Types].xml first; keep the writer's order rather than sorting.
    partial = path + ".restamp"
    with zipfile.ZipFile(partial, "w") as archive:
        for name, data in entries:
            archive.writestr(_entry(name, stamp), data, compresslevel=_COMPRESS_LEVEL)
    os.replace(partial, path)


def stamp_dbf(path, stamp):
    """Set a .dbf header's last-update date (bytes 1-3: years since 1900, month, day)."""
    with open(path, "r+b") as f:
        f.seek(1)
        f.write(bytes((stamp.year - 1900, stamp.month, stamp.day)))
