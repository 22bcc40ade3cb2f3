"""One reader for every vector input: the patch file, the red lines, approvals, villages, and the
QGIS layers the user picked in the dock.

Deliveries are GBK shapefiles, usually without a .cpg, some with a .cpg or DBF language id that
lies. GDAL then reads Latin-1 or the wrong code page and every Chinese name becomes garbage, and
bytes the decided code page cannot hold are silently cut (GDAL) or turned into private-use
characters (QGIS's codecs) — never a visible U+FFFD. So the encoding is decided here once
(.cpg, then the DBF's LDID byte, then the bytes; a claim the bytes contradict loses; an encoding
the user set on the layer in QGIS wins), every reading copy of a layer opens the shapefile with
that encoding (OGR open option ENCODING), and the text the overlay uses is checked, in the DBF's
own bytes for a shapefile and for U+FFFD in any other layer, before anything is computed.
"""
import codecs
import hashlib
import os
from typing import NamedTuple

from qgis.core import NULL, QgsFeatureRequest, QgsProviderRegistry, QgsVectorLayer

from .errors import LandEnforcementError

GBK = "CP936"
UTF8 = "UTF-8"

# Shapefile .cpg contents and DBF language driver ids meaning the Chinese code page.
_CPG_ALIASES = {"936": GBK, "CP936": GBK, "GBK": GBK, "GB2312": GBK, "GB18030": GBK,
                "UTF-8": UTF8, "UTF8": UTF8, "65001": UTF8}
_LDID_GBK = 0x4D
_SAMPLE = 4 * 1024 * 1024  # bytes of records read to decide an encoding
_DECISION_PROPERTY = "land_enforcement/encoding_decision"  # kept on a reading copy: "encoding|reason"

_WHY = {
    "cpg": ("按 .cpg 文件", "as its .cpg says"),
    "ldid": ("按 DBF 文件头的语言标识", "as the DBF header's language id says"),
    "ascii": ("属性全为 ASCII", "its attributes are all ASCII"),
    "bytes": ("无 .cpg，按属性字节判断", "no .cpg: decided from the attribute bytes"),
    "bytes_over_cpg": (".cpg 所写编码与属性字节不符，按字节判断", "its .cpg contradicts the attribute bytes: "
                       "decided from the bytes"),
    "bytes_over_ldid": ("DBF 语言标识与属性字节不符，按字节判断", "the DBF language id contradicts the attribute "
                        "bytes: decided from the bytes"),
    "user": ("按 QGIS 图层属性中设置的数据源编码", "as set in the layer's properties in QGIS"),
    "format": ("该格式以 Unicode 存储文本", "the format stores text as Unicode"),
    "option": ("按数据源的 ENCODING 打开选项", "as the source's ENCODING open option says"),
}


class EncodingDecision(NamedTuple):
    """The encoding a layer's text is read with, and how it was decided (a _WHY key)."""

    encoding: str
    reason: str

    def why(self):
        """(zh, en): the encoding and how it was decided, for a report."""
        zh, en = _WHY.get(self.reason, (self.reason, self.reason))
        return f"{self.encoding}（{zh}）", f"{self.encoding} ({en})"


# -- the DBF ---------------------------------------------------------------------------------------
def _dbf_path(shp_path):
    base = os.path.splitext(shp_path)[0]
    dbf = next((p for p in (base + ".dbf", base + ".DBF") if os.path.exists(p)), None)
    if dbf is None:
        raise LandEnforcementError(f"缺少属性文件 .dbf：{shp_path}", f"Missing .dbf beside {shp_path}")
    return dbf


class _Dbf:
    """A DBF's header: record layout and the raw bytes of its field names."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            header = f.read(32)
            self.ldid = header[29]
            self.records = int.from_bytes(header[4:8], "little")
            self.header_length = int.from_bytes(header[8:10], "little")
            self.record_length = int.from_bytes(header[10:12], "little")
            descriptors = f.read(max(self.header_length - 32, 0))
        self.fields = []  # (raw name, offset in the record, length)
        offset = 1  # after the deletion flag
        for start in range(0, len(descriptors) - 31, 32):
            descriptor = descriptors[start:start + 32]
            if descriptor[0] == 0x0D:
                break
            length = descriptor[16]
            self.fields.append((descriptor[:11].split(b"\0")[0], offset, length))
            offset += length

    def sample(self):
        """The field names' bytes and the first records' bytes."""
        with open(self.path, "rb") as f:
            f.seek(self.header_length)
            body = f.read(_SAMPLE)
        return b"\0".join(name for name, _, _ in self.fields) + b"\0" + body


def _decodes(data, codec):
    """Whether `data` is text in `codec`; a character cut at the end of a sample is tolerated."""
    try:
        data.decode(codec)
        return True
    except UnicodeDecodeError as exc:
        return len(data) >= _SAMPLE and exc.start >= len(data) - 3


def _cpg_claim(shp_path):
    base = os.path.splitext(shp_path)[0]
    for cpg in (base + ".cpg", base + ".CPG"):
        if os.path.exists(cpg):
            with open(cpg, "rb") as f:
                text = f.read().decode("ascii", "ignore").strip().upper()
            return _CPG_ALIASES.get(text)
    return None


def detect_shapefile_encoding(shp_path, layer_name=None):
    """EncodingDecision for a shapefile's DBF: the .cpg, then the LDID byte, then the bytes; a
    claim the bytes contradict (a .cpg saying UTF-8 over GBK bytes, a GBK LDID over non-ASCII
    UTF-8) loses. Raises naming the field when the bytes are neither UTF-8 nor GBK."""
    dbf = _Dbf(_dbf_path(shp_path))
    cpg = _cpg_claim(shp_path)
    claim, claimed_by = (cpg, "cpg") if cpg else ((GBK, "ldid") if dbf.ldid == _LDID_GBK else (None, None))
    sample = dbf.sample()
    if max(sample, default=0) < 0x80:
        return EncodingDecision(claim, claimed_by) if claim else EncodingDecision(UTF8, "ascii")
    if _decodes(sample, "utf-8"):
        found = UTF8
    elif _decodes(sample, "gb18030"):
        found = GBK
    else:
        check_dbf_text(shp_path, EncodingDecision(claim or GBK, claimed_by or "bytes"),
                       [name for name, _, _ in dbf.fields], layer_name, raw_names=True)
        found = claim or GBK  # only reached when the undecodable bytes lie outside every field
    if claim is None:
        return EncodingDecision(found, "bytes")
    if found == claim:
        return EncodingDecision(claim, claimed_by)
    return EncodingDecision(found, f"bytes_over_{claimed_by}")


def _codec(encoding):
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def check_dbf_text(shp_path, decision, field_names, layer_name=None, raw_names=False):
    """Every value of the named fields (raw bytes when raw_names) decodes in the decided encoding,
    else a LandEnforcementError naming the layer, the field and the record."""
    codec = _codec(decision.encoding)
    if codec is None:
        return
    dbf = _Dbf(_dbf_path(shp_path))
    layer_name = layer_name or os.path.basename(shp_path)
    wanted = []
    for raw, offset, length in dbf.fields:
        try:
            name = raw.decode(codec)
        except UnicodeDecodeError:
            raise _undecodable(layer_name, raw.decode(codec, "replace"), None, decision) from None
        if (raw if raw_names else name) in field_names:
            wanted.append((name, offset, length))
    if not wanted:
        return
    with open(dbf.path, "rb") as f:
        f.seek(dbf.header_length)
        for number in range(1, dbf.records + 1):
            record = f.read(dbf.record_length)
            if len(record) < dbf.record_length:
                break
            for name, offset, length in wanted:
                value = record[offset:offset + length]
                if max(value, default=0) >= 0x80:
                    try:
                        value.decode(codec)
                    except UnicodeDecodeError:
                        raise _undecodable(layer_name, name, number, decision) from None


def _undecodable(layer_name, field_name, record, decision):
    where_zh = f"第 {record} 条记录的" if record else ""
    where_en = f" (record {record})" if record else ""
    how_zh, how_en = _WHY.get(decision.reason, (decision.reason, decision.reason))
    return LandEnforcementError(
        f"图层“{layer_name}”{where_zh}字段“{field_name}”含乱码或无法按 {decision.encoding} 解读的文字"
        f"（编码判定：{how_zh}），"
        "未写入任何结果：请修正数据，或在 QGIS 图层属性中设置数据源编码后重试",
        f"The field '{field_name}' of the layer '{layer_name}'{where_en} holds garbled text or text that cannot "
        f"be read as {decision.encoding} (encoding: {how_en}); nothing was written: fix the data, or set the layer's "
        "data source encoding in QGIS, then run again")


# -- QGIS layers -----------------------------------------------------------------------------------
def _parts(layer):
    return QgsProviderRegistry.instance().decodeUri(layer.providerType(), layer.source())


def shapefile_path(layer):
    """The .shp a QGIS OGR layer reads, else None."""
    if layer is None or layer.providerType() != "ogr":
        return None
    parts = _parts(layer)
    path = parts.get("path") or ""
    if os.path.isdir(path) and parts.get("layerName"):  # a folder of shapefiles opened as one source
        path = next((os.path.join(path, parts["layerName"] + ext) for ext in (".shp", ".SHP")
                     if os.path.isfile(os.path.join(path, parts["layerName"] + ext))), path)
    return path if path.lower().endswith(".shp") else None


def dataset_files(layer):
    """The files a file-based layer reads (a shapefile's .shp/.shx/.dbf/.prj/.cpg, a GeoPackage
    and its WAL, a FileGDB folder's files); [] for a memory or database layer."""
    if layer is None or layer.providerType() != "ogr":
        return []
    path = shapefile_path(layer) or _parts(layer).get("path") or ""
    if path.lower().endswith(".shp"):
        base = os.path.splitext(path)[0]
        candidates = [base + ext for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".SHP", ".SHX", ".DBF",
                                             ".PRJ", ".CPG")]
    elif os.path.isdir(path):  # lock files come and go with readers: not the data
        candidates = [os.path.join(root, name) for root, _, names in os.walk(path) for name in names
                      if not name.endswith(".lock")]
    else:
        candidates = [path, path + "-wal"]
    return sorted({p for p in candidates if os.path.isfile(p)})


def files_signature(layer):
    """Size and modification time (ns) of every file of the layer's dataset: changes whenever the
    data is re-saved, a .cpg or .prj is added, ... without reading a feature."""
    out = []
    for path in dataset_files(layer):
        stat = os.stat(path)
        out.append(f"{os.path.basename(path)}:{stat.st_size}:{stat.st_mtime_ns}")
    return ",".join(out)


def encoding_decision(layer):
    """The EncodingDecision a layer's text is read with: a reading copy's own, the one the user set
    on a shapefile layer in QGIS, else detect_shapefile_encoding; Unicode for other formats."""
    kept = layer.customProperty(_DECISION_PROPERTY)
    if kept:
        encoding, _, reason = str(kept).partition("|")
        return EncodingDecision(encoding, reason)
    path = shapefile_path(layer)
    if path is None:
        return EncodingDecision(UTF8, "format")
    option = next((o.split("=", 1)[1] for o in _parts(layer).get("openOptions") or []
                   if o.upper().startswith("ENCODING=")), None)
    if option:
        return EncodingDecision(option, "option")
    own = layer.dataProvider().encoding() if layer.dataProvider() else ""
    # A layer as QGIS opens it reports UTF-8 (GDAL recodes): anything else was set by the user.
    if own and own != "System" and _codec(own) and _codec(own) != _codec(_fresh_encoding(layer)):
        return EncodingDecision(own, "user")
    return detect_shapefile_encoding(path, layer.name())


def _fresh_encoding(layer):
    fresh = QgsVectorLayer(layer.source(), layer.name(), layer.providerType())
    return fresh.dataProvider().encoding() if fresh.isValid() else UTF8


def reading_copy(layer, default_crs=None):
    """A copy of a layer that a worker thread may read on its own (project layers belong to the
    main thread), reading text in the decided encoding and carrying the CRS the user gave the
    layer (or `default_crs` when it has none): reopened from its source, or a snapshot of a
    memory layer."""
    if layer is None:
        return None
    if layer.providerType() == "memory":
        copy = layer.materialize(QgsFeatureRequest())
        decision = EncodingDecision(UTF8, "format")
    else:
        decision = encoding_decision(layer)
        source = layer.source()
        if shapefile_path(layer) is not None:
            parts = dict(_parts(layer))
            parts["openOptions"] = [o for o in parts.get("openOptions") or [] if not o.upper().startswith("ENCODING=")]
            parts["openOptions"].append(f"ENCODING={decision.encoding}")
            source = QgsProviderRegistry.instance().encodeUri("ogr", parts)
        copy = QgsVectorLayer(source, layer.name(), layer.providerType())
        copy.setSubsetString(layer.subsetString())
    copy.setCustomProperty(_DECISION_PROPERTY, f"{decision.encoding}|{decision.reason}")
    crs = layer.crs() if layer.crs().isValid() else default_crs
    if crs is not None and crs.isValid() and copy.crs() != crs:
        copy.setCrs(crs)
    return copy


def _is_text(value):
    return value.__class__ is str


def read_text_fields(layer, field_names):
    """A digest of the layer's values of `field_names` (None entries skipped), after checking them:
    no U+FFFD, and for a shapefile every byte readable in its decided encoding. Raises a
    LandEnforcementError naming the layer and the field."""
    names = [name for name in field_names if name]
    digest = hashlib.sha256()
    if not names:
        return digest.hexdigest()
    decision = encoding_decision(layer)
    path = shapefile_path(layer)
    if path is not None:
        check_dbf_text(path, decision, names, layer.name())
    fields = layer.fields()
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry).setSubsetOfAttributes(names, fields)
    indexes = [fields.indexOf(name) for name in names]
    for feature in layer.getFeatures(request):
        attributes = feature.attributes()
        for name, index in zip(names, indexes):
            value = attributes[index]
            if value is None or value == NULL:
                digest.update(b"\0\0")
                continue
            text = value if _is_text(value) else str(value)
            if "\ufffd" in text:
                raise _undecodable(layer.name(), name, None, decision)
            digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def layer_signature(layer, text_fields=()):
    """What an overlay fingerprint keeps of a layer: its source, subset, size, extent and CRS, the
    decided encoding, the size and time of every file of its dataset, a digest of the text the
    overlay reads (checked, see read_text_fields) and, for a memory layer, of its geometries.
    Only the text fields are read, never a large layer's geometries from a file or a database."""
    decision = encoding_decision(layer)
    parts = [layer.subsetString(), str(layer.featureCount()), layer.extent().toString(6),
             layer.crs().authid() or layer.crs().toWkt(), decision.encoding,
             files_signature(layer), read_text_fields(layer, text_fields)]
    if layer.providerType() == "memory":  # no file to stat: its content, cheap in memory
        digest = hashlib.sha256()
        for feature in layer.getFeatures():
            digest.update(bytes(feature.geometry().asWkb()) + repr(feature.attributes()).encode("utf-8"))
        parts.append(digest.hexdigest())
    else:
        parts.insert(0, layer.source())
    return "|".join(parts)
