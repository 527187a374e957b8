"""GET /openapi.json: valid OpenAPI 3.1 of exactly the app's routes, built once, from the marshmallow schemas."""
from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient

from entrypoints import admin_token, openapi
from entrypoints.operation import declared_operation, json_answer, operation
from genes.gene import is_hgnc_id
from genes.lookup import SEARCHABLE_FIELDS


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def routes_of(app: Flask) -> set[tuple[str, str]]:
    return {(method, re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule.rule))
            for rule in app.url_map.iter_rules() if not openapi.serves_files(rule.endpoint)
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(document).validate()


def test_it_documents_every_route_of_the_app_and_no_other(app: Flask, document: dict[str, Any]) -> None:
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert documented == routes_of(app)


def test_help_lists_the_same_routes_with_the_same_descriptions(client: FlaskClient, document: dict[str, Any]) -> None:
    help_lines = {(line["method"], line["route"], line["description"]) for line in client.get("/help").get_json()}
    summaries = {(method.upper(), path, operation["summary"])
                 for path, item in document["paths"].items() for method, operation in item.items()}
    assert help_lines == summaries


def test_request_and_answer_schemas_come_from_the_marshmallow_schemas(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    parameters = schemas["AnalysisParameters"]
    assert parameters["required"] == ["end_date", "start_date"]
    assert parameters["additionalProperties"] is False  # unknown fields are refused
    assert None in parameters["properties"]["locus_group"]["enum"]
    diff = schemas["ReleaseDiffParameters"]
    assert diff["required"] == ["from", "kind", "to"] and diff["additionalProperties"] is False
    submit = document["paths"]["/jobs"]["post"]
    assert submit["requestBody"]["content"]["application/json"]["schema"] == {"oneOf": [
        {"$ref": "#/components/schemas/AnalysisParameters"}, {"$ref": "#/components/schemas/ReleaseDiffParameters"}]}
    assert submit["responses"]["202"]["content"]["application/json"]["schema"] == {"oneOf": [
        {"$ref": "#/components/schemas/Job"}, {"$ref": "#/components/schemas/ReleaseDiffJob"}]}
    results = document["paths"]["/results/{job_id}"]["get"]["responses"]["200"]["content"]
    assert set(results) == {"application/json", "text/tab-separated-values"}
    gene_query = {p["name"]: p for p in document["paths"]["/genes"]["get"]["parameters"]}
    assert set(gene_query) == {*SEARCHABLE_FIELDS, "fields", "limit", "offset", "release", "If-None-Match"}
    assert gene_query["limit"]["schema"]["maximum"] == 50_000
    assert {"type", "title", "status", "detail"} <= set(schemas["Problem"]["required"])
    assert "in progress" in schemas["Job"]["properties"]["status"]["enum"]


def test_every_error_is_documented_as_problem_json(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, answer in operation["responses"].items():
                media_types = set(answer.get("content", {}))
                if int(status) >= 400:
                    assert media_types == {"application/problem+json"}, f"{method} {path} {status}"
                elif status == "304":
                    assert not media_types, f"{method} {path} {status}"
                else:
                    assert media_types & {"application/json", "image/png", "text/plain", "text/html"}, f"{method} {path} {status}"


def test_the_answers_routes_share_are_on_every_route_that_gives_them(app: Flask, document: dict[str, Any]) -> None:
    for rule in app.url_map.iter_rules():
        declared = declared_operation(app.view_functions[rule.endpoint])
        if declared is None:
            continue  # files, not operations
        method = next(iter(rule.methods - {"HEAD", "OPTIONS"})).lower()
        operation = document["paths"][openapi.path_of(rule.rule)][method]
        statuses = set(operation["responses"])
        assert "414" in statuses, rule
        assert ("503" in statuses) == declared.reads_store, rule
        assert ("400" in statuses) >= (declared.query is not None or declared.json_body is not None), rule
        assert ("413" in statuses) == bool(declared.json_body or declared.body), rule
        assert ("415" in statuses) == (declared.json_body is not None), rule
        assert ("304" in statuses) == declared.conditional, rule
        assert ("401" in statuses) == admin_token.requires_admin_token(app.view_functions[rule.endpoint]), rule


def test_the_hgnc_id_pattern_is_the_domains(document: dict[str, Any]) -> None:
    pattern = re.compile(document["paths"]["/genes/{hgnc_id}"]["get"]["parameters"][0]["schema"]["pattern"])
    for text in ("HGNC:5", "HGNC:37133", "HGNC:0", "HGNC:05", "hgnc:5", "HGNC:", "5", "HGNC:1234567890"):
        assert bool(pattern.search(text)) == is_hgnc_id(text), text


def test_the_document_is_built_once_per_app_not_per_request(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_rebuild(_: Flask) -> dict[str, Any]:
        raise AssertionError("the document was built again")

    monkeypatch.setattr(openapi, "openapi_document", no_rebuild)
    client = app.test_client()
    assert client.get("/openapi.json").data == client.get("/openapi.json").data


def test_a_route_nobody_documented_fails_the_build() -> None:
    app = Flask(__name__)
    app.add_url_rule("/undocumented", view_func=lambda: "", endpoint="undocumented")
    with pytest.raises(LookupError, match="/undocumented"):
        openapi.openapi_document(app)


def test_an_operation_declared_on_a_view_is_documented_with_the_shared_answers() -> None:
    app = Flask(__name__)

    @operation("tests", reads_store=True, responses={200: json_answer("an answer", {"type": "string"})})
    def declared() -> str:
        """One line of summary.

        More that the summary leaves out."""
        return ""

    app.add_url_rule("/declared", view_func=declared)
    written = openapi.openapi_document(app)["paths"]["/declared"]["get"]
    assert written["operationId"] == "declared" and written["summary"] == "One line of summary."
    assert written["tags"] == ["tests"] and list(written["responses"]) == ["200", "414", "503"]
