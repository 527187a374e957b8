"""tests/kubernetes: the Docker-run pods only under `-m docker`, as the compose smoke test is."""
from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`pytest` or `pytest tests/kubernetes` never builds an image; `-m docker` does."""
    if "docker" in (config.option.markexpr or ""):
        return
    in_docker = [item for item in items if item.get_closest_marker("docker") and "kubernetes" in item.nodeid]
    if in_docker:
        config.hook.pytest_deselected(items=in_docker)
        items[:] = [item for item in items if item not in in_docker]
