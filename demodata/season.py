"""A demo task taken through the season in-process (import, overlay, verification, photos), for
tests and benchmarks that need a task with everything in it. `make demo` does the same through
qgis_process."""
import os

from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.overlay.engine_local import OverlayInputs
from land_enforcement_plugin.core.overlay.run import run_overlay
from land_enforcement_plugin.core.review import photos, verification

from .county import APPROVAL_LAYERS, generate_county, layer_source


def redline_inputs(redlines):
    """OverlayInputs over every red-line layer of the demo: the shapefiles of its delivery folder (or the
    tables of a clean delivery's GeoPackage)."""
    from qgis.core import QgsVectorLayer

    def layer(name):
        return QgsVectorLayer(layer_source(redlines, name), name, "ogr")

    return OverlayInputs(layer("townships"), layer("cultivated"), layer("pbf"), layer("eco_redline"),
                         [layer(name) for name, _ in APPROVAL_LAYERS])


def processed_season(out_dir, size="small", seed=1, delivery="province"):
    """The demo county, delivered as provinces deliver it, with a task database holding overlay results,
    the township sheet's valid verdicts and the matching photos. The import makes a batch of each
    quarter in the file's PC (2024Q1…2024Q4). Returns generate_county's dict plus 'task'."""
    demo = generate_county(out_dir, size=size, seed=seed, delivery=delivery)
    task = os.path.join(out_dir, f"task_{demo['county_code']}_2024.gpkg")
    import_patches(task, ImportOptions(demo["patches"]))
    run_overlay(task, redline_inputs(demo["redlines"]))
    verification.import_spreadsheet(task, demo["verification_xlsx"], accept_partial=True)
    from land_enforcement_plugin.core.store import GeoPackageTaskStore

    with GeoPackageTaskStore.open(task) as store:
        jcbhs = list(store.patch_index())
    photos.attach_photos(task, photos.match_folder(demo["photos_dir"], jcbhs))
    demo["task"] = task
    return demo
