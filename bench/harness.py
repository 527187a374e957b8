"""What the benchmarks share beyond tests/support: the data file, a private redis-server, the API under gunicorn."""
from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import redis

from tests.support import ApiClient, RedisServer, ServiceProcess, free_port

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"  # logs of the processes a benchmark starts (ignored by git)
# The pinned release the tests use too (tests/data/README.md); HGNC_BENCH_DATA or --data names another.
DATA = Path(os.environ.get("HGNC_BENCH_DATA") or REPO / "tests" / "data" / "hgnc_complete_set_2024-10-18.txt.gz")


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def runs(values: Sequence[float], unit: str = "s", digits: int = 3) -> str:
    return " ".join(f"{v:.{digits}f}" for v in values) + f" {unit}"


@contextmanager
def redis_server() -> Iterator[redis.Redis]:
    """A redis-server of our own on a free port, keeping nothing on disk; its client (db 0)."""
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not on the PATH (Debian: apt-get install -y redis-server)")
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as directory:
        server = RedisServer(binary, Path(directory)).start()
        client = server.client()
        try:
            yield client
        finally:
            client.close()
            server.stop()


class GunicornApi:
    """The API served by gunicorn with the repository's gunicorn.conf.py: its process and its client."""

    def __init__(self, process: ServiceProcess, client: ApiClient) -> None:
        self.process = process
        self.client = client
        self.url = client.url

    def worker_pids(self) -> list[int]:
        return sorted(self.process.child_pids())


@contextmanager
def gunicorn_api(store: redis.Redis, options: Sequence[str] = (), env: dict[str, str] | None = None) -> Iterator[GunicornApi]:
    """Its log (stderr: not the access log, which would cost the measured processes) in bench/out."""
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
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *options, "entrypoints.api:create_app()"]
    OUT.mkdir(exist_ok=True)
    log_path = OUT / f"gunicorn-{port}.log"
    log_path.unlink(missing_ok=True)
    process = ServiceProcess("gunicorn", command, environment, log_path, cwd=REPO, stdout_to_log=False)
    api = GunicornApi(process, ApiClient(f"http://127.0.0.1:{port}"))
    try:
        process.wait_until(api.client.is_healthy)
        yield api
    except BaseException:
        process.stop()
        sys.stderr.write(f"gunicorn's log, {log_path}:\n" + log_path.read_text(errors="replace")[-4000:])
        raise
    finally:
        process.stop()
        api.client.close()


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
