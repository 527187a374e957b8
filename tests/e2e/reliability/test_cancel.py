"""Cancel: DELETE /jobs/<id> cancels a job no worker has started (workers skip it) or a running one (its
worker stops it); a job that has ended answers 409, an unknown one 404."""
from __future__ import annotations

import time
import uuid

import pytest

from genes.job import JobStatus
from tests.e2e.reliability.deployment import A_MONTH, JOB_SECONDS, Store, Workers
from tests.e2e.reliability.stuck_worker import STUCK
from tests.problem_details import assert_problem
from tests.support import ApiClient, eventually

pytestmark = pytest.mark.reliability
A_MONTH_JSON = {"start_date": "2020-01-01", "end_date": "2020-01-31"}


def test_a_job_cancelled_before_any_worker_runs_stays_cancelled_and_workers_skip_it(
        api: ApiClient, jobs_store: Store, workers: Workers) -> None:
    submitted = api.post("/jobs", json=A_MONTH_JSON, timeout=10)
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]

    cancelled = api.delete(f"/jobs/{job_id}", timeout=10)

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    assert api.get(f"/jobs/{job_id}", timeout=10).json()["status"] == "cancelled"
    assert jobs_store.queued() == [job_id]  # still queued: the worker that takes it must skip it
    worker = workers.start()
    eventually(lambda: f"skipping job {job_id}" in worker.log(), 2 * JOB_SECONDS, "the worker skips the job")
    eventually(lambda: jobs_store.in_flight() == {}, JOB_SECONDS, "the skipped id is acknowledged")
    job = jobs_store.job(job_id)
    assert job.status is JobStatus.CANCELLED and job.attempts == 0
    assert jobs_store.queued() == [] and jobs_store.result_keys() == []
    results = api.get(f"/results/{job_id}", timeout=10)
    assert assert_problem(results.status_code, results.headers, results.content, 409)["job_status"] == "cancelled"
    again = api.delete(f"/jobs/{job_id}", timeout=10)
    assert assert_problem(again.status_code, again.headers, again.content, 409)["job_status"] == "cancelled"


def test_a_running_job_cancelled_is_stopped_within_2_s_and_its_worker_runs_the_next(
        api: ApiClient, jobs_store: Store, workers: Workers) -> None:
    worker = workers.start("tests.e2e.reliability.stuck_worker")  # its STUCK job only a cancel can end
    [job_id] = jobs_store.submit(STUCK)
    eventually(jobs_store.all_in([job_id], JobStatus.IN_PROGRESS), JOB_SECONDS, "the stuck job runs")

    cancelled = api.delete(f"/jobs/{job_id}", timeout=10)
    asked = time.monotonic()

    assert cancelled.status_code == 200, cancelled.text
    answer = cancelled.json()
    assert answer["status"] == "cancelled" and answer["finished_at"] is not None and answer["attempts"] == 1
    eventually(lambda: jobs_store.in_flight() == {}, 2, "the worker stops the job and lets its id go")
    assert time.monotonic() - asked < 2 and f"job {job_id} cancelled while it ran" in worker.log()
    [next_job] = jobs_store.submit(A_MONTH)
    eventually(jobs_store.all_in([next_job], JobStatus.COMPLETE), JOB_SECONDS, "the next job is complete")
    assert jobs_store.job(job_id).status is JobStatus.CANCELLED
    assert api.get(f"/jobs/{job_id}", timeout=10).json() == answer
    assert jobs_store.results_of(job_id) == (None, None)
    results = api.get(f"/results/{job_id}", timeout=10)
    assert assert_problem(results.status_code, results.headers, results.content, 409)["job_status"] == "cancelled"
    jobs_store.assert_complete_exactly_once([next_job], workers.logs())


def test_cancelling_a_complete_job_answers_409_and_changes_nothing(
        api: ApiClient, jobs_store: Store, workers: Workers) -> None:
    workers.start()
    [job_id] = jobs_store.submit(A_MONTH)
    eventually(jobs_store.all_in([job_id], JobStatus.COMPLETE), JOB_SECONDS, "the job is complete")

    complete = api.delete(f"/jobs/{job_id}", timeout=10)

    problem = assert_problem(complete.status_code, complete.headers, complete.content, 409)
    assert problem["job_status"] == "complete" and problem["type"].endswith("/invalid-job-transition")
    assert api.get(f"/jobs/{job_id}", timeout=10).json()["status"] == "complete"
    jobs_store.assert_complete_exactly_once([job_id], workers.logs())


def test_cancelling_an_unknown_job_answers_404(api: ApiClient, jobs_store: Store) -> None:
    unknown = str(uuid.uuid4())

    response = api.delete(f"/jobs/{unknown}", timeout=10)

    problem = assert_problem(response.status_code, response.headers, response.content, 404)
    assert problem["type"].endswith("/job-not-found") and unknown in problem["detail"]
    assert jobs_store.jobs.get(unknown) is None
