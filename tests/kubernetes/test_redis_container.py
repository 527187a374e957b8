"""The Redis container's own command and probes, run as written in kubernetes/ against a real redis-server."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
import redis

from tests.kubernetes.manifests import render
from tests.kubernetes.test_manifests import REDIS, the, the_container
from tests.support import ServiceProcess, free_port

pytestmark = pytest.mark.kubernetes

# Every character Redis's configuration quoting and the shell could trip on.
AWKWARD_PASSWORD = "p\"a\\ss w'o$rd`x;$(id)"


@pytest.fixture(scope="module")
def redis_container() -> dict[str, Any]:
    return the_container(the(render("prod"), "StatefulSet", REDIS))


class PodRedis:
    """The container's command and args, with a free port and a temporary folder in place of /data."""

    def __init__(self, container: dict[str, Any], binary: str, directory: Path, password: str | None) -> None:
        directory.mkdir(parents=True)
        self.port = free_port()
        self.password = password
        self.path = f"{Path(binary).parent}:{os.environ['PATH']}"  # redis-server and redis-cli
        env = {"PATH": self.path, **({"REDIS_PASSWORD": password} if password is not None else {})}
        manifest_args = [str(directory) if arg == "/data" else arg for arg in container["args"]]
        args = [*container["command"], *manifest_args, "--port", str(self.port), "--bind", "127.0.0.1"]
        self.process = ServiceProcess(f"pod redis :{self.port}", args, env, directory / "redis.log", cwd=directory)
        self.process.wait_until(lambda: self.client(password).ping())

    def client(self, password: str | None = None) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, password=password, socket_connect_timeout=1)

    def probe(self, container: dict[str, Any], name: str, auth: str | None) -> int:
        """The probe's command (it asks redis-cli on the default port: the pod's own Redis)."""
        command = [part.replace("redis-cli", f"redis-cli -p {self.port}") for part in container[name]["exec"]["command"]]
        env = {"PATH": self.path, **({"REDISCLI_AUTH": auth} if auth is not None else {})}
        return subprocess.run(command, env=env, capture_output=True, timeout=10).returncode

    def command_line(self) -> bytes:
        return Path(f"/proc/{self.process.pid}/cmdline").read_bytes()


@pytest.fixture
def start_pod_redis(redis_binary: str, redis_container: dict[str, Any], tmp_path: Path) -> Iterator[Any]:
    started: list[PodRedis] = []

    def start(password: str | None) -> PodRedis:
        started.append(PodRedis(redis_container, redis_binary, tmp_path / str(len(started)), password))
        return started[-1]

    yield start
    for pod in started:
        pod.process.stop()


def test_with_a_password_in_the_secret_redis_requires_it_and_never_shows_it(
        start_pod_redis: Any, redis_container: dict[str, Any]) -> None:
    pod = start_pod_redis(AWKWARD_PASSWORD)

    assert pod.client(AWKWARD_PASSWORD).ping()
    with pytest.raises(redis.AuthenticationError):
        pod.client().ping()
    assert AWKWARD_PASSWORD.encode() not in pod.command_line()
    assert not pod.command_line().startswith(b"sh")  # exec'ed: Redis itself gets SIGTERM, and saves


def test_without_a_password_redis_asks_for_none(start_pod_redis: Any) -> None:
    pod = start_pod_redis(None)

    assert pod.client().ping()
    assert pod.client().config_get("requirepass") == {"requirepass": ""}


def test_the_probes_pass_with_the_secret_password_and_fail_without_it(
        start_pod_redis: Any, redis_container: dict[str, Any]) -> None:
    pod = start_pod_redis(AWKWARD_PASSWORD)

    for probe in ("readinessProbe", "livenessProbe"):
        assert pod.probe(redis_container, probe, AWKWARD_PASSWORD) == 0, probe
        assert pod.probe(redis_container, probe, None) != 0, probe


def test_the_secret_password_reaches_redis_and_redis_cli_from_the_same_key(redis_container: dict[str, Any]) -> None:
    sources = {variable["name"]: variable["valueFrom"]["secretKeyRef"] for variable in redis_container["env"]}

    assert sources["REDIS_PASSWORD"] == sources["REDISCLI_AUTH"] == {
        "name": "hgnc-secrets", "key": "REDIS_PASSWORD", "optional": True}
