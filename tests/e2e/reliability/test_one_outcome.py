"""Exactly one outcome: racing runs and transitions of one job, in threads and processes, on the real Redis."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import pytest

from adapters.redis_job_repository import job_key, status_key
from genes.errors import InvalidJobTransition
from genes.job import Job, JobStatus
from tests.e2e.reliability.deployment import A_MONTH, Store
from tests.support import REPO_ROOT

pytestmark = pytest.mark.reliability

RACERS = 8
PROCESSES = 3  # each imports the service (~1.5 s of CPU): threads race in greater numbers, below


def test_runs_of_one_job_racing_in_processes_complete_it_exactly_once(jobs_store: Store) -> None:
    job_id = jobs_store.submit(A_MONTH)[0]
    server = jobs_store.server
    racers = [subprocess.Popen([sys.executable, "-m", "tests.e2e.reliability.racer", server.host, str(server.port),
                                job_id, str(PROCESSES)], cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True) for _ in range(PROCESSES)]
    try:
        assert [racer.stdout.readline().strip() for racer in racers] == ["ready"] * PROCESSES
        for racer in racers:  # released together: each process runs the job at once
            racer.stdin.write("go\n")
            racer.stdin.flush()
        outcomes = [racer.stdout.readline().strip() for racer in racers]
    finally:
        for racer in racers:
            racer.kill()
            racer.wait()

    assert outcomes.count("complete") == 1, outcomes
    assert outcomes.count("None") == PROCESSES - 1  # each other run skipped it, or lost the race to complete it
    job = jobs_store.job(job_id)
    assert job.status is JobStatus.COMPLETE and 1 <= job.attempts <= PROCESSES
    _assert_in_one_status_set(jobs_store, job_id, JobStatus.COMPLETE)
    assert len(jobs_store.result_keys()) == 2  # results and plot: overwritten by each run, never duplicated


def test_runs_of_one_job_racing_in_threads_complete_it_exactly_once(jobs_store: Store) -> None:
    job_id = jobs_store.submit(A_MONTH)[0]
    runners = [jobs_store.container.job_runner(max_attempts=RACERS) for _ in range(RACERS)]

    outcomes = _race([lambda runner=runner: runner.run(job_id) for runner in runners])

    ended = [outcome for outcome in outcomes if isinstance(outcome, Job)]
    assert [job.status for job in ended] == [JobStatus.COMPLETE] and outcomes.count(None) == RACERS - 1
    assert jobs_store.job(job_id).status is JobStatus.COMPLETE
    _assert_in_one_status_set(jobs_store, job_id, JobStatus.COMPLETE)
    assert len(jobs_store.result_keys()) == 2


def test_of_racing_completions_exactly_one_wins_and_the_others_are_refused(jobs_store: Store) -> None:
    job_id = jobs_store.submit(A_MONTH)[0]
    jobs_store.jobs.update(job_id, Job.start)
    tries = _Counter()

    outcomes = _race([lambda: jobs_store.jobs.update(job_id, tries.counting(_slowly(Job.complete)))] * RACERS)

    assert sum(isinstance(outcome, Job) for outcome in outcomes) == 1
    assert all(isinstance(outcome, InvalidJobTransition) for outcome in outcomes if not isinstance(outcome, Job))
    assert tries.count > RACERS  # the losers' compare-and-set failed and was redone on the complete job
    _assert_in_one_status_set(jobs_store, job_id, JobStatus.COMPLETE)


def test_a_complete_job_never_goes_back_to_in_progress(jobs_store: Store) -> None:
    job_id = jobs_store.submit(A_MONTH)[0]
    jobs_store.container.job_runner().run(job_id)
    finished = jobs_store.jobs_redis.hgetall(job_key(job_id))
    runners = [jobs_store.container.job_runner(max_attempts=RACERS) for _ in range(RACERS // 2)]

    outcomes = _race([lambda runner=runner: runner.run(job_id) for runner in runners]
                     + [lambda: jobs_store.jobs.update(job_id, _slowly(Job.start))] * (RACERS // 2))

    assert outcomes[:RACERS // 2] == [None] * (RACERS // 2)  # the runners skipped it
    assert all(isinstance(outcome, InvalidJobTransition) for outcome in outcomes[RACERS // 2:])
    assert jobs_store.jobs_redis.hgetall(job_key(job_id)) == finished
    _assert_in_one_status_set(jobs_store, job_id, JobStatus.COMPLETE)


def test_a_cancel_racing_starts_leaves_the_job_cancelled_once_with_only_the_starts_before_it(
        jobs_store: Store) -> None:
    for _ in range(5):
        job_id = jobs_store.submit(A_MONTH)[0]
        cancel, start = _slowly(Job.cancel), _slowly(Job.start)

        outcomes = _race([lambda: jobs_store.jobs.update(job_id, cancel), lambda: jobs_store.jobs.update(job_id, start)]
                         * (RACERS // 2))

        won = [outcome for outcome in outcomes if isinstance(outcome, Job)]
        job = jobs_store.job(job_id)
        # A running job can be cancelled too: only an earlier cancel refuses one, so one cancel wins whenever it runs.
        assert job.status is JobStatus.CANCELLED
        assert [w.status for w in won].count(JobStatus.CANCELLED) == 1
        assert job.attempts == [w.status for w in won].count(JobStatus.IN_PROGRESS)  # no start after the cancel
        assert all(isinstance(outcome, InvalidJobTransition) for outcome in outcomes if not isinstance(outcome, Job))
        _assert_in_one_status_set(jobs_store, job_id, job.status)


def _race(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in threads released together; each one's result, or the exception it raised."""
    gate = threading.Barrier(len(calls))

    def released(call: Callable[[], object]) -> object:
        gate.wait()
        try:
            return call()
        except Exception as error:
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(released, calls))


def _slowly(change: Callable[[Job], Job]) -> Callable[[Job], Job]:
    """The transition, after a pause between reading the job and writing it: every racer reads the same state."""
    def slow(job: Job) -> Job:
        time.sleep(0.05)
        return change(job)
    return slow


class _Counter:
    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def counting(self, change: Callable[[Job], Job]) -> Callable[[Job], Job]:
        def counted(job: Job) -> Job:
            with self._lock:
                self.count += 1
            return change(job)
        return counted


def _assert_in_one_status_set(store: Store, job_id: str, status: JobStatus) -> None:
    """The job's id is in the set of its status, and in no other."""
    holding = [s for s in JobStatus if store.jobs_redis.zscore(status_key(s), job_id) is not None]
    assert holding == [status]
