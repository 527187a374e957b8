"""RFC 9457 problem details: every error the API answers, in one shape and one place."""
from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, json
from marshmallow import INCLUDE, Schema, ValidationError, fields
from werkzeug.exceptions import HTTPException

from genes import errors
from genes.job import JobStatus

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)

# Each domain failure, its status and the slug of its problem type.
DOMAIN_PROBLEMS: dict[type[errors.DomainError], tuple[int, str]] = {
    errors.InvalidGeneId: (400, "invalid-gene-id"),
    errors.GeneNotFound: (404, "gene-not-found"),
    errors.GeneWithdrawn: (410, "gene-withdrawn"),
    errors.TooManySymbols: (413, "too-many-symbols"),
    errors.InvalidQuery: (400, "invalid-query"),
    errors.InvalidRelease: (400, "invalid-release"),
    errors.UnknownRelease: (400, "unknown-release"),
    errors.GeneSourceTooLarge: (413, "gene-source-too-large"),
    errors.InvalidGeneSource: (400, "invalid-gene-source"),
    errors.GeneSourceUnavailable: (502, "gene-source-unavailable"),
    errors.StoreNotReplicated: (503, "store-not-replicated"),  # before its base, StoreUnavailable
    errors.StoreUnavailable: (503, "store-unavailable"),
    errors.StoreAccessDenied: (503, "store-access-denied"),  # not an outage: a configuration error
    errors.JobNotFound: (404, "job-not-found"),
    errors.InvalidJobTransition: (409, "invalid-job-transition"),
    errors.ResultsNotReady: (409, "results-not-ready"),
    errors.IdempotencyKeyReused: (422, "idempotency-key-reused"),
}


class ProblemSchema(Schema):
    """RFC 9457 problem details: the body of every error."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"description": "a URI reference naming the kind of problem"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(),
                         metadata={"description": "invalid input: the messages of each wrong field"})
    job_status = fields.Enum(JobStatus, by_value=fields.String, metadata={"description": "the job's status, on a 409"})
    held = fields.List(fields.String(), metadata={"description": "the releases held, newest first, when the one "
                                                                "asked for is not (YYYY-MM-DD)"})


def problem(status: int, detail: str, slug: str | None = None, **extensions: Any) -> Response:
    body = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extensions,
    }
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response


def register_problem_handlers(app: Flask) -> None:
    @app.errorhandler(errors.DomainError)
    def domain_error(error: errors.DomainError) -> Response:
        for kind in type(error).__mro__:
            if kind in DOMAIN_PROBLEMS:
                status, slug = DOMAIN_PROBLEMS[kind]
                if status == 503:  # the cause, e.g. a refused connection, is for the logs only
                    log.warning("store unavailable: %s", error.__cause__ or error)
                job_status = getattr(error, "job_status", None)
                extensions: dict[str, Any] = {"job_status": job_status} if job_status else {}
                if isinstance(error, errors.GeneWithdrawn):
                    extensions["replaced_by"] = error.replaced_by
                if isinstance(error, errors.UnknownRelease):
                    extensions["held"] = error.held
                return problem(status, str(error), slug, **extensions)
        log.exception("unmapped domain error")
        return problem(500, "an unexpected error occurred")

    @app.errorhandler(ValidationError)
    def invalid_input(error: ValidationError) -> Response:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        fields = ", ".join(sorted(messages))
        return problem(400, f"invalid input: {fields}", "invalid-input", errors=messages)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = problem(error.code or 500, error.description or HTTPStatus(error.code or 500).phrase)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected error")
        return problem(500, "an unexpected error occurred")
