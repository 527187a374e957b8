"""The docker smoke test's stack, its phase timings, and its steps run in order: a failed step skips the rest."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, ContextManager, Generator, Iterator

import pytest

from tests.smoke.compose import DATA_DIR, REPO_ROOT, SECRETS, ComposeStack, snapshot_files
from tests.support import ApiClient, free_port

TIMINGS: list[tuple[str, float]] = []
# As root, the run gives data/ to this uid:gid, as a user's checkout is, to show that Redis
# writes its snapshots as the folder's owner (docker-compose.yml); the owner is put back after.
DATA_OWNER_WHEN_ROOT = (4242, 4242)
RESENT: list[str] = []  # requests sent again after a dropped keep-alive connection (see ApiClient)
_failed_step: dict[Path, str] = {}


# -- kept out of the fast run ----------------------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Only a `-m` naming docker runs the smoke test, so `pytest` or `pytest -m "not e2e"` never builds images."""
    if "docker" in (config.option.markexpr or ""):
        return
    smoke = [item for item in items if item.get_closest_marker("docker")]
    if smoke:
        config.hook.pytest_deselected(items=smoke)
        items[:] = [item for item in items if not item.get_closest_marker("docker")]


# -- steps in order -----------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        _failed_step.setdefault(item.path, item.name)
        stack = getattr(item, "funcargs", {}).get("stack")
        if isinstance(stack, ComposeStack):
            report.sections.append(("docker compose logs (last 60 lines of each)", stack.logs(tail="60")))
    return report


def pytest_runtest_setup(item: pytest.Item) -> None:
    failed = _failed_step.get(item.path)
    if failed is not None:
        pytest.skip(f"an earlier step failed: {failed}")


# -- timings ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def phase() -> Callable[[str], ContextManager[None]]:
    """`with phase("build"):` times a step of the smoke test; the times are printed at the end."""

    @contextmanager
    def timed(name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - started
            TIMINGS.append((name, seconds))
            print(f"[smoke] {name}: {seconds:.1f} s", flush=True)

    return timed


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TIMINGS:
        return
    terminalreporter.section("docker smoke test: phase timings")
    for name, seconds in TIMINGS:
        terminalreporter.write_line(f"{seconds:8.1f} s  {name}")
    terminalreporter.write_line(f"{sum(s for _, s in TIMINGS):8.1f} s  in all")
    if RESENT:
        terminalreporter.write_line(f"{len(RESENT)} request(s) sent again after a dropped keep-alive connection:")
        for line in RESENT:
            terminalreporter.write_line(f"  {line}")


# -- the stack --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def stack(docker_engine: None, phase: Callable[[str], ContextManager[None]]) -> Iterator[ComposeStack]:
    """The stack under a project name of its own and a free API port, torn down for sure; run as an
    exposed one is, with REDIS_PASSWORD and ADMIN_TOKEN set (SECRETS).

    Redis snapshots into the real `data/` folder, as the product does. Snapshots already there are
    moved aside for the run and put back afterwards; the ones the run made are deleted.
    """
    project = f"hgncsmoke{os.getpid()}"
    stack = ComposeStack(REPO_ROOT, project, {"API_PORT": str(free_port()), **SECRETS})
    _refuse_when_data_is_in_use()
    aside = _move_snapshots_aside()
    owner = DATA_DIR.stat()
    if os.geteuid() == 0:
        os.chown(DATA_DIR, *DATA_OWNER_WHEN_ROOT)
    try:
        yield stack
    finally:
        try:
            with phase("tear down (down -v --remove-orphans --rmi local)"):
                stack.run("down", "-v", "--remove-orphans", "--rmi", "local", "--timeout", "20")
        finally:
            _delete_snapshots()
            _put_back(aside)
            if os.geteuid() == 0:
                os.chown(DATA_DIR, owner.st_uid, owner.st_gid)


@pytest.fixture(scope="session")
def stack_api(stack: ComposeStack) -> Iterator[ApiClient]:
    """The stack's published API; a request on a keep-alive connection the server just dropped is sent again."""
    client = ApiClient(f"http://127.0.0.1:{stack.env['API_PORT']}", timeout=120, resend_dropped=True)
    yield client
    RESENT.extend(client.resent)


def _refuse_when_data_is_in_use() -> None:
    running = subprocess.run(
        ["docker", "ps", "-q", "--filter", f"volume={DATA_DIR}"], capture_output=True, text=True, check=True
    ).stdout.split()
    if running:
        pytest.fail(f"a running container uses {DATA_DIR} ({', '.join(running)}): `docker compose down` first",
                    pytrace=False)


def _move_snapshots_aside() -> Path | None:
    existing = snapshot_files()
    if not existing:
        return None
    aside = Path(tempfile.mkdtemp(prefix="smoke-data-aside-"))
    for path in existing:
        try:
            shutil.move(str(path), aside / path.name)
        except PermissionError as error:
            pytest.fail(f"cannot move {path} aside ({error}): fix the owner of data/ (docs/docker.md)", pytrace=False)
    print(f"[smoke] moved {len(existing)} existing snapshot files from data/ to {aside}", flush=True)
    return aside


def _delete_snapshots() -> None:
    for path in snapshot_files():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _put_back(aside: Path | None) -> None:
    if aside is None:
        return
    for path in aside.iterdir():
        shutil.move(str(path), DATA_DIR / path.name)
    aside.rmdir()
    print(f"[smoke] put the earlier snapshot files back into {DATA_DIR}", flush=True)
