"""A job that keeps killing its workers ends `failed`, with the reason, after JOB_MAX_ATTEMPTS attempts."""
from __future__ import annotations

import pytest

from genes.job import JobStatus
from tests.e2e.reliability.deployment import (
    A_MONTH, JOB_SECONDS, LEASE_SECONDS, MAX_ATTEMPTS, Store, Workers, freeze_in_a_new_job,
    freeze_while_running,
)
from tests.support import eventually

pytestmark = pytest.mark.reliability


def test_a_job_that_kills_each_worker_running_it_fails_after_the_attempt_limit(
        jobs_store: Store, workers: Workers) -> None:
    limit = {"JOB_MAX_ATTEMPTS": "2"}
    worker = workers.start(**limit)
    job_id = freeze_in_a_new_job(jobs_store, worker)
    worker.kill()  # attempt 1 killed its worker
    worker = workers.start(**limit)  # the next takes the job back after the lease
    if not freeze_while_running(jobs_store, worker, job_id, attempt=2, timeout=LEASE_SECONDS + 5):
        job_id = freeze_in_a_new_job(jobs_store, worker)  # it finished (rare): no poison; start over
        worker.kill()
        worker = workers.start(**limit)
        assert freeze_while_running(jobs_store, worker, job_id, attempt=2, timeout=LEASE_SECONDS + 5)
    worker.kill()  # attempt 2 killed its worker too

    workers.start(**limit)
    eventually(jobs_store.all_in([job_id], JobStatus.FAILED), LEASE_SECONDS + JOB_SECONDS, "the poison job failed")

    failed = jobs_store.job(job_id)
    assert failed.attempts == 2
    assert failed.error == "gave up after 2 attempts: the worker running it stopped each time"
    assert jobs_store.results_of(job_id) == (None, None)
    # The id is acknowledged just after the job is marked failed: wait for that, not only the status.
    eventually(lambda: jobs_store.in_flight() == {} and jobs_store.queued() == [], JOB_SECONDS, "the id acknowledged")


def test_a_job_left_in_flight_by_dead_workers_as_often_as_the_limit_fails_and_the_worker_works_on(
        jobs_store: Store, workers: Workers) -> None:
    workers.start()
    poison = jobs_store.save_unqueued(A_MONTH)
    for _ in range(MAX_ATTEMPTS):  # what MAX_ATTEMPTS workers, each killed in the job, leave behind
        jobs_store.jobs.update(poison, lambda job: job.start())
    jobs_store.hand_to_dying_worker(poison, "killed-for-the-third-time")
    healthy = jobs_store.submit(A_MONTH)[0]

    eventually(jobs_store.all_in([poison], JobStatus.FAILED), LEASE_SECONDS + JOB_SECONDS, "the poison job failed")
    eventually(jobs_store.all_in([healthy], JobStatus.COMPLETE), JOB_SECONDS, "the healthy job is complete")

    failed = jobs_store.job(poison)
    assert failed.attempts == MAX_ATTEMPTS
    assert failed.error == f"gave up after {MAX_ATTEMPTS} attempts: the worker running it stopped each time"
    assert jobs_store.results_of(poison) == (None, None) and jobs_store.results_of(healthy)[0] is not None
    # The id is acknowledged just after the job is marked failed: wait for that, not only the status.
    eventually(lambda: jobs_store.in_flight() == {} and jobs_store.queued() == [], JOB_SECONDS, "the id acknowledged")
