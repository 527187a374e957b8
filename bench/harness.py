"""What the benchmarks share beyond tests/support: the data file, a private redis-server, the API as the image serves it."""
from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import redis

from tests.support import ApiClient, RedisServer, ServiceProcess, eventually, free_port

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


# The API as the image serves it; bench_serve passes the last release's own command to compare.
SERVER_COMMAND = (sys.executable, "-m", "entrypoints.serve")


class ServedApi:
    """The API served by `command` (the image's: entrypoints.serve, WEB_CONCURRENCY processes)."""

    def __init__(self, process: ServiceProcess, client: ApiClient) -> None:
        self.process = process
        self.client = client
        self.url = client.url

    def worker_pids(self) -> list[int]:
        return sorted(self.process.child_pids())


@contextmanager
def api_server(store: redis.Redis, env: dict[str, str] | None = None, command: Sequence[str] = SERVER_COMMAND,
               cwd: Path = REPO) -> Iterator[ServedApi]:
    """The API on `store`, its processes all up; its log (stderr: not the access log, which would cost
    the measured processes) in bench/out."""
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
    log_path.unlink(missing_ok=True)
    process = ServiceProcess("the API", command, environment, log_path, cwd=cwd, stdout_to_log=False)
    api = ServedApi(process, ApiClient(f"http://127.0.0.1:{port}"))
    processes = int(environment.get("WEB_CONCURRENCY") or 2)
    try:
        process.wait_until(api.client.is_healthy)
        eventually(lambda: len(api.worker_pids()) == processes, 30, f"the API's {processes} processes")
        yield api
    except BaseException:
        process.stop()
        sys.stderr.write(f"the API's log, {log_path}:\n" + log_path.read_text(errors="replace")[-4000:])
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


# Each wrk thread reads the values once and seeds its own random sequence, then asks for a random
# one on every request: `random_request_script(path of the values, the path before each value)`.
RANDOM_REQUEST_SCRIPT = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end
function init(args)
  values = {}
  for line in io.lines("%s") do values[#values + 1] = line end
  math.randomseed(os.time() * 1000 + seed)
end
function request()
  return wrk.format("GET", "%s" .. values[math.random(#values)])
end
"""


def random_request_script(values: Path, path: str) -> str:
    return RANDOM_REQUEST_SCRIPT % (values, path)


# Under gunicorn the processes raced to accept wrk's connections, all opened at once: in about half the
# runs one process took all 16 and the other idled (granian's SO_REUSEPORT hashing can still skew them), which halved the rate and raised the CPU a request
# of whatever route was measured (seen per process in /proc). Such a run measures that race, not
# the route: it is run again.
ONE_PROCESS_SHARE = 0.8  # of the workers' CPU, in the busiest process
ATTEMPTS = 5


def wrk_cpu(url: str, seconds: int, connections: int, threads: int, script: str | None = None,
        workers: tuple[int, ...] = (), redis_pid: int = 0) -> tuple[float, float, float]:
    """Requests/s that wrk measured; the CPU µs per request of the API's processes, and of Redis.

    Every answer must be a 2xx and no socket may fail. A run whose load fell on one of several
    workers is run again (ATTEMPTS in all; the last stands, and says so).
    """
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", script] if script else []
    for attempt in range(1, ATTEMPTS + 1):
        workers_before, redis_before = [cpu_seconds(pid) for pid in workers], cpu_seconds(redis_pid)
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
        each = [cpu_seconds(pid) - before for pid, before in zip(workers, workers_before)]
        redis_cpu = cpu_seconds(redis_pid) - redis_before
        if "Non-2xx" in output or "Socket errors" in output:
            raise RuntimeError(f"wrk saw failures against {url}:\n{output}")
        if len(each) < 2 or max(each) <= ONE_PROCESS_SHARE * sum(each):
            break
        print(f"  (wrk's connections fell on one process{'' if attempt < ATTEMPTS else ' every time'}: "
              f"{'run again' if attempt < ATTEMPTS else 'kept'})", file=sys.stderr)
    done = max(int(re.search(r"(\d+) requests in", output).group(1)), 1)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, sum(each) / done * 1e6, redis_cpu / done * 1e6
