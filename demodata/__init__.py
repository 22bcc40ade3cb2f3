"""Deterministic demo-county data for the demo, the tests and the benchmarks (not shipped in the zip).

    from demodata.county import generate_county
    result = generate_county("build/demo", county_code="370323", size="small", seed=1, delivery="province")

or `python -m demodata --out DIR --county 370323 --size small --seed 1 --delivery province`. The
delivery is a folder of shapefiles encoded as provinces deliver them (see demodata.county);
"clean" gives the tidy GeoPackage the benchmark reads.
"""
