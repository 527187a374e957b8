"""Real processes for tests: a throwaway redis-server, the API, the worker; each stopped for sure."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Mapping, Sequence

import redis
import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 60.0  # generous: CI machines can be busy
# The service's own Redis address and secrets: a process a test starts gets them only from the test,
# never from the shell that runs the tests (whose REDIS_URL, for one, names the tests' Redis).
SERVICE_CONNECTION_VARIABLES = ("REDIS_URL", "REDIS_USERNAME", "REDIS_PASSWORD", "REDIS_CA_CERT", "ADMIN_TOKEN")
STOP_TIMEOUT_SECONDS = 10.0
# The API as production serves it (the image's command): granian's processes behind one port.
SERVER_COMMAND = ["python", "-m", "entrypoints.serve"]


class ProcessFailed(RuntimeError):
    """A process the tests need did not start, or died; the message carries its log."""


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A port that refuses connections: free, and nothing is started on it."""
    return free_port()


def service_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without SERVICE_CONNECTION_VARIABLES, then `env`."""
    inherited = {name: value for name, value in os.environ.items() if name not in SERVICE_CONNECTION_VARIABLES}
    return {**inherited, **(env or {})}


class ServiceProcess:
    """A child process with its output in a log file; `stop()` terminates it, then kills it."""

    def __init__(self, name: str, args: Sequence[str], env: Mapping[str, str], log_path: Path,
                 cwd: Path = REPO_ROOT) -> None:
        self.name = name
        self.args = list(args)
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.process = subprocess.Popen(
            self.args, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def is_running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def wait_until(self, ready: Callable[[], bool], timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Poll `ready` until it holds; fail with the process's log if it dies or takes too long."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.is_running():
                raise ProcessFailed(
                    f"{self.name} exited with code {self.process.returncode} before it was ready\n"
                    f"command: {' '.join(self.args)}\n--- log ---\n{self.log_tail()}")
            try:
                if ready():
                    return
            except Exception:  # not up yet: connection refused, reset, ...
                pass
            time.sleep(0.05)
        self.stop()
        raise ProcessFailed(f"{self.name} was not ready after {timeout:.0f} s\n--- log ---\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL if it lingers; idempotent."""
        if self.is_running():
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(STOP_TIMEOUT_SECONDS)
        self._log.close()

    def _signal(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)  # its own session: reaches any child it forked
        except ProcessLookupError:
            pass


class RedisServer:
    """A throwaway redis-server on a free port, its files in `directory`.

    No persistence unless `appendonly`: then `stop()` (SIGTERM: Redis flushes its AOF) and `start()`
    again on the same port and directory give back the data, as a restarted production Redis does.
    """

    def __init__(self, binary: str, directory: Path, port: int | None = None, appendonly: bool = False,
                 extra_args: Sequence[str] = (), client_options: Mapping[str, object] | None = None) -> None:
        """`extra_args` follow the defaults (a later option wins); `client_options` let the readiness
        check in, e.g. `password`, or `ssl` and `ssl_ca_certs` for a server that listens on TLS only."""
        self.binary = binary
        self.directory = directory
        self.appendonly = appendonly
        self.extra_args = list(extra_args)
        self.client_options = dict(client_options or {})
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self._process: ServiceProcess | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}"

    def start(self) -> "RedisServer":
        self.directory.mkdir(parents=True, exist_ok=True)
        args = [self.binary, "--port", str(self.port), "--bind", self.host, "--save", "",
                "--appendonly", "yes" if self.appendonly else "no", "--dir", str(self.directory), "--daemonize", "no",
                *self.extra_args]
        self._process = ServiceProcess(f"redis-server :{self.port}", args, os.environ,
                                       self.directory / "redis.log", cwd=self.directory)
        client = self.client()
        try:
            self._process.wait_until(client.ping)
        finally:
            client.close()
        return self

    def client(self, db: int = 0) -> redis.Redis:
        """A client with `client_options`: the server's administrator."""
        return redis.Redis(host=self.host, port=self.port, db=db, socket_connect_timeout=1, **self.client_options)

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None


class ApiProcess:
    """The API served as in production (SERVER_COMMAND) on a free port, ready once `/health` answers 200."""

    def __init__(self, redis_host: str, redis_port: int, hgnc_source: str | Path, log_path: Path,
                 log_level: str = "WARNING", extra_env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = service_environment({
            "REDIS_HOST": redis_host,
            "REDIS_PORT": str(redis_port),
            "PORT": str(self.port),
            "HGNC_SOURCE": str(hgnc_source),
            "LOG_LEVEL": log_level,
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        })
        self.process = ServiceProcess(f"API :{self.port}", [sys.executable, *SERVER_COMMAND[1:]],
                                      env, log_path)

    def wait_until_healthy(self) -> "ApiProcess":
        self.process.wait_until(lambda: requests.get(f"{self.url}/health", timeout=1).status_code == 200)
        return self

    def stop(self) -> None:
        self.process.stop()
