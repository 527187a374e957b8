"""A request body read whole within a size limit: over it, 413, whether its length is declared or it comes chunked."""
from __future__ import annotations

import json
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType


def read_body(limit: int | None = None) -> bytes:
    """The body, at most `limit` bytes (by default the app's MAX_CONTENT_LENGTH); 413 beyond."""
    limit = current_app.config["MAX_CONTENT_LENGTH"] if limit is None else limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(f"the body is larger than {limit} bytes")  # refused before it is read
    # Werkzeug ends a chunked body (no Content-Length) silently at max_content_length: reading one
    # byte more than the limit is what tells a body of exactly the limit from a truncated longer one.
    request.max_content_length = limit + 1
    body = request.get_data(cache=False)
    if len(body) > limit:
        raise RequestEntityTooLarge(f"the body is larger than {limit} bytes")
    return body


def json_object_body(what: str, limit: int | None = None) -> dict[str, Any]:
    """The body as a JSON object (415 if not sent as JSON, 400 if not an object); `what` it holds, for the messages."""
    if not request.is_json:
        raise UnsupportedMediaType(f"send {what} as a JSON object with Content-Type: application/json")
    body = read_body(limit)
    if not body:
        raise BadRequest(f"the body is empty: send {what} as a JSON object")
    try:
        document = json.loads(body)
    except ValueError as error:  # UnicodeDecodeError included
        raise BadRequest(f"the body is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise BadRequest(f"the body must be a JSON object of {what}, not {type(document).__name__}")
    return document
