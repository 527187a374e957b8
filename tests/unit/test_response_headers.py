"""Headers on every answer of the app: nosniff, whatever the route, the status or the media type."""
from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/health", 200),
    ("GET", "/data", 200),  # streamed
    ("GET", "/openapi.json", 200),
    ("GET", "/genes/HGNC:5", 404),
    ("GET", "/genes/nonsense", 400),
    ("GET", "/no/such/route", 404),
    ("PUT", "/data", 405),
    ("POST", "/jobs", 415),
])
def test_every_answer_forbids_content_sniffing(client: FlaskClient, method: str, path: str, status: int) -> None:
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_even_an_unexpected_error_forbids_content_sniffing(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("unexpected")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def wsgi_body(app: Flask, method: str, path: str) -> tuple[str, object]:
    """The status and the iterable the app hands a WSGI server."""
    status: list[str] = []
    body = app(EnvironBuilder(path=path, method=method).get_environ(), lambda code, headers, *_: status.append(code))
    return status[0], body


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/health/live", "200 OK"),  # jsonify
    ("GET", "/help", "200 OK"),
    ("GET", "/genes/HGNC:5", "404 NOT FOUND"),  # a problem
    ("GET", "/genes?entrez_id=1", "200 OK"),  # a view's own Response
    ("HEAD", "/help", "200 OK"),
])
def test_an_answer_whole_in_memory_goes_to_the_server_as_a_list(app: Flask, method: str, path: str, status: str) -> None:
    code, body = wsgi_body(app, method, path)
    assert code == status and isinstance(body, list)
    assert (b"".join(body) == b"") == (method == "HEAD")


def test_a_streamed_answer_stays_streamed(app: Flask) -> None:
    code, body = wsgi_body(app, "GET", "/data")
    assert code == "200 OK" and not isinstance(body, list)
    assert b"".join(body) == b"[]"  # no set loaded here: an empty list, streamed all the same
