"""Finishing a PDF that QGIS wrote (an evidence sheet): text that copies and searches as written, and
the same bytes for the same content, whenever it is exported."""
import hashlib
import re
import unicodedata
import uuid

_QT_CREATION_DATE = re.compile(rb"/CreationDate \(D:[^)]*\)")
_DOCUMENT_ID = re.compile(rb"uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NO_ID = b"uuid:" + str(uuid.UUID(int=0)).encode()
_XREF_ENTRY = re.compile(rb"(?m)^(\d{10})( \d{5} n)")
_STARTXREF = re.compile(rb"startxref\s+(\d+)")
_TO_UNICODE_MAP = re.compile(rb"begincmap.*?endcmap", re.S)
_TO_UNICODE_ARRAY = re.compile(rb"\[(<[0-9A-F]{4}> ?)+\]")
_RADICAL = re.compile(rb"<(2[EF][0-9A-F]{2})>")


def finish_pdf(path, stamp):
    """Rewrite the PDF at `path` in place: searchable ideographs, dated `stamp`, a content-derived id."""
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(_reproducible(_searchable(data), stamp))


def _searchable(data):
    """Noto CJK draws 片 and the Kangxi radical ⽚ with one glyph, and Qt's text map names the
    radical (the lower code point): copied or searched text would read 卫⽚. Map the radicals
    back to the ideographs they stand for, in the arrays Qt writes for glyphs of unrelated code
    points; both are 4 hex digits, so no offset moves."""
    def unified(code):
        char = chr(int(code.group(1), 16))
        ideograph = unicodedata.normalize("NFKC", char)
        return b"<%04X>" % ord(ideograph) if "\u2e80" <= char <= "\u2fdf" and len(ideograph) == 1 else code.group(0)

    def fixed(cmap):
        return _TO_UNICODE_ARRAY.sub(lambda array: _RADICAL.sub(unified, array.group(0)), cmap.group(0))

    return _TO_UNICODE_MAP.sub(fixed, data)


def _reproducible(data, stamp):
    """Qt dates the PDF's Info dictionary with the time of export (in local time) and QGIS gives
    its XMP packet a random document id: put the sheet's own date (UTC) in the one and a hash of
    the content in the other. Both come before the first stream ends."""
    found = _QT_CREATION_DATE.search(data, 0, data.index(b"endstream"))
    date = b"/CreationDate (" + stamp.strftime("D:%Y%m%d%H%M%SZ").encode() + b")"
    data = _moved_offsets(data[:found.start()] + date + data[found.end():], found.start(),
                          len(date) - len(found.group(0)))
    head_end = data.index(b"endstream")
    head, rest = _DOCUMENT_ID.sub(_NO_ID, data[:head_end], count=1), data[head_end:]
    digest = hashlib.sha256(head + rest).digest()
    return head.replace(_NO_ID, b"uuid:" + str(uuid.UUID(bytes=digest[:16])).encode()) + rest


def _moved_offsets(data, position, delta):
    """data whose bytes after position moved by delta (Qt's date is longer outside UTC), with the
    cross-reference table (Qt writes a classic one) and startxref moved along."""
    if delta == 0:
        return data
    tail = data.rindex(b"startxref")
    table = int(_STARTXREF.match(data, tail).group(1)) + delta

    def moved(entry):
        offset = int(entry.group(1))
        return b"%010d" % (offset + delta if offset > position else offset) + entry.group(2)

    return (data[:table] + _XREF_ENTRY.sub(moved, data[table:tail])
            + _STARTXREF.sub(b"startxref\n%d" % table, data[tail:], count=1))
