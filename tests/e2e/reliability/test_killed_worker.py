"""At least once: a worker SIGKILLed at any moment of a job loses no job; another finishes it within the lease."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest

from genes.job import JobStatus
from tests.e2e.reliability.deployment import (
    A_MONTH, JOB_SECONDS, LEASE_SECONDS, Store, Workers, freeze_holding_a_running_job, hand_to_frozen_worker,
)
from tests.support import eventually

pytestmark = pytest.mark.reliability


def test_a_worker_killed_right_after_taking_a_job_loses_nothing(jobs_store: Store, workers: Workers) -> None:
    taker = workers.start()
    job_id = jobs_store.save_unqueued(A_MONTH)
    hand_to_frozen_worker(jobs_store, taker, job_id)  # Redis moved the id to it; it never ran a line since
    assert jobs_store.job(job_id).status is JobStatus.SUBMITTED and jobs_store.queued() == []

    taker.kill()
    workers.start()
    eventually(jobs_store.all_in([job_id], JobStatus.COMPLETE), LEASE_SECONDS + JOB_SECONDS,
               "the taken job is complete")

    assert jobs_store.job(job_id).attempts == 1  # taken, never started: the kill cost no attempt
    jobs_store.assert_complete_exactly_once([job_id], workers.logs())


def test_jobs_whose_workers_died_at_any_stage_are_finished_by_another_once_the_lease_runs_out(
        jobs_store: Store, workers: Workers) -> None:
    workers.start()
    taken, running, saved = (jobs_store.save_unqueued(A_MONTH) for _ in range(3))
    for job_id in (running, saved):
        jobs_store.jobs.update(job_id, lambda job: job.start())
    # What a worker killed before marking its job complete leaves: the results, whole (one script writes them).
    results_id = A_MONTH.results_id(jobs_store.genes.loaded_set_id())
    jobs_store.results.save(results_id, jobs_store.expected_results(A_MONTH), b"\x89PNG its plot", timedelta(days=1))

    leases = [jobs_store.hand_to_dying_worker(job_id, worker_id) for job_id, worker_id in (
        (taken, "killed-after-taking"), (running, "killed-mid-job"), (saved, "killed-at-the-end"))]
    started = time.monotonic()
    eventually(jobs_store.all_in([taken, running, saved], JobStatus.COMPLETE), LEASE_SECONDS + 3 * JOB_SECONDS,
               "the dead workers' jobs are complete")
    seconds = time.monotonic() - started

    assert seconds > leases[0].key_lifetime - 0.1, "taken back before the dead workers' leases ran out"
    assert [jobs_store.job(job_id).attempts for job_id in (taken, running, saved)] == [1, 2, 2]
    jobs_store.assert_complete_exactly_once([taken, running, saved], workers.logs())
    assert all(jobs_store.job(job_id).reused for job_id in (taken, running, saved))  # none analysed again


def test_killing_a_busy_worker_among_many_jobs_loses_none_and_completes_each_once(
        jobs_store: Store, workers: Workers) -> None:
    victim, _ = workers.start_many(2)
    job_ids = jobs_store.submit_distinct(A_MONTH, count=30)
    held = freeze_holding_a_running_job(jobs_store, victim)

    victim.kill()  # frozen first, so that Redis keeps exactly the state the worker died in
    killed_at = time.monotonic()
    workers.start()  # the victim restarted, as `restart: always` does; the survivor works on meanwhile
    eventually(jobs_store.all_in([held], JobStatus.COMPLETE), LEASE_SECONDS + 2 * JOB_SECONDS,
               "the killed worker's job is complete")
    recovered_in = time.monotonic() - killed_at
    eventually(jobs_store.all_in(job_ids, JobStatus.COMPLETE), 30, "every job is complete")

    attempts = {job_id: jobs_store.job(job_id).attempts for job_id in job_ids}
    assert attempts.pop(held) == 2
    assert set(attempts.values()) == {1}
    jobs_store.assert_complete_exactly_once(job_ids, workers.logs())
    print(f"the killed worker's job was complete {recovered_in:.2f} s after the kill")

