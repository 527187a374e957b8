"""Cancel: DELETE /jobs/<id> cancels a job no worker has started, and workers skip it; otherwise 409 or 404."""
from __future__ import annotations

import uuid

import pytest

from genes.job import JobStatus
from tests.e2e.reliability.deployment import JOB_SECONDS, Store, Workers, freeze_in_a_new_job
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


def test_cancelling_a_running_or_complete_job_answers_409_and_changes_nothing(
        api: ApiClient, jobs_store: Store, workers: Workers) -> None:
    worker = workers.start()
    job_id = freeze_in_a_new_job(jobs_store, worker)

    running = api.delete(f"/jobs/{job_id}", timeout=10)

    assert assert_problem(running.status_code, running.headers, running.content, 409)["job_status"] == "in progress"
    worker.thaw()
    eventually(jobs_store.all_in([job_id], JobStatus.COMPLETE), JOB_SECONDS, "the running job is complete")
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
