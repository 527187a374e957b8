"""Body limits through Flask's test client: a body over the limit is a 413, declared or chunked, and changes nothing."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from entrypoints import gene_views
from tests.problem_details import assert_problem

SAMPLE_TSV = Path(__file__).parent.parent / "fixtures" / "hgnc_sample.tsv"
JOB_LIMIT = 1024
UPLOAD_LIMIT = 64 * 1024


@pytest.fixture
def small_limits(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    app.config["MAX_CONTENT_LENGTH"] = JOB_LIMIT
    monkeypatch.setattr(gene_views, "MAX_UPLOAD_BYTES", UPLOAD_LIMIT)


def chunked(client: FlaskClient, path: str, body: bytes, **headers: str) -> TestResponse:
    """What a server hands over for `Transfer-Encoding: chunked`: a stream that ends, and no Content-Length."""
    return client.post(path, input_stream=io.BytesIO(body), headers=headers,
                       environ_overrides={"wsgi.input_terminated": True})


def job_body(size: int) -> bytes:
    """Valid job parameters padded with spaces to exactly `size` bytes."""
    text = json.dumps({"start_date": "1986-01-01", "end_date": "1991-12-31"})
    return (text + " " * (size - len(text))).encode()


def test_a_chunked_job_body_of_exactly_the_limit_is_submitted(client: FlaskClient, small_limits: None) -> None:
    response = chunked(client, "/jobs", job_body(JOB_LIMIT), **{"Content-Type": "application/json"})
    assert response.status_code == 202, response.get_data(as_text=True)


def test_a_chunked_job_body_one_byte_over_the_limit_is_a_413_and_submits_nothing(
        client: FlaskClient, small_limits: None) -> None:
    response = chunked(client, "/jobs", job_body(JOB_LIMIT + 1), **{"Content-Type": "application/json"})
    problem = assert_problem(response.status_code, response.headers, response.get_data(), 413)
    assert str(JOB_LIMIT) in problem["detail"]
    assert client.get("/jobs").get_json() == []


def test_a_job_body_declaring_more_than_the_limit_is_a_413(client: FlaskClient, small_limits: None) -> None:
    response = client.post("/jobs", data=job_body(JOB_LIMIT + 1), content_type="application/json")
    assert_problem(response.status_code, response.headers, response.get_data(), 413)
    assert client.get("/jobs").get_json() == []


def test_a_chunked_upload_over_the_limit_is_a_413_not_a_truncated_load(client: FlaskClient, small_limits: None) -> None:
    sample = SAMPLE_TSV.read_bytes()
    assert chunked(client, "/data", sample).status_code == 201
    ids = client.get("/genes").get_json()
    # Werkzeug used to cut such a body at the limit silently, and the cut body was parsed.
    oversize = sample + b"\t" * UPLOAD_LIMIT

    response = chunked(client, "/data", oversize)

    assert_problem(response.status_code, response.headers, response.get_data(), 413)
    assert client.get("/genes").get_json() == ids
