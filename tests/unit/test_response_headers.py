"""Headers on every answer of the app: nosniff, whatever the route, the status or the media type."""
from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient


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
