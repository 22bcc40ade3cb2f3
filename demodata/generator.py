"""A deterministic demo county: red lines, change patches, field photos and the returned sheet.

generate_county(out_dir, county_code="370323", size="small", seed=1) builds everything on the
county's real boundary; the same seed gives byte-identical files. Each part draws from its own
random stream (spawned from the seed), so changing one part does not reshuffle the others.
"""
import os
from dataclasses import dataclass

import numpy as np

from . import approvals as approval_data
from . import fieldsheet, geo, gpkg, landuse, names, patches as patch_data, photos as photo_data, redlines
from .townships import boundary_points, build_townships

HERE = os.path.dirname(os.path.abspath(__file__))
# Where the real county outlines live: $DEMODATA_COUNTIES, else the shared data beside the checkout.
BOUNDARY_DIRS = (os.environ.get("DEMODATA_COUNTIES", ""),
                 os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared", "data", "counties"),
                 "/work/shared/data/counties")
STREAMS = ("townships", "landuse", "parcels", "pbf", "eco", "patches", "attributes", "approvals", "sheet", "photos")


@dataclass(frozen=True)
class Size:
    townships: int
    parcels: int  # grid cells aimed at (merges and clipping change the final count a little)
    eco_areas: int
    distractor_approvals: int
    photo_patches: int


SIZES = {
    "small": Size(townships=6, parcels=3000, eco_areas=3, distractor_approvals=15, photo_patches=30),
    "large": Size(townships=12, parcels=440000, eco_areas=6, distractor_approvals=1500, photo_patches=30),
}

CULTIVATED_FIELDS = (("DLBM", gpkg.STRING, 4, 0), ("DLMC", gpkg.STRING, 20, 0), ("TBMJ", gpkg.REAL, 15, 2))
TOWNSHIP_FIELDS = (("XZQDM", gpkg.STRING, 12, 0), ("XZQMC", gpkg.STRING, 50, 0))
PBF_FIELDS = (("JBNTBH", gpkg.STRING, 20, 0), ("MJ", gpkg.REAL, 15, 2))
ECO_FIELDS = (("HXMC", gpkg.STRING, 100, 0), ("HXBH", gpkg.STRING, 20, 0))
APPROVAL_FIELDS = (("PZWH", gpkg.STRING, 50, 0), ("PZLX", gpkg.STRING, 20, 0), ("PZRQ", gpkg.DATE, 0, 0))


def boundary_path(county_code):
    for folder in BOUNDARY_DIRS:
        path = os.path.join(folder, f"{county_code}.geojson") if folder else ""
        if path and os.path.exists(path):
            return path
    raise FileNotFoundError(f"no boundary file {county_code}.geojson in {', '.join(d for d in BOUNDARY_DIRS if d)}")


def _streams(seed):
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children)}


class County:
    """The county outline in both CRSs and the transformations between them."""

    def __init__(self, county_code, path):
        self.code = county_code
        self.outline_ll = geo.load_boundary(path)
        self.gk_epsg, self.central_meridian = geo.gauss_kruger_epsg(self.outline_ll.Centroid().GetX())
        self.ll_to_gk = geo.transformer(geo.GEOGRAPHIC_EPSG, self.gk_epsg)
        self.gk_to_ll = geo.transformer(self.gk_epsg, geo.GEOGRAPHIC_EPSG)
        self.outline_gk = geo.transformed(self.outline_ll, self.ll_to_gk)
        zone = self.gk_epsg - 4513 + 25
        self.cm_easting = zone * 1_000_000 + 500_000  # false easting with the zone prefix

    def to_gk(self, lonlat):
        return geo.transform_xy(self.ll_to_gk, lonlat)

    def well_inside_ll(self, margin):
        check = patch_data.well_inside(self.outline_gk, margin)
        return lambda lonlat: check(self.to_gk([lonlat])[0])


def eco_centres(rng, county, grid, count, margin=4000.0, spacing=9000.0):
    """Centres for red-line areas: forest cells well inside the county and apart from each other."""
    check = patch_data.well_inside(county.outline_gk, margin)
    forest = np.flatnonzero((grid.classes == names.LAND_USE_CODES.index("0301")).ravel() & grid.interior.ravel())
    centres_all = grid.cell_centres().reshape(-1, 2)
    chosen = []
    for k in rng.permutation(forest)[:4000]:
        centre = centres_all[k]
        if all(np.linalg.norm(centre - c) >= spacing for c in chosen) and check(centre):
            chosen.append(centre)
            if len(chosen) == count:
                break
    return chosen


# -- the layers' rows --------------------------------------------------------------------------
def township_rows(townships):
    for code, name, geometry in zip(townships.codes, townships.names, townships.geometries):
        yield (code, name), bytes(geometry.ExportToIsoWkb())


def parcel_rows(parcels):
    codes = names.LAND_USE_CODES
    for wkb, klass, area in zip(parcels.wkb, parcels.classes.tolist(), parcels.areas.tolist()):
        yield (codes[klass], names.LAND_USE[codes[klass]], round(area, 2)), wkb


def pbf_numbers(county, townships, pbf):
    """JBNTBH: township code (9 digits) + serial."""
    centres_ll = geo.transform_xy(county.gk_to_ll, pbf.centres)
    township = townships.index_of(centres_ll)
    serials = {}
    numbers = []
    for t in township.tolist():
        serials[t] = serials.get(t, 0) + 1
        numbers.append(f"{townships.codes[t][:9]}{serials[t]:05d}")
    return numbers


def approval_rows(approvals, kind):
    for approval in approvals:
        if approval.kind == kind:
            yield ((approval.pzwh, names.APPROVAL_KINDS[kind][0], approval.date.isoformat()),
                   bytes(approval.geometry_gk.ExportToIsoWkb()))


# -- the whole county --------------------------------------------------------------------------
def generate_county(out_dir, county_code="370323", size="small", seed=1, boundary=None):
    """Write the demo county into out_dir; returns paths, counts and what is deliberately wrong."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    if not (len(county_code) == 6 and county_code.isdigit()):
        raise ValueError("county_code must be 6 digits")
    spec, plan, rng = SIZES[size], patch_data.PLANS[size], _streams(seed)
    os.makedirs(out_dir, exist_ok=True)
    county = County(county_code, boundary or boundary_path(county_code))

    townships = build_townships(rng["townships"], county.outline_ll, county_code, spec.townships,
                                county.well_inside_ll(400.0))
    grid = landuse.build_grid(rng["landuse"], county.outline_gk, spec.parcels)
    parcels = landuse.build_parcels(rng["parcels"], grid, county.outline_gk)
    pbf = redlines.build_pbf(rng["pbf"], grid)
    eco = redlines.build_eco(rng["eco"], county_code, county.outline_gk,
                             eco_centres(rng["eco"], county, grid, spec.eco_areas), spec.eco_areas)

    triple_gk = county.to_gk(townships.triple_points)
    pair_gk = county.to_gk(boundary_points(rng["patches"], townships, plan.straddle2, county.well_inside_ll(400.0)))
    placed, spare_slots = patch_data.place_patches(rng["patches"], plan, county.outline_gk, grid, pbf, eco,
                                                   pair_gk, triple_gk)
    patches = patch_data.complete_patches(rng["attributes"], placed, county_code, townships, county.gk_to_ll,
                                          county.cm_easting)
    approvals = approval_data.build_approvals(rng["approvals"], patches, spare_slots, spec.distractor_approvals)
    approval_data.number_approvals(approvals, county_code)

    redlines_path = os.path.join(out_dir, "redlines.gpkg")
    eco_rows = [((area.name, area.code), bytes(area.geometry_ll.ExportToIsoWkb())) for area in _eco_ll(eco, county)]
    pbf_ids = pbf_numbers(county, townships, pbf)
    pbf_rows = zip(((n, round(a, 2)) for n, a in zip(pbf_ids, pbf.areas.tolist())), pbf.wkb)
    layers = [("townships", "乡镇界", geo.GEOGRAPHIC_EPSG, TOWNSHIP_FIELDS, township_rows(townships)),
              ("cultivated", "地类图斑（三调）", county.gk_epsg, CULTIVATED_FIELDS, parcel_rows(parcels)),
              ("pbf", "永久基本农田", county.gk_epsg, PBF_FIELDS, pbf_rows),
              ("eco_redline", "生态保护红线", geo.GEOGRAPHIC_EPSG, ECO_FIELDS, eco_rows)]
    for kind, (_, title) in names.APPROVAL_KINDS.items():
        layers.append((f"approvals_{kind}", title, county.gk_epsg, APPROVAL_FIELDS, approval_rows(approvals, kind)))
    counts = gpkg.write_geopackage(redlines_path, layers)

    patches_dir = os.path.join(out_dir, "patches")
    os.makedirs(patches_dir, exist_ok=True)
    layer_name = f"wptb_{county_code}_{patch_data.YEAR}"
    shapefile = patch_data.write_shapefile(os.path.join(patches_dir, layer_name + ".shp"), patches, townships,
                                           layer_name)

    records, visits, unfilled = fieldsheet.build_records(rng["sheet"], patches, townships)
    bad_rows = fieldsheet.bad_rows(rng["sheet"], county_code, patches, unfilled, townships, patch_data.YEAR)
    sheet_path = os.path.join(out_dir, "verification.xlsx")
    bad_sheet_rows, sloppy_cells = fieldsheet.write_sheet(rng["sheet"], sheet_path, records, bad_rows)

    photos_dir = os.path.join(out_dir, "photos")
    photos = photo_data.take_photos(rng["photos"], photos_dir, patches, visits, spec.photo_patches)

    counts.update(patches=len(patches), photos=len(photos), photo_patches=len({p.jcbh for p in photos}),
                  verification_rows=len(records) + len(bad_rows), verification_filled_patches=len(records),
                  sloppy_cells=sloppy_cells, pbf_overlapping_pairs=len(pbf.overlapping))
    return {
        "out_dir": os.path.abspath(out_dir),
        "county_code": county_code,
        "county_name": names.county_name(county_code),
        "size": size,
        "seed": seed,
        "redlines": redlines_path,
        "patches": shapefile,
        "patch_files": [shapefile[:-4] + ext for ext in (".shp", ".shx", ".dbf", ".prj")],
        "verification": sheet_path,
        "photos_dir": photos_dir,
        "photos": [p.path for p in photos],
        "crs": {"townships": "EPSG:4490", "cultivated": f"EPSG:{county.gk_epsg}", "pbf": f"EPSG:{county.gk_epsg}",
                "eco_redline": "EPSG:4490", "approvals": f"EPSG:{county.gk_epsg}", "patches": "EPSG:4490"},
        "counts": counts,
        "bad_patches": [{"jcbh": p.jcbh, "problem": p.problem} for p in patches if p.problem],
        "bad_photos": [{"path": p.path, "jcbh": p.jcbh, "problem": p.problem} for p in photos if p.problem],
        "bad_verification_rows": bad_sheet_rows,
        "bad_eco_redline": [{"HXBH": area.code, "problem": "自相交 / self-intersecting ring"}
                            for area in eco if not area.valid],
        "pbf_overlaps": [(pbf_ids[a], pbf_ids[b]) for a, b in pbf.overlapping],
        "special_patches": _special_patches(patches),
    }


def _eco_ll(eco, county):
    for area in eco:
        area.geometry_ll = geo.transformed(area.geometry_gk, county.gk_to_ll)
        yield area


def _special_patches(patches):
    def jcbh(condition):
        return [p.jcbh for p in patches if condition(p)]
    return {
        "straddle_two_townships": jcbh(lambda p: p.kind == "straddle2" and p.townships_crossed == 2),
        "straddle_three_townships": jcbh(lambda p: p.kind == "straddle3" and p.townships_crossed >= 3),
        "with_holes": jcbh(lambda p: p.kind == "hole"),
        "multipart": jcbh(lambda p: p.kind == "multipart"),
        "invalid": jcbh(lambda p: p.kind == "invalid"),
        "on_eco_redline": jcbh(lambda p: p.kind == "eco"),
        "on_pbf": jcbh(lambda p: p.on_pbf),
        "on_cultivated": jcbh(lambda p: p.land_use in names.CULTIVATED_CODES),
        "approved_fully": jcbh(lambda p: p.approval.get("status") == "full"),
        "approved_partly": jcbh(lambda p: p.approval.get("status") == "partial"),
    }
