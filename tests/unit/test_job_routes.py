"""The job routes through the Flask test client: the real app and container, on fakeredis."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from adapters.hgnc_source import HgncFileSource
from entrypoints.containers import Container
from entrypoints.worker import Worker
from tests.problem_details import assert_problem

SAMPLE = Path(__file__).parent.parent / "fixtures" / "hgnc_sample.tsv"
LATE_EIGHTIES = {"start_date": "1986-01-01", "end_date": "1991-12-31"}  # 7 of the sample's genes
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def submit(client: FlaskClient, parameters: dict[str, Any] = LATE_EIGHTIES) -> dict[str, Any]:
    response = client.post("/jobs", json=parameters)
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()


def queued(container: Container) -> int:
    """How many ids wait in the queue."""
    return container.queue_redis().llen(container.job_queue().key)


def run_queued_jobs(container: Container) -> None:
    """What a worker does, in this process: run each queued job."""
    Worker(container.job_consumer(), container.job_runner()).work(burst=True)


# -- submitting -------------------------------------------------------------------------------


def test_a_submitted_job_is_accepted_with_its_location_and_queued(client: FlaskClient, container: Container) -> None:
    response = client.post("/jobs", json={**LATE_EIGHTIES, "locus_group": "pseudogene"})

    assert response.status_code == 202
    job = response.get_json()
    assert response.headers["Location"] == f"/jobs/{job['id']}"
    assert job["status"] == "submitted"
    assert (job["start_date"], job["end_date"], job["locus_group"]) == ("1986-01-01", "1991-12-31", "pseudogene")
    assert job["attempts"] == 0 and job["started_at"] is None and job["finished_at"] is None
    assert queued(container) == 1
    assert client.get(response.headers["Location"]).get_json() == job


def test_a_job_is_answered_with_no_expiry_while_it_has_not_ended(client: FlaskClient) -> None:
    job = submit(client)

    assert job["expires_at"] is None


def test_a_cancelled_job_expires_job_ttl_seconds_after_it_ended(client: FlaskClient) -> None:
    job_id = submit(client)["id"]

    cancelled = client.delete(f"/jobs/{job_id}").get_json()

    ended, expires = (datetime.fromisoformat(cancelled[name]) for name in ("finished_at", "expires_at"))
    assert expires - ended == timedelta(days=7)  # JOB_TTL_SECONDS's default


def test_a_submission_sent_again_with_its_idempotency_key_answers_the_first_job(
        client: FlaskClient, container: Container) -> None:
    key = {"Idempotency-Key": "5b1e0a4e-8a4f-4a53-9d0c-0f4c8e1d3a77"}
    first = client.post("/jobs", json=LATE_EIGHTIES, headers=key)

    again = client.post("/jobs", json=dict(reversed(LATE_EIGHTIES.items())), headers=key)  # same parameters

    assert again.status_code == 202
    assert again.headers["Location"] == first.headers["Location"]
    assert again.get_json() == first.get_json()
    assert client.get("/jobs").get_json() == [first.get_json()["id"]]
    assert queued(container) == 1


def test_an_idempotency_key_sent_again_with_other_parameters_is_a_422_problem(
        client: FlaskClient, container: Container) -> None:
    key = {"Idempotency-Key": "order-66"}
    first = client.post("/jobs", json=LATE_EIGHTIES, headers=key).get_json()

    response = client.post("/jobs", json={**LATE_EIGHTIES, "locus_group": "pseudogene"}, headers=key)

    problem = assert_problem(*_parts(response), 422)
    assert problem["type"] == "/problems/idempotency-key-reused" and first["id"] in problem["detail"]
    assert client.get("/jobs").get_json() == [first["id"]]
    assert queued(container) == 1


@pytest.mark.parametrize("key", ["", "a key with spaces", "é", "k" * 256])
def test_a_malformed_idempotency_key_is_refused_and_submits_nothing(
        client: FlaskClient, container: Container, key: str) -> None:
    response = client.post("/jobs", json=LATE_EIGHTIES, headers={"Idempotency-Key": key.encode().decode("latin-1")})

    assert "Idempotency-Key" in assert_problem(*_parts(response), 400)["errors"]
    assert client.get("/jobs").get_json() == []


@pytest.mark.parametrize("locus_group", [None, "protein-coding gene", "non-coding RNA", "pseudogene", "other"])
def test_every_locus_group_or_none_is_accepted(client: FlaskClient, locus_group: str | None) -> None:
    assert submit(client, {**LATE_EIGHTIES, "locus_group": locus_group})["locus_group"] == locus_group


def test_a_one_day_range_on_a_leap_day_is_accepted(client: FlaskClient) -> None:
    job = submit(client, {"start_date": "2000-02-29", "end_date": "2000-02-29"})

    assert (job["start_date"], job["end_date"], job["locus_group"]) == ("2000-02-29", "2000-02-29", None)


# -- every bad input: 4xx problem+json, and nothing submitted ---------------------------------

OVERSIZE = {**LATE_EIGHTIES, "locus_group": "x" * (80 * 1024)}
BAD_INPUTS: list[tuple[str, dict[str, Any], int, str]] = [
    # (case, arguments of client.post, status, the field named in `errors` or a word of the detail)
    ("no body", {"content_type": "application/json"}, 400, "empty"),
    ("no body and no content type", {}, 415, "application/json"),
    ("not json", {"data": "start_date=1986-01-01", "content_type": "application/json"}, 400, "not valid JSON"),
    ("truncated json", {"data": '{"start_date": "1986-01-01"', "content_type": "application/json"}, 400, "not valid JSON"),
    ("not utf-8", {"data": b'{"start_date": "\xff\xfe"}', "content_type": "application/json"}, 400, "not valid JSON"),
    ("json as text/plain", {"data": json.dumps(LATE_EIGHTIES), "content_type": "text/plain"}, 415, "application/json"),
    ("a form", {"data": LATE_EIGHTIES}, 415, "application/json"),
    ("a json array", {"json": [LATE_EIGHTIES]}, 400, "JSON object"),
    ("a json array of dates", {"json": ["1986-01-01", "1991-12-31"]}, 400, "JSON object"),
    ("a json number", {"json": 1986}, 400, "JSON object"),
    ("a json string", {"json": "1986-01-01"}, 400, "JSON object"),
    ("json null", {"data": "null", "content_type": "application/json"}, 400, "JSON object"),
    ("json true", {"json": True}, 400, "JSON object"),
    ("an empty object", {"json": {}}, 400, "start_date"),
    ("no start_date", {"json": {"end_date": "1991-12-31"}}, 400, "start_date"),
    ("no end_date", {"json": {"start_date": "1986-01-01"}}, 400, "end_date"),
    ("a month and day of one digit", {"json": {**LATE_EIGHTIES, "start_date": "2000-1-1"}}, 400, "start_date"),
    ("the 30th of february", {"json": {**LATE_EIGHTIES, "end_date": "2000-02-30"}}, 400, "end_date"),
    ("the 29th of february of a common year", {"json": {**LATE_EIGHTIES, "end_date": "1991-02-29"}}, 400, "end_date"),
    ("month 13", {"json": {**LATE_EIGHTIES, "start_date": "1986-13-01"}}, 400, "start_date"),
    ("a us date", {"json": {**LATE_EIGHTIES, "start_date": "01/31/1986"}}, 400, "start_date"),
    ("a date and time", {"json": {**LATE_EIGHTIES, "start_date": "1986-01-01T00:00:00"}}, 400, "start_date"),
    ("a date with spaces", {"json": {**LATE_EIGHTIES, "start_date": " 1986-01-01"}}, 400, "start_date"),
    ("an empty date", {"json": {**LATE_EIGHTIES, "end_date": ""}}, 400, "end_date"),
    ("a date as a number", {"json": {**LATE_EIGHTIES, "start_date": 19860101}}, 400, "start_date"),
    ("a null date", {"json": {**LATE_EIGHTIES, "start_date": None}}, 400, "start_date"),
    ("an unknown field", {"json": {**LATE_EIGHTIES, "colour": "blue"}}, 400, "colour"),
    ("a misspelt field", {"json": {"start_date": "1986-01-01", "end_dat": "1991-12-31"}}, 400, "end_dat"),
    ("end before start", {"json": {"start_date": "1991-12-31", "end_date": "1986-01-01"}}, 400, "end_date"),
    ("end a day before start", {"json": {"start_date": "2000-01-02", "end_date": "2000-01-01"}}, 400, "end_date"),
    ("an unknown locus group", {"json": {**LATE_EIGHTIES, "locus_group": "protein coding"}}, 400, "locus_group"),
    ("a locus group in another case", {"json": {**LATE_EIGHTIES, "locus_group": "Pseudogene"}}, 400, "locus_group"),
    ("a locus group as a list", {"json": {**LATE_EIGHTIES, "locus_group": ["pseudogene"]}}, 400, "locus_group"),
    ("an oversize body", {"json": OVERSIZE}, 413, ""),
]


@pytest.fixture
def one_job_already(client: FlaskClient) -> str:
    return submit(client)["id"]


@pytest.mark.parametrize(("arguments", "status", "named"), [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])
def test_a_bad_submission_is_refused_with_a_problem_and_submits_nothing(
        client: FlaskClient, container: Container, one_job_already: str,
        arguments: dict[str, Any], status: int, named: str) -> None:
    response = client.post("/jobs", **arguments)

    problem = assert_problem(response.status_code, response.headers, response.get_data(), status)
    if "errors" in problem:  # a field is wrong: the problem names it and says why
        assert named in problem["errors"], problem
        assert all(isinstance(why, list) and why for why in problem["errors"].values()), problem
        assert named in problem["detail"]
    else:
        assert named in problem["detail"], problem
    assert "Location" not in response.headers
    assert client.get("/jobs").get_json() == [one_job_already]
    assert queued(container) == 1


def test_a_malformed_date_problem_says_what_form_is_expected(client: FlaskClient) -> None:
    problem = assert_problem(*_parts(client.post("/jobs", json={**LATE_EIGHTIES, "start_date": "2000-1-1"})), 400)

    assert problem["errors"] == {"start_date": ["Not a valid date: expected YYYY-MM-DD."]}


# -- listing and reading jobs -----------------------------------------------------------------


def test_every_job_id_is_listed_oldest_first(client: FlaskClient) -> None:
    ids = [submit(client)["id"] for _ in range(3)]

    assert client.get("/jobs").get_json() == ids


def test_no_job_lists_as_an_empty_list(client: FlaskClient) -> None:
    response = client.get("/jobs")

    assert (response.status_code, response.get_json()) == (200, [])


def test_jobs_can_be_listed_by_status(client: FlaskClient, container: Container) -> None:
    container.gene_service().load(HgncFileSource(SAMPLE))
    first = submit(client)["id"]
    run_queued_jobs(container)
    second, third = submit(client)["id"], submit(client)["id"]
    client.delete(f"/jobs/{third}")

    assert client.get("/jobs?status=complete").get_json() == [first]
    assert client.get("/jobs?status=submitted").get_json() == [second]
    assert client.get("/jobs?status=cancelled").get_json() == [third]
    assert client.get("/jobs", query_string={"status": "in progress"}).get_json() == []
    assert client.get("/jobs?status=failed").get_json() == []


def test_jobs_are_listed_a_page_at_a_time_with_or_without_a_status(client: FlaskClient) -> None:
    ids = [submit(client)["id"] for _ in range(5)]
    client.delete(f"/jobs/{ids[1]}")

    assert client.get("/jobs?limit=2").get_json() == ids[:2]
    assert client.get("/jobs?limit=2&offset=2").get_json() == ids[2:4]
    assert client.get("/jobs?offset=3").get_json() == ids[3:]
    assert client.get("/jobs?limit=10000&offset=5").get_json() == []
    assert client.get("/jobs?status=submitted&limit=2&offset=1").get_json() == [ids[2], ids[3]]


@pytest.mark.parametrize("query", ["status=done", "status=", "state=complete", "status=COMPLETE",
                                   "limit=0", "limit=10001", "limit=-1", "offset=-1", "limit=two", "offset=1e3"])
def test_a_bad_job_list_query_is_refused(client: FlaskClient, query: str) -> None:
    assert_problem(*_parts(client.get(f"/jobs?{query}")), 400)


@pytest.mark.parametrize("path", ["/jobs/{id}", "/results/{id}", "/results/{id}/plot"])
def test_an_unknown_job_is_a_404_problem(client: FlaskClient, path: str) -> None:
    response = client.get(path.format(id="6f1c-no-such-job"))

    problem = assert_problem(*_parts(response), 404)
    assert problem["detail"] == "no job with id 6f1c-no-such-job"


def test_cancelling_an_unknown_job_is_a_404_problem(client: FlaskClient) -> None:
    assert_problem(*_parts(client.delete("/jobs/6f1c-no-such-job")), 404)


# -- results ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/results/{id}", "/results/{id}/plot"])
def test_results_of_a_job_not_yet_run_are_a_409_problem_with_its_status(client: FlaskClient, path: str) -> None:
    job_id = submit(client)["id"]

    problem = assert_problem(*_parts(client.get(path.format(id=job_id))), 409)

    assert problem["job_status"] == "submitted"
    assert "not ready yet" in problem["detail"]


def test_the_results_and_plot_of_a_complete_job_are_answered(client: FlaskClient, container: Container) -> None:
    container.gene_service().load(HgncFileSource(SAMPLE))
    job_id = submit(client, {**LATE_EIGHTIES, "locus_group": "protein-coding gene"})["id"]
    run_queued_jobs(container)

    job = client.get(f"/jobs/{job_id}").get_json()
    results = client.get(f"/results/{job_id}")
    plot = client.get(f"/results/{job_id}/plot")

    assert job["status"] == "complete" and job["attempts"] == 1 and job["reused"] is False
    assert job["submitted_at"] <= job["started_at"] <= job["finished_at"]
    assert results.status_code == 200 and results.mimetype == "application/json"
    assert list(results.get_json()) == ["start_date", "end_date", "locus_group", "total", "by_year", "by_locus_group",
                                        "by_locus_type", "by_chromosome", "by_year_and_locus_group"]
    assert results.get_json()["start_date"] == "1986-01-01" and results.get_json()["total"] == 4
    assert results.get_json()["by_year"] == {"1986": 2, "1989": 1, "1991": 1}
    assert results.get_json()["by_chromosome"] == {"12": 1, "17": 1, "19": 1, "X": 1}
    assert plot.status_code == 200 and plot.mimetype == "image/png"
    assert plot.data.startswith(PNG_MAGIC)


def test_the_results_of_a_failed_job_are_a_409_problem_with_the_reason(
        client: FlaskClient, container: Container) -> None:
    job_id = submit(client)["id"]
    run_queued_jobs(container)  # no gene data is loaded

    problem = assert_problem(*_parts(client.get(f"/results/{job_id}")), 409)

    assert problem["job_status"] == "failed"
    assert "no gene data is loaded" in problem["detail"]
    assert client.get(f"/jobs/{job_id}").get_json()["error"] == "no gene data is loaded: POST /data first"


# -- cancelling -------------------------------------------------------------------------------


def test_a_job_not_yet_started_can_be_cancelled_once(client: FlaskClient, container: Container) -> None:
    job_id = submit(client)["id"]

    cancelled = client.delete(f"/jobs/{job_id}")
    again = client.delete(f"/jobs/{job_id}")

    assert (cancelled.status_code, cancelled.get_json()["status"]) == (200, "cancelled")
    assert assert_problem(*_parts(again), 409)["job_status"] == "cancelled"
    run_queued_jobs(container)
    assert client.get(f"/jobs/{job_id}").get_json()["status"] == "cancelled"


def _parts(response) -> tuple[int, Any, bytes]:
    return response.status_code, response.headers, response.get_data()


# -- releases: an analysis's release, the release diff -------------------------------------------


def test_a_job_submitted_with_nothing_loaded_records_no_release_and_says_its_kind(client: FlaskClient) -> None:
    job = submit(client)
    assert (job["kind"], job["release"]) == ("analysis", None)
    assert client.get(f"/jobs/{job['id']}").get_json()["release"] is None


@pytest.mark.parametrize(("body", "detail"), [
    ({**LATE_EIGHTIES, "release": "2024-07-23"}, "release 2024-07-23 is not held (held: none: load one with POST /data)"),
    ({"kind": "release_diff", "from": "2024-07-23", "to": "2024-10-18"},
     "releases 2024-07-23 and 2024-10-18 are not held (held: none: load one with POST /data)"),
])
def test_a_release_not_held_is_a_400_naming_the_held_ones(client: FlaskClient, container: Container,
                                                          body: dict[str, Any], detail: str) -> None:
    response = client.post("/jobs", json=body)
    problem = assert_problem(response.status_code, response.headers, response.data, 400)
    assert problem["detail"] == detail and problem["type"] == "/problems/unknown-release"
    assert queued(container) == 0


def test_a_release_diff_body_with_an_analysis_field_is_a_400_naming_it(client: FlaskClient) -> None:
    response = client.post("/jobs", json={"kind": "release_diff", "from": "2024-07-23", "to": "2024-10-18",
                                          "end_date": "2000-01-01"})
    problem = assert_problem(response.status_code, response.headers, response.data, 400)
    assert problem["errors"] == {"end_date": ["Unknown field."]}
