"""Graceful stop: on SIGTERM a worker finishes its job, gives back what it took, drops its lease and exits 0."""
from __future__ import annotations

import pytest

from genes.job import JobStatus
from tests.e2e.reliability.deployment import (
    A_MONTH, Store, Workers, freeze_holding_a_running_job, freeze_in_a_new_job,
)

pytestmark = pytest.mark.reliability
PROMPTLY = 5.0  # seconds: the job in hand, then at most one 1 s wait on the queue; docker stop allows 10


def test_a_worker_stopped_mid_job_finishes_it_and_exits_cleanly(jobs_store: Store, workers: Workers) -> None:
    worker = workers.start()
    job_id = freeze_in_a_new_job(jobs_store, worker)  # so that SIGTERM lands in the middle of the job

    code, seconds = worker.terminate()

    assert code == 0 and seconds < PROMPTLY, (code, seconds, worker.log()[-2000:])
    job = jobs_store.job(job_id)
    assert job.status is JobStatus.COMPLETE and job.attempts == 1
    assert jobs_store.in_flight() == {} and jobs_store.queued() == []
    assert not jobs_store.is_alive(worker.worker_id)  # its heartbeat key is gone, not left to expire
    jobs_store.assert_complete_exactly_once([job_id], workers.logs())


def test_a_worker_stopped_with_jobs_queued_leaves_them_queued_in_order_for_the_next(
        jobs_store: Store, workers: Workers) -> None:
    worker = workers.start()
    job_ids = jobs_store.submit_distinct(A_MONTH, count=30)
    held = freeze_holding_a_running_job(jobs_store, worker)

    code, seconds = worker.terminate()

    assert code == 0 and seconds < PROMPTLY, (code, seconds, worker.log()[-2000:])
    statuses = {job_id: jobs_store.job(job_id).status for job_id in job_ids}
    assert statuses[held] is JobStatus.COMPLETE
    assert set(statuses.values()) == {JobStatus.COMPLETE, JobStatus.SUBMITTED}
    assert jobs_store.queued() == [job_id for job_id in job_ids if statuses[job_id] is JobStatus.SUBMITTED]
    assert jobs_store.in_flight() == {} and not jobs_store.is_alive(worker.worker_id)

    workers.start()
    jobs_store.eventually_all_complete(job_ids, timeout=60)
    assert {jobs_store.job(job_id).attempts for job_id in job_ids} == {1}
    jobs_store.assert_complete_exactly_once(job_ids, workers.logs())
