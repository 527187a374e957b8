"""SIGSTOP: a frozen worker's job is finished by another after the lease; when it thaws, its late run changes nothing."""
from __future__ import annotations

import pytest

from adapters.redis_job_repository import job_key
from genes.job import JobStatus
from tests.e2e.reliability.deployment import (
    A_MONTH, JOB_SECONDS, LEASE_SECONDS, Store, Workers, freeze_in_a_new_job, hand_to_frozen_worker,
)
from tests.support import eventually

pytestmark = pytest.mark.reliability


def test_a_job_frozen_mid_run_is_finished_by_another_and_the_thawed_worker_adds_no_second_outcome(
        jobs_store: Store, workers: Workers) -> None:
    sleeper = workers.start()
    job_id = freeze_in_a_new_job(jobs_store, sleeper)

    workers.start()
    eventually(jobs_store.all_in([job_id], JobStatus.COMPLETE), LEASE_SECONDS + JOB_SECONDS,
               "the frozen worker's job is complete")
    finished = jobs_store.jobs_redis.hgetall(job_key(job_id))
    results, plot = jobs_store.results_of(job_id)

    # It runs the rest of its job, saves its results again and tries to complete it ("not finished
    # here"); or, frozen while its analysis process ran, it finds at its next check that the job
    # ended elsewhere and stops the attempt. Which one depends on when the freeze fell.
    sleeper.thaw()
    gave_up = (f"job {job_id} not finished here", f"job {job_id} ended elsewhere")
    eventually(lambda: any(line in sleeper.log() for line in gave_up), 10, "the thawed worker gives up its run")

    assert jobs_store.jobs_redis.hgetall(job_key(job_id)) == finished  # still complete, same time, 2 attempts
    assert jobs_store.job(job_id).attempts == 2
    assert jobs_store.results_of(job_id) == (results, plot)
    eventually(lambda: jobs_store.is_alive(sleeper.worker_id), LEASE_SECONDS, "the thawed worker beats again")
    next_job = jobs_store.submit(A_MONTH)[0]  # and it works on
    eventually(jobs_store.all_in([next_job], JobStatus.COMPLETE), 2 * JOB_SECONDS, "the next job is complete")
    jobs_store.assert_complete_exactly_once([job_id, next_job], workers.logs())


def test_a_job_taken_by_a_frozen_worker_is_finished_by_another_and_the_thawed_worker_skips_it(
        jobs_store: Store, workers: Workers) -> None:
    sleeper = workers.start()
    job_id = jobs_store.save_unqueued(A_MONTH)
    hand_to_frozen_worker(jobs_store, sleeper, job_id)

    workers.start()
    eventually(jobs_store.all_in([job_id], JobStatus.COMPLETE), LEASE_SECONDS + JOB_SECONDS, "the job is complete")
    finished = jobs_store.jobs_redis.hgetall(job_key(job_id))
    sleeper.thaw()  # it goes on from BLMOVE's answer: the id it took, whose job is complete by now
    eventually(lambda: f"skipping job {job_id}" in sleeper.log(), 10, "the thawed worker skips the job")

    assert jobs_store.jobs_redis.hgetall(job_key(job_id)) == finished
    assert jobs_store.job(job_id).attempts == 1
    jobs_store.assert_complete_exactly_once([job_id], workers.logs())
