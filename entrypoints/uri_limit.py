"""An over-long URI refused by the app itself, 414 problem+json, before the HTTP server's own limit would answer HTML."""
from __future__ import annotations

from flask import Flask, Response, request

from entrypoints.problems import problem

# Under the server's limit on the request line (granian: 16 KiB or more; gunicorn's default was 4094): the
# server must accept request lines of MAX_URI_BYTES + 17 bytes ("OPTIONS " and " HTTP/1.1") for this
# answer to be the one a client gets. The longest URI the API needs, every field of every lookup
# named, is under 1,000 bytes.
MAX_URI_BYTES = 4000


def register_uri_limit(app: Flask) -> None:
    app.before_request(_refuse_long_uri)


def _refuse_long_uri() -> Response | None:
    length = len(_raw_uri())
    if length > MAX_URI_BYTES:
        return problem(414, f"the URI is {length} bytes long; at most {MAX_URI_BYTES} are read", "uri-too-long")
    return None


def _raw_uri() -> str:
    """The request target as sent (RAW_URI or REQUEST_URI, where the server gives one), else rebuilt from the
    path and query."""
    wsgi = request.environ  # the request's WSGI keys, not the process's environment
    raw = wsgi.get("RAW_URI") or wsgi.get("REQUEST_URI")
    if isinstance(raw, str):
        return raw
    return request.full_path
