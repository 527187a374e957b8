"""Benchmarks of the gene service: run from the repository root as `python -m bench.<name>`."""
