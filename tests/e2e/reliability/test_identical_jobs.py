"""Identical jobs submitted at the same instant, taken by two workers at once, are computed once."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
import requests

from adapters.redis_result_repository import plot_key, reservation_key, results_key
from genes.job import JobStatus
from tests.e2e.reliability.deployment import ALL_YEARS, JOB_SECONDS, Store, Workers
from tests.support import ApiClient, eventually

pytestmark = pytest.mark.reliability


def submit_at_once(api: ApiClient, body: dict[str, str], count: int) -> list[str]:
    """`count` POST /jobs of the same body, released together."""
    barrier = threading.Barrier(count)
    answers: list[requests.Response] = []

    def post() -> None:
        barrier.wait()
        answers.append(requests.post(f"{api.url}/jobs", json=body, timeout=10))

    threads = [threading.Thread(target=post) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert [answer.status_code for answer in answers] == [202] * count, [answer.text for answer in answers]
    return [answer.json()["id"] for answer in answers]


def test_two_identical_jobs_submitted_at_once_to_two_idle_workers_are_computed_once(
        api: ApiClient, jobs_store: Store, workers: Workers) -> None:
    workers.start_many(2)
    eventually(lambda: jobs_store.takers_waiting() == 2, JOB_SECONDS, "both workers wait for a job")
    # The longest job (every year: the biggest plot), in a range no earlier job computed.
    parameters = replace(ALL_YEARS, start_date=ALL_YEARS.start_date + timedelta(days=3))
    body = {"start_date": parameters.start_date.isoformat(), "end_date": parameters.end_date.isoformat()}

    job_ids = submit_at_once(api, body, 2)

    jobs_store.eventually_all_complete(job_ids, 2 * JOB_SECONDS)
    jobs = [jobs_store.job(job_id) for job_id in job_ids]
    assert sorted(job.reused for job in jobs) == [False, True]  # one computed, the other found its results
    [results_id] = {job.results_id for job in jobs}
    assert jobs_store.result_keys() == sorted([results_key(results_id), plot_key(results_id)])  # no reservation left
    assert not jobs_store.results_redis.exists(reservation_key(results_id))
    assert jobs_store.results.get(results_id) == jobs_store.expected_results(parameters)
    assert sum(f"job {job_id} ended complete" in log for log in workers.logs() for job_id in job_ids) == 2
    jobs_store.assert_complete_exactly_once(job_ids, workers.logs())
    for job_id in job_ids:
        assert requests.get(f"{api.url}/jobs/{job_id}", timeout=10).json()["status"] == JobStatus.COMPLETE.value
