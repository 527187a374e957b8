"""Real processes for tests and benchmarks: a throwaway redis-server, the API, any command; each stopped for sure."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import redis

from tests.support.api_client import ApiClient
from tests.support.polling import ProcessExited, eventually

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60.0  # generous: CI machines can be busy
# The service's own Redis address and secrets: a process a test starts gets them only from the test,
# never from the shell that runs the tests (whose REDIS_URL, for one, names the tests' Redis).
SERVICE_CONNECTION_VARIABLES = ("REDIS_URL", "REDIS_USERNAME", "REDIS_PASSWORD", "REDIS_CA_CERT", "ADMIN_TOKEN",
                                "REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_PASSWORD")
STOP_TIMEOUT_SECONDS = 10.0
# The API as production serves it (the image's command): granian's processes behind one port.
SERVER_COMMAND = ["python", "-m", "entrypoints.serve"]


class ProcessFailed(RuntimeError):
    """A process the tests need did not start, or died; the message carries its log."""


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def closed_port() -> int:
    """A port that refuses connections: free, and nothing is started on it."""
    return free_port()


def service_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without SERVICE_CONNECTION_VARIABLES, then `env`."""
    inherited = {name: value for name, value in os.environ.items() if name not in SERVICE_CONNECTION_VARIABLES}
    return {**inherited, **(env or {})}


class ServiceProcess:
    """A child process with its output in a log file; `stop()` terminates it, then kills it.

    `stdout_to_log=False` drops its standard output and logs its standard error alone (a benchmark's
    the server writes an access line a request to stdout: writing them would cost what is measured).
    """

    def __init__(self, name: str, args: Sequence[str], env: Mapping[str, str], log_path: Path,
                 cwd: Path = REPO_ROOT, stdout_to_log: bool = True) -> None:
        self.name = name
        self.args = list(args)
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.process = subprocess.Popen(
            self.args, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
            stdout=self._log if stdout_to_log else subprocess.DEVNULL, stderr=self._log, start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def is_running(self) -> bool:
        return self.process.poll() is None

    def child_pids(self) -> set[int]:
        """The processes it started itself (Linux: /proc), e.g. the processes of the server."""
        return {int(pid) for pid in Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()}

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def wait_until(self, ready: Callable[[], object], timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Poll `ready` until it holds; fail with the process's log if it dies or takes too long (then stop it)."""
        try:
            eventually(ready, timeout, f"{self.name} is ready", interval=0.05, watching=[self])
        except ProcessExited as exited:  # its message carries the log
            raise ProcessFailed(f"{exited}\nexit code {self.process.returncode} of: {' '.join(self.args)}") from None
        except AssertionError as late:
            self.stop()
            raise ProcessFailed(f"{late}\n--- log ---\n{self.log_tail()}") from None

    def wait_for_exit(self, timeout: float) -> int:
        """Its exit code once it has exited by itself; fails, with its log, if it still runs after `timeout` s."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} still runs after {timeout:g} s\n--- log ---\n{self.log_tail()}") from None

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
                 extra_args: Sequence[str] = (), client_options: Mapping[str, Any] | None = None) -> None:
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
    """The API served as in production (SERVER_COMMAND) on a free port, ready once `/health` answers 200;
    one server process unless `extra_env` sets WEB_CONCURRENCY."""

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
            "WEB_CONCURRENCY": "1",  # one server process, unless `extra_env` asks for more: half the start and memory
            **(extra_env or {}),
        })
        self.process = ServiceProcess(f"API :{self.port}", [sys.executable, *SERVER_COMMAND[1:]],
                                      env, log_path)
        self.client = ApiClient(self.url)

    def wait_until_healthy(self) -> "ApiProcess":
        self.process.wait_until(self.client.is_healthy)
        return self

    def stop(self) -> None:
        self.process.stop()
        self.client.close()
