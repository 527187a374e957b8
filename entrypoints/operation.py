"""A route's OpenAPI operation, declared on its view with `@operation(...)`: openapi.py collects it from there."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence, TypeVar

from marshmallow import Schema

from entrypoints.problems import PROBLEM_JSON, ProblemSchema

JSON = "application/json"
HTML = "text/html"
BINARY = {"type": "string", "format": "binary"}
_ATTRIBUTE = "openapi_operation"

View = TypeVar("View", bound=Callable[..., Any])
SchemaLike = type[Schema] | dict[str, Any]


@dataclass(frozen=True)
class Operation:
    """What a view takes and answers, beyond what every route shares (openapi.py adds that).

    Used as its view's decorator, right under the route's: `@blueprint.get(...)` then `@operation(...)`.
    The operation's summary is the view's docstring's first line.
    """

    tag: str
    responses: Mapping[int, dict[str, Any]]
    description: str | None = None
    parameters: Sequence[dict[str, Any]] = ()  # path, header and query parameters, as OpenAPI writes them (a query one: 400 too)
    query: type[Schema] | None = None  # the query string: one parameter per field; 400 when invalid
    json_body: SchemaLike | None = None  # a required JSON object body: 400 when invalid, 413, 415
    body: Mapping[str, SchemaLike] = field(default_factory=dict)  # a body of these media types: 413
    body_required: bool = False  # `body` must be sent (400 without it)
    reads_store: bool = False  # 503 with Retry-After while Redis does not answer
    conditional: bool = False  # If-None-Match, its 304, and an ETag on the 200 (http_caching.conditional)

    def __call__(self, view: View) -> View:
        setattr(view, _ATTRIBUTE, self)
        return view


operation = Operation  # `@operation(...)` on a view declares it


def declared_operation(view: Callable[..., Any]) -> Operation | None:
    """The operation declared on `view` (on it or on a view it wraps: functools.wraps copies it), if any."""
    found = getattr(view, _ATTRIBUTE, None)
    return found if isinstance(found, Operation) else None


def json_answer(description: str, schema: SchemaLike, **extra: Any) -> dict[str, Any]:
    """An answer of JSON: `schema` is a marshmallow schema class (a component) or JSON Schema."""
    return {"description": description, "content": {JSON: {"schema": schema}}, **extra}


def problem_answer(description: str, **extra: Any) -> dict[str, Any]:
    """An error: RFC 9457 problem+json."""
    return {"description": description, "content": {PROBLEM_JSON: {"schema": ProblemSchema}}, **extra}


def html_answer(description: str) -> dict[str, Any]:
    return {"description": description, "content": {HTML: {"schema": {"type": "string"}}}}


def path_parameter(name: str, description: str, **schema: Any) -> dict[str, Any]:
    """A path parameter: `<name>` in the route, `{name}` in the document."""
    return {"in": "path", "name": name, "required": True, "description": description,
            "schema": {"type": "string", "minLength": 1, **schema}}
