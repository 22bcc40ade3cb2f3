"""The task's imagery (卫片影像): before / after rasters or tile services, registered with their dates.

The province ships imagery with each batch: GeoTIFF files, folders of tiles, or a WMTS/XYZ service.
The task keeps a registry of them in task_meta["imagery"] (JSON, no schema change): a list of

    {"source": path or provider URI, "provider": "gdal" | "wms" (XYZ/WMTS/WMS), "name": shown name,
     "role": "before" | "after" | "any", "date_from": "YYYY-MM-DD" or a month "YYYY-MM", "date_to": the same,
     optional: "kind" (file/folder/connection/layer), "folder" (the tiles of a VRT), "connection"
     (a saved QGIS connection whose credentials are looked up when the layer is built, never stored),
     "extent" [xmin, ymin, xmax, ymax] and "tiles" [[...], ...] in the working CRS (coverage)}

A folder of tiles becomes one GDAL VRT beside the task that references the tiles where they are
(nothing is copied; sources.py builds it). matching.py picks a patch's before and after images by
their dates; render.py draws them around a patch.
"""
import datetime
import json
import os
import re

from qgis.core import QgsDataSourceUri

from ..dates import parse_image_date, period, period_or_none
from ..errors import LandEnforcementError
from ..files import safe_name
from ..store import open_task, task_files_folder, task_name
from .sources import build_vrt, connection_uri, raster_date, raster_facts, to_working, working_srs

META_KEY = "imagery"
ROLES = ("before", "after", "any")
ROLE_ZH = {"before": "前时相", "after": "后时相", "any": "前后均可"}
PROVIDERS = ("gdal", "wms")
MAX_TILE_FOOTPRINTS = 2000  # more tiles than this: coverage by the mosaic's extent only
_DATE_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.年]?(0[1-9]|1[0-2])[-_.月]?(0[1-9]|[12]\d|3[01])(?!\d)")
_MONTH_IN_TEXT = re.compile(r"(?<!\d)(?:19|20)\d{2}(?:[-_.]?(?:0[1-9]|1[0-2])|年(?:0?[1-9]|1[0-2])月)(?!\d)")
_ROLE_WORDS = {"before": ("before", "前时相", "qsx", "_pre", "pre_"),
               "after": ("after", "后时相", "hsx", "_post", "post_")}


# -- dates --------------------------------------------------------------------------------------
def shown_date(value):
    """A patch or image date as shown: '2024-03-15', a month as '2022-10'; unreadable text as it is."""
    if value is None or str(value).strip() in ("", "NULL"):
        return ""
    try:
        return parse_image_date(value)
    except ValueError:
        return str(value).strip()


def _clean_date(value, what):
    """An entry's date as stored: 'YYYY-MM-DD', or 'YYYY-MM' for a month (kept as a month)."""
    if value is None or str(value).strip() == "":
        return None
    try:
        return parse_image_date(value)
    except ValueError:
        raise LandEnforcementError(f"无法识别的{what}日期：{value}（应为 2024-03-15 或月份 2024-03 之类）",
                                   f"Unreadable {what} date: {value} (expected e.g. 2024-03-15, "
                                   "or a month such as 2024-03)") from None


def span(entry):
    """(first, last) day an entry stands for (a month stands for all its days), or None when it has
    no date (it never matches)."""
    first, last = period_or_none(entry.get("date_from")), period_or_none(entry.get("date_to"))
    if first is None and last is None:
        return None
    first, last = first or last, last or first
    return min(first[0], last[0]), max(first[1], last[1])


def date_text(entry):
    """'2024-03-15', '2022-10', '2023-09-01～2023-10-31' or '' for display."""
    if span(entry) is None:
        return ""
    shown = [shown_date(entry.get(key)) for key in ("date_from", "date_to") if shown_date(entry.get(key))]
    return shown[0] if len(set(shown)) == 1 else "～".join(shown)


def guess_date(text):
    """The first plausible date in a file or folder name ('GF2_20240315_...' -> '2024-03-15'), else the
    first month ('前时相_202210' -> '2022-10'), or None."""
    name = os.path.basename(str(text).rstrip("/\\"))
    for match in _DATE_IN_TEXT.finditer(name):
        try:
            return datetime.date(*(int(g) for g in match.groups())).isoformat()
        except ValueError:
            continue
    month = _MONTH_IN_TEXT.search(name)
    return parse_image_date(month.group().replace("_", "-")) if month else None


def guess_role(text):
    """'before' / 'after' from words in a name (前时相, after, hsx, …), else 'any'."""
    lowered = os.path.basename(str(text).rstrip("/\\")).lower()
    found = [role for role, words in _ROLE_WORDS.items() if any(word in lowered for word in words)]
    return found[0] if len(found) == 1 else "any"


# -- the registry --------------------------------------------------------------------------------
def imagery_folder(task_path):
    """Where the task's VRT mosaics go: <task>_imagery/ beside the task (as <task>_photos/)."""
    return os.path.join(task_files_folder(task_path), task_name(task_path) + "_imagery")


def load(store):
    """The registry as stored (sources as recorded)."""
    text = store.meta().get(META_KEY) or "[]"
    try:
        entries = json.loads(text)
    except ValueError:
        raise LandEnforcementError("任务库中的影像登记已损坏", "The task's imagery registry is damaged") from None
    return [dict(entry) for entry in entries if isinstance(entry, dict) and entry.get("source")]


def save(store, entries):
    store.set_meta(**{META_KEY: json.dumps(entries, ensure_ascii=False, sort_keys=True)})


def resolved(task_path, entry):
    """The entry with a file source relative to the task folder made absolute."""
    source = entry["source"]
    if entry.get("provider", "gdal") == "gdal" and not os.path.isabs(source):
        return dict(entry, source=os.path.normpath(os.path.join(task_files_folder(task_path), source)))
    return dict(entry)


def entries(task_path):
    """The task's imagery, sources resolved, in registry order."""
    with open_task(task_path) as store:
        return [resolved(task_path, entry) for entry in load(store)]


def _stored_source(task_path, path):
    """A file inside the task folder is recorded relative to it: the folder can move as a whole."""
    path = os.path.abspath(path)
    base = os.path.abspath(task_files_folder(task_path))
    try:
        inside = os.path.commonpath([path, base]) == base
    except ValueError:  # another drive
        inside = False
    return os.path.relpath(path, base).replace("\\", "/") if inside else path


def make_entry(source, provider="gdal", name=None, role="any", date_from=None, date_to=None, **extra):
    """A checked registry entry (dates normalised to YYYY-MM-DD, a month to YYYY-MM)."""
    if provider not in PROVIDERS:
        raise LandEnforcementError(f"未知的影像类型：{provider}", f"Unknown imagery provider: {provider}")
    if role not in ROLES:
        raise LandEnforcementError(f"时相应为 before、after 或 any，而不是“{role}”",
                                   f"Role must be before, after or any, not '{role}'")
    first, last = _clean_date(date_from, "起始"), _clean_date(date_to, "截止")
    if first and last and period(last)[1] < period(first)[0]:
        raise LandEnforcementError(f"截止日期 {last} 早于起始日期 {first}",
                                   f"End date {last} is before start date {first}")
    entry = {"source": source, "provider": provider, "name": name or _default_name(source, provider), "role": role,
             "date_from": first, "date_to": last if last != first else None}
    entry.update({key: value for key, value in extra.items() if value is not None})
    return entry


def _default_name(source, provider):
    if provider == "gdal":
        return os.path.splitext(os.path.basename(source.rstrip("/\\")))[0]
    uri = QgsDataSourceUri()
    uri.setEncodedUri(source)
    return uri.param("layers") or uri.param("url") or source


def _add(task_path, new_entries):
    with open_task(task_path) as store:
        current = load(store)
        known = {entry["source"] for entry in current}
        for entry in new_entries:
            if entry["source"] in known:
                raise LandEnforcementError(f"影像已登记：{entry['name']}",
                                           f"Imagery already registered: {entry['name']}")
            known.add(entry["source"])
        save(store, current + new_entries)
    return [resolved(task_path, entry) for entry in new_entries]


def add_files(task_path, paths, role="any", date_from=None, date_to=None):
    """Register raster files (GeoTIFF, …) as they are. A date left empty is read from the file name
    or the GeoTIFF's TIFFTAG_DATETIME; a role left "any" from words in the name (前时相, after, …).
    Returns the new entries."""
    working = working_srs(task_path)
    new = []
    for path in paths:
        path = os.path.abspath(path)
        wkt, _, box = raster_facts(path)
        extent = to_working(box, wkt, working)
        first = date_from or guess_date(path) or raster_date(path)
        new.append(make_entry(_stored_source(task_path, path), "gdal", role=role if role != "any" else guess_role(path),
                              date_from=first, date_to=date_to, kind="file", extent=extent))
    return _add(task_path, new)


def add_tile_folder(task_path, folder, role="any", date_from=None, date_to=None, name=None, feedback=None):
    """Register a folder of tiles as one image: a VRT in <task>_imagery/ that references the tiles
    where they are (nothing copied). Returns the new entry."""
    folder = os.path.abspath(folder)
    name = name or os.path.basename(folder.rstrip("/\\"))
    # A VRT the registry still uses keeps its name; one left over (a task made again) is rebuilt.
    registered = entries(task_path)
    same = [entry["name"] for entry in registered if entry.get("folder") == folder]
    if same:
        raise LandEnforcementError(f"该文件夹已登记为“{same[0]}”：{folder}",
                                   f"The folder is already registered as '{same[0]}': {folder}")
    used = {os.path.abspath(entry["source"]) for entry in registered}
    stem = os.path.join(imagery_folder(task_path), safe_name(name))
    vrt, number = stem + ".vrt", 2
    while os.path.abspath(vrt) in used:
        vrt, number = f"{stem}_{number}.vrt", number + 1
    working = working_srs(task_path)
    if os.path.exists(vrt + ".ovr"):  # a left-over mosaic's overviews would be drawn for this one
        os.remove(vrt + ".ovr")
    try:
        count, extent, boxes, wkt = build_vrt(folder, vrt, feedback)
        tiles = [to_working(box, wkt, working) for box in boxes] if len(boxes) <= MAX_TILE_FOOTPRINTS else None
        entry = make_entry(_stored_source(task_path, vrt), "gdal", name=name,
                           role=role if role != "any" else guess_role(folder),
                           date_from=date_from or guess_date(folder), date_to=date_to, kind="folder", folder=folder,
                           tile_count=count, extent=to_working(extent, wkt, working), tiles=tiles)
        return _add(task_path, [entry])[0]
    except BaseException:  # failed or cancelled: no mosaic and no overviews left behind
        for built in (vrt, vrt + ".ovr"):
            if os.path.exists(built):
                os.remove(built)
        raise


def add_connection(task_path, name, kind="xyz", layer=None, role="any", date_from=None, date_to=None,
                   tile_matrix_set=None, image_format="image/png", crs=None, display_name=None):
    """Register a saved QGIS connection (XYZ, WMS or WMTS). A tile service rarely knows its footprint:
    it covers every patch as far as matching goes. Returns the new entry."""
    source = connection_uri(kind, name, layer, tile_matrix_set, image_format, crs)
    entry = make_entry(source, "wms", name=display_name or (f"{name} {layer}" if layer else name),
                       role=role if role != "any" else guess_role(name),
                       date_from=date_from or guess_date(name), date_to=date_to, kind="connection",
                       connection=f"{kind}:{name}")
    return _add(task_path, [entry])[0]


def add_layer(task_path, layer, role="any", date_from=None, date_to=None):
    """Register a raster layer already in QGIS (a file, or a service added through QGIS's own
    dialogs): its source and provider are recorded. Returns the new entry."""
    provider = layer.providerType()
    if provider == "gdal":
        return add_files(task_path, [layer.source()], role, date_from or guess_date(layer.name()), date_to)[0]
    if provider != "wms":
        raise LandEnforcementError(f"不支持的影像图层类型：{provider}", f"Unsupported imagery layer type: {provider}")
    uri = QgsDataSourceUri()
    uri.setEncodedUri(layer.source())
    uri.removeParam("password")  # never into the task database
    entry = make_entry(bytes(uri.encodedUri()).decode(), "wms", name=layer.name(),
                       role=role if role != "any" else guess_role(layer.name()),
                       date_from=date_from or guess_date(layer.name()), date_to=date_to, kind="layer")
    return _add(task_path, [entry])[0]


def _same_source(task_path, entry, source):
    """source names entry, as recorded or as resolved."""
    return source in (entry["source"], resolved(task_path, entry)["source"])


def update(task_path, source, **changes):
    """Change an entry's name, role or dates (the table in the imagery dock); source as recorded or
    resolved. Returns the entry."""
    allowed = {"name", "role", "date_from", "date_to"}
    unknown = set(changes) - allowed
    if unknown:
        raise LandEnforcementError(f"不能修改：{', '.join(sorted(unknown))}",
                                   f"Cannot change: {', '.join(sorted(unknown))}")
    with open_task(task_path) as store:
        current = load(store)
        for index, entry in enumerate(current):
            if _same_source(task_path, entry, source):
                merged = dict(entry, **changes)
                extra = {k: v for k, v in merged.items() if k not in ("source", "provider", "name", "role",
                                                                          "date_from", "date_to")}
                current[index] = make_entry(merged["source"], merged["provider"], merged.get("name") or None,
                                            merged.get("role") or "any", merged.get("date_from"),
                                            merged.get("date_to"), **extra)
                save(store, current)
                return resolved(task_path, current[index])
    raise LandEnforcementError(f"影像未登记：{source}", f"Imagery not registered: {source}")


def remove(task_path, source):
    """Unregister an entry; a VRT this task built for a tile folder goes too (never the tiles)."""
    with open_task(task_path) as store:
        current = load(store)
        kept = [entry for entry in current if not _same_source(task_path, entry, source)]
        if len(kept) == len(current):
            return False
        save(store, kept)
    gone = next(entry for entry in current if _same_source(task_path, entry, source))
    if gone.get("kind") == "folder":
        path = resolved(task_path, gone)["source"]
        ours = os.path.abspath(os.path.dirname(path)) == os.path.abspath(imagery_folder(task_path))
        for built in (path, path + ".ovr"):  # the mosaic and its overviews
            if ours and os.path.exists(built):
                os.remove(built)
    return True
