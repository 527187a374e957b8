"""Every console example of README.md and docs/ runs as written, in document order, and answers what it shows.

The convention the documents follow is in tests/e2e/docs_examples.py (and docs/development.md).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.e2e.docs_examples import (
    RETRY_SECONDS, SERVICE_ADDRESS, Directive, Example, broken_links, documents_in_order, expand, output_matches,
    problem_status, service_calls_outside_blocks, steps,
)
from tests.support import REPO_ROOT, ApiProcess, RedisServer, ServiceProcess, service_environment

pytestmark = pytest.mark.e2e

# What the examples' `POST /data` without a body loads: the release the documents show loaded.
PINNED_RELEASE = "tests/data/hgnc_complete_set_2024-10-18.txt.gz"
COMMAND_TIMEOUT_SECONDS = 120.0
TOOLS = ("bash", "curl", "jq", "file")  # what the examples call beside the repository's own commands


class Service:
    """Redis, the API and one job worker of the examples' own; the worker can be stopped and started."""

    def __init__(self, redis_binary: str, folder: Path) -> None:
        self.folder = folder
        self.tmp = folder / "tmp"  # the worker's TMPDIR: where `--check` finds which worker runs here
        self.tmp.mkdir()
        self.redis = RedisServer(redis_binary, folder / "redis").start()
        self.api = ApiProcess(self.redis.host, self.redis.port, PINNED_RELEASE, folder / "api.log",
                              log_level="INFO").wait_until_healthy()
        self.worker: ServiceProcess | None = None
        self.workers_started = 0

    @property
    def environment(self) -> dict[str, str]:
        """What the examples' commands and the worker run with: the Redis of `make run`'s defaults, here."""
        return service_environment({"REDIS_HOST": self.redis.host, "REDIS_PORT": str(self.redis.port),
                                    "TMPDIR": str(self.tmp), "PYTHONUNBUFFERED": "1"})

    def start_worker(self) -> None:
        assert self.worker is None, "the worker is already running"
        self.workers_started += 1
        self.worker = ServiceProcess(f"worker {self.workers_started}", [sys.executable, "-m", "entrypoints.worker"],
                                     {**self.environment, "LOG_LEVEL": "INFO"},
                                     self.folder / f"worker-{self.workers_started}.log")
        self.worker.wait_until(lambda: len(requests.get(f"{self.api.url}/workers", timeout=2).json()) == 1)

    def stop_worker(self) -> None:
        assert self.worker is not None, "no worker is running"
        self.worker.stop()
        self.worker = None

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.api.stop()
        self.redis.stop()


@pytest.fixture
def service(redis_binary: str, tmp_path: Path) -> Iterator[Service]:
    service = Service(redis_binary, tmp_path)
    try:
        service.start_worker()
        yield service
    finally:
        service.stop()


def curl_that_reports_statuses(folder: Path) -> Path:
    """A `curl` first on the PATH that runs the real one and writes each answer's status on stderr."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"the documents' examples need {', '.join(missing)} on the PATH (apt-get install {' '.join(missing)})",
                    pytrace=False)
    real = shutil.which("curl")
    folder.mkdir()
    wrapper = folder / "curl"
    wrapper.write_text(f"#!/bin/sh\nexec '{real}' --write-out '%{{stderr}}HTTP-STATUS %{{http_code}}\\n' \"$@\"\n")
    wrapper.chmod(0o755)
    return folder


def run(example: Example, service: Service, variables: dict[str, str], path_folder: Path) -> tuple[str, str, int]:
    command = example.command.replace(SERVICE_ADDRESS, service.api.url.removeprefix("http://"))
    if example.assigns:
        command += f'\nprintf "%s" "${example.assigns}"'
    env = {**service.environment, **variables, "PATH": f"{path_folder}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", command], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT_SECONDS)
    return done.stdout, done.stderr, done.returncode


def statuses(stderr: str) -> list[int]:
    return [int(line.split()[1]) for line in stderr.splitlines() if line.startswith("HTTP-STATUS ")]


def problem_with(example: Example, stdout: str, stderr: str, code: int, variables: dict[str, str]) -> str | None:
    """Why the example's run differs from what the document shows; None when it does not."""
    if code != 0:
        return f"exit code {code}"
    answered = statuses(stderr)
    if 0 in answered:
        return "the service did not answer"
    expected = [expand(line, variables) for line in example.expected]
    problem = problem_status(expected)
    if problem is not None and (not answered or answered[-1] != problem):
        return f"HTTP status {answered[-1:]} where the document shows a problem with status {problem}"
    if problem is None and any(status >= 400 for status in answered):
        return f"HTTP statuses {answered}: an error the document does not show"
    if example.assigns:
        return None if stdout.strip() else f"${example.assigns} came out empty"
    if not output_matches(expected, stdout):
        return "the output differs from the document"
    return None


def test_every_console_example_answers_as_its_document_shows(service: Service, tmp_path: Path) -> None:
    """All of them run, so that one report lists every example that differs (a later one may differ
    only because an earlier one did: read the first first)."""
    path_folder = curl_that_reports_statuses(tmp_path / "bin")
    variables: dict[str, str] = {}
    failures: list[str] = []
    ran = 0
    for document in documents_in_order(REPO_ROOT):
        for step in steps(document):
            if isinstance(step, Directive):
                service.stop_worker() if step.action == "stop worker" else service.start_worker()
                continue
            deadline = time.monotonic() + (RETRY_SECONDS if step.retriable else 0)
            while True:
                stdout, stderr, code = run(step, service, variables, path_folder)
                problem = problem_with(step, stdout, stderr, code, variables)
                if problem is None or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            if problem is not None:
                failures.append(f"{step.where}: {problem}\n$ {step.command}\n--- the document shows ---\n"
                                + "\n".join(step.expected) + f"\n--- it printed ---\n{stdout}\n--- stderr ---\n{stderr}")
            if step.assigns:
                variables[step.assigns] = stdout.strip()
            ran += 1
    assert not failures, f"{len(failures)} of {ran} examples differ from their documents:\n\n" + "\n\n".join(failures)
    assert ran >= 40, f"only {ran} examples found: is the console convention still followed?"


def test_every_page_is_in_the_index_and_every_call_of_the_service_is_marked() -> None:
    pages = documents_in_order(REPO_ROOT)
    unlisted = sorted(path.name for path in (REPO_ROOT / "docs").glob("*.md") if path not in pages)
    assert not unlisted, f"docs/README.md links no {unlisted}: their examples would never run"
    ambiguous = [where for path in pages for where in service_calls_outside_blocks(path)]
    assert not ambiguous, f"blocks that call the service, tagged neither console (run) nor sh (not run): {ambiguous}"


def test_every_link_between_the_documents_leads_to_a_file_and_heading() -> None:
    pages = documents_in_order(REPO_ROOT)
    assert not [broken for path in pages for broken in broken_links(path, REPO_ROOT)]


@pytest.mark.parametrize("shown, printed", [
    ('{"count": 43882, "seconds": …}', '{"count": 43882, "source": "request body", "seconds": 0.9}'),
    ('{"id": "4c1d…", "error": null, …}', '{"id": "4c1d5a0e", "error": null, "status": "complete"}'),
    ('["HGNC:1", …]', '["HGNC:1", "HGNC:2"]'),
    ('ETag: W/"…"', 'ETag: W/"1795984916-93c7307a.1.0.0"'),
])
def test_an_answer_matches_what_its_document_shows(shown: str, printed: str) -> None:
    assert output_matches(shown.splitlines(), printed)


@pytest.mark.parametrize("shown, printed", [
    ('{"count": 43882, "seconds": …}', '{"count": 43881, "seconds": 0.9}'),  # a changed value
    ('{"count": 43882, "seconds": …}', '{"count": 43882}'),  # a member gone
    ('["HGNC:1"]', '["HGNC:1", "HGNC:2"]'),  # an array is whole unless it ends in …
    ('{"error": null}', '{"error": false}'),
    ('{"total": 1}', '{"total": true}'),
    ('{"id": "4c1d…"}', '{"id": "5c1d"}'),
    ('["HGNC:1"]', 'not JSON'),
    ('HTTP/1.… 304 …', 'HTTP/1.1 200 OK'),
    ('one line', 'one line\nand another'),
])
def test_a_changed_answer_does_not_match(shown: str, printed: str) -> None:
    assert not output_matches(shown.splitlines(), printed)
