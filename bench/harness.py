"""What the benchmarks share: the data file, free ports, a private redis-server, the API as the image serves it."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

import redis
import requests

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"  # logs of the processes a benchmark starts (ignored by git)
# The pinned release the tests use too (tests/data/README.md); HGNC_BENCH_DATA or --data names another.
DATA = Path(os.environ.get("HGNC_BENCH_DATA") or REPO / "tests" / "data" / "hgnc_complete_set_2024-10-18.txt.gz")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def runs(values: Sequence[float], unit: str = "s", digits: int = 3) -> str:
    return " ".join(f"{v:.{digits}f}" for v in values) + f" {unit}"


def wait_until(ready: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except (OSError, redis.RedisError, requests.RequestException):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    """End a process we started, by its own id: TERM, then KILL if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def redis_server() -> Iterator[redis.Redis]:
    """A redis-server of our own on a free port, keeping nothing on disk; its client (db 0)."""
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not on the PATH (Debian: apt-get install -y redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    try:
        wait_until(client.ping, f"redis-server on port {port}")
        yield client
    finally:
        client.close()
        _stop(process)


# The API as the image serves it; bench_serve passes the last release's own command to compare.
SERVER_COMMAND = (sys.executable, "-m", "entrypoints.serve")


class Api:
    """The API served by `command` (the image's: entrypoints.serve, WEB_CONCURRENCY processes)."""

    def __init__(self, process: subprocess.Popen, url: str) -> None:
        self.process = process
        self.url = url

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]


@contextmanager
def api_server(store: redis.Redis, env: dict[str, str] | None = None, command: Sequence[str] = SERVER_COMMAND,
               cwd: Path = REPO) -> Iterator[Api]:
    port = free_port()
    connection = store.connection_pool.connection_kwargs
    environment = {
        **os.environ,
        "PORT": str(port),
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(connection["port"]),
        "HGNC_SOURCE": str(DATA),
        "LOG_LEVEL": "info",
        **(env or {}),
    }
    OUT.mkdir(exist_ok=True)
    log_path = OUT / f"api-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(list(command), cwd=cwd, env=environment, stdout=subprocess.DEVNULL, stderr=log)
    api = Api(process, f"http://127.0.0.1:{port}")
    try:
        wait_until(lambda: requests.get(f"{api.url}/health", timeout=2).ok, f"the API ({' '.join(command[1:])})",
                   timeout=60)
        wait_until(lambda: len(api.worker_pids()) == int(environment.get("WEB_CONCURRENCY") or 2),
                   "the API's processes")
        yield api
    except BaseException:
        _stop(process)
        sys.stderr.write(f"the API's log, {log_path}:\n" + log_path.read_text(errors="replace")[-4000:])
        raise
    finally:
        _stop(process)


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in KiB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak_memory(pid: int) -> None:
    """Start VmHWM afresh from the current RSS (Linux 4.0+: `echo 5 > /proc/PID/clear_refs`)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
