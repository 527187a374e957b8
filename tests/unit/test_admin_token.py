"""ADMIN_TOKEN guards POST and DELETE /data (RFC 6750); reads and jobs stay open; the document says so."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from entrypoints import admin_token
from entrypoints.api import create_app
from entrypoints.settings import ConfigurationError
from entrypoints.containers import Container
from tests.conftest import FIXTURES
from tests.problem_details import assert_problem

TOKEN = "d6f0c1e2-the-admin-token"
SAMPLE_TSV = (FIXTURES / "hgnc_sample.tsv").read_bytes()
GUARDED = [("POST", "/data"), ("DELETE", "/data"), ("POST", "/data/withdrawn"), ("PUT", "/releases/live")]
OPEN = [("GET", "/data"), ("GET", "/genes"), ("GET", "/genes/HGNC:5"), ("GET", "/jobs"), ("GET", "/health"),
        ("GET", "/help"), ("GET", "/openapi.json")]


@pytest.fixture
def guarded_app(container: Container) -> Flask:
    container.config.admin_token.from_value(TOKEN)
    return create_app(container)


@pytest.fixture
def guarded(guarded_app: Flask) -> FlaskClient:
    """A client of an app with ADMIN_TOKEN set, the sample set loaded (with the token)."""
    client = guarded_app.test_client()
    assert client.post("/data", data=SAMPLE_TSV, headers=bearer(TOKEN)).status_code == 201
    return client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def state(client: FlaskClient) -> tuple[bytes, bytes]:
    return client.get("/data").get_data(), client.get("/jobs").get_data()


def refused(response: Any, error: str | None) -> dict[str, Any]:
    problem = assert_problem(response.status_code, response.headers, response.get_data(), 401)
    expected = 'Bearer realm="hgnc"' + (f', error="{error}"' if error else "")
    assert response.headers["WWW-Authenticate"] == expected
    return problem


@pytest.mark.parametrize(("method", "path"), GUARDED)
@pytest.mark.parametrize("authorization", [None, "", "Basic dXNlcjpwYXNz", "Token " + TOKEN, TOKEN])
def test_without_a_bearer_token_the_data_routes_answer_401_and_change_nothing(
        guarded: FlaskClient, method: str, path: str, authorization: str | None) -> None:
    before = state(guarded)
    headers = {} if authorization is None else {"Authorization": authorization}
    response = guarded.open(path, method=method, data=SAMPLE_TSV, headers=headers)
    problem = refused(response, None)
    assert problem["type"] == "/problems/admin-token-required"
    assert "Authorization: Bearer" in problem["detail"]
    assert state(guarded) == before


@pytest.mark.parametrize(("method", "path"), GUARDED)
@pytest.mark.parametrize("token", ["wrong", TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "", "é" + TOKEN])
def test_a_wrong_bearer_token_answers_401_invalid_token_and_changes_nothing(
        guarded: FlaskClient, method: str, path: str, token: str) -> None:
    before = state(guarded)
    response = guarded.open(path, method=method, data=b"not a gene set", headers=bearer(token))
    problem = refused(response, "invalid_token")
    assert problem["type"] == "/problems/invalid-admin-token"
    assert TOKEN not in response.get_data(as_text=True)
    assert state(guarded) == before


def test_the_right_token_loads_and_deletes(guarded: FlaskClient) -> None:
    assert guarded.delete("/data", headers=bearer(TOKEN)).get_json() == {"deleted": True}
    assert guarded.get("/genes").get_json() == []
    loaded = guarded.post("/data", data=SAMPLE_TSV, headers={"Authorization": f"bearer  {TOKEN} "})
    assert loaded.status_code == 201 and loaded.get_json()["count"] == 13  # the scheme in any case (RFC 7235)


@pytest.mark.parametrize(("method", "path"), OPEN)
def test_reads_and_service_routes_need_no_token(guarded: FlaskClient, method: str, path: str) -> None:
    assert guarded.open(path, method=method).status_code == 200


def test_jobs_need_no_token(guarded: FlaskClient) -> None:
    submitted = guarded.post("/jobs", json={"start_date": "2000-01-01", "end_date": "2001-01-01"})
    assert submitted.status_code == 202
    assert guarded.delete(f"/jobs/{submitted.get_json()['id']}").status_code == 200


def test_without_admin_token_the_data_routes_stay_open(client: FlaskClient) -> None:
    assert client.post("/data", data=SAMPLE_TSV).status_code == 201
    assert client.delete("/data").get_json() == {"deleted": True}
    assert client.post("/data", data=SAMPLE_TSV, headers=bearer("anything")).status_code == 201


def test_the_document_requires_the_bearer_scheme_on_exactly_the_data_routes_when_it_is_set(guarded: FlaskClient) -> None:
    document = guarded.get("/openapi.json").get_json()
    scheme = document["components"]["securitySchemes"][admin_token.SECURITY_SCHEME]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    secured = {(method.upper(), path): operation["security"]
               for path, item in document["paths"].items() for method, operation in item.items()
               if "security" in operation}
    assert secured == {route: [{admin_token.SECURITY_SCHEME: []}] for route in GUARDED}
    for method, path in GUARDED:
        assert "401" in document["paths"][path][method.lower()]["responses"]


def test_the_document_makes_the_scheme_optional_when_no_token_is_set(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()
    for method, path in GUARDED:
        assert document["paths"][path][method.lower()]["security"] == [{admin_token.SECURITY_SCHEME: []}, {}]


@pytest.mark.parametrize("token", ["two words", "tab\there", "é-accent", "line\nbreak"])
def test_a_token_no_client_could_send_is_refused_at_start(container: Container, token: str) -> None:
    container.config.admin_token.from_value(token)
    with pytest.raises(ConfigurationError, match="ADMIN_TOKEN") as refused_token:
        create_app(container)
    assert token not in str(refused_token.value)
