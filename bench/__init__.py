"""Benchmarks of the packaged R model API: sizes, cold start, latency, cost (`make bench`)."""
