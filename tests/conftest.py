"""Shared builders for hand-made patch files with known contents."""
import glob
import os
import sys
import time
from contextlib import contextmanager

import pytest
from osgeo import gdal, ogr, osr
from qgis.PyQt.QtCore import QObject, pyqtSignal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# A 100 m x 100 m-ish square near 118.1°E 36.1°N (沂源县), and friends, in EPSG:4490.
SQUARE = "POLYGON((118.100 36.100,118.101 36.100,118.101 36.101,118.100 36.101,118.100 36.100))"
BOWTIE = "POLYGON((118.110 36.100,118.111 36.101,118.111 36.100,118.110 36.101,118.110 36.100))"
HOLED = ("POLYGON((118.120 36.100,118.123 36.100,118.123 36.103,118.120 36.103,118.120 36.100),"
         "(118.121 36.101,118.122 36.101,118.122 36.102,118.121 36.102,118.121 36.101))")
MULTI = ("MULTIPOLYGON(((118.130 36.100,118.131 36.100,118.131 36.101,118.130 36.100)),"
         "((118.132 36.100,118.133 36.100,118.133 36.101,118.132 36.100)))")

DRIVERS = {".shp": "ESRI Shapefile", ".gpkg": "GPKG", ".geojson": "GeoJSON", ".gdb": "OpenFileGDB"}


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: needs real QGIS desktop, a PostgreSQL cluster or another process "
                                       "(qgis_process, a second writer; left out by `make test-fast`)")


def pytest_collection_modifyitems(items):
    """Mark the tests `make test-fast` leaves out: those in test_desktop.py (QGIS desktop under Xvfb),
    those on the PostgreSQL cluster (as a fixture or a `postgis` parameter), and those that start
    another process (qgis_process, a concurrent writer)."""
    import inspect

    for item in items:
        function = getattr(item, "function", None)
        source = inspect.getsource(function) if function is not None else ""
        postgis = "postgis" in getattr(getattr(item, "callspec", None), "id", "")
        if (item.module.__name__ == "test_desktop" or "pg_cluster" in item.fixturenames or postgis
                or "subprocess" in source or "multiprocessing" in source):
            item.add_marker(pytest.mark.slow)


def write_patches(path, rows, fields=("JCBH", "XZQDM", "XZQMC", "TBMJ", "QSX", "HSX", "PC"),
                  epsg=4490, encoding="CP936", keep_cpg=False, geom_type=ogr.wkbUnknown):
    """Write rows (dicts with field values and 'wkt') as a delivered patch file."""
    # QGIS's OGR provider sets SHAPE_ENCODING="" process-wide, which would defeat ENCODING below.
    saved = gdal.GetConfigOption("SHAPE_ENCODING")
    gdal.SetConfigOption("SHAPE_ENCODING", None)
    try:
        _write(path, rows, fields, epsg, encoding, geom_type)
    finally:
        gdal.SetConfigOption("SHAPE_ENCODING", saved)
    if path.endswith(".shp"):
        if not keep_cpg:
            for cpg in glob.glob(os.path.splitext(path)[0] + ".cpg"):
                os.remove(cpg)
        if not epsg:
            for prj in glob.glob(os.path.splitext(path)[0] + ".prj"):
                os.remove(prj)
    return path


def _write(path, rows, fields, epsg, encoding, geom_type):
    driver = ogr.GetDriverByName(DRIVERS[os.path.splitext(path)[1]])
    ds = driver.CreateDataSource(path)
    srs = None
    if epsg:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(epsg)
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    options = [f"ENCODING={encoding}"] if path.endswith(".shp") else []
    if path.endswith(".gdb"):  # FileGDB layers need one geometry type
        geom_type = ogr.wkbMultiPolygon
    layer = ds.CreateLayer("wptb", srs, geom_type, options=options)
    for name in fields:
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTReal if name == "TBMJ" else ogr.OFTString))
    for row in rows:
        feature = ogr.Feature(layer.GetLayerDefn())
        for name in fields:
            if row.get(name) is not None:
                feature.SetField(name, row[name])
        if row.get("wkt"):
            geometry = ogr.CreateGeometryFromWkt(row["wkt"])
            if geom_type == ogr.wkbMultiPolygon:
                geometry = ogr.ForceToMultiPolygon(geometry)
            feature.SetGeometry(geometry)
        layer.CreateFeature(feature)
    ds = None


def patch_row(jcbh, wkt=SQUARE, xzqmc="城关镇", xzqdm="370323101000", **extra):
    row = {"JCBH": jcbh, "XZQDM": xzqdm, "XZQMC": xzqmc, "TBMJ": 15.2, "QSX": "2023-10-01",
           "HSX": "2024-04-01", "PC": "2024年度", "wkt": wkt}
    row.update(extra)
    return row


def shift(wkt, dx):
    """The same WKT moved dx degrees east (for distinct, non-overlapping patches)."""
    geom = ogr.CreateGeometryFromWkt(wkt)
    out = ogr.Geometry(ogr.wkbMultiPolygon)
    parts = ([geom] if geom.GetGeometryType() == ogr.wkbPolygon
             else [geom.GetGeometryRef(i) for i in range(geom.GetGeometryCount())])
    for part in parts:
        polygon = ogr.Geometry(ogr.wkbPolygon)
        for r in range(part.GetGeometryCount()):
            ring = part.GetGeometryRef(r)
            moved = ogr.Geometry(ogr.wkbLinearRing)
            for i in range(ring.GetPointCount()):
                x, y = ring.GetPoint_2D(i)
                moved.AddPoint_2D(x + dx, y)
            polygon.AddGeometry(moved)
        out.AddGeometry(polygon)
    return out.ExportToWkt()


@pytest.fixture
def task_path(tmp_path):
    return str(tmp_path / "task.gpkg")


@pytest.fixture
def plugin_iface(qgis_iface, qgis_new_project, monkeypatch):
    """pytest-qgis's interface, plus what its stub lacks: the plugin menu (recorded), docks in the
    main window, QGIS's start-up signal."""
    menus = {}
    monkeypatch.setattr(qgis_iface, "addPluginToMenu",
                        lambda name, action: menus.setdefault(name, []).append(action), raising=False)
    monkeypatch.setattr(qgis_iface, "removePluginMenu",
                        lambda name, action: menus[name].remove(action), raising=False)
    monkeypatch.setattr(qgis_iface, "addDockWidget",
                        lambda area, dock: qgis_iface.mainWindow().addDockWidget(area, dock), raising=False)
    monkeypatch.setattr(qgis_iface, "removeDockWidget", lambda dock: qgis_iface.mainWindow().removeDockWidget(dock),
                        raising=False)
    start_up = _StartUp()  # QGIS's signal that start-up (the window layout restored) is complete
    monkeypatch.setattr(qgis_iface, "initializationCompleted", start_up.completed, raising=False)
    qgis_iface.plugin_menus = menus
    yield qgis_iface
    del qgis_iface.plugin_menus


class _StartUp(QObject):
    completed = pyqtSignal()


def wait_for(condition, timeout=30):
    """Let QGIS's event loop run until condition() holds (background work reporting back)."""
    from qgis.core import QgsApplication

    deadline = time.time() + timeout
    while not condition():
        QgsApplication.processEvents()
        if time.time() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


@contextmanager
def running_plugin(iface, task=None):
    """The plugin as QGIS starts it (classFactory, initGui) on `iface`, with `task` open in its dock
    when given; unloaded on leaving, whatever happened."""
    import land_enforcement_plugin

    plugin = land_enforcement_plugin.classFactory(iface)
    plugin.initGui()
    try:
        if task is not None:
            plugin.dock.set_task(task)
            wait_for(lambda: plugin.review.loading is None)  # the list is read in the background
        yield plugin
    finally:
        plugin.unload()



@pytest.fixture(scope="session")
def season(tmp_path_factory):
    """The demo county's task after import, overlay, the township sheet and photos (read-only:
    tests that change it copy it first)."""
    from demodata.season import processed_season

    return processed_season(str(tmp_path_factory.mktemp("season")))


@pytest.fixture(scope="session")
def pg_cluster():
    """A private PostgreSQL 15 + PostGIS cluster for the session (tests/pg_cluster.py): database
    'lep' on 127.0.0.1, and PGSERVICEFILE pointing at its service file, so 'service=lep_test'
    connects. Skips when PostgreSQL/PostGIS are not installed here."""
    import pg_cluster as pg

    reason = pg.unavailable_reason()
    if reason:
        pytest.skip(reason)
    cluster = pg.PrivateCluster()
    saved = os.environ.get("PGSERVICEFILE")
    try:
        cluster.start()
        os.environ["PGSERVICEFILE"] = cluster.service_file
        yield cluster
    finally:
        if saved is None:
            os.environ.pop("PGSERVICEFILE", None)
        else:
            os.environ["PGSERVICEFILE"] = saved
        cluster.stop()


@pytest.fixture
def provider(qgis_processing):
    """The plugin's Processing provider registered as qgis_process would load it (processing.run
    then reaches every landenforcement: algorithm), for one test: a plugin loaded and unloaded by
    another test takes its own provider with it."""
    from qgis.core import QgsApplication

    from land_enforcement_plugin.processing.provider import LandEnforcementProvider

    provider = LandEnforcementProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    yield provider
    QgsApplication.processingRegistry().removeProvider(provider)
