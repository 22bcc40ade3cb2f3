"""Field photos: EXIF read, folder matching, copies beside the task, distance and date warnings."""
import os

import pytest
from qgis.core import QgsVectorLayer

from demodata.county import generate_county
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.review import photos
from land_enforcement_plugin.core.store import GeoPackageTaskStore


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = generate_county(str(out), size="small", seed=5)
    task = str(out / "task.gpkg")
    import_patches(task, ImportOptions(result["patches"]))
    result["task"] = task
    return result


def test_exif_position_time_and_direction(demo):
    info = photos.read_exif(demo["photos"][0]["path"])
    assert 117.9 < info.longitude < 118.6 and 35.9 < info.latitude < 36.4
    assert info.taken_at.startswith("2024-") and 0 <= info.direction < 360


def test_folder_matching_by_jcbh(demo, tmp_path):
    store = GeoPackageTaskStore.open(demo["task"])
    jcbhs = set(store.patch_index())
    store.close()
    matches = photos.match_folder(demo["photos_dir"], jcbhs)
    assert sum(len(v) for v in matches.values()) == len(demo["photos"])
    # Prefix clash: "12" must not take "123"'s photo.
    (tmp_path / "123_1.jpg").write_bytes(b"x")
    (tmp_path / "12-2.jpg").write_bytes(b"x")
    (tmp_path / "notes.txt").write_bytes(b"x")
    assert photos.match_folder(str(tmp_path), {"12", "123"}) == {
        "123": [str(tmp_path / "123_1.jpg")], "12": [str(tmp_path / "12-2.jpg")]}


def test_attach_copies_records_and_warns(demo):
    store = GeoPackageTaskStore.open(demo["task"])
    matches = photos.match_folder(demo["photos_dir"], set(store.patch_index()))
    store.close()
    result = photos.attach_photos(demo["task"], matches)
    assert result.added == len(demo["photos"]) and result.skipped == 0
    far = {p["jcbh"] for p in demo["photos"] if p["far"]}
    early = {p["jcbh"] for p in demo["photos"] if p["before_later_image"]}
    warned = {(w[0], "km" if "m from the patch" in w[3] else "date") for w in result.warnings}
    assert {(j, "km") for j in far} <= warned and {(j, "date") for j in early} <= warned
    layer = QgsVectorLayer(f"{demo['task']}|layername=photos", "photos", "ogr")
    assert layer.featureCount() == len(demo["photos"])
    first = next(layer.getFeatures())
    assert os.path.exists(os.path.join(os.path.dirname(demo["task"]), first["file"]))
    assert first["direction"] is not None and first.geometry().type() == 0  # a point
    # Attaching the same photos again changes nothing.
    again = photos.attach_photos(demo["task"], matches)
    assert (again.added, again.skipped) == (0, len(demo["photos"]))


def test_unknown_patch_is_refused(demo):
    result = photos.attach_photos(demo["task"], {"NOPE": [demo["photos"][0]["path"]]})
    assert result.added == 0 and [r[0] for r in result.refused] == ["NOPE"]
    assert "Unknown monitoring number" in result.refused[0][3]


def test_photo_distance_is_a_task_setting(demo):
    store = GeoPackageTaskStore.open(demo["task"])
    assert photos.task_photo_distance(store) == 100.0
    photos.set_task_photo_distance(store, 2000)
    store.close()
    far = [p for p in demo["photos"] if p["far"]][0]
    store = GeoPackageTaskStore.open(demo["task"])
    jcbhs = set(store.patch_index())
    assert photos.task_photo_distance(store) == 2000.0
    store.close()
    assert far["jcbh"] in jcbhs
    result = photos.attach_photos(demo["task"], {far["jcbh"]: [far["path"]]})
    assert not [w for w in result.warnings if "m from the patch" in w[3]]
    store = GeoPackageTaskStore.open(demo["task"])
    photos.set_task_photo_distance(store, 100)
    store.close()


def test_attach_photos_algorithm(tmp_path, qgis_processing):
    import processing
    from qgis.core import QgsApplication

    from land_enforcement_plugin.processing.provider import LandEnforcementProvider

    demo = generate_county(str(tmp_path), size="small", seed=7)
    task = str(tmp_path / "task.gpkg")
    import_patches(task, ImportOptions(demo["patches"]))
    provider = LandEnforcementProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    try:
        result = processing.run("landenforcement:attachphotos", {"INPUT": demo["photos_dir"], "DATABASE": task})
        again = processing.run("landenforcement:attachphotos", {"INPUT": demo["photos_dir"], "DATABASE": task,
                                                                "MAX_DISTANCE": 5000})
    finally:
        QgsApplication.processingRegistry().removeProvider(provider)
    assert result["ATTACHED"] == len(demo["photos"]) and result["PATCHES"] == len({p["jcbh"] for p in demo["photos"]})
    assert "m from the patch" in result["REPORT"]
    assert (again["ATTACHED"], again["SKIPPED"]) == (0, len(demo["photos"]))


def write_photo(path, taken, lon=118.1005, lat=36.1005):
    """A JPEG as a phone writes it: EXIF time taken (local) and GPS position (inside conftest.SQUARE)."""
    import piexif
    from PIL import Image

    def dms(value):
        degrees, minutes = int(value), int((value - int(value)) * 60)
        return (degrees, 1), (minutes, 1), (round(((value - degrees) * 60 - minutes) * 60 * 10000), 10000)

    exif = {"Exif": {piexif.ExifIFD.DateTimeOriginal: taken.encode()},
            "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: dms(lat),
                    piexif.GPSIFD.GPSLongitudeRef: b"E", piexif.GPSIFD.GPSLongitude: dms(lon)}}
    Image.new("RGB", (64, 48), (150, 190, 120)).save(path, "JPEG", exif=piexif.dump(exif))
    return path


def test_photo_date_is_compared_with_a_month_hsx_as_a_date(tmp_path):
    """HSX delivered as the month 202303: a photo of 2023-06-01 is after it, one of 2023-02-20 before it;
    a photo taken on the month's first day is not early."""
    from conftest import patch_row, write_patches

    source = write_patches(str(tmp_path / "wptb.shp"), [patch_row("1405242023000001", xzqdm="140524000000",
                                                                  xzqmc="陵川县", QSX="202210", HSX="202303")])
    task = str(tmp_path / "task.gpkg")
    import_patches(task, ImportOptions(source))
    june, february, first_day = (write_photo(str(tmp_path / name), taken) for name, taken in (
        ("1405242023000001_1.jpg", "2023:06:01 10:00:00"), ("1405242023000001_2.jpg", "2023:02:20 10:00:00"),
        ("1405242023000001_3.jpg", "2023:03:01 08:00:00")))
    result = photos.attach_photos(task, {"1405242023000001": [june, february, first_day]})
    assert result.added == 3
    assert [(name, zh, en) for _jcbh, name, zh, en in result.warnings] == [
        ("1405242023000001_2.jpg", "拍摄时间 2023-02-20 早于后时相 2023-03",
         "Taken 2023-02-20, before the later image date 2023-03")]
