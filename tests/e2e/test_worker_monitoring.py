"""Watching real workers: GET /workers and GET /queue of the real API, each worker's own metrics, its
health check and its JSON logs; workers stopped cleanly, killed and frozen as an operator would see them."""
from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import redis
import requests
from hotqueue import key_for_name
from prometheus_client.parser import text_string_to_metric_families

from adapters.hotqueue_job_queue import QUEUE_NAME
from entrypoints.containers import JOBS_DB, QUEUE_DB, RESULTS_DB
from tests.conftest import FIXTURES, StartProcess
from tests.support import (
    REPO_ROOT, ApiClient, ApiProcess, RedisServer, ServiceProcess, eventually, free_port, wait_for_job, wait_for_jobs)

LEASE_SECONDS = 2.0  # JOB_LEASE_SECONDS of the workers here: a killed one is gone from the list within it
ALL_YEARS = {"start_date": "1900-01-01", "end_date": "2099-12-31"}  # the largest plot: ~0.2 s a job
SAMPLE_GENES = 13
QUEUE_KEY = key_for_name(QUEUE_NAME)
CHECK_SECONDS = 10.0  # what "within a few seconds" must stay under even on a busy CI machine


class Worker:
    """A real `python -m entrypoints.worker`, its health-check folder and its metrics port."""

    def __init__(self, process: ServiceProcess, env: dict[str, str], metrics_port: int) -> None:
        self.process = process
        self.env = env
        self.metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"

    @property
    def pid(self) -> int:
        return self.process.pid

    def check(self) -> tuple[int, float, str]:
        """`python -m entrypoints.worker --check` in this worker's environment: exit code, seconds, output."""
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "entrypoints.worker", "--check"], cwd=REPO_ROOT,
                              env={**os.environ, **self.env}, capture_output=True, text=True, timeout=60)
        return done.returncode, time.monotonic() - started, done.stdout + done.stderr

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        page = requests.get(self.metrics_url, timeout=5).text
        return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
                for family in text_string_to_metric_families(page) for sample in family.samples}

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.process.log_path.read_text().splitlines()]

    def stop(self) -> int:
        os.kill(self.pid, signal.SIGTERM)
        return self.process.process.wait(15)

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.process.process.wait(5)


@pytest.fixture(scope="module")
def service(redis_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RedisServer, ApiProcess]]:
    """A Redis of its own with the sample set loaded, and the real API on it."""
    directory = tmp_path_factory.mktemp("workers")
    server = RedisServer(redis_binary, directory / "redis").start()
    process = ApiProcess(server.host, server.port, FIXTURES / "hgnc_sample.tsv", directory / "api.log")
    try:
        yield server, process.wait_until_healthy()
    finally:
        process.stop()
        server.stop()


@pytest.fixture
def api_process(service: tuple[RedisServer, ApiProcess]) -> ApiProcess:
    """The API (`api` talks to it), with the sample loaded and no job, queued id or worker left by an earlier test."""
    server, process = service
    for db in (QUEUE_DB, JOBS_DB, RESULTS_DB):
        redis.Redis(host=server.host, port=server.port, db=db).flushdb()
    if len(process.client.get("/genes").json()) != SAMPLE_GENES:
        assert process.client.post("/data").status_code == 201
    return process


@pytest.fixture
def start_worker(service: tuple[RedisServer, ApiProcess], api: ApiClient, start_process: StartProcess,
                 tmp_path: Path) -> Callable[..., Worker]:
    server, _ = service

    def start(**extra: str) -> Worker:
        folder = tmp_path / f"worker-{len(os.listdir(tmp_path))}"
        folder.mkdir()
        port = free_port()
        env = {"REDIS_HOST": server.host, "REDIS_PORT": str(server.port), "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
               "LOG_FORMAT": "json", "LOG_LEVEL": "INFO", "WORKER_METRICS_PORT": str(port), "TMPDIR": str(folder),
               **extra}
        process = start_process(["python", "-m", "entrypoints.worker"], env=env, name=f"worker in {folder.name}")
        worker = Worker(process, env, port)
        process.wait_until(lambda: worker.pid in {w["pid"] for w in api.get("/workers").json()})
        return worker

    return start


_ranges = itertools.count()


def submit(api: ApiClient, count: int = 1, parameters: dict[str, str] | None = None) -> list[str]:
    """Jobs of the given parameters, or else each of all years to an end of its own: a job repeating
    another's parameters would complete at once with its results, and never be seen running."""
    ids = []
    for _ in range(count):
        body = parameters or {**ALL_YEARS, "end_date": f"{2099 - next(_ranges) % 75}-12-31"}
        response = api.post("/jobs", json=body)
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    return ids


def listed(api: ApiClient) -> dict[int, dict[str, Any]]:
    """GET /workers, by pid."""
    response = api.get("/workers")
    assert response.status_code == 200, response.text
    return {worker["pid"]: worker for worker in response.json()}


# -- GET /workers --------------------------------------------------------------------------------


def hand_one_job_to_each(api: ApiClient, workers: list[Worker]) -> list[str]:
    """Freeze the workers while they wait in BLMOVE, then submit one job for each: Redis moves each id
    into a frozen worker's in-flight list, a job taken and not yet run. (A job on the sample set
    takes milliseconds: caught running, it would be luck.) Thawed by the caller."""
    def handed() -> list[str] | None:
        for worker in workers:
            os.kill(worker.pid, signal.SIGSTOP)
        job_ids = submit(api, len(workers))
        time.sleep(0.2)  # for Redis to move the ids
        if api.get("/queue").json()["in_flight"] == len(workers):
            return job_ids
        for worker in workers:  # one was frozen between two waits: let them run the jobs, and again
            os.kill(worker.pid, signal.SIGCONT)
        wait_for_jobs(api, job_ids, 30)
        return None

    return eventually(handed, 60, "the workers frozen all waiting for an id, each then given one", interval=0)


def test_two_busy_workers_are_listed_with_their_current_jobs(api: ApiClient, start_worker: Callable[..., Worker]) -> None:
    first, second = start_worker(), start_worker()

    try:
        held = hand_one_job_to_each(api, [first, second])
        both_busy = listed(api)
    finally:
        for worker in (first, second):
            os.kill(worker.pid, signal.SIGCONT)

    assert set(both_busy) == {first.pid, second.pid}
    assert {w["current_job"] for w in both_busy.values()} == set(held)
    for worker in both_busy.values():
        assert worker["host"] == socket.gethostname()
        assert worker["id"].startswith(f"{worker['host']}-{worker['pid']}-")
        assert datetime.fromisoformat(worker["started_at"]) <= datetime.fromisoformat(worker["last_seen"])
    done_before = sum(w["jobs_done"] for w in both_busy.values())
    job_ids = held + submit(api, 28)
    wait_for_jobs(api, job_ids, 120)
    done = eventually(lambda: (seen := listed(api)) and sum(w["jobs_done"] for w in seen.values()) == done_before + 30
                      and seen, 5, "30 more jobs done in all")
    assert all(w["current_job"] is None for w in done.values()), done


def test_a_stopped_worker_leaves_the_list_at_once_and_a_killed_one_within_the_lease(
        api: ApiClient, start_worker: Callable[..., Worker]) -> None:
    stopped, killed, staying = start_worker(), start_worker(), start_worker()
    assert set(listed(api)) == {stopped.pid, killed.pid, staying.pid}

    assert stopped.stop() == 0
    assert set(listed(api)) == {killed.pid, staying.pid}  # at once: the moment it has exited

    killed.kill()
    gone_at = time.monotonic()
    eventually(lambda: set(listed(api)) == {staying.pid}, LEASE_SECONDS, "the killed worker off the list")
    print(f"the killed worker left the list {time.monotonic() - gone_at:.2f} s after SIGKILL (lease {LEASE_SECONDS} s)")
    assert api.get("/queue").json()["workers"] == 1


# -- GET /queue ----------------------------------------------------------------------------------


def test_queue_counts_equal_the_jobs_submitted_finished_and_queued(
        service: tuple[RedisServer, ApiProcess], api: ApiClient, start_worker: Callable[..., Worker]) -> None:
    server, _ = service
    job_ids = submit(api, 5, {"start_date": "1986-01-01", "end_date": "1991-12-31"})
    assert api.delete(f"/jobs/{job_ids[0]}").status_code == 200
    redis.Redis(host=server.host, port=server.port, db=QUEUE_DB).rpush(QUEUE_KEY, b"not a job id")

    assert api.get("/queue").json() == {
        "queued": 6, "in_flight": 0, "dead_letters": 0, "workers": 0,
        "jobs": {"submitted": 4, "in progress": 0, "complete": 0, "failed": 0, "cancelled": 1}}

    worker = start_worker()
    wait_for_jobs(api, job_ids, 60)
    eventually(lambda: api.get("/queue").json()["queued"] == 0, 60, "the queue drained")

    assert api.get("/queue").json() == {
        "queued": 0, "in_flight": 0, "dead_letters": 1, "workers": 1,
        "jobs": {"submitted": 0, "in progress": 0, "complete": 4, "failed": 0, "cancelled": 1}}

    # Frozen with an id it has taken and not run: in flight, its job still submitted.
    try:
        [job_id] = hand_one_job_to_each(api, [worker])
        queue = api.get("/queue").json()
        assert (queue["queued"], queue["in_flight"], queue["jobs"]["submitted"]) == (0, 1, 1)
        assert listed(api)[worker.pid]["current_job"] == job_id
    finally:
        os.kill(worker.pid, signal.SIGCONT)
    wait_for_job(api, job_id, 30)
    assert api.get("/queue").json()["in_flight"] == 0


# -- the worker's own metrics, health check and logs ------------------------------------------------


def test_a_workers_metrics_count_its_jobs_by_outcome_and_time_them(
        service: tuple[RedisServer, ApiProcess], api: ApiClient, start_worker: Callable[..., Worker]) -> None:
    assert api.delete("/data").status_code == 200
    [doomed, skipped] = submit(api, 2)  # the first fails (no gene data); the second is cancelled: skipped
    assert api.delete(f"/jobs/{skipped}").status_code == 200
    worker = start_worker()
    wait_for_job(api, doomed, 30)
    assert api.post("/data").status_code == 201
    complete = submit(api, 3)
    wait_for_jobs(api, complete, 30)
    eventually(lambda: listed(api)[worker.pid]["jobs_done"] == 5, 30, "five ids acknowledged")

    metrics = worker.metrics()

    runs = {outcome: metrics[("hgnc_jobs_run_total", (("outcome", outcome),))]
            for outcome in ("complete", "failed", "skipped")}
    assert runs == {"complete": 3, "failed": 1, "skipped": 1}
    assert metrics[("hgnc_job_duration_seconds_count", ())] == 4
    assert 0 < metrics[("hgnc_job_duration_seconds_sum", ())] < 60
    assert metrics[("hgnc_worker_redis_errors_total", ())] == 0


def test_check_is_true_for_a_live_worker_and_false_once_it_is_stopped_or_killed(
        api: ApiClient, start_worker: Callable[..., Worker]) -> None:
    stopped, killed = start_worker(), start_worker()
    for worker in (stopped, killed):
        code, seconds, output = worker.check()
        assert code == 0, output
        assert seconds < CHECK_SECONDS

    assert stopped.stop() == 0
    killed.kill()

    for worker in (stopped, killed):
        code, seconds, output = worker.check()
        assert code != 0 and seconds < CHECK_SECONDS
        assert output.strip(), "a failed check says why"


def test_a_workers_json_log_lines_name_the_worker_and_the_job(api: ApiClient, start_worker: Callable[..., Worker]) -> None:
    worker = start_worker()
    [job_id] = submit(api)
    wait_for_job(api, job_id, 30)
    worker.stop()

    lines = worker.log_lines()  # every line is one JSON object

    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    [start] = [n for n, line in enumerate(lines) if " watching " in line["message"]]
    [worker_id] = {line["worker_id"] for line in lines[start:]}  # each, from the moment it has an id
    assert worker_id.startswith(f"{socket.gethostname()}-{worker.pid}-")
    about_the_job = [line for line in lines if line.get("job_id") == job_id]
    assert any("complete" in line["message"] for line in about_the_job), lines
