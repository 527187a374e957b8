"""The worker's probe, run as kubernetes/ writes it, beside a real worker on a real Redis."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import StartProcess
from tests.kubernetes.manifests import render
from tests.kubernetes.test_manifests import WORKER, the, the_container
from tests.support import REPO_ROOT, RedisServer, service_environment

pytestmark = pytest.mark.kubernetes


@pytest.fixture
def redis_server(redis_binary: str, tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(redis_binary, tmp_path / "redis").start()
    yield server
    server.stop()


def test_the_liveness_probe_passes_while_the_pods_worker_runs_and_fails_once_it_stopped(
        redis_server: RedisServer, start_process: StartProcess, tmp_path: Path) -> None:
    probe = the_container(the(render("prod"), "Deployment", WORKER))["livenessProbe"]["exec"]["command"]
    # One pod: the worker and its probe share /tmp (TMPDIR here), as a container's processes do.
    env = service_environment({"REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port),
                               "TMPDIR": str(tmp_path), "JOB_LEASE_SECONDS": "2"})

    def alive() -> bool:
        command = [sys.executable if part == "python" else part for part in probe]
        return subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, timeout=30).returncode == 0

    assert not alive()  # no worker in this pod yet
    worker = start_process(["python", "-m", "entrypoints.worker"], env=env, ready=alive)
    worker.stop()
    assert not alive()
