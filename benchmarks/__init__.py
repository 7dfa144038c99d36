"""Benchmarks: gas tables (``python -m benchmarks.gas``)."""
