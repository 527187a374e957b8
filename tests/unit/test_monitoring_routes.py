"""GET /queue, /workers and /metrics through the Flask test client: the real app and container, on fakeredis."""
from __future__ import annotations

import json
import logging
from typing import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from entrypoints.api import create_app
from entrypoints.containers import Container
from entrypoints.log_config import JsonLineFormatter
from tests.conftest import override_redis_with_closed_port, release
from tests.support import closed_port

A_DECADE = {"start_date": "1990-01-01", "end_date": "1999-12-31"}


def samples(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of GET /metrics, by name and labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def requests_counted(client: FlaskClient, method: str, route: str, status: str) -> float:
    key = ("hgnc_http_requests_total", (("method", method), ("route", route), ("status", status)))
    return samples(client).get(key, 0.0)


def test_each_request_is_counted_under_its_route_never_its_raw_path(client: FlaskClient) -> None:
    before = requests_counted(client, "GET", "/genes/<hgnc_id>", "404")
    unmatched_before = requests_counted(client, "GET", "(unmatched)", "404")

    for hgnc_id in ("HGNC:5", "HGNC:6", "HGNC:7"):
        assert client.get(f"/genes/{hgnc_id}").status_code == 404  # nothing loaded
    client.get("/no/such/page")

    assert requests_counted(client, "GET", "/genes/<hgnc_id>", "404") == before + 3
    assert requests_counted(client, "GET", "(unmatched)", "404") == unmatched_before + 1
    assert not any("HGNC:5" in str(labels) for _, labels in samples(client))


def test_request_durations_are_a_histogram_by_method_and_route(client: FlaskClient) -> None:
    key = ("hgnc_http_request_duration_seconds_count", (("method", "GET"), ("route", "/health")))
    before = samples(client).get(key, 0.0)
    client.get("/health")

    after = samples(client)
    assert after[key] == before + 1
    inf_bucket = ("hgnc_http_request_duration_seconds_bucket", (("le", "+Inf"), ("method", "GET"), ("route", "/health")))
    assert after[inf_bucket] == after[key]


def test_a_line_logged_while_answering_a_job_route_carries_the_job_id(app: Flask, client: FlaskClient) -> None:
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(JsonLineFormatter().format(record))  # type: ignore[method-assign]
    logging.getLogger("entrypoints.problems").addHandler(handler)
    try:
        app.view_functions["jobs.get_job"] = lambda job_id: 1 / 0  # an unexpected error, logged by problems.py
        assert client.get("/jobs/J-7").status_code == 500
        client.get("/health")
    finally:
        logging.getLogger("entrypoints.problems").removeHandler(handler)

    [line] = [json.loads(line) for line in lines]
    assert line["job_id"] == "J-7" and line["message"] == "unexpected error"


def test_queue_counts_the_jobs_by_status_and_the_queued_ids(client: FlaskClient) -> None:
    submitted = [client.post("/jobs", json=A_DECADE).get_json()["id"] for _ in range(3)]
    client.delete(f"/jobs/{submitted[0]}")

    response = client.get("/queue")

    assert response.status_code == 200
    assert response.get_json() == {
        "queued": 3, "in_flight": 0, "dead_letters": 0, "workers": 0,
        "jobs": {"submitted": 2, "in progress": 0, "complete": 0, "failed": 0, "cancelled": 1},
    }


def test_workers_is_empty_while_no_worker_runs(client: FlaskClient) -> None:
    assert client.get("/workers").get_json() == []


def test_the_queue_gauges_are_read_from_redis_at_each_scrape(client: FlaskClient) -> None:
    for _ in range(2):
        client.post("/jobs", json=A_DECADE)

    metrics = samples(client)

    assert metrics[("hgnc_queue_length", ())] == 2
    assert metrics[("hgnc_jobs_in_flight", ())] == 0
    assert metrics[("hgnc_workers", ())] == 0
    assert metrics[("hgnc_jobs", (("status", "submitted"),))] == 2
    assert metrics[("hgnc_jobs", (("status", "in progress"),))] == 0


@pytest.fixture
def redis_down() -> Iterator[FlaskClient]:
    container = Container()
    override_redis_with_closed_port(container, closed_port())
    yield create_app(container).test_client()
    release(container)


def test_with_redis_down_metrics_still_answers_without_the_queue_gauges(redis_down: FlaskClient) -> None:
    redis_down.get("/help")  # a request counted, whichever tests this process ran before
    metrics = samples(redis_down)

    assert ("hgnc_queue_length", ()) not in metrics
    assert any(name == "hgnc_http_requests_total" for name, _ in metrics)


def test_with_redis_down_queue_and_workers_are_503(redis_down: FlaskClient) -> None:
    for path in ("/queue", "/workers"):
        response = redis_down.get(path)
        assert response.status_code == 503, path
        assert response.mimetype == "application/problem+json"
