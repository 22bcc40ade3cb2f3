"""Synthetic before / after imagery for the demo county: 2 m GeoTIFF tiles around one township's patches.

The province ships imagery with each batch; the demo's stands in for it so the office comparison
(内业比对) runs offline. Two folders of 1 km × 1 km tiles (500 × 500 pixels at 2 m, RGB, JPEG-in-TIFF)
in the county's working CRS, over the patches of the township with the most of them:

- before (autumn 2023, dated 2023-09-01～2023-10-31: every demo patch's QSX falls in it): the
  land-use parcels as fields with plough lines, orchards, woods, villages, roads and water;
- after (early 2024, 2024-02-01～2024-04-30: the later image of every patch of the first quarter's
  batch, 2024Q1, and of the clean delivery's single batch): the same ground a season later, and
  inside every change patch of that batch the change itself: roofs on bare ground (新增建设用地),
  bare fill (推填土) or a gravel yard (其他).

Deterministic for a seed; a few MB in all. Patches of the other townships have no imagery (the
dock and the evidence sheets say so).
"""
import math
import os

import numpy as np
from osgeo import gdal, ogr, osr

from .county import epsg_srs

gdal.UseExceptions()
ogr.UseExceptions()

PIXEL_M = 2.0
TILE_M = 1000.0
MARGIN_M = 250.0  # imagery reaches this far around each covered patch
MAX_PATCHES = 16  # of the township's patches get imagery: a few MB in all
BEFORE = {"name": "2023秋_前时相", "role": "before", "date_from": "2023-09-01", "date_to": "2023-10-31",
          "stamp": "2023:10:12 10:41:00"}
AFTER = {"name": "2024Q1_后时相", "role": "after", "date_from": "2024-02-01", "date_to": "2024-04-30",
         "stamp": "2024:03:18 10:37:00"}

# DLBM -> (autumn RGB, spring RGB, texture): the 三调 classes of demodata.county.LAND_USES.
LOOK = {
    101: ((150, 140, 70), (95, 135, 75), "rows"),      # 水田: stubble in autumn, young rice green in spring
    102: ((120, 135, 70), (110, 150, 70), "rows"),     # 水浇地
    103: ((165, 150, 105), (140, 150, 90), "rows"),    # 旱地
    201: ((70, 105, 55), (85, 120, 60), "dots"),       # 果园
    301: ((40, 75, 45), (45, 85, 50), "crowns"),       # 乔木林地
    404: ((135, 140, 95), (125, 145, 90), "plain"),    # 其他草地
    702: ((150, 140, 130), (150, 140, 130), "roofs"),  # 农村宅基地
    1003: ((175, 172, 165), (175, 172, 165), "plain"),  # 公路用地
    1101: ((45, 75, 95), (55, 85, 105), "plain"),      # 河流水面
    1202: ((210, 212, 215), (215, 217, 220), "rows"),  # 设施农用地 (greenhouses)
}
CHANGE_LOOK = {"新增建设用地": (190, 172, 140), "推填土": (182, 155, 115), "其他": (200, 196, 185)}


def _patches(demo):
    """[(jcbh, township code, bhlx, ogr geometry in the working CRS)] of the patches of the batch the after
    image belongs to (the first). The delivered file may carry only the county and JCBH as typed: the
    generator's facts, in the file's row order, give each row's JCBH and township."""
    gdal.SetConfigOption("SHAPE_ENCODING", "UTF-8" if demo["delivery"] == "zhejiang" else "CP936")
    try:
        ds = ogr.Open(demo["patches"])
        layer = ds.GetLayer(0)
        transform = osr.CoordinateTransformation(layer.GetSpatialRef(), epsg_srs(demo["working_epsg"]))
        bhlx = "HLX" if demo["delivery"] == "zhejiang" else "BHLX"
        batch = demo["batches"][0]
        found = []
        for feature, (jcbh, township) in zip(layer, demo["patch_townships"].items()):
            if demo["patch_batches"][jcbh] != batch:
                continue
            geometry = feature.GetGeometryRef().Clone()
            geometry.Transform(transform)
            found.append((jcbh, township, feature.GetField(bhlx), geometry))
        return found
    finally:
        ds = None
        gdal.SetConfigOption("SHAPE_ENCODING", None)


def _tiles_around(patches):
    """(col, row) of the 1 km grid cells within MARGIN_M of the patches, sorted."""
    cells = set()
    for *_, geometry in patches:
        xmin, xmax, ymin, ymax = geometry.GetEnvelope()
        columns = range(math.floor((xmin - MARGIN_M) / TILE_M), math.floor((xmax + MARGIN_M) / TILE_M) + 1)
        rows = range(math.floor((ymin - MARGIN_M) / TILE_M), math.floor((ymax + MARGIN_M) / TILE_M) + 1)
        cells.update((col, row) for col in columns for row in rows)
    return sorted(cells)


def _memory_raster(col, row, work_epsg):
    size = int(TILE_M / PIXEL_M)
    ds = gdal.GetDriverByName("MEM").Create("", size, size, 1, gdal.GDT_Int64)
    ds.SetGeoTransform((col * TILE_M, PIXEL_M, 0, (row + 1) * TILE_M, 0, -PIXEL_M))
    ds.SetProjection(epsg_srs(work_epsg).ExportToWkt())
    return ds


def _land_use_source(cultivated, work_epsg):
    """The land-use parcels in the working CRS, in memory, value = DLBM code × 100000 + parcel fid."""
    ds = ogr.Open(cultivated.split("|layername=")[0])
    source = ds.GetLayerByName("cultivated") if "|layername=" in cultivated else ds.GetLayer(0)
    transform = osr.CoordinateTransformation(source.GetSpatialRef(), epsg_srs(work_epsg))
    memory = ogr.GetDriverByName("Memory").CreateDataSource("land_use")
    layer = memory.CreateLayer("land_use", epsg_srs(work_epsg), ogr.wkbMultiPolygon)
    layer.CreateField(ogr.FieldDefn("value", ogr.OFTInteger64))
    for feature in source:
        geometry = feature.GetGeometryRef().Clone()
        geometry.Transform(transform)
        out = ogr.Feature(layer.GetLayerDefn())
        out.SetField("value", int(feature.GetField("DLBM")) * 100000 + feature.GetFID())
        out.SetGeometry(geometry)
        layer.CreateFeature(out)
    ds = None
    return memory


def _burn(ds, source, col, row):
    """The source layer's values over one tile (0 outside its polygons)."""
    layer = source.GetLayer(0)
    layer.SetSpatialFilterRect(col * TILE_M, row * TILE_M, (col + 1) * TILE_M, (row + 1) * TILE_M)
    ds.GetRasterBand(1).Fill(0)
    gdal.RasterizeLayer(ds, [1], layer, options=["ATTRIBUTE=value"])
    layer.SetSpatialFilter(None)
    return ds.GetRasterBand(1).ReadAsArray()


def _patch_source(patches, work_epsg):
    """An in-memory layer of the patches (value = index + 1) to rasterize."""
    ds = ogr.GetDriverByName("Memory").CreateDataSource("patches")
    layer = ds.CreateLayer("patches", epsg_srs(work_epsg), ogr.wkbMultiPolygon)
    layer.CreateField(ogr.FieldDefn("value", ogr.OFTInteger))
    for index, (*_, geometry) in enumerate(patches):
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("value", index + 1)
        feature.SetGeometry(geometry)
        layer.CreateFeature(feature)
    return ds


def _hash(values, salt):
    """A stable pseudo-random number in [0, 1) per integer (per parcel, per patch)."""
    values = np.asarray(values, dtype=np.uint64)
    mixed = (values * np.uint64(2654435761) + np.uint64(salt * 97 + 13)) % np.uint64(4294967291)
    return (mixed % np.uint64(10007)).astype(float) / 10007.0


def _smooth_noise(rng, shape, cell):
    """Low-frequency noise (bilinear upsampling of a coarse grid), in [-1, 1]."""
    rows, cols = shape
    coarse = rng.uniform(-1, 1, (rows // cell + 2, cols // cell + 2))
    y = np.arange(rows) / cell
    x = np.arange(cols) / cell
    y0, x0 = np.floor(y).astype(int), np.floor(x).astype(int)
    fy, fx = (y - y0)[:, None], (x - x0)[None, :]
    top = coarse[y0][:, x0] * (1 - fx) + coarse[y0][:, x0 + 1] * fx
    bottom = coarse[y0 + 1][:, x0] * (1 - fx) + coarse[y0 + 1][:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def _ground(rng, classes, parcels, xs, ys, season):
    """RGB (float, 3 × h × w) of the land-use ground for one season (0 autumn, 1 spring)."""
    rgb = np.zeros((3,) + classes.shape)
    ids, inverse = np.unique(parcels, return_inverse=True)
    inverse = inverse.reshape(parcels.shape)
    tint = (1 + 0.12 * (_hash(ids, 1) - 0.5))[inverse]  # each parcel a little different
    angle = (_hash(ids, 2) * math.pi)[inverse]
    spacings = (6 + 6 * _hash(ids, 3))[inverse]
    for code, (autumn, spring, texture) in LOOK.items():
        where = classes == code
        if not where.any():
            continue
        colour = np.array(spring if season else autumn, dtype=float)[:, None]
        shade = tint[where]
        if texture == "rows":  # plough lines or greenhouse rows, 6-12 m apart, per-parcel direction
            spacing = spacings[where]
            along = xs[where] * np.cos(angle[where]) + ys[where] * np.sin(angle[where])
            across = ys[where] * np.cos(angle[where]) - xs[where] * np.sin(angle[where])
            strip = np.floor(along / 70.0) * 7919 + np.floor(across / 180.0) * 104729 + parcels[where]
            shade = shade * (1 + 0.16 * (_hash(np.abs(strip).astype(np.int64), 5) - 0.5))  # one farmer's field
            shade = shade * (1 + 0.10 * np.sign(np.sin(along * 2 * math.pi / spacing)))
        elif texture == "dots":  # orchard: trees on a 5 m grid
            shade = shade * np.where((np.mod(xs[where], 5) < 2.5) & (np.mod(ys[where], 5) < 2.5), 0.8, 1.1)
        elif texture == "crowns":
            shade = shade * (1 + 0.25 * rng.uniform(-1, 1, shade.shape))
        elif texture == "roofs":  # houses 10 × 14 m in a loose grid, red or grey roofs
            house = (np.mod(xs[where], 24) < 14) & (np.mod(ys[where], 20) < 10)
            red = _hash(np.floor(xs[where] / 24) * 1000 + np.floor(ys[where] / 20), 4) < 0.5
            roof = np.where(red, 1.0, 0.0)
            for band, (r, g) in enumerate(((170, 120), (80, 125), (60, 130))):
                rgb[band][where] = np.where(house, r * roof + g * (1 - roof), colour[band, 0] * shade)
            continue
        rgb[:, where] = colour * shade
    return rgb


def _changes(rng, rgb, patch_ids, patches, xs, ys):
    """Paint each patch's change into the after image."""
    for index, (_, _, bhlx, _) in enumerate(patches):
        where = patch_ids == index + 1
        if not where.any():
            continue
        base = np.array(CHANGE_LOOK.get(bhlx, CHANGE_LOOK["其他"]), dtype=float)[:, None]
        values = base * (1 + 0.06 * rng.uniform(-1, 1, where.sum()))
        if bhlx == "新增建设用地":  # new buildings: blue-grey steel roofs, 16 × 30 m with 8 m lanes
            roof = (np.mod(xs[where] + 7 * index, 24) < 16) & (np.mod(ys[where] + 11 * index, 38) < 30)
            values = np.where(roof, np.array([105, 130, 165], dtype=float)[:, None], values)
        rgb[:, where] = values


def _write_tile(path, rgb, col, row, work_epsg, stamp):
    size = rgb.shape[1]
    driver = gdal.GetDriverByName("GTiff")
    ds = driver.Create(path, size, size, 3, gdal.GDT_Byte,
                       options=["COMPRESS=JPEG", "PHOTOMETRIC=YCBCR", "JPEG_QUALITY=80", "TILED=YES"])
    ds.SetGeoTransform((col * TILE_M, PIXEL_M, 0, (row + 1) * TILE_M, 0, -PIXEL_M))
    ds.SetProjection(epsg_srs(work_epsg).ExportToWkt())
    ds.SetMetadataItem("TIFFTAG_DATETIME", stamp)
    ds.SetMetadataItem("TIFFTAG_SOFTWARE", "land_enforcement demodata")
    for band in range(3):
        ds.GetRasterBand(band + 1).WriteArray(np.clip(rgb[band], 0, 255).astype(np.uint8))
    ds = None


def generate_imagery(demo, out_dir, township=None, max_patches=MAX_PATCHES, seed=None):
    """Write out_dir/imagery/<before>/ and <after>/ tiles for demo (generate_county's dict) and return
    {"before": {...BEFORE, "folder", "tiles"}, "after": {...}, "township", "patches": [covered JCBH],
    "bytes": total size}. township: an XZQDM (default: the one with the most patches of the batch); max_patches:
    how many of its patches get imagery (those nearest the middle of them, so the area stays compact)."""
    seed = demo.get("seed", 1) if seed is None else seed
    work_epsg = demo["working_epsg"]
    patches = _patches(demo)
    if township is None:
        counts = {}
        for _, code, _, _ in patches:
            counts[code] = counts.get(code, 0) + 1
        township = sorted(counts, key=lambda code: (-counts[code], code))[0]
    chosen = [patch for patch in patches if patch[1] == township]
    centres = np.array([patch[3].Centroid().GetPoint_2D() for patch in chosen])
    middle = np.median(centres, axis=0)
    order = sorted(range(len(chosen)), key=lambda i: (float(np.hypot(*(centres[i] - middle))), chosen[i][0]))
    chosen = [chosen[i] for i in sorted(order[:max_patches])]
    cells = _tiles_around(chosen)
    patch_source = _patch_source(patches, work_epsg)  # every patch of the batch: a neighbour's change shows too
    root = os.path.join(out_dir, "imagery")
    result = {"township": township, "patches": sorted(p[0] for p in chosen), "bytes": 0}
    folders = {}
    for spec in (BEFORE, AFTER):
        folder = os.path.join(root, spec["name"])
        os.makedirs(folder, exist_ok=True)
        for stale in os.listdir(folder):
            os.remove(os.path.join(folder, stale))
        folders[spec["role"]] = folder
        result[spec["role"]] = dict(spec, folder=folder, tiles=len(cells))
    land_use_source = _land_use_source(demo["layers"]["cultivated"], work_epsg)
    for col, row in cells:
        rng = np.random.default_rng([seed, col & 0xFFFFFFFF, row & 0xFFFFFFFF])
        mem = _memory_raster(col, row, work_epsg)
        land_use = _burn(mem, land_use_source, col, row)
        classes, parcels = land_use // 100000, land_use % 100000
        patch_ids = _burn(mem, patch_source, col, row)
        mem = None
        size = classes.shape[0]
        xs = col * TILE_M + (np.arange(size) + 0.5)[None, :] * PIXEL_M + np.zeros((size, 1))
        ys = (row + 1) * TILE_M - (np.arange(size) + 0.5)[:, None] * PIXEL_M + np.zeros((1, size))
        haze = _smooth_noise(rng, classes.shape, 50)
        grain = rng.normal(0, 3, classes.shape)
        for season, spec in enumerate((BEFORE, AFTER)):
            rgb = _ground(rng, classes, parcels, xs, ys, season)
            if season:
                _changes(rng, rgb, patch_ids, patches, xs, ys)
            rgb = rgb * (1 + 0.05 * haze) + grain
            path = os.path.join(folders[spec["role"]], f"{spec['name']}_{col}_{row}.tif")
            _write_tile(path, rgb, col, row, work_epsg, spec["stamp"])
            result["bytes"] += os.path.getsize(path)
    patch_source = land_use_source = None
    return result


if __name__ == "__main__":  # python -m demodata.imagery <demo folder>: imagery for an existing demo county
    import json
    import sys

    target = sys.argv[1] if len(sys.argv) > 1 else "build/demo"
    with open(os.path.join(target, "demo.json"), encoding="utf-8") as f:
        made = generate_imagery(json.load(f), target)
    print(json.dumps({key: made[key] for key in ("township", "bytes")}, ensure_ascii=False),
          len(made["patches"]), "patches,", made["before"]["tiles"], "tiles per date")
