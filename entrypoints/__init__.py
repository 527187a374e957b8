"""Entrypoints: the composition root, the Flask API and the worker."""
