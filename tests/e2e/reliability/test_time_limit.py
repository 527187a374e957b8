"""JOB_TIMEOUT_SECONDS: a job stuck for good is stopped at the limit, retried, then failed, and the worker
goes on; a worker wedged past its limit fails `--check`."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from adapters.redis_result_repository import reservation_key
from genes.job import JobStatus
from tests.e2e.reliability.deployment import A_MONTH, JOB_SECONDS, MAX_ATTEMPTS, Store, Workers
from tests.e2e.reliability.stuck_worker import STUCK
from tests.problem_details import assert_problem
from tests.support import REPO_ROOT, ApiClient, eventually

pytestmark = pytest.mark.reliability
STUCK_WORKER = "tests.e2e.reliability.stuck_worker"
LIMIT_SECONDS = 1.0
STOPPED_WITHIN = 5.0  # the promise: an attempt is stopped within the limit and this


def children_of(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (the analysis processes of a worker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # it ended meanwhile
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def test_a_job_stuck_for_good_is_stopped_at_each_attempt_then_failed_and_the_worker_runs_the_next(
        api: ApiClient, jobs_store: Store, workers: Workers) -> None:
    worker = workers.start(STUCK_WORKER, JOB_TIMEOUT_SECONDS=str(LIMIT_SECONDS))
    submitted = time.monotonic()
    [stuck] = jobs_store.submit(STUCK)
    [after_it] = jobs_store.submit(A_MONTH)

    # Its first attempt stopped, the stuck job goes behind the other, which the same worker runs.
    eventually(jobs_store.all_in([after_it], JobStatus.COMPLETE), LIMIT_SECONDS + STOPPED_WITHIN + JOB_SECONDS,
               "the job queued after the stuck one is complete")
    eventually(jobs_store.all_in([stuck], JobStatus.FAILED), MAX_ATTEMPTS * (LIMIT_SECONDS + STOPPED_WITHIN),
               "the stuck job failed")
    took = time.monotonic() - submitted

    failed = jobs_store.job(stuck)
    assert failed.attempts == MAX_ATTEMPTS and took >= MAX_ATTEMPTS * LIMIT_SECONDS
    assert failed.error == f"timed out after {LIMIT_SECONDS:g} s (attempt {MAX_ATTEMPTS} of {MAX_ATTEMPTS})"
    assert worker.log().count(f"timed out after {LIMIT_SECONDS:g} s (attempt") == MAX_ATTEMPTS
    # Nothing of the stopped attempts is kept nor served; the other job's results are all there is.
    assert jobs_store.results_of(stuck) == (None, None)
    assert jobs_store.results.get(STUCK.results_id(jobs_store.genes.loaded_set_id() or "")) is None
    assert not jobs_store.results_redis.exists(reservation_key(STUCK.results_id(jobs_store.genes.loaded_set_id() or "")))
    results = requests.get(f"{api.url}/results/{stuck}", timeout=10)
    problem = assert_problem(results.status_code, results.headers, results.content, 409)
    assert problem["job_status"] == "failed" and "timed out after 1 s" in problem["detail"]
    # The same worker, with no analysis process left behind, takes the next job.
    eventually(lambda: jobs_store.in_flight() == {} and jobs_store.queued() == [], JOB_SECONDS, "ids acknowledged")
    assert worker.process.is_running() and children_of(worker.pid) == []
    [next_job] = jobs_store.submit_distinct(A_MONTH)
    eventually(jobs_store.all_in([next_job], JobStatus.COMPLETE), 2 * JOB_SECONDS, "the next job is complete")
    jobs_store.assert_complete_exactly_once([after_it, next_job], workers.logs())


def check(env: dict[str, str]) -> tuple[int, str]:
    """`python -m entrypoints.worker --check` as an orchestrator runs it beside the worker."""
    done = subprocess.run([sys.executable, "-m", "entrypoints.worker", "--check"], cwd=REPO_ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


def test_check_fails_while_a_worker_is_wedged_in_a_job_past_its_limit_though_its_lease_beats(
        jobs_store: Store, workers: Workers, tmp_path: Path) -> None:
    env = {**jobs_store.env, "JOB_TIMEOUT_SECONDS": "0.5", "TMPDIR": str(tmp_path), "STUCK_WORKER_WEDGED": "1"}
    worker = workers.start(STUCK_WORKER, **env)
    code, output = check(env)
    assert code == 0, output
    [stuck] = jobs_store.submit(STUCK)
    eventually(jobs_store.all_in([stuck], JobStatus.IN_PROGRESS), JOB_SECONDS, "the stuck job runs")
    checks: list[tuple[int, str]] = []

    started = time.monotonic()
    eventually(lambda: checks.append(check(env)) or checks[-1][0] != 0, 0.5 + 5 + 10, "--check fails")
    seconds = time.monotonic() - started

    assert seconds >= 0.5 + 5 - 0.5  # not before the limit and its grace (less the time to see it run)
    assert "past its time limit of 0.5 s: it is wedged" in checks[-1][1] and stuck in checks[-1][1]
    assert jobs_store.is_alive(worker.worker_id)  # its lease alone would say "healthy"
    worker.kill()  # wedged on purpose: no stop signal can end it (SIGTERM would wait out the teardown's timeout)
