"""A request body read whole within a size limit: over it, 413, whether its length is declared or it comes chunked."""
from __future__ import annotations

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge


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
