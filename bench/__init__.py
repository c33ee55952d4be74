"""Benchmarks: measured against a reference run in the same process and the same pages."""
