"""The API's OpenAPI 3.1 document, generated from the marshmallow schemas and the app's routes."""
from __future__ import annotations

import copy
import json
import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, Response, current_app

from entrypoints import admin_token, hgnc_schemas, schemas
from entrypoints.problems import PROBLEM_JSON
from genes.gene import HGNC_ID_PATTERN
from genes.hgnc_search import SEARCHABLE_FIELDS as HGNC_SEARCHABLE_FIELDS

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
JSON = "application/json"
HTML = "text/html"
_EXTENSION_KEY = "openapi.json"
_HELP_KEY = "openapi.help"
# Werkzeug's `<converter:name>` and `<name>` become OpenAPI's `{name}`.
RULE_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")

# Component name -> the marshmallow schema it is generated from.
COMPONENTS = {
    "JobParameters": schemas.JobParametersSchema,
    "Job": schemas.JobSchema,
    "Results": schemas.ResultsSchema,
    "GeneRecord": schemas.GeneRecordSchema,
    "LoadSummary": schemas.LoadSummarySchema,
    "Deleted": schemas.DeletedSchema,
    "Health": schemas.HealthSchema,
    "GeneBatchQuery": schemas.GeneBatchQuerySchema,
    "GeneMatch": schemas.GeneMatchSchema,
    "Info": schemas.InfoSchema,
    "Queue": schemas.QueueSchema,
    "Worker": schemas.WorkerSchema,
    "CheckRequest": hgnc_schemas.CheckRequestSchema,
    "CheckRow": hgnc_schemas.CheckRowSchema,
    "Route": schemas.RouteSchema,
    "Problem": schemas.ProblemSchema,
}


def _json(description: str, schema: Any, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}, **extra}


def _problem(description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": "Problem"}}, **extra}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {HTML: {"schema": {"type": "string"}}}}


def _path_parameter(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"in": "path", "name": name, "required": True, "description": description,
            "schema": {"type": "string", "minLength": 1, **schema}}


_BINARY = {"type": "string", "format": "binary"}
_HGNC_ID = {"type": "string", "pattern": f"^{HGNC_ID_PATTERN.pattern}$"}
_HGNC_IDS = {"type": "array", "items": _HGNC_ID}
_JOB_IDS = {"type": "array", "items": {"type": "string"}}
_JOB_ID = _path_parameter("job_id", "the id `POST /jobs` answered")
_STORE_DOWN = _problem("Redis does not answer; retry after the `Retry-After` seconds",
                       headers={"Retry-After": {"schema": {"type": "integer"}}})
_BAD_INPUT = _problem("invalid input: `errors` says which field is wrong and why")
_TOO_LARGE = _problem("the body is larger than the limit")
_NO_JOB = _problem("no job with this id")
_NOT_READY = _problem("the job is not complete (its `job_status` says where it is)")
_UNAUTHORIZED = _problem(
    "no admin token, or a wrong one: the `WWW-Authenticate` header says which (RFC 6750)",
    headers={"WWW-Authenticate": {"schema": {"type": "string"}, "example": 'Bearer realm="hgnc", error="invalid_token"'}})
# The answers that name the loaded set with an ETag: 304 to a client that holds it.
_IF_NONE_MATCH = {"in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"},
                  "description": "the ETag of an earlier answer: 304 if the loaded set is still the same"}
_ETAG = {"ETag": {"description": "names the loaded set (weak); changes with every load",
                  "schema": {"type": "string"}}}
_NOT_MODIFIED = {"description": "the answer held under If-None-Match is still current", "headers": _ETAG}
_CHOSEN = {"type": "object", "required": ["hgnc_id"], "properties": {"hgnc_id": _HGNC_ID}}
_CHOSEN_FIELDS = {"type": "array", "items": _CHOSEN}
_EXPORT_FORMATS = {
    JSON: {"schema": {"type": "array", "items": "GeneRecord"}},
    "application/x-ndjson": {"schema": {"type": "string"}},
    "text/tab-separated-values": {"schema": {"type": "string"}},
}
# Where the id of a submitted job leads (stateful fuzzing follows these).
_JOB_LINKS = {
    name: {"operationId": operation_id, "parameters": {"job_id": "$response.body#/id"}}
    for name, operation_id in (("GetJob", "get_job"), ("CancelJob", "cancel_job"),
                               ("GetResults", "get_results"), ("GetPlot", "get_plot"))
}

# What each view takes and answers, by endpoint and method; its summary is its docstring's first line.
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("genes.load_data", "post"): {
        "tags": ["genes"],
        "description": "Without a body, loads from `HGNC_SOURCE`. The format is recognised from the "
                       "content whatever the Content-Type. A failed load leaves the loaded data untouched.",
        "requestBody": {"required": False, "content": {
            media_type: {"schema": _BINARY}
            for media_type in ("application/octet-stream", JSON, "text/tab-separated-values", "application/gzip")
        }},
        "responses": {
            "201": _json("the new set is loaded", "LoadSummary"),
            "400": _problem("the source is not an HGNC complete set"),
            "413": _TOO_LARGE,
            "502": _problem("`HGNC_SOURCE` cannot be read"),
            "503": _STORE_DOWN,
        },
    },
    ("genes.export_data", "get"): {
        "tags": ["genes"],
        "description": "JSON by default; `Accept: application/x-ndjson` gives one record a line, "
                       "`Accept: text/tab-separated-values` HGNC's TSV (its columns in their order, lists "
                       "joined with `|`), which `POST /data` loads back to the same records. gzip-encoded "
                       "for a client that accepts it, streamed either way.",
        "parameters": [_IF_NONE_MATCH],
        "responses": {"200": {"description": "every record; none when nothing is loaded",
                              "content": _EXPORT_FORMATS, "headers": _ETAG},
                      "304": _NOT_MODIFIED, "503": _STORE_DOWN},
    },
    ("genes.delete_data", "delete"): {
        "tags": ["genes"],
        "responses": {"200": _json("the data is gone", "Deleted"), "503": _STORE_DOWN},
    },
    ("genes.list_genes", "get"): {
        "tags": ["genes"],
        "description": "Every lookup given must hold. Matching is exact and in any case. Without `fields`, "
                       "the ids; with it, one object per gene: `hgnc_id` and those fields.",
        "parameters": [{"in": "query", "schema": schemas.GeneQuerySchema}, _IF_NONE_MATCH],
        "responses": {"200": _json("the matching genes: by `symbol`'s rank when it is given, else in load order",
                                   {"anyOf": [_HGNC_IDS, _CHOSEN_FIELDS]}, headers=_ETAG),
                      "304": _NOT_MODIFIED, "400": _BAD_INPUT, "503": _STORE_DOWN},
    },
    ("genes.query_genes", "post"): {
        "tags": ["genes"],
        "description": "Each term is matched against each scope (default `hgnc_id` and `symbol`, "
                       "ranked as `GET /genes?symbol=` ranks). The answer lists, in the order of `q`, one "
                       "object per gene found per term (its record, or `hgnc_id` and `fields`), and "
                       "`{\"query\": term, \"notfound\": true}` for a term that found none.",
        "requestBody": {"required": True, "content": {JSON: {"schema": "GeneBatchQuery"}}},
        "responses": {"200": _json("the matches", {"type": "array", "items": "GeneMatch"}),
                      "400": _BAD_INPUT, "413": _TOO_LARGE,
                      "415": _problem("the body is not sent as application/json"), "503": _STORE_DOWN},
    },
    ("genes.get_gene", "get"): {
        "tags": ["genes"],
        # Any text reaches the view (no routing-level 404): one that does not match is answered 400.
        "parameters": [_path_parameter("hgnc_id", "e.g. `HGNC:5`", pattern=_HGNC_ID["pattern"]),
                       {"in": "query", "schema": schemas.GeneFieldsSchema}, _IF_NONE_MATCH],
        "responses": {"200": _json("the record; with `fields`, its `hgnc_id` and those fields it has",
                                   {"anyOf": [{"$ref": "#/components/schemas/GeneRecord"}, _CHOSEN]},
                                   headers=_ETAG),
                      "304": _NOT_MODIFIED,
                      "400": _problem("not an hgnc_id, or an unknown field name"),
                      "404": _problem("no gene with this id"),
                      "410": _problem("the id's entry was withdrawn: `replaced_by` lists the ids HGNC names "
                                      "instead (POST /data/withdrawn loads them)"),
                      "503": _STORE_DOWN},
    },
    ("check.check_symbols", "post"): {
        "tags": ["genes"],
        "description": "HGNC's multi-symbol checker. A JSON list of symbols, `{\"symbols\": [...] or text, "
                       "\"case_sensitive\": true}`, or plain text as pasted (one a line, or separated by commas, "
                       "spaces or tabs; `?case_sensitive=true`), up to 100,000 symbols. One row per match, in "
                       "input order: approved before previous before alias before withdrawn; `Unmatched` when "
                       "none. Matching is literal and, by default, in any case. `Accept: "
                       "text/tab-separated-values` gives a TSV a spreadsheet opens as is.",
        "parameters": [{"in": "query", "name": "case_sensitive", "required": False,
                        "schema": {"type": "boolean", "default": False},
                        "description": "for a plain-text body: match in the symbols' case only"}],
        "requestBody": {"required": True, "content": {
            JSON: {"schema": {"anyOf": [{"$ref": "#/components/schemas/CheckRequest"},
                                        {"type": "array", "items": {"type": "string"}, "maxItems": 100_000}]}},
            "text/plain": {"schema": {"type": "string", "minLength": 1}}}},
        "responses": {"200": {"description": "a row per match", "content": {
            JSON: {"schema": {"type": "array", "items": "CheckRow"}},
            "text/tab-separated-values": {"schema": {"type": "string"}}}},
            "400": _BAD_INPUT, "413": _problem("more than 100,000 symbols, or a larger body than the limit"),
            "503": _STORE_DOWN},
    },
    ("rest.rest_info", "get"): {
        "tags": ["HGNC REST mirror"],
        "description": "As `https://rest.genenames.org/info`: XML by default, JSON on `Accept: application/json`. "
                       "`numDoc` counts the approved records and the withdrawn entries loaded.",
        "responses": {"200": {"description": "lastModified, numDoc, searchableFields, storedFields", "content": {
            "application/xml": {"schema": {"type": "string"}}, JSON: {"schema": {"type": "object"}}}}},
    },
    ("rest.rest_fetch", "get"): {
        "tags": ["HGNC REST mirror"],
        "description": "As HGNC's `/fetch/{field}/{term}`: every stored field of each record whose `field` holds "
                       "`term` (in any case; no wildcards), in `{\"responseHeader\", \"response\": {\"numFound\", "
                       "\"start\", \"docs\"}}` or Solr's XML. A withdrawn entry is found with its `status`.",
        "parameters": [_path_parameter("field", "a searchable field, e.g. `symbol`", enum=list(HGNC_SEARCHABLE_FIELDS)),
                       _path_parameter("term", "e.g. `ZNF3`; `+` or `%20` for a space")],
        "responses": {"200": {"description": "the matching records", "content": {
            "application/xml": {"schema": {"type": "string"}}, JSON: {"schema": {"type": "object"}}}},
            "400": _problem("not a searchable field"), "503": _STORE_DOWN},
    },
    ("rest.rest_search", "get"): {
        "tags": ["HGNC REST mirror"],
        "description": "As HGNC's `/search/{term}` and `/search/{field}/{term}`, its query syntax in the path: "
                       "`field:term`, `AND`, `OR`, `NOT`, parentheses, quoted phrases, `*` and `?` wildcards. Each "
                       "doc gives `hgnc_id`, `symbol` and `score`, best first; an exact approved symbol ranks first.",
        "parameters": [_path_parameter("query", "e.g. `BRAF`, `symbol/ZNF*`, `symbol:BRAF+AND+status:Approved`")],
        "responses": {"200": {"description": "the matches, with numFound and maxScore", "content": {
            "application/xml": {"schema": {"type": "string"}}, JSON: {"schema": {"type": "object"}}}},
            "400": _problem("the query is malformed, or names a field that is not searchable"), "503": _STORE_DOWN},
    },
    ("check.load_withdrawn", "post"): {
        "tags": ["genes"],
        "description": "Without a body, loads from `HGNC_WITHDRAWN_SOURCE` (default: HGNC's withdrawn.txt). "
                       "Takes HGNC's withdrawn TSV or JSON, or a custom download, of which it keeps the "
                       "withdrawn rows. What the approved routes count and list is unchanged.",
        "requestBody": {"required": False, "content": {
            media_type: {"schema": _BINARY}
            for media_type in ("application/octet-stream", JSON, "text/tab-separated-values", "application/gzip")
        }},
        "responses": {
            "201": _json("the withdrawn entries are loaded", "LoadSummary"),
            "400": _problem("the source holds no withdrawn entries of HGNC's"),
            "413": _TOO_LARGE,
            "502": _problem("`HGNC_WITHDRAWN_SOURCE` cannot be read"),
            "503": _STORE_DOWN,
        },
    },
    ("genes.info", "get"): {
        "tags": ["genes"],
        "parameters": [_IF_NONE_MATCH],
        "responses": {"200": _json("what is loaded", "Info", headers=_ETAG), "304": _NOT_MODIFIED,
                      "503": _STORE_DOWN},
    },
    ("jobs.submit_job", "post"): {
        "tags": ["jobs"],
        "description": "With an `Idempotency-Key`, sending the same parameters again answers the first job "
                       "(same id and `Location`) for as long as that job is kept, and submits nothing.",
        "parameters": [{
            "in": "header", "name": schemas.IDEMPOTENCY_KEY_HEADER, "required": False,
            "description": "the client's unique key for this submission, e.g. a UUID (IETF httpapi draft)",
            "schema": {"type": "string", "pattern": f"^{schemas.IDEMPOTENCY_KEY.pattern}$"},
        }],
        "requestBody": {"required": True, "content": {JSON: {"schema": "JobParameters"}}},
        "responses": {
            "202": _json("submitted: a worker will run it (or, for an `Idempotency-Key` sent before, "
                         "the job first submitted with it)", "Job", headers={
                "Location": {"description": "the job's URL", "schema": {"type": "string"}}},
                links=_JOB_LINKS),
            "400": _BAD_INPUT,
            "413": _TOO_LARGE,
            "415": _problem("the body is not sent as application/json"),
            "422": _problem("the `Idempotency-Key` was first sent with other parameters"),
            "503": _STORE_DOWN,
        },
    },
    ("jobs.list_jobs", "get"): {
        "tags": ["jobs"],
        "parameters": [{"in": "query", "schema": schemas.JobListQuerySchema}],
        "responses": {"200": _json("job ids, oldest first; an expired job is in none", _JOB_IDS), "400": _BAD_INPUT, "503": _STORE_DOWN},
    },
    ("jobs.get_job", "get"): {
        "tags": ["jobs"],
        "parameters": [_JOB_ID],
        "responses": {"200": _json("the job", "Job"), "404": _NO_JOB, "503": _STORE_DOWN},
    },
    ("jobs.cancel_job", "delete"): {
        "tags": ["jobs"],
        "parameters": [_JOB_ID],
        "responses": {"200": _json("the cancelled job", "Job"), "404": _NO_JOB,
                      "409": _problem("a worker has started it, or it is finished"), "503": _STORE_DOWN},
    },
    ("jobs.get_results", "get"): {
        "tags": ["jobs"],
        "parameters": [_JOB_ID],
        "responses": {"200": _json("the analysis", "Results"), "404": _NO_JOB, "409": _NOT_READY,
                      "503": _STORE_DOWN},
    },
    ("jobs.get_plot", "get"): {
        "tags": ["jobs"],
        "parameters": [_JOB_ID],
        "responses": {
            "200": {"description": "the PNG", "content": {"image/png": {"schema": _BINARY}}},
            "404": _NO_JOB, "409": _NOT_READY, "503": _STORE_DOWN,
        },
    },
    ("monitoring.queue_overview", "get"): {
        "tags": ["monitoring"],
        "responses": {"200": _json("each count from a constant number of Redis calls", "Queue"), "503": _STORE_DOWN},
    },
    ("monitoring.list_workers", "get"): {
        "tags": ["monitoring"],
        "responses": {"200": _json("the workers holding a live lease, oldest first",
                                   {"type": "array", "items": "Worker"}), "503": _STORE_DOWN},
    },
    ("monitoring.metrics", "get"): {
        "tags": ["monitoring"],
        "description": "The Prometheus text format (OpenMetrics when the scraper's Accept header asks for it). "
                       "With Redis down it still answers, without the queue's gauges.",
        "responses": {"200": {"description": "every metric", "content": {"text/plain": {"schema": {"type": "string"}}}}},
    },
    ("pages.console", "get"): {
        "tags": ["pages"],
        "responses": {"200": _html("the console, an HTML page")},
    },
    ("pages.docs", "get"): {
        "tags": ["pages"],
        "responses": {"200": _html("Swagger UI, an HTML page")},
    },
    ("health", "get"): {
        "tags": ["service"],
        "responses": {"200": _json("Redis answers", "Health"), "503": _STORE_DOWN},
    },
    ("help_page", "get"): {
        "tags": ["service"],
        "responses": {"200": _json("every route", {"type": "array", "items": "Route"})},
    },
    ("openapi_json", "get"): {
        "tags": ["service"],
        "responses": {"200": _json("the OpenAPI document", {"type": "object"})},
    },
}


def serves_files(endpoint: str) -> bool:
    """Whether the route is Flask's `static` (the app's or a blueprint's): files, not an API operation."""
    return endpoint.rpartition(".")[2] == "static"


def openapi_document(app: Flask) -> dict[str, Any]:
    """The document of every route of `app`; a route missing from OPERATIONS is an error, not a gap."""
    spec = APISpec(
        title="HGNC gene data service",
        version=API_VERSION,
        openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin()],
        info={"description": "The HGNC complete set in Redis, and asynchronous analyses of it. "
                             "Every error is RFC 9457 problem+json."},
    )
    for name, schema in COMPONENTS.items():
        spec.components.schema(name, schema=schema)
    spec.components.security_scheme(admin_token.SECURITY_SCHEME, {
        "type": "http", "scheme": "bearer",
        "description": "`ADMIN_TOKEN`: the routes that replace or delete the gene data require it when it is set"})
    # `{}` beside the scheme makes it optional: so it is while the service runs without ADMIN_TOKEN.
    admin_security: list[dict[str, list[str]]] = [{admin_token.SECURITY_SCHEME: []}]
    if not admin_token.is_configured(app):
        admin_security.append({})
    documented = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if serves_files(rule.endpoint):
            continue
        view = app.view_functions[rule.endpoint]
        summary = (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else ""
        operations = {}
        for method in sorted(m.lower() for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}):
            key = (rule.endpoint, method)
            if key not in OPERATIONS:
                raise LookupError(f"{method.upper()} {rule.rule} ({rule.endpoint}) is not documented in {__name__}")
            documented.add(key)
            operations[method] = {"operationId": rule.endpoint.rpartition(".")[2], "summary": summary,
                                  **copy.deepcopy(OPERATIONS[key])}
            if admin_token.requires_admin_token(view):
                operation = operations[method]
                operation["security"] = admin_security
                operation["responses"] = dict(sorted({**operation["responses"], "401": _UNAUTHORIZED}.items()))
        spec.path(path=RULE_VARIABLE.sub(r"{\1}", rule.rule), operations=operations)
    stale = set(OPERATIONS) - documented
    if stale:
        raise LookupError(f"{__name__} documents operations the app does not have: {sorted(stale)}")
    return spec.to_dict()


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


def openapi_json() -> Response:
    """This API's OpenAPI 3.1 document, generated from its marshmallow schemas."""
    return current_app.response_class(current_app.extensions[_EXTENSION_KEY], mimetype=JSON)
