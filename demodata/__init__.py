"""Deterministic demo-county data for the demo, the tests and the benchmarks."""
