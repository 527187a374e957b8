"""The API's OpenAPI 3.1 document, generated from the operations declared on the app's views (entrypoints.operation)."""
from __future__ import annotations

import copy
import json
import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, Response, current_app

from entrypoints import admin_token
from entrypoints.http_caching import ETAG, IF_NONE_MATCH, NOT_MODIFIED
from entrypoints.operation import JSON, Operation, declared_operation, json_answer, operation, problem_answer
from entrypoints.uri_limit import MAX_URI_BYTES
from entrypoints.version import API_VERSION

OPENAPI_VERSION = "3.1.0"
_EXTENSION_KEY = "openapi.json"
_HELP_KEY = "openapi.help"
# Werkzeug's `<converter:name>` and `<name>` become OpenAPI's `{name}`.
RULE_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
_PARAMETER_PLACES = {"path": 0, "query": 1, "header": 2}

# The answers routes share, added by `shared_answers` from what each operation declares.
STORE_DOWN = problem_answer("Redis does not answer; retry after the `Retry-After` seconds",
                            headers={"Retry-After": {"schema": {"type": "integer"}}})
INVALID_INPUT = problem_answer("invalid input: `errors` says which field is wrong and why")
TOO_LARGE = problem_answer("the body is larger than the limit")
NOT_JSON = problem_answer("the body is not sent as application/json")
URI_TOO_LONG = problem_answer(f"the URI is longer than {MAX_URI_BYTES} bytes")
UNAUTHORIZED = problem_answer(
    "no admin token, or a wrong one: the `WWW-Authenticate` header says which (RFC 6750)",
    headers={"WWW-Authenticate": {"schema": {"type": "string"}, "example": 'Bearer realm="hgnc", error="invalid_token"'}})


def serves_files(endpoint: str) -> bool:
    """Whether the route is Flask's `static` (the app's or a blueprint's): files, not an API operation."""
    return endpoint.rpartition(".")[2] == "static"


def path_of(rule: str) -> str:
    """The OpenAPI path of a Werkzeug rule: `/genes/<gene_id:hgnc_id>` is `/genes/{hgnc_id}`."""
    return RULE_VARIABLE.sub(r"{\1}", rule)


def openapi_document(app: Flask) -> dict[str, Any]:
    """The document of every route of `app`; a view with no `@operation` is an error, not a gap."""
    spec = APISpec(
        title="HGNC gene data service",
        version=API_VERSION,
        openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin()],  # a schema class met in an operation becomes a component, named without "Schema"
        info={"description": "The HGNC complete set in Redis, and asynchronous analyses of it. "
                             "Every error is RFC 9457 problem+json."},
    )
    spec.components.security_scheme(admin_token.SECURITY_SCHEME, {
        "type": "http", "scheme": "bearer",
        "description": "`ADMIN_TOKEN`: the routes that replace or delete the gene data require it when it is set"})
    # `{}` beside the scheme makes it optional: so it is while the service runs without ADMIN_TOKEN.
    admin_security: list[dict[str, list[str]]] = [{admin_token.SECURITY_SCHEME: []}]
    if not admin_token.is_configured(app):
        admin_security.append({})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if serves_files(rule.endpoint):
            continue
        view = app.view_functions[rule.endpoint]
        declared = declared_operation(view)
        methods = sorted(m.lower() for m in (rule.methods or set()) - {"HEAD", "OPTIONS"})
        if declared is None:
            raise LookupError(f"{' '.join(methods).upper()} {rule.rule} ({rule.endpoint}) has no @operation on its view")
        if len(methods) != 1:
            raise LookupError(f"{rule.rule} ({rule.endpoint}): one view, one method, one operation; not {methods}")
        written = _written(declared, operation_id=rule.endpoint.rpartition(".")[2],
                           summary=(view.__doc__ or "").strip().partition("\n")[0])
        if admin_token.requires_admin_token(view):
            written["security"] = admin_security
            written["responses"]["401"] = UNAUTHORIZED
        written["responses"] = dict(sorted(written["responses"].items()))
        spec.path(path=path_of(rule.rule), operations={methods[0]: written})
    return spec.to_dict()


def _written(declared: Operation, operation_id: str, summary: str) -> dict[str, Any]:
    """The operation as OpenAPI writes it, the answers every route shares added (a copy: apispec edits it)."""
    declared = copy.deepcopy(declared)
    parameters = list(declared.parameters)
    if declared.query is not None:
        parameters.append({"in": "query", "schema": declared.query})
    if declared.conditional:
        parameters.append(IF_NONE_MATCH)
    written: dict[str, Any] = {"operationId": operation_id, "summary": summary, "tags": [declared.tag]}
    if declared.description:
        written["description"] = declared.description
    if parameters:
        written["parameters"] = sorted(parameters, key=lambda parameter: _PARAMETER_PLACES[parameter["in"]])
    if declared.json_body is not None:
        written["requestBody"] = {"required": True, "content": {JSON: {"schema": declared.json_body}}}
    elif declared.body:
        written["requestBody"] = {"required": declared.body_required, "content": {
            media_type: {"schema": schema} for media_type, schema in declared.body.items()}}
    written["responses"] = {**shared_answers(declared), **{str(status): answer for status, answer in declared.responses.items()}}
    if declared.conditional:
        written["responses"]["200"]["headers"] = {**ETAG, **written["responses"]["200"].get("headers", {})}
    return written


def shared_answers(declared: Operation) -> dict[str, dict[str, Any]]:
    """The answers an operation gives for what it declares, each written once here; its own answers replace them."""
    shared = {"414": URI_TOO_LONG}
    if declared.reads_store:
        shared["503"] = STORE_DOWN
    takes_query = any(parameter.get("in") == "query" for parameter in declared.parameters)
    if declared.query is not None or declared.json_body is not None or takes_query:
        shared["400"] = INVALID_INPUT
    if declared.json_body is not None or declared.body:
        shared["413"] = TOO_LARGE
    if declared.json_body is not None:
        shared["415"] = NOT_JSON
    if declared.conditional:
        shared["304"] = NOT_MODIFIED
    return shared


def register_openapi(app: Flask) -> None:
    """Serve `GET /openapi.json`; call it last: the document, built here once, covers the routes registered so far.
    `GET /help` is made from it at the same time."""
    app.add_url_rule("/openapi.json", view_func=openapi_json)
    document = openapi_document(app)
    app.extensions[_EXTENSION_KEY] = json.dumps(document).encode()
    app.extensions[_HELP_KEY] = json.dumps(route_lines(document)).encode()


def route_lines(document: dict[str, Any]) -> list[dict[str, str]]:
    """Each operation of the document in one line: its method, its path and its summary."""
    return [{"method": method.upper(), "route": path, "description": operation["summary"]}
            for path, item in document["paths"].items() for method, operation in item.items()]


def help_answer() -> Response:
    """`GET /help`: the route lines of this app's document, built with it."""
    return current_app.response_class(current_app.extensions[_HELP_KEY], mimetype=JSON)


@operation("service", {200: json_answer("the OpenAPI document", {"type": "object"})})
def openapi_json() -> Response:
    """This API's OpenAPI 3.1 document, generated from its marshmallow schemas."""
    return current_app.response_class(current_app.extensions[_EXTENSION_KEY], mimetype=JSON)
