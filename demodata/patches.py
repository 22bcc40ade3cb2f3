"""Change patches (卫片图斑) as the ministry delivers them: irregular polygons of 0.3–30 亩.

Patches sit in slots of a coarse grid (one patch per slot, smaller than the slot), so they never
overlap each other; most slots chosen are on cultivated land. Special patches are placed on
purpose: on township boundaries (two and three townships), with holes, multipart, self-intersecting.
"""
import datetime
from dataclasses import dataclass, field

import numpy as np
from osgeo import ogr

from . import geo, names

MIN_AREA, MAX_AREA = 200.0, 20000.0  # m²: 0.3 .. 30 亩
MAX_REACH = 105.0  # m: no vertex further than this from the patch centre
MARGIN = 130.0  # m: slot centres this far inside the county
YEAR = 2024


@dataclass
class Patch:
    polygons: list  # [[outer ring, holes...], ...] GK coordinates
    centre: np.ndarray  # GK
    kind: str  # normal, hole, multipart, invalid, straddle2, straddle3, eco
    problem: str = None  # what is deliberately wrong (invalid geometry)
    land_use: str = None  # DLBM under the centre
    on_pbf: bool = False
    jcbh: str = ""
    township: int = -1
    townships_crossed: int = 1
    geometry_gk: object = None
    geometry_ll: object = None
    centroid_ll: tuple = None
    area_m2: float = 0.0  # ellipsoidal estimate
    tbmj: float = 0.0  # 亩, as delivered
    qsx: str = ""
    hsx: str = ""
    bhlx: str = ""
    approval: dict = field(default_factory=dict)  # {"status": full|partial, "kind", "pzwh"}


@dataclass
class Plan:
    """How many of each kind of patch to make."""
    total: int
    slot_spacing: float
    straddle2: int
    straddle3: int
    holes: int
    multipart: int
    invalid: int
    eco: int


PLANS = {
    "small": Plan(total=120, slot_spacing=520.0, straddle2=5, straddle3=2, holes=4, multipart=3, invalid=3, eco=3),
    "large": Plan(total=20000, slot_spacing=228.0, straddle2=40, straddle3=6, holes=150, multipart=100,
                  invalid=20, eco=60),
}


# -- shapes ------------------------------------------------------------------------------------
def _scaled_to(ring, centre, area):
    """Scale a closed ring about centre to the given area, keeping every vertex within MAX_REACH."""
    current = geo.shoelace(ring[None])[0]
    ring = centre + (ring - centre) * np.sqrt(area / current)
    reach = np.max(np.linalg.norm(ring - centre, axis=1))
    if reach > MAX_REACH:
        ring = centre + (ring - centre) * (MAX_REACH / reach)
    return ring


def star(rng, centre, area, vertices=None, roughness=0.18):
    """An irregular star-shaped ring (simple by construction: angles strictly increase)."""
    vertices = vertices or int(rng.integers(7, 15))
    # Angles strictly increasing over less than one turn, none too close to the next.
    gaps = rng.uniform(0.5, 1.5, vertices)
    angles = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.cumsum(gaps) / gaps.sum()
    radius = np.ones(vertices)
    for k in (1, 2, 3):
        radius += roughness * rng.normal() / k * np.cos(k * angles + rng.uniform(0, 2 * np.pi))
    radius = np.clip(radius + rng.normal(0, 0.05, vertices), 0.65, 1.35)
    ring = centre + np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    return _scaled_to(np.vstack([ring, ring[:1]]), centre, area)


def building_lot(rng, centre, area):
    """A slightly irregular rotated rectangle, sometimes with a corner cut: a new yard or plant."""
    aspect = rng.uniform(1.0, 2.5)
    w, h = np.sqrt(area * aspect), np.sqrt(area / aspect)
    corners = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
    corners += rng.normal(0, 0.03, corners.shape) * [w, h]
    if rng.random() < 0.3:  # cut a corner
        cut = rng.uniform(0.2, 0.4)
        corners = np.array([corners[0], corners[1], corners[1] + (corners[2] - corners[1]) * (1 - cut),
                            corners[2] + (corners[3] - corners[2]) * cut, corners[3]])
    theta = rng.uniform(0, np.pi)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    ring = centre + corners @ rotation.T
    return _scaled_to(np.vstack([ring, ring[:1]]), centre, area)


def patch_area(rng, low=MIN_AREA, high=MAX_AREA):
    """Log-uniform: many small patches, a few large ones."""
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def normal_shape(rng, centre):
    area = patch_area(rng)
    return [[star(rng, centre, area) if rng.random() < 0.6 else building_lot(rng, centre, area)]]


def holed_shape(rng, centre):
    area = patch_area(rng, 3000, MAX_AREA)
    outer = star(rng, centre, area, roughness=0.1)
    inner_radius = 0.55 * np.min(np.linalg.norm(outer[:-1] - centre, axis=1))
    hole = star(rng, centre, np.pi * (inner_radius * 0.55) ** 2, vertices=6, roughness=0.05)
    return [[outer, hole[::-1]]]


def multipart_shape(rng, centre):
    """Two pieces of one monitored change (e.g. a yard split by a kept road)."""
    direction = rng.normal(size=2)
    direction /= np.linalg.norm(direction)
    first = star(rng, centre - direction * 30, patch_area(rng, 400, 4000))
    second = star(rng, centre + direction * 45, patch_area(rng, 300, 2500))
    r1 = np.max(np.linalg.norm(first[:-1] - (centre - direction * 30), axis=1))
    r2 = np.max(np.linalg.norm(second[:-1] - (centre + direction * 45), axis=1))
    # Shift the second piece out until the two are apart.
    gap = max(0.0, r1 + r2 + 8 - 75)
    second = second + direction * gap
    return [[first], [second]]


def invalid_shape(rng, centre, n):
    """Self-intersecting rings: alternately a bow-tie quadrilateral and a star with a twisted vertex."""
    if n % 2 == 0:
        w, h = rng.uniform(20, 60), rng.uniform(20, 60)
        theta = rng.uniform(0, np.pi)
        rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        ring = centre + np.array([[-w, -h], [w, h], [w, -h], [-w, h], [-w, -h]]) @ rotation.T
        return [[ring]], "自相交（蝴蝶结形）/ self-intersecting bow-tie ring"
    ring = star(rng, centre, patch_area(rng, 1500, 12000), vertices=12)
    return [[geo.bow_tie(ring)]], "自相交（折点顺序错乱）/ self-intersecting ring (two vertices swapped)"


# -- placement ---------------------------------------------------------------------------------
def slot_centres(rng, county_gk, spacing):
    """Centres of a coarse grid, kept where they are MARGIN inside the county."""
    xmin, xmax, ymin, ymax = county_gk.GetEnvelope()
    pixel = 40.0
    shape = (int(np.ceil((ymax - ymin) / pixel)) + 1, int(np.ceil((xmax - xmin) / pixel)) + 1)
    mask = geo.erode(geo.rasterize(county_gk, (xmin, ymin), (pixel, pixel), shape), int(np.ceil(MARGIN / pixel)))
    offset = rng.uniform(0, spacing, 2)
    xs = np.arange(xmin + offset[0], xmax, spacing)
    ys = np.arange(ymin + offset[1], ymax, spacing)
    xy = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    col = ((xy[:, 0] - xmin) / pixel).astype(int)
    row = ((xy[:, 1] - ymin) / pixel).astype(int)
    return xy[mask[row, col]]


def well_inside(county_gk, margin):
    """A test for points (GK) at least margin metres inside the county."""
    boundary = county_gk.GetBoundary()
    point = ogr.Geometry(ogr.wkbPoint)

    def check(xy):
        point.SetPoint_2D(0, float(xy[0]), float(xy[1]))
        return bool(county_gk.Contains(point)) and boundary.Distance(point) >= margin
    return check


def _contains(geometry, xy):
    point = ogr.Geometry(ogr.wkbPoint)
    out = np.zeros(len(xy), dtype=bool)
    for k, (x, y) in enumerate(xy):
        point.SetPoint_2D(0, float(x), float(y))
        out[k] = geometry.Contains(point)
    return out


def place_patches(rng, plan, county_gk, grid, pbf, eco_areas, straddle2_gk, straddle3_gk):
    """All patches with their shapes (GK), before numbering, and the unused slots (shuffled)."""
    patches = [Patch([[star(rng, c, patch_area(rng, 6000, MAX_AREA))]], c, "straddle3")
               for c in straddle3_gk[:plan.straddle3]]
    patches += [Patch([[star(rng, c, patch_area(rng, 4000, MAX_AREA))]], c, "straddle2")
                for c in straddle2_gk[:plan.straddle2]]

    slots = slot_centres(rng, county_gk, plan.slot_spacing)
    if patches:  # keep slot patches clear of the boundary-straddling ones
        specials = np.array([p.centre for p in patches])
        distance = np.min(np.linalg.norm(slots[:, None, :] - specials[None, :, :], axis=2), axis=1)
        slots = slots[distance > 2.2 * MAX_REACH]
    j, i = grid.cell_of(slots)
    cultivated = grid.is_cultivated()[j, i]

    in_eco = np.zeros(len(slots), dtype=bool)
    for area in eco_areas:
        if area.valid:
            in_eco |= _contains(area.geometry_gk, slots)
    eco_slots = np.flatnonzero(in_eco)
    eco_pick = rng.choice(eco_slots, size=min(plan.eco, len(eco_slots)), replace=False) if len(eco_slots) else []

    weights = np.where(cultivated, 8.0, 1.0)
    weights[eco_pick] = 0.0
    remaining = plan.total - len(patches) - len(eco_pick)
    if remaining > np.count_nonzero(weights):
        raise ValueError(f"county too small for {plan.total} patches at {plan.slot_spacing} m spacing")
    pick = rng.choice(len(slots), size=remaining, replace=False, p=weights / weights.sum())

    kinds = (["hole"] * plan.holes + ["multipart"] * plan.multipart + ["invalid"] * plan.invalid)
    kinds += ["normal"] * (remaining - len(kinds))
    for n, (slot, kind) in enumerate(zip(pick, kinds)):
        centre = slots[slot]
        problem = None
        if kind == "hole":
            polygons = holed_shape(rng, centre)
        elif kind == "multipart":
            polygons = multipart_shape(rng, centre)
        elif kind == "invalid":
            polygons, problem = invalid_shape(rng, centre, n)
        else:
            polygons = normal_shape(rng, centre)
        patches.append(Patch(polygons, centre, kind, problem))
    patches += [Patch(normal_shape(rng, slots[s]), slots[s], "eco") for s in eco_pick]

    for patch in patches:
        cj, ci = grid.cell_of(patch.centre)
        patch.land_use = names.LAND_USE_CODES[grid.classes[cj, ci]]
        patch.on_pbf = bool(pbf.cell_block[cj, ci] >= 0)
    used = np.zeros(len(slots), dtype=bool)
    used[pick] = True
    used[np.asarray(eco_pick, dtype=int)] = True
    spare = slots[~used]
    return patches, spare[rng.permutation(len(spare))]


# -- attributes --------------------------------------------------------------------------------
def _random_date(rng, start, end):
    days = (end - start).days
    return start + datetime.timedelta(days=int(rng.integers(0, days + 1)))


def change_type(rng, patch):
    """BHLX: most changes are new construction; fill and grading, and the rest, follow."""
    draw = rng.random()
    if patch.land_use == "1202" or draw < 0.65:
        return names.CHANGE_TYPES[0]
    return names.CHANGE_TYPES[1] if draw < 0.87 else names.CHANGE_TYPES[2]


def complete_patches(rng, patches, county_code, townships, gk_to_ll, central_meridian_easting):
    """Geometries in both CRSs, township, number, areas, dates and change type."""
    for patch in patches:
        patch.geometry_gk = geo.multipolygon(patch.polygons)
        patch.geometry_ll = geo.transformed(patch.geometry_gk, gk_to_ll)
        with geo.quiet_gdal():
            valid = patch.geometry_gk.IsValid()
            footprint = patch.geometry_gk if valid else patch.geometry_gk.MakeValid()
        centroid = footprint.Centroid()
        lon, lat = geo.transform_xy(gk_to_ll, [[centroid.GetX(), centroid.GetY()]])[0]
        patch.centroid_ll = (float(lon), float(lat))
        patch.township = int(townships.index_of([patch.centroid_ll])[0])
        scale = geo.gk_area_scale(centroid.GetX() - central_meridian_easting, lat)
        patch.area_m2 = footprint.GetArea() / scale
        patch.tbmj = round(patch.area_m2 / geo.MU_M2, 2)
        qsx = _random_date(rng, datetime.date(YEAR - 1, 10, 1), datetime.date(YEAR - 1, 12, 31))
        hsx = _random_date(rng, datetime.date(YEAR, 9, 1), datetime.date(YEAR, 11, 30))
        patch.qsx, patch.hsx = qsx.isoformat(), hsx.isoformat()
        patch.bhlx = change_type(rng, patch)
        if patch.kind.startswith("straddle"):
            patch.townships_crossed = count_townships(patch.geometry_ll, townships)

    # Ministry numbering: by township, then north to south.
    order = sorted(range(len(patches)), key=lambda k: (patches[k].township, -patches[k].centroid_ll[1],
                                                        patches[k].centroid_ll[0]))
    numbered = [patches[k] for k in order]
    for serial, patch in enumerate(numbered, start=1):
        patch.jcbh = f"{county_code}{YEAR}{serial:06d}"
    return numbered


def count_townships(geometry_ll, townships, share=0.01):
    """How many townships hold at least `share` of the patch."""
    total = geometry_ll.GetArea()
    return sum(1 for t in townships.geometries
               if (geometry_ll.Intersection(t) or ogr.Geometry(ogr.wkbPolygon)).GetArea() > share * total)


# -- writing -----------------------------------------------------------------------------------
SHAPEFILE_FIELDS = (("JCBH", ogr.OFTString, 20, 0), ("XZQDM", ogr.OFTString, 12, 0),
                    ("XZQMC", ogr.OFTString, 50, 0), ("TBMJ", ogr.OFTReal, 12, 2),
                    ("QSX", ogr.OFTString, 10, 0), ("HSX", ogr.OFTString, 10, 0),
                    ("BHLX", ogr.OFTString, 30, 0), ("PC", ogr.OFTString, 20, 0))


def write_shapefile(path, patches, townships, layer_name):
    """GBK-encoded, EPSG:4490 shapefile without a .cpg, as bureaus receive it."""
    stem = path[:-4]
    geo.ensure_removed(*(stem + ext for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix")))
    # QGIS's OGR provider sets SHAPE_ENCODING="" process-wide, which would defeat ENCODING below.
    with geo.config_options(SHAPE_ENCODING=None):
        dataset = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(path)
        layer = dataset.CreateLayer(layer_name, geo.srs(geo.GEOGRAPHIC_EPSG), ogr.wkbPolygon,
                                    options=["ENCODING=CP936", f"DBF_DATE_LAST_UPDATE={YEAR}-12-31"])
        for name, kind, width, precision in SHAPEFILE_FIELDS:
            definition = ogr.FieldDefn(name, kind)
            definition.SetWidth(width)
            definition.SetPrecision(precision)
            layer.CreateField(definition)
        defn = layer.GetLayerDefn()
        for patch in patches:
            feature = ogr.Feature(defn)
            feature.SetField("JCBH", patch.jcbh)
            feature.SetField("XZQDM", townships.codes[patch.township])
            feature.SetField("XZQMC", townships.names[patch.township])
            feature.SetField("TBMJ", patch.tbmj)
            feature.SetField("QSX", patch.qsx)
            feature.SetField("HSX", patch.hsx)
            feature.SetField("BHLX", patch.bhlx)
            feature.SetField("PC", names.BATCH)
            feature.SetGeometry(patch.geometry_ll)
            layer.CreateFeature(feature)
        dataset = None
    geo.ensure_removed(stem + ".cpg")  # bureaus' files usually come without one
    return path
