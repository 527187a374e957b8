"""Every operation but the loads, fuzzed: no 5xx, every answer as documented, and a refusal changes nothing."""
from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import Case

from entrypoints.schemas.genes import MAX_PAGE
from entrypoints.schemas.paging import MAX_OFFSET
from tests.conftest import StartProcess
from tests.e2e.fuzz.contract import WatchedApi, api_schema
from tests.support import wait_for_job

JOB_TIMEOUT_SECONDS = 30
# Loading and deleting the gene set (or the withdrawn entries) change the data by design: uploads are fuzzed in
# test_uploads.py.
readers_and_jobs = api_schema.exclude(path=["/data", "/data/withdrawn"], method=["POST", "DELETE"])


@readers_and_jobs.parametrize()
def test_no_input_gives_a_server_error_breaks_the_contract_or_changes_data(case: Case, watched_api: WatchedApi) -> None:
    watched_api.call(case)


def test_the_answers_about_jobs_the_fuzz_cannot_reach_by_chance_conform(
        watched_api: WatchedApi, start_process: StartProcess) -> None:
    """A random id is never a job's: cancel one (then again: 409), then run one to its results and plot."""

    def call(path: str, method: str, expected: int, **case: Any) -> schemathesis.Response:
        response = watched_api.call(api_schema[path][method].Case(**case))
        assert response.status_code == expected, f"{method} {path}: {response.status_code} {response.text[:300]}"
        return response

    def submit() -> str:
        body = {"start_date": "1986-01-01", "end_date": "2024-12-31"}
        return call("/jobs", "POST", 202, body=body, media_type="application/json").json()["id"]

    cancelled = {"job_id": submit()}  # no worker yet: it stays submitted
    call("/jobs/{job_id}", "DELETE", 200, path_parameters=cancelled)
    call("/jobs/{job_id}", "DELETE", 409, path_parameters=cancelled)
    call("/results/{job_id}", "GET", 409, path_parameters=cancelled)
    call("/results/{job_id}/plot", "GET", 409, path_parameters=cancelled)

    for fuzzed in watched_api.api.get("/jobs", params={"status": "submitted"}).json():
        call("/jobs/{job_id}", "DELETE", 200, path_parameters={"job_id": fuzzed})  # the worker runs ours only
    start_process(["python", "-m", "entrypoints.worker"], name="worker",
                  env={**watched_api.redis_env, "LOG_LEVEL": "WARNING"})
    complete = {"job_id": submit()}
    assert wait_for_job(watched_api.api, complete["job_id"], JOB_TIMEOUT_SECONDS)["status"] == "complete"
    call("/jobs/{job_id}", "GET", 200, path_parameters=complete)
    call("/results/{job_id}", "GET", 200, path_parameters=complete)
    call("/results/{job_id}/plot", "GET", 200, path_parameters=complete)
    call("/jobs/{job_id}", "DELETE", 409, path_parameters=complete)


def test_the_last_page_at_the_largest_offset_is_empty_and_beyond_is_refused(watched_api: WatchedApi) -> None:
    """Found by hand, out of the fuzz's reach (it varies one parameter of a base case that has a symbol):
    an unbounded offset reached Redis's LRANGE beyond 64 bits and answered 500."""
    genes = api_schema["/genes"]["GET"]
    assert watched_api.call(genes.Case(query={"offset": MAX_OFFSET, "limit": MAX_PAGE})).json() == []
    refused = watched_api.call(genes.Case(query={"offset": 2**64}))
    assert refused.status_code == 400 and "offset" in refused.json()["errors"]
