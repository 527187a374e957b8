"""The runnable examples of README.md and docs/: found, ordered, and their answers compared.

The convention, for whoever writes documentation:

- A ```console block is run; a ```sh block (docker, kubectl, `make run`, anything needing more
  than the API, a worker and Redis) is not. A shell block tagged otherwise may not call the service.
- In a console block, a line `$ command` (continued by lines ending in `\\`) is run by bash from the
  repository's root, `localhost:5000` standing for the service; the lines up to the next `$ ` are
  what it prints. `$ NAME=$(command)` keeps the value as `$NAME` for the examples that follow
  (in their commands and in the output they show).
- Output that is JSON is compared by what it shows: an object's members shown must be there (others
  may be), an array has exactly the elements shown unless its last is `…`; a bare `…` value is any
  value, and `…` inside a string matches any text. Other output is compared line by line, `…` again
  matching any text. Every HTTP answer must be 2xx or 3xx, unless the output is a problem document:
  then the last answer's status is its `status`.
- The files run in order: README.md, then docs/*.md in the order docs/README.md links them.
  `<!-- examples: stop worker -->` and `<!-- examples: start worker -->` stop and start the one job
  worker where the text around them says to. Only a GET example is retried, for up to
  RETRY_SECONDS, while its answer differs: a job takes a moment to complete.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

ELLIPSIS = "…"
SERVICE_ADDRESS = "localhost:5000"
RETRY_SECONDS = 15.0
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
DIRECTIVE = re.compile(r"<!--\s*examples:\s*(stop worker|start worker)\s*-->")
ASSIGNMENT = re.compile(r"^([A-Z_][A-Z0-9_]*)=(.+)$", re.DOTALL)
VARIABLE = re.compile(r"\$([A-Z_][A-Z0-9_]*)")
# Flags of curl that send something other than a GET: an example with one is never retried.
WRITES = re.compile(r"(^|\s)(-X\s*(POST|PUT|PATCH|DELETE)|--request\s+(POST|PUT|PATCH|DELETE)|-d\b|--data[\w-]*|-F\b|--form)")
SHELL_LANGUAGES = {"", "sh", "bash", "shell", "console", "shell-session"}


@dataclass
class Example:
    """One `$ command` of a console block, with what the document shows it prints."""

    path: Path
    line: int
    command: str
    expected: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"

    @property
    def assigns(self) -> str | None:
        match = ASSIGNMENT.match(self.command)
        return match.group(1) if match and match.group(2).startswith("$(") else None

    @property
    def retriable(self) -> bool:
        return self.assigns is None and not WRITES.search(self.command)


@dataclass
class Directive:
    path: Path
    line: int
    action: str  # "stop worker" or "start worker"


Step = Example | Directive


def documents_in_order(repo: Path) -> list[Path]:
    """README.md, then every page docs/README.md links to, in the order it links them."""
    index = repo / "docs" / "README.md"
    pages = [repo / "README.md", index]
    for name in re.findall(r"\]\(([\w.-]+\.md)\)", index.read_text()):
        page = repo / "docs" / name
        if page not in pages:
            pages.append(page)
    return pages


def steps(path: Path) -> Iterator[Step]:
    """The examples and directives of one markdown file, in order."""
    lines = path.read_text().splitlines()
    number = 0
    while number < len(lines):
        text = lines[number]
        fence = FENCE.match(text)
        if fence is None:
            directive = DIRECTIVE.search(text)
            if directive:
                yield Directive(path, number + 1, directive.group(1))
            number += 1
            continue
        indent, marker, language = fence.groups()
        body_start = number + 1
        number = body_start
        while number < len(lines) and not lines[number].strip().startswith(marker):
            number += 1
        body = [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in lines[body_start:number]]
        number += 1  # past the closing fence
        if language == "console":
            yield from _console_examples(path, body_start, body)


def _console_examples(path: Path, first_line: int, body: list[str]) -> Iterator[Example]:
    example: Example | None = None
    index = 0
    while index < len(body):
        text = body[index]
        if text.startswith("$ "):
            if example is not None:
                yield _trimmed(example)
            example = Example(path, first_line + index + 1, text[2:])
            while example.command.endswith("\\") and index + 1 < len(body):
                index += 1
                example.command += "\n" + body[index]
        elif example is None:
            if text.strip():
                raise ValueError(f"{path.name}:{first_line + index + 1}: a console block starts with `$ `")
        else:
            example.expected.append(text.rstrip())
        index += 1
    if example is not None:
        yield _trimmed(example)


def _trimmed(example: Example) -> Example:
    while example.expected and not example.expected[-1]:
        example.expected.pop()
    return example


def service_calls_outside_blocks(path: Path) -> list[str]:
    """Fenced blocks tagged neither `console` nor `sh` that call the service: ambiguous, so refused."""
    found = []
    lines = path.read_text().splitlines()
    inside: tuple[str, str, int] | None = None
    for number, text in enumerate(lines, start=1):
        fence = FENCE.match(text)
        if inside is None and fence:
            inside = (fence.group(2), fence.group(3), number)
        elif inside is not None and text.strip().startswith(inside[0]):
            inside = None
        elif inside is not None and inside[1] not in ("console", "sh") and inside[1] in SHELL_LANGUAGES \
                and "curl" in text and SERVICE_ADDRESS in text:
            found.append(f"{path.name}:{number}")
    return found


# -- comparing ----------------------------------------------------------------------------------


def expand(text: str, variables: dict[str, str]) -> str:
    return VARIABLE.sub(lambda match: variables.get(match.group(1), match.group(0)), text)


def shown_json(text: str) -> Any:
    """The JSON a document shows, its `…` placeholders turned into the string "…"; ValueError if it is none."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        raise ValueError("not JSON")
    return json.loads(_placeholders_as_strings(stripped))


def _placeholders_as_strings(text: str) -> str:
    """`…` outside strings: a value becomes "…"; an object member `…` (other members) is dropped."""
    out: list[str] = []
    stack: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            out.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            stack.append(char)
        elif char in "]}":
            stack.pop()
        elif char == ELLIPSIS:
            before = "".join(out).rstrip()
            if stack and stack[-1] == "{" and not before.endswith(":"):
                out[:] = list(before[:-1] if before.endswith(",") else before)
            else:
                out.append(f'"{ELLIPSIS}"')
            continue
        out.append(char)
    return "".join(out)


def json_matches(shown: Any, actual: Any) -> bool:
    if shown == ELLIPSIS:
        return True
    if isinstance(shown, str):
        return isinstance(actual, str) and text_matches(shown, actual)
    if isinstance(shown, dict):
        return isinstance(actual, dict) and all(
            key in actual and json_matches(value, actual[key]) for key, value in shown.items())
    if isinstance(shown, list):
        if not isinstance(actual, list):
            return False
        if shown and shown[-1] == ELLIPSIS:
            shown = shown[:-1]
            actual = actual[:len(shown)] if len(actual) >= len(shown) else None
            if actual is None:
                return False
        return len(shown) == len(actual) and all(json_matches(a, b) for a, b in zip(shown, actual))
    if isinstance(shown, bool) or isinstance(actual, bool):
        return shown is actual
    return bool(shown == actual)


def text_matches(shown: str, actual: str) -> bool:
    if ELLIPSIS not in shown:
        return shown == actual
    pattern = ".*".join(re.escape(part) for part in shown.split(ELLIPSIS))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def output_matches(expected: list[str], actual: str) -> bool:
    shown = "\n".join(expected)
    try:
        shown_value = shown_json(shown)
    except ValueError:
        actual_lines = actual.rstrip("\n").split("\n") if actual.strip() else []
        return len(actual_lines) == len(expected) and all(
            text_matches(line, got.rstrip()) for line, got in zip(expected, actual_lines))
    try:
        return json_matches(shown_value, json.loads(actual))
    except ValueError:
        return False


def problem_status(expected: list[str]) -> int | None:
    """The `status` of the problem document an example shows, if it shows one."""
    try:
        shown = shown_json("\n".join(expected))
    except ValueError:
        return None
    if isinstance(shown, dict) and "type" in shown and isinstance(shown.get("status"), int):
        return int(shown["status"])
    return None


# -- links --------------------------------------------------------------------------------------


LINK = re.compile(r"\]\(([^)\s]+)\)")


def heading_anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of a markdown file (lower case, punctuation dropped)."""
    anchors: set[str] = set()
    inside_fence = False
    for text in path.read_text().splitlines():
        if FENCE.match(text):
            inside_fence = not inside_fence
        elif not inside_fence and text.startswith("#"):
            title = text.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


INLINE_CODE = re.compile(r"`[^`\n]*`")


def prose(path: Path) -> str:
    """A markdown file without its fenced blocks and inline code: what a reader follows as links."""
    kept: list[str] = []
    inside_fence = False
    for text in path.read_text().splitlines():
        if FENCE.match(text):
            inside_fence = not inside_fence
        elif not inside_fence:
            kept.append(INLINE_CODE.sub("", text))
    return "\n".join(kept)


def broken_links(path: Path, repo: Path) -> list[str]:
    """Links of a markdown file to a file of the repository, or a heading in one, that lead nowhere
    (outside code: an answer shown in an example may hold HGNC's own relative links)."""
    broken = []
    for target in LINK.findall(prose(path)):
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists() or repo.resolve() not in linked.parents:
            broken.append(f"{path.name}: {target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in heading_anchors(linked):
            broken.append(f"{path.name}: {target} (no such heading)")
    return broken
