"""Official areas: the 2008-32号 trapezoid method against QgsDistanceArea on real patch shapes."""
import math

import pytest
from qgis.core import QgsCoordinateReferenceSystem, QgsGeometry, QgsVectorLayer

from land_enforcement_plugin.core.ellipsoid import AreaCalculator, AreaMode, gauss_plane_area, trapezoid_area
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches

GK = QgsCoordinateReferenceSystem("EPSG:4548")


def test_trapezoid_formula_gives_the_zone_area_of_the_ellipsoid():
    # Between the equator and the pole over 360°: half the CGCS2000 ellipsoid's surface.
    half = trapezoid_area(2 * math.pi, 0.0, math.pi / 2)
    assert half * 2 == pytest.approx(510065621718491.0, rel=1e-9)  # GRS80 surface area


def test_planar_and_ellipsoidal_modes():
    square = QgsGeometry.fromWkt("POLYGON((600000 4000000,600100 4000000,600100 4000100,"
                                 "600000 4000100,600000 4000000))")
    assert AreaCalculator(GK, AreaMode.PLANAR).area(square) == pytest.approx(10000.0)
    assert AreaCalculator(GK).area(square) == pytest.approx(gauss_plane_area(square, GK), abs=0.01)
    assert AreaCalculator(GK).area(QgsGeometry()) == 0.0


def test_method_32_agrees_with_qgsdistancearea_on_demo_patches(tmp_path):
    from demodata.county import generate_county

    demo = generate_county(str(tmp_path / "demo"), size="small", seed=4)
    task = str(tmp_path / "task.gpkg")
    import_patches(task, ImportOptions(demo["patches"]))
    calculator = AreaCalculator(GK)
    patches = list(QgsVectorLayer(f"{task}|layername=patches", "p", "ogr").getFeatures())[:40]
    differences = [abs(calculator.area(f.geometry()) - gauss_plane_area(f.geometry(), GK)) for f in patches]
    assert len(differences) == 40
    assert max(differences) < 0.01
