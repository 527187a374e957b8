"""The requirements files' comments point to files of this repository that exist."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).parents[2]
# A path of the repository in a comment: under one of its top folders, or a file at its root.
REPO_PATH = re.compile(r"(?<![\w/])(?:(?:\.ci|adapters|bench|docs|entrypoints|genes|kubernetes|local|tests|typings)/[\w./-]*"
                       r"|[\w-]+\.(?:ini|py|toml|cfg))")


def pointers() -> list[tuple[str, str]]:
    return [(requirements.name, path.rstrip(".,;:"))
            for requirements in sorted(REPO_ROOT.glob("requirements*.txt"))
            for line in requirements.read_text().splitlines() if "#" in line
            for path in REPO_PATH.findall(line.partition("#")[2])]


def test_the_comments_point_to_some_files() -> None:
    assert len(pointers()) >= 5


@pytest.mark.parametrize(("requirements", "path"), pointers())
def test_each_file_a_comment_points_to_exists(requirements: str, path: str) -> None:
    assert (REPO_ROOT / path).exists(), f"{requirements} points to {path}, which does not exist"
