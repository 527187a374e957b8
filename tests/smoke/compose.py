"""A compose project driven through the `docker compose` CLI, as a user would drive it."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any, Mapping

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
