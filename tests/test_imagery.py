"""Before / after imagery: date matching, the registry, tile folders as one VRT, chips, the dock, the sheets."""
import glob
import os
import subprocess
import time
from contextlib import contextmanager

import numpy as np
import pytest
from conftest import running_plugin, wait_for
from osgeo import gdal, osr
from qgis.core import QgsApplication, QgsGeometry, QgsPointXY, QgsRasterLayer
from qgis.PyQt.QtCore import QObject
from qgis.PyQt.QtGui import QImage
from test_submission import copy_task

from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.imagery import matching, render, sources
from land_enforcement_plugin.core.imagery import registry as imagery
from land_enforcement_plugin.core.reports import evidence
from land_enforcement_plugin.core.store import GeoPackageTaskStore


@pytest.fixture(scope="module")
def demo(season, tmp_path_factory):
    """A copy of the season task with the demo's synthetic imagery (4 patches' worth) registered, and
    which patches it covers and which not."""
    from demodata.imagery import generate_imagery

    folder = str(tmp_path_factory.mktemp("imagery_task"))
    task = copy_task(season, os.path.join(folder, "task"))
    made = generate_imagery(season, folder, max_patches=4)
    for role in ("before", "after"):
        spec = made[role]
        imagery.add_tile_folder(task, spec["folder"], role, spec["date_from"], spec["date_to"])
    with GeoPackageTaskStore.open(task) as store:
        jcbhs = sorted(store.patch_index())
    covered = [j for j in jcbhs if matching.match_patch(task, j).before is not None]
    return {"task": task, "made": made, "covered": covered, "uncovered": [j for j in jcbhs if j not in covered]}


# -- matching ------------------------------------------------------------------------------------
def entry(name, role, date_from, date_to=None, **extra):
    return imagery.make_entry(f"/imagery/{name}.tif", name=name, role=role, date_from=date_from, date_to=date_to,
                              **extra)


def names(found):
    return (found.before and found.before["name"], found.after and found.after["name"])


def test_match_takes_the_nearest_image_on_or_before_qsx_and_on_or_after_hsx():
    entries = [entry("old", "before", "2023-06-01"), entry("sept", "any", "2023-09-20"),
               entry("too_late", "before", "2023-10-15"),  # after QSX: may already show the change
               entry("wrong_role", "after", "2023-09-30"), entry("may", "after", "2024-05-01"),
               entry("march", "any", "2024-03-01", "2024-03-31")]
    found = matching.match("2023-10-01", "2024-03-15", entries)
    assert names(found) == ("sept", "march") and found.reasons == []
    assert names(matching.match("2023-10-01", "2024-03-15", [e for e in entries if e["name"] != "march"])) == \
        ("sept", "may")
    assert names(matching.match("2023-09-25", "2024-04-02", entries)) == ("sept", "may")
    assert names(matching.match("2023/9/1", "20240601", entries)) == ("old", None)  # dates as typed
    assert matching.gap_days(entries[1], "2023-10-01", "before") == 11
    assert matching.gap_days(entries[5], "2024-03-15", "after") == 0


def test_match_ranges_ties_and_the_same_image_never_both():
    exact = entry("exact", "any", "2023-10-01")
    mosaic = entry("mosaic", "any", "2023-09-01", "2023-10-31")
    earlier = entry("earlier", "before", "2023-09-28")
    # A range holding the date is exact; the narrower of two exact ones wins.
    assert names(matching.match("2023-10-01", "2024-01-01", [earlier, mosaic]))[0] == "mosaic"
    assert names(matching.match("2023-10-01", "2024-01-01", [mosaic, exact]))[0] == "exact"
    # One range over both dates cannot be both images.
    found = matching.match("2023-09-10", "2023-10-20", [mosaic])
    assert names(found) == ("mosaic", None)
    assert [reason.side for reason in found.reasons] == ["after"]
    # A range must run forwards; reversed patch dates are noted.
    with pytest.raises(LandEnforcementError, match="早于"):
        entry("r", "any", "2024-02-01", "2024-01-01")
    found = matching.match("2024-05-01", "2023-01-01", [exact])
    assert any(reason.side is None and "晚于" in reason.zh for reason in found.reasons)


def test_match_says_why_a_side_has_no_image():
    found = matching.match("2023-10-01", "2024-03-15", [])
    assert names(found) == (None, None)
    assert {reason.side for reason in found.reasons} == {"before", "after"}
    assert all("尚未登记" in reason.zh for reason in found.reasons)
    only_late = [entry("late", "any", "2024-06-01")]
    found = matching.match("2023-10-01", "2024-03-15", only_late)
    assert names(found) == (None, "late")
    assert "QSX 2023-10-01" in found.reasons[0].en and found.reasons[0].side == "before"
    found = matching.match(None, "bad date", only_late)
    assert names(found) == (None, None)
    assert "QSX" in found.reasons[0].en and "'bad date' is not a date" in found.reasons[1].en
    undated = [imagery.make_entry("/imagery/x.tif", role="any")]
    assert "没有日期" in matching.match("2023-10-01", "2024-03-15", undated).reasons[0].zh
    # Footprints: an image whose extent (or whose tiles) miss the patch does not match it.
    tiled = entry("tiled", "any", "2023-09-01", extent=[0, 0, 3000, 1000],
                  tiles=[[0, 0, 1000, 1000], [2000, 0, 3000, 1000]])
    assert names(matching.match("2023-10-01", "2024-03-15", [tiled], bbox=(100, 100, 200, 200)))[0] == "tiled"
    found = matching.match("2023-10-01", "2024-03-15", [tiled], bbox=(1200, 100, 1300, 200))  # in the gap
    assert names(found) == (None, None) and "不覆盖" in found.reasons[0].zh
    service = imagery.make_entry("type=xyz&url=http://tiles/{z}/{x}/{y}.png", "wms", role="after",
                                 date_from="2024-04-01")
    assert names(matching.match("2023-10-01", "2024-03-15", [service], bbox=(1200, 100, 1300, 200)))[1] == \
        service["name"]


def test_dates_and_roles_from_names():
    assert imagery.guess_date("/data/GF2_PMS1_20240315_L1A.tif") == "2024-03-15"
    assert imagery.guess_date("前时相_2023-09-01") == "2023-09-01"
    assert imagery.guess_date("tile_12_3456.tif") is None
    assert imagery.guess_date("/data/前时相_202210") == "2022-10"  # a month, as provinces name them
    assert imagery.guess_date("2023年3月后时相.tif") == "2023-03" and imagery.guess_date("v2023_13.tif") is None
    assert imagery.guess_role("/x/2024春_后时相") == "after" and imagery.guess_role("before_2023") == "before"
    assert imagery.guess_role("mosaic") == "any"
    with pytest.raises(LandEnforcementError, match="日期"):
        imagery.make_entry("/x.tif", date_from="spring")
    assert imagery.make_entry("/x.tif", date_from="2024年3月5日")["date_from"] == "2024-03-05"


# -- the registry and tile folders ------------------------------------------------------------------
def write_tiles(folder, epsg, columns=5, rows=5, size=1000, origin=(597000.0, 4012000.0), pixel=2.0):
    """columns × rows single-band byte tiles of size × size pixels, each filled with its own value."""
    os.makedirs(folder, exist_ok=True)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    paths = []
    for row in range(rows):
        for column in range(columns):
            path = os.path.join(folder, f"tile_{row}_{column}.tif")
            ds = gdal.GetDriverByName("GTiff").Create(path, size, size, 1, gdal.GDT_Byte)
            ds.SetGeoTransform((origin[0] + column * size * pixel, pixel, 0, origin[1] - row * size * pixel, 0, -pixel))
            ds.SetProjection(srs.ExportToWkt())
            ds.GetRasterBand(1).Fill(10 * (row * columns + column) + 5)
            ds = None
            paths.append(path)
    return paths


def test_tile_folder_of_5000_pixels_opens_as_one_layer_without_copying(demo, tmp_path):
    task = copy_task({"task": demo["task"]}, str(tmp_path / "task"))
    tiles_dir = str(tmp_path / "province" / "前时相_20230915")
    tiles = write_tiles(tiles_dir, 4548)
    tile_bytes = sum(os.path.getsize(p) for p in tiles)
    task_folder_before = sum(os.path.getsize(p) for p in glob.glob(str(tmp_path / "task" / "**"), recursive=True)
                             if os.path.isfile(p))
    started = time.perf_counter()
    added = imagery.add_tile_folder(task, tiles_dir)
    seconds = time.perf_counter() - started
    assert (added["role"], added["date_from"], added["tile_count"], len(added["tiles"])) == \
        ("before", "2023-09-15", 25, 25)
    vrt = added["source"]
    assert vrt.endswith(".vrt") and os.path.dirname(vrt) == imagery.imagery_folder(task)
    layer = QgsRasterLayer(vrt, "mosaic", "gdal")
    try:
        assert layer.isValid() and (layer.width(), layer.height()) == (5000, 5000)
        # the corners come from the first and the last tile
        provider = layer.dataProvider()
        extent = layer.extent()
        first = provider.sample(QgsPointXY(extent.xMinimum() + 1, extent.yMaximum() - 1), 1)[0]
        last = provider.sample(QgsPointXY(extent.xMaximum() - 1, extent.yMinimum() + 1), 1)[0]
        assert (first, last) == (5, 245)
    finally:
        del layer
    # Nothing copied: the VRT is a small text file naming the original tiles.
    assert os.path.getsize(vrt) < 30000 < tile_bytes / 100
    text = open(vrt, encoding="utf-8").read()
    assert all(os.path.basename(p) in text for p in tiles)
    assert sum(os.path.getsize(p) for p in tiles) == tile_bytes
    task_folder_after = sum(os.path.getsize(p) for p in glob.glob(str(tmp_path / "task" / "**"), recursive=True)
                            if os.path.isfile(p))
    assert task_folder_after - task_folder_before < 200000  # the VRT and the registry, no tile bytes
    print(f"\n25 tiles (5000 x 5000 px) registered as one VRT in {seconds * 1000:.0f} ms")
    # Registry round trip: edit, refuse duplicates and bad dates, remove (the VRT goes, the tiles stay).
    assert imagery.update(task, vrt, name="省厅下发前时相", date_to="2023-09-30")["date_to"] == "2023-09-30"
    with pytest.raises(LandEnforcementError, match="已登记"):
        imagery.add_files(task, [vrt])
    with pytest.raises(LandEnforcementError, match="日期"):
        imagery.update(task, vrt, date_from="not a date")
    assert [e["name"] for e in imagery.entries(task)][-1] == "省厅下发前时相"
    assert imagery.remove(task, vrt) and not os.path.exists(vrt) and all(os.path.exists(p) for p in tiles)
    assert vrt not in [e["source"] for e in imagery.entries(task)]


def test_mixed_tiles_are_refused_by_name(tmp_path, demo):
    task = copy_task({"task": demo["task"]}, str(tmp_path / "task"))
    folder = str(tmp_path / "mixed")
    write_tiles(folder, 4548, columns=1, rows=1, size=10)
    write_tiles(os.path.join(folder, "sub"), 4549, columns=1, rows=1, size=10)
    with pytest.raises(LandEnforcementError, match="sub"):
        imagery.add_tile_folder(task, folder)
    os.makedirs(tmp_path / "empty")
    with pytest.raises(LandEnforcementError, match="没有影像瓦片"):
        imagery.add_tile_folder(task, str(tmp_path / "empty"))
    assert len(imagery.entries(task)) == 2 and not glob.glob(os.path.join(imagery.imagery_folder(task), "mixed*"))


def test_saved_xyz_connection_is_registered_without_its_password(demo, tmp_path):
    from qgis.core import QgsSettings

    task = copy_task({"task": demo["task"]}, str(tmp_path / "task"))
    settings = QgsSettings()
    base = "connections/xyz/items/省厅影像2024"
    settings.setValue(f"{base}/url", "https://tiles.example.cn/2024q1/{z}/{x}/{y}.jpg")
    settings.setValue(f"{base}/zmax", 18)
    settings.setValue(f"{base}/username", "bureau")
    settings.setValue(f"{base}/password", "secret")
    try:
        assert ("xyz", "省厅影像2024") in sources.saved_connections()
        added = imagery.add_connection(task, "省厅影像2024", "xyz", role="after", date_from="2024-03-20")
        assert added["provider"] == "wms" and "type=xyz" in added["source"] and "zmax=18" in added["source"]
        with GeoPackageTaskStore.open(task) as store:
            assert "secret" not in store.meta()["imagery"]
        assert "password=secret" in sources._with_credentials(added)  # looked up when the layer is built
        assert imagery.guess_date("省厅影像2024") is None
    finally:
        settings.remove(base)


# -- chips ---------------------------------------------------------------------------------------------
def inside_pixels(image, geometry, extent, inside=True, ring=40.0):
    """RGB of the chip's pixels inside the patch (shrunk 3 m), or in a ring around it."""
    inner, outer, edge = geometry.buffer(-3, 4), geometry.buffer(ring, 4), geometry.buffer(3, 4)
    values = []
    for py in range(0, image.height(), 3):
        for px in range(0, image.width(), 3):
            x = extent.xMinimum() + (px + 0.5) * extent.width() / image.width()
            y = extent.yMaximum() - (py + 0.5) * extent.height() / image.height()
            point = QgsGeometry.fromPointXY(QgsPointXY(x, y))
            if inner.contains(point) if inside else (outer.contains(point) and not edge.contains(point)):
                colour = image.pixelColor(px, py)
                values.append((colour.red(), colour.green(), colour.blue()))
    return np.array(values, dtype=float)


def test_chip_is_not_blank_and_shows_the_change(demo):
    jcbh = demo["covered"][0]
    wkb, qsx, hsx, working, _ = matching.patch_facts(demo["task"], jcbh)
    found = matching.match(qsx, hsx, imagery.entries(demo["task"]), matching.bbox_of(wkb))
    started = time.perf_counter()
    before = render.render_chip(found.before, wkb, working, 400, outline=False, caption="")
    after = render.render_chip(found.after, wkb, working, 400, outline=False, caption="")
    seconds = (time.perf_counter() - started) / 2
    print(f"\nchip 400 x 400 px rendered in {seconds * 1000:.0f} ms")
    geometry = QgsGeometry()
    geometry.fromWkb(wkb)
    extent = render.frame(geometry.boundingBox(), 400, 400)
    inside_before, inside_after = (inside_pixels(chip, geometry, extent) for chip in (before, after))
    around_before, around_after = (inside_pixels(chip, geometry, extent, inside=False) for chip in (before, after))
    assert len(inside_before) > 20 and len(around_before) > 20
    for chip in (before, after):  # not blank: image texture, not the grey background
        values = inside_pixels(chip, geometry, extent, inside=False)
        assert values.std() > 3 and np.abs(values.mean(axis=0) - 225).max() > 20
    change_inside = np.abs(inside_after.mean(axis=0) - inside_before.mean(axis=0)).sum()
    change_around = np.abs(around_after.mean(axis=0) - around_before.mean(axis=0)).sum()
    assert change_inside > 40 and change_inside > 1.5 * change_around, (change_inside, change_around)
    # With the outline: red pixels where the patch boundary is.
    outlined = render.render_chip(found.after, wkb, working, 400)
    reds = sum(1 for y in range(0, 400, 2) for x in range(0, 400, 2)
               if outlined.pixelColor(x, y).red() > 200 and outlined.pixelColor(x, y).green() < 60)
    assert reds > 20


def test_chip_renders_off_the_main_thread(demo):
    """As a QgsTask would: the layers are built in the worker, the image comes back."""
    from concurrent.futures import ThreadPoolExecutor

    wkb, qsx, hsx, working, redlines = matching.patch_facts(demo["task"], demo["covered"][0])
    found = matching.match(qsx, hsx, imagery.entries(demo["task"]), matching.bbox_of(wkb))
    with ThreadPoolExecutor(1) as pool:
        image = pool.submit(render.render_chip, found.after, wkb, working, 300, True, redlines).result()
    assert not image.isNull() and image.width() == 300
    main = render.render_chip(found.after, wkb, working, 300, True, redlines)
    assert image == main  # the same pixels as on the main thread


def test_export_chips_writes_pngs_per_patch(demo, tmp_path):
    written = render.export_chips(demo["task"], demo["covered"][0], str(tmp_path / "chips"))
    assert [os.path.basename(p) for p in written] == [f"{demo['covered'][0]}_before.png",
                                                        f"{demo['covered'][0]}_after.png"]
    image = QImage(written[0])
    assert (image.width(), image.height()) == (render.CHIP_SIZE, render.CHIP_SIZE)
    assert render.export_chips(demo["task"], demo["uncovered"][0], str(tmp_path / "none")) == []
    empty = render.render_chip(None, matching.patch_facts(demo["task"], demo["uncovered"][0])[0], "EPSG:4548", 200)
    assert not empty.isNull()


# -- the dock -----------------------------------------------------------------------------------------
@contextmanager
def plugin_on_imagery_dock(iface, task, width, height):
    """The plugin with its imagery dock shown in a window of its own (real sizes under the offscreen
    platform), on `task`."""
    with running_plugin(iface) as plugin:
        dock = plugin.imagery
        dock.setFloating(True)
        dock.resize(width, height)
        dock.show()
        plugin.dock.set_task(task)
        wait_for(lambda: plugin.review.loading is None)  # the list is read in the background
        yield plugin


@pytest.fixture
def plugin(plugin_iface, demo):
    with plugin_on_imagery_dock(plugin_iface, demo["task"], 1000, 700) as plugin:
        yield plugin


class Drawn(QObject):
    """Which views have finished drawing since reset() (disconnect() when done)."""

    def __init__(self, dock):
        super().__init__()
        self.dock = dock
        self.done = set()
        dock.canvases["before"].mapCanvasRefreshed.connect(self.before)
        dock.canvases["after"].mapCanvasRefreshed.connect(self.after)

    def before(self):
        self.done.add("before")

    def after(self):
        self.done.add("after")

    def reset(self):
        self.done = set()

    def disconnect(self):
        self.dock.canvases["before"].mapCanvasRefreshed.disconnect(self.before)
        self.dock.canvases["after"].mapCanvasRefreshed.disconnect(self.after)

    def __call__(self):
        return self.done == {"before", "after"}


def same_view(dock):
    before, after = dock.canvases["before"], dock.canvases["after"]
    assert before.size() == after.size()
    a, b = before.extent(), after.extent()
    assert max(abs(a.xMinimum() - b.xMinimum()), abs(a.yMinimum() - b.yMinimum()),
               abs(a.xMaximum() - b.xMaximum()), abs(a.yMaximum() - b.yMaximum())) < 1e-6
    assert before.scale() == pytest.approx(after.scale(), rel=1e-9)
    return a


def test_views_follow_the_review_list_and_each_other(plugin, demo):
    dock, review = plugin.imagery, plugin.review
    assert dock.objectName() == "LandEnforcementImageryDock"
    assert len(dock.registry) == 2 and dock.table.rowCount() == 2
    first, second = demo["covered"][:2]
    drawn = Drawn(dock)
    assert review.select_jcbh(first)  # the review dock's selection reaches the imagery dock
    assert dock.jcbh == first
    wait_for(drawn)
    extent = same_view(dock)
    feature = dock._feature(first)
    assert extent.contains(feature.geometry().boundingBox())
    rasters = {side: [layer for layer in canvas.layers() if layer.type() == layer.RasterLayer]
               for side, canvas in dock.canvases.items()}
    assert rasters["before"][0].name() == demo["made"]["before"]["name"]
    assert rasters["after"][0].name() == demo["made"]["after"]["name"]
    assert "2023-09-01" in dock.labels["before"].text() and "2024-02-01" in dock.labels["after"].text()
    # Pan one view, zoom the other: they stay together.
    before = dock.canvases["before"]
    moved = before.extent()
    moved.setXMinimum(moved.xMinimum() + 37)
    moved.setXMaximum(moved.xMaximum() + 37)
    before.setExtent(moved)
    assert same_view(dock).xMinimum() == pytest.approx(before.extent().xMinimum())
    dock.canvases["after"].zoomByFactor(0.5)
    same_view(dock)
    # The next patch: the same layer objects, drawn at once.
    layers_before = {id(layer) for layer in dock.rasters.values()}
    timings = []
    for jcbh in (second, first, second):
        drawn.reset()
        started = time.perf_counter()
        review.select_jcbh(jcbh)
        shown = time.perf_counter() - started
        wait_for(drawn)
        timings.append((shown, time.perf_counter() - started))
    assert {id(layer) for layer in dock.rasters.values()} == layers_before
    same_view(dock)
    drawn.disconnect()
    print("\nshow_patch: " + ", ".join(f"{a * 1000:.0f} ms (drawn {b * 1000:.0f} ms)" for a, b in timings))
    assert max(b for _, b in timings) < 2.0
    # Flip: both views the after image, then both the before image; Esc back.
    dock.flip()
    assert all(dock.found.after["name"] in [layer.name() for layer in c.layers()] for c in dock.canvases.values())
    dock.flip()
    assert all(dock.found.before["name"] in [layer.name() for layer in c.layers()] for c in dock.canvases.values())
    dock.reset_view()
    assert dock.flipped is None
    # Swipe: one over the other, the after view cut at the line; still one extent.
    dock.toggle_swipe()
    QgsApplication.processEvents()
    assert dock.views.swipe and dock.canvases["after"].geometry() == dock.canvases["before"].geometry()
    dock.move_swipe(0.2)
    assert dock.canvases["after"].mask().boundingRect().left() == round(dock.views.width() * 0.7)
    same_view(dock)
    dock.reset_view()
    assert not dock.views.swipe


def test_patch_without_imagery_says_so(plugin, demo, tmp_path):
    dock = plugin.imagery
    jcbh = demo["uncovered"][0]
    plugin.review.select_jcbh(jcbh)
    assert dock.jcbh == jcbh and dock.found.before is None and dock.found.after is None
    for side in ("before", "after"):
        text = dock.labels[side].text()
        assert ("No matching imagery" in text or "无匹配" in text or "没有" in text), text
        assert not [layer for layer in dock.canvases[side].layers() if layer.type() == layer.RasterLayer]
    assert "QSX" in dock.labels["before"].text() and "HSX" in dock.labels["after"].text()
    assert dock.export_chips(str(tmp_path)) == []
    plugin.review.select_jcbh(demo["covered"][0])
    assert len(dock.export_chips(str(tmp_path))) == 2


def test_dock_adds_and_removes_imagery(plugin, demo, tmp_path):
    task = copy_task({"task": demo["task"]}, str(tmp_path / "task"))
    dock = plugin.imagery
    plugin.dock.set_task(task)
    wait_for(lambda: plugin.review.loading is None)  # the list is read in the background
    assert dock.task_path == task and dock.table.rowCount() == 2
    tif = write_tiles(str(tmp_path / "one"), 4548, columns=1, rows=1, size=20)[0]
    renamed = str(tmp_path / "after_20240401.tif")
    os.rename(tif, renamed)
    assert dock.add_files([renamed])[0]["role"] == "after"
    assert dock.table.rowCount() == 3 and dock.table.item(2, 2).text() == "2024-04-01"
    dock.table.item(2, 2).setText("2024-04-05")  # typed in the table
    assert imagery.entries(task)[2]["date_from"] == "2024-04-05"
    dock.table.item(2, 2).setText("whenever")  # refused, the table shows the stored value again
    assert dock.table.item(2, 2).text() == "2024-04-05"
    write_tiles(str(tmp_path / "two"), 4548, columns=2, rows=1, size=20)
    dock.add_folder(str(tmp_path / "two"), role="before", date_from="2022-10-01", wait=True)
    assert dock.table.rowCount() == 4
    dock.table.selectRow(3)
    dock.remove_selected()
    assert dock.table.rowCount() == 3


# -- headless and the evidence sheets ---------------------------------------------------------------
def test_addimagery_algorithm(qgis_processing, demo, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    from land_enforcement_plugin.processing.provider import LandEnforcementProvider

    provider = LandEnforcementProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    try:
        task = copy_task({"task": demo["task"]}, str(tmp_path / "task"))
        folder = str(tmp_path / "later")
        write_tiles(folder, 4548, columns=2, rows=2, size=50)
        result = processing.run("landenforcement:addimagery", {
            "DATABASE": task, "FOLDER": folder, "ROLE": 1, "DATE_FROM": "2024-05-02", "NAME": "again"})
        assert result["COUNT"] == 3 and result["SOURCE"].endswith(".vrt")
        assert imagery.entries(task)[-1]["role"] == "after"
        with pytest.raises(QgsProcessingException, match="已登记"):  # the same folder twice
            processing.run("landenforcement:addimagery", {"DATABASE": task, "FOLDER": demo["made"]["after"]["folder"]})
        tif = write_tiles(str(tmp_path / "t"), 4548, columns=1, rows=1, size=20)[0]
        result = processing.run("landenforcement:addimagery", {"DATABASE": task, "INPUT": tif, "ROLE": 0,
                                                                "DATE_FROM": "2023-08-01", "NAME": "单幅"})
        assert result["COUNT"] == 4 and imagery.entries(task)[-1]["name"] == "单幅"
        with pytest.raises(QgsProcessingException):
            processing.run("landenforcement:addimagery", {"DATABASE": task})
    finally:
        QgsApplication.processingRegistry().removeProvider(provider)


def pdf_pages(path):
    info = subprocess.run(["pdfinfo", path], check=True, capture_output=True, text=True).stdout
    return int(info.split("Pages:")[1].split()[0])


def test_evidence_sheet_carries_the_chips(season, demo, tmp_path):
    covered, uncovered = demo["covered"][0], demo["uncovered"][0]
    started = time.perf_counter()
    sheets = evidence.write_evidence_sheets(demo["task"], [covered, uncovered], str(tmp_path / "a"))
    print(f"\n2 evidence sheets with imagery in {time.perf_counter() - started:.1f} s")
    assert pdf_pages(sheets[covered]) == 2 and pdf_pages(sheets[uncovered]) == 1
    page2 = subprocess.run(["pdftotext", "-f", "2", "-l", "2", sheets[covered], "-"], check=True,
                           capture_output=True, text=True).stdout
    assert "前后时相影像对比" in page2 and demo["made"]["before"]["name"] in page2
    assert "2024-02-01" in page2 and "2023-10-31" in page2
    images = subprocess.run(["pdfimages", "-list", "-f", "2", "-l", "2", sheets[covered]], check=True,
                            capture_output=True, text=True).stdout.strip().splitlines()[2:]
    assert len(images) >= 2  # the before and the after image
    again = evidence.write_evidence_sheets(demo["task"], [covered, uncovered], str(tmp_path / "b"))
    with open(sheets[covered], "rb") as first, open(again[covered], "rb") as second:
        assert first.read() == second.read()  # reproducible with imagery too
    # A patch no image covers keeps exactly the sheet it had before the task had imagery.
    plain = evidence.write_evidence_sheets(season["task"], [uncovered], str(tmp_path / "c"))
    with open(sheets[uncovered], "rb") as first, open(plain[uncovered], "rb") as second:
        assert first.read() == second.read()


def test_large_mosaic_gets_overviews_and_a_cancel_leaves_none(tmp_path):
    """Above the size limit (lowered here from 8192 px) a mosaic gets external overviews beside it,
    drawn from the tiles' own pixels; cancelling leaves no partial file; tiles are not touched."""
    from qgis.core import QgsFeedback

    tiles = write_tiles(str(tmp_path / "tiles"), 4548)
    before = {path: os.path.getmtime(path) for path in tiles}
    vrt = str(tmp_path / "mosaic.vrt")
    sources.build_vrt(str(tmp_path / "tiles"), vrt)  # 5000 px: under the limit, no overviews
    assert not os.path.exists(vrt + ".ovr")
    cancelled = QgsFeedback()
    cancelled.cancel()
    with pytest.raises(LandEnforcementError, match="Cancelled"):
        sources.build_overviews(vrt, cancelled, from_pixels=1000)
    assert not os.path.exists(vrt + ".ovr")
    assert sources.build_overviews(vrt, QgsFeedback(), from_pixels=1000)
    ds = gdal.Open(vrt)
    band = ds.GetRasterBand(1)
    assert band.GetOverviewCount() == 4  # 2500, 1250, 625, 313 px
    smallest = band.GetOverview(3).ReadAsArray()
    assert (smallest[0, 0], smallest[-1, -1]) == (5, 245)  # the first and the last tile's values
    ds = None
    assert not sources.build_overviews(vrt, from_pixels=1000)  # already there
    assert {path: os.path.getmtime(path) for path in tiles} == before


def test_township_sheets_show_the_before_and_after_chips(demo, tmp_path, plugin):
    """Written in the background from the review dock: each covered patch's row holds its two chips,
    an uncovered one says so, and the sheet still imports (the chip columns are ignored)."""
    import openpyxl

    from land_enforcement_plugin.core.review import sheets as staff_sheets
    from land_enforcement_plugin.core.review import templates

    review = plugin.review
    out = str(tmp_path / "sheets")
    review.export_sheets(out, chips=True)
    wait_for(lambda: review._running is None, timeout=120)
    plain = templates.export_templates(demo["task"], str(tmp_path / "plain"))
    covered = set(demo["covered"])
    images = texts = 0
    for path in glob.glob(os.path.join(out, "*.xlsx")):
        sheet = openpyxl.load_workbook(path)["核查结果"]
        header = [cell.value for cell in sheet[1]]
        assert header[-2:] == ["前时相影像", "后时相影像"]
        images += len(sheet._images)
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
        texts += sum(1 for row in rows if row[0] not in covered and row[-2:] == ["无匹配影像", "无匹配影像"])
        # read back as the same data as the sheet without chips: the chip columns are not data
        (same,) = (p for p in plain if os.path.basename(p) == os.path.basename(path))
        assert staff_sheets.read_spreadsheet(path)[1] == staff_sheets.read_spreadsheet(same)[1]
    with GeoPackageTaskStore.open(demo["task"]) as store:
        total = len(store.patch_index())
    assert images == 2 * len(covered) and texts == total - len(covered) and covered


def test_per_person_lists_with_chips_headless(demo, tmp_path, qgis_processing):
    import openpyxl
    import processing

    from land_enforcement_plugin.processing.provider import LandEnforcementProvider

    out = str(tmp_path / "lists")
    provider = LandEnforcementProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    try:
        result = processing.run("landenforcement:exportassignments",
                                {"DATABASE": demo["task"], "OUTPUT": out, "CHIPS": True})
    finally:
        QgsApplication.processingRegistry().removeProvider(provider)
    sheets = glob.glob(os.path.join(out, "*.xlsx"))
    assert result["FILES"] >= len(sheets) > 0
    assert sum(len(openpyxl.load_workbook(path)["核查结果"]._images) for path in sheets) == 2 * len(demo["covered"])


def test_cancelled_sheets_leave_none(demo, tmp_path):
    from qgis.core import QgsFeedback

    from land_enforcement_plugin.core.review import templates

    feedback = QgsFeedback()
    feedback.progressChanged.connect(lambda value: feedback.cancel() if value > 50 else None)
    out = tmp_path / "sheets"
    with pytest.raises(LandEnforcementError, match="Cancelled"):
        templates.export_templates(demo["task"], str(out), chips=True, feedback=feedback)
    assert list(out.glob("*.xlsx")) == []


def test_season_tab_lists_with_chips_in_the_background(demo, tmp_path, plugin):
    import openpyxl

    panel = plugin.dock.season_panel
    out = str(tmp_path / "lists")
    assert panel.export_lists(out, chips=True) is not None
    wait_for(lambda: panel._running is None, timeout=120)
    sheets = glob.glob(os.path.join(out, "*.xlsx"))
    assert sum(len(openpyxl.load_workbook(path)["核查结果"]._images) for path in sheets) == 2 * len(demo["covered"])
    assert glob.glob(os.path.join(out, "**", "*.qgs*"), recursive=True)  # the QField projects too


# -- month dates, as provinces deliver QSX / HSX ---------------------------------------------------
MONTH_JCBH = "1405242023000001"


def write_dated_image(path, epsg=4490, box=(118.095, 36.095, 118.106, 36.106), pixels=20):
    """A small georeferenced GeoTIFF over the month patch (lon/lat box in EPSG:4490)."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    ds = gdal.GetDriverByName("GTiff").Create(path, pixels, pixels, 1, gdal.GDT_Byte)
    ds.SetGeoTransform((box[0], (box[2] - box[0]) / pixels, 0, box[3], 0, -(box[3] - box[1]) / pixels))
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).Fill(120)
    ds = None
    return path


@pytest.fixture
def month_task(tmp_path):
    """A task whose one patch came as delivered: GBK shapefile without .cpg, the county's code on the
    row, QSX / HSX the months 202210 / 202303."""
    from conftest import patch_row, write_patches

    from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches

    source = write_patches(str(tmp_path / "wptb.shp"), [patch_row(MONTH_JCBH, xzqdm="140524000000", xzqmc="陵川县",
                                                                   QSX="202210", HSX="202303", PC="2023Q1")])
    task = str(tmp_path / "task.gpkg")
    import_patches(task, ImportOptions(source))
    return task


def register(task, folder, dates, role="any"):
    """One GeoTIFF per date (named for it) registered with the task; returns {date: name}."""
    os.makedirs(folder, exist_ok=True)
    names = {}
    for date in dates:
        path = write_dated_image(os.path.join(folder, f"img_{date.replace('-', '')}.tif"))
        names[date] = imagery.add_files(task, [path], role, date_from=date)[0]["name"]
    return names


def unregister(task, name):
    assert imagery.remove(task, next(e["source"] for e in imagery.entries(task) if e["name"] == name))


def test_month_patch_gets_the_nearest_images_on_its_side_of_qsx_and_hsx_never_the_wrong_side(month_task, tmp_path):
    registered = register(month_task, str(tmp_path / "images"),
                     ["2022-09-15", "2022-10-20", "2022-11-05", "2023-02-25", "2023-03-10", "2023-05-01"])
    found = matching.match_patch(month_task, MONTH_JCBH)
    assert (imagery.shown_date("202210"), imagery.shown_date("2023年3月")) == ("2022-10", "2023-03")  # as shown
    # A day inside the month counts as "on" the month: exact on both sides.
    assert names(found) == (registered["2022-10-20"], registered["2023-03-10"]) and found.reasons == []
    assert matching.gap_days(found.before, "202210", "before") == 0
    # Without them: 2022-11-05 (after QSX) is never "before", 2023-02-25 (before HSX) never "after".
    for date in ("2022-10-20", "2023-03-10"):
        unregister(month_task, registered[date])
    found = matching.match_patch(month_task, MONTH_JCBH)
    assert names(found) == (registered["2022-09-15"], registered["2023-05-01"])
    assert matching.gap_days(found.before, "202210", "before") == 16  # to 1 October
    assert matching.gap_days(found.after, "2023-03", "after") == 31  # from 31 March
    # Only images on the wrong sides: none, and the reason shows the month as 2022-10.
    for date in ("2022-09-15", "2023-05-01"):
        unregister(month_task, registered[date])
    found = matching.match_patch(month_task, MONTH_JCBH)
    assert names(found) == (None, None)
    assert "QSX 2022-10" in found.reasons[0].zh and "HSX 2023-03" in found.reasons[1].en


def test_evidence_sheet_of_a_month_patch_shows_its_images(month_task, tmp_path):
    register(month_task, str(tmp_path / "images"), ["2022-10-20", "2023-03-10"])
    sheets = evidence.write_evidence_sheets(month_task, [MONTH_JCBH], str(tmp_path / "sheets"))
    assert pdf_pages(sheets[MONTH_JCBH]) == 2
    page2 = subprocess.run(["pdftotext", "-f", "2", "-l", "2", sheets[MONTH_JCBH], "-"], check=True,
                           capture_output=True, text=True).stdout
    assert "影像日期 2022-10-20" in page2 and "影像日期 2023-03-10" in page2 and "无匹配影像" not in page2


def test_addimagery_takes_months(month_task, tmp_path, provider):
    import processing

    before = write_dated_image(str(tmp_path / "before.tif"))
    after = write_dated_image(str(tmp_path / "after.tif"))
    first = processing.run("landenforcement:addimagery", {"DATABASE": month_task, "INPUT": before,
                                                          "DATE_FROM": "2022-10", "NAME": "前时相十月"})
    second = processing.run("landenforcement:addimagery", {"DATABASE": month_task, "INPUT": after,
                                                           "DATE_FROM": "2023.03", "DATE_TO": "2023年4月",
                                                           "NAME": "后时相三四月"})
    assert (first["COUNT"], second["COUNT"], first["WARNINGS"], second["WARNINGS"]) == (1, 2, "", "")
    kept = imagery.entries(month_task)
    assert [(e["date_from"], e["date_to"]) for e in kept] == [("2022-10", None), ("2023-03", "2023-04")]
    assert [imagery.date_text(e) for e in kept] == ["2022-10", "2023-03～2023-04"]
    assert names(matching.match_patch(month_task, MONTH_JCBH)) == ("前时相十月", "后时相三四月")


def test_addimagery_on_a_file_that_is_not_a_raster_says_so(month_task, tmp_path, provider):
    import processing
    from conftest import patch_row, write_patches
    from qgis.core import QgsProcessingException

    notes = tmp_path / "说明.txt"
    notes.write_text("影像说明", encoding="utf-8")
    shapefile = write_patches(str(tmp_path / "boundary.shp"), [patch_row("1")])
    for path in (str(notes), shapefile):
        with pytest.raises(QgsProcessingException) as raised:
            processing.run("landenforcement:addimagery", {"DATABASE": month_task, "INPUT": path})
        message = str(raised.value)
        assert f"不是可读取的影像（栅格）文件，如 GeoTIFF：{path}" in message and "Not a readable image" in message
        assert "Traceback" not in message and "RuntimeError" not in message and "not recognized" not in message
    assert imagery.entries(month_task) == []


def test_image_dated_outside_every_patch_is_registered_with_a_warning(month_task, tmp_path, provider):
    import processing

    late = processing.run("landenforcement:addimagery", {"DATABASE": month_task, "ROLE": 1, "DATE_FROM": "2030-03-01",
                                                         "INPUT": write_dated_image(str(tmp_path / "late.tif"))})
    assert late["COUNT"] == 1
    assert "日期 2030-03-01 晚于所有图斑的后时相（最晚 2023-03），请核对日期" in late["WARNINGS"]
    assert "after every patch's later image date (HSX, latest 2023-03)" in late["WARNINGS"]
    early = processing.run("landenforcement:addimagery", {"DATABASE": month_task, "DATE_FROM": "2019-10",
                                                          "INPUT": write_dated_image(str(tmp_path / "early.tif"))})
    assert early["COUNT"] == 2 and "日期 2019-10 早于所有图斑的前时相（最早 2022-10）" in early["WARNINGS"]
    # Images around the patch's months warn of nothing.
    assert matching.date_warnings(month_task, [imagery.make_entry("/x.tif", date_from="2022-10"),
                                              imagery.make_entry("/y.tif", date_from="2023-03-31")]) == []


def test_imagery_dock_shows_a_month_patch_on_its_images_with_months_as_2022_10(plugin_iface, month_task, tmp_path):
    registered = register(month_task, str(tmp_path / "images"), ["2022-10-20", "2023-03-10"])
    with plugin_on_imagery_dock(plugin_iface, month_task, 800, 500) as plugin:
        dock = plugin.imagery
        dock.show_patch(MONTH_JCBH)
        assert names(dock.found) == (registered["2022-10-20"], registered["2023-03-10"])
        assert "QSX 2022-10" in dock.patch_label.text() and "HSX 2023-03" in dock.patch_label.text()
        assert "2022-10-20" in dock.labels["before"].text() and "2023-03-10" in dock.labels["after"].text()
