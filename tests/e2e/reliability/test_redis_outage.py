"""Redis goes away and comes back: 503 problems from the API meanwhile, then recovery unaided; workers lose nothing."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.reliability.deployment import A_MONTH, LEASE_SECONDS, Store, Workers, freeze_holding_a_running_job
from tests.problem_details import assert_problem
from tests.support import ApiClient, ApiProcess, eventually

pytestmark = pytest.mark.reliability
RECOVERY_SECONDS = 20  # Redis back, and the next request or retry of each process succeeds
A_MONTH_JSON = {"start_date": "2020-01-01", "end_date": "2020-01-31"}


def test_while_redis_is_down_the_job_routes_answer_503_and_then_recover_by_themselves(
        api: ApiClient, api_process: ApiProcess, jobs_store: Store) -> None:
    job_id = api.post("/jobs", json=A_MONTH_JSON, timeout=10).json()["id"]
    job = api.get(f"/jobs/{job_id}", timeout=10).json()

    jobs_store.stop()
    requests_while_down = [("GET", f"/jobs/{job_id}"), ("GET", "/jobs"), ("POST", "/jobs"), ("DELETE", f"/jobs/{job_id}"),
                           ("GET", f"/results/{job_id}")]
    with ThreadPoolExecutor(len(requests_while_down)) as pool:  # side by side: each waits out the client's retries
        answers = list(pool.map(lambda request: _timed(api, *request), requests_while_down))
    for (method, path), (response, seconds) in zip(requests_while_down, answers):
        assert_problem(response.status_code, response.headers, response.content, 503)
        assert response.headers["Retry-After"].isdigit()
        assert seconds < 5, f"{method} {path} took {seconds:.1f} s to answer"
    assert api_process.process.is_running()

    jobs_store.start()
    eventually(lambda: api.get(f"/jobs/{job_id}", timeout=30).status_code == 200, RECOVERY_SECONDS,
               "the API answers again", interval=0.2)
    assert api.get(f"/jobs/{job_id}", timeout=10).json() == job  # not cancelled by the refused DELETE
    assert api.get("/jobs", timeout=10).json() == [job_id]  # nor a job added by the refused POST
    assert api.post("/jobs", json=A_MONTH_JSON, timeout=10).status_code == 202


def test_a_worker_waits_out_a_redis_outage_and_loses_neither_the_job_it_held_nor_the_queued_ones(
        jobs_store: Store, workers: Workers) -> None:
    worker = workers.start()
    job_ids = jobs_store.submit_distinct(A_MONTH, count=20)
    held = freeze_holding_a_running_job(jobs_store, worker)

    jobs_store.stop()  # in the middle of the held job
    down_since = time.monotonic()
    worker.thaw()
    eventually(lambda: "Redis unavailable" in worker.log(), 15, "the worker notices", interval=0.1)
    time.sleep(max(0.0, down_since + LEASE_SECONDS + 1 - time.monotonic()))  # longer than the lease: every
    assert worker.process.is_running()  # heartbeat has expired when Redis is back
    jobs_store.start()
    jobs_store.eventually_all_complete(job_ids, RECOVERY_SECONDS + 15)

    assert "Redis is back" in worker.log()
    attempts = {job_id: jobs_store.job(job_id).attempts for job_id in job_ids}
    assert attempts.pop(held) == 2  # the outage cost the held job one attempt
    assert set(attempts.values()) == {1}
    jobs_store.assert_complete_exactly_once(job_ids, workers.logs())


def _timed(api: ApiClient, method: str, path: str) -> tuple[requests.Response, float]:
    started = time.monotonic()
    own = ApiClient(api.url)  # a session of its own: the requests run side by side, on threads
    response = own.request(method, path, json=A_MONTH_JSON if method == "POST" else None, timeout=30)
    return response, time.monotonic() - started
