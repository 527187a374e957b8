"""A compose project driven through the `docker compose` CLI, as a user would drive it."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Mapping

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "data"  # the bind mount of Redis's /data
KEEP_IN_DATA = {".gitcanary"}
# The smoke test's stack runs as an exposed one would: Redis with a password, the data routes guarded.
SECRETS = {"REDIS_PASSWORD": f"smoke-redis-pw-{secrets.token_hex(8)}", "ADMIN_TOKEN": f"smoke-token-{secrets.token_hex(8)}"}
ADMIN = {"Authorization": f"Bearer {SECRETS['ADMIN_TOKEN']}"}
COMMAND_TIMEOUT_SECONDS = 600


class ComposeFailed(RuntimeError):
    """A `docker compose` command failed; the message carries its output."""


class ComposeStack:
    """The repository's docker-compose.yml under a project name of its own."""

    def __init__(self, repo: Path, project: str, env: Mapping[str, str]) -> None:
        self.repo = repo
        self.project = project
        self.env = {**os.environ, **env}

    def run(self, *args: str, timeout: float = COMMAND_TIMEOUT_SECONDS, check: bool = True) -> str:
        command = ["docker", "compose", "-p", self.project, "--project-directory", str(self.repo),
                   "-f", str(self.repo / "docker-compose.yml"), *args]
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise ComposeFailed(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def config(self) -> dict[str, Any]:
        return json.loads(self.run("config", "--format", "json"))

    def up(self, *args: str, wait_seconds: int = 180) -> None:
        """Start (or converge) the stack and return once every service is healthy or running."""
        self.run("up", "-d", "--wait", "--wait-timeout", str(wait_seconds), *args, timeout=wait_seconds + 600)

    def container_ids(self, service: str) -> list[str]:
        return self.run("ps", "-q", service).split()

    def inspect(self, container_ids: list[str]) -> list[dict[str, Any]]:
        if not container_ids:
            return []
        done = subprocess.run(["docker", "inspect", *container_ids], capture_output=True, text=True, check=True)
        return json.loads(done.stdout)

    def logs(self, *services: str, tail: str = "all") -> str:
        return self.run("logs", "--no-color", "--tail", tail, *services, check=False)


class Api:
    """The published API of a running stack, over HTTP from the host."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        # A request that met a dropped keep-alive connection and was sent once more: a server may
        # close an idle connection just as the client reuses it (gunicorn's gthread did, now and
        # then: benoitc/gunicorn#2676); a real client retries that. Reported, so a pattern shows.
        self.resent: list[str] = []

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self._send("GET", path, timeout=kwargs.pop("timeout", 30), **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self._send("POST", path, timeout=kwargs.pop("timeout", 120), **kwargs)

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self.http.request(method, self.base_url + path, **kwargs)
        except requests.ConnectionError as error:
            if "RemoteDisconnected" not in repr(error) and "ConnectionResetError" not in repr(error):
                raise
            self.resent.append(f"{method} {path}: {error}")
            return self.http.request(method, self.base_url + path, **kwargs)

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.get("/health", timeout=3).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.base_url}/health did not answer 200 within {timeout} s")
            time.sleep(0.5)

    def wait_finished(self, job_ids: list[str], timeout: float) -> dict[str, dict[str, Any]]:
        """Poll GET /jobs/<id> until every job is complete or failed; the last view of each job."""
        deadline = time.monotonic() + timeout
        finished: dict[str, dict[str, Any]] = {}
        while True:
            for job_id in [j for j in job_ids if j not in finished]:
                response = self.get(f"/jobs/{job_id}")
                response.raise_for_status()
                job = response.json()
                if job["status"] in ("complete", "failed"):
                    finished[job_id] = job
            if len(finished) == len(job_ids):
                return finished
            if time.monotonic() > deadline:
                pending = len(job_ids) - len(finished)
                raise TimeoutError(f"{pending} of {len(job_ids)} jobs not finished within {timeout} s")
            time.sleep(0.2)


def snapshot_files() -> list[Path]:
    """What Redis has written to data/: everything but the file that keeps the folder in git."""
    return sorted(p for p in DATA_DIR.iterdir() if p.name not in KEEP_IN_DATA)


def docker_engine_problem() -> str | None:
    """Why no Docker engine with Compose can be used here, or None when one can."""
    if shutil.which("docker") is None:
        return "no docker CLI on the PATH"
    info = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True)
    if info.returncode != 0:
        return f"the Docker engine does not answer: {info.stderr.strip()[:300]}"
    compose = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    if compose.returncode != 0:
        return "the Docker Compose v2 plugin is missing"
    return None


def free_port() -> int:
    """A TCP port nobody listens on right now, for the API to publish."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
