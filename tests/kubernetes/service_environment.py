"""The environment variables the service reads, found in the code the image holds, not listed by hand.

The image's Python files are those its Dockerfile COPYs; in them, a variable is read by
`variable("NAME", ...)` (a field of entrypoints/settings.py's Settings),
`<configuration>.from_env("NAME", ...)` (dependency-injector), `os.environ.get("NAME")`,
`os.getenv("NAME")`, `os.environ["NAME"]` or `"NAME" in os.environ`, the name written out or
held in a module's constant.
"""
from __future__ import annotations

import ast
import shlex
from pathlib import Path
from typing import Iterator

from tests.support import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"


def image_python_files(dockerfile: Path = DOCKERFILE) -> list[Path]:
    """The .py files that the Dockerfile's COPY instructions put into the image."""
    files: set[Path] = set()
    for instruction in _instructions(dockerfile):
        words = shlex.split(instruction)
        if words[0].upper() != "COPY":
            continue
        sources = [word for word in words[1:-1] if not word.startswith("--")]
        for source in sources:
            path = dockerfile.parent / source
            files.update(path.rglob("*.py") if path.is_dir() else [path] if path.suffix == ".py" else [])
    return sorted(files)


def variables_read(files: list[Path] | None = None) -> dict[str, list[str]]:
    """Each variable name read, with where (`file:line`)."""
    found: dict[str, list[str]] = {}
    for path in image_python_files() if files is None else files:
        for name, line in _reads(ast.parse(path.read_text(), str(path))):
            found.setdefault(name, []).append(f"{path.relative_to(REPO_ROOT)}:{line}")
    return found


def dockerfile_value(instruction: str, dockerfile: Path = DOCKERFILE) -> str:
    """The argument of the last `USER`, or the value an `ENV` sets (`ENV:MPLCONFIGDIR`)."""
    keyword, _, variable = instruction.partition(":")
    value = None
    for line in _instructions(dockerfile):
        words = shlex.split(line)
        if words[0].upper() != keyword:
            continue
        if not variable:
            value = words[1]
            continue
        for word in words[1:]:
            name, _, setting = word.partition("=")
            if name == variable:
                value = setting
    if value is None:
        raise LookupError(f"the Dockerfile has no {instruction}")
    return value


def _instructions(dockerfile: Path) -> Iterator[str]:
    """Each instruction on one line: continuations joined, comments dropped."""
    pending = ""
    for raw in dockerfile.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield pending + line
        pending = ""


def _reads(tree: ast.Module) -> Iterator[tuple[str, int]]:
    constants = _module_constants(tree)  # `os.environ.get(METRICS_DIR_VARIABLE)` names one too
    for node in ast.walk(tree):
        name: ast.expr | None = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "variable" \
                and node.args:
            name = node.args[0]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            method, owner = node.func.attr, node.func.value
            if method == "from_env" or (method == "get" and _is_environ(owner)) or (
                    method == "getenv" and isinstance(owner, ast.Name) and owner.id == "os"):
                name = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            name = node.slice
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops) \
                and any(_is_environ(comparator) for comparator in node.comparators):
            name = node.left
        if isinstance(name, ast.Name) and name.id in constants:
            yield constants[name.id], node.lineno  # type: ignore[attr-defined]
        elif isinstance(name, ast.Constant) and isinstance(name.value, str):
            yield name.value, node.lineno  # type: ignore[attr-defined]


def _module_constants(tree: ast.Module) -> dict[str, str]:
    """`NAME = "text"` at the top level of a module."""
    return {target.id: statement.value.value for statement in tree.body if isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)
            for target in statement.targets if isinstance(target, ast.Name)}


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")
