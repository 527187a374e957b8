"""A submission cut off from Redis, before or after Redis ran it: never a job saved and not queued, nor twice."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator

import pytest
import requests

from adapters.redis_job_repository import SUBMIT_SCRIPT
from genes.job import JobStatus
from tests.e2e.reliability.cutting_proxy import CuttingProxy
from tests.e2e.reliability.deployment import JOB_SECONDS, Store, Workers
from tests.problem_details import assert_problem
from tests.support import ApiClient, ApiProcess, eventually

pytestmark = pytest.mark.reliability
A_MONTH_JSON = {"start_date": "2020-01-01", "end_date": "2020-01-31"}
SUBMIT_CALL = hashlib.sha1(SUBMIT_SCRIPT.encode()).hexdigest().encode()  # EVALSHA names the script so
SUBMIT_ANSWER = b"created"  # in the script's answer: {'created', id}


@pytest.fixture
def proxy(jobs_store: Store) -> Iterator[CuttingProxy]:
    proxy = CuttingProxy(jobs_store.server.host, jobs_store.server.port)
    yield proxy
    proxy.close()


@pytest.fixture
def proxied_api(proxy: CuttingProxy, hgnc_data_path: Path, tmp_path: Path) -> Iterator[ApiClient]:
    """The real API, its Redis behind the proxy."""
    api = ApiProcess(proxy.host, proxy.port, hgnc_data_path, tmp_path / "api.log")
    try:
        yield api.wait_until_healthy().client
    finally:
        api.stop()


def post_job(api: ApiClient, key: str | None = None) -> requests.Response:
    return api.post("/jobs", json=A_MONTH_JSON, headers={"Idempotency-Key": key} if key else {}, timeout=30)


def assert_every_saved_job_is_queued_once(store: Store) -> list[str]:
    saved = store.jobs.ids()
    assert sorted(store.queued()) == sorted(saved)
    assert all(store.job(job_id).status is JobStatus.SUBMITTED for job_id in saved)
    return saved


def test_a_submit_whose_answer_is_lost_saves_and_queues_the_job_once(
        proxied_api: ApiClient, proxy: CuttingProxy, jobs_store: Store, workers: Workers) -> None:
    proxy.cut_the_answer_containing(SUBMIT_ANSWER)  # Redis ran it; redis-py, never told, runs it again

    response = post_job(proxied_api)

    assert response.status_code == 202, response.text
    assert proxy.cuts == 1
    assert assert_every_saved_job_is_queued_once(jobs_store) == [response.json()["id"]]
    workers.start()
    jobs_store.eventually_all_complete([response.json()["id"]], 4 * JOB_SECONDS)
    jobs_store.assert_complete_exactly_once([response.json()["id"]], workers.logs())


def test_a_submit_that_never_reaches_redis_answers_503_and_leaves_nothing(
        proxied_api: ApiClient, proxy: CuttingProxy, jobs_store: Store) -> None:
    proxy.cut_the_request_containing(SUBMIT_CALL, times=2)  # the call and redis-py's one retry

    response = post_job(proxied_api)

    assert_problem(response.status_code, response.headers, response.content, 503)
    assert proxy.cuts == 2
    assert jobs_store.jobs.ids() == [] and jobs_store.queued() == []


def test_a_submit_whose_every_answer_is_lost_leaves_a_queued_job_that_the_retried_key_finds(
        proxied_api: ApiClient, proxy: CuttingProxy, jobs_store: Store, workers: Workers) -> None:
    key = "a0f4c2e9-retry-me"
    proxy.cut_the_answer_containing(SUBMIT_ANSWER, times=2)

    lost = post_job(proxied_api, key)

    assert_problem(lost.status_code, lost.headers, lost.content, 503)
    [job_id] = assert_every_saved_job_is_queued_once(jobs_store)  # saved and queued: never one without the other
    retried = post_job(proxied_api, key)  # the client does what a 503 says: it sends the same request again
    assert retried.status_code == 202, retried.text
    assert retried.json()["id"] == job_id
    assert retried.headers["Location"] == f"/jobs/{job_id}"
    workers.start()
    jobs_store.eventually_all_complete([job_id], 4 * JOB_SECONDS)
    jobs_store.assert_complete_exactly_once([job_id], workers.logs())
    eventually(lambda: jobs_store.queued() == [], JOB_SECONDS, "nothing left queued")
