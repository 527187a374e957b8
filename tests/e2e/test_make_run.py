"""`make run` in a fresh copy of the repository: the whole service without Docker, stopped and started again.

The copy holds the tracked files alone (`git ls-files`), in an empty folder with nothing beside it.
`make run` there uses the virtualenv these tests run in (its VENV variable), when they run in one:
creating a fresh one costs a minute of installs, and `make test` has just made this one from the
same requirements.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import psutil
import pytest
import redis

from entrypoints.containers import JOBS_DB
from local.redis_binary import redis_server_binary
from tests.support import REPO_ROOT, ApiClient, RedisServer, ServiceProcess, eventually, free_port, wait_for_job

PINNED_RELEASE = Path("tests/data/hgnc_complete_set_2024-10-18.txt.gz")
PINNED_RECORDS = 43_882  # tests/data/README.md
JOB = {"start_date": "2000-01-01", "end_date": "2005-12-31", "locus_group": "protein-coding gene"}
JOB_TOTAL = 9_502  # the genes JOB counts in the pinned release (README's example; test_job_results counts them)
# Starting includes creating the virtualenv when these tests do not run in one.
START_TIMEOUT_SECONDS = 60.0 if sys.prefix != sys.base_prefix else 300.0
STOP_TIMEOUT_SECONDS = 20.0  # "within seconds": idle, a stop takes about 3 s
JOB_TIMEOUT_SECONDS = 60.0
# What a clean run never prints: a traceback, an error log line, make's report of a failed recipe.
NEVER_PRINTED = ("Traceback", "ERROR", "Error", "make: ***")


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tracked files of the repository, alone in an empty folder (mtimes kept, as a checkout has them)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    root = tmp_path_factory.mktemp("fresh") / "repo"
    for name in listed.decode().split("\0"):
        if name and (REPO_ROOT / name).is_file():  # a file deleted but not yet committed is skipped
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, root / name)
    assert sorted(p.name for p in root.parent.iterdir()) == ["repo"]
    assert not (root / ".venv").exists() and sorted(p.name for p in (root / "data").iterdir()) == [".gitcanary"]
    return root


class MakeRun:
    """`make run` in `clone` with the given settings, in a session of its own, as a terminal would start it."""

    def __init__(self, clone: Path, log_path: Path, **settings: str) -> None:
        self.clone = clone
        self.port = int(settings.get("PORT") or free_port())
        self.url = f"http://127.0.0.1:{self.port}"
        self.api = ApiClient(self.url)
        self.log_path = log_path
        env = {k: v for k, v in os.environ.items()
               if k not in ("REDIS_HOST", "REDIS_PORT", "REDIS_URL", "HGNC_SOURCE", "WORKERS", "VENV",
                            "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        env.update({"PORT": str(self.port), "LOG_LEVEL": "INFO", **settings})
        command = ["make", "run"]
        if sys.prefix != sys.base_prefix:
            command.append(f"VENV={sys.prefix}")
        self.process = ServiceProcess("make run", command, env, log_path, cwd=clone)
        self.started: list[psutil.Process] = []

    def wait_until_healthy(self) -> None:
        """Until make run says the service runs (after its own health check), and /health answers 200."""
        self.process.wait_until(lambda: "The HGNC gene service is running at" in self.output()
                                and self.api.is_healthy(), timeout=START_TIMEOUT_SECONDS)
        self.note_processes()

    def note_processes(self) -> None:
        """Every process running under make run now, added to those noted before."""
        root = psutil.Process(self.process.pid)
        noted = {p.pid for p in self.started}
        self.started += [p for p in [root, *root.children(recursive=True)] if p.pid not in noted]

    def commands(self) -> list[str]:
        return [" ".join(p.cmdline()) for p in self.started]

    def stop(self, signum: int, to_session: bool) -> float:
        """`signum` to make alone (`kill PID`) or to its whole session (Ctrl-C); the seconds until make exits."""
        self.note_processes()
        begun = time.monotonic()
        (os.killpg if to_session else os.kill)(self.process.pid, signum)
        try:
            self.process.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"make run still running {STOP_TIMEOUT_SECONDS:.0f} s after {signal.Signals(signum).name}; "
                        f"alive: {self.left_running()}\n--- its output ---\n{self.output()}")
        return time.monotonic() - begun

    def left_running(self) -> list[str]:
        return [f"{p.pid} {' '.join(p.cmdline())}" for p in self.started if _alive(p)]

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill_everything(self) -> None:
        """After a failure: nothing this run started outlives the test."""
        for process in self.started:
            if _alive(process):
                process.kill()
        self.process.stop()


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


StartMakeRun = Callable[..., MakeRun]


@pytest.fixture
def start_make_run(clone: Path, tmp_path: Path) -> Iterator[StartMakeRun]:
    runs: list[MakeRun] = []

    def start(**settings: str) -> MakeRun:
        run = MakeRun(clone, tmp_path / f"make-run-{len(runs) + 1}.log", **settings)
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.kill_everything()


def test_make_run_serves_keeps_its_data_in_data_and_stops_everything_it_started(
        clone: Path, start_make_run: StartMakeRun) -> None:
    redis_port = str(free_port())
    first = start_make_run(REDIS_PORT=redis_port)
    first.wait_until_healthy()

    commands = first.commands()
    assert sum("redis-server" in c for c in commands) == 1, commands
    assert sum("entrypoints.serve" in c for c in commands) >= 3, commands  # the server and its two processes
    assert sum("entrypoints.worker" in c for c in commands) == 1, commands  # WORKERS defaults to 1
    assert f"The HGNC gene service is running at http://localhost:{first.port}, listening on 127.0.0.1 only" \
        in first.output()
    listening = {connection.laddr.ip for process in first.started if _alive(process)
                 for connection in process.net_connections("tcp")
                 if connection.status == psutil.CONN_LISTEN and connection.laddr.port == first.port}
    assert listening == {"127.0.0.1"}  # HOST unset: not the network's
    assert f"curl -X POST --data-binary @{PINNED_RELEASE} http://localhost:{first.port}/data" in first.output()

    loaded = first.api.post("/data", data=(clone / PINNED_RELEASE).read_bytes(), timeout=120)
    assert loaded.status_code == 201, loaded.text
    assert loaded.json()["count"] == PINNED_RECORDS
    submitted = first.api.post("/jobs", json=JOB, timeout=10)
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    assert wait_for_job(first.api, job_id, JOB_TIMEOUT_SECONDS)["status"] == "complete"
    results = first.api.get(f"/results/{job_id}", timeout=10).json()
    assert results["total"] == JOB_TOTAL

    stop_requested = time.time()
    seconds = first.stop(signal.SIGTERM, to_session=False)  # make hands it on
    assert seconds < STOP_TIMEOUT_SECONDS
    assert first.left_running() == []
    snapshot = clone / "data" / "dump.rdb"
    assert snapshot.is_file() and snapshot.stat().st_mtime >= stop_requested - 1, "no final snapshot in data/"
    assert (clone / "data" / "appendonlydir").is_dir() or (clone / "data" / "appendonly.aof").is_file()
    assert [word for word in NEVER_PRINTED if word in first.output()] == [], first.output()
    assert first.output().rstrip().endswith("stopped")

    second = start_make_run(REDIS_PORT=redis_port, WORKERS="2")
    second.wait_until_healthy()
    assert sum("entrypoints.worker" in c for c in second.commands()) == 2
    gene = second.api.get("/genes/HGNC:5", timeout=10)
    assert gene.status_code == 200 and gene.json()["symbol"] == "A1BG"
    assert second.api.get(f"/jobs/{job_id}", timeout=10).json()["status"] == "complete"
    assert second.api.get(f"/results/{job_id}", timeout=10).json() == results

    second.stop(signal.SIGINT, to_session=True)  # Ctrl-C
    assert second.left_running() == []
    assert [word for word in NEVER_PRINTED if word in second.output()] == [], second.output()


@pytest.mark.parametrize("variable", ["REDIS_HOST", "REDIS_URL"])
def test_with_redis_host_or_url_set_make_run_uses_that_redis_and_starts_none(
        variable: str, start_make_run: StartMakeRun, tmp_path: Path) -> None:
    binary = redis_server_binary()
    assert binary is not None
    server = RedisServer(binary, tmp_path / "redis").start()
    try:
        where = {"REDIS_HOST": server.host, "REDIS_PORT": str(server.port)} if variable == "REDIS_HOST" \
            else {"REDIS_URL": server.url}
        run = start_make_run(**where)
        run.wait_until_healthy()
        assert not any("redis-server" in c for c in run.commands()), run.commands()
        assert f"the Redis at redis://{server.host}:{server.port}" in run.output()
        submitted = run.api.post("/jobs", json=JOB, timeout=10)
        assert submitted.status_code == 202
        assert redis.Redis(host=server.host, port=server.port, db=JOBS_DB).dbsize() > 0  # the job is in that Redis
        run.stop(signal.SIGTERM, to_session=True)
        assert run.left_running() == []
        assert redis.Redis(host=server.host, port=server.port).ping()  # and it is still running
    finally:
        server.stop()


def test_a_port_in_use_is_a_one_line_error(start_make_run: StartMakeRun) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = start_make_run(REDIS_PORT=str(free_port()), PORT=str(port))
        assert run.process.process.wait(START_TIMEOUT_SECONDS) != 0
    mine = [line for line in run.output().splitlines() if line.startswith("make run:")]
    assert mine == [f"make run: port {port} is already in use: set PORT to another port"], run.output()
    assert "Traceback" not in run.output()


def test_the_terminal_closed_stops_everything_and_a_killed_supervisor_takes_everything_with_it(
        start_make_run: StartMakeRun) -> None:
    closed = start_make_run(REDIS_PORT=str(free_port()))
    closed.wait_until_healthy()
    closed.stop(signal.SIGHUP, to_session=True)  # what a closing terminal sends
    assert closed.left_running() == []
    assert closed.output().rstrip().endswith("stopped")

    killed = start_make_run(REDIS_PORT=str(free_port()))
    killed.wait_until_healthy()
    supervisor = next(p for p in killed.started if "local.run" in " ".join(p.cmdline()))
    supervisor.kill()  # SIGKILL: no handler runs, no child is told by it
    eventually(lambda: killed.left_running() == [], STOP_TIMEOUT_SECONDS, "every process of the run gone",
               interval=0.2)
