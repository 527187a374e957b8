"""The API's own OpenAPI document as schemathesis reads it, and the API under fuzz with what a user sees of its data.

CI draws the same inputs on every run. A hunt draws others, every check still on:
`FUZZ_SEED=$RANDOM FUZZ_EXAMPLES=500 python -m pytest tests/e2e/fuzz`.
"""
from __future__ import annotations

import gzip
import hashlib
import os
from typing import Any

import schemathesis
from schemathesis import Case, GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.transport.serialization import serialize_binary

from entrypoints.admin_token import SECURITY_SCHEME
from entrypoints.api import create_app
from entrypoints.containers import Container
from tests.support import ApiClient

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "80"))  # fuzzing phase, both modes mixed; the coverage phase adds its own cases
HUNT_SEED = int(os.environ["FUZZ_SEED"]) if os.environ.get("FUZZ_SEED") else None  # None: CI's fixed draw
# The API under fuzz guards its data routes with this token, as an exposed one would: the fuzz sends it
# where the document asks for it, and schemathesis's `ignored_auth` check tries each such route
# without it and with a wrong one (a 401 expected).
ADMIN_TOKEN = "fuzz-admin-token-8c1d"


def published_document() -> dict[str, Any]:
    """The document the API serves, read at import: schemathesis makes one test per operation of it."""
    container = Container()
    container.config.admin_token.from_value(ADMIN_TOKEN)
    try:
        return create_app(container).test_client().get("/openapi.json").get_json()
    finally:
        container.unwire()


api_schema = schemathesis.openapi.from_dict(published_document())
api_schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES_PER_OPERATION,
    deterministic=HUNT_SEED is None,  # the same inputs on every run: CI is stable
    database="none",  # nothing written under .hypothesis/
)
if HUNT_SEED is not None:
    api_schema.config.seed = HUNT_SEED
# A URI longer than the documented limit is refused with the documented 414 whatever its parameters:
# JSON Schema bounds each parameter, not their sum (22 lookups of 256 characters, percent-encoded).
for status_check in (api_schema.config.checks.positive_data_acceptance, api_schema.config.checks.negative_data_rejection):
    status_check.expected_statuses = [*status_check.expected_statuses, "414"]


@api_schema.auth()
class AdminToken:
    """The bearer token on every case of an operation that declares the scheme (POST and DELETE /data)."""

    def get(self, case: Case, context: schemathesis.AuthContext) -> str:
        return ADMIN_TOKEN

    def set(self, case: Case, data: str, context: schemathesis.AuthContext) -> None:
        if any(SECURITY_SCHEME in requirement for requirement in case.operation.definition.raw.get("security", [])):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def with_admin_token(case: Case) -> Case:
    """A case made by hand, given the token as AdminToken gives it to the generated ones."""
    api_schema.auth.set(case, schemathesis.AuthContext(operation=case.operation, app=None))
    return case


@schemathesis.serializer("application/gzip")
def _gzip(context: schemathesis.SerializationContext, value: Any) -> bytes:
    """An upload declared gzip goes gzipped, so that the fuzz reaches the decompression too."""
    return gzip.compress(serialize_binary(value))


class WatchedApi:
    """The real API process, and what a user can see of its data: the gene records and the job ids."""

    def __init__(self, api: ApiClient, redis_env: dict[str, str]) -> None:
        self.api = api
        self.url = api.url
        self.redis_env = redis_env  # for a worker on the same Redis
        self.session = api.http  # schemathesis sends the cases on the client's session
        self.seen = self.snapshot()
        self.parameters_by_key: dict[str, tuple[object, ...]] = {}  # each Idempotency-Key's first job's parameters

    @property
    def call_kwargs(self) -> dict[str, Any]:
        return {"base_url": self.url, "session": self.session}

    def snapshot(self) -> tuple[str, tuple[str, ...]]:
        genes = self.api.get("/data", timeout=10)
        jobs = self.api.get("/jobs", timeout=10)
        assert genes.status_code == jobs.status_code == 200
        return hashlib.sha256(genes.content).hexdigest(), tuple(jobs.json())

    def call(self, case: Case, **validate: Any) -> schemathesis.Response:
        """Send the case, check the answer against the document, and `check_unchanged`."""
        response = case.call(**self.call_kwargs)
        self.validate(case, response, **validate)
        self.check_unchanged(case, response.status_code)
        return response

    def validate(self, case: Case, response: schemathesis.Response, **validate: Any) -> None:
        """Every check of schemathesis: 5xx, status, media type, schema, headers, acceptance, rejection, methods."""
        key = idempotency_key(case)
        if key is not None and response.status_code == 202:
            self.parameters_by_key.setdefault(key, parameters_sent(case))
        if key is not None and response.status_code == 422:
            # Valid input, refused for what the API remembers: the key came first with other parameters.
            sent = parameters_sent(case)
            assert self.parameters_by_key.get(key, sent) != sent, f"422 for a key not used before: {response.text}"
            case.validate_response(response, excluded_checks=[positive_data_acceptance],
                                   transport_kwargs=self.call_kwargs)
            return
        if names_a_release(case) and response.status_code == 400 \
                and response.json()["type"] == "/problems/unknown-release":
            # Which releases are held is the store's to say, not the schema's.
            case.validate_response(response, excluded_checks=[positive_data_acceptance],
                                   transport_kwargs=self.call_kwargs)
            return
        if case.path in ("/rest/search/{query}", "/rest/fetch/{field}/{term}") and response.status_code == 400:
            # HGNC's query language is a grammar OpenAPI cannot state: a query the schema allows may not
            # parse, and a term of only spaces and control characters is empty once HGNC's `+` is a space.
            case.validate_response(response, excluded_checks=[positive_data_acceptance],
                                   transport_kwargs=self.call_kwargs)
            problem = response.json()
            assert problem["type"] == "/problems/invalid-query" or (
                problem["type"] == "/problems/invalid-input" and "release" in problem["errors"]), response.text
            return
        if case.meta is not None and case.meta.generation.mode.is_positive and (wrong := misordered_field(case)):
            case.validate_response(response, excluded_checks=[positive_data_acceptance],
                                   transport_kwargs=self.call_kwargs)
            assert response.status_code == 400 and wrong in response.json()["errors"], response.text
            return
        case.validate_response(response, transport_kwargs=self.call_kwargs, **validate)

    def check_unchanged(self, case: Case, status: int) -> None:
        """A request the API refused left the genes and the job ids as they were."""
        now = self.snapshot()
        if status >= 400:
            assert now == self.seen, (
                f"{case.method} {case.formatted_path} was refused with {status} and yet the data changed:\n"
                f"{case.as_curl_command()}")
        self.seen = now


def _submitted(case: Case) -> dict[str, Any] | None:
    """The body of a job submission case, if it is one."""
    body = case.body
    return body if case.operation.path == "/jobs" and case.method == "POST" and isinstance(body, dict) else None


def misordered_field(case: Case) -> str | None:
    """The rules of the job parameters that JSON Schema cannot state: start_date <= end_date, and a diff's
    `from` before its `to`; the field a submission breaking one is refused for."""
    body = _submitted(case) or {}
    for first, last in (("start_date", "end_date"), ("from", "to")):
        if isinstance(body.get(first), str) and isinstance(body.get(last), str) and body[first] >= body[last]:
            if body[first] > body[last] or first == "from":
                return last
    return None


def names_a_release(case: Case) -> bool:
    """A request naming a release, held or not: a gene route's `?release=`, `PUT /releases/live`'s body,
    a submission's (an analysis's `release`, a diff's `from` and `to`)."""
    if isinstance(case.query, dict) and case.query.get("release") is not None:
        return True
    if case.path == "/releases/live" and isinstance(case.body, dict) and case.body.get("release") is not None:
        return True
    body = _submitted(case) or {}
    return body.get("release") is not None or body.get("kind") == "release_diff"


def parameters_sent(case: Case) -> tuple[Any, ...]:
    """What an Idempotency-Key compares, from the body as sent: a kind's parameters, absent as null."""
    body = _submitted(case) or {}
    if body.get("kind") == "release_diff":
        return ("release_diff", body.get("from"), body.get("to"))
    return ("analysis", body.get("start_date"), body.get("end_date"), body.get("locus_group"), body.get("release"))


def idempotency_key(case: Case) -> str | None:
    """The Idempotency-Key a submission case sends, if any."""
    if case.operation.path != "/jobs" or case.method != "POST" or not case.headers:
        return None
    key = next((value for name, value in case.headers.items() if name.lower() == "idempotency-key"), None)
    return key if isinstance(key, str) else None
